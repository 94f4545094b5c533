package handlers

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views"
	"github.com/stewardhq/steward/views/components"
	"github.com/stewardhq/steward/words"
)

// This file holds what the My access and Approvals handlers share: list paging, and the words
// and view models the pages show for packages, policies, requests and assignments.

// pageSize is the length of the portal's lists.
const pageSize = 25

// now is the service's clock, so pages and rules agree on the time (tests move it).
func (b *Base) now() time.Time { return b.Svc.Clock().Now().UTC() }

// listOptions reads the paging of a list from the query: after / before cursors and "from", the
// position of the page's first item (for "26–50 of 312").
func listOptions(c echo.Context) (entitlement.ListOptions, int) {
	from, _ := strconv.Atoi(c.QueryParam("from"))
	if from < 0 {
		from = 0
	}
	return entitlement.ListOptions{Limit: pageSize, After: c.QueryParam("after"), Before: c.QueryParam("before")}, from
}

// pagination builds the footer of a list page: the position and the previous and next links,
// which keep the other query parameters (search, filters).
func pagination[T any](c echo.Context, path string, page entitlement.Page[T], from int, target string) components.PaginationProps {
	if page.Prev == "" {
		from = 0
	}
	// "from" comes from the link, so it may be forged: the page cannot start past the end, nor,
	// where a search stopped counting and the end is unknown, so far that the label overflows.
	if page.TotalAtLeast {
		from = min(from, math.MaxInt32)
	} else {
		from = min(from, max(page.Total-len(page.Items), 0))
	}
	q := c.QueryParams()
	link := func(cursorName, cursor string, at int) string {
		v := url.Values{}
		for k, vals := range q {
			if k == "after" || k == "before" || k == "from" || k == components.CSRFFieldName {
				continue
			}
			for _, x := range vals {
				if x != "" {
					v.Add(k, x)
				}
			}
		}
		v.Set(cursorName, cursor)
		if at > 0 {
			v.Set("from", strconv.Itoa(at))
		}
		return path + "?" + v.Encode()
	}
	p := components.PaginationProps{Target: target}
	n := len(page.Items)
	switch {
	case page.Total == 0 || n == 0:
		p.Label = "No results"
	case page.TotalAtLeast && page.Next == "":
		// The last page of a search that stopped counting: its end is the total.
		p.Label = fmt.Sprintf("%d–%d of %d", from+1, from+n, from+n)
	case page.TotalAtLeast:
		p.Label = fmt.Sprintf("%d–%d of %d+", from+1, from+n, max(page.Total, from+n))
	default:
		p.Label = fmt.Sprintf("%d–%d of %d", from+1, from+n, page.Total)
	}
	if page.Prev != "" {
		p.PrevURL = link("before", page.Prev, max(0, from-pageSize))
	}
	if page.Next != "" {
		p.NextURL = link("after", page.Next, from+n)
	}
	return p
}

// tabs builds the tabs of a list filtered by a "show" parameter.
func tabs(path, current string, items ...[2]string) []components.NavLink {
	out := make([]components.NavLink, 0, len(items))
	for i, it := range items {
		u := path
		if i > 0 {
			u = path + "?show=" + it[0]
		}
		out = append(out, components.NavLink{Label: it[1], URL: u, Current: it[0] == current})
	}
	return out
}

// ruleMessage returns the message of an expected refusal by a business rule that conflicts with
// the state of things (already decided, a duplicate request, nothing left to cancel), which pages
// show to the person; false for other errors, which go to the error handler (a refusal because of
// who the person is becomes a 403 there).
func ruleMessage(err error) (string, bool) {
	var re *entitlement.RuleError
	if errors.As(err, &re) && errors.Is(err, entitlement.ErrConflict) {
		return words.Sentence(re.Message), true
	}
	return "", false
}

// refusalMessage is ruleMessage for refusals of either kind, conflict or forbidden, for forms
// that show the reason by the form (the request form: not in the policy's scope, say).
func refusalMessage(err error) (string, bool) {
	var re *entitlement.RuleError
	if errors.As(err, &re) && (errors.Is(err, entitlement.ErrConflict) || errors.Is(err, entitlement.ErrForbidden)) {
		return words.Sentence(re.Message), true
	}
	return "", false
}

// fieldMessages capitalizes the messages of a validation error for display by the fields.
func fieldMessages(fields map[string]string) map[string]string {
	out := make(map[string]string, len(fields))
	for k, v := range fields {
		out[k] = words.Sentence(v)
	}
	return out
}

// parseFormTime reads a datetime-local (or date) value in the person's own zone; empty gives
// nil. The message for a value it cannot read shows now in the expected form.
func parseFormTime(ctx context.Context, s string, now time.Time) (*time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	if t, ok := views.ParseFormTime(ctx, s); ok {
		return &t, nil
	}
	return nil, fmt.Errorf("enter a date and time such as %s", views.FormTime(ctx, now))
}

func formTime(ctx context.Context, t *time.Time) string {
	if t == nil {
		return ""
	}
	return views.FormTime(ctx, *t)
}

