package graph_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
)

// These tests hold the JSON of the busiest collections to the bytes scripts read today: property
// names and order, nulls, the time format and unescaped HTML characters. A change that alters any
// of them fails here.

func TestApprovalsListShape(t *testing.T) {
	s := newAPI(t)
	approver, first := s.env.User("Avery Approver"), s.env.User("Fay <First> & Co")
	cat := s.env.Catalog("Cat")
	pkg := s.env.Package(cat, "Package")
	pol := s.env.Policy(pkg)
	started := time.Date(2026, 5, 6, 7, 8, 9, 123_456_789, time.UTC)
	decided := started.Add(90 * time.Minute)
	r := entitlement.Request{
		ID: entitlement.NewID(), RequestType: entitlement.RequestUserAdd, RequestState: entitlement.StatePendingApproval,
		RequestStatus: entitlement.RequestStatusPendingApproval, Justification: "for the close",
		CatalogID: cat.ID, AccessPackageID: pkg.ID, PolicyID: pol.ID, TargetID: first.ID, RequestorID: first.ID,
		Stages: []entitlement.StageState{
			{Index: 1, Status: entitlement.StageApproved, StartedDateTime: &started, Approvers: []string{first.ID}, DecidedBy: first.ID,
				DecidedByName: first.DisplayName, Decision: entitlement.DecisionApprove, DecidedDateTime: &decided, DecisionJustification: "fine <by> me"},
			{Index: 2, Status: entitlement.StagePending, StartedDateTime: &decided, Approvers: []string{approver.ID}},
		},
		CurrentStage: 1, Events: []entitlement.RequestEvent{{Kind: entitlement.EventSubmitted, At: started}}, CreatedDateTime: started,
	}
	s.env.Update(func(tx entitlement.Tx) error { return tx.Requests().Put(r) })

	want := `{"@odata.context":"` + s.srv.URL + `/beta/$metadata#identityGovernance/entitlementManagement/accessPackageAssignmentApprovals",` +
		`"@odata.count":1,"value":[{"id":"` + r.ID + `","stages":[` +
		`{"id":"1","status":"Approved","reviewResult":"Approve","reviewedBy":{"id":"` + first.ID + `","displayName":"Fay <First> & Co"},` +
		`"reviewedDateTime":"2026-05-06T08:38:09.1234567Z","justification":"fine <by> me","assignedToMe":false},` +
		`{"id":"2","status":"Pending","reviewResult":"NotReviewed","reviewedBy":null,"reviewedDateTime":null,"justification":"","assignedToMe":true}]}]}`
	got := s.do(approver, "GET", em+"/accessPackageAssignmentApprovals?$count=true", nil).want(t, http.StatusOK)
	if string(got.Raw) != want {
		t.Errorf("approvals\n%s\nwant\n%s", got.Raw, want)
	}

	// With the request expanded, each approval is the same with the request added; and it is the
	// approval read alone.
	expanded := s.do(approver, "GET", em+"/accessPackageAssignmentApprovals?$expand=request", nil).want(t, http.StatusOK).values(t)
	if len(expanded) != 1 {
		t.Fatalf("expanded approvals = %v", expanded)
	}
	if req, ok := expanded[0]["request"].(map[string]any); !ok || req["id"] != r.ID || req["justification"] != "for the close" {
		t.Errorf("expanded request = %v", expanded[0]["request"])
	}
	delete(expanded[0], "request")
	one := s.do(approver, "GET", em+"/accessPackageAssignmentApprovals/"+r.ID, nil).want(t, http.StatusOK).Body
	delete(one, "@odata.context")
	plain := got.values(t)[0]
	for name, other := range map[string]map[string]any{"expanded": expanded[0], "read alone": one} {
		if a, b := mustJSON(t, plain), mustJSON(t, other); a != b {
			t.Errorf("approval %s = %s, want %s", name, b, a)
		}
	}
}

func TestUsersListShape(t *testing.T) {
	s := newAPI(t)
	u := s.env.User("Zoë <Ops> & Sales", func(u *entitlement.User) {
		u.Email, u.UserPrincipalName, u.Department = "zoe@corp.example", "zoe@corp.example", "R&D"
		u.CreatedDateTime = time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("CET", 3600))
	})
	guest := s.env.User("\u00c5sa Guest", func(u *entitlement.User) {
		u.UserType, u.AccountEnabled, u.CreatedDateTime = entitlement.UserTypeGuest, false, time.Time{}
	})
	admin := s.admin
	row := func(x entitlement.User, created string) string {
		return `{"@odata.etag":"W/\"1\"","id":"` + x.ID + `","displayName":` + mustJSON(t, x.DisplayName) + `,"mail":"` + x.Email +
			`","userPrincipalName":"` + x.UserPrincipalName + `","userType":"` + x.UserType + `","accountEnabled":` + mustJSON(t, x.AccountEnabled) +
			`,"department":` + mustJSON(t, x.Department) + `,"jobTitle":"","createdDateTime":` + created + `}`
	}
	// In name order (lower-cased): Ada Admin, Zoë, Åsa Guest.
	rows := []string{
		row(admin, `"`+admin.CreatedDateTime.UTC().Format("2006-01-02T15:04:05.0000000Z")+`"`),
		row(u, `"2026-01-02T02:04:05.0000000Z"`),
		row(guest, "null"),
	}
	base := s.srv.URL + "/beta"
	got := s.do(admin, "GET", "/users?$top=2&$count=true", nil).want(t, http.StatusOK)
	next, _ := got.Body["@odata.nextLink"].(string)
	want := `{"@odata.context":"` + base + `/$metadata#users","@odata.count":3,"@odata.nextLink":"` + next + `","value":[` + rows[0] + "," + rows[1] + `]}`
	if string(got.Raw) != want || !strings.HasPrefix(next, base+"/users?$count=true&$skiptoken=") || !strings.HasSuffix(next, "&$top=2") {
		t.Errorf("users\n%s\nwant\n%s", got.Raw, want)
	}
	last := s.do(admin, "GET", next, nil).want(t, http.StatusOK)
	if want := `{"@odata.context":"` + base + `/$metadata#users","@odata.count":3,"value":[` + rows[2] + `]}`; string(last.Raw) != want {
		t.Errorf("users, page 2\n%s\nwant\n%s", last.Raw, want)
	}
}

// mustJSON is v's JSON as the API writes it: "<", ">" and "&" as they are.
func mustJSON(t *testing.T, v any) string {
	t.Helper()
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}
