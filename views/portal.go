package views

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views/components"
	"github.com/stewardhq/steward/words"
)

// This file holds the view models of the My access and Approvals pages. Handlers fill them from
// the entitlement service; the templates only display them.

// Time is a moment as pages show it: relative where recency matters ("3 days ago", "in 2
// hours"), the exact time in the person's zone, the same time in UTC for the title attribute, and
// the machine-readable one for <time datetime>.
type Time struct {
	Relative string // "3 days ago"; empty for the zero time
	Local    string // "12 Mar 2026, 15:05 CET": in the person's own zone
	Exact    string // "12 Mar 2026, 14:05 UTC": for the title, so that people can compare
	Date     string // "12 Mar 2026", in the person's zone
	ISO      string // RFC 3339
}

// IsZero reports whether the time is unset.
func (t Time) IsZero() bool { return t.ISO == "" }

// DateFormat and TimeFormat are the one readable format of dates and times everywhere.
const (
	DateFormat = "2 Jan 2006"
	TimeFormat = "2 Jan 2006, 15:04 MST"
	// FormTimeLayout is how datetime-local inputs write times: "2006-01-02T15:04", in the
	// person's zone.
	FormTimeLayout = "2006-01-02T15:04"
)

// At describes t as seen at now, in the zone of ctx's pages.
func At(ctx context.Context, now, t time.Time) Time {
	if t.IsZero() {
		return Time{}
	}
	return Time{Relative: Relative(ctx, now, t), Local: FormatDateTime(ctx, t), Exact: UTCTime(t), Date: FormatDate(ctx, t), ISO: t.UTC().Format(time.RFC3339)}
}

// ExtensionOpensNote tells a holder when they may extend their access.
func ExtensionOpensNote(ctx context.Context, now, opens time.Time) string {
	when := FormatDate(ctx, opens)
	if rel := Relative(ctx, now, opens); !strings.HasPrefix(rel, "on ") {
		when += " (" + rel + ")"
	}
	return "You can extend it from " + when + ", two weeks before it ends."
}

// ExtensionSpan says what an extension changes: "from 11 Apr 2026 to 11 May 2026", "from 11 Apr
// 2026 to no end date"; "until 11 May 2026" when the end it extends is not known.
func ExtensionSpan(from, to *time.Time) string {
	until := "no end date"
	if to != nil {
		until = to.UTC().Format(DateFormat)
	}
	if from == nil {
		if to == nil {
			return "with no end date"
		}
		return "until " + until
	}
	return "from " + from.UTC().Format(DateFormat) + " to " + until
}

// AtPtr is At for an optional time; nil gives the zero Time.
func AtPtr(ctx context.Context, now time.Time, t *time.Time) Time {
	if t == nil {
		return Time{}
	}
	return At(ctx, now, *t)
}

// Relative says how far t lies from now in words: "just now", "5 minutes ago", "in 3 days",
// "yesterday"; beyond 60 days the date itself, in the zone of ctx's pages.
func Relative(ctx context.Context, now, t time.Time) string {
	d := t.Sub(now)
	future := d > 0
	if !future {
		d = -d
	}
	var s string
	switch {
	case d < time.Minute:
		if future {
			return "in a moment"
		}
		return "just now"
	case d < time.Hour:
		s = words.Plural(int(d/time.Minute), "minute", "minutes")
	case d < 24*time.Hour:
		s = words.Plural(int(d/time.Hour), "hour", "hours")
	case d < 48*time.Hour:
		if future {
			return "tomorrow"
		}
		return "yesterday"
	case d < 60*24*time.Hour:
		s = words.Plural(int(d/(24*time.Hour)), "day", "days")
	default:
		if future {
			return "on " + FormatDate(ctx, t)
		}
		return FormatDate(ctx, t)
	}
	if future {
		return "in " + s
	}
	return s + " ago"
}

// Countdown says how long a time left (or a limit) is, rounded up, so that every page counts a
// deadline the same way: the package page's "7 days to decide" is "7 days" on the request page
// and the approver's card until a whole day has passed, not "6 days" a minute after submitting.
func Countdown(d time.Duration) string {
	ceil := func(unit time.Duration) int { return int((d + unit - 1) / unit) }
	switch {
	case d <= 0:
		return "no time"
	case ceil(time.Minute) < 60:
		return words.Plural(ceil(time.Minute), "minute", "minutes")
	case ceil(time.Hour) < 24:
		return words.Plural(ceil(time.Hour), "hour", "hours")
	}
	return words.Plural(ceil(24*time.Hour), "day", "days")
}

