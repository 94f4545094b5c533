package views

import (
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views/components"
)

// PackageAssignmentsProps configures PackageAssignmentsPage.
type PackageAssignmentsProps struct {
	PackageProps
	State string // the state filter: "live", "Delivered", "Delivering", "Expired" or "all"
	Query string
	Rows  []AdminAssignmentRow
	Pager Pager
}

// AdminAssignmentRow is one assignment of a package.
type AdminAssignmentRow struct {
	Assignment entitlement.Assignment
	Who        string
	Email      string
	UserURL    string
	Policy     string
	Package    string // on a user's page: the package's name
	PackageURL string
}

// AssignmentStateLabel and AssignmentTone say an assignment's state in words and colour.
func AssignmentStateLabel(a entitlement.Assignment) string {
	switch a.AssignmentState {
	case entitlement.AssignmentDelivered:
		if a.AssignmentStatus == entitlement.StatusPartiallyDelivered {
			return "Partially delivered"
		}
		return "Active"
	case entitlement.AssignmentDelivering:
		return "Being granted"
	case entitlement.AssignmentExpired:
		if a.AssignmentStatus == entitlement.StatusRemoved {
			return "Removed"
		}
		return "Expired"
	}
	return string(a.AssignmentState)
}

// AssignmentTone is the colour of an assignment's state.
func AssignmentTone(a entitlement.Assignment) components.Tone {
	switch a.AssignmentState {
	case entitlement.AssignmentDelivered:
		if a.AssignmentStatus == entitlement.StatusPartiallyDelivered {
			return components.TonePartial
		}
		return components.ToneSuccess
	case entitlement.AssignmentDelivering:
		return components.ToneWaiting
	}
	return components.ToneNeutral
}

// AssignmentStateOptions are the assignment filters.
var AssignmentStateOptions = []components.SelectOption{
	{Value: "live", Label: "Live"},
	{Value: string(entitlement.AssignmentDelivered), Label: "Active"},
	{Value: string(entitlement.AssignmentDelivering), Label: "Being granted"},
	{Value: string(entitlement.AssignmentExpired), Label: "Ended"},
	{Value: "all", Label: "All"},
}

// PackageRequestsProps configures PackageRequestsPage.
type PackageRequestsProps struct {
	PackageProps
	State string
	Query string
	Rows  []AdminRequestRow
	Pager Pager
}

// AdminRequestRow is one request with its timeline.
type AdminRequestRow struct {
	Request   entitlement.Request
	Who       string
	UserURL   string
	Requestor string
	Type      string
	Policy    string
	Package   string
	State     State  // the state as a badge, as My access shows it
	Status    string // where the request stands, in words
	Timeline  components.TimelineProps
	// CancelURL, when set, lets the viewer cancel the open request; Return says where to come back
	// to afterwards ("user" for the person's page, else the package's requests).
	CancelURL string
	Return    string
}

// cancelRequestConfirm asks to confirm cancelling a request for someone else.
func cancelRequestConfirm(r AdminRequestRow, csrf string) components.ConfirmProps {
	title := "Cancel " + r.Who + "'s request?"
	if r.Package != "" {
		title = "Cancel " + r.Who + "'s request for " + r.Package + "?"
	}
	msg := "Nothing more happens with it."
	switch r.Request.RequestState {
	case entitlement.StatePendingApproval:
		msg = "The approvers are no longer asked."
	case entitlement.StateScheduled:
		msg = "The access does not start."
	case entitlement.StateDelivering:
		msg = "Steward stops delivering the access and takes back what it already granted."
	}
	return components.ConfirmProps{
		ID: "cancel-request-" + r.Request.ID, Title: title,
		Message: msg,
		Action:  r.CancelURL, CSRFToken: csrf, Hidden: []components.HiddenField{{Name: "return", Value: r.Return}},
		ConfirmLabel: "Cancel request", CancelLabel: "Keep it", TriggerLabel: "Cancel request", TriggerSize: components.ButtonSmall,
		FallbackURL: r.fallbackURL(), CancelURL: r.backURL(),
	}
}

