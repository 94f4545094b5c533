package graph

import (
	"net/http"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/handlers/graph/odata"
)

const emContext = "identityGovernance/entitlementManagement/"

var catalogFilters = []string{"id", "displayname", "description", "catalogtype", "catalogstatus", "isexternallyvisible", "createddatetime", "modifieddatetime", "createdby"}

func catalogField(c entitlement.Catalog, p string) any {
	switch p {
	case "id":
		return c.ID
	case "displayname":
		return c.DisplayName
	case "description":
		return c.Description
	case "catalogtype":
		return c.CatalogType
	case "catalogstatus":
		return c.CatalogStatus
	case "isexternallyvisible":
		return c.IsExternallyVisible
	case "createddatetime":
		return c.CreatedDateTime
	case "modifieddatetime":
		return c.ModifiedDateTime
	case "createdby":
		return c.CreatedBy
	}
	return nil
}

// expandCatalog fills the catalog's navigation properties that q expands.
func (a *api) expandCatalog(c echo.Context, out *Catalog, q odata.Query) error {
	if _, ok := expands(q, "accessPackages"); ok {
		pkgs, err := entitlement.CollectAll(func(o entitlement.ListOptions) (entitlement.Page[entitlement.AccessPackage], error) {
			return a.svc.ListCatalogPackages(ctxOf(c), out.ID, o)
		})
		if err != nil {
			return err
		}
		list := make([]AccessPackage, 0, len(pkgs))
		for _, p := range pkgs {
			list = append(list, toPackage(p))
		}
		out.AccessPackages = &list
	}
	if _, ok := expands(q, "accessPackageResources"); ok {
		res, err := a.catalogResources(c, out.ID)
		if err != nil {
			return err
		}
		list := make([]Resource, 0, len(res))
		for _, r := range res {
			list = append(list, toResource(r))
		}
		out.Resources = &list
	}
	return nil
}

func (a *api) listCatalogs(c echo.Context) error {
	q, err := parse(c, listOptions...)
	if err != nil {
		return err
	}
	if err := checkQuery(q, Catalog{}, "accessPackages", "accessPackageResources"); err != nil {
		return err
	}
	if _, err := orderDesc(q, "displayname", false); err != nil {
		return err
	}
	keep, err := matcher(q.Filter, catalogFilters, catalogField)
	if err != nil {
		return err
	}
	var page pageResult[entitlement.Catalog]
	if id, ok := odata.Equality(q.Filter, "id"); ok {
		page, err = one(q, func() (entitlement.Catalog, error) { return a.svc.CatalogByID(ctxOf(c), id) }, keep)
	} else {
		page, err = collect(q, false, func(o entitlement.ListOptions) (entitlement.Page[entitlement.Catalog], error) {
			return a.svc.ListCatalogs(ctxOf(c), o)
		}, keep)
	}
	if err != nil {
		return err
	}
	out := make([]Catalog, 0, len(page.Items))
	for _, x := range page.Items {
		v := toCatalog(x)
		if err := a.expandCatalog(c, &v, q); err != nil {
			return err
		}
		out = append(out, v)
	}
	return writeCollection(a, c, emContext+"accessPackageCatalogs", out, page.Next, page.Count, q)
}

// one serves a filter on the id from a look-up: a page of the object if it exists, the caller
// may read it and the filter keeps it, else an empty page.
func one[T any](q odata.Query, get func() (T, error), keep func(T) (bool, error)) (pageResult[T], error) {
	var out pageResult[T]
	v, err := get()
	if err != nil {
		if isMissing(err) {
			return inMemory[T](q, nil, keep)
		}
		return out, err
	}
	return inMemory(q, []T{v}, keep)
}

// isMissing reports refusals that a list treats as "no such object": missing or not readable.
func isMissing(err error) bool {
	return errorsIs(err, entitlement.ErrNotFound) || errorsIs(err, entitlement.ErrForbidden)
}

// checkQuery checks $select against the type's properties and $expand against the navigation
// properties the endpoint expands.
func checkQuery(q odata.Query, sample any, expandable ...string) error {
	if err := checkExpand(q.Expand, expandable...); err != nil {
		return err
	}
	return checkSelect(q.Select, sample)
}

