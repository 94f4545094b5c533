package graph

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/handlers/graph/odata"
)

var packageFilters = []string{"id", "catalogid", "displayname", "description", "ishidden", "isrolescopesvisible", "createdby", "createddatetime", "modifiedby", "modifieddatetime", "accesspackagecatalog/id"}

func packageField(p entitlement.AccessPackage, f string) any {
	switch f {
	case "id":
		return p.ID
	case "catalogid", "accesspackagecatalog/id":
		return p.CatalogID
	case "displayname":
		return p.DisplayName
	case "description":
		return p.Description
	case "ishidden":
		return p.IsHidden
	case "isrolescopesvisible":
		return p.IsRoleScopesVisible
	case "createdby":
		return p.CreatedBy
	case "createddatetime":
		return p.CreatedDateTime
	case "modifiedby":
		return p.ModifiedBy
	case "modifieddatetime":
		return p.ModifiedDateTime
	}
	return nil
}

var packageExpands = []string{"accessPackageAssignmentPolicies", "accessPackageCatalog", "accessPackageResourceRoleScopes"}

// fullPackage converts a package with the navigation properties q expands. Role scopes expand
// their role and scope when asked (accessPackageResourceRoleScopes($expand=…)), which is how
// Graph lists a package's role scopes.
func (a *api) fullPackage(c echo.Context, p entitlement.AccessPackage, q odata.Query, resources map[string]entitlement.Resource) (AccessPackage, error) {
	v := toPackage(p)
	if _, ok := expands(q, "accessPackageAssignmentPolicies"); ok {
		pols, err := a.svc.PoliciesOfPackage(ctxOf(c), p.ID)
		if err != nil {
			return v, err
		}
		list := make([]Policy, 0, len(pols))
		for _, x := range pols {
			list = append(list, toPolicy(x))
		}
		v.Policies = &list
	}
	if _, ok := expands(q, "accessPackageCatalog"); ok {
		cat, err := a.svc.CatalogByID(ctxOf(c), p.CatalogID)
		if err != nil {
			return v, err
		}
		x := toCatalog(cat)
		v.Catalog = &x
	}
	if e, ok := expands(q, "accessPackageResourceRoleScopes"); ok {
		_, withRole := expands(odata.Query{Expand: e.Expand}, "accessPackageResourceRole")
		_, withScope := expands(odata.Query{Expand: e.Expand}, "accessPackageResourceScope")
		list := make([]RoleScope, 0, len(p.RoleScopes))
		for _, rs := range p.RoleScopes {
			x := toRoleScope(rs)
			if withRole || withScope {
				res, ok := resources[rs.ResourceID]
				if !ok {
					r, err := a.svc.ResourceByID(ctxOf(c), rs.ResourceID)
					if err != nil && !isMissing(err) {
						return v, err
					}
					res = r
					resources[rs.ResourceID] = r
				}
				if role, ok := res.Role(rs.RoleID); ok && withRole {
					y := toResourceRole(role)
					r := toResource(res)
					y.Resource = &r
					x.Role = &y
				}
				if scope, ok := res.Scope(rs.ScopeID); ok && withScope {
					y := toResourceScope(scope)
					x.Scope = &y
				}
			}
			list = append(list, x)
		}
		v.RoleScopes = &list
	}
	return v, nil
}

func (a *api) listPackages(c echo.Context) error {
	return a.packages(c, emContext+"accessPackages", func(o entitlement.ListOptions) (entitlement.Page[entitlement.AccessPackage], error) {
		return a.svc.ListAccessPackages(ctxOf(c), o)
	})
}

// checkPackageQuery checks $select and $expand, nested expands of role scopes included.
func checkPackageQuery(q odata.Query) error {
	if err := checkQuery(q, AccessPackage{}, packageExpands...); err != nil {
		return err
	}
	if e, ok := expands(q, "accessPackageResourceRoleScopes"); ok {
		return checkExpand(e.Expand, "accessPackageResourceRole", "accessPackageResourceScope")
	}
	return nil
}

