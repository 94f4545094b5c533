package graph

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/handlers/graph/odata"
)

var assignmentFilters = []string{"id", "catalogid", "accesspackageid", "accesspackage/id", "assignmentpolicyid", "accesspackageassignmentpolicy/id",
	"targetid", "target/id", "target/objectid", "assignmentstate", "assignmentstatus", "isextended", "expireddatetime", "schedule/startdatetime"}

func assignmentField(a entitlement.Assignment, p string) any {
	switch p {
	case "id":
		return a.ID
	case "catalogid":
		return a.CatalogID
	case "accesspackageid", "accesspackage/id":
		return a.AccessPackageID
	case "assignmentpolicyid", "accesspackageassignmentpolicy/id":
		return a.PolicyID
	case "targetid", "target/id", "target/objectid":
		return a.TargetID
	case "assignmentstate":
		return string(a.AssignmentState)
	case "assignmentstatus":
		return a.AssignmentStatus
	case "isextended":
		return a.IsExtended
	case "expireddatetime":
		return a.ExpiredDateTime
	case "schedule/startdatetime":
		return a.Schedule.StartDateTime
	}
	return nil
}

var assignmentExpands = []string{"accessPackage", "accessPackageAssignmentPolicy", "target", "accessPackageAssignmentResourceRoles"}

// assignmentExpander fills the navigation properties of assignments, with caches for one page.
type assignmentExpander struct {
	a        *api
	c        echo.Context
	q        odata.Query
	subjects map[string]*Subject
	pkgs     map[string]*AccessPackage
	policies map[string]*Policy
}

func (a *api) assignmentExpander(c echo.Context, q odata.Query) *assignmentExpander {
	return &assignmentExpander{a, c, q, map[string]*Subject{}, map[string]*AccessPackage{}, map[string]*Policy{}}
}

func (x *assignmentExpander) full(as entitlement.Assignment) (Assignment, error) {
	v := toAssignment(as)
	if _, ok := expands(x.q, "target"); ok {
		v.Target = x.a.subject(x.c, x.subjects, as.TargetID)
	}
	if _, ok := expands(x.q, "accessPackage"); ok {
		p, err := x.a.packageOf(x.c, x.pkgs, as.AccessPackageID)
		if err != nil {
			return v, err
		}
		v.AccessPackage = p
	}
	if _, ok := expands(x.q, "accessPackageAssignmentPolicy"); ok {
		p, ok := x.policies[as.PolicyID]
		if !ok {
			pol, err := x.a.svc.PolicyByID(ctxOf(x.c), as.PolicyID)
			if err != nil && !isMissing(err) {
				return v, err
			}
			if err == nil {
				y := toPolicy(pol)
				p = &y
			}
			x.policies[as.PolicyID] = p
		}
		v.Policy = p
	}
	if _, ok := expands(x.q, "accessPackageAssignmentResourceRoles"); ok {
		roles, err := x.a.svc.AssignmentRolesOf(ctxOf(x.c), as.ID)
		if err != nil {
			return v, err
		}
		list := make([]AssignmentResourceRole, 0, len(roles))
		for _, r := range roles {
			list = append(list, toAssignmentRole(r))
		}
		v.ResourceRoles = &list
	}
	return v, nil
}