func (a *api) getCatalog(c echo.Context) error {
	q, err := parse(c, entityOptions...)
	if err != nil {
		return err
	}
	if err := checkQuery(q, Catalog{}, "accessPackages", "accessPackageResources"); err != nil {
		return err
	}
	x, err := a.svc.CatalogByID(ctxOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	v := toCatalog(x)
	if err := a.expandCatalog(c, &v, q); err != nil {
		return err
	}
	return a.writeEntity(c, http.StatusOK, emContext+"accessPackageCatalogs/$entity", v, q)
}

type catalogBody struct {
	DisplayName         *string `json:"displayName"`
	Description         *string `json:"description"`
	IsExternallyVisible *bool   `json:"isExternallyVisible"`
	CatalogStatus       *string `json:"catalogStatus"`
}

func (b catalogBody) apply(in *entitlement.CatalogInput) error {
	if b.DisplayName != nil {
		in.DisplayName = *b.DisplayName
	}
	if b.Description != nil {
		in.Description = *b.Description
	}
	if b.IsExternallyVisible != nil {
		in.IsExternallyVisible = *b.IsExternallyVisible
	}
	if b.CatalogStatus != nil {
		switch *b.CatalogStatus {
		case entitlement.CatalogStatusPublished:
			in.Published = true
		case entitlement.CatalogStatusUnpublished:
			in.Published = false
		default:
			return &entitlement.ValidationError{Code: "invalidCatalog", Fields: map[string]string{"catalogStatus": "choose Published or Unpublished"}}
		}
	}
	return nil
}

func (a *api) createCatalog(c echo.Context) error {
	var b catalogBody
	if err := decode(c, &b); err != nil {
		return err
	}
	in := entitlement.CatalogInput{Published: true}
	if err := b.apply(&in); err != nil {
		return err
	}
	x, err := a.svc.CreateCatalog(ctxOf(c), in)
	if err != nil {
		return err
	}
	return a.writeEntity(c, http.StatusCreated, emContext+"accessPackageCatalogs/$entity", toCatalog(x), odata.Query{})
}

func (a *api) patchCatalog(c echo.Context) error {
	var b catalogBody
	if err := decode(c, &b); err != nil {
		return err
	}
	cur, err := a.svc.CatalogByID(ctxOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	if err := ifMatch(c, cur.Version); err != nil {
		return err
	}
	in := entitlement.CatalogInput{
		DisplayName: cur.DisplayName, Description: cur.Description, IsExternallyVisible: cur.IsExternallyVisible,
		Published: cur.CatalogStatus == entitlement.CatalogStatusPublished,
	}
	if err := b.apply(&in); err != nil {
		return err
	}
	in.IfVersion = cur.Version
	if _, err := a.svc.UpdateCatalog(ctxOf(c), cur.ID, in); err != nil {
		return err
	}
	return noContent(c)
}

func (a *api) deleteCatalog(c echo.Context) error {
	version, err := ifMatchVersion(c)
	if err != nil {
		return err
	}
	if err := a.svc.DeleteCatalog(ctxOf(c), c.Param("id"), version); err != nil {
		return err
	}
	return noContent(c)
}

func (a *api) listCatalogPackages(c echo.Context) error {
	catalogID := c.Param("id")
	return a.packages(c, emContext+"accessPackageCatalogs('"+catalogID+"')/accessPackages", func(o entitlement.ListOptions) (entitlement.Page[entitlement.AccessPackage], error) {
		return a.svc.ListCatalogPackages(ctxOf(c), catalogID, o)
	})
}

// maxCatalogResources bounds the resources a catalog listing gathers for the resource roles.
const maxCatalogResources = 5000

// catalogResources gathers a catalog's resources (a catalog holds tens or hundreds; the bound
// refuses a pathological one instead of reading without end).
func (a *api) catalogResources(c echo.Context, catalogID string) ([]entitlement.Resource, error) {
	var out []entitlement.Resource
	opt := entitlement.ListOptions{Limit: entitlement.MaxPageSize}
	for {
		p, err := a.svc.ListResources(ctxOf(c), catalogID, opt)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Items...)
		if p.Next == "" {
			return out, nil
		}
		if len(out) >= maxCatalogResources {
			return nil, &odata.Error{Option: "$filter", Message: "the catalog has too many resources to list their roles at once; filter on accessPackageResource/id"}
		}
		opt.After = p.Next
	}
}

var resourceFilters = []string{"id", "displayname", "description", "url", "resourcetype", "originid", "originsystem", "ispendingonboarding", "addedby", "addedon"}

func resourceField(r entitlement.Resource, p string) any {
	switch p {
	case "id":
		return r.ID
	case "displayname":
		return r.DisplayName
	case "description":
		return r.Description
	case "url":
		return r.URL
	case "resourcetype":
		return r.ResourceType
	case "originid":
		return r.OriginID
	case "originsystem":
		return r.OriginSystem
	case "ispendingonboarding":
		return r.IsPendingOnboarding
	case "addedby":
		return r.AddedBy
	case "addedon":
		return r.AddedOn
	}
	return nil
}

func fullResource(r entitlement.Resource, q odata.Query) Resource {
	v := toResource(r)
	if _, ok := expands(q, "accessPackageResourceRoles"); ok {
		roles := make([]ResourceRole, 0, len(r.Roles))
		for _, x := range r.Roles {
			roles = append(roles, toResourceRole(x))
		}
		v.Roles = &roles
	}
	if _, ok := expands(q, "accessPackageResourceScopes"); ok {
		scopes := make([]ResourceScope, 0, len(r.Scopes))
		for _, x := range r.Scopes {
			scopes = append(scopes, toResourceScope(x))
		}
		v.Scopes = &scopes
	}
	return v
}

func (a *api) listCatalogResources(c echo.Context) error {
	q, err := parse(c, listOptions...)
	if err != nil {
		return err
	}
	if err := checkQuery(q, Resource{}, "accessPackageResourceRoles", "accessPackageResourceScopes"); err != nil {
		return err
	}
	if _, err := orderDesc(q, "displayname", false); err != nil {
		return err
	}
	keep, err := matcher(q.Filter, resourceFilters, resourceField)
	if err != nil {
		return err
	}
	catalogID := c.Param("id")
	page, err := collect(q, false, func(o entitlement.ListOptions) (entitlement.Page[entitlement.Resource], error) {
		return a.svc.ListResources(ctxOf(c), catalogID, o)
	}, keep)
	if err != nil {
		return err
	}
	out := make([]Resource, 0, len(page.Items))
	for _, r := range page.Items {
		out = append(out, fullResource(r, q))
	}
	return writeCollection(a, c, emContext+"accessPackageCatalogs('"+catalogID+"')/accessPackageResources", out, page.Next, page.Count, q)
}

// catalogRole is a resource role with the resource it belongs to.
type catalogRole struct {
	role entitlement.ResourceRole
	res  entitlement.Resource
}

var roleFilters = []string{"id", "displayname", "description", "originid", "originsystem", "accesspackageresource/id", "accesspackageresource/originid", "accesspackageresource/displayname", "accesspackageresource/originsystem"}

func roleField(r catalogRole, p string) any {
	switch p {
	case "id":
		return r.role.ID
	case "displayname":
		return r.role.DisplayName
	case "description":
		return r.role.Description
	case "originid":
		return r.role.OriginID
	case "originsystem":
		return r.role.OriginSystem
	}
	if rest, ok := strings.CutPrefix(p, "accesspackageresource/"); ok {
		return resourceField(r.res, rest)
	}
	return nil
}

func (a *api) listCatalogResourceRoles(c echo.Context) error {
	q, err := parse(c, listOptions...)
	if err != nil {
		return err
	}
	if err := checkQuery(q, ResourceRole{}, "accessPackageResource"); err != nil {
		return err
	}
	if _, err := orderDesc(q, "displayname", false); err != nil {
		return err
	}
	keep, err := matcher(q.Filter, roleFilters, roleField)
	if err != nil {
		return err
	}
	catalogID := c.Param("id")
	var res []entitlement.Resource
	if id, ok := odata.Equality(q.Filter, "accessPackageResource/id"); ok {
		r, err := a.svc.ResourceByID(ctxOf(c), id)
		switch {
		case err == nil && r.CatalogID == catalogID:
			res = []entitlement.Resource{r}
		case err == nil, isMissing(err):
			if _, err := a.svc.CatalogByID(ctxOf(c), catalogID); err != nil {
				return err
			}
		default:
			return err
		}
	} else if res, err = a.catalogResources(c, catalogID); err != nil {
		return err
	}
	var roles []catalogRole
	for _, r := range res {
		for _, x := range r.Roles {
			roles = append(roles, catalogRole{x, r})
		}
	}
	sort.SliceStable(roles, func(i, j int) bool {
		return strings.ToLower(roles[i].role.DisplayName) < strings.ToLower(roles[j].role.DisplayName)
	})
	page, err := inMemory(q, roles, keep)
	if err != nil {
		return err
	}
	_, withResource := expands(q, "accessPackageResource")
	out := make([]ResourceRole, 0, len(page.Items))
	for _, r := range page.Items {
		v := toResourceRole(r.role)
		if withResource {
			res := toResource(r.res)
			v.Resource = &res
		}
		out = append(out, v)
	}
	return writeCollection(a, c, emContext+"accessPackageCatalogs('"+catalogID+"')/accessPackageResourceRoles", out, page.Next, page.Count, q)
}
