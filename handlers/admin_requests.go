package handlers

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views"
	"github.com/stewardhq/steward/views/components"
)

func requestStates(state string) []string {
	switch state {
	case "all":
		return nil
	case "open":
		return []string{entitlement.StateSubmitted, entitlement.StatePendingApproval, entitlement.StateScheduled, entitlement.StateDelivering}
	}
	return []string{state}
}

// Requests renders GET /admin/packages/:id/requests?state=&q=.
func (h AdminAssignments) Requests(c echo.Context) error {
	pp, err := h.packageProps(c, c.Param("id"), views.PackageTabRequests)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	state := c.QueryParam("state")
	if state == "" {
		state = "all"
	}
	opt := listOptions(c)
	f := entitlement.RequestFilter{States: requestStates(state)}
	list := func(o entitlement.ListOptions) (entitlement.Page[entitlement.Request], error) {
		return h.Svc.PackageRequests(ctx, pp.Package.ID, f, o)
	}
	var page entitlement.Page[entitlement.Request]
	if opt.Search != "" {
		ids, err := matchingUsers(ctx, h.Svc, opt.Search)
		if err != nil {
			return err
		}
		page, err = filtered(list, func(r entitlement.Request) bool { return ids[r.TargetID] }, func(r entitlement.Request) string { return r.ID }, entitlement.ListOptions{After: opt.After, Before: opt.Before})
		if err != nil {
			return err
		}
	} else if page, err = list(entitlement.ListOptions{After: opt.After, Before: opt.Before}); err != nil {
		return err
	}
	pols, err := policyNames(ctx, h.Svc, pp.Package.ID)
	if err != nil {
		return err
	}
	caps, err := h.Svc.Capabilities(ctx)
	if err != nil {
		return err
	}
	props := views.PackageRequestsProps{PackageProps: pp, State: state, Query: opt.Search, Pager: pageLinks(c, pp.URL()+"/requests", page, opt)}
	n := newNames(ctx, h.Svc)
	for _, r := range page.Items {
		props.Rows = append(props.Rows, requestRow(ctx, h.Base, n, r, pols[r.PolicyID], "", caps.IsAdmin))
	}
	return Render(c, http.StatusOK, views.PackageRequestsPage(props))
}

// requestRow builds a request's row with its timeline.
func requestRow(ctx context.Context, b *Base, n *names, r entitlement.Request, policy, pkg string, linkUser bool) views.RequestRow {
	who, _ := b.person(ctx, r.TargetID)
	row := views.RequestRow{Request: r, Who: who, Policy: policy, Package: pkg}
	if r.RequestorID != "" && r.RequestorID != r.TargetID {
		row.Requestor, _ = b.person(ctx, r.RequestorID)
	}
	if linkUser {
		row.UserURL = "/admin/directory/users/" + r.TargetID
	}
	row.Timeline = requestTimeline(r, n, b.Svc.Clock().Now())
	return row
}

// userName names a user id in a timeline.
func (n *names) user(id string) string {
	if id == "" {
		return "Steward"
	}
	u := entitlement.UserSet{Type: entitlement.UserSetSingleUser, ID: id}
	_ = n.add(u)
	if l, ok := n.m[views.NameKey(u)]; ok {
		return l
	}
	return "someone no longer in the directory"
}

func (n *names) users(ids []string) string {
	var out []string
	for _, id := range ids {
		out = append(out, n.user(id))
	}
	if len(out) == 0 {
		return "nobody"
	}
	return joinWords(out, "or")
}

// requestTimeline turns a request's events into its timeline: what happened, who did it, when,
// and what happens next.
func requestTimeline(r entitlement.Request, n *names, now time.Time) components.TimelineProps {
	tl := components.TimelineProps{Label: "History of the request"}
	stage := func(i int) *entitlement.StageState {
		if i >= 1 && i <= len(r.Stages) {
			return &r.Stages[i-1]
		}
		return nil
	}
	for _, e := range r.Events {
		it := components.TimelineItem{
			When: views.Relative(e.At, now), WhenExact: views.FormatDateTime(e.At), DateTime: e.At.UTC().Format(time.RFC3339),
			Detail: e.Detail,
		}
		switch e.Kind {
		case entitlement.EventSubmitted:
			it.Title, it.Who, it.Tone = "Submitted", n.user(e.ActorID), components.ToneAccent
			if e.Detail == "" && r.Justification != "" {
				it.Detail = "“" + r.Justification + "”"
			}
		case entitlement.EventStageStarted:
			it.Title, it.Tone = fmt.Sprintf("Stage %d: waiting for approval", e.Stage), components.ToneWaiting
			if st := stage(e.Stage); st != nil {
				it.Who = n.users(st.Approvers)
			}
		case entitlement.EventEscalated:
			it.Title, it.Tone = fmt.Sprintf("Stage %d escalated", e.Stage), components.ToneWaiting
			if st := stage(e.Stage); st != nil {
				it.Who = "also " + n.users(st.EscalationApprovers)
			}
		case entitlement.EventApproved:
			it.Title, it.Who, it.Tone = fmt.Sprintf("Stage %d approved", e.Stage), n.user(e.ActorID), components.ToneSuccess
			if e.Stage == 0 {
				it.Title = "Approved"
			}
		case entitlement.EventDenied:
			it.Title, it.Who, it.Tone = "Denied", n.user(e.ActorID), components.ToneDanger
		case entitlement.EventTimedOut:
			it.Title, it.Tone = fmt.Sprintf("Stage %d timed out: denied", e.Stage), components.ToneDanger
		case entitlement.EventScheduled:
			it.Title, it.Tone = "Scheduled", components.ToneScheduled
		case entitlement.EventDelivering:
			it.Title, it.Tone = "Being granted", components.ToneWaiting
		case entitlement.EventDelivered:
			it.Title, it.Tone = "Delivered", components.ToneSuccess
		case entitlement.EventPartial:
			it.Title, it.Tone = "Partially delivered", components.TonePartial
		case entitlement.EventCanceled:
			it.Title, it.Who, it.Tone = "Canceled", n.user(e.ActorID), components.ToneNeutral
		case entitlement.EventDeliveryFailed:
			it.Title, it.Tone = "Delivery failed; retrying", components.ToneDanger
		default:
			it.Title = e.Kind
		}
		tl.Items = append(tl.Items, it)
	}
	if r.IsOpen() && len(tl.Items) > 0 {
		tl.Items[len(tl.Items)-1].Current = true
	}
	switch r.RequestState {
	case entitlement.StatePendingApproval:
		if st := stage(r.CurrentStage + 1); st != nil {
			tl.Next = fmt.Sprintf("%s decides stage %d", n.users(r.PendingApprovers()), r.CurrentStage+1)
			if st.TimeoutDateTime != nil {
				tl.Next += " by " + views.FormatDateTime(*st.TimeoutDateTime) + "; otherwise the request is denied"
			}
			tl.Next += "."
		}
	case entitlement.StateScheduled:
		if r.Schedule.StartDateTime != nil {
			tl.Next = "Access starts on " + views.FormatDateTime(*r.Schedule.StartDateTime) + "."
		}
	case entitlement.StateDelivering:
		tl.Next = "Steward is granting the resource roles."
	}
	return tl
}
