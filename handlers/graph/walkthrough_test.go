package graph_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

const em = "/identityGovernance/entitlementManagement"

// TestSpecWalkthrough replays, in order, the request and response examples of the spec's
// methods and its tutorial: a catalog, a group onboarded as a resource, a package with a role
// scope, a direct-assignment policy, an AdminAdd request, the assignment and resource roles it
// produces, connected organizations and sponsors, settings, and removal.
func TestSpecWalkthrough(t *testing.T) {
	s := newAPI(t)
	admin := s.admin
	alice := s.env.User("Alice Adams")
	group := s.env.Group("Marketing resources")

	// Catalogs: create, find by name, update, read.
	cat := s.do(admin, "POST", em+"/accessPackageCatalogs", map[string]any{
		"displayName": "Marketing", "description": "Marketing catalog", "isExternallyVisible": true,
	}).want(t, http.StatusCreated)
	hasTypes(t, cat.Body, map[string]string{"@odata.context": "string", "id": "string", "displayName": "string", "description": "string",
		"catalogType": "string", "catalogStatus": "string", "isExternallyVisible": "bool", "createdBy": "string", "createdDateTime": "time",
		"modifiedBy": "string", "modifiedDateTime": "time"})
	if cat.Body["catalogType"] != "UserManaged" || cat.Body["catalogStatus"] != "Published" {
		t.Errorf("catalog type and status = %v, %v", cat.Body["catalogType"], cat.Body["catalogStatus"])
	}
	if ctx := cat.str(t, "@odata.context"); !strings.HasSuffix(ctx, "/beta/$metadata#identityGovernance/entitlementManagement/accessPackageCatalogs/$entity") {
		t.Errorf("@odata.context = %s", ctx)
	}
	catID := cat.str(t, "id")
	list := s.do(admin, "GET", em+"/accessPackageCatalogs?$filter="+url.QueryEscape("(displayName eq 'Marketing')"), nil).want(t, http.StatusOK).values(t)
	if len(list) != 1 || list[0]["id"] != catID {
		t.Fatalf("catalogs named Marketing = %v", list)
	}
	list = s.do(admin, "GET", em+"/accessPackageCatalogs?$filter="+url.QueryEscape("contains(tolower(displayName),'market')"), nil).want(t, http.StatusOK).values(t)
	if len(list) != 1 {
		t.Fatalf("catalogs containing market = %v", list)
	}
	if r := s.do(admin, "PATCH", em+"/accessPackageCatalogs/"+catID, map[string]any{"displayName": "Marketing and sales"}); r.Status != http.StatusNoContent || len(r.Raw) != 0 {
		t.Fatalf("PATCH catalog: %d %s", r.Status, r.Raw)
	}
	got := s.do(admin, "GET", em+"/accessPackageCatalogs/"+catID, nil).want(t, http.StatusOK)
	if got.Body["displayName"] != "Marketing and sales" || got.Body["description"] != "Marketing catalog" {
		t.Errorf("after PATCH: %s", got.Raw)
	}

	// Onboard the group: a resource request delivered at once.
	rr := s.do(admin, "POST", em+"/accessPackageResourceRequests", map[string]any{
		"catalogId": catID, "requestType": "AdminAdd", "justification": "",
		"accessPackageResource": map[string]any{"displayName": "Marketing resources", "description": "Marketing resources",
			"url":          "https://account.activedirectory.windowsazure.com/r?tenantId=x#/manageMembership?objectType=Group&objectId=" + group.ID,
			"resourceType": "AadGroup", "originId": group.ID, "originSystem": "AadGroup"},
	}).want(t, http.StatusCreated)
	hasTypes(t, rr.Body, map[string]string{"id": "string", "catalogId": "string", "requestType": "string", "requestState": "string",
		"requestStatus": "string", "isValidationOnly": "bool", "justification": "string", "expirationDateTime": "null", "executeImmediately": "bool"})
	if rr.Body["requestState"] != "Delivered" || rr.Body["requestStatus"] != "Fulfilled" {
		t.Errorf("resource request = %s", rr.Raw)
	}
	res := s.do(admin, "GET", em+"/accessPackageCatalogs/"+catID+"/accessPackageResources?$filter="+url.QueryEscape("(displayName eq 'Marketing resources')"), nil).
		want(t, http.StatusOK).values(t)
	if len(res) != 1 {
		t.Fatalf("resources = %v", res)
	}
	hasTypes(t, res[0], map[string]string{"id": "string", "displayName": "string", "description": "string", "url": "string", "resourceType": "string",
		"originId": "string", "originSystem": "string", "isPendingOnboarding": "bool", "addedBy": "string", "addedOn": "time"})
	resID := str(t, res[0], "id")
	if resID == group.ID || res[0]["originId"] != group.ID || res[0]["originSystem"] != "AadGroup" {
		t.Errorf("resource = %v", res[0])
	}
	roles := s.do(admin, "GET", em+"/accessPackageCatalogs/"+catID+"/accessPackageResourceRoles?$filter="+
		url.QueryEscape("(originSystem eq 'AadGroup' and accessPackageResource/id eq '"+resID+"' and displayName eq 'Member')")+"&$expand=accessPackageResource", nil).
		want(t, http.StatusOK).values(t)
	if len(roles) != 1 || roles[0]["originId"] != "Member_"+group.ID {
		t.Fatalf("Member role = %v", roles)
	}
	hasTypes(t, roles[0], map[string]string{"id": "string", "displayName": "string", "description": "string", "originId": "string", "originSystem": "string", "accessPackageResource": "object"})
	role := roles[0]

	// A package with the Member role.
	pkg := s.do(admin, "POST", em+"/accessPackages", map[string]any{"catalogId": catID, "displayName": "sales reps", "description": "outside sales representatives"}).
		want(t, http.StatusCreated)
	hasTypes(t, pkg.Body, map[string]string{"id": "string", "catalogId": "string", "displayName": "string", "description": "string", "isHidden": "bool",
		"isRoleScopesVisible": "bool", "createdBy": "string", "createdDateTime": "time", "modifiedBy": "string", "modifiedDateTime": "time"})
	if pkg.Body["isHidden"] != false || pkg.Body["isRoleScopesVisible"] != false {
		t.Errorf("package defaults: %s", pkg.Raw)
	}
	pkgID := pkg.str(t, "id")
	rs := s.do(admin, "POST", em+"/accessPackages/"+pkgID+"/accessPackageResourceRoleScopes", map[string]any{
		"accessPackageResourceRole": map[string]any{"originId": role["originId"], "displayName": "Member", "originSystem": "AadGroup",
			"accessPackageResource": map[string]any{"id": resID, "resourceType": "Security Group", "originId": group.ID, "originSystem": "AadGroup"}},
		"accessPackageResourceScope": map[string]any{"originId": group.ID, "originSystem": "AadGroup"},
	}).want(t, http.StatusCreated)
	hasTypes(t, rs.Body, map[string]string{"@odata.context": "string", "id": "string", "createdBy": "string", "createdDateTime": "time", "modifiedBy": "string", "modifiedDateTime": "time"})
	if !strings.HasPrefix(rs.str(t, "id"), str(t, role, "id")+"_") {
		t.Errorf("role scope id %s is not <roleId>_<scopeId>", rs.Body["id"])
	}
	withScopes := s.do(admin, "GET", em+"/accessPackages/"+pkgID+"?$expand="+
		url.QueryEscape("accessPackageResourceRoleScopes($expand=accessPackageResourceRole,accessPackageResourceScope)"), nil).want(t, http.StatusOK)
	scopes, _ := withScopes.Body["accessPackageResourceRoleScopes"].([]any)
	if len(scopes) != 1 {
		t.Fatalf("role scopes = %s", withScopes.Raw)
	}
	sc := scopes[0].(map[string]any)
	hasTypes(t, sc, map[string]string{"id": "string", "accessPackageResourceRole": "object", "accessPackageResourceScope": "object"})
	if sc["accessPackageResourceRole"].(map[string]any)["originId"] != "Member_"+group.ID || sc["accessPackageResourceScope"].(map[string]any)["isRootScope"] != true {
		t.Errorf("expanded role scope = %v", sc)
	}
	if r := s.do(admin, "PATCH", em+"/accessPackages/"+pkgID, map[string]any{"description": "Sales representatives"}); r.Status != http.StatusNoContent {
		t.Fatalf("PATCH package: %d %s", r.Status, r.Raw)
	}
	pkgs := s.do(admin, "GET", em+"/accessPackages?$filter="+url.QueryEscape("contains(tolower(displayName),'sales')")+"&$expand=accessPackageAssignmentPolicies", nil).
		want(t, http.StatusOK).values(t)
	if len(pkgs) != 1 || pkgs[0]["description"] != "Sales representatives" {
		t.Fatalf("packages = %v", pkgs)
	}
	if pols, ok := pkgs[0]["accessPackageAssignmentPolicies"].([]any); !ok || len(pols) != 0 {
		t.Errorf("expanded policies of a package without any = %v", pkgs[0]["accessPackageAssignmentPolicies"])
	}

	// A direct-assignment policy (spec example 1).
	pol := s.do(admin, "POST", em+"/accessPackageAssignmentPolicies", map[string]any{
		"accessPackageId": pkgID, "displayName": "direct", "description": "direct assignments by administrator",
		"accessReviewSettings": nil, "durationInDays": 365, "canExtend": false,
		"requestorSettings":       map[string]any{"scopeType": "NoSubjects", "acceptRequests": true, "allowedRequestors": []any{}},
		"requestApprovalSettings": map[string]any{"isApprovalRequired": false, "isApprovalRequiredForExtension": false, "isRequestorJustificationRequired": false, "approvalMode": "NoApproval", "approvalStages": []any{}},
	}).want(t, http.StatusCreated)
	hasTypes(t, pol.Body, map[string]string{"id": "string", "accessPackageId": "string", "displayName": "string", "description": "string", "canExtend": "bool",
		"durationInDays": "number", "expirationDateTime": "null", "isDenyPolicy": "bool", "requestorSettings": "object", "requestApprovalSettings": "object",
		"accessReviewSettings": "null", "createdDateTime": "time"})
	polID := pol.str(t, "id")

	// An AdminAdd request: 201 Submitted/Accepted at once, delivered when read back.
	req := s.do(admin, "POST", em+"/accessPackageAssignmentRequests", map[string]any{
		"requestType":             "AdminAdd",
		"accessPackageAssignment": map[string]any{"targetId": alice.ID, "assignmentPolicyId": polID, "accessPackageId": pkgID},
	}).want(t, http.StatusCreated)
	hasTypes(t, req.Body, map[string]string{"id": "string", "requestType": "string", "requestState": "string", "requestStatus": "string",
		"isValidationOnly": "bool", "createdDateTime": "null", "completedDate": "null", "expirationDateTime": "null"})
	if req.Body["requestState"] != "Submitted" || req.Body["requestStatus"] != "Accepted" {
		t.Errorf("request answer = %s", req.Raw)
	}
	reqID := req.str(t, "id")
	done := s.do(admin, "GET", em+"/accessPackageAssignmentRequests/"+reqID+"?$expand=accessPackage", nil).want(t, http.StatusOK)
	if done.Body["requestState"] != "Delivered" || done.Body["requestStatus"] != "Fulfilled" {
		t.Errorf("request = %s", done.Raw)
	}
	hasTypes(t, done.Body, map[string]string{"createdDateTime": "time", "completedDate": "time", "accessPackage": "object", "accessPackageAssignment": "object", "schedule": "object"})
	byPkg := s.do(admin, "GET", em+"/accessPackageAssignmentRequests?$expand=accessPackage&$filter="+url.QueryEscape("accessPackage/id eq '"+pkgID+"'"), nil).want(t, http.StatusOK).values(t)
	if len(byPkg) != 1 || byPkg[0]["id"] != reqID {
		t.Errorf("requests of the package = %v", byPkg)
	}

	// The assignment, by package and by person; its subject is the user.
	asg := s.do(admin, "GET", em+"/accessPackageAssignments?$expand=accessPackage,target&$filter="+
		url.QueryEscape("accessPackage/id eq '"+pkgID+"' and target/objectid eq '"+alice.ID+"'"), nil).want(t, http.StatusOK).values(t)
	if len(asg) != 1 {
		t.Fatalf("assignments = %v", asg)
	}
	hasTypes(t, asg[0], map[string]string{"id": "string", "catalogId": "string", "accessPackageId": "string", "assignmentPolicyId": "string", "targetId": "string",
		"assignmentState": "string", "assignmentStatus": "string", "isExtended": "bool", "schedule": "object", "target": "object", "accessPackage": "object"})
	if asg[0]["assignmentState"] != "Delivered" || asg[0]["targetId"] != alice.ID || asg[0]["target"].(map[string]any)["objectId"] != alice.ID {
		t.Errorf("assignment = %v", asg[0])
	}
	asgID := str(t, asg[0], "id")
	for _, f := range []string{"assignmentState eq 'Delivered'", "target/objectId eq '" + alice.ID + "'", "accessPackageAssignmentPolicy/Id eq '" + polID + "'"} {
		if got := s.do(admin, "GET", em+"/accessPackageAssignments?$filter="+url.QueryEscape(f), nil).want(t, http.StatusOK).values(t); len(got) != 1 {
			t.Errorf("assignments where %s = %v", f, got)
		}
	}

	// The resource role it delivered, and the group membership.
	ars := s.do(admin, "GET", em+"/accessPackageAssignmentResourceRoles?$expand=accessPackageSubject&$filter="+
		url.QueryEscape("accessPackageSubject/objectId eq '"+alice.ID+"'"), nil).want(t, http.StatusOK).values(t)
	if len(ars) != 1 {
		t.Fatalf("assignment resource roles = %v", ars)
	}
	hasTypes(t, ars[0], map[string]string{"id": "string", "originId": "string", "originSystem": "string", "status": "string", "accessPackageSubject": "object"})
	if ars[0]["originId"] != "Member_"+group.ID || ars[0]["originSystem"] != "AadGroup" {
		t.Errorf("resource role = %v", ars[0])
	}
	one := s.do(admin, "GET", em+"/accessPackageAssignmentResourceRoles/"+str(t, ars[0], "id"), nil).want(t, http.StatusOK)
	hasTypes(t, one.Body, map[string]string{"@odata.context": "string", "status": "string"})
	if !s.env.IsMember(group, alice) {
		t.Error("the AdminAdd request did not make Alice a member of the group")
	}

	// Policy PUT: the whole policy back with 200; the old connected-organization scope spelling.
	org := s.do(admin, "POST", em+"/connectedOrganizations/", map[string]any{
		"displayName": "Contoso", "description": "Contoso partner", "state": "proposed",
		"identitySources": []any{map[string]any{"@odata.type": "microsoft.graph.domainIdentitySource", "domainName": "contoso.example", "displayName": "contoso.example"}},
	}).want(t, http.StatusCreated)
	hasTypes(t, org.Body, map[string]string{"id": "string", "displayName": "string", "description": "string", "state": "string", "identitySources": "array",
		"createdBy": "string", "createdDateTime": "time", "modifiedDateTime": "time"})
	orgID := org.str(t, "id")
	src := org.Body["identitySources"].([]any)[0].(map[string]any)
	if src["@odata.type"] != "#microsoft.graph.domainIdentitySource" || src["domainName"] != "contoso.example" {
		t.Errorf("identity source = %v", src)
	}
	put := s.do(admin, "PUT", em+"/accessPackageAssignmentPolicies/"+polID, map[string]any{
		"accessPackageId": pkgID, "displayName": "partners", "description": "partner requests", "canExtend": true, "durationInDays": 30,
		"expirationDateTime": nil, "accessReviewSettings": nil, "isDenyPolicy": false,
		"requestorSettings": map[string]any{"scopeType": "AllExistingConnectedOrganizationSubjects", "acceptRequests": true, "allowedRequestors": []any{}},
		"requestApprovalSettings": map[string]any{"isApprovalRequired": true, "approvalMode": "SingleStage", "approvalStages": []any{map[string]any{
			"approvalStageTimeOutInDays": 14, "isApproverJustificationRequired": false, "isEscalationEnabled": false, "escalationTimeInMinutes": 0,
			"primaryApprovers":    []any{map[string]any{"@odata.type": "#microsoft.graph.singleUser", "isBackup": false, "id": admin.ID}},
			"escalationApprovers": []any{},
		}}},
	}).want(t, http.StatusOK)
	rset := put.Body["requestorSettings"].(map[string]any)
	if put.Body["displayName"] != "partners" || rset["scopeType"] != "AllConfiguredConnectedOrganizationSubjects" {
		t.Errorf("PUT policy = %s", put.Raw)
	}
	approver := put.Body["requestApprovalSettings"].(map[string]any)["approvalStages"].([]any)[0].(map[string]any)["primaryApprovers"].([]any)[0].(map[string]any)
	if approver["@odata.type"] != "#microsoft.graph.singleUser" || approver["id"] != admin.ID || approver["description"] != "Ada Admin" {
		t.Errorf("approver = %v", approver)
	}
	if got := s.do(admin, "GET", em+"/accessPackageAssignmentPolicies?$filter="+url.QueryEscape("displayName eq 'partners'"), nil).want(t, http.StatusOK).values(t); len(got) != 1 {
		t.Errorf("policies named partners = %v", got)
	}

	// Connected organizations: read with $select, update, sponsors by $ref.
	sel := s.do(admin, "GET", em+"/connectedOrganizations/"+orgID+"?$select=identitySources", nil).want(t, http.StatusOK)
	if _, ok := sel.Body["identitySources"]; !ok || sel.Body["displayName"] != nil {
		t.Errorf("$select=identitySources = %s", sel.Raw)
	}
	if r := s.do(admin, "PATCH", em+"/connectedOrganizations/"+orgID, map[string]any{"state": "configured"}); r.Status != http.StatusNoContent {
		t.Fatalf("PATCH org: %d %s", r.Status, r.Raw)
	}
	orgs := s.do(admin, "GET", em+"/connectedOrganizations?$filter="+url.QueryEscape("displayName eq 'Contoso'"), nil).want(t, http.StatusOK).values(t)
	if len(orgs) != 1 || orgs[0]["state"] != "configured" {
		t.Errorf("orgs = %v", orgs)
	}
	sponsor := s.env.User("Sam Sponsor")
	if r := s.do(admin, "POST", em+"/connectedOrganizations/"+orgID+"/internalSponsors/$ref", map[string]any{"@odata.id": "https://graph.microsoft.com/beta/users/" + sponsor.ID}); r.Status != http.StatusNoContent {
		t.Fatalf("add sponsor: %d %s", r.Status, r.Raw)
	}
	if r := s.do(admin, "POST", em+"/connectedOrganizations/"+orgID+"/internalSponsors/$ref", map[string]any{"@odata.id": "https://graph.microsoft.com/beta/groups/" + group.ID}); r.Status != http.StatusNoContent {
		t.Fatalf("add group sponsor: %d %s", r.Status, r.Raw)
	}
	sp := s.do(admin, "GET", em+"/connectedOrganizations/"+orgID+"/internalSponsors", nil).want(t, http.StatusOK).values(t)
	if len(sp) != 2 || sp[0]["id"] != sponsor.ID || sp[0]["@odata.type"] != "#microsoft.graph.user" || sp[1]["@odata.type"] != "#microsoft.graph.group" {
		t.Errorf("internal sponsors = %v", sp)
	}
	if got := s.do(admin, "GET", em+"/connectedOrganizations/"+orgID+"/externalSponsors", nil).want(t, http.StatusOK).values(t); len(got) != 0 {
		t.Errorf("external sponsors = %v", got)
	}
	if r := s.do(admin, "DELETE", em+"/connectedOrganizations/"+orgID+"/internalSponsors/"+sponsor.ID+"/$ref", nil); r.Status != http.StatusNoContent {
		t.Fatalf("remove sponsor: %d %s", r.Status, r.Raw)
	}
	if sp := s.do(admin, "GET", em+"/connectedOrganizations/"+orgID+"/internalSponsors", nil).want(t, http.StatusOK).values(t); len(sp) != 1 {
		t.Errorf("after removal: %v", sp)
	}

	// Settings.
	set := s.do(admin, "GET", em+"/settings", nil).want(t, http.StatusOK)
	hasTypes(t, set.Body, map[string]string{"@odata.context": "string", "externalUserLifecycleAction": "string", "daysUntilExternalUserDeletedAfterBlocked": "number"})
	if r := s.do(admin, "PATCH", em+"/settings", map[string]any{"externalUserLifecycleAction": "BlockSignInAndDelete", "daysUntilExternalUserDeletedAfterBlocked": 30}); r.Status != http.StatusNoContent {
		t.Fatalf("PATCH settings: %d %s", r.Status, r.Raw)
	}
	set = s.do(admin, "GET", em+"/settings", nil).want(t, http.StatusOK)
	if set.Body["externalUserLifecycleAction"] != "BlockSignInAndDelete" || set.Body["daysUntilExternalUserDeletedAfterBlocked"] != float64(30) {
		t.Errorf("settings = %s", set.Raw)
	}
	s.do(admin, "GET", em+"/settings?$select=externalUserLifecycleAction", nil).graphError(t, http.StatusBadRequest)

	// Removal: an AdminRemove request, then the policy, the package, the org and the catalog.
	s.do(admin, "DELETE", em+"/accessPackages/"+pkgID, nil).graphError(t, http.StatusConflict)
	rm := s.do(admin, "POST", em+"/accessPackageAssignmentRequests", map[string]any{
		"requestType": "AdminRemove", "accessPackageAssignment": map[string]any{"id": asgID},
	}).want(t, http.StatusCreated)
	if rm.Body["requestType"] != "AdminRemove" || rm.Body["accessPackageAssignment"].(map[string]any)["id"] != asgID {
		t.Errorf("remove request = %s", rm.Raw)
	}
	ended := s.do(admin, "GET", em+"/accessPackageAssignments/"+asgID, nil).want(t, http.StatusOK)
	if ended.Body["assignmentState"] == "Delivered" {
		t.Errorf("assignment after AdminRemove = %s", ended.Raw)
	}
	if s.env.IsMember(group, alice) {
		t.Error("Alice is still a member after the removal")
	}
	for _, p := range []string{"/accessPackageAssignmentPolicies/" + polID, "/accessPackages/" + pkgID, "/connectedOrganizations/" + orgID} {
		if r := s.do(admin, "DELETE", em+p, nil); r.Status != http.StatusNoContent {
			t.Fatalf("DELETE %s: %d %s", p, r.Status, r.Raw)
		}
	}
	s.do(admin, "GET", em+"/accessPackages/"+pkgID, nil).graphError(t, http.StatusNotFound)
	entitlementtest.CheckInvariants(t, s.env.Store)
}
