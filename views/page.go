// Package views holds Steward's pages as templ components: the portal shell
// (Layout), the error and signed-out pages, and the pages of each area. Pages
// take typed props and compose the widgets of views/components; they display
// data and hold no rules.
package views

import (
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/stewardhq/steward/views/components"
	"github.com/stewardhq/steward/words"
)

// Page is the per-request data every full page needs.
type Page struct {
	Title            string    // page title, shown in <title> as "<Title> · Steward"
	Section          string    // "access", "approvals", "reviews" or "admin": which top-nav item is current
	User             *PageUser // nil when signed out
	CSRFToken        string
	Flashes          []Flash
	PendingApprovals int       // badge on the Approvals nav item
	PendingReviews   int       // badge on the Reviews nav item
	AdminNav         []NavItem // when non-empty, a left navigation for admin pages
	Breadcrumbs      []NavItem
}

// PageUser is the signed-in person as the shell shows them.
type PageUser struct {
	Name, Email            string
	IsAdmin, CanAdminister bool // CanAdminister: show the Admin nav item
	// TimeZone is the zone set on their profile; while it is empty, the page asks the browser for
	// its zone once (see ZoneDetectForm).
	TimeZone string
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
	Count      int // a badge beside the label when positive, e.g. open tasks
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
			"That could not be done now",
			"Your change was not saved, so it overwrote nothing that anyone else saved.",
			"Reload the page to see the current state, then try again.",
		}
	}
	return errorText{
		"Something went wrong on our side",
		"Steward could not finish this request. It was not caused by anything you did.",
		"Try again in a moment. If it keeps happening, tell your administrator.",
	}
}

// NotFoundMessage says what a page looked for and did not find ("This request does not
// exist, or it was removed."), without the id the refusal names; empty when object is unknown.
func NotFoundMessage(object string) string {
	if object == "" {
		return ""
	}
	return "This " + object + " does not exist, or it was removed."
}

// idPattern matches the ids (UUIDs) that some refusals name for the API's sake.
var idPattern = regexp.MustCompile(`(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// PlainRefusal makes a rule's message a sentence for an error page, or returns "" when it
// names an id, which means nothing to people: the page then says what happened in general words.
func PlainRefusal(msg string) string {
	if msg == "" || idPattern.MatchString(msg) {
		return ""
	}
	return words.Sentence(msg)
}

// FieldMessages tells a validation refusal that reached an error page (no form to show it
// beside its field) as sentences, without the field names.
func FieldMessages(fields map[string]string) string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		if m := PlainRefusal(fields[k]); m != "" {
			out = append(out, m)
		}
	}
	return strings.Join(out, " ")
}

// userZone is the signed-in person's saved time zone, "" when none is or nobody is signed in.
func (p Page) userZone() string {
	if p.User == nil {
		return ""
	}
	return p.User.TimeZone
}
