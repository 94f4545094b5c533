package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views"
	"github.com/stewardhq/steward/views/components"
	"github.com/stewardhq/steward/words"
)

// Requests serves the signed-in person's requests.
type Requests struct {
	*Base
}

// requestFilters are the tabs of the requests list and the states each shows.
var requestFilters = map[string][]entitlement.RequestState{
	"open": entitlement.OpenRequestStates(),
	"done": entitlement.FinalRequestStates(),
	"all":  nil,
}

// List renders /access/requests?show=open|done|all.
func (h Requests) List(c echo.Context) error {
	ctx := c.Request().Context()
	show := c.QueryParam("show")
	if _, ok := requestFilters[show]; !ok {
		show = "open"
	}
	opt, from := listOptions(c)
	opt.Desc = true // newest first
	page, err := h.Svc.MyRequests(ctx, entitlement.RequestFilter{States: requestFilters[show]}, opt)
	if err != nil {
		return err
	}
	described, err := h.Svc.DescribeRequests(ctx, page.Items)
	if err != nil {
		return err
	}
	now := h.now()
	d := views.RequestsProps{
		Filter: show, Total: page.Total,
		Tabs:       tabs("/access/requests", show, [2]string{"open", "Open"}, [2]string{"done", "Finished"}, [2]string{"all", "All"}),
		Pagination: pagination(c, "/access/requests", page, from, ""),
	}
	for _, v := range described {
		d.Items = append(d.Items, requestRow(ctx, v, now))
	}
	p, err := h.Page(c, "My requests", views.SectionAccess)
	if err != nil {
		return err
	}
	return Render(c, http.StatusOK, views.RequestsPage(p, d))
}

// Show renders /access/requests/{id}: the request with its timeline. Requests of other people are
// not found (the service's rule: the requestor, the subject, its approvers and catalog readers).
func (h Requests) Show(c echo.Context) error {
	ctx := c.Request().Context()
	v, err := h.describedRequest(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	r := v.Request
	now := h.now()
	who, _ := entitlement.PrincipalFrom(ctx)
	start, end := views.ScheduleWords(ctx, v)
	d := views.RequestDetailProps{
		ID: r.ID, Kind: requestKind(r.RequestType), State: requestState(r.RequestState),
		Package:   views.PackageCard{ID: r.AccessPackageID, Name: v.PackageName, Description: v.PackageDescription, Catalog: v.CatalogName},
		Policy:    v.PolicyName,
		Status:    words.Sentence(requestStatus(ctx, v, now)),
		Requester: person(v.Person(r.RequestorID)), Target: person(v.Person(r.TargetID)),
		Justification: r.Justification, Submitted: views.At(ctx, now, r.CreatedDateTime), Start: start, End: end,
		Timeline:  views.RequestTimeline(ctx, v, now, who.UserID),
		CanCancel: r.RequestorID == who.UserID && r.IsCancelable(),
		Answers:   views.Answers(r.Answers),
	}
	d.Refresh = r.RequestState == entitlement.StateSubmitted || r.RequestState == entitlement.StateDelivering && r.RequestStatus != entitlement.RequestStatusWaitingForPerson
	if r.RequestState == entitlement.StateDelivered && r.TargetID == who.UserID && r.RequestType != entitlement.RequestUserRemove {
		d.AssignmentURL = "/access/assignments"
	}
	p, err := h.Page(c, v.PackageName, views.SectionAccess)
	if err != nil {
		return err
	}
	p.Breadcrumbs = []views.NavItem{{Label: "My requests", URL: "/access/requests"}, {Label: v.PackageName, Current: true}}
	return Render(c, http.StatusOK, views.RequestPage(p, d))
}

// Cancel handles POST /access/requests/{id}/cancel.
func (h Requests) Cancel(c echo.Context) error {
	ctx := c.Request().Context()
	id := c.Param("id")
	// Other people's requests are not found, as on their page.
	if _, err := h.Svc.RequestByID(ctx, id); err != nil {
		return err
	}
	err := h.Svc.CancelRequest(ctx, id)
	if msg, ok := ruleMessage(err); ok {
		if ferr := h.Flash(c, components.FlashError, msg); ferr != nil {
			return ferr
		}
		return h.SeeOther(c, "/access/requests/"+id, "")
	}
	if err != nil {
		return err
	}
	return h.SeeOther(c, "/access/requests/"+id, "Your request was canceled. The approvers are no longer asked.")
}

func person(p entitlement.PersonRef) views.Person {
	return views.Person{ID: p.ID, Name: p.Name, Email: p.Email, Guest: p.Guest, Organization: p.Organization}
}