// fallbackURL is the page that asks to confirm the cancel without JavaScript.
func (r AdminRequestRow) fallbackURL() string {
	if r.Return == "" {
		return r.CancelURL
	}
	return r.CancelURL + "?return=" + r.Return
}

// backURL is where cancelling the request comes back to.
func (r AdminRequestRow) backURL() string { return CancelReturnURL(r.Request, r.Return) }

// CancelReturnURL is where cancelling a request for someone comes back to: the person's page when
// it came from there (from is "user"), else the package's requests.
func CancelReturnURL(r entitlement.Request, from string) string {
	if from == "user" {
		return "/admin/directory/users/" + r.TargetID
	}
	return "/admin/packages/" + r.AccessPackageID + "/requests"
}

// CancelRequestProps configures CancelRequestPage.
type CancelRequestProps struct {
	Page   Page
	Row    AdminRequestRow
	Reason string
	Error  string // by the reason
}

// RequestStateOptions are the request filters.
var RequestStateOptions = []components.SelectOption{
	{Value: "open", Label: "Open"},
	{Value: string(entitlement.StatePendingApproval), Label: "Waiting for approval"},
	{Value: string(entitlement.StateScheduled), Label: "Scheduled"},
	{Value: string(entitlement.StateDelivered), Label: "Delivered"},
	{Value: string(entitlement.StatePartiallyDelivered), Label: "Partially delivered"},
	{Value: string(entitlement.StateDenied), Label: "Denied"},
	{Value: string(entitlement.StateCanceled), Label: "Canceled"},
	{Value: "all", Label: "All"},
}

// RequestTypeLabel says what a request asks for.
func RequestTypeLabel(t string) string {
	switch t {
	case entitlement.RequestUserAdd:
		return "Requested"
	case entitlement.RequestUserExtend:
		return "Extension"
	case entitlement.RequestUserRemove:
		return "Gave back"
	case entitlement.RequestAdminAdd:
		return "Assigned directly"
	case entitlement.RequestAdminRemove:
		return "Removed by an admin"
	case entitlement.RequestSystemRemove:
		return "Ended by Steward"
	}
	return t
}

// AssignFormProps configures AssignFormPage: direct assignment of a package to people.
type AssignFormProps struct {
	PackageProps
	Chosen        []Choice
	Picker        PickerProps
	Policies      []components.SelectOption
	Policy        string
	Start, End    string
	Justification string
	Errors        map[string]string
	Failures      []string // people who could not be assigned, and why
}

// assignmentSince is when an assignment started: its scheduled start, or when it was made.
func assignmentSince(a entitlement.Assignment) time.Time {
	if a.Schedule.StartDateTime != nil {
		return *a.Schedule.StartDateTime
	}
	return a.CreatedDateTime
}

func emptyAssignmentsWhy(query string) string {
	if query != "" {
		return "Nobody matching \u201c" + query + "\u201d holds or held this package with this state."
	}
	return "Nobody holds this package with this state."
}

// removeAssignmentConfirm asks to remove row r's assignment. The rows share one dialog (see
// components.ConfirmOpener), which asks about "this person" until a row's Remove fills in its own.
func removeAssignmentConfirm(p PackageAssignmentsProps, r AdminAssignmentRow) components.ConfirmProps {
	c := components.ConfirmProps{
		ID: "remove-assignment", Title: "Remove " + r.Who + "'s access to " + p.Package.DisplayName + " now?",
		Message:   "They lose its resource roles at once, unless another of their assignments still grants them. The removal is recorded in the audit log.",
		CSRFToken: p.Page.CSRFToken, ConfirmLabel: "Remove access", TriggerLabel: "Remove", TriggerSize: components.ButtonSmall,
	}
	if r.Assignment.ID != "" {
		c.Action = p.URL() + "/assignments/" + r.Assignment.ID + "/remove"
	}
	return c
}
