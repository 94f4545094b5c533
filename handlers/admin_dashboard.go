package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views"
)

// AdminDashboard serves /admin: what there is, and what needs attention.
type AdminDashboard struct {
	*Base
}

// Show renders GET /admin.
func (h AdminDashboard) Show(c echo.Context) error {
	p, caps, err := h.adminPage(c, "Admin overview", navDashboard)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	one := entitlement.ListOptions{Limit: 1}
	props := views.DashboardProps{Page: p, IsAdmin: caps.IsAdmin, CanCreateCatalog: caps.CanCreateCatalog, Now: h.Svc.Clock().Now()}
	cats, err := h.Svc.ListCatalogs(ctx, one)
	if err != nil {
		return err
	}
	props.Catalogs = cats.Total
	pkgs, err := h.Svc.ListAccessPackages(ctx, one)
	if err != nil {
		return err
	}
	props.Packages = pkgs.Total
	if caps.IsAdmin {
		users, err := h.Svc.ListUsers(ctx, one)
		if err != nil {
			return err
		}
		groups, err := h.Svc.ListGroups(ctx, one)
		if err != nil {
			return err
		}
		orgs, err := h.Svc.ListConnectedOrganizations(ctx, one)
		if err != nil {
			return err
		}
		props.Users, props.Groups, props.Orgs = users.Total, groups.Total, orgs.Total
		recent, err := h.Svc.ListAudit(ctx, entitlement.AuditFilter{}, entitlement.ListOptions{Limit: 8})
		if err != nil {
			return err
		}
		props.Recent = recent.Items
	}
	return Render(c, http.StatusOK, views.DashboardPage(props))
}