func (a *api) packages(c echo.Context, contextPath string, list func(entitlement.ListOptions) (entitlement.Page[entitlement.AccessPackage], error)) error {
	q, err := parse(c, listOptions...)
	if err != nil {
		return err
	}
	if err := checkPackageQuery(q); err != nil {
		return err
	}
	if _, err := orderDesc(q, "displayname", false); err != nil {
		return err
	}
	keep, err := matcher(q.Filter, packageFilters, packageField)
	if err != nil {
		return err
	}
	var page pageResult[entitlement.AccessPackage]
	if id, ok := odata.Equality(q.Filter, "id"); ok {
		page, err = one(q, func() (entitlement.AccessPackage, error) { return a.svc.AccessPackageByID(ctxOf(c), id) }, keep)
	} else if cid, ok := odata.Equality(q.Filter, "catalogId"); ok && strings.HasSuffix(contextPath, "accessPackages") && !strings.Contains(contextPath, "(") {
		page, err = collect(q, false, func(o entitlement.ListOptions) (entitlement.Page[entitlement.AccessPackage], error) {
			p, err := a.svc.ListCatalogPackages(ctxOf(c), cid, o)
			if isMissing(err) {
				return entitlement.Page[entitlement.AccessPackage]{}, nil
			}
			return p, err
		}, keep)
	} else {
		page, err = collect(q, false, list, keep)
	}
	if err != nil {
		return err
	}
	resources := map[string]entitlement.Resource{}
	out := make([]AccessPackage, 0, len(page.Items))
	for _, p := range page.Items {
		v, err := a.fullPackage(c, p, q, resources)
		if err != nil {
			return err
		}
		out = append(out, v)
	}
	return writeCollection(a, c, contextPath, out, page.Next, page.Count, q)
}

