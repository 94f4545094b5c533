package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/web/demoidp"
	"github.com/stewardhq/steward/web/webtest"
)

// script is an API client as a script would write it: net/http, a bearer token, JSON.
type script struct {
	t     *testing.T
	base  string
	token string
}

func (s script) call(method, path string, body any) (int, map[string]any) {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, s.base+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			s.t.Fatalf("%s %s: %d, not JSON: %.300s", method, path, res.StatusCode, raw)
		}
	}
	return res.StatusCode, out
}

// must calls and fails the test unless the status is want.
func (s script) must(want int, method, path string, body any) map[string]any {
	s.t.Helper()
	status, out := s.call(method, path, body)
	if status != want {
		s.t.Fatalf("%s %s: %d, want %d: %v", method, path, status, want, out)
	}
	return out
}

func (s script) values(path string) []map[string]any {
	s.t.Helper()
	raw, _ := s.must(http.StatusOK, "GET", path, nil)["value"].([]any)
	out := make([]map[string]any, 0, len(raw))
	for _, v := range raw {
		out = append(out, v.(map[string]any))
	}
	return out
}

// portalToken signs the person in through the demo provider and makes an API token on their
// profile page, as a person would before writing a script.
func portalToken(t *testing.T, env *webtest.Env, email string) string {
	t.Helper()
	c := env.Client(t)
	env.SignIn(t, c, email)
	_, page := env.Get(t, c, "/profile/tokens")
	res, page := env.PostForm(t, c, "/profile/tokens", webtest.CSRF(t, page), url.Values{"name": {"script"}, "days": {"30"}})
	tok := shownToken(page)
	if res.StatusCode != http.StatusCreated || tok == "" {
		t.Fatalf("%s's token: %d, token shown: %q", email, res.StatusCode, tok)
	}
	return tok
}

