// Package views holds Steward's pages as templ components: the portal shell
// (Layout), the error and signed-out pages, and the pages of each area. Pages
// take typed props and compose the widgets of views/components; they display
// data and hold no rules.
package views

import (
	"encoding/json"

	"github.com/stewardhq/steward/views/components"
)

// Page is the per-request data every full page needs.
type Page struct {
	Title            string    // page title, shown in <title> as "<Title> · Steward"
	Section          string    // "access", "approvals" or "admin": which top-nav item is current
	User             *PageUser // nil when signed out
	CSRFToken        string
	Flashes          []Flash
	PendingApprovals int       // badge on the Approvals nav item
	AdminNav         []NavItem // when non-empty, a left navigation for admin pages
	Breadcrumbs      []NavItem
}

// PageUser is the signed-in person as the shell shows them.
type PageUser struct {
	Name, Email            string
	IsAdmin, CanAdminister bool // CanAdminister: show the Admin nav item
}

// Flash is a one-time message shown after a redirect.
type Flash struct {
	Kind    string // "success", "error", "info"
	Message string
}

// NavItem is a link in a navigation list: the admin left navigation or the
// breadcrumbs.
type NavItem struct {
	Label, URL string
	Current    bool
}

// The sections of the top navigation, for Page.Section.
const (
	SectionAccess    = "access"
	SectionApprovals = "approvals"
	SectionAdmin     = "admin"
)

// CSRFHeader is the request header in which htmx sends the CSRF token; forms
// send it in the components.CSRFFieldName field.
const CSRFHeader = "X-CSRF-Token"

// documentTitle is the text of <title>.
func (p Page) documentTitle() string {
	if p.Title == "" {
		return "Steward"
	}
	return p.Title + " · Steward"
}

// hxHeaders is the JSON of <body hx-headers>, so every htmx request carries
// the CSRF token. json.Marshal escapes the token; templ escapes the attribute.
func (p Page) hxHeaders() string {
	b, err := json.Marshal(map[string]string{CSRFHeader: p.CSRFToken})
	if err != nil { // cannot happen for a map of strings
		return "{}"
	}
	return string(b)
}

func (p Page) flashMessages() []components.FlashMessage {
	out := make([]components.FlashMessage, len(p.Flashes))
	for i, f := range p.Flashes {
		out[i] = components.FlashMessage(f)
	}
	return out
}

func navLinks(items []NavItem) []components.NavLink {
	out := make([]components.NavLink, len(items))
	for i, it := range items {
		out[i] = components.NavLink{Label: it.Label, URL: it.URL, Current: it.Current}
	}
	return out
}

// errorText is the default wording of an error page.
type errorText struct{ title, message, next string }

func errorWords(status int) errorText {
	switch status {
	case 400, 422:
		return errorText{
			"That request could not be used",
			"Something in the address or the form was not what Steward expected.",
			"Go back, check what you entered and try again.",
		}
	case 401:
		return errorText{
			"Please sign in",
			"You need to be signed in to see this page.",
			"Sign in, and you will be brought back here.",
		}
	case 403:
		return errorText{
			"You don't have access to this page",
			"Your account is not allowed to see or change this.",
			"If you think you should have access, ask an administrator or the owner of the catalog.",
		}
	case 404:
		return errorText{
			"We couldn't find that page",
			"It may have been moved or removed, or the address may be mistyped.",
			"Check the address, or start again from My access.",
		}
	case 409:
		return errorText{
			"Someone else changed this at the same time",
			"Your change was not saved, so nothing was overwritten.",
			"Reload the page to see the latest version, then try again.",
		}
	}
	return errorText{
		"Something went wrong on our side",
		"Steward could not finish this request. It was not caused by anything you did.",
		"Try again in a moment. If it keeps happening, tell your administrator.",
	}
}