// Deadline describes a deadline as seen at now: At, but counted with Countdown ("in 7 days").
func Deadline(ctx context.Context, now, t time.Time) Time {
	w := At(ctx, now, t)
	if t.After(now) {
		w.Relative = "in " + Countdown(t.Sub(now))
	}
	return w
}

// Span says how long d is in words, for "waiting 3 days".
func Span(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "less than a minute"
	case d < time.Hour:
		return words.Plural(int(d/time.Minute), "minute", "minutes")
	case d < 48*time.Hour:
		return words.Plural(int(d/time.Hour), "hour", "hours")
	}
	return words.Plural(int(d/(24*time.Hour)), "day", "days")
}

// Person is someone the pages name.
type Person struct {
	ID, Name, Email string
	Guest           bool
	Organization    string // a guest's connected organization
}

// Label is the name, or the e-mail when there is no name.
func (p Person) Label() string { return cmp.Or(p.Name, cmp.Or(p.Email, "Someone")) }

// Affiliation says where a guest comes from ("Guest from Contoso"); empty for members.
func (p Person) Affiliation() string {
	switch {
	case !p.Guest:
		return ""
	case p.Organization != "":
		return "Guest from " + p.Organization
	}
	return "Guest"
}

// GrantedRole is one resource role a package grants.
type GrantedRole struct {
	Resource string // "Finance reports"
	Kind     string // "Group", "Application", "Site"
	Role     string // "Member"
}

// PackageCard is an access package as lists show it.
type PackageCard struct {
	ID          string
	Name        string
	Description string
	Catalog     string
	Roles       []GrantedRole // empty when the package does not show its roles
	Approval    string        // "Needs approval" or "No approval needed"; empty when it varies
}

// URL is the package's page.
func (c PackageCard) URL() string { return "/access/packages/" + c.ID }

// HomeProps is the data of the My access home page.
type HomeProps struct {
	Query            string        // the search of packages the person may request
	Requestable      []PackageCard // a few packages the person may request (matching Query)
	RequestableTotal int
	// RequestableAtLeast: a search stopped counting at RequestableTotal.
	RequestableAtLeast bool
	Live               []AssignmentRow // live access, soonest ending first
	LiveTotal          int
	Open               []RequestRow // open requests
	OpenTotal          int
	PendingApprovals   int
}

// PackagesProps is the data of the find-access page.
type PackagesProps struct {
	Query      string
	CatalogID  string
	Catalogs   []components.SelectOption // catalogs that offer the person something
	Items      []PackageCard
	Total      int
	Pagination components.PaginationProps
	// NothingOffered: the person may request nothing at all (not just nothing matching the search).
	NothingOffered bool
	// CatalogField: the person can request from more catalogs than a select lists well, so the
	// filter is a text field with suggestions, holding CatalogName (typed, or the chosen
	// catalog's). CatalogUnknown: no catalog the person can request from has that name;
	// SameName: several have it, to choose from.
	CatalogField   bool
	CatalogName    string
	CatalogUnknown bool
	SameName       []CatalogLink
}

// CatalogLink is a catalog to choose in the find-access page's filter.
type CatalogLink struct {
	URL, Name, Description string
}

// PolicyChoice is one policy through which a person may request a package, described in words.
type PolicyChoice struct {
	ID      string
	Name    string
	Summary string   // one line: "Approved by your manager, then Dana Lee · access for 90 days"
	About   string   // the policy's own description, when it has one
	Facts   []string // short facts shown under it: "Justification required", "Can be extended"

	JustificationRequired bool
	ApprovalRequired      bool
	// Lifetime says how long access lasts: "90 days", "until 31 Dec 2026", "until you give it back".
	Lifetime string
	// MaxEnd is the latest end date the policy allows for access starting now, as
	// "2006-01-02T15:04" (UTC), or empty when there is no limit.
	MaxEnd string
	// Questions are what the policy asks, in order.
	Questions []entitlement.Question
}

// StagePreview is one approval stage as the request form shows it before submitting.
type StagePreview struct {
	Title     string   // "Stage 1"
	Approvers []string // names, e.g. "Manny Manager (your manager)"
	Detail    string   // "They have 7 days to decide."
	Note      string   // e.g. "You have no manager in the directory, so the backup approvers decide."
}

