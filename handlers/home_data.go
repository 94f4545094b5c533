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
	d.RequestableTotal, d.RequestableAtLeast = pkgs.Total, pkgs.TotalAtLeast
	for _, rp := range pkgs.Items {
		d.Requestable = append(d.Requestable, packageCard(rp))
	}
	return d, nil
}

// props gathers the home page: a few requestable packages, live access (approved requests
// waiting for their start, then assignments, soonest end first), open requests and the approvals
// waiting.
func (h Home) props(c echo.Context) (views.HomeProps, error) {
	ctx := c.Request().Context()
	now := h.now()
	d, err := h.requestable(c)
	if err != nil {
		return d, err
	}
	mine, err := h.Svc.MyAccess(ctx, homeListLength)
	if err != nil {
		return d, err
	}
	d.LiveTotal = mine.Scheduled.Total + mine.Live.Total
	for _, v := range mine.Scheduled.Items {
		d.Live = append(d.Live, scheduledRow(ctx, v, now))
	}
	for _, v := range mine.Live.Items {
		d.Live = append(d.Live, assignmentRow(ctx, v, now))
	}
	if len(d.Live) > homeListLength {
		d.Live = d.Live[:homeListLength]
	}
	d.OpenTotal = mine.Open.Total
	for _, v := range mine.Open.Items {
		d.Open = append(d.Open, requestRow(ctx, v, now))
	}
	return d, nil
}
