package handlers

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views"
)

// AdminDirectorySync serves /admin/directory-sync: the LDAP import and the SCIM tokens.
type AdminDirectorySync struct {
	*Base
}

const directorySyncPath = "/admin/directory-sync"

// syncPage is what one rendering of the page adds to the saved state.
type syncPage struct {
	form       *views.DirectorySyncProps // the form as typed; the saved settings when nil
	errs       map[string]string
	test       *entitlement.DirectoryTest
	dryRun     *entitlement.DirectorySyncReport
	newToken   string
	newFor     string
	tokenName  string
	tokenError string
}

func (h AdminDirectorySync) render(c echo.Context, status int, sp syncPage) error {
	p, caps, err := h.adminPage(c, "Directory sync", navDirectorySync)
	if err != nil {
		return err
	}
	if !caps.IsAdmin {
		return refused("Only administrators set up directory sync.")
	}
	ctx := c.Request().Context()
	v, err := h.Svc.DirectorySync(ctx)
	if err != nil {
		return err
	}
	tokens, err := h.Svc.SCIMTokens(ctx)
	if err != nil {
		return err
	}
	now := h.Svc.Clock().Now()
	props := views.DirectorySyncProps{
		Page: p, Settings: v.Settings, HasPassword: v.HasPassword, Configured: v.Configured, Available: v.Available,
		MaxBlock: strconv.Itoa(v.Settings.MaxBlockPercent), Interval: strconv.Itoa(v.Settings.IntervalMinutes),
		Errors: fieldMessages(sp.errs), Test: sp.test,
		SCIMURL: c.Scheme() + "://" + c.Request().Host + "/scim/v2", NewToken: sp.newToken, NewFor: sp.newFor,
		TokenName: sp.tokenName, TokenError: sp.tokenError,
	}
	if sp.form != nil {
		props.Settings, props.MaxBlock, props.Interval = sp.form.Settings, sp.form.MaxBlock, sp.form.Interval
	}
	if v.NextRun != nil {
		props.NextRun = views.At(ctx, now, *v.NextRun)
		if v.NextRun.IsZero() {
			props.NextRun = views.At(ctx, now, now)
		}
	}
	if v.Running != nil {
		r := views.NewSyncProgress(ctx, now, *v.Running)
		props.Running = &r
	}
	if sp.dryRun != nil {
		r := views.NewSyncReport(ctx, now, *sp.dryRun)
		props.DryRun = &r
	}
	for i, r := range v.Reports {
		row := views.NewSyncReport(ctx, now, r)
		row.RunAnyway = i == 0 && r.Outcome == entitlement.RunStopped && v.Available
		props.Reports = append(props.Reports, row)
	}
	for _, t := range tokens {
		row := views.SCIMTokenRow{ID: t.ID, Name: t.Name, Created: views.At(ctx, now, t.CreatedDateTime)}
		if t.LastUsedDateTime != nil {
			row.LastUsed = views.At(ctx, now, *t.LastUsedDateTime)
		}
		props.Tokens = append(props.Tokens, row)
	}
	return Render(c, status, views.DirectorySyncPage(props))
}

// Show renders GET /admin/directory-sync.
func (h AdminDirectorySync) Show(c echo.Context) error {
	return h.render(c, http.StatusOK, syncPage{})
}

// parseLDAPForm reads the settings form; numbers it cannot read are field errors.
func parseLDAPForm(c echo.Context) (views.DirectorySyncProps, map[string]string) {
	f := views.DirectorySyncProps{MaxBlock: strings.TrimSpace(c.FormValue("maxBlockPercent")), Interval: strings.TrimSpace(c.FormValue("intervalMinutes"))}
	s := entitlement.LDAPSettings{
		URL: c.FormValue("url"), StartTLS: c.FormValue("startTLS") != "", CACertificate: c.FormValue("caCertificate"),
		BindDN: c.FormValue("bindDN"), PeopleBaseDN: c.FormValue("peopleBaseDN"), PeopleFilter: c.FormValue("peopleFilter"),
		GroupsBaseDN: c.FormValue("groupsBaseDN"), GroupsFilter: c.FormValue("groupsFilter"), MembershipFrom: c.FormValue("membershipFrom"),
	}
	for _, name := range views.LDAPAttributeNames() {
		*views.LDAPAttributePtr(&s.Attributes, name) = c.FormValue(name)
	}
	errs := map[string]string{}
	var err error
	if s.MaxBlockPercent, err = strconv.Atoi(f.MaxBlock); err != nil {
		errs["maxBlockPercent"] = "enter a share from 0 to 100 percent"
	}
	if f.Interval == "" {
		f.Interval = "0"
	}
	if s.IntervalMinutes, err = strconv.Atoi(f.Interval); err != nil {
		errs["intervalMinutes"] = "enter whole minutes, or 0 to run only when asked"
	}
	f.Settings = s
	return f, errs
}

