package handlers

import (
	"context"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views"
)

// homeListLength is how many items each part of the home page shows.
const homeListLength = 5

// pendingApprovals counts the requests waiting for the signed-in person, for the nav badge.
func (b *Base) pendingApprovals(ctx context.Context) (int, error) {
	return b.Svc.PendingApprovalCount(ctx)
}

// requestable gathers the few packages the person may request that match the search ?q=.
func (h Home) requestable(c echo.Context) (views.HomeProps, error) {
	d := views.HomeProps{Query: strings.TrimSpace(c.QueryParam("q"))}
	pkgs, err := h.Svc.RequestablePackages(c.Request().Context(), entitlement.RequestableFilter{Search: d.Query}, entitlement.ListOptions{Limit: homeListLength})
	if err != nil {
		return d, err
	}
	d.RequestableTotal = pkgs.Total
	for _, rp := range pkgs.Items {
		d.Requestable = append(d.Requestable, packageCard(rp))
	}
	return d, nil
}

// props gathers the home page: a few requestable packages, live access (soonest end first),
// open requests and the approvals waiting.
func (h Home) props(c echo.Context) (views.HomeProps, error) {
	ctx := c.Request().Context()
	now := h.now()
	d, err := h.requestable(c)
	if err != nil {
		return d, err
	}
	live, err := h.Svc.MyLiveAssignmentsEndingFirst(ctx, entitlement.ListOptions{Limit: homeListLength})
	if err != nil {
		return d, err
	}
	d.LiveTotal = live.Total
	described, err := h.Svc.DescribeAssignments(ctx, live.Items)
	if err != nil {
		return d, err
	}
	if d.Live, err = scheduledRows(ctx, h.Svc, now); err != nil {
		return d, err
	}
	d.LiveTotal += len(d.Live)
	for _, v := range described {
		d.Live = append(d.Live, assignmentRow(ctx, v, now))
	}
	if len(d.Live) > homeListLength {
		d.Live = d.Live[:homeListLength]
	}
	open, err := h.Svc.MyRequests(ctx, entitlement.RequestFilter{States: requestFilters["open"]}, entitlement.ListOptions{Limit: homeListLength, Desc: true})
	if err != nil {
		return d, err
	}
	d.OpenTotal = open.Total
	reqs, err := h.Svc.DescribeRequests(ctx, open.Items)
	if err != nil {
		return d, err
	}
	for _, v := range reqs {
		d.Open = append(d.Open, requestRow(ctx, v, now))
	}
	return d, nil
}