// requestState is a request's state as a badge.
func requestState(s entitlement.RequestState) views.State {
	label := string(s)
	switch s {
	case entitlement.StatePendingApproval:
		label = "Pending approval"
	case entitlement.StatePartiallyDelivered:
		label = "Partially delivered"
	}
	return views.State{Label: label, Tone: components.StateTone(string(s))}
}

// requestKind names a request's type for people.
func requestKind(t string) string {
	switch t {
	case entitlement.RequestUserExtend:
		return "Extension"
	case entitlement.RequestUserRemove:
		return "Give back"
	case entitlement.RequestAdminAdd:
		return "Assigned by an administrator"
	case entitlement.RequestAdminRemove:
		return "Removed by an administrator"
	case entitlement.RequestSystemRemove:
		return "Ended by Steward"
	}
	return "Access request"
}

// currentApprovers are the people who may decide the current stage now.
func currentApprovers(v entitlement.RequestView) []string {
	return v.Names(v.PendingApprovers())
}

// stageLabel is "Stage 1 of 2", or "" for requests without stages.
func stageLabel(r entitlement.Request, idx int) string {
	if len(r.Stages) == 0 {
		return ""
	}
	return fmt.Sprintf("Stage %d of %d", idx+1, len(r.Stages))
}

// requestStatus says in words where a request stands.
func requestStatus(ctx context.Context, v entitlement.RequestView, now time.Time) string {
	r := v.Request
	switch r.RequestState {
	case entitlement.StatePendingApproval:
		who := words.JoinOr(currentApprovers(v))
		if who == "" {
			who = "an approver"
		}
		if len(r.Stages) > 1 {
			return fmt.Sprintf("Waiting for %s (stage %d of %d)", who, r.CurrentStage+1, len(r.Stages))
		}
		return "Waiting for " + who
	case entitlement.StateScheduled:
		if r.Schedule.StartDateTime != nil {
			return "Starts " + views.Relative(ctx, now, *r.Schedule.StartDateTime)
		}
		return "Scheduled"
	case entitlement.StateSubmitted, entitlement.StateDelivering:
		if r.RequestStatus == entitlement.RequestStatusWaitingForPerson {
			return "Waiting for manual fulfilment"
		}
		return "Being delivered"
	case entitlement.StateDelivered:
		switch r.RequestType {
		case entitlement.RequestUserRemove, entitlement.RequestAdminRemove, entitlement.RequestSystemRemove:
			return "Access removed"
		case entitlement.RequestUserExtend:
			if end := r.Schedule.Expiration.EndDateTime; end != nil {
				return "Extended until " + views.FormatDate(ctx, *end)
			}
			return "Extended"
		}
		return "Delivered"
	case entitlement.StatePartiallyDelivered:
		return "Partly delivered: " + r.StatusDetail
	case entitlement.StateDenied:
		for i := len(r.Stages) - 1; i >= 0; i-- {
			if st := r.Stages[i]; st.Decision == entitlement.DecisionDeny {
				return "Denied by " + v.Person(st.DecidedBy).Name
			}
		}
		switch r.RequestStatus {
		case entitlement.RequestStatusTimedOut:
			return "Denied: nobody decided in time"
		case entitlement.RequestStatusNoApprover:
			return "Denied: no approver could be found"
		}
		return "Denied"
	case entitlement.StateCanceled:
		if r.StatusDetail != "" && !strings.Contains(r.StatusDetail, "requestor") {
			return "Canceled: " + r.StatusDetail
		}
		return "Canceled"
	}
	return string(r.RequestState)
}

// requestRow is a request as lists show it.
func requestRow(ctx context.Context, v entitlement.RequestView, now time.Time) views.RequestRow {
	return views.RequestRow{
		ID: v.ID, Package: v.PackageName, Kind: requestKind(v.RequestType), State: requestState(v.RequestState),
		Submitted: views.At(ctx, now, v.CreatedDateTime), Status: requestStatus(ctx, v, now),
	}
}

// grantedRoles describes the roles a package grants.
func grantedRoles(roles []entitlement.GrantedRole) []views.GrantedRole {
	out := make([]views.GrantedRole, 0, len(roles))
	for _, r := range roles {
		out = append(out, views.GrantedRole{Resource: r.ResourceName, Kind: resourceKind(r.ResourceType, r.OriginSystem), Role: r.RoleName})
	}
	return out
}

func resourceKind(resourceType, origin string) string {
	switch {
	case resourceType != "":
		return resourceType
	case origin == entitlement.OriginGroup:
		return "Group"
	}
	return origin
}

// heldRoles describes the roles an assignment holds.
func heldRoles(roles []entitlement.AssignmentResourceRole) []views.GrantedRole {
	out := make([]views.GrantedRole, 0, len(roles))
	for _, r := range roles {
		out = append(out, views.GrantedRole{Resource: cmp.Or(r.ResourceName, "A resource"), Role: r.RoleName})
	}
	return out
}