// Save handles POST /admin/directory-sync: Save settings, or Test connection with the values as
// typed (nothing is saved then).
func (h AdminDirectorySync) Save(c echo.Context) error {
	ctx := c.Request().Context()
	form, errs := parseLDAPForm(c)
	if len(errs) > 0 {
		return h.render(c, http.StatusUnprocessableEntity, syncPage{form: &form, errs: errs})
	}
	password := c.FormValue("bindPassword")
	if c.FormValue("action") == "test" {
		res, err := h.Svc.TestLDAPConnection(ctx, form.Settings, password)
		if fields, ok := FieldErrors(err); ok {
			return h.render(c, http.StatusUnprocessableEntity, syncPage{form: &form, errs: views.ErrorKeys(fields)})
		}
		if err != nil {
			h.Logger(c).WarnContext(ctx, "LDAP connection test", "error", err)
			return h.render(c, http.StatusUnprocessableEntity, syncPage{form: &form, errs: map[string]string{"": "the test failed: " + err.Error()}})
		}
		return h.render(c, http.StatusOK, syncPage{form: &form, test: &res})
	}
	err := h.Svc.SaveLDAPSettings(ctx, form.Settings, password)
	if fields, ok := FieldErrors(err); ok {
		return h.render(c, http.StatusUnprocessableEntity, syncPage{form: &form, errs: views.ErrorKeys(fields)})
	}
	if err != nil {
		return err
	}
	return h.SeeOther(c, directorySyncPath, "LDAP settings saved.")
}

// DryRun handles POST /admin/directory-sync/dry-run: the report of what a sync would change.
func (h AdminDirectorySync) DryRun(c echo.Context) error {
	r, err := h.Svc.RunDirectorySync(c.Request().Context(), entitlement.DirectorySyncOptions{DryRun: true})
	if fields, ok := FieldErrors(err); ok {
		return h.render(c, http.StatusUnprocessableEntity, syncPage{errs: map[string]string{"": firstMessage(fields)}})
	}
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, syncPage{dryRun: &r})
}

// Run handles POST /admin/directory-sync/run: Sync now, or Run anyway (force) after a stop. The
// run goes on in the background; the page shows its progress, then its report.
func (h AdminDirectorySync) Run(c echo.Context) error {
	_, err := h.Svc.StartDirectorySync(c.Request().Context(), c.FormValue("force") != "")
	if fields, ok := FieldErrors(err); ok {
		return h.render(c, http.StatusUnprocessableEntity, syncPage{errs: map[string]string{"": firstMessage(fields)}})
	}
	if err != nil {
		return err
	}
	return h.SeeOther(c, directorySyncPath, "Sync started. Its progress shows under Runs, and its report when it ends.")
}

// Progress handles GET /admin/directory-sync/progress: the run under way, for the page to poll;
// once the run has ended, a fragment that stops the polling and loads the Runs card afresh.
func (h AdminDirectorySync) Progress(c echo.Context) error {
	ctx := c.Request().Context()
	v, err := h.Svc.DirectorySync(ctx)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	if v.Running == nil {
		return Render(c, http.StatusOK, views.SyncProgressFragment(views.SyncProgress{Finished: true}))
	}
	return Render(c, http.StatusOK, views.SyncProgressFragment(views.NewSyncProgress(ctx, h.Svc.Clock().Now(), *v.Running)))
}

// CreateToken handles POST /admin/directory-sync/scim-tokens. The token is in this one answer
// only: it is neither kept nor put in a flash.
func (h AdminDirectorySync) CreateToken(c echo.Context) error {
	name := strings.TrimSpace(c.FormValue("name"))
	token, t, err := h.Svc.CreateSCIMToken(c.Request().Context(), name)
	if fields, ok := FieldErrors(err); ok {
		return h.render(c, http.StatusUnprocessableEntity, syncPage{tokenName: name, tokenError: firstMessage(fields)})
	}
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return h.render(c, http.StatusOK, syncPage{newToken: token, newFor: t.Name})
}

// RevokeToken handles POST /admin/directory-sync/scim-tokens/revoke.
func (h AdminDirectorySync) RevokeToken(c echo.Context) error {
	if err := h.Svc.RevokeSCIMToken(c.Request().Context(), c.FormValue("id")); err != nil {
		return err
	}
	return h.SeeOther(c, directorySyncPath, "SCIM token revoked.")
}