// listAssignments serves the filters Graph documents from indexes: accessPackage/id through the
// package's assignments, target/objectId through the person's; anything else filters the
// assignments the caller may read (ListAssignments, from indexes) within the scan budget.
func (a *api) listAssignments(c echo.Context) error {
	q, err := parse(c, listOptions...)
	if err != nil {
		return err
	}
	if err := checkQuery(q, Assignment{}, assignmentExpands...); err != nil {
		return err
	}
	desc, err := orderDesc(q, "id", true)
	if err != nil {
		return err
	}
	keep, err := matcher(q.Filter, assignmentFilters, assignmentField)
	if err != nil {
		return err
	}
	// What an index serves exactly needs no filtering in memory (and so keeps its count).
	exact := func(path string) func(entitlement.Assignment) (bool, error) { return exactly(q, keep, path) }
	ctx := ctxOf(c)
	var f entitlement.AssignmentFilter
	var page pageResult[entitlement.Assignment]
	pkgID, byPackage := odata.Equality(q.Filter, "accessPackage/id")
	if !byPackage {
		pkgID, byPackage = odata.Equality(q.Filter, "accessPackageId")
	}
	target, byTarget := odata.Equality(q.Filter, "target/objectId")
	if !byTarget {
		target, byTarget = odata.Equality(q.Filter, "targetId")
	}
	switch id, byID := odata.Equality(q.Filter, "id"); {
	case byID:
		page, err = one(q, func() (entitlement.Assignment, error) { return a.svc.AssignmentByID(ctx, id) }, keep)
	case byPackage && !desc:
		k := exact("accesspackage/id")
		if _, ok := odata.Equality(q.Filter, "accessPackageId"); ok {
			k = exact("accesspackageid")
		}
		if _, perr := a.svc.AccessPackageByID(ctx, pkgID); perr == nil {
			page, err = collect(q, false, func(o entitlement.ListOptions) (entitlement.Page[entitlement.Assignment], error) {
				return a.svc.PackageAssignments(ctx, pkgID, f, o)
			}, k)
		} else if isMissing(perr) && caller(c).IsAdmin {
			// Administrators read every package: there is no such package.
			page = empty[entitlement.Assignment](q)
		} else if isMissing(perr) {
			// Not a reader of the package's catalog: their own assignments of it.
			page, err = collect(q, false, func(o entitlement.ListOptions) (entitlement.Page[entitlement.Assignment], error) {
				return a.svc.MyAssignments(ctx, f, o)
			}, keep)
		} else {
			return perr
		}
	case byTarget:
		k := exact("target/objectid")
		if _, ok := odata.Equality(q.Filter, "targetId"); ok {
			k = exact("targetid")
		}
		byPerson := true
		page, err = collect(q, desc, func(o entitlement.ListOptions) (entitlement.Page[entitlement.Assignment], error) {
			p, err := a.svc.AssignmentsOfUser(ctx, target, f, o)
			if errorsIs(err, entitlement.ErrForbidden) {
				byPerson = false
				return entitlement.Page[entitlement.Assignment]{}, nil
			}
			if errorsIs(err, entitlement.ErrNotFound) {
				return entitlement.Page[entitlement.Assignment]{}, nil
			}
			return p, err
		}, k)
		if !byPerson {
			page, err = collect(q, desc, func(o entitlement.ListOptions) (entitlement.Page[entitlement.Assignment], error) {
				return a.svc.ListAssignments(ctx, f, o)
			}, keep)
		}
	default:
		page, err = collect(q, desc, func(o entitlement.ListOptions) (entitlement.Page[entitlement.Assignment], error) {
			return a.svc.ListAssignments(ctx, f, o)
		}, keep)
	}
	if err != nil {
		return err
	}
	x := a.assignmentExpander(c, q)
	out := make([]Assignment, 0, len(page.Items))
	for _, as := range page.Items {
		v, err := x.full(as)
		if err != nil {
			return err
		}
		out = append(out, v)
	}
	return writeCollection(a, c, emContext+"accessPackageAssignments", out, page.Next, page.Count, q)
}

