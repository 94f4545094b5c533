// Package graph serves Steward's Graph-compatible JSON API: the entitlement-management methods
// of Microsoft Graph beta (2020) under identityGovernance/entitlementManagement, plus the
// extensions and directory look-ups that scripts need (docs/api.md). Handlers parse the request
// into the domain's input, call the same entitlement.Service as the portal (which authorizes and
// applies the rules) and answer with the API's own JSON types (types.go). The caller's principal
// is in the request context, put there by the API group's bearer-token middleware.
package graph

import (
	"context"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
)

// EM is the path of the entitlement-management API under the API's root.
const EM = "/identityGovernance/entitlementManagement"

type api struct {
	svc  *entitlement.Service
	root string // the group's path, e.g. /beta, for @odata.context and @odata.nextLink
}

// Register adds every route of the API to g, a group the caller made for the API's root (/beta)
// with its authentication middleware. Handlers return their errors; the caller's error handler
// answers them for this group with HandleError (or ErrorHandler).
func Register(g *echo.Group, svc *entitlement.Service) {
	a := &api{svc: svc}
	a.root = strings.TrimSuffix(g.GET(EM+"/settings", a.getSettings).Path, EM+"/settings")
	g.PATCH(EM+"/settings", a.patchSettings)

	g.GET(EM+"/accessPackageCatalogs", a.listCatalogs)
	g.POST(EM+"/accessPackageCatalogs", a.createCatalog)
	g.GET(EM+"/accessPackageCatalogs/:id", a.getCatalog)
	g.PATCH(EM+"/accessPackageCatalogs/:id", a.patchCatalog)
	g.DELETE(EM+"/accessPackageCatalogs/:id", a.deleteCatalog)
	g.GET(EM+"/accessPackageCatalogs/:id/accessPackages", a.listCatalogPackages)
	g.GET(EM+"/accessPackageCatalogs/:id/accessPackageResources", a.listCatalogResources)
	g.GET(EM+"/accessPackageCatalogs/:id/accessPackageResourceRoles", a.listCatalogResourceRoles)

	g.GET(EM+"/accessPackageResourceRequests", a.listResourceRequests)
	g.POST(EM+"/accessPackageResourceRequests", a.createResourceRequest)

	g.GET(EM+"/accessPackages", a.listPackages)
	g.POST(EM+"/accessPackages", a.createPackage)
	g.GET(EM+"/accessPackages/:id", a.getPackage)
	g.PATCH(EM+"/accessPackages/:id", a.patchPackage)
	g.DELETE(EM+"/accessPackages/:id", a.deletePackage)
	g.POST(EM+"/accessPackages/:id/accessPackageResourceRoleScopes", a.addRoleScope)
	g.DELETE(EM+"/accessPackages/:id/accessPackageResourceRoleScopes/:scope", a.removeRoleScope)

	g.GET(EM+"/accessPackageAssignmentPolicies", a.listPolicies)
	g.POST(EM+"/accessPackageAssignmentPolicies", a.createPolicy)
	g.GET(EM+"/accessPackageAssignmentPolicies/:id", a.getPolicy)
	g.PUT(EM+"/accessPackageAssignmentPolicies/:id", a.replacePolicy)
	g.DELETE(EM+"/accessPackageAssignmentPolicies/:id", a.deletePolicy)

	g.GET(EM+"/accessPackageAssignmentRequests", a.listRequests)
	g.POST(EM+"/accessPackageAssignmentRequests", a.createRequest)
	g.GET(EM+"/accessPackageAssignmentRequests/:id", a.getRequest)
	g.POST(EM+"/accessPackageAssignmentRequests/:id/cancel", a.cancelRequest)

	g.GET(EM+"/accessPackageAssignmentApprovals", a.listApprovals)
	g.GET(EM+"/accessPackageAssignmentApprovals/:id", a.getApproval)
	g.GET(EM+"/accessPackageAssignmentApprovals/:id/stages/:stage", a.getApprovalStage)
	g.PATCH(EM+"/accessPackageAssignmentApprovals/:id/stages/:stage", a.decideStage)

	g.GET(EM+"/accessPackageAssignments", a.listAssignments)
	g.GET(EM+"/accessPackageAssignments/:id", a.getAssignment)

	g.GET(EM+"/accessPackageAssignmentResourceRoles", a.listAssignmentRoles)
	g.GET(EM+"/accessPackageAssignmentResourceRoles/:id", a.getAssignmentRole)

	g.GET(EM+"/connectedOrganizations", a.listOrgs)
	g.POST(EM+"/connectedOrganizations", a.createOrg)
	g.POST(EM+"/connectedOrganizations/", a.createOrg)
	g.GET(EM+"/connectedOrganizations/:id", a.getOrg)
	g.PATCH(EM+"/connectedOrganizations/:id", a.patchOrg)
	g.DELETE(EM+"/connectedOrganizations/:id", a.deleteOrg)
	for _, kind := range []string{"internalSponsors", "externalSponsors"} {
		external := kind == "externalSponsors"
		g.GET(EM+"/connectedOrganizations/:id/"+kind, a.listSponsors(external))
		g.POST(EM+"/connectedOrganizations/:id/"+kind+"/$ref", a.addSponsor(external))
		g.DELETE(EM+"/connectedOrganizations/:id/"+kind+"/:sponsor/$ref", a.removeSponsor(external))
	}

	g.GET("/users", a.listUsers)
	g.GET("/users/:id", a.getUser)
	g.GET("/groups", a.listGroups)
	g.GET("/groups/:id", a.getGroup)
}

func ctxOf(c echo.Context) context.Context { return c.Request().Context() }

func noContent(c echo.Context) error { return c.NoContent(http.StatusNoContent) }

// caller is the principal the middleware set.
func caller(c echo.Context) entitlement.Principal {
	p, _ := entitlement.PrincipalFrom(ctxOf(c))
	return p
}

// settings

func (a *api) getSettings(c echo.Context) error {
	q, err := parse(c)
	if err != nil {
		return err
	}
	s, err := a.svc.Settings(ctxOf(c))
	if err != nil {
		return err
	}
	return a.writeEntity(c, http.StatusOK, "identityGovernance/entitlementManagement/settings/$entity", toSettings(s), q)
}

type settingsPatch struct {
	ExternalUserLifecycleAction              *string `json:"externalUserLifecycleAction"`
	DaysUntilExternalUserDeletedAfterBlocked *int    `json:"daysUntilExternalUserDeletedAfterBlocked"`
}

func (a *api) patchSettings(c echo.Context) error {
	var in settingsPatch
	if err := decode(c, &in); err != nil {
		return err
	}
	cur, err := a.svc.Settings(ctxOf(c))
	if err != nil {
		return err
	}
	// cur.Version goes back as the expected version: a change since this read is refused.
	if err := ifMatch(c, cur.Version); err != nil {
		return err
	}
	if in.ExternalUserLifecycleAction != nil {
		cur.ExternalUserLifecycleAction = *in.ExternalUserLifecycleAction
	}
	if in.DaysUntilExternalUserDeletedAfterBlocked != nil {
		cur.DaysUntilExternalUserDeletedAfterBlocked = *in.DaysUntilExternalUserDeletedAfterBlocked
	}
	if _, err := a.svc.UpdateSettings(ctxOf(c), cur); err != nil {
		return err
	}
	return noContent(c)
}
