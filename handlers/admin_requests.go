package handlers

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views"
)

func requestStates(state string) []entitlement.RequestState {
	switch state {
	case "all":
		return nil
	case "open":
		return entitlement.OpenRequestStates()
	}
	return []entitlement.RequestState{entitlement.RequestState(state)}
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
	opt := adminListOptions(c)
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
	caps, err := h.Svc.Capabilities(ctx)
	if err != nil {
		return err
	}
	props := views.PackageRequestsProps{PackageProps: pp, State: state, Query: opt.Search, Pager: pageLinks(c, pp.URL()+"/requests", page, opt)}
	if props.Rows, err = adminRequestRows(ctx, h.Base, page.Items, caps.IsAdmin); err != nil {
		return err
	}
	for i := range props.Rows {
		props.Rows[i].Package = "" // the page is the package's
	}
	return Render(c, http.StatusOK, views.PackageRequestsPage(props))
}

// adminRequestRows builds the rows of requests, each with its state and its timeline (the same
// timeline the requestor sees on their own request page).
func adminRequestRows(ctx context.Context, b *Base, rs []entitlement.Request, linkUser bool) ([]views.AdminRequestRow, error) {
	described, err := b.Svc.DescribeRequests(ctx, rs)
	if err != nil {
		return nil, err
	}
	me := ""
	if p, ok := entitlement.PrincipalFrom(ctx); ok {
		me = p.UserID
	}
	now := b.now()
	rows := make([]views.AdminRequestRow, 0, len(described))
	for _, v := range described {
		row := views.AdminRequestRow{
			Request: v.Request, Who: v.Person(v.TargetID).Name, Policy: v.PolicyName, Package: v.PackageName,
			State: requestState(v.RequestState), Status: requestStatus(v, now),
		}
		if v.RequestorID != "" && v.RequestorID != v.TargetID {
			row.Requestor = v.Person(v.RequestorID).Name
		}
		if linkUser {
			row.UserURL = "/admin/directory/users/" + v.TargetID
		}
		row.Timeline = views.RequestTimeline(v, now, me)
		rows = append(rows, row)
	}
	return rows, nil
}
