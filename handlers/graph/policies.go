package graph

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/handlers/graph/odata"
)

var policyFilters = []string{"id", "accesspackageid", "accesspackage/id", "displayname", "description", "canextend", "durationindays", "expirationdatetime", "isdenypolicy", "createdby", "createddatetime", "modifiedby", "modifieddatetime", "requestorsettings/scopetype", "requestorsettings/acceptrequests", "requestapprovalsettings/approvalmode", "requestapprovalsettings/isapprovalrequired"}

func policyField(p entitlement.AssignmentPolicy, f string) any {
	switch f {
	case "id":
		return p.ID
	case "accesspackageid", "accesspackage/id":
		return p.AccessPackageID
	case "displayname":
		return p.DisplayName
	case "description":
		return p.Description
	case "canextend":
		return p.CanExtend
	case "durationindays":
		return p.DurationInDays
	case "expirationdatetime":
		return p.ExpirationDateTime
	case "isdenypolicy":
		return p.IsDenyPolicy
	case "createdby":
		return p.CreatedBy
	case "createddatetime":
		return p.CreatedDateTime
	case "modifiedby":
		return p.ModifiedBy
	case "modifieddatetime":
		return p.ModifiedDateTime
	case "requestorsettings/scopetype":
		return p.RequestorSettings.ScopeType
	case "requestorsettings/acceptrequests":
		return p.RequestorSettings.AcceptRequests
	case "requestapprovalsettings/approvalmode":
		return p.RequestApprovalSettings.ApprovalMode
	case "requestapprovalsettings/isapprovalrequired":
		return p.RequestApprovalSettings.IsApprovalRequired
	}
	return nil
}

func (a *api) fullPolicy(c echo.Context, p entitlement.AssignmentPolicy, q odata.Query) (Policy, error) {
	v := toPolicy(p)
	if _, ok := expands(q, "accessPackage"); ok {
		pkg, err := a.svc.AccessPackageByID(ctxOf(c), p.AccessPackageID)
		if err != nil {
			return v, err
		}
		x := toPackage(pkg)
		v.AccessPackage = &x
	}
	return v, nil
}

func (a *api) listPolicies(c echo.Context) error {
	q, err := parse(c, listOptions...)
	if err != nil {
		return err
	}
	if err := checkQuery(q, Policy{}, "accessPackage"); err != nil {
		return err
	}
	if _, err := orderDesc(q, "displayname", false); err != nil {
		return err
	}
	keep, err := matcher(q.Filter, policyFilters, policyField)
	if err != nil {
		return err
	}
	var page pageResult[entitlement.AssignmentPolicy]
	pkgID, byPackage := odata.Equality(q.Filter, "accessPackageId")
	if !byPackage {
		pkgID, byPackage = odata.Equality(q.Filter, "accessPackage/id")
	}
	switch id, byID := odata.Equality(q.Filter, "id"); {
	case byID:
		page, err = one(q, func() (entitlement.AssignmentPolicy, error) { return a.svc.PolicyByID(ctxOf(c), id) }, keep)
	case byPackage:
		pols, perr := a.svc.PoliciesOfPackage(ctxOf(c), pkgID)
		if perr != nil && !isMissing(perr) {
			return perr
		}
		page, err = inMemory(q, pols, keep)
	default:
		page, err = collect(q, false, func(o entitlement.ListOptions) (entitlement.Page[entitlement.AssignmentPolicy], error) {
			return a.svc.ListPolicies(ctxOf(c), o)
		}, keep)
	}
	if err != nil {
		return err
	}
	out := make([]Policy, 0, len(page.Items))
	for _, p := range page.Items {
		v, err := a.fullPolicy(c, p, q)
		if err != nil {
			return err
		}
		out = append(out, v)
	}
	return writeCollection(a, c, emContext+"accessPackageAssignmentPolicies", out, page.Next, page.Count, q)
}

func (a *api) getPolicy(c echo.Context) error {
	q, err := parse(c, entityOptions...)
	if err != nil {
		return err
	}
	if err := checkQuery(q, Policy{}, "accessPackage"); err != nil {
		return err
	}
	p, err := a.svc.PolicyByID(ctxOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	v, err := a.fullPolicy(c, p, q)
	if err != nil {
		return err
	}
	return a.writeEntity(c, http.StatusOK, emContext+"accessPackageAssignmentPolicies/$entity", v, q)
}

func (a *api) createPolicy(c echo.Context) error {
	var b Policy
	if err := decode(c, &b); err != nil {
		return err
	}
	p, err := a.svc.CreatePolicy(ctxOf(c), policyInput(b))
	if err != nil {
		return err
	}
	return a.writeEntity(c, http.StatusCreated, emContext+"accessPackageAssignmentPolicies/$entity", toPolicy(p), odata.Query{})
}

// replacePolicy is Graph's PUT: the whole policy, answered with 200 and the policy.
func (a *api) replacePolicy(c echo.Context) error {
	var b Policy
	if err := decode(c, &b); err != nil {
		return err
	}
	cur, err := a.svc.PolicyByID(ctxOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	if err := ifMatch(c, cur.Version); err != nil {
		return err
	}
	in := policyInput(b)
	if in.AccessPackageID == "" {
		in.AccessPackageID = cur.AccessPackageID
	}
	in.Questions = cur.Questions // the 2020 API has no questions; a PUT keeps the portal's
	in.IfVersion = cur.Version
	p, err := a.svc.ReplacePolicy(ctxOf(c), cur.ID, in)
	if err != nil {
		return err
	}
	return a.writeEntity(c, http.StatusOK, emContext+"accessPackageAssignmentPolicies/$entity", toPolicy(p), odata.Query{})
}

func (a *api) deletePolicy(c echo.Context) error {
	version, err := ifMatchVersion(c)
	if err != nil {
		return err
	}
	if err := a.svc.DeletePolicy(ctxOf(c), c.Param("id"), version); err != nil {
		return err
	}
	return noContent(c)
}
