package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views"
	"github.com/stewardhq/steward/views/components"
	"github.com/stewardhq/steward/words"
)

// Assignments serves the signed-in person's access: the list, extending and giving back.
type Assignments struct {
	*Base
}

// assignmentFilters are the tabs of the access list and the assignment states each shows.
var assignmentFilters = map[string][]entitlement.AssignmentState{
	"live": {entitlement.AssignmentDelivering, entitlement.AssignmentDelivered},
	"past": {entitlement.AssignmentExpired},
}

// List renders /access/assignments?show=live|past.
func (h Assignments) List(c echo.Context) error {
	ctx := c.Request().Context()
	show := c.QueryParam("show")
	if _, ok := assignmentFilters[show]; !ok {
		show = "live"
	}
	opt, from := listOptions(c)
	page, err := h.Svc.MyAssignments(ctx, entitlement.AssignmentFilter{States: assignmentFilters[show]}, opt)
	if err != nil {
		return err
	}
	described, err := h.Svc.DescribeAssignments(ctx, page.Items)
	if err != nil {
		return err
	}
	now := h.now()
	d := views.AssignmentsProps{
		Filter: show, Total: page.Total,
		Tabs:       tabs("/access/assignments", show, [2]string{"live", "Active"}, [2]string{"past", "Past"}),
		Pagination: pagination(c, "/access/assignments", page, from, ""),
	}
	if show == "live" && opt.After == "" && opt.Before == "" {
		if d.Items, err = scheduledRows(ctx, h.Svc, now); err != nil {
			return err
		}
	}
	for _, v := range described {
		d.Items = append(d.Items, assignmentRow(ctx, v, now))
	}
	p, err := h.Page(c, "Access you have", views.SectionAccess)
	if err != nil {
		return err
	}
	return Render(c, http.StatusOK, views.AssignmentsPage(p, d))
}

// assignmentRow is an assignment as the lists show it.
func assignmentRow(ctx context.Context, v entitlement.AssignmentView, now time.Time) views.AssignmentRow {
	a := v.Assignment
	row := views.AssignmentRow{
		ID: a.ID, PackageID: a.AccessPackageID, Package: v.PackageName, Catalog: v.CatalogName,
		Roles: heldRoles(v.Roles), Started: views.AtPtr(ctx, now, firstTime(a.Schedule.StartDateTime, &a.CreatedDateTime)),
	}
	end := a.EndDateTime()
	switch {
	case !a.IsLive():
		row.State = views.State{Label: "Ended", Tone: components.ToneNeutral}
		if a.AssignmentStatus == entitlement.StatusRemoved {
			row.State.Label = "Removed"
		} else {
			row.State.Label = "Expired"
		}
		ended := firstTime(a.EndedDateTime, end)
		row.Ends = views.AtPtr(ctx, now, ended)
		row.EndsWords = "Ended"
		if ended != nil {
			row.EndsWords = "Ended " + views.Relative(ctx, now, *ended)
		}
	case a.AssignmentState == entitlement.AssignmentDelivering:
		row.State = views.State{Label: "Being delivered", Tone: components.ToneWaiting}
	case a.AssignmentStatus == entitlement.StatusPartiallyDelivered:
		row.State = views.State{Label: "Partially delivered", Tone: components.TonePartial}
	default:
		row.State = views.State{Label: "Active", Tone: components.ToneSuccess}
	}
	if a.IsLive() {
		row.CanGiveBack = true
		if end == nil {
			row.EndsWords = "No end date"
		} else {
			row.Ends = views.At(ctx, now, *end)
			row.EndsWords = "Ends " + views.Relative(ctx, now, *end)
			row.EndsSoon = a.EndsSoon(now)
		}
		row.CanExtend = v.CanExtend
		row.ExtendApproval = v.ExtensionNeedsApproval
		switch {
		case v.ExtensionOpensAt != nil:
			row.ExtendNote = views.ExtensionOpensNote(ctx, now, *v.ExtensionOpensAt)
		case !v.CanExtend && end != nil:
			row.ExtendNote = "Its policy does not allow extending it."
		}
		if r := v.OpenRequest; r != nil {
			row.OpenRequestURL = "/access/requests/" + r.ID
			row.OpenRequestWhat = "An extension is waiting for approval"
			if r.RequestType != entitlement.RequestUserExtend {
				row.OpenRequestWhat = "A request for it is open"
			}
		}
	}
	return row
}