// TestScriptJourney drives the API as an organisation's script would, from tokens made in the
// portal to an approved and delivered request, and back to removal.
func TestScriptJourney(t *testing.T) {
	users := append(append([]demoidp.User{}, testUsers...),
		demoidp.User{Subject: "demo-amy", Email: "amy@example.com", Name: "Amy Approver", Description: "Approves"})
	env := webtest.Start(t, webtest.Options{Users: users, Admins: []string{"ada@example.com"}})
	admin := script{t, env.URL + "/beta", portalToken(t, env, "ada@example.com")}
	riley := script{t, env.URL + "/beta", portalToken(t, env, "riley@example.com")}
	amy := script{t, env.URL + "/beta", portalToken(t, env, "amy@example.com")}
	const em = "/identityGovernance/entitlementManagement"

	// The organisation's group already exists in the directory.
	adminP, err := env.Svc.PrincipalForSubject(context.Background(), env.OIDC.Issuer, "demo-ada")
	if err != nil {
		t.Fatal(err)
	}
	group, err := env.Svc.CreateGroup(entitlement.WithPrincipal(context.Background(), adminP), entitlement.GroupInput{DisplayName: "Payroll"})
	if err != nil {
		t.Fatal(err)
	}

	// An administrator's script builds the catalog, onboards the group, makes a package and a
	// policy that Amy approves.
	found := admin.values("/groups?$filter=" + url.QueryEscape("displayName eq 'Payroll'"))
	if len(found) != 1 || found[0]["id"] != group.ID {
		t.Fatalf("groups named Payroll = %v", found)
	}
	approvers := admin.values("/users?$filter=" + url.QueryEscape("mail eq 'amy@example.com'"))
	if len(approvers) != 1 {
		t.Fatalf("users with Amy's mail = %v", approvers)
	}
	cat := admin.must(http.StatusCreated, "POST", em+"/accessPackageCatalogs", map[string]any{"displayName": "Finance", "description": "Money matters", "isExternallyVisible": false})
	catID := cat["id"].(string)
	admin.must(http.StatusCreated, "POST", em+"/accessPackageResourceRequests", map[string]any{
		"catalogId": catID, "requestType": "AdminAdd",
		"accessPackageResource": map[string]any{"displayName": "Payroll", "resourceType": "AadGroup", "originId": group.ID, "originSystem": "AadGroup"},
	})
	roles := admin.values(em + "/accessPackageCatalogs/" + catID + "/accessPackageResourceRoles?$filter=" +
		url.QueryEscape("originSystem eq 'AadGroup' and displayName eq 'Member'") + "&$expand=accessPackageResource")
	if len(roles) != 1 {
		t.Fatalf("member roles = %v", roles)
	}
	res := roles[0]["accessPackageResource"].(map[string]any)
	pkg := admin.must(http.StatusCreated, "POST", em+"/accessPackages", map[string]any{"catalogId": catID, "displayName": "Payroll clerks"})
	pkgID := pkg["id"].(string)
	admin.must(http.StatusCreated, "POST", em+"/accessPackages/"+pkgID+"/accessPackageResourceRoleScopes", map[string]any{
		"accessPackageResourceRole":  map[string]any{"originId": roles[0]["originId"], "originSystem": "AadGroup", "accessPackageResource": map[string]any{"id": res["id"]}},
		"accessPackageResourceScope": map[string]any{"originId": group.ID, "originSystem": "AadGroup"},
	})
	pol := admin.must(http.StatusCreated, "POST", em+"/accessPackageAssignmentPolicies", map[string]any{
		"accessPackageId": pkgID, "displayName": "Employees", "description": "Anyone asks; Amy approves", "durationInDays": 30, "canExtend": false,
		"requestorSettings": map[string]any{"scopeType": "AllExistingDirectoryMemberUsers", "acceptRequests": true, "allowedRequestors": []any{}},
		"requestApprovalSettings": map[string]any{"isApprovalRequired": true, "approvalMode": "SingleStage", "approvalStages": []any{map[string]any{
			"approvalStageTimeOutInDays": 14, "primaryApprovers": []any{map[string]any{"@odata.type": "#microsoft.graph.singleUser", "id": approvers[0]["id"]}},
		}}},
	})

	// Riley's script asks for the package.
	me := riley.must(http.StatusOK, "GET", "/me", nil)
	req := riley.must(http.StatusCreated, "POST", em+"/accessPackageAssignmentRequests", map[string]any{
		"requestType": "UserAdd", "justification": "month-end payroll",
		"accessPackageAssignment": map[string]any{"targetId": me["id"], "assignmentPolicyId": pol["id"], "accessPackageId": pkgID},
	})
	reqID := req["id"].(string)
	if st := riley.must(http.StatusOK, "GET", em+"/accessPackageAssignmentRequests/"+reqID, nil)["requestState"]; st != "PendingApproval" {
		t.Fatalf("request state = %v", st)
	}

	// Riley cannot approve; Amy's script finds the approval and approves it.
	if status, _ := riley.call("PATCH", em+"/accessPackageAssignmentApprovals/"+reqID+"/stages/1", map[string]any{"reviewResult": "Approve"}); status < 400 || status >= 500 {
		t.Errorf("the requestor approving their own request: %d", status)
	}
	waiting := amy.values(em + "/accessPackageAssignmentApprovals")
	if len(waiting) != 1 || waiting[0]["id"] != reqID {
		t.Fatalf("Amy's approvals = %v", waiting)
	}
	amy.must(http.StatusNoContent, "PATCH", em+"/accessPackageAssignmentApprovals/"+reqID+"/stages/1", map[string]any{"reviewResult": "Approve", "justification": "on the payroll team"})
	if st := riley.must(http.StatusOK, "GET", em+"/accessPackageAssignmentRequests/"+reqID, nil)["requestState"]; st != "Delivered" {
		t.Fatalf("request state after approval = %v", st)
	}
	filter := url.QueryEscape("accessPackage/id eq '" + pkgID + "' and target/objectId eq '" + me["id"].(string) + "'")
	held := admin.values(em + "/accessPackageAssignments?$filter=" + filter)
	if len(held) != 1 || held[0]["assignmentState"] != "Delivered" {
		t.Fatalf("Riley's assignments = %v", held)
	}
	if !isMember(t, env, group.ID, me["id"].(string)) {
		t.Fatalf("Riley is not in Payroll after delivery ")
	}

	// And back: Riley's script gives the access back.
	riley.must(http.StatusCreated, "POST", em+"/accessPackageAssignmentRequests", map[string]any{
		"requestType": "UserRemove", "accessPackageAssignment": map[string]any{"id": held[0]["id"]},
	})
	after := admin.values(em + "/accessPackageAssignments?$filter=" + filter)
	if len(after) == 1 && after[0]["assignmentState"] == "Delivered" {
		t.Fatalf("Riley's assignment after giving it back = %v", after)
	}
	if isMember(t, env, group.ID, me["id"].(string)) {
		t.Fatalf("Riley is still in Payroll after giving the access back ")
	}
}

// isMember reads the store: is the person in the group in Steward's directory?
func isMember(t *testing.T, env *webtest.Env, groupID, userID string) bool {
	t.Helper()
	var ok bool
	if err := env.Store.View(context.Background(), func(tx entitlement.Tx) error {
		var err error
		ok, err = tx.Groups().IsMember(groupID, userID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return ok
}
