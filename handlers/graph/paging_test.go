package graph_test

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

func TestMain(m *testing.M) {
	// Refusals are logged at info; the tests provoke hundreds of them.
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	os.Exit(m.Run())
}

// walk follows @odata.nextLink from path and returns every id, failing on a repeat.
func walk(t *testing.T, s *apiServer, as entitlement.User, path string) (ids []string, pages int) {
	t.Helper()
	seen := map[string]bool{}
	next := path
	for next != "" {
		r := s.do(as, "GET", next, nil).want(t, http.StatusOK)
		for _, v := range r.values(t) {
			id := str(t, v, "id")
			if seen[id] {
				t.Fatalf("id %s came twice", id)
			}
			seen[id] = true
			ids = append(ids, id)
		}
		next, _ = r.Body["@odata.nextLink"].(string)
		pages++
		if pages > 100 {
			t.Fatal("paging does not end")
		}
	}
	return ids, pages
}

func TestPagingOverThousand(t *testing.T) {
	s := newAPI(t)
	const n = 1050
	s.env.Update(func(tx entitlement.Tx) error {
		for i := range n {
			c := entitlement.Catalog{ID: entitlement.NewID(), DisplayName: fmt.Sprintf("Catalog %04d", i), CatalogType: entitlement.CatalogTypeUserManaged,
				CatalogStatus: entitlement.CatalogStatusPublished, CreatedDateTime: s.env.Clock.Now()}
			if err := tx.Catalogs().Put(c); err != nil {
				return err
			}
		}
		return nil
	})

	// Served by the store's list: pages of $top, a count, every catalog once, in name order.
	first := s.do(s.admin, "GET", em+"/accessPackageCatalogs?$top=100&$count=true", nil).want(t, http.StatusOK)
	if first.Body["@odata.count"] != float64(n) {
		t.Errorf("@odata.count = %v, want %d", first.Body["@odata.count"], n)
	}
	if len(first.values(t)) != 100 || !strings.Contains(first.Body["@odata.nextLink"].(string), "$skiptoken=") {
		t.Fatalf("first page: %d items, nextLink %v", len(first.values(t)), first.Body["@odata.nextLink"])
	}
	if bytes.Contains(first.Raw, []byte(`\u0026`)) || !bytes.Contains(first.Raw, []byte("&$skiptoken=")) {
		t.Errorf("the nextLink is not written as Graph writes it (a plain &): %.300s", first.Raw)
	}
	ids, pages := walk(t, s, s.admin, em+"/accessPackageCatalogs?$top=100")
	if len(ids) != n || pages != 11 {
		t.Errorf("walked %d catalogs in %d pages, want %d in 11", len(ids), pages, n)
	}
	names, _ := walk(t, s, s.admin, em+"/accessPackageCatalogs?$top=999&$select=displayName")
	if len(names) != n {
		t.Errorf("$top=999 walked %d", len(names))
	}

	// Filtered in memory: the pages hold only matches and still reach every one.
	ids, _ = walk(t, s, s.admin, em+"/accessPackageCatalogs?$top=30&$filter="+url.QueryEscape("startswith(displayName,'Catalog 09') or endswith(displayName,'7')"))
	if want := 100 + 105 - 10; len(ids) != want { // 0900–0999, every tenth, both counted once
		t.Errorf("filtered walk found %d catalogs, want %d", len(ids), want)
	}

	// A damaged skip token is a 400, not a 500.
	s.do(s.admin, "GET", em+"/accessPackageCatalogs?$skiptoken=not*base64", nil).graphError(t, http.StatusBadRequest)
	s.do(s.admin, "GET", em+"/accessPackageCatalogs?$skiptoken=eyJzIjo5OTk5OX0", nil).graphError(t, http.StatusBadRequest)
}