// scheduledRows are the person's approved requests that wait for their start, as access that
// "starts on" its date: they hold no assignment yet, but the access is theirs.
func scheduledRows(ctx context.Context, svc *entitlement.Service, now time.Time) ([]views.AssignmentRow, error) {
	page, err := svc.MyRequests(ctx, entitlement.RequestFilter{States: []entitlement.RequestState{entitlement.StateScheduled}}, entitlement.ListOptions{Limit: entitlement.MaxPageSize})
	if err != nil {
		return nil, err
	}
	described, err := svc.DescribeRequests(ctx, page.Items)
	if err != nil {
		return nil, err
	}
	var out []views.AssignmentRow
	for _, v := range described {
		out = append(out, scheduledRow(ctx, v, now))
	}
	return out, nil
}

// scheduledRow is an approved request that waits for its start, as a row of access.
func scheduledRow(ctx context.Context, v entitlement.RequestView, now time.Time) views.AssignmentRow {
	row := views.AssignmentRow{
		ID: v.ID, PackageID: v.AccessPackageID, Package: v.PackageName, Catalog: v.CatalogName,
		State:           views.State{Label: "Scheduled", Tone: components.ToneScheduled},
		EndsWords:       "Starts when its request says",
		OpenRequestURL:  "/access/requests/" + v.ID,
		OpenRequestWhat: "Approved, waiting for its start",
	}
	if st := v.Schedule.StartDateTime; st != nil {
		row.Ends = views.At(ctx, now, *st)
		row.EndsWords = "Starts on " + views.FormatDate(ctx, *st)
	}
	return row
}

func firstTime(ts ...*time.Time) *time.Time {
	for _, t := range ts {
		if t != nil && !t.IsZero() {
			return t
		}
	}
	return nil
}

// describeOne loads one of the person's assignments with its names.
func (h Assignments) describeOne(c echo.Context) (entitlement.AssignmentView, error) {
	ctx := c.Request().Context()
	a, err := h.Svc.AssignmentByID(ctx, c.Param("id"))
	if err != nil {
		return entitlement.AssignmentView{}, err
	}
	who, _ := entitlement.PrincipalFrom(ctx)
	if a.TargetID != who.UserID {
		// Catalog readers may read others' assignments, but these pages are for one's own.
		return entitlement.AssignmentView{}, entitlement.ErrNotFound
	}
	described, err := h.Svc.DescribeAssignments(ctx, []entitlement.Assignment{a})
	if err != nil {
		return entitlement.AssignmentView{}, err
	}
	return described[0], nil
}

// ExtendForm renders /access/assignments/{id}/extend.
func (h Assignments) ExtendForm(c echo.Context) error {
	v, err := h.describeOne(c)
	if err != nil {
		return err
	}
	// A picked date (htmx, as the person changes the field) previews the new end.
	return h.renderExtend(c, http.StatusOK, v, "", c.QueryParam("end"), nil)
}

// Extend handles POST /access/assignments/{id}/extend: an extension applied at once (303 to the
// access list) or sent for approval (303 to the request).
func (h Assignments) Extend(c echo.Context) error {
	ctx := c.Request().Context()
	v, err := h.describeOne(c)
	if err != nil {
		return err
	}
	just, endText := c.FormValue("justification"), c.FormValue("end")
	end, err := parseFormTime(ctx, endText, h.now())
	if err != nil {
		return h.renderExtend(c, http.StatusUnprocessableEntity, v, just, endText, map[string]string{"schedule.expiration.endDateTime": words.Sentence(err.Error())})
	}
	sched := entitlement.Schedule{}
	if end != nil {
		sched.Expiration = entitlement.Expiration{Type: entitlement.ExpirationAfterDateTime, EndDateTime: end}
	}
	r, err := h.Svc.ExtendAssignment(c.Request().Context(), v.ID, just, sched)
	if fields, ok := FieldErrors(err); ok {
		return h.renderExtend(c, http.StatusUnprocessableEntity, v, just, endText, fieldMessages(fields))
	}
	var re *entitlement.RuleError
	if errors.As(err, &re) && re.Code == entitlement.CodeNothingToExtend {
		// An end that adds no time is a mistake in the end field: say so there.
		return h.renderExtend(c, http.StatusUnprocessableEntity, v, just, endText, map[string]string{"schedule.expiration.endDateTime": words.Sentence(re.Message)})
	}
	if msg, ok := ruleMessage(err); ok {
		return h.renderExtend(c, http.StatusConflict, v, just, endText, map[string]string{"": msg})
	}
	if err != nil {
		return err
	}
	if r.RequestState == entitlement.StatePendingApproval {
		return h.SeeOther(c, "/access/requests/"+r.ID, fmt.Sprintf("Your extension of %s was sent for approval.", v.PackageName))
	}
	until := "with no end date"
	if e := r.Schedule.Expiration.EndDateTime; e != nil {
		until = "until " + views.FormatDate(ctx, *e)
	}
	return h.SeeOther(c, "/access/assignments", fmt.Sprintf("Your access to %s now lasts %s.", v.PackageName, until))
}

