package graph_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

// tenant is two catalogs, each with a group package and a self-service policy, a reader of the
// first, and one assignment in each.
type tenant struct {
	s                *apiServer
	reader, outsider entitlement.User
	catA, catB       entitlement.Catalog
	pkgA, pkgB       entitlement.AccessPackage
	polA, polB       entitlement.AssignmentPolicy
}

func newTenant(t *testing.T) *tenant {
	s := newAPI(t)
	env := s.env
	tn := &tenant{s: s, reader: env.User("Rita Reader"), outsider: env.User("Otto Outsider")}
	tn.catA = env.Catalog("Alpha", entitlementtest.WithCatalogRole(entitlement.RoleCatalogReader, tn.reader))
	tn.catB = env.Catalog("Beta")
	tn.pkgA = env.Package(tn.catA, "Alpha access", entitlementtest.Member(env.GroupResource(tn.catA, env.Group("Alpha team"))))
	tn.pkgB = env.Package(tn.catB, "Beta access", entitlementtest.Member(env.GroupResource(tn.catB, env.Group("Beta team"))))
	tn.polA, tn.polB = env.Policy(tn.pkgA), env.Policy(tn.pkgB)
	env.RequestAccess(tn.outsider, tn.polA)
	env.RequestAccess(s.admin, tn.polB)
	return tn
}

func TestAuthorization(t *testing.T) {
	tn := newTenant(t)
	s := tn.s

	// No token: 401 in Graph's shape, on reads and writes.
	if code := s.do(entitlement.User{}, "GET", em+"/accessPackages", nil).graphError(t, http.StatusUnauthorized); code != "InvalidAuthenticationToken" {
		t.Errorf("401 code = %s", code)
	}
	s.do(entitlement.User{}, "POST", em+"/accessPackageCatalogs", map[string]any{"displayName": "X"}).graphError(t, http.StatusUnauthorized)

	// A person without roles cannot write.
	writes := []struct {
		method, path string
		body         any
	}{
		{"POST", "/accessPackageCatalogs", map[string]any{"displayName": "Mine"}},
		{"PATCH", "/accessPackageCatalogs/" + tn.catA.ID, map[string]any{"displayName": "Taken"}},
		{"DELETE", "/accessPackageCatalogs/" + tn.catB.ID, nil},
		{"POST", "/accessPackages", map[string]any{"catalogId": tn.catA.ID, "displayName": "Mine"}},
		{"PATCH", "/accessPackages/" + tn.pkgA.ID, map[string]any{"displayName": "Taken"}},
		{"DELETE", "/accessPackages/" + tn.pkgA.ID, nil},
		{"PUT", "/accessPackageAssignmentPolicies/" + tn.polA.ID, map[string]any{"displayName": "Taken", "requestorSettings": map[string]any{"scopeType": "NoSubjects"}}},
		{"DELETE", "/accessPackageAssignmentPolicies/" + tn.polA.ID, nil},
		{"POST", "/connectedOrganizations", map[string]any{"displayName": "Mine", "state": "configured", "identitySources": []any{map[string]any{"@odata.type": "#microsoft.graph.domainIdentitySource", "domainName": "mine.example"}}}},
		{"PATCH", "/settings", map[string]any{"externalUserLifecycleAction": "None"}},
		{"POST", "/accessPackageAssignmentRequests", map[string]any{"requestType": "AdminAdd", "accessPackageAssignment": map[string]any{"targetId": tn.outsider.ID, "assignmentPolicyId": tn.polB.ID, "accessPackageId": tn.pkgB.ID}}},
	}
	for _, w := range writes {
		for _, who := range []entitlement.User{tn.outsider, tn.reader} {
			r := s.do(who, w.method, em+w.path, w.body)
			if r.Status != http.StatusForbidden && r.Status != http.StatusNotFound {
				t.Errorf("%s %s as %s: %d %s, want 403 (or 404 for what they cannot see)", w.method, w.path, who.DisplayName, r.Status, r.Raw)
				continue
			}
			r.graphError(t, r.Status)
		}
	}

	// Lists return only what the caller may read.
	ids := func(who entitlement.User, path string) []string {
		var out []string
		for _, v := range s.do(who, "GET", em+path, nil).want(t, http.StatusOK).values(t) {
			out = append(out, str(t, v, "id"))
		}
		return out
	}
	if got := ids(tn.outsider, "/accessPackages"); len(got) != 0 {
		t.Errorf("packages an outsider sees = %v", got)
	}
	if got := ids(tn.reader, "/accessPackages"); len(got) != 1 || got[0] != tn.pkgA.ID {
		t.Errorf("packages the reader of Alpha sees = %v", got)
	}
	if got := ids(tn.reader, "/accessPackageCatalogs"); len(got) != 1 || got[0] != tn.catA.ID {
		t.Errorf("catalogs the reader of Alpha sees = %v", got)
	}
	if got := ids(s.admin, "/accessPackages"); len(got) != 2 {
		t.Errorf("packages the administrator sees = %v", got)
	}
	own := ids(tn.outsider, "/accessPackageAssignments")
	if len(own) != 1 {
		t.Fatalf("assignments the outsider sees = %v", own)
	}
	if got := ids(tn.outsider, "/accessPackageAssignments?$filter="+url.QueryEscape("accessPackage/id eq '"+tn.pkgB.ID+"'")); len(got) != 0 {
		t.Errorf("the outsider sees assignments of a package they cannot read: %v", got)
	}
	if got := ids(tn.outsider, "/accessPackageAssignments?$filter="+url.QueryEscape("target/objectId eq '"+s.admin.ID+"'")); len(got) != 0 {
		t.Errorf("the outsider sees the administrator's assignments: %v", got)
	}
	if got := ids(tn.reader, "/accessPackageAssignments"); len(got) != 1 || got[0] != own[0] {
		t.Errorf("assignments the reader of Alpha sees = %v", got)
	}
	if got := ids(tn.reader, "/accessPackageAssignmentRequests"); len(got) != 1 {
		t.Errorf("requests the reader of Alpha sees = %v", got)
	}
	if got := ids(tn.outsider, "/accessPackageAssignmentResourceRoles"); len(got) != 1 {
		t.Errorf("resource roles the outsider sees = %v", got)
	}
	if got := ids(s.admin, "/accessPackageAssignmentResourceRoles"); len(got) != 2 {
		t.Errorf("resource roles the administrator sees = %v", got)
	}
	// What they may not read is a 404 when asked for by id, as if it did not exist.
	adminAsg := ids(s.admin, "/accessPackageAssignments?$filter="+url.QueryEscape("accessPackage/id eq '"+tn.pkgB.ID+"'"))
	if len(adminAsg) != 1 {
		t.Fatalf("assignments of Beta = %v", adminAsg)
	}
	s.do(tn.outsider, "GET", em+"/accessPackageAssignments/"+adminAsg[0], nil).graphError(t, http.StatusNotFound)
	s.do(tn.reader, "GET", em+"/accessPackageAssignmentRequests/"+adminAsg[0], nil).graphError(t, http.StatusNotFound)
	// Directory look-ups are for administrators and catalog managers.
	s.do(tn.outsider, "GET", "/users", nil).graphError(t, http.StatusForbidden)
	if got := s.do(tn.outsider, "GET", "/users/"+tn.outsider.ID, nil).want(t, http.StatusOK); got.Body["mail"] != tn.outsider.Email {
		t.Errorf("own user = %s", got.Raw)
	}
}

