package handlers

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views"
	"github.com/stewardhq/steward/views/components"
	"github.com/stewardhq/steward/words"
)

// AdminPackages serves access packages: the catalog's packages tab, create, edit, delete, and the
// package page's resource roles and policies tabs.
type AdminPackages struct {
	*Base
}

// List renders GET /admin/catalogs/:id/packages.
func (h AdminPackages) List(c echo.Context) error {
	cp, err := h.catalogProps(c, c.Param("id"), views.CatalogTabPackages)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	opt := adminListOptions(c)
	page, err := h.Svc.ListCatalogPackages(ctx, cp.Catalog.ID, opt)
	if err != nil {
		return err
	}
	rows := make([]views.PackageRow, 0, len(page.Items))
	for _, p := range page.Items {
		pols, err := h.Svc.PoliciesOfPackage(ctx, p.ID)
		if err != nil {
			return err
		}
		rows = append(rows, views.PackageRow{Package: p, Policies: len(pols)})
	}
	return Render(c, http.StatusOK, views.CatalogPackagesPage(views.CatalogPackagesProps{
		CatalogProps: cp, Query: opt.Search, Packages: rows, Pager: pageLinks(c, cp.URL()+"/packages", page, opt),
	}))
}

func packageInput(c echo.Context, catalogID string) entitlement.AccessPackageInput {
	return entitlement.AccessPackageInput{
		CatalogID:           catalogID,
		DisplayName:         c.FormValue("displayName"),
		Description:         c.FormValue("description"),
		IsHidden:            c.FormValue("hidden") != "",
		IsRoleScopesVisible: c.FormValue("rolesVisible") != "",
		IfVersion:           formVersion(c),
	}
}

func (h AdminPackages) form(c echo.Context, status int, cat entitlement.Catalog, pkg *entitlement.AccessPackage, in entitlement.AccessPackageInput, errs map[string]string, stale *views.Stale) error {
	title, action, cancel := "New access package", "/admin/catalogs/"+cat.ID+"/packages/new", "/admin/catalogs/"+cat.ID+"/packages"
	crumbs := []views.NavItem{{Label: "Catalogs", URL: "/admin/catalogs"}, {Label: cat.DisplayName, URL: "/admin/catalogs/" + cat.ID}}
	if pkg != nil {
		title, action, cancel = "Edit access package", "/admin/packages/"+pkg.ID+"/edit", "/admin/packages/"+pkg.ID
		crumbs = append(crumbs, views.NavItem{Label: pkg.DisplayName, URL: cancel})
	}
	p, caps, err := h.adminPage(c, title, navCatalogs, append(crumbs, views.NavItem{Label: title})...)
	if err != nil {
		return err
	}
	if !caps.CanManagePackages(cat.ID) {
		return refused("Only owners and access package managers of the catalog " + cat.DisplayName + " can create and change its packages.")
	}
	return Render(c, status, views.PackageFormPage(views.PackageFormProps{
		Page: p, Catalog: cat, Editing: pkg != nil, Values: in, Errors: fieldMessages(errs), Action: action, CancelURL: cancel, Stale: stale,
	}))
}

