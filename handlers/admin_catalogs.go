package handlers

import (
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views"
	"github.com/stewardhq/steward/words"
)

// AdminCatalogs serves the catalog pages: the list, create, edit, publish, delete, the overview
// and the roles tab.
type AdminCatalogs struct {
	*Base
}

// List renders GET /admin/catalogs.
func (h AdminCatalogs) List(c echo.Context) error {
	p, caps, err := h.adminPage(c, "Catalogs", navCatalogs)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	opt := adminListOptions(c)
	page, err := h.Svc.ListCatalogs(ctx, opt)
	if err != nil {
		return err
	}
	rows := make([]views.CatalogRow, 0, len(page.Items))
	ids := make([]string, 0, len(page.Items))
	for _, cat := range page.Items {
		ids = append(ids, cat.ID)
	}
	allStats, err := h.Svc.CatalogStatsOf(ctx, ids)
	if err != nil {
		return err
	}
	for _, cat := range page.Items {
		stats := allStats[cat.ID]
		row := views.CatalogRow{Catalog: cat, Resources: stats.Resources, Packages: stats.Packages}
		if !caps.IsAdmin {
			for _, r := range caps.CatalogRoles[cat.ID] {
				row.Roles = append(row.Roles, r.Label())
			}
		}
		rows = append(rows, row)
	}
	return Render(c, http.StatusOK, views.CatalogListPage(views.CatalogListProps{
		Page: p, Query: opt.Search, Rows: rows, Pager: pageLinks(c, "/admin/catalogs", page, opt),
		CanCreate: caps.CanCreateCatalog, IsAdmin: caps.IsAdmin,
	}))
}

// New renders GET /admin/catalogs/new.
func (h AdminCatalogs) New(c echo.Context) error {
	return h.form(c, http.StatusOK, false, "", entitlement.CatalogInput{Published: true}, nil, nil)
}

func (h AdminCatalogs) form(c echo.Context, status int, editing bool, id string, in entitlement.CatalogInput, errs map[string]string, stale *views.Stale) error {
	title, action, cancel := "New catalog", "/admin/catalogs", "/admin/catalogs"
	crumbs := []views.NavItem{{Label: "Catalogs", URL: "/admin/catalogs"}}
	var saved entitlement.Catalog
	if editing {
		// The breadcrumb names the catalog as saved, not as typed (which may be empty).
		var err error
		if saved, err = h.Svc.CatalogByID(c.Request().Context(), id); err != nil {
			return err
		}
		title, action, cancel = "Edit catalog", "/admin/catalogs/"+id+"/edit", "/admin/catalogs/"+id
		crumbs = append(crumbs, views.NavItem{Label: saved.DisplayName, URL: cancel})
	}
	p, caps, err := h.adminPage(c, title, navCatalogs, append(crumbs, views.NavItem{Label: title})...)
	if err != nil {
		return err
	}
	if !editing && !caps.CanCreateCatalog {
		return refused("Only administrators and catalog creators can create catalogs.")
	}
	if editing && !caps.CanManageCatalog(id) {
		return refused("Only owners of the catalog " + saved.DisplayName + " can change it.")
	}
	return Render(c, status, views.CatalogFormPage(views.CatalogFormProps{
		Page: p, Editing: editing, Values: in, Errors: fieldMessages(errs), Action: action, CancelURL: cancel, Stale: stale,
	}))
}

func catalogInput(c echo.Context) entitlement.CatalogInput {
	return entitlement.CatalogInput{
		DisplayName:         c.FormValue("displayName"),
		Description:         c.FormValue("description"),
		Published:           c.FormValue("published") != "",
		IsExternallyVisible: c.FormValue("externallyVisible") != "",
		IfVersion:           formVersion(c),
	}
}

// Create handles POST /admin/catalogs.
func (h AdminCatalogs) Create(c echo.Context) error {
	in := catalogInput(c)
	cat, err := h.Svc.CreateCatalog(c.Request().Context(), in)
	if errs, ok := FieldErrors(err); ok {
		return h.form(c, http.StatusUnprocessableEntity, false, "", in, errs, nil)
	}
	if err != nil {
		return err
	}
	return h.SeeOther(c, "/admin/catalogs/"+cat.ID+"/resources", "Catalog \""+cat.DisplayName+"\" created. Add the resources its packages will grant.")
}