// TestBoundedScan checks that a filter no index serves reads at most the scan budget per page
// and says where to go on.
func TestBoundedScan(t *testing.T) {
	s := newAPI(t)
	const n = 6000
	s.env.Update(func(tx entitlement.Tx) error {
		for i := range n {
			c := entitlement.Catalog{ID: entitlement.NewID(), DisplayName: fmt.Sprintf("Catalog %04d", i), CatalogType: entitlement.CatalogTypeUserManaged,
				CatalogStatus: entitlement.CatalogStatusPublished, CreatedDateTime: s.env.Clock.Now()}
			if err := tx.Catalogs().Put(c); err != nil {
				return err
			}
		}
		return nil
	})
	r := s.do(s.admin, "GET", em+"/accessPackageCatalogs?$filter="+url.QueryEscape("displayName eq 'Catalog 5999'"), nil).want(t, http.StatusOK)
	if len(r.values(t)) != 0 || r.Body["@odata.nextLink"] == nil {
		t.Fatalf("first page of a scan past the budget: %s", r.Raw)
	}
	ids, pages := walk(t, s, s.admin, em+"/accessPackageCatalogs?$filter="+url.QueryEscape("displayName eq 'Catalog 5999'"))
	if len(ids) != 1 || pages != 2 {
		t.Errorf("found %d in %d pages, want 1 in 2", len(ids), pages)
	}
}

func TestMalformedOptions(t *testing.T) {
	s := newAPI(t)
	bad := []string{
		"/accessPackages?$top=1000",
		"/accessPackages?$top=0",
		"/accessPackages?$skip=10",
		"/accessPackages?$search=x",
		"/accessPackages?$filter=" + url.QueryEscape("displayName eq"),
		"/accessPackages?$filter=" + url.QueryEscape("displayName eq 'x"),
		"/accessPackages?$filter=" + url.QueryEscape("nosuch eq 'x'"),
		"/accessPackages?$filter=" + url.QueryEscape("displayName gt 'x'"),
		"/accessPackages?$filter=" + url.QueryEscape("displayName in ('x')"),
		"/accessPackages?$expand=nosuch",
		"/accessPackages?$expand=" + url.QueryEscape("accessPackageResourceRoleScopes($expand=nosuch)"),
		"/accessPackages?$select=nosuch",
		"/accessPackages?$orderby=description",
		"/accessPackages?$orderby=" + url.QueryEscape("displayName desc"),
		"/accessPackages?$count=maybe",
		"/accessPackageAssignments?$filter=" + url.QueryEscape("accessPackage/displayName eq 'x'"),
		"/accessPackageAssignments?$orderby=targetId",
		"/accessPackageAssignmentRequests?$expand=target",
		"/settings?$filter=" + url.QueryEscape("a eq 1"),
		"/accessPackageCatalogs/x?$top=1",
	}
	for _, path := range bad {
		r := s.do(s.admin, "GET", em+path, nil)
		if r.Status != http.StatusBadRequest {
			t.Errorf("GET %s: %d %s, want 400", path, r.Status, r.Raw)
			continue
		}
		msg := r.Body["error"].(map[string]any)["message"].(string)
		if !strings.Contains(msg, "$") {
			t.Errorf("GET %s: the message %q does not name the option", path, msg)
		}
	}
	// Unknown paths and methods are Graph errors too.
	s.do(s.admin, "GET", em+"/nosuch", nil).graphError(t, http.StatusNotFound)
	if r := s.do(s.admin, "PUT", em+"/accessPackages/x", map[string]any{}); r.Status != http.StatusMethodNotAllowed && r.Status != http.StatusNotFound {
		t.Errorf("PUT on a package: %d", r.Status)
	} else {
		r.graphError(t, r.Status)
	}
	// A filter naming the supported paths.
	r := s.do(s.admin, "GET", em+"/accessPackageAssignments?$filter="+url.QueryEscape("nosuch eq 1"), nil).want(t, http.StatusBadRequest)
	if msg := r.Body["error"].(map[string]any)["message"].(string); !strings.Contains(msg, "accesspackage/id") || !strings.Contains(msg, "target/objectid") {
		t.Errorf("message = %q, want the supported filters", msg)
	}
}