func (h Assignments) renderExtend(c echo.Context, status int, v entitlement.AssignmentView, just, end string, errs map[string]string) error {
	ctx := c.Request().Context()
	now := h.now()
	row := assignmentRow(ctx, v, now)
	if v.ExtensionOpensAt != nil && status < 300 {
		return &entitlement.RuleError{Code: entitlement.CodeExtensionNotOpen, Message: views.ExtensionOpensNote(ctx, now, *v.ExtensionOpensAt), Kind: entitlement.ErrConflict}
	}
	if !v.CanExtend && status < 300 {
		return &entitlement.RuleError{Code: entitlement.CodeCannotExtend, Message: "This access cannot be extended: its policy does not allow it, or it does not end.", Kind: entitlement.ErrConflict}
	}
	d := views.ExtendProps{Assignment: row, Justification: just, End: end, Errors: errs, JustificationRequired: v.JustificationRequired, MinEnd: formTime(ctx, v.EarliestExtendedEnd),
		NewEnd: views.AtPtr(ctx, now, v.MaxExtendedEnd), ExtensionDays: v.ExtensionDays}
	if t, err := parseFormTime(ctx, end, now); err == nil && t != nil {
		d.NewEnd, d.NewEndChosen = views.At(ctx, now, *t), true
	}
	switch {
	case v.MaxExtendedEnd != nil && v.ExtensionDays > 0:
		d.MaxEnd = formTime(ctx, v.MaxExtendedEnd)
		d.Lifetime = fmt.Sprintf("%d more days, until %s", v.ExtensionDays, views.FormatDate(ctx, *v.MaxExtendedEnd))
	case v.MaxExtendedEnd != nil:
		d.MaxEnd = formTime(ctx, v.MaxExtendedEnd)
		d.Lifetime = "the longest the policy allows, until " + views.FormatDate(ctx, *v.MaxExtendedEnd)
	default:
		d.Lifetime = "no end date"
	}
	if v.ExtensionNeedsApproval {
		d.Approval = "The policy's approvers decide, as for a new request."
	} else {
		d.Approval = "No approval is needed: the new end applies at once."
	}
	p, err := h.Page(c, "Extend "+v.PackageName, views.SectionAccess)
	if err != nil {
		return err
	}
	p.Breadcrumbs = []views.NavItem{{Label: "Access you have", URL: "/access/assignments"}, {Label: "Extend " + v.PackageName, Current: true}}
	return Render(c, status, views.ExtendPage(p, d))
}

// GiveBackForm renders /access/assignments/{id}/remove: the confirmation for browsers without
// JavaScript (with it, a dialog on the list asks).
func (h Assignments) GiveBackForm(c echo.Context) error {
	v, err := h.describeOne(c)
	if err != nil {
		return err
	}
	p, err := h.Page(c, "Give back access", views.SectionAccess)
	if err != nil {
		return err
	}
	p.Breadcrumbs = []views.NavItem{{Label: "Access you have", URL: "/access/assignments"}, {Label: "Give back " + v.PackageName, Current: true}}
	return Render(c, http.StatusOK, views.GiveBackPage(p, assignmentRow(c.Request().Context(), v, h.now())))
}

// GiveBack handles POST /access/assignments/{id}/remove: a UserRemove request, which ends the
// access at once.
func (h Assignments) GiveBack(c echo.Context) error {
	v, err := h.describeOne(c)
	if err != nil {
		return err
	}
	_, err = h.Svc.SubmitRequest(c.Request().Context(), entitlement.RequestInput{
		RequestType: entitlement.RequestUserRemove, AssignmentID: v.ID, AccessPackageID: v.AccessPackageID,
	})
	if msg, ok := ruleMessage(err); ok {
		if ferr := h.Flash(c, components.FlashError, msg); ferr != nil {
			return ferr
		}
		return h.SeeOther(c, "/access/assignments", "")
	}
	if err != nil {
		return err
	}
	return h.SeeOther(c, "/access/assignments", fmt.Sprintf("You gave back your access to %s.", v.PackageName))
}