func (a *api) getPackage(c echo.Context) error {
	q, err := parse(c, entityOptions...)
	if err != nil {
		return err
	}
	if err := checkPackageQuery(q); err != nil {
		return err
	}
	p, err := a.svc.AccessPackageByID(ctxOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	v, err := a.fullPackage(c, p, q, map[string]entitlement.Resource{})
	if err != nil {
		return err
	}
	return a.writeEntity(c, http.StatusOK, emContext+"accessPackages/$entity", v, q)
}

type packageBody struct {
	CatalogID           *string `json:"catalogId"`
	DisplayName         *string `json:"displayName"`
	Description         *string `json:"description"`
	IsHidden            *bool   `json:"isHidden"`
	IsRoleScopesVisible *bool   `json:"isRoleScopesVisible"`
	Catalog             *struct {
		ID string `json:"id"`
	} `json:"accessPackageCatalog"`
}

func (b packageBody) apply(in *entitlement.AccessPackageInput) {
	if b.DisplayName != nil {
		in.DisplayName = *b.DisplayName
	}
	if b.Description != nil {
		in.Description = *b.Description
	}
	if b.IsHidden != nil {
		in.IsHidden = *b.IsHidden
	}
	if b.IsRoleScopesVisible != nil {
		in.IsRoleScopesVisible = *b.IsRoleScopesVisible
	}
}

func (a *api) createPackage(c echo.Context) error {
	var b packageBody
	if err := decode(c, &b); err != nil {
		return err
	}
	var in entitlement.AccessPackageInput
	switch {
	case b.CatalogID != nil:
		in.CatalogID = *b.CatalogID
	case b.Catalog != nil:
		in.CatalogID = b.Catalog.ID
	}
	b.apply(&in)
	p, err := a.svc.CreateAccessPackage(ctxOf(c), in)
	if err != nil {
		return err
	}
	return a.writeEntity(c, http.StatusCreated, emContext+"accessPackages/$entity", toPackage(p), odata.Query{})
}

func (a *api) patchPackage(c echo.Context) error {
	var b packageBody
	if err := decode(c, &b); err != nil {
		return err
	}
	cur, err := a.svc.AccessPackageByID(ctxOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	if err := ifMatch(c, cur.Version); err != nil {
		return err
	}
	if b.CatalogID != nil && *b.CatalogID != cur.CatalogID {
		return &entitlement.ValidationError{Code: "invalidAccessPackage", Fields: map[string]string{"catalogId": "a package cannot move to another catalog"}}
	}
	in := entitlement.AccessPackageInput{
		CatalogID: cur.CatalogID, DisplayName: cur.DisplayName, Description: cur.Description,
		IsHidden: cur.IsHidden, IsRoleScopesVisible: cur.IsRoleScopesVisible,
	}
	b.apply(&in)
	in.IfVersion = cur.Version
	if _, err := a.svc.UpdateAccessPackage(ctxOf(c), cur.ID, in); err != nil {
		return err
	}
	return noContent(c)
}

func (a *api) deletePackage(c echo.Context) error {
	version, err := ifMatchVersion(c)
	if err != nil {
		return err
	}
	if err := a.svc.DeleteAccessPackage(ctxOf(c), c.Param("id"), version); err != nil {
		return err
	}
	return noContent(c)
}

// roleScopeBody is the create body of a role scope: the role and the scope inline, the role
// naming its resource by the catalog-resource id.
type roleScopeBody struct {
	Role *struct {
		ID           string `json:"id"`
		OriginID     string `json:"originId"`
		DisplayName  string `json:"displayName"`
		OriginSystem string `json:"originSystem"`
		Resource     *struct {
			ID           string `json:"id"`
			OriginID     string `json:"originId"`
			OriginSystem string `json:"originSystem"`
		} `json:"accessPackageResource"`
	} `json:"accessPackageResourceRole"`
	Scope *struct {
		ID           string `json:"id"`
		OriginID     string `json:"originId"`
		OriginSystem string `json:"originSystem"`
	} `json:"accessPackageResourceScope"`
}

func invalidField(code, field, msg string) error {
	return &entitlement.ValidationError{Code: code, Fields: map[string]string{field: msg}}
}

func (a *api) addRoleScope(c echo.Context) error {
	var b roleScopeBody
	if err := decode(c, &b); err != nil {
		return err
	}
	if b.Role == nil || b.Role.Resource == nil || b.Role.Resource.ID == "" {
		return invalidField("invalidRoleScope", "accessPackageResourceRole.accessPackageResource.id", "name the resource by its id in the catalog (accessPackageResources of the catalog)")
	}
	pkg, err := a.svc.AccessPackageByID(ctxOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	res, err := a.svc.ResourceByID(ctxOf(c), b.Role.Resource.ID)
	if isMissing(err) || err == nil && res.CatalogID != pkg.CatalogID {
		return invalidField("resourceNotInCatalog", "accessPackageResourceRole.accessPackageResource.id", "the resource is not in the package's catalog; add it with a resource request first")
	} else if err != nil {
		return err
	}
	roleID := ""
	for _, r := range res.Roles {
		if b.Role.ID != "" && b.Role.ID == r.ID ||
			b.Role.ID == "" && b.Role.OriginID != "" && strings.EqualFold(b.Role.OriginID, r.OriginID) ||
			b.Role.ID == "" && b.Role.OriginID == "" && strings.EqualFold(b.Role.DisplayName, r.DisplayName) {
			roleID = r.ID
			break
		}
	}
	if roleID == "" {
		names := make([]string, 0, len(res.Roles))
		for _, r := range res.Roles {
			names = append(names, r.OriginID)
		}
		return invalidField("invalidRoleScope", "accessPackageResourceRole.originId", "the resource has no such role; its roles' originIds are "+strings.Join(names, ", "))
	}
	scopeID := ""
	if s := b.Scope; s != nil && (s.ID != "" || s.OriginID != "") {
		for _, x := range res.Scopes {
			if s.ID != "" && s.ID == x.ID || s.ID == "" && strings.EqualFold(s.OriginID, x.OriginID) {
				scopeID = x.ID
			}
		}
		if scopeID == "" {
			return invalidField("invalidRoleScope", "accessPackageResourceScope.originId", "the resource has no such scope; its root scope's originId is "+res.RootScope().OriginID)
		}
	}
	rs, err := a.svc.AddRoleScope(ctxOf(c), pkg.ID, res.ID, roleID, scopeID)
	if err != nil {
		return err
	}
	return a.writeEntity(c, http.StatusCreated, emContext+"accessPackages('"+pkg.ID+"')/accessPackageResourceRoleScopes/$entity", toRoleScope(rs), odata.Query{})
}

func (a *api) removeRoleScope(c echo.Context) error {
	if err := a.svc.RemoveRoleScope(ctxOf(c), c.Param("id"), c.Param("scope")); err != nil {
		return err
	}
	return noContent(c)
}

// resource requests

var resourceRequestFilters = []string{"id", "catalogid", "requesttype", "requeststate", "requeststatus", "justification", "accesspackageresource/id", "accesspackageresource/originid", "accesspackageresource/displayname", "accesspackageresource/originsystem"}

func resourceRequestField(r entitlement.ResourceRequest, p string) any {
	switch p {
	case "id":
		return r.ID
	case "catalogid":
		return r.CatalogID
	case "requesttype":
		return r.RequestType
	case "requeststate":
		return r.RequestState
	case "requeststatus":
		return r.RequestStatus
	case "justification":
		return r.Justification
	}
	if rest, ok := strings.CutPrefix(p, "accesspackageresource/"); ok {
		return resourceField(r.Resource, rest)
	}
	return nil
}

func (a *api) listResourceRequests(c echo.Context) error {
	q, err := parse(c, listOptions...)
	if err != nil {
		return err
	}
	if err := checkQuery(q, ResourceRequest{}, "requestor", "accessPackageResource"); err != nil {
		return err
	}
	if _, err := orderDesc(q, "id", false); err != nil {
		return err
	}
	keep, err := matcher(q.Filter, resourceRequestFilters, resourceRequestField)
	if err != nil {
		return err
	}
	page, err := collect(q, false, func(o entitlement.ListOptions) (entitlement.Page[entitlement.ResourceRequest], error) {
		return a.svc.ListResourceRequests(ctxOf(c), o)
	}, keep)
	if err != nil {
		return err
	}
	_, withRequestor := expands(q, "requestor")
	subjects := map[string]*Subject{}
	out := make([]ResourceRequest, 0, len(page.Items))
	for _, r := range page.Items {
		v := toResourceRequest(r)
		if withRequestor {
			v.Requestor = a.subject(c, subjects, r.RequestorID)
		}
		out = append(out, v)
	}
	return writeCollection(a, c, emContext+"accessPackageResourceRequests", out, page.Next, page.Count, q)
}

type resourceRequestBody struct {
	CatalogID        string `json:"catalogId"`
	RequestType      string `json:"requestType"`
	Justification    string `json:"justification"`
	IsValidationOnly bool   `json:"isValidationOnly"`
	Resource         *struct {
		ID           string `json:"id"`
		DisplayName  string `json:"displayName"`
		Description  string `json:"description"`
		URL          string `json:"url"`
		ResourceType string `json:"resourceType"`
		OriginID     string `json:"originId"`
		OriginSystem string `json:"originSystem"`
		Roles        []struct {
			DisplayName string `json:"displayName"`
			OriginID    string `json:"originId"`
		} `json:"accessPackageResourceRoles"`
	} `json:"accessPackageResource"`
	Catalog *struct {
		ID string `json:"id"`
	} `json:"accessPackageCatalog"`
}

// defaultRoles are the roles an application or a site gets when the request names none.
var defaultRoles = map[string][]string{
	entitlement.OriginApplication: {"Default Access"},
	entitlement.OriginSite:        {"Owners", "Members", "Visitors"},
}

func (a *api) createResourceRequest(c echo.Context) error {
	var b resourceRequestBody
	if err := decode(c, &b); err != nil {
		return err
	}
	if b.CatalogID == "" && b.Catalog != nil {
		b.CatalogID = b.Catalog.ID
	}
	if b.CatalogID == "" {
		return invalidField("invalidResourceRequest", "catalogId", "name the catalog to add the resource to")
	}
	if b.Resource == nil {
		return invalidField("invalidResourceRequest", "accessPackageResource", "describe the resource: originSystem, originId, displayName")
	}
	if b.IsValidationOnly {
		return invalidField("invalidResourceRequest", "isValidationOnly", "resource requests are carried out at once; validation-only resource requests are not supported")
	}
	var rr entitlement.ResourceRequest
	var err error
	switch b.RequestType {
	case entitlement.RequestTypeAdminAdd, "":
		in := entitlement.ResourceInput{
			OriginSystem: b.Resource.OriginSystem, OriginID: b.Resource.OriginID, DisplayName: b.Resource.DisplayName,
			Description: b.Resource.Description, URL: b.Resource.URL, Justification: b.Justification,
		}
		switch in.OriginSystem {
		case entitlement.OriginGroup, entitlement.OriginApplication, entitlement.OriginSite:
		default:
			return invalidField("invalidResource", "accessPackageResource.originSystem", "choose AadGroup, AadApplication or SharePointOnline")
		}
		for _, r := range b.Resource.Roles {
			in.Roles = append(in.Roles, firstNonEmpty(r.DisplayName, r.OriginID))
		}
		if len(in.Roles) == 0 {
			in.Roles = defaultRoles[in.OriginSystem]
		}
		rr, err = a.svc.AddResource(ctxOf(c), b.CatalogID, in)
	case entitlement.RequestTypeAdminRemove:
		if b.Resource.ID == "" {
			return invalidField("invalidResourceRequest", "accessPackageResource.id", "name the resource to remove by its id in the catalog")
		}
		rr, err = a.svc.RemoveResource(ctxOf(c), b.CatalogID, b.Resource.ID, b.Justification)
	default:
		return invalidField("invalidRequestType", "requestType", "choose AdminAdd or AdminRemove")
	}
	if err != nil {
		return err
	}
	return a.writeEntity(c, http.StatusCreated, emContext+"accessPackageResourceRequests/$entity", toResourceRequest(rr), odata.Query{})
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
