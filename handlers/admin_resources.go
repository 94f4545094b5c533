package handlers

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views"
	"github.com/stewardhq/steward/words"
)

// AdminResources serves a catalog's resources tab and the resource requests that add a
// directory group, an application or a site, or remove one.
type AdminResources struct {
	*Base
}

// List renders GET /admin/catalogs/:id/resources.
func (h AdminResources) List(c echo.Context) error {
	cp, err := h.catalogProps(c, c.Param("id"), views.CatalogTabResources)
	if err != nil {
		return err
	}
	opt := adminListOptions(c)
	page, err := h.Svc.ListResources(c.Request().Context(), cp.Catalog.ID, opt)
	if err != nil {
		return err
	}
	return Render(c, http.StatusOK, views.CatalogResourcesPage(views.CatalogResourcesProps{
		CatalogProps: cp, Resources: page.Items, Pager: pageLinks(c, cp.URL()+"/resources", page, opt),
	}))
}

// resourceOrigin maps the form's kind to an origin system.
func resourceOrigin(kind string) (string, string) {
	switch kind {
	case "application":
		return "application", entitlement.OriginApplication
	case "site":
		return "site", entitlement.OriginSite
	}
	return "group", entitlement.OriginGroup
}

// New renders GET /admin/catalogs/:id/resources/new?type=group|application|site.
func (h AdminResources) New(c echo.Context) error {
	kind, _ := resourceOrigin(c.QueryParam("type"))
	if c.QueryParam("type") == "" {
		// Owners who are not administrators cannot add groups: start them on applications.
		if caps, err := h.Svc.Capabilities(c.Request().Context()); err == nil && !caps.IsAdmin {
			kind = "application"
		}
	}
	return h.form(c, http.StatusOK, kind, entitlement.ResourceInput{}, "", nil, "", false)
}

func (h AdminResources) form(c echo.Context, status int, kind string, in entitlement.ResourceInput, roles string, errs map[string]string, query string, searched bool) error {
	cp, err := h.catalogProps(c, c.Param("id"), views.CatalogTabResources, views.NavItem{Label: "Resources", URL: "/admin/catalogs/" + c.Param("id") + "/resources"}, views.NavItem{Label: "Add resource"})
	if err != nil {
		return err
	}
	if !cp.CanManage {
		return refused("Only owners of the catalog " + cp.Catalog.DisplayName + " can add resources to it.")
	}
	cp.Page.Title = "Add a resource"
	caps, err := h.Svc.Capabilities(c.Request().Context())
	if err != nil {
		return err
	}
	props := views.ResourceFormProps{CatalogProps: cp, CanAddGroups: caps.IsAdmin, Type: kind, Values: in, Roles: roles, Errors: fieldMessages(errs)}
	props.Picker = views.PickerProps{
		ID: "group-picker", Label: "Directory group", Kinds: "group", Query: query, Searched: searched,
		Name: "pick", SearchName: "search", SearchValue: "1", QueryName: "q",
		Help: "Pick a group from the list, or type any word of its name to narrow it. Choosing one adds it, with the note above.", Error: props.Errors["originId"],
	}
	if searched && props.CanAddGroups {
		props.Picker.Results, err = searchPeople(c.Request().Context(), h.Svc, "group", query)
		if err != nil {
			return err
		}
	}
	return Render(c, status, views.ResourceFormPage(props))
}

// Add handles POST /admin/catalogs/:id/resources: a group chosen in the picker
// (pick=group:<id>), an application or site described in the form (add=1), or a group search
// without JavaScript.
func (h AdminResources) Add(c echo.Context) error {
	id := c.Param("id")
	kind, origin := resourceOrigin(c.FormValue("type"))
	in := entitlement.ResourceInput{
		OriginSystem:  origin,
		DisplayName:   c.FormValue("displayName"),
		Description:   c.FormValue("description"),
		URL:           c.FormValue("url"),
		Justification: strings.TrimSpace(c.FormValue("justification")),
	}
	roles := c.FormValue("roles")
	if kind == "group" {
		pick := c.FormValue("pick")
		if pick == "" {
			return h.form(c, http.StatusOK, kind, in, roles, nil, c.FormValue("q"), true)
		}
		k, gid, ok := cutKind(pick)
		if !ok || k != "group" {
			return echo.NewHTTPError(http.StatusBadRequest, "Choose a group from the list.")
		}
		in.OriginID = gid
	} else {
		for _, line := range strings.Split(roles, "\n") {
			for _, r := range strings.Split(line, ",") {
				if r = strings.TrimSpace(r); r != "" {
					in.Roles = append(in.Roles, r)
				}
			}
		}
	}
	req, err := h.Svc.AddResource(c.Request().Context(), id, in)
	if errs, ok := FieldErrors(err); ok {
		return h.form(c, http.StatusUnprocessableEntity, kind, in, roles, errs, c.FormValue("q"), false)
	}
	if msg, ok := ruleRefusal(err, entitlement.ErrConflict); ok {
		return h.form(c, http.StatusConflict, kind, in, roles, map[string]string{"originId": msg, "displayName": msg}, c.FormValue("q"), false)
	}
	if err != nil {
		return err
	}
	return h.SeeOther(c, "/admin/catalogs/"+id+"/resources", entitlement.OriginLabel(req.Resource.OriginSystem)+" \""+req.Resource.DisplayName+"\" added to the catalog.")
}

// Remove handles POST /admin/catalogs/:id/resources/:rid/remove; a resource that a package uses
// is refused with the packages named.
func (h AdminResources) Remove(c echo.Context) error {
	id := c.Param("id")
	ctx := c.Request().Context()
	r, err := h.Svc.ResourceByID(ctx, c.Param("rid"))
	if err != nil {
		return err
	}
	back := "/admin/catalogs/" + id + "/resources"
	if _, err := h.Svc.RemoveResource(ctx, id, r.ID, strings.TrimSpace(c.FormValue("justification"))); err != nil {
		if msg, ok := ruleRefusal(err, entitlement.ErrConflict); ok {
			if err := h.flashError(c, r.DisplayName+" was not removed: "+words.Finish(msg)); err != nil {
				return err
			}
			return c.Redirect(http.StatusSeeOther, back)
		}
		return err
	}
	return h.SeeOther(c, back, "\""+r.DisplayName+"\" removed from the catalog.")
}
