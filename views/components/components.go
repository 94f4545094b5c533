// Package components holds Steward's domain-agnostic UI widgets: buttons, form
// fields, badges, flashes, tables, pagination, search, dialogs, navigation,
// cards, timelines and chips. Pages in package views compose them; this package
// imports nothing of Steward's, so it knows no catalogs, requests or users.
//
// Conventions every component follows:
//   - Each takes one typed props struct (FooProps); content goes in templ
//     children or templ.Component slots.
//   - Tailwind classes are written as whole literals (in templates, or in switch
//     statements that return whole class lists), so the Tailwind build, which
//     scans views/**/*.go and *.templ, keeps them. Never build a class name from
//     pieces.
//   - Gray for everything neutral, indigo for primary actions, links and focus
//     rings, red only for destruction and errors, and one colour per state
//     meaning (see Tone).
//   - Interactive elements have a visible keyboard focus ring
//     (focus-visible:ring-2) and contrast of at least WCAG AA.
//   - Form fields put the label above, help and error below, link help and error
//     through aria-describedby and set aria-invalid when there is an error.
//   - Nothing needs JavaScript to work. static/app.js only enhances:
//     data-dialog-open, data-dialog-close, data-dismiss and the js-only class.
//
// State-changing forms carry the CSRF token in a hidden field named "_csrf"
// (CSRFField); htmx requests send it in the X-CSRF-Token header, which the page
// layout sets with hx-headers on <body>.
package components

import (
	"strconv"
	"strings"

	"github.com/a-h/templ"
)

// CSRFFieldName is the name of the hidden form field that carries the CSRF token.
const CSRFFieldName = "_csrf"

// NavLink is one link of a navigation list (Tabs, Breadcrumbs). Current marks
// the page the user is on; it is rendered with aria-current="page".
type NavLink struct {
	Label   string
	URL     string
	Current bool
	// After, when set, is shown right after the label inside the link, such as a count that an
	// htmx answer replaces out of band.
	After templ.Component
}

// HiddenField is a name and value sent along with a form in a hidden input.
type HiddenField struct {
	Name  string
	Value string
}

// Align is the horizontal alignment of a table column.
type Align string

// Table column alignments. Numbers, dates and row actions read best right-aligned.
const (
	AlignLeft  Align = "left"
	AlignRight Align = "right"
)

// Tone is the colour meaning of a state. Each meaning has exactly one colour,
// everywhere in the portal (badges, timeline dots).
type Tone string

// The tones. Use StateTone to pick one from a state name.
const (
	ToneNeutral   Tone = "neutral"   // gray: canceled, expired, removed, anything unknown
	ToneWaiting   Tone = "waiting"   // amber: pending, waiting for someone
	ToneSuccess   Tone = "success"   // green: delivered, active, approved
	ToneDanger    Tone = "danger"    // red: denied, failed
	ToneScheduled Tone = "scheduled" // blue: starts in the future
	TonePartial   Tone = "partial"   // orange: partially delivered
	ToneAccent    Tone = "accent"    // indigo: counts and highlights that are not states
)

// StateTone returns the tone for a state name such as "PendingApproval",
// "delivered" or "partially delivered". Case, spaces, dashes and underscores
// are ignored; unknown states are neutral.
func StateTone(state string) Tone {
	key := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '_':
			return -1
		}
		return r
	}, strings.ToLower(state))
	switch key {
	case "pending", "pendingapproval", "waiting", "submitted", "delivering":
		return ToneWaiting
	case "delivered", "active", "approved":
		return ToneSuccess
	case "denied", "failed":
		return ToneDanger
	case "scheduled":
		return ToneScheduled
	case "partiallydelivered":
		return TonePartial
	}
	return ToneNeutral
}

// badgeClasses returns the classes of a badge of tone t.
func badgeClasses(t Tone) string {
	switch t {
	case ToneWaiting:
		return "bg-amber-50 text-amber-800 ring-amber-600/30"
	case ToneSuccess:
		return "bg-green-50 text-green-800 ring-green-600/30"
	case ToneDanger:
		return "bg-red-50 text-red-700 ring-red-600/20"
	case ToneScheduled:
		return "bg-blue-50 text-blue-700 ring-blue-600/20"
	case TonePartial:
		return "bg-orange-50 text-orange-800 ring-orange-600/30"
	case ToneAccent:
		return "bg-indigo-50 text-indigo-700 ring-indigo-600/20"
	}
	return "bg-gray-100 text-gray-700 ring-gray-500/20"
}

// dotClasses returns the classes of the small coloured dot of tone t, used in
// badges and on timeline markers.
func dotClasses(t Tone) string {
	switch t {
	case ToneWaiting:
		return "bg-amber-500"
	case ToneSuccess:
		return "bg-green-600"
	case ToneDanger:
		return "bg-red-600"
	case ToneScheduled:
		return "bg-blue-600"
	case TonePartial:
		return "bg-orange-500"
	case ToneAccent:
		return "bg-indigo-600"
	}
	return "bg-gray-400"
}

// countText formats a count for a small pill: "1" … "99", then "99+".
func countText(n int) string {
	if n > 99 {
		return "99+"
	}
	return strconv.Itoa(n)
}
