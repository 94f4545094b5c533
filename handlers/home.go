package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views"
)

// Home serves the front page: the landing page for visitors, My access for signed-in people.
type Home struct {
	*Base
}

// Show renders / .
func (h Home) Show(c echo.Context) error {
	p, err := h.Page(c, "My access", "access")
	if err != nil {
		return err
	}
	if _, ok := entitlement.PrincipalFrom(c.Request().Context()); !ok {
		p.Title = "Welcome"
		return Render(c, http.StatusOK, views.LandingPage(p, "/login"))
	}
	if IsHTMX(c) {
		// The search as the person types: only the list it filters.
		d, err := h.requestable(c)
		if err != nil {
			return err
		}
		return Render(c, http.StatusOK, views.HomeResults(d))
	}
	d, err := h.props(c)
	if err != nil {
		return err
	}
	d.PendingApprovals = p.PendingApprovals
	return Render(c, http.StatusOK, views.HomePage(p, d))
}