// RequestFormProps is the data of a package's page and its request form.
type RequestFormProps struct {
	Package       PackageCard
	RolesHidden   bool // the package does not show what it grants
	Policies      []PolicyChoice
	PolicyID      string // the chosen policy
	Stages        []StagePreview
	Justification string
	Start, End    string // "2006-01-02T15:04" as typed
	Errors        map[string]string
	// Blocked says why the person cannot request now (an open request, live access, no policy);
	// BlockedURL leads to what blocks it.
	Blocked, BlockedURL, BlockedLink string
	Now                              string // "2006-01-02T15:04", the earliest start
	RequestFor
}

// Chosen returns the chosen policy, or the zero value.
func (p RequestFormProps) Chosen() PolicyChoice {
	for _, c := range p.Policies {
		if c.ID == p.PolicyID {
			return c
		}
	}
	return PolicyChoice{}
}

// Action is where the form posts.
func (p RequestFormProps) Action() string { return p.Package.URL() + "/request" }

// OtherErrors are the messages that belong to no field of the form, in a stable order.
func (p RequestFormProps) OtherErrors() []string {
	return otherErrors(p.Errors, "policyId", "justification", "schedule.startDateTime", "schedule.expiration.endDateTime", "schedule.expiration.type")
}

func otherErrors(errs map[string]string, fields ...string) []string {
	known := map[string]bool{}
	for _, f := range fields {
		known[f] = true
	}
	var out []string
	for _, k := range slices.Sorted(maps.Keys(errs)) {
		if !known[k] {
			out = append(out, errs[k])
		}
	}
	return out
}

// State is a request or assignment state as a badge shows it.
type State struct {
	Label string // "Pending approval"
	Tone  components.Tone
}

// Badge returns the badge of the state.
func (s State) Badge() components.BadgeProps {
	return components.BadgeProps{Label: s.Label, Tone: s.Tone}
}

// RequestRow is one request in a list.
type RequestRow struct {
	ID        string
	Package   string
	Kind      string // "Access request", "Extension", "Give back"
	State     State
	Submitted Time
	Status    string // what it waits for, in words: "Waiting for Manny Manager", "Delivered"
}

// URL is the request's page.
func (r RequestRow) URL() string { return "/access/requests/" + r.ID }

// RequestsProps is the data of the my-requests page.
type RequestsProps struct {
	Filter     string // "open", "done" or "all"
	Tabs       []components.NavLink
	Items      []RequestRow
	Total      int
	Pagination components.PaginationProps
}

// RequestDetailProps is the data of one request's page.
type RequestDetailProps struct {
	ID            string
	Package       PackageCard
	Policy        string
	Kind          string
	State         State
	Status        string // the state in a sentence
	Requester     Person
	Target        Person // who gets the access, when not the requester
	Justification string
	Submitted     Time
	Start, End    string // in words: "Now", "12 Mar 2026", "When the policy says (90 days)"
	Timeline      components.TimelineProps
	CanCancel     bool
	AssignmentURL string // the access it delivered, when live
	// Refresh: the request is being delivered; the page reloads its content every few seconds
	// until it is done.
	Refresh bool
	Answers []QA
}

// AssignmentRow is one assignment on the my-access page and the home page.
type AssignmentRow struct {
	ID        string
	PackageID string
	Package   string
	Catalog   string
	Roles     []GrantedRole
	State     State
	Started   Time
	Ends      Time   // zero when it does not end
	EndsWords string // "Ends in 3 days", "No end date", "Ended 2 days ago"
	EndsSoon  bool   // within entitlement.ReminderEarly

	CanExtend       bool
	ExtendApproval  bool   // extending needs approval
	ExtendNote      string // why it cannot be extended, when it cannot
	CanGiveBack     bool
	OpenRequestURL  string // a pending change (extension, removal) of this assignment
	OpenRequestWhat string
}

// ExtendURL is the extension form's address.
func (a AssignmentRow) ExtendURL() string { return "/access/assignments/" + a.ID + "/extend" }

// GiveBackURL is where the give-back form posts.
func (a AssignmentRow) GiveBackURL() string { return "/access/assignments/" + a.ID + "/remove" }

// AssignmentsProps is the data of the my-access page.
type AssignmentsProps struct {
	Filter     string // "live" or "past"
	Tabs       []components.NavLink
	Items      []AssignmentRow
	Total      int
	Pagination components.PaginationProps
}