func (a *api) getAssignment(c echo.Context) error {
	q, err := parse(c, entityOptions...)
	if err != nil {
		return err
	}
	if err := checkQuery(q, Assignment{}, assignmentExpands...); err != nil {
		return err
	}
	as, err := a.svc.AssignmentByID(ctxOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	v, err := a.assignmentExpander(c, q).full(as)
	if err != nil {
		return err
	}
	return a.writeEntity(c, http.StatusOK, emContext+"accessPackageAssignments/$entity", v, q)
}

// assignment resource roles

var assignmentRoleFilters = []string{"id", "originid", "originsystem", "status", "accesspackagesubject/objectid", "accesspackagesubject/id",
	"accesspackageresourcerole/id", "accesspackageresourcescope/id", "accesspackageresource/id"}

func assignmentRoleField(r entitlement.AssignmentResourceRole, p string) any {
	switch p {
	case "id":
		return r.ID
	case "originid":
		return r.OriginID
	case "originsystem":
		return r.OriginSystem
	case "status":
		return string(r.Status)
	case "accesspackagesubject/objectid", "accesspackagesubject/id":
		return r.SubjectID
	case "accesspackageresourcerole/id":
		return r.RoleID
	case "accesspackageresourcescope/id":
		return r.ScopeID
	case "accesspackageresource/id":
		return r.ResourceID
	}
	return nil
}

var assignmentRoleExpands = []string{"accessPackageSubject", "accessPackageResourceRole", "accessPackageResourceScope", "accessPackageAssignments"}

func (a *api) fullAssignmentRole(c echo.Context, r entitlement.AssignmentResourceRole, q odata.Query, subjects map[string]*Subject, resources map[string]*entitlement.Resource) (AssignmentResourceRole, error) {
	v := toAssignmentRole(r)
	if _, ok := expands(q, "accessPackageSubject"); ok {
		v.Subject = a.subject(c, subjects, r.SubjectID)
	}
	_, withRole := expands(q, "accessPackageResourceRole")
	_, withScope := expands(q, "accessPackageResourceScope")
	if withRole || withScope {
		res, ok := resources[r.ResourceID]
		if !ok {
			x, err := a.svc.ResourceByID(ctxOf(c), r.ResourceID)
			if err != nil && !isMissing(err) {
				return v, err
			}
			if err == nil {
				res = &x
			}
			resources[r.ResourceID] = res
		}
		if res != nil {
			if role, ok := res.Role(r.RoleID); ok && withRole {
				y := toResourceRole(role)
				z := toResource(*res)
				y.Resource = &z
				v.Role = &y
			}
			if scope, ok := res.Scope(r.ScopeID); ok && withScope {
				y := toResourceScope(scope)
				v.Scope = &y
			}
		}
	}
	if _, ok := expands(q, "accessPackageAssignments"); ok {
		list := []Assignment{}
		for _, id := range r.AssignmentIDs {
			as, err := a.svc.AssignmentByID(ctxOf(c), id)
			if isMissing(err) {
				continue
			} else if err != nil {
				return v, err
			}
			list = append(list, toAssignment(as))
		}
		v.Assignments = &list
	}
	return v, nil
}

func (a *api) listAssignmentRoles(c echo.Context) error {
	q, err := parse(c, listOptions...)
	if err != nil {
		return err
	}
	if err := checkQuery(q, AssignmentResourceRole{}, assignmentRoleExpands...); err != nil {
		return err
	}
	if _, err := orderDesc(q, "id", false); err != nil {
		return err
	}
	keep, err := matcher(q.Filter, assignmentRoleFilters, assignmentRoleField)
	if err != nil {
		return err
	}
	ctx := ctxOf(c)
	var page pageResult[entitlement.AssignmentResourceRole]
	subjectID, bySubject := odata.Equality(q.Filter, "accessPackageSubject/objectId")
	if !bySubject {
		subjectID, bySubject = odata.Equality(q.Filter, "accessPackageSubject/id")
	}
	switch id, byID := odata.Equality(q.Filter, "id"); {
	case byID:
		page, err = one(q, func() (entitlement.AssignmentResourceRole, error) { return a.svc.AssignmentRoleByID(ctx, id) }, keep)
	case bySubject:
		roles, rerr := a.svc.AssignmentRolesOfSubject(ctx, subjectID)
		if rerr != nil {
			return rerr
		}
		page, err = inMemory(q, roles, keep)
	default:
		page, err = collect(q, false, func(o entitlement.ListOptions) (entitlement.Page[entitlement.AssignmentResourceRole], error) {
			return a.svc.ListAssignmentRoles(ctx, o)
		}, keep)
	}
	if err != nil {
		return err
	}
	subjects, resources := map[string]*Subject{}, map[string]*entitlement.Resource{}
	out := make([]AssignmentResourceRole, 0, len(page.Items))
	for _, r := range page.Items {
		v, err := a.fullAssignmentRole(c, r, q, subjects, resources)
		if err != nil {
			return err
		}
		out = append(out, v)
	}
	return writeCollection(a, c, emContext+"accessPackageAssignmentResourceRoles", out, page.Next, page.Count, q)
}

func (a *api) getAssignmentRole(c echo.Context) error {
	q, err := parse(c, entityOptions...)
	if err != nil {
		return err
	}
	if err := checkQuery(q, AssignmentResourceRole{}, assignmentRoleExpands...); err != nil {
		return err
	}
	r, err := a.svc.AssignmentRoleByID(ctxOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	v, err := a.fullAssignmentRole(c, r, q, map[string]*Subject{}, map[string]*entitlement.Resource{})
	if err != nil {
		return err
	}
	return a.writeEntity(c, http.StatusOK, emContext+"accessPackageAssignmentResourceRoles/$entity", v, q)
}
