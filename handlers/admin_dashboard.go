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
	if err := h.attention(c, &props); err != nil {
		return err
	}
	return Render(c, http.StatusOK, views.DashboardPage(props))
}

// attention fills what needs attention: the charts, the longest-waiting requests, and the
// access that ends within the reminder window.
func (h AdminDashboard) attention(c echo.Context, props *views.DashboardProps) error {
	ctx := c.Request().Context()
	charts, err := h.Svc.DashboardCharts(ctx)
	if err != nil {
		return err
	}
	props.Charts = charts
	pending, err := h.Svc.PendingRequests(ctx)
	if err != nil {
		return err
	}
	props.EngineReady = true
	pkgName := h.packageNames(c)
	for _, r := range pending[:min(5, len(pending))] {
		who, _ := h.person(ctx, r.TargetID)
		props.Oldest = append(props.Oldest, views.RequestLine{
			URL: "/admin/packages/" + r.AccessPackageID + "/requests?state=PendingApproval", Who: who,
			Package: pkgName(r.AccessPackageID), State: string(r.RequestState), At: r.CreatedDateTime,
		})
	}
	expiring, err := h.Svc.ExpiringAssignments(ctx, entitlement.ReminderEarly, 8)
	if err != nil {
		return err
	}
	for _, a := range expiring {
		who, _ := h.person(ctx, a.TargetID)
		props.Expiring = append(props.Expiring, views.RequestLine{
			URL: "/admin/packages/" + a.AccessPackageID + "/assignments", Who: who,
			Package: pkgName(a.AccessPackageID), At: *a.EndDateTime(),
		})
	}
	return nil
}

// packageNames returns a lookup of package names that remembers what it found.
func (b *Base) packageNames(c echo.Context) func(id string) string {
	seen := map[string]string{}
	return func(id string) string {
		if n, ok := seen[id]; ok {
			return n
		}
		n := "A deleted access package"
		if p, err := b.Svc.AccessPackageByID(c.Request().Context(), id); err == nil {
			n = p.DisplayName
		}
		seen[id] = n
		return n
	}
}