// TestApprovalAndCancel drives the extensions: an approver approves and denies stages, and a
// requestor cancels, through the API.
func TestApprovalAndCancel(t *testing.T) {
	s := newAPI(t)
	env := s.env
	approver, carol, dave := env.User("Amy Approver"), env.User("Carol Clerk"), env.User("Dave Doe")
	group := env.Group("Finance")
	cat := env.Catalog("Finance")
	pkg := env.Package(cat, "Finance tools", entitlementtest.Member(env.GroupResource(cat, group)))
	pol := env.Policy(pkg, entitlementtest.Approval(entitlementtest.ApprovalStage(14, entitlementtest.Single(approver))))
	ask := func(who entitlement.User) string {
		r := s.do(who, "POST", em+"/accessPackageAssignmentRequests", map[string]any{
			"requestType": "UserAdd", "justification": "month-end close",
			"accessPackageAssignment": map[string]any{"targetId": who.ID, "assignmentPolicyId": pol.ID, "accessPackageId": pkg.ID},
		}).want(t, http.StatusCreated)
		if r.Body["requestState"] != "Submitted" {
			t.Errorf("answer to a request = %s", r.Raw)
		}
		return r.str(t, "id")
	}
	state := func(id string) string {
		return s.do(s.admin, "GET", em+"/accessPackageAssignmentRequests/"+id, nil).want(t, http.StatusOK).str(t, "requestState")
	}

	// Validation only: checked, nothing recorded.
	dry := s.do(carol, "POST", em+"/accessPackageAssignmentRequests", map[string]any{
		"requestType": "UserAdd", "isValidationOnly": true,
		"accessPackageAssignment": map[string]any{"targetId": carol.ID, "assignmentPolicyId": pol.ID, "accessPackageId": pkg.ID},
	}).want(t, http.StatusCreated)
	if dry.Body["isValidationOnly"] != true {
		t.Errorf("validation-only answer = %s", dry.Raw)
	}
	if n := env.CountRequests(); n != 0 {
		t.Fatalf("a validation-only request recorded %d requests", n)
	}

	id := ask(carol)
	if st := state(id); st != "PendingApproval" {
		t.Fatalf("state = %s", st)
	}
	waiting := s.do(approver, "GET", em+"/accessPackageAssignmentApprovals", nil).want(t, http.StatusOK).values(t)
	if len(waiting) != 1 || waiting[0]["id"] != id {
		t.Fatalf("approvals waiting = %v", waiting)
	}
	stage := waiting[0]["stages"].([]any)[0].(map[string]any)
	if stage["id"] != "1" || stage["reviewResult"] != "NotReviewed" || stage["assignedToMe"] != true {
		t.Errorf("stage = %v", stage)
	}
	// Only an approver of the stage decides it; a bad reviewResult is 422.
	s.do(dave, "PATCH", em+"/accessPackageAssignmentApprovals/"+id+"/stages/1", map[string]any{"reviewResult": "Approve"}).graphError(t, http.StatusNotFound)
	s.do(carol, "PATCH", em+"/accessPackageAssignmentApprovals/"+id+"/stages/1", map[string]any{"reviewResult": "Approve"}).graphError(t, http.StatusForbidden)
	s.do(approver, "PATCH", em+"/accessPackageAssignmentApprovals/"+id+"/stages/1", map[string]any{"reviewResult": "Maybe"}).graphError(t, http.StatusUnprocessableEntity)
	s.do(approver, "PATCH", em+"/accessPackageAssignmentApprovals/"+id+"/stages/2", map[string]any{"reviewResult": "Approve"}).graphError(t, http.StatusNotFound)
	if r := s.do(approver, "PATCH", em+"/accessPackageAssignmentApprovals/"+id+"/stages/1", map[string]any{"reviewResult": "Approve", "justification": "needed for close"}); r.Status != http.StatusNoContent {
		t.Fatalf("approve: %d %s", r.Status, r.Raw)
	}
	if st := state(id); st != "Delivered" {
		t.Errorf("state after approval = %s", st)
	}
	if !env.IsMember(group, carol) {
		t.Error("approved access was not delivered")
	}
	decided := s.do(approver, "GET", em+"/accessPackageAssignmentApprovals/"+id+"/stages/1", nil).want(t, http.StatusOK)
	if decided.Body["reviewResult"] != "Approve" || decided.Body["justification"] != "needed for close" {
		t.Errorf("decided stage = %s", decided.Raw)
	}
	s.do(approver, "PATCH", em+"/accessPackageAssignmentApprovals/"+id+"/stages/1", map[string]any{"reviewResult": "Deny"}).graphError(t, http.StatusConflict)

	// And back: Carol gives her access back with a UserRemove request.
	mine := s.do(carol, "GET", em+"/accessPackageAssignments?$filter="+url.QueryEscape("target/objectId eq '"+carol.ID+"' and assignmentState eq 'Delivered'"), nil).want(t, http.StatusOK).values(t)
	if len(mine) != 1 {
		t.Fatalf("Carol's assignments = %v", mine)
	}
	s.do(carol, "POST", em+"/accessPackageAssignmentRequests", map[string]any{
		"requestType": "UserRemove", "accessPackageAssignment": map[string]any{"id": mine[0]["id"]},
	}).want(t, http.StatusCreated)
	if env.IsMember(group, carol) {
		t.Error("Carol is still a member after giving her access back")
	}

	// Deny.
	id2 := ask(dave)
	if r := s.do(approver, "PATCH", em+"/accessPackageAssignmentApprovals/"+id2+"/stages/1", map[string]any{"reviewResult": "Deny", "justification": "not in finance"}); r.Status != http.StatusNoContent {
		t.Fatalf("deny: %d %s", r.Status, r.Raw)
	}
	if st := state(id2); st != "Denied" {
		t.Errorf("state after denial = %s", st)
	}

	// Cancel: the requestor's own pending request; someone else's is refused.
	id3 := ask(dave)
	s.do(carol, "POST", em+"/accessPackageAssignmentRequests/"+id3+"/cancel", nil).graphError(t, http.StatusNotFound)
	if r := s.do(dave, "POST", em+"/accessPackageAssignmentRequests/"+id3+"/cancel", nil); r.Status != http.StatusNoContent {
		t.Fatalf("cancel: %d %s", r.Status, r.Raw)
	}
	if st := state(id3); st != "Canceled" {
		t.Errorf("state after cancel = %s", st)
	}
	s.do(dave, "POST", em+"/accessPackageAssignmentRequests/"+id3+"/cancel", nil).graphError(t, http.StatusConflict)
	entitlementtest.CheckInvariants(t, env.Store)
}