// ExtendProps is the data of the extension form.
type ExtendProps struct {
	Assignment            AssignmentRow
	Justification         string
	End                   string // "2006-01-02T15:04" as typed
	MaxEnd                string
	Lifetime              string // what the policy gives: "90 more days"
	Approval              string // who approves the extension, in words, or that none is needed
	JustificationRequired bool
	MinEnd                string // the current end: a new end must come after it
	Errors                map[string]string
	// NewEnd is the end the access would have after the extension: the date the person picked
	// (NewEndChosen), or the default, the policy's ExtensionDays counted from the current end
	// (zero when the policy sets no end).
	NewEnd        Time
	NewEndChosen  bool
	ExtensionDays int
}

// PreviewID is the id of the box that shows the current and the new end; picking a date
// replaces it (htmx GET of the form with the date).
const PreviewID = "extend-preview"

// OtherErrors are the messages that belong to no field of the form.
func (p ExtendProps) OtherErrors() []string {
	return otherErrors(p.Errors, "justification", "schedule.expiration.endDateTime", "schedule.expiration.type", "schedule.startDateTime")
}

// ApprovalItem is one request waiting for (or decided by) the signed-in approver.
type ApprovalItem struct {
	ID                   string
	Requester            Person
	Target               Person // who gets the access, when not the requester
	Package              string
	PackageDescription   string
	Catalog              string
	Policy               string
	Kind                 string // "Access request", "Extension"
	Justification        string
	Stage                string // "Stage 1 of 2"
	StageNumber          int    // 1-based, sent with the decision so it cannot land on a later stage
	OtherApprovers       []string
	Escalated            bool
	Submitted            Time
	Waiting              string // "3 days"
	TimesOut             Time
	ReasonRequired       bool
	Schedule             string // "From now until 12 Mar 2026"
	Reason               string // typed reason, kept after an error
	Error                string // why the last decision did not go through
	ReasonError          string // what is wrong with the reason
	Decided              bool   // decided now, or by someone else
	Decision             State  // "Approved" / "Denied"
	DecidedBy            string // "You", or the other approver's name
	DecidedAt            Time
	DecisionReason       string
	DecidedBySomeoneElse bool
	RequestState         State // the request's state now (history)
	Answers              []QA
	// Earlier are the decisions of the stages before this one, so that a later approver sees
	// who let the request through and why.
	Earlier []StageOutcome
	// BulkError says why a decision of several together did not go through for this request;
	// Selected keeps its tick, so that the person can try again.
	BulkError string
	Selected  bool
}

// StageOutcome is the decision of one approval stage.
type StageOutcome struct {
	Stage    string // "Stage 1 of 2"
	Decision State  // "Approved" / "Denied"
	By       string
	At       Time
	Reason   string
}

// DecideURL is where the decision form posts.
func (a ApprovalItem) DecideURL() string { return "/approvals/" + a.ID + "/decide" }

// RequestURL is the request's own page, with its details and history.
func (a ApprovalItem) RequestURL() string { return "/access/requests/" + a.ID }

// ApprovalTabs are the tabs of the approvals pages; the waiting count sits in an element that
// an in-place decision replaces out of band (ApprovalsCountUpdate).
func ApprovalTabs(current string, waiting int) []components.NavLink {
	return []components.NavLink{
		{Label: "Waiting for you", URL: "/approvals", Current: current == "waiting", After: tabCount(waiting)},
		{Label: "Your decisions", URL: "/approvals/history", Current: current == "history"},
	}
}

// DOMID is the id of the item's element, which an in-place decision replaces.
func (a ApprovalItem) DOMID() string { return "approval-" + a.ID }

// ApprovalsProps is the data of the pending-approvals page.
type ApprovalsProps struct {
	Tabs       []components.NavLink
	Items      []ApprovalItem
	Total      int
	Pagination components.PaginationProps
	// Bulk is what came back from deciding several requests together, when some failed.
	Bulk BulkOutcome
}

// BulkOutcome is the answer to a decision of several requests together of which some did not
// go through: the reason typed and the refusals of requests no longer on the list (those on it
// carry their own BulkError).
type BulkOutcome struct {
	Failed  int
	Approve bool
	Reason  string
	Gone    []string // "The request of Riley for GitHub: already decided by Dana"
	More    int      // refusals not named in Gone
}

// ApprovalHistoryProps is the data of the decisions page.
type ApprovalHistoryProps struct {
	Tabs       []components.NavLink
	Items      []ApprovalItem
	Total      int
	Pagination components.PaginationProps
}

func itoa(n int) string { return strconv.Itoa(n) }