// Edit renders GET /admin/catalogs/:id/edit.
func (h AdminCatalogs) Edit(c echo.Context) error {
	cat, err := h.Svc.CatalogByID(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	in := entitlement.CatalogInput{DisplayName: cat.DisplayName, Description: cat.Description, Published: cat.IsPublished(), IsExternallyVisible: cat.IsExternallyVisible, IfVersion: cat.Version}
	return h.form(c, http.StatusOK, true, cat.ID, in, nil, nil)
}

// Update handles POST /admin/catalogs/:id/edit.
func (h AdminCatalogs) Update(c echo.Context) error {
	id := c.Param("id")
	in := catalogInput(c)
	ctx := c.Request().Context()
	cat, err := h.Svc.UpdateCatalog(ctx, id, in)
	if errs, ok := FieldErrors(err); ok {
		return h.form(c, http.StatusUnprocessableEntity, true, id, in, errs, nil)
	}
	if stale, ok := h.staleNotice(err, "this catalog"); ok {
		cur, err := h.Svc.CatalogByID(ctx, id)
		if err != nil {
			return err
		}
		stale.Current = []views.CurrentValue{
			{Label: "Name", Value: cur.DisplayName}, {Label: "Description", Value: cur.Description},
			{Label: "Published", Value: yesNo(cur.IsPublished())}, {Label: "Visible to external users", Value: yesNo(cur.IsExternallyVisible)},
		}
		in.IfVersion = cur.Version
		return h.form(c, http.StatusConflict, true, id, in, nil, stale)
	}
	if err != nil {
		return err
	}
	return h.SeeOther(c, "/admin/catalogs/"+cat.ID, "Catalog \""+cat.DisplayName+"\" saved.")
}

// Publish handles POST /admin/catalogs/:id/publish with published=true or false.
func (h AdminCatalogs) Publish(c echo.Context) error {
	ctx := c.Request().Context()
	cat, err := h.Svc.CatalogByID(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	publish := c.FormValue("published") == "true"
	in := entitlement.CatalogInput{DisplayName: cat.DisplayName, Description: cat.Description, Published: publish, IsExternallyVisible: cat.IsExternallyVisible}
	if _, err := h.Svc.UpdateCatalog(ctx, cat.ID, in); err != nil {
		return err
	}
	msg := "Catalog \"" + cat.DisplayName + "\" published: its packages can be requested."
	if !publish {
		msg = "Catalog \"" + cat.DisplayName + "\" unpublished: nobody can request its packages now."
	}
	return h.SeeOther(c, "/admin/catalogs/"+cat.ID, msg)
}

// Delete handles POST /admin/catalogs/:id/delete. A catalog that still holds packages is refused
// and the page says why.
func (h AdminCatalogs) Delete(c echo.Context) error {
	ctx := c.Request().Context()
	cat, err := h.Svc.CatalogByID(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	if err := h.Svc.DeleteCatalog(ctx, cat.ID, formVersion(c)); err != nil {
		if msg, ok := h.deleteRefusal(c, err, "this catalog"); ok {
			if err := h.flashError(c, "The catalog was not deleted: "+words.Finish(msg)); err != nil {
				return err
			}
			return c.Redirect(http.StatusSeeOther, "/admin/catalogs/"+cat.ID)
		}
		return err
	}
	return h.SeeOther(c, "/admin/catalogs", "Catalog \""+cat.DisplayName+"\" deleted.")
}

// catalogProps loads what every tab of a catalog page shows.
func (b *Base) catalogProps(c echo.Context, id, tab string, crumbs ...views.NavItem) (views.CatalogProps, error) {
	ctx := c.Request().Context()
	cat, err := b.Svc.CatalogByID(ctx, id)
	if err != nil {
		return views.CatalogProps{}, err
	}
	trail := append([]views.NavItem{{Label: "Catalogs", URL: "/admin/catalogs"}, {Label: cat.DisplayName, URL: "/admin/catalogs/" + cat.ID}}, crumbs...)
	p, caps, err := b.adminPage(c, cat.DisplayName, navCatalogs, trail...)
	if err != nil {
		return views.CatalogProps{}, err
	}
	stats, err := b.Svc.CatalogStats(ctx, cat.ID)
	if err != nil {
		return views.CatalogProps{}, err
	}
	return views.CatalogProps{
		Page: p, Catalog: cat, Stats: stats, Tab: tab,
		CanManage: caps.CanManageCatalog(cat.ID), CanManagePackages: caps.CanManagePackages(cat.ID),
		Now: b.Svc.Clock().Now(),
	}, nil
}

// Show renders GET /admin/catalogs/:id, the overview tab.
func (h AdminCatalogs) Show(c echo.Context) error {
	cp, err := h.catalogProps(c, c.Param("id"), views.CatalogTabOverview)
	if err != nil {
		return err
	}
	return Render(c, http.StatusOK, views.CatalogPage(cp))
}

// catalogRoleKinds are who may hold catalog roles: people, groups and service accounts.
const catalogRoleKinds = "user,group,service"

// Roles renders GET /admin/catalogs/:id/roles.
func (h AdminCatalogs) Roles(c echo.Context) error {
	return h.roles(c, http.StatusOK, string(entitlement.RoleCatalogOwner), "", false, "")
}

func (h AdminCatalogs) roles(c echo.Context, status int, role, query string, searched bool, msg string) error {
	cp, err := h.catalogProps(c, c.Param("id"), views.CatalogTabRoles)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	n := newNameBook(ctx, h.Svc)
	props := views.CatalogRolesProps{CatalogProps: cp, Role: role, Error: msg}
	for _, m := range cp.Catalog.Roles {
		detail := "User"
		if m.PrincipalType == entitlement.PrincipalGroup {
			detail = "Group: each member holds the role"
		}
		props.Members = append(props.Members, views.RoleMember{
			Role: m.Role, PrincipalID: m.PrincipalID, PrincipalType: m.PrincipalType,
			Label: n.principal(m.PrincipalID, m.PrincipalType), Detail: detail,
		})
	}
	props.Picker = views.PickerProps{
		ID: "role-picker", Label: "Person or group", Kinds: catalogRoleKinds, Query: query, Searched: searched,
		Name: "pick", Prefix: "", SearchName: "search", SearchValue: "1", QueryName: "q",
		Help: "Type a name or an e-mail address, then choose. Service accounts are found by name.",
	}
	if searched {
		props.Picker.Results, err = searchPeople(ctx, h.Svc, catalogRoleKinds, query)
		if err != nil {
			return err
		}
	}
	return Render(c, status, views.CatalogRolesPage(props))
}

// AddRole handles POST /admin/catalogs/:id/roles: a search (no JavaScript), or the choice of a
// person or group (pick=user:<id> or group:<id>) for the role.
func (h AdminCatalogs) AddRole(c echo.Context) error {
	id := c.Param("id")
	role := c.FormValue("role")
	pick := c.FormValue("pick")
	if pick == "" {
		return h.roles(c, http.StatusOK, role, c.FormValue("q"), true, "")
	}
	kind, pid, ok := cutKind(pick)
	if !ok || (kind != "user" && kind != "group") {
		return echo.NewHTTPError(http.StatusBadRequest, "Choose a person or a group from the list.")
	}
	m := entitlement.CatalogRoleMember{Role: entitlement.CatalogRole(role), PrincipalID: pid, PrincipalType: entitlement.PrincipalUser}
	if kind == "group" {
		m.PrincipalType = entitlement.PrincipalGroup
	}
	err := h.Svc.AddCatalogRoleMember(c.Request().Context(), id, m)
	if errs, ok := FieldErrors(err); ok {
		return h.roles(c, http.StatusUnprocessableEntity, role, c.FormValue("q"), false, firstMessage(errs))
	}
	if msg, ok := ruleRefusal(err, entitlement.ErrConflict); ok {
		return h.roles(c, http.StatusConflict, role, c.FormValue("q"), false, words.Sentence(msg))
	}
	if err != nil {
		return err
	}
	label := newNameBook(c.Request().Context(), h.Svc).principal(m.PrincipalID, m.PrincipalType)
	return h.SeeOther(c, "/admin/catalogs/"+id+"/roles", label+" is now "+article(m.Role.Label())+" of this catalog.")
}

// RemoveRole handles POST /admin/catalogs/:id/roles/remove.
func (h AdminCatalogs) RemoveRole(c echo.Context) error {
	id := c.Param("id")
	ctx := c.Request().Context()
	cat, err := h.Svc.CatalogByID(ctx, id)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(cat.Roles, func(m entitlement.CatalogRoleMember) bool {
		return string(m.Role) == c.FormValue("role") && m.PrincipalID == c.FormValue("principalId")
	})
	if i < 0 {
		return h.SeeOther(c, "/admin/catalogs/"+id+"/roles", "")
	}
	m := cat.Roles[i]
	label := newNameBook(ctx, h.Svc).principal(m.PrincipalID, m.PrincipalType)
	if err := h.Svc.RemoveCatalogRoleMember(ctx, id, m); err != nil {
		if msg, ok := ruleRefusal(err, entitlement.ErrConflict); ok {
			if err := h.flashError(c, label+" was not removed: "+words.Finish(msg)); err != nil {
				return err
			}
			return c.Redirect(http.StatusSeeOther, "/admin/catalogs/"+id+"/roles")
		}
		return err
	}
	return h.SeeOther(c, "/admin/catalogs/"+id+"/roles", label+" is no longer "+article(m.Role.Label())+" of this catalog.")
}
