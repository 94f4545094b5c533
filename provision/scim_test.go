package provision_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/elimity-com/scim"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
	"github.com/stewardhq/steward/provision"
)

// scimTenant is a catalog whose Ledger application speaks SCIM: its Maintainer role is the SCIM
// group named Maintainer.
type scimTenant struct {
	*entitlementtest.Env
	target *scimTarget
	disp   *provision.Dispatcher
	wk     *entitlement.Worker
	admin  entitlement.User
	app    entitlement.Resource
	pol    entitlement.AssignmentPolicy
}

func newSCIMTenant(tb testing.TB, settings map[string]string, groups ...string) *scimTenant {
	e := entitlementtest.New(tb)
	s := &scimTenant{Env: e, target: startSCIM(tb, groups...), admin: e.User("Ada Admin")}
	cat := e.Catalog("Finance")
	s.app = e.AppResource(cat, "Ledger", "Maintainer")
	s.pol = e.Policy(e.Package(cat, "Ledger maintainers", entitlementtest.Role(s.app, "Maintainer")))
	in := entitlement.ConnectorInput{Kind: entitlement.ConnectorSCIM, Settings: map[string]string{"baseUrl": s.target.baseURL()}, Secrets: map[string]string{"token": scimToken}}
	for k, v := range settings {
		in.Settings[k] = v
	}
	if err := e.Svc.SaveConnector(entitlementtest.AsAdmin(s.admin), s.app.ID, in); err != nil {
		tb.Fatal(err)
	}
	s.disp = provision.New(e.Svc, provision.Options{Log: entitlementtest.Quiet})
	s.wk = e.Worker(entitlement.WorkerOptions{Provisioner: s.disp, RetryBase: time.Minute, MaxAttempts: 2})
	return s
}

// A grant creates the person at the service provider when nobody matches, or finds them, and
// adds them to the role's group; a removal takes them out of it and leaves the user.
func TestSCIMGrantCreatesOrFindsTheUserAndSetsTheGroup(t *testing.T) {
	s := newSCIMTenant(t, nil, "Maintainer", "Viewer")
	riley := s.User("Riley Chen")
	dana := s.User("Dana Lee")
	// Dana already has an account at the service provider.
	s.target.users.put(scim.ResourceAttributes{"userName": dana.Email, "displayName": "Dana L."})

	rr := s.RequestAccess(riley, s.pol)
	rd := s.RequestAccess(dana, s.pol)
	s.Drain(s.wk)
	for _, r := range []entitlement.Request{rr, rd} {
		if got := s.Request(r.ID); got.RequestState != entitlement.StateDelivered {
			t.Fatalf("request %s: %s %q", r.ID, got.RequestState, got.StatusDetail)
		}
	}
	if got := s.target.members("Maintainer"); !slices.Equal(got, sortedEmails(riley, dana)) {
		t.Fatalf("Maintainer members %v", got)
	}
	if got := s.target.members("Viewer"); len(got) != 0 {
		t.Errorf("Viewer members %v", got)
	}
	if n := len(s.target.users.items); n != 2 {
		t.Errorf("%d users at the service provider, want 2 (Dana matched, Riley created)", n)
	}
	var created scim.Resource
	for _, u := range s.target.users.items {
		if u.Attributes["userName"] == riley.Email {
			created = u
		}
	}
	if created.Attributes["externalId"] != riley.ID || created.Attributes["displayName"] != "Riley Chen" {
		t.Errorf("created user %+v", created.Attributes)
	}

	a := s.Assignment(s.Request(rr.ID).AssignmentID)
	s.Submit(entitlementtest.AsAdmin(s.admin), entitlement.RequestInput{RequestType: entitlement.RequestAdminRemove, AssignmentID: a.ID})
	s.Drain(s.wk)
	if got := s.target.members("Maintainer"); !slices.Equal(got, []string{dana.Email}) {
		t.Fatalf("Maintainer members after the removal %v", got)
	}
	if len(s.target.users.items) != 2 {
		t.Error("the removal deleted the user")
	}
	entitlementtest.CheckInvariants(t, s.Store)
}

func sortedEmails(us ...entitlement.User) []string {
	var out []string
	for _, u := range us {
		out = append(out, u.Email)
	}
	slices.Sort(out)
	return out
}

// Matching by externalId finds the account that carries Steward's id, whatever its userName.
func TestSCIMMatchesByExternalID(t *testing.T) {
	s := newSCIMTenant(t, map[string]string{"match": "externalId"}, "Maintainer")
	riley := s.User("Riley Chen")
	s.target.users.put(scim.ResourceAttributes{"userName": "rchen", "externalId": riley.ID})
	s.RequestAccess(riley, s.pol)
	s.Drain(s.wk)
	if got := s.target.members("Maintainer"); !slices.Equal(got, []string{"rchen"}) {
		t.Fatalf("members %v, want the account with Riley's externalId", got)
	}
}

// A role without a group at the service provider fails with a message that says what to do, and
// Test connection reports a wrong token.
func TestSCIMFailuresSayWhatToFix(t *testing.T) {
	s := newSCIMTenant(t, nil) // no groups
	riley := s.User("Riley Chen")
	r := s.RequestAccess(riley, s.pol)
	s.Drain(s.wk)
	s.Clock.Advance(10 * time.Minute)
	s.Drain(s.wk)
	if got := s.Request(r.ID); got.RequestState != entitlement.StatePartiallyDelivered || !strings.Contains(got.StatusDetail, `no group named "Maintainer"`) {
		t.Fatalf("request %s %q", got.RequestState, got.StatusDetail)
	}
	c, err := s.Svc.TestableConnector(entitlementtest.AsAdmin(s.admin), s.app.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.disp.Test(context.Background(), c); err != nil {
		t.Errorf("test with the right token: %v", err)
	}
	c.Secrets["token"] = "wrong"
	if err := s.disp.Test(context.Background(), c); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("test with a wrong token: %v", err)
	}
}

// SCIM reconciliation compares each role's group with the grants.
func TestSCIMReconcile(t *testing.T) {
	s := newSCIMTenant(t, nil, "Maintainer")
	riley := s.User("Riley Chen")
	s.RequestAccess(riley, s.pol)
	s.Drain(s.wk)
	other := s.target.users.put(scim.ResourceAttributes{"userName": "ghost@corp.example"})
	s.target.group.mu.Lock()
	for id, g := range s.target.group.items {
		g.Attributes["members"] = []any{map[string]any{"value": other.ID}}
		s.target.group.items[id] = g
	}
	s.target.group.mu.Unlock()
	admin := entitlementtest.AsAdmin(s.admin)
	c, _ := s.Svc.TestableConnector(admin, s.app.ID)
	granted, err := s.Svc.GrantedMembers(admin, s.app.ID)
	if err != nil {
		t.Fatal(err)
	}
	drift, err := s.disp.Reconcile(context.Background(), c, granted)
	if err != nil {
		t.Fatal(err)
	}
	if len(drift.Missing) != 1 || drift.Missing[0].Email != riley.Email || !slices.Equal(drift.Unknown, []string{"ghost@corp.example"}) {
		t.Fatalf("drift %+v", drift)
	}
}
