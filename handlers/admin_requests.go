package handlers

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views"
	"github.com/stewardhq/steward/words"
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
	page, err := h.Svc.PackageRequests(ctx, pp.Package.ID, f, opt)
	if err != nil {
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
		if pp.CanAssign && props.Rows[i].Request.IsOpen() {
			props.Rows[i].CancelURL = cancelRequestURL(props.Rows[i].Request.ID)
		}
	}
	return Render(c, http.StatusOK, views.PackageRequestsPage(props))
}

func cancelRequestURL(id string) string { return "/admin/requests/" + id + "/cancel" }

// CancelForm renders GET /admin/requests/:id/cancel: the confirmation with its reason for
// browsers without JavaScript (with it, a dialog on the list asks).
func (h AdminAssignments) CancelForm(c echo.Context) error {
	return h.cancelForm(c, http.StatusOK, c.QueryParam("return"), "", "")
}

func (h AdminAssignments) cancelForm(c echo.Context, status int, from, reason, errMsg string) error {
	ctx := c.Request().Context()
	r, err := h.Svc.RequestByID(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	pp, err := h.packageProps(c, r.AccessPackageID, views.PackageTabRequests)
	if err != nil {
		return err
	}
	if !pp.CanAssign {
		return entitlement.ErrForbidden
	}
	rows, err := adminRequestRows(ctx, h.Base, []entitlement.Request{r}, false)
	if err != nil {
		return err
	}
	row := rows[0]
	row.CancelURL = cancelRequestURL(r.ID)
	if from == "user" {
		row.Return = from
	}
	pp.Page.Title = "Cancel a request"
	pp.Page.Breadcrumbs = append(pp.Page.Breadcrumbs[:len(pp.Page.Breadcrumbs)-1],
		views.NavItem{Label: pp.Package.DisplayName, URL: pp.URL() + "/requests"}, views.NavItem{Label: "Cancel a request"})
	return Render(c, status, views.CancelRequestPage(views.CancelRequestProps{Page: pp.Page, Row: row, Reason: reason, Error: errMsg}))
}

// Cancel handles POST /admin/requests/:id/cancel: an administrator or a manager of the catalog's
// assignments cancels someone's open request, with a reason.
func (h AdminAssignments) Cancel(c echo.Context) error {
	ctx := c.Request().Context()
	r, err := h.Svc.RequestByID(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	from, reason := c.FormValue("return"), c.FormValue("reason")
	back := views.CancelReturnURL(r, from)
	err = h.Svc.AdminCancelRequest(ctx, r.ID, reason)
	if fields, ok := FieldErrors(err); ok {
		return h.cancelForm(c, http.StatusUnprocessableEntity, from, reason, fieldMessages(fields)["reason"])
	}
	if msg, ok := ruleRefusal(err, entitlement.ErrConflict); ok {
		if err := h.flashError(c, "The request was not canceled: "+words.Finish(msg)); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, back)
	}
	if err != nil {
		return err
	}
	who, _ := h.person(ctx, r.TargetID)
	return h.SeeOther(c, back, who+"'s request was canceled.")
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
			State: requestState(v.RequestState), Status: requestStatus(ctx, v, now),
		}
		if v.RequestorID != "" && v.RequestorID != v.TargetID {
			row.Requestor = v.Person(v.RequestorID).Name
		}
		if linkUser {
			row.UserURL = "/admin/directory/users/" + v.TargetID
		}
		row.Timeline = views.RequestTimeline(ctx, v, now, me)
		rows = append(rows, row)
	}
	return rows, nil
}
