package views

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views/components"
)

// Pager is the footer of a paginated list.
type Pager struct {
	Label            string // "1–25 of 312"
	PrevURL, NextURL string
}

func (p Pager) props(target string) components.PaginationProps {
	return components.PaginationProps{Label: p.Label, PrevURL: p.PrevURL, NextURL: p.NextURL, Target: target}
}

// Choice is a person, group or organization offered by a people picker or shown as a chip.
type Choice struct {
	Kind   string // "user", "group" or "org"
	ID     string
	Label  string
	Detail string // an e-mail address, a description
}

// KindLabel names a choice's kind for people.
func (c Choice) KindLabel() string { return userSetKindName(c.Kind) }

// PickerProps configures PeoplePicker: a search box that finds users, groups or connected
// organizations and offers each as a button that submits the enclosing form with Name=Prefix+kind:id.
type PickerProps struct {
	ID          string // unique on the page; the results region is ID+"-results"
	Label       string
	Help        string
	Error       string
	Kinds       string // comma-separated: "user", "group", "org"
	Query       string // the search typed (when the page was re-rendered by a no-JS search)
	Results     []Choice
	Searched    bool   // Results are the answer to Query (show "nobody found" when empty)
	Name        string // the name of the choose buttons, e.g. "op"
	Prefix      string // the value prefix of the choose buttons, e.g. "add:requestors:"
	SearchName  string // the name and value of the no-JS search button, which submits the form
	SearchValue string
	QueryName   string // the name of the search input inside the form; ID+"_q" when empty
	// ListErrorID is the id of a message about the list the picker adds to (shown with the
	// list, such as "add at least one approver"), which the search box is described by.
	ListErrorID string
	// Sponsors narrows the people offered to those who may sponsor an organization:
	// "external:<organization id>" or "internal:<organization id>".
	Sponsors string
}

// Browses reports whether the picker lists choices before anything is typed: groups are few
// enough to browse, people are not.
func (p PickerProps) Browses() bool { return p.Kinds == "group" }

// trigger is when the picker searches: as the person types, and for a browsing picker as soon
// as the box gets the focus.
func (p PickerProps) trigger() string {
	if p.Browses() {
		return "focus, input changed delay:250ms, search"
	}
	return "input changed delay:250ms, search"
}

// inputAttrs are the search box's aria-describedby and aria-invalid: its own help and error,
// and the message about its list.
func (p PickerProps) inputAttrs(f components.FieldProps) templ.Attributes {
	a := f.ControlAttrs()
	if p.ListErrorID != "" {
		d, _ := a["aria-describedby"].(string)
		a["aria-describedby"] = strings.TrimSpace(d + " " + p.ListErrorID)
		a["aria-invalid"] = "true"
	}
	return a
}

func (p PickerProps) queryName() string {
	if p.QueryName != "" {
		return p.QueryName
	}
	return p.ID + "_q"
}

// pickerURL is the htmx search endpoint for the picker.
func (p PickerProps) pickerURL() string {
	u := "/admin/people?kinds=" + p.Kinds + "&name=" + url.QueryEscape(p.Name) + "&prefix=" + url.QueryEscape(p.Prefix) + "&qname=" + url.QueryEscape(p.queryName())
	if p.Sponsors != "" {
		u += "&sponsors=" + url.QueryEscape(p.Sponsors)
	}
	return u
}

// PickerResultsProps is the list of matches the picker search returns.
type PickerResultsProps struct {
	Results  []Choice
	Searched bool
	Name     string
	Prefix   string
}

func userSetKindName(kind string) string {
	switch kind {
	case entitlement.UserSetSingleUser, "user":
		return "User"
	case entitlement.UserSetGroupMembers, "group":
		return "Group"
	case entitlement.UserSetConnectedOrgMembers, "org":
		return "Organization"
	case entitlement.UserSetRequestorManager:
		return "Manager"
	case entitlement.UserSetInternalSponsors:
		return "Internal sponsors"
	case entitlement.UserSetExternalSponsors:
		return "External sponsors"
	}
	return kind
}

// FormatDate formats a date the way the portal shows dates everywhere, in the zone of ctx's pages.
func FormatDate(ctx context.Context, t time.Time) string { return t.In(Zone(ctx)).Format(DateFormat) }

// FormatDateTime formats a moment with its time, in the zone of ctx's pages, which it names.
func FormatDateTime(ctx context.Context, t time.Time) string {
	return t.In(Zone(ctx)).Format(TimeFormat)
}

// UTCTime formats a moment in UTC, for the title that shows it on hover.
func UTCTime(t time.Time) string { return t.UTC().Format(TimeFormat) }

// FormTime writes a moment for a datetime-local input, in the zone of ctx's pages.
func FormTime(ctx context.Context, t time.Time) string { return t.In(Zone(ctx)).Format(FormTimeLayout) }

// ParseFormTime reads a datetime-local input (or a date) in the zone of ctx's pages.
func ParseFormTime(ctx context.Context, s string) (time.Time, bool) {
	for _, layout := range []string{FormTimeLayout, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, Zone(ctx)); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// WhenProps is a moment shown relative to now, with the exact time on hover.
type WhenProps struct {
	At  time.Time
	Now time.Time
}