// TestBodies checks the answers to bodies that are not what an endpoint expects: 400 for what
// is not JSON of the right shape, 422 for values that break a rule, never a 5xx.
func TestBodies(t *testing.T) {
	s := newAPI(t)
	cases := []struct {
		path, body string
		status     int
	}{
		{"/accessPackageCatalogs", `{`, 400},
		{"/accessPackageCatalogs", `[]`, 400},
		{"/accessPackageCatalogs", `{"displayName": 5}`, 400},
		{"/accessPackageCatalogs", ``, 400},
		{"/accessPackageCatalogs", `{"displayName": "a"} {}`, 400},
		{"/accessPackageCatalogs", `{"displayName": ""}`, 422},
		{"/accessPackageCatalogs", `{"displayName": "x", "catalogStatus": "Gone"}`, 422},
		{"/accessPackages", `{"catalogId": "nosuch", "displayName": "x"}`, 422},
		{"/accessPackageAssignmentPolicies", `{"expirationDateTime": "tomorrow"}`, 400},
		{"/accessPackageAssignmentPolicies", `{"requestorSettings": {"allowedRequestors": [{"@odata.type": 3}]}}`, 400},
		{"/accessPackageAssignmentRequests", `{"requestType": "AdminAdd"}`, 422},
		{"/accessPackageAssignmentRequests", `{"requestType": "Nope", "accessPackageAssignment": {}}`, 422},
		{"/accessPackageResourceRequests", `{"catalogId": "x"}`, 422},
		{"/connectedOrganizations", `{"identitySources": {}}`, 400},
		{"/connectedOrganizations/x/internalSponsors/$ref", `{"@odata.id": "https://graph.microsoft.com/beta/applications/1"}`, 400},
	}
	for _, c := range cases {
		r := s.do(s.admin, "POST", em+c.path, c.body)
		r.graphError(t, c.status)
	}
	req, _ := http.NewRequest(http.MethodPost, s.srv.URL+"/beta"+em+"/accessPackageCatalogs", strings.NewReader(`displayName=x`))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+s.admin.ID)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusBadRequest {
		t.Errorf("a form body: %d, want 400", res.StatusCode)
	}
}

