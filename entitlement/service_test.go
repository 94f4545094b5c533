package entitlement_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/store"
)

// The service tests live in an external package because they use the real bbolt store, which
// imports entitlement.

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// newTestService returns a service over a fresh bbolt file in a temp dir, its manual clock and
// the store (for the few tests that write records the service has no method for, such as
// assignments, which belong to the request engine).
func newTestService(t testing.TB) (*entitlement.Service, *entitlement.ManualClock, *store.Store) {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "steward.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	clock := entitlement.NewManualClock(t0)
	svc := entitlement.NewService(entitlement.Options{Store: st, Clock: clock})
	return svc, clock, st
}

var bg = context.Background()

// rootAdmin is an administrator who is not in the directory, as on a fresh install where the
// configuration names the first administrator before they sign in.
var rootAdmin = entitlement.WithPrincipal(bg, entitlement.Principal{
	UserID: "0190f000-0000-7000-8000-000000000001", Name: "Root Admin", Email: "root@example.com", IsAdmin: true,
})

// as returns a context signed in as the user.
func as(u entitlement.User) context.Context {
	return entitlement.WithPrincipal(bg, entitlement.Principal{UserID: u.ID, Name: u.DisplayName, Email: u.Email})
}

func mkUser(t testing.TB, svc *entitlement.Service, name string) entitlement.User {
	t.Helper()
	email := strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.com"
	u, err := svc.CreateUser(rootAdmin, entitlement.UserInput{DisplayName: name, Email: email})
	if err != nil {
		t.Fatalf("create user %s: %v", name, err)
	}
	return u
}

func mkGroup(t testing.TB, svc *entitlement.Service, name string, members ...entitlement.User) entitlement.Group {
	t.Helper()
	g, err := svc.CreateGroup(rootAdmin, entitlement.GroupInput{DisplayName: name})
	if err != nil {
		t.Fatalf("create group %s: %v", name, err)
	}
	for _, m := range members {
		if err := svc.AddGroupMember(rootAdmin, g.ID, m.ID); err != nil {
			t.Fatalf("add %s to %s: %v", m.DisplayName, name, err)
		}
	}
	return g
}

// wantField checks that err is a ValidationError with a message for field that contains hint.
func wantField(t testing.TB, err error, field, hint string) {
	t.Helper()
	var ve *entitlement.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v, want a ValidationError on %s", err, field)
	}
	msg, ok := ve.Fields[field]
	if !ok {
		t.Fatalf("no message for %s; messages: %v", field, ve.Fields)
	}
	if !strings.Contains(msg, hint) {
		t.Errorf("message for %s = %q, want it to mention %q", field, msg, hint)
	}
}

// wantErr checks that err matches the sentinel.
func wantErr(t testing.TB, err, sentinel error) {
	t.Helper()
	if !errors.Is(err, sentinel) {
		t.Fatalf("err = %v, want %v", err, sentinel)
	}
}

// auditCount counts the audit events about one object.
func auditCount(t testing.TB, svc *entitlement.Service, objectID string) int {
	t.Helper()
	p, err := svc.ListAudit(rootAdmin, entitlement.AuditFilter{ObjectID: objectID}, entitlement.ListOptions{Limit: entitlement.MaxPageSize})
	if err != nil {
		t.Fatalf("list audit: %v", err)
	}
	return p.Total
}

func TestServiceNeedsSignedInCaller(t *testing.T) {
	svc, _, _ := newTestService(t)
	_, err := svc.ListCatalogs(bg, entitlement.ListOptions{})
	wantErr(t, err, entitlement.ErrUnauthorized)
	_, err = svc.CreateUser(bg, entitlement.UserInput{DisplayName: "X", Email: "x@example.com"})
	wantErr(t, err, entitlement.ErrUnauthorized)
}

// fixture is a small tenant: catalogs A and B, people holding each catalog role in A, a
// directory group onboarded into A, a package in A with one role and one policy.
type fixture struct {
	svc   *entitlement.Service
	clock *entitlement.ManualClock
	st    *store.Store

	creator, ownerA, pkgMgrA, asgMgrA, readerA, plain entitlement.User
	catA, catB                                        entitlement.Catalog
	eng                                               entitlement.Group
	resA                                              entitlement.Resource
	pkgA                                              entitlement.AccessPackage
	polA                                              entitlement.AssignmentPolicy
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	svc, clock, st := newTestService(t)
	f := &fixture{svc: svc, clock: clock, st: st}
	f.creator = mkUser(t, svc, "Cat Creator")
	f.ownerA = mkUser(t, svc, "Owen Owner")
	f.pkgMgrA = mkUser(t, svc, "Pam Packager")
	f.asgMgrA = mkUser(t, svc, "Asa Assigner")
	f.readerA = mkUser(t, svc, "Rita Reader")
	f.plain = mkUser(t, svc, "Pete Plain")
	f.eng = mkGroup(t, svc, "Engineering", f.plain, f.readerA)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(svc.AddCatalogCreator(rootAdmin, entitlement.Sponsor{ID: f.creator.ID, Type: entitlement.PrincipalUser}))
	var err error
	f.catA, err = svc.CreateCatalog(rootAdmin, entitlement.CatalogInput{DisplayName: "Catalog A", Published: true})
	must(err)
	f.catB, err = svc.CreateCatalog(rootAdmin, entitlement.CatalogInput{DisplayName: "Catalog B", Published: true})
	must(err)
	for _, m := range []struct {
		u    entitlement.User
		role entitlement.CatalogRole
	}{{f.ownerA, entitlement.RoleCatalogOwner}, {f.pkgMgrA, entitlement.RoleAccessPackageManager}, {f.asgMgrA, entitlement.RoleAssignmentManager}, {f.readerA, entitlement.RoleCatalogReader}} {
		must(svc.AddCatalogRoleMember(rootAdmin, f.catA.ID, entitlement.CatalogRoleMember{Role: m.role, PrincipalID: m.u.ID, PrincipalType: entitlement.PrincipalUser}))
	}
	rr, err := svc.AddResource(rootAdmin, f.catA.ID, entitlement.ResourceInput{OriginSystem: entitlement.OriginGroup, OriginID: f.eng.ID})
	must(err)
	f.resA = rr.Resource
	f.pkgA, err = svc.CreateAccessPackage(rootAdmin, entitlement.AccessPackageInput{CatalogID: f.catA.ID, DisplayName: "Engineering access"})
	must(err)
	_, err = svc.AddRoleScope(rootAdmin, f.pkgA.ID, f.resA.ID, f.resA.Roles[0].ID, "")
	must(err)
	f.pkgA, err = svc.AccessPackageByID(rootAdmin, f.pkgA.ID)
	must(err)
	f.polA, err = svc.CreatePolicy(rootAdmin, noApprovalPolicy(f.pkgA.ID, "All members"))
	must(err)
	return f
}

// noApprovalPolicy lets every member of the directory request without approval.
func noApprovalPolicy(packageID, name string) entitlement.PolicyInput {
	return entitlement.PolicyInput{
		AccessPackageID: packageID, DisplayName: name, DurationInDays: 90,
		RequestorSettings:       entitlement.RequestorSettings{ScopeType: entitlement.ScopeAllExistingDirectoryMembers, AcceptRequests: true},
		RequestApprovalSettings: entitlement.ApprovalSettings{ApprovalMode: entitlement.ApprovalNone},
	}
}

// cmpEqual reports a difference between want and got as a test error.
func cmpEqual(t testing.TB, want, got any) bool {
	t.Helper()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
		return false
	}
	return true
}

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }
