package handlers

import (
	"errors"
	"maps"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views"
	"github.com/stewardhq/steward/words"
)

// The admin navigation's items, for adminPage's current argument.
const (
	navDashboard       = "dashboard"
	navCatalogs        = "catalogs"
	navOrgs            = "orgs"
	navUsers           = "users"
	navGroups          = "groups"
	navDirectorySync   = "directory-sync"
	navServiceAccounts = "serviceAccounts"
	navSettings        = "settings"
	navAudit           = "audit"
	navMail            = "mail"
)

// errNoAdmin is what people without any administrative role get on the admin pages.
var errNoAdmin = refused("The admin pages are for administrators, catalog creators and people with a role in a catalog. Ask an administrator if you need one.")

// refused is the 403 page's refusal, saying who may do what the person tried; the service
// refuses the same on its own, this only words it for the page.
func refused(msg string) *entitlement.RuleError {
	return &entitlement.RuleError{Code: entitlement.CodeForbidden, Kind: entitlement.ErrForbidden, Message: msg}
}

// adminPage builds the data of an admin page: the shell with the admin section current, the left
// navigation showing only what the person may use, and the breadcrumbs. People without any
// administrative role get a 403.
func (b *Base) adminPage(c echo.Context, title, current string, crumbs ...views.NavItem) (views.Page, entitlement.Capabilities, error) {
	p, caps, err := b.pageAndCapabilities(c, title, views.SectionAdmin)
	if err != nil {
		return p, caps, err
	}
	if !caps.CanAdminister {
		return p, caps, errNoAdmin
	}
	p.AdminNav = adminNav(caps, current)
	if canHaveTasks(caps) {
		n, err := b.Svc.OpenTaskCount(c.Request().Context())
		if err != nil {
			return p, caps, err
		}
		p.AdminNav = slices.Insert(p.AdminNav, 2, views.NavItem{Label: "Tasks", URL: "/admin/tasks", Current: current == navTasks, Count: n})
	}
	if len(crumbs) > 0 {
		p.Breadcrumbs = append([]views.NavItem{{Label: "Admin", URL: "/admin"}}, crumbs...)
	}
	return p, caps, nil
}

// canHaveTasks reports whether the person may carry out provisioning tasks: administrators and
// catalog owners.
func canHaveTasks(caps entitlement.Capabilities) bool {
	if caps.IsAdmin {
		return true
	}
	for id := range caps.CatalogRoles {
		if caps.CanManageCatalog(id) {
			return true
		}
	}
	return false
}

// adminNav lists the admin pages the person may use. Catalog roles open the dashboard and the
// catalogs; the directory, partners, settings and the audit log are for administrators.
func adminNav(caps entitlement.Capabilities, current string) []views.NavItem {
	items := []struct{ key, label, url string }{
		{navDashboard, "Overview", "/admin"},
		{navCatalogs, "Catalogs", "/admin/catalogs"},
	}
	if caps.IsAdmin {
		items = append(items, []struct{ key, label, url string }{
			{navOrgs, "Connected organizations", "/admin/connected-organizations"},
			{navUsers, "Users", "/admin/directory/users"},
			{navGroups, "Groups", "/admin/directory/groups"},
			{navDirectorySync, "Directory sync", "/admin/directory-sync"},
			{navServiceAccounts, "Service accounts", "/admin/service-accounts"},
			{navSettings, "Settings", "/admin/settings"},
			{navAudit, "Audit log", "/admin/audit"},
			{navMail, "Sent mail", "/admin/mail"},
		}...)
	}
	out := make([]views.NavItem, len(items))
	for i, it := range items {
		out[i] = views.NavItem{Label: it.label, URL: it.url, Current: it.key == current}
	}
	return out
}

// adminListOptions reads the paging and search parameters of an admin list page.
func adminListOptions(c echo.Context) entitlement.ListOptions {
	return entitlement.ListOptions{
		Search: strings.TrimSpace(c.QueryParam("q")),
		After:  c.QueryParam("after"),
		Before: c.QueryParam("before"),
	}
}

// pageLinks builds the pagination footer of an admin list ("26–50 of 312", previous and next)
// the way the portal's lists do, keeping the other query parameters.
func pageLinks[T any](c echo.Context, path string, page entitlement.Page[T], _ entitlement.ListOptions) views.Pager {
	_, from := listOptions(c)
	p := pagination(c, path, page, from, "")
	return views.Pager{Label: p.Label, PrevURL: p.PrevURL, NextURL: p.NextURL}
}

// ruleRefusal returns the message of a business-rule refusal of the given kind (ErrConflict,
// ErrForbidden, ErrNotFound), so a page can show it in place; ok is false for other errors.
func ruleRefusal(err error, kind error) (string, bool) {
	var re *entitlement.RuleError
	if errors.As(err, &re) && errors.Is(err, kind) {
		return re.Message, true
	}
	return "", false
}

// flashError queues an error message for the next page.
func (b *Base) flashError(c echo.Context, msg string) error {
	return b.Flash(c, "error", msg)
}

// cutKind splits a picker choice "user:<id>" into its kind and id.
func cutKind(v string) (kind, id string, ok bool) {
	kind, id, ok = strings.Cut(v, ":")
	return kind, id, ok && id != ""
}

// firstMessage returns one message of a validation error, as a sentence, for forms that show a
// single message.
func firstMessage(errs map[string]string) string {
	for _, k := range slices.Sorted(maps.Keys(errs)) {
		return words.Sentence(errs[k])
	}
	return ""
}

// article puts "a" or "an" before a role name, in lower case: "an owner", "a reader".
func article(s string) string {
	s = strings.ToLower(s)
	if s == "" {
		return s
	}
	switch strings.ToLower(s[:1]) {
	case "a", "e", "i", "o", "u":
		return "an " + s
	}
	return "a " + s
}
