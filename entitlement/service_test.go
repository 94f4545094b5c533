package entitlement_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

// The service tests live in the external package entitlement_test because they run on the real
// bbolt store, which imports entitlement; their fixtures come from package entitlementtest.

// Short names for the kit's values that nearly every test uses.
var (
	t0        = entitlementtest.T0
	bg        = context.Background()
	rootAdmin = entitlementtest.RootAdmin
)

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
	svc := entitlementtest.New(t).Svc
	_, err := svc.ListCatalogs(bg, entitlement.ListOptions{})
	wantErr(t, err, entitlement.ErrUnauthorized)
	_, err = svc.CreateUser(bg, entitlement.UserInput{DisplayName: "X", Email: "x@example.com"})
	wantErr(t, err, entitlement.ErrUnauthorized)
}

// fixture is a small tenant: catalogs A and B, people holding each catalog role in A, a
// directory group onboarded into A, a package in A with one role and one policy.
type fixture struct {
	*entitlementtest.Env

	creator, ownerA, pkgMgrA, asgMgrA, readerA, plain entitlement.User
	catA, catB                                        entitlement.Catalog
	eng                                               entitlement.Group
	resA                                              entitlement.Resource
	pkgA                                              entitlement.AccessPackage
	polA                                              entitlement.AssignmentPolicy
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{Env: entitlementtest.New(t)}
	svc := f.Svc
	f.creator = entitlementtest.CreateUser(t, svc, "Cat Creator")
	f.ownerA = entitlementtest.CreateUser(t, svc, "Owen Owner")
	f.pkgMgrA = entitlementtest.CreateUser(t, svc, "Pam Packager")
	f.asgMgrA = entitlementtest.CreateUser(t, svc, "Asa Assigner")
	f.readerA = entitlementtest.CreateUser(t, svc, "Rita Reader")
	f.plain = entitlementtest.CreateUser(t, svc, "Pete Plain")
	f.eng = entitlementtest.CreateGroup(t, svc, "Engineering", f.plain, f.readerA)
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