// New renders GET /admin/catalogs/:id/packages/new.
func (h AdminPackages) New(c echo.Context) error {
	cat, err := h.Svc.CatalogByID(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return h.form(c, http.StatusOK, cat, nil, entitlement.AccessPackageInput{CatalogID: cat.ID, IsRoleScopesVisible: true}, nil, nil)
}

// Create handles POST /admin/catalogs/:id/packages/new.
func (h AdminPackages) Create(c echo.Context) error {
	ctx := c.Request().Context()
	cat, err := h.Svc.CatalogByID(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	in := packageInput(c, cat.ID)
	pkg, err := h.Svc.CreateAccessPackage(ctx, in)
	if errs, ok := FieldErrors(err); ok {
		return h.form(c, http.StatusUnprocessableEntity, cat, nil, in, errs, nil)
	}
	if err != nil {
		return err
	}
	return h.SeeOther(c, "/admin/packages/"+pkg.ID, "Access package \""+pkg.DisplayName+"\" created. Add the resource roles it grants, then a policy.")
}

// Edit renders GET /admin/packages/:id/edit.
func (h AdminPackages) Edit(c echo.Context) error {
	ctx := c.Request().Context()
	pkg, err := h.Svc.AccessPackageByID(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	cat, err := h.Svc.CatalogByID(ctx, pkg.CatalogID)
	if err != nil {
		return err
	}
	in := entitlement.AccessPackageInput{CatalogID: cat.ID, DisplayName: pkg.DisplayName, Description: pkg.Description, IsHidden: pkg.IsHidden, IsRoleScopesVisible: pkg.IsRoleScopesVisible, IfVersion: pkg.Version}
	return h.form(c, http.StatusOK, cat, &pkg, in, nil, nil)
}

// Update handles POST /admin/packages/:id/edit.
func (h AdminPackages) Update(c echo.Context) error {
	ctx := c.Request().Context()
	pkg, err := h.Svc.AccessPackageByID(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	cat, err := h.Svc.CatalogByID(ctx, pkg.CatalogID)
	if err != nil {
		return err
	}
	in := packageInput(c, cat.ID)
	out, err := h.Svc.UpdateAccessPackage(ctx, pkg.ID, in)
	if errs, ok := FieldErrors(err); ok {
		return h.form(c, http.StatusUnprocessableEntity, cat, &pkg, in, errs, nil)
	}
	if stale, ok := h.staleNotice(err, "this access package"); ok {
		cur, err := h.Svc.AccessPackageByID(ctx, pkg.ID)
		if err != nil {
			return err
		}
		stale.Current = []views.CurrentValue{
			{Label: "Name", Value: cur.DisplayName}, {Label: "Description", Value: cur.Description},
			{Label: "Hidden", Value: yesNo(cur.IsHidden)}, {Label: "Show the resource roles to requestors", Value: yesNo(cur.IsRoleScopesVisible)},
		}
		in.IfVersion = cur.Version
		return h.form(c, http.StatusConflict, cat, &cur, in, nil, stale)
	}
	if err != nil {
		return err
	}
	return h.SeeOther(c, "/admin/packages/"+out.ID, "Access package \""+out.DisplayName+"\" saved.")
}

// Delete handles POST /admin/packages/:id/delete; a package with assignments or policies is
// refused, and the page says why.
func (h AdminPackages) Delete(c echo.Context) error {
	ctx := c.Request().Context()
	pkg, err := h.Svc.AccessPackageByID(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	if err := h.Svc.DeleteAccessPackage(ctx, pkg.ID, formVersion(c)); err != nil {
		if msg, ok := h.deleteRefusal(c, err, "this access package"); ok {
			if err := h.flashError(c, "The access package was not deleted: "+words.Finish(msg)); err != nil {
				return err
			}
			return c.Redirect(http.StatusSeeOther, "/admin/packages/"+pkg.ID)
		}
		return err
	}
	return h.SeeOther(c, "/admin/catalogs/"+pkg.CatalogID+"/packages", "Access package \""+pkg.DisplayName+"\" deleted.")
}

// packageProps loads what every tab of a package page shows.
func (b *Base) packageProps(c echo.Context, id, tab string) (views.PackageProps, error) {
	pv, err := b.packageView(c, id, tab)
	return pv.props, err
}

// packageTab is what the header of a package's tabs reads, with the caller's capabilities and
// the package's policies, for tabs that show them too without reading them again.
type packageTab struct {
	props    views.PackageProps
	caps     entitlement.Capabilities
	policies []entitlement.AssignmentPolicy
}

func (b *Base) packageView(c echo.Context, id, tab string) (packageTab, error) {
	ctx := c.Request().Context()
	pkg, err := b.Svc.AccessPackageByID(ctx, id)
	if err != nil {
		return packageTab{}, err
	}
	cat, err := b.Svc.CatalogByID(ctx, pkg.CatalogID)
	if err != nil {
		return packageTab{}, err
	}
	p, caps, err := b.adminPage(c, pkg.DisplayName, navCatalogs,
		views.NavItem{Label: "Catalogs", URL: "/admin/catalogs"},
		views.NavItem{Label: cat.DisplayName, URL: "/admin/catalogs/" + cat.ID + "/packages"},
		views.NavItem{Label: pkg.DisplayName})
	if err != nil {
		return packageTab{}, err
	}
	pols, err := b.Svc.PoliciesOfPackage(ctx, pkg.ID)
	if err != nil {
		return packageTab{}, err
	}
	return packageTab{props: views.PackageProps{
		Page: p, Package: pkg, Catalog: cat, Tab: tab, Policies: len(pols),
		CanManage: caps.CanManagePackages(cat.ID), CanAssign: caps.CanManageAssignments(cat.ID),
		Now: b.Svc.Clock().Now(),
	}, caps: caps, policies: pols}, nil
}

// Show renders GET /admin/packages/:id: the resource roles tab.
func (h AdminPackages) Show(c echo.Context) error {
	return h.roles(c, http.StatusOK, "", "")
}

func (h AdminPackages) roles(c echo.Context, status int, choice, msg string) error {
	pp, err := h.packageProps(c, c.Param("id"), views.PackageTabRoles)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	resources, err := entitlement.CollectAll(func(o entitlement.ListOptions) (entitlement.Page[entitlement.Resource], error) {
		return h.Svc.ListResources(ctx, pp.Catalog.ID, o)
	})
	if err != nil {
		return err
	}
	byID := map[string]entitlement.Resource{}
	for _, r := range resources {
		byID[r.ID] = r
	}
	props := views.PackageRolesProps{PackageProps: pp, Choice: choice, Error: msg}
	have := map[string]bool{}
	for _, rs := range pp.Package.RoleScopes {
		have[rs.ID] = true
		row := views.RoleScopeRow{ID: rs.ID, AddedOn: rs.CreatedDateTime}
		if r, ok := byID[rs.ResourceID]; ok {
			row.Resource, row.Origin = r.DisplayName, entitlement.OriginLabel(r.OriginSystem)
			if role, ok := r.Role(rs.RoleID); ok {
				row.Role, row.RoleHelp = role.DisplayName, role.Description
			}
			if sc, ok := r.Scope(rs.ScopeID); ok {
				row.Scope = sc.DisplayName
			}
		} else {
			row.Resource, row.Role, row.ResourceGone = "A removed resource", rs.RoleID, true
		}
		props.Rows = append(props.Rows, row)
	}
	for _, r := range resources {
		root := r.RootScope()
		for _, role := range r.Roles {
			if have[entitlement.RoleScopeID(role.ID, root.ID)] {
				continue
			}
			props.Options = append(props.Options, components.SelectOption{
				Value: r.ID + "|" + role.ID + "|" + root.ID,
				Label: r.DisplayName + " (" + entitlement.OriginLabel(r.OriginSystem) + ") — " + role.DisplayName,
			})
		}
	}
	return Render(c, status, views.PackageRolesPage(props))
}

// AddRole handles POST /admin/packages/:id/roles with role=<resource>|<role>|<scope>.
func (h AdminPackages) AddRole(c echo.Context) error {
	id := c.Param("id")
	choice := c.FormValue("role")
	parts := strings.Split(choice, "|")
	if len(parts) != 3 {
		return h.roles(c, http.StatusUnprocessableEntity, "", "Choose a resource role from the list.")
	}
	_, err := h.Svc.AddRoleScope(c.Request().Context(), id, parts[0], parts[1], parts[2])
	if errs, ok := FieldErrors(err); ok {
		return h.roles(c, http.StatusUnprocessableEntity, choice, firstMessage(errs))
	}
	if msg, ok := ruleRefusal(err, entitlement.ErrConflict); ok {
		return h.roles(c, http.StatusConflict, choice, words.Sentence(msg))
	}
	if err != nil {
		return err
	}
	return h.SeeOther(c, "/admin/packages/"+id, "Resource role added: people who get this package get it too.")
}

// RemoveRole handles POST /admin/packages/:id/roles/remove. A role that is no longer in the
// package counts as removed; a package that does not exist (or that the person may not see) is
// not found.
func (h AdminPackages) RemoveRole(c echo.Context) error {
	ctx := c.Request().Context()
	pkg, err := h.Svc.AccessPackageByID(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	err = h.Svc.RemoveRoleScope(ctx, pkg.ID, c.FormValue("roleScopeId"))
	if err != nil && !errors.Is(err, entitlement.ErrNotFound) {
		return err
	}
	return h.SeeOther(c, "/admin/packages/"+pkg.ID, "Resource role removed from the package.")
}

// Policies renders GET /admin/packages/:id/policies.
func (h AdminPackages) Policies(c echo.Context) error {
	pp, err := h.packageProps(c, c.Param("id"), views.PackageTabPolicies)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	pols, err := h.Svc.PoliciesOfPackage(ctx, pp.Package.ID)
	if err != nil {
		return err
	}
	n := newNameBook(ctx, h.Svc)
	props := views.PackagePoliciesProps{PackageProps: pp}
	for _, pol := range pols {
		in := inputOf(pol)
		if err := namesOfPolicy(n, in); err != nil {
			return err
		}
		props.Policies = append(props.Policies, views.PolicyCard{Policy: pol, Summary: views.PolicySummary(in, n.m)})
	}
	return Render(c, http.StatusOK, views.PackagePoliciesPage(props))
}

// inputOf is the input that would make the policy, for the plain-words summary.
func inputOf(p entitlement.AssignmentPolicy) entitlement.PolicyInput {
	return entitlement.PolicyInput{
		AccessPackageID: p.AccessPackageID, DisplayName: p.DisplayName, Description: p.Description,
		CanExtend: p.CanExtend, DurationInDays: p.DurationInDays, ExpirationDateTime: p.ExpirationDateTime,
		RequestorSettings: p.RequestorSettings, RequestApprovalSettings: p.RequestApprovalSettings,
		AccessReviewSettings: p.AccessReviewSettings,
	}
}

// namesOfPolicy looks up every user, group and organization a policy names.
func namesOfPolicy(n *nameBook, in entitlement.PolicyInput) error {
	if err := n.addAll(in.RequestorSettings.AllowedRequestors); err != nil {
		return err
	}
	for _, st := range in.RequestApprovalSettings.ApprovalStages {
		if err := n.addAll(st.PrimaryApprovers, st.EscalationApprovers); err != nil {
			return err
		}
	}
	if r := in.AccessReviewSettings; r != nil {
		return n.addAll(r.Reviewers)
	}
	return nil
}