// FuzzBodies sends arbitrary bodies to every endpoint that takes one and fails on any 5xx.
func FuzzBodies(f *testing.F) {
	s := newAPI(f)
	cat := s.env.Catalog("Fuzz")
	pkg := s.env.Package(cat, "Fuzz package")
	pol := s.env.Policy(pkg)
	org := s.env.Org("Fuzz org", entitlement.OrgConfigured, nil, nil)
	targets := []struct{ method, path string }{
		{"POST", "/accessPackageCatalogs"}, {"PATCH", "/accessPackageCatalogs/" + cat.ID},
		{"POST", "/accessPackages"}, {"PATCH", "/accessPackages/" + pkg.ID},
		{"POST", "/accessPackages/" + pkg.ID + "/accessPackageResourceRoleScopes"},
		{"POST", "/accessPackageAssignmentPolicies"}, {"PUT", "/accessPackageAssignmentPolicies/" + pol.ID},
		{"POST", "/accessPackageAssignmentRequests"}, {"POST", "/accessPackageResourceRequests"},
		{"POST", "/connectedOrganizations"}, {"PATCH", "/connectedOrganizations/" + org.ID},
		{"POST", "/connectedOrganizations/" + org.ID + "/internalSponsors/$ref"},
		{"PATCH", "/settings"}, {"PATCH", "/accessPackageAssignmentApprovals/x/stages/1"},
		{"POST", "/accessPackageAssignmentRequests/x/cancel"},
	}
	seeds := []string{
		`{"displayName":"x","description":"y","isExternallyVisible":true}`,
		`{"catalogId":"` + cat.ID + `","displayName":"p"}`,
		`{"accessPackageResourceRole":{"originId":"Member_x","accessPackageResource":{"id":"x"}},"accessPackageResourceScope":{"originId":"x"}}`,
		`{"accessPackageId":"` + pkg.ID + `","displayName":"d","requestorSettings":{"scopeType":"NoSubjects","acceptRequests":true,"allowedRequestors":[]},"requestApprovalSettings":{"approvalMode":"Serial","approvalStages":[{"primaryApprovers":[{"@odata.type":"microsoft.graph.requestorManager","managerLevel":9}]}]},"accessReviewSettings":{"isEnabled":true,"startDateTime":"2020-01-01T00:00:00Z"}}`,
		`{"requestType":"UserAdd","accessPackageAssignment":{"targetId":"x","assignmentPolicyId":"` + pol.ID + `","accessPackageId":"` + pkg.ID + `"},"schedule":{"startDateTime":"2999-01-01T00:00:00Z","expiration":{"type":"afterDuration","duration":"P99999D"}}}`,
		`{"catalogId":"` + cat.ID + `","requestType":"AdminAdd","accessPackageResource":{"originSystem":"SharePointOnline","url":"https://s.example/x","displayName":"S"}}`,
		`{"displayName":"o","state":"configured","identitySources":[{"@odata.type":"#microsoft.graph.azureActiveDirectoryTenant","tenantId":"t"}]}`,
		`{"@odata.id":"https://graph.microsoft.com/beta/users/x"}`,
		`{"externalUserLifecycleAction":"BlockSignIn","daysUntilExternalUserDeletedAfterBlocked":-1}`,
		`{"reviewResult":"Approve"}`, `null`, `[]`, `"x"`, `{"a":{"b":[1,2,{}]}}`,
	}
	for i := range targets {
		for _, b := range seeds {
			f.Add(uint8(i), b)
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		tg := targets[int(which)%len(targets)]
		req := httptest.NewRequest(tg.method, "/beta"+em+tg.path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+s.admin.ID)
		rec := httptest.NewRecorder()
		s.e.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s with %q: %d %s", tg.method, tg.path, body, rec.Code, rec.Body)
		}
	})
}

// TestPagingWhatTheCallerMayRead walks a list whose store pages lose the records the caller may
// not read: every readable record comes once, and no other.
func TestPagingWhatTheCallerMayRead(t *testing.T) {
	tn := newTenant(t)
	s := tn.s
	s.env.Update(func(tx entitlement.Tx) error {
		for i := range 500 {
			pkg, pol := tn.pkgA, tn.polA
			if i%3 != 0 {
				pkg, pol = tn.pkgB, tn.polB
			}
			a := entitlement.Assignment{ID: entitlement.NewID(), CatalogID: pkg.CatalogID, AccessPackageID: pkg.ID, PolicyID: pol.ID, TargetID: entitlement.NewID(),
				AssignmentState: entitlement.AssignmentExpired, CreatedDateTime: s.env.Clock.Now()}
			if err := tx.Assignments().Put(a); err != nil {
				return err
			}
		}
		return nil
	})
	counted := s.do(s.admin, "GET", em+"/accessPackageAssignments?$count=true&$top=5&$filter="+url.QueryEscape("accessPackage/id eq '"+tn.pkgB.ID+"'"), nil).want(t, http.StatusOK)
	if counted.Body["@odata.count"] != float64(334) || len(counted.values(t)) != 5 {
		t.Errorf("a package's assignments counted: %v, %d values", counted.Body["@odata.count"], len(counted.values(t)))
	}
	for _, top := range []string{"7", "100", "999"} {
		ids, _ := walk(t, s, tn.reader, em+"/accessPackageAssignments?$top="+top)
		if len(ids) != 167+1 {
			t.Errorf("$top=%s: the reader of Alpha walked %d assignments, want 168", top, len(ids))
		}
		ids, _ = walk(t, s, s.admin, em+"/accessPackageAssignments?$top="+top+"&$filter="+url.QueryEscape("accessPackage/id eq '"+tn.pkgB.ID+"'"))
		if len(ids) != 333+1 {
			t.Errorf("$top=%s: assignments of Beta = %d, want 334", top, len(ids))
		}
	}
}
