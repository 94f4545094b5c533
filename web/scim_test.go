package web

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

// TestSCIMProvisioningClient drives the SCIM server as an identity provider does: create people
// and a group, patch members, deactivate a person, who then loses their access with the audit
// trail to show it.
func TestSCIMProvisioningClient(t *testing.T) {
	e := entitlementtest.New(t)
	admin := e.User("Admin")
	token, _, err := e.Svc.CreateSCIMToken(entitlementtest.AsAdmin(admin), "Okta")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.StripPrefix("/scim/v2", newSCIM(e.Svc)))
	defer srv.Close()
	call := func(method, path, tok string, body any, want int) map[string]any {
		t.Helper()
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, srv.URL+"/scim/v2"+path, rd)
		req.Header.Set("Content-Type", "application/scim+json")
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		data, _ := io.ReadAll(res.Body)
		if res.StatusCode != want {
			t.Fatalf("%s %s = %d %s, want %d", method, path, res.StatusCode, data, want)
		}
		out := map[string]any{}
		if len(data) > 0 {
			if err := json.Unmarshal(data, &out); err != nil {
				t.Fatalf("%s %s: %v in %s", method, path, err, data)
			}
		}
		return out
	}
	if got := call("GET", "/Users", "", nil, 401); got["schemas"].([]any)[0] != "urn:ietf:params:scim:api:messages:2.0:Error" {
		t.Fatalf("error shape = %v", got)
	}
	call("GET", "/Users", "scim_wrong", nil, 401)
	call("GET", "/ServiceProviderConfig", token, nil, 200)
	call("GET", "/ResourceTypes", token, nil, 200)
	call("GET", "/Schemas", token, nil, 200)

	boss := call("POST", "/Users", token, map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
		"userName": "boss@corp.example", "externalId": "00u1", "name": map[string]string{"givenName": "Big", "familyName": "Boss"}, "active": true}, 201)
	ada := call("POST", "/Users", token, map[string]any{"userName": "ada@corp.example", "displayName": "Ada", "active": true,
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{"employeeNumber": "7", "manager": map[string]string{"value": boss["id"].(string)}}}, 201)
	call("POST", "/Users", token, map[string]any{"userName": "ada@corp.example"}, 409)
	call("POST", "/Users", token, map[string]any{"userName": "not an address"}, 400)
	call("POST", "/Users", token, "{", 400)
	adaID := ada["id"].(string)

	list := call("GET", `/Users?filter=userName%20eq%20%22ada@corp.example%22`, token, nil, 200)
	if list["totalResults"].(float64) != 1 {
		t.Fatalf("filter by userName = %v", list)
	}
	list = call("GET", `/Users?filter=externalId%20eq%20%2200u1%22%20and%20userName%20eq%20%22boss@corp.example%22`, token, nil, 200)
	if list["totalResults"].(float64) != 1 {
		t.Fatalf("filter with and = %v", list)
	}
	list = call("GET", "/Users?startIndex=2&count=1", token, nil, 200)
	if list["totalResults"].(float64) != 2 || len(list["Resources"].([]any)) != 1 {
		t.Fatalf("paging = %v", list)
	}
	call("GET", `/Users?filter=title%20sw%20%22x%22`, token, nil, 400)

	grp := call("POST", "/Groups", token, map[string]any{"displayName": "Engineering", "externalId": "g1"}, 201)
	gid := grp["id"].(string)
	call("PATCH", "/Groups/"+gid, token, map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []map[string]any{{"op": "add", "path": "members", "value": []map[string]string{{"value": adaID}, {"value": boss["id"].(string)}}}}}, 200)
	g := call("PATCH", "/Groups/"+gid, token, map[string]any{"Operations": []map[string]any{{"op": "remove", "path": `members[value eq "` + boss["id"].(string) + `"]`}}}, 200)
	if ms := g["members"].([]any); len(ms) != 1 || ms[0].(map[string]any)["value"] != adaID {
		t.Fatalf("members = %v", g["members"])
	}
	list = call("GET", `/Groups?filter=displayName%20eq%20%22Engineering%22`, token, nil, 200)
	if list["totalResults"].(float64) != 1 {
		t.Fatalf("groups by displayName = %v", list)
	}

	// Ada gets access through the group, then is deactivated.
	u, _ := e.UserRecord(adaID)
	var grpRec entitlement.Group
	e.View(func(tx entitlement.Tx) (err error) { grpRec, err = tx.Groups().Get(gid); return err })
	cat := e.Catalog("General")
	app := e.AppResource(cat, "Wiki", "Reader")
	pol := e.Policy(e.Package(cat, "Wiki", entitlementtest.Role(app, "Reader")),
		entitlementtest.Scope(entitlement.ScopeSpecificDirectorySubjects, entitlementtest.GroupSet(grpRec)))
	r := e.RequestAccess(u, pol)

	got := call("PATCH", "/Users/"+adaID, token, map[string]any{"Operations": []map[string]any{{"op": "replace", "value": map[string]any{"active": false}}}}, 200)
	if got["active"] != false {
		t.Fatalf("after deactivation active = %v", got["active"])
	}
	if a := e.Assignment(e.Request(r.ID).AssignmentID); a.IsLive() {
		t.Fatal("the leaver kept their access")
	}
	var trail []string
	e.View(func(tx entitlement.Tx) error {
		p, err := tx.Audit().List(entitlement.AuditFilter{}, entitlement.ListOptions{Limit: 200})
		for _, ev := range p.Items {
			trail = append(trail, ev.ActorName+" "+ev.Action+" "+ev.Summary)
		}
		return err
	})
	joined := strings.Join(trail, "\n")
	for _, want := range []string{"SCIM (Okta) user.leave left the organisation", "SCIM (Okta) assignment.remove"} {
		if !strings.Contains(joined, want) {
			t.Errorf("audit trail lacks %q:\n%s", want, joined)
		}
	}
	call("DELETE", "/Users/"+adaID, token, nil, 204)
	call("GET", "/Users/"+adaID, token, nil, 404)
	// A person deleted at the source leaves the list, and count=0 asks for the total only.
	list = call("GET", "/Users?count=0", token, nil, 200)
	if list["totalResults"].(float64) != 1 || len(list["Resources"].([]any)) != 0 {
		t.Fatalf("after the delete, count=0 = %v", list)
	}
	list = call("GET", "/Groups?startIndex=1&count=10", token, nil, 200)
	if list["totalResults"].(float64) != 1 || len(list["Resources"].([]any)) != 1 {
		t.Fatalf("groups = %v", list)
	}
	call("DELETE", "/Groups/"+gid, token, nil, 204)
	if list = call("GET", "/Groups", token, nil, 200); list["totalResults"].(float64) != 0 {
		t.Fatalf("groups after the delete = %v", list)
	}
	call("GET", "/Users/not-an-id", token, nil, 404)
}
