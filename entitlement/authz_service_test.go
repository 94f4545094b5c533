package entitlement_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

// TestAuthorization runs every operation as every role on a fresh fixture and expects either
// success or ErrForbidden. Operations that need a precondition (an empty catalog to delete) set
// it up as an administrator first.
func TestAuthorization(t *testing.T) {
	const (
		admin   = "admin"
		creator = "catalog creator"
		owner   = "owner of A"
		pkgMgr  = "package manager of A"
		asgMgr  = "assignment manager of A"
		reader  = "reader of A"
		plain   = "plain user"
	)
	roles := []string{admin, creator, owner, pkgMgr, asgMgr, reader, plain}
	ctxOf := func(f *fixture, role string) context.Context {
		switch role {
		case admin:
			return rootAdmin
		case creator:
			return entitlementtest.As(f.creator)
		case owner:
			return entitlementtest.As(f.ownerA)
		case pkgMgr:
			return entitlementtest.As(f.pkgMgrA)
		case asgMgr:
			return entitlementtest.As(f.asgMgrA)
		case reader:
			return entitlementtest.As(f.readerA)
		}
		return entitlementtest.As(f.plain)
	}
	emptyCatalog := func(t *testing.T, f *fixture, c entitlement.Catalog) {
		t.Helper()
		if err := f.Svc.DeletePolicy(rootAdmin, f.polA.ID, 0); err != nil && c.ID == f.catA.ID {
			t.Fatal(err)
		}
		if c.ID == f.catA.ID {
			if err := f.Svc.RemoveRoleScope(rootAdmin, f.pkgA.ID, f.pkgA.RoleScopes[0].ID); err != nil {
				t.Fatal(err)
			}
			if err := f.Svc.DeleteAccessPackage(rootAdmin, f.pkgA.ID, 0); err != nil {
				t.Fatal(err)
			}
		}
	}
	readers := []string{admin, owner, pkgMgr, asgMgr, reader}
	packagers := []string{admin, owner, pkgMgr}
	owners := []string{admin, owner}
	admins := []string{admin}

	ops := []struct {
		name    string
		allowed []string
		run     func(t *testing.T, f *fixture, ctx context.Context) error
	}{
		{"create catalog", []string{admin, creator}, func(t *testing.T, f *fixture, ctx context.Context) error {
			_, err := f.Svc.CreateCatalog(ctx, entitlement.CatalogInput{DisplayName: "New"})
			return err
		}},
		{"update catalog A", owners, func(t *testing.T, f *fixture, ctx context.Context) error {
			_, err := f.Svc.UpdateCatalog(ctx, f.catA.ID, entitlement.CatalogInput{DisplayName: "A2", Published: true})
			return err
		}},
		{"update catalog B", admins, func(t *testing.T, f *fixture, ctx context.Context) error {
			_, err := f.Svc.UpdateCatalog(ctx, f.catB.ID, entitlement.CatalogInput{DisplayName: "B2", Published: true})
			return err
		}},
		{"delete catalog A", owners, func(t *testing.T, f *fixture, ctx context.Context) error {
			emptyCatalog(t, f, f.catA)
			return f.Svc.DeleteCatalog(ctx, f.catA.ID, 0)
		}},
		{"delete catalog B", admins, func(t *testing.T, f *fixture, ctx context.Context) error {
			return f.Svc.DeleteCatalog(ctx, f.catB.ID, 0)
		}},
		{"read catalog A", readers, func(t *testing.T, f *fixture, ctx context.Context) error {
			_, err := f.Svc.CatalogByID(ctx, f.catA.ID)
			return err
		}},
		{"read catalog B", admins, func(t *testing.T, f *fixture, ctx context.Context) error {
			_, err := f.Svc.CatalogByID(ctx, f.catB.ID)
			return err
		}},
		{"catalog stats of A", readers, func(t *testing.T, f *fixture, ctx context.Context) error {
			_, err := f.Svc.CatalogStats(ctx, f.catA.ID)
			return err
		}},
		{"manage roles of A", owners, func(t *testing.T, f *fixture, ctx context.Context) error {
			return f.Svc.AddCatalogRoleMember(ctx, f.catA.ID, entitlement.CatalogRoleMember{Role: entitlement.RoleCatalogReader, PrincipalID: f.plain.ID})
		}},
		{"manage roles of B", admins, func(t *testing.T, f *fixture, ctx context.Context) error {
			return f.Svc.AddCatalogRoleMember(ctx, f.catB.ID, entitlement.CatalogRoleMember{Role: entitlement.RoleCatalogReader, PrincipalID: f.plain.ID})
		}},
		{"add resource to A", owners, func(t *testing.T, f *fixture, ctx context.Context) error {
			_, err := f.Svc.AddResource(ctx, f.catA.ID, entitlement.ResourceInput{OriginSystem: entitlement.OriginApplication, DisplayName: "Wiki", Roles: []string{"Reader"}})
			return err
		}},
		{"remove resource from A", owners, func(t *testing.T, f *fixture, ctx context.Context) error {
			rr, err := f.Svc.AddResource(rootAdmin, f.catA.ID, entitlement.ResourceInput{OriginSystem: entitlement.OriginApplication, DisplayName: "Wiki", Roles: []string{"Reader"}})
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.Svc.RemoveResource(ctx, f.catA.ID, rr.ResourceID, "not needed")
			return err
		}},
		{"list resources of A", readers, func(t *testing.T, f *fixture, ctx context.Context) error {
			_, err := f.Svc.ListResources(ctx, f.catA.ID, entitlement.ListOptions{})
			return err
		}},
		{"create package in A", packagers, func(t *testing.T, f *fixture, ctx context.Context) error {
			_, err := f.Svc.CreateAccessPackage(ctx, entitlement.AccessPackageInput{CatalogID: f.catA.ID, DisplayName: "P"})
			return err
		}},
		{"create package in B", admins, func(t *testing.T, f *fixture, ctx context.Context) error {
			_, err := f.Svc.CreateAccessPackage(ctx, entitlement.AccessPackageInput{CatalogID: f.catB.ID, DisplayName: "P"})
			return err
		}},
		{"update package in A", packagers, func(t *testing.T, f *fixture, ctx context.Context) error {
			_, err := f.Svc.UpdateAccessPackage(ctx, f.pkgA.ID, entitlement.AccessPackageInput{DisplayName: "Renamed"})
			return err
		}},
		{"read package in A", readers, func(t *testing.T, f *fixture, ctx context.Context) error {
			_, err := f.Svc.AccessPackageByID(ctx, f.pkgA.ID)
			return err
		}},
		{"add role scope in A", packagers, func(t *testing.T, f *fixture, ctx context.Context) error {
			_, err := f.Svc.AddRoleScope(ctx, f.pkgA.ID, f.resA.ID, f.resA.Roles[1].ID, "")
			return err
		}},
		{"create policy in A", packagers, func(t *testing.T, f *fixture, ctx context.Context) error {
			_, err := f.Svc.CreatePolicy(ctx, noApprovalPolicy(f.pkgA.ID, "Second"))
			return err
		}},
		{"replace policy in A", packagers, func(t *testing.T, f *fixture, ctx context.Context) error {
			_, err := f.Svc.ReplacePolicy(ctx, f.polA.ID, noApprovalPolicy("", "Replaced"))
			return err
		}},
		{"delete policy in A", packagers, func(t *testing.T, f *fixture, ctx context.Context) error {
			return f.Svc.DeletePolicy(ctx, f.polA.ID, 0)
		}},
		{"read policy in A", readers, func(t *testing.T, f *fixture, ctx context.Context) error {
			_, err := f.Svc.PoliciesOfPackage(ctx, f.pkgA.ID)
			return err
		}},
		{"directory write", admins, func(t *testing.T, f *fixture, ctx context.Context) error {
			_, err := f.Svc.CreateGroup(ctx, entitlement.GroupInput{DisplayName: "Another"})
			return err
		}},
		{"directory read", []string{admin, creator, owner, pkgMgr, asgMgr, reader}, func(t *testing.T, f *fixture, ctx context.Context) error {
			_, err := f.Svc.ListUsers(ctx, entitlement.ListOptions{})
			return err
		}},
		{"connected organization write", admins, func(t *testing.T, f *fixture, ctx context.Context) error {
			_, err := f.Svc.CreateConnectedOrganization(ctx, entitlement.ConnectedOrganizationInput{DisplayName: "Partner", IdentitySources: []entitlement.IdentitySource{{Type: entitlement.SourceDomain, DomainName: "partner.example"}}})
			return err
		}},
		{"settings write", admins, func(t *testing.T, f *fixture, ctx context.Context) error {
			_, err := f.Svc.UpdateSettings(ctx, entitlement.Settings{ExternalUserLifecycleAction: entitlement.LifecycleNone})
			return err
		}},
		{"catalog creators write", admins, func(t *testing.T, f *fixture, ctx context.Context) error {
			return f.Svc.AddCatalogCreator(ctx, entitlement.Sponsor{ID: f.plain.ID})
		}},
		{"audit read", admins, func(t *testing.T, f *fixture, ctx context.Context) error {
			_, err := f.Svc.ListAudit(ctx, entitlement.AuditFilter{}, entitlement.ListOptions{})
			return err
		}},
	}
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			t.Parallel()
			for _, role := range roles {
				t.Run(role, func(t *testing.T) {
					f := newFixture(t)
					err := op.run(t, f, ctxOf(f, role))
					if slices.Contains(op.allowed, role) {
						if err != nil {
							t.Fatalf("%s as %s: %v, want success", op.name, role, err)
						}
						return
					}
					if !errors.Is(err, entitlement.ErrForbidden) {
						t.Fatalf("%s as %s: err = %v, want ErrForbidden", op.name, role, err)
					}
				})
			}
		})
	}
}

// TestListsShowOnlyWhatTheCallerMayRead checks the catalog and package lists per role.
func TestListsShowOnlyWhatTheCallerMayRead(t *testing.T) {
	f := newFixture(t)
	pkgB, err := f.Svc.CreateAccessPackage(rootAdmin, entitlement.AccessPackageInput{CatalogID: f.catB.ID, DisplayName: "B package"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Svc.CreatePolicy(rootAdmin, noApprovalPolicy(pkgB.ID, "B policy")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name                         string
		ctx                          context.Context
		catalogs, packages, policies []string
	}{
		{"admin", rootAdmin, []string{"Catalog A", "Catalog B"}, []string{"B package", "Engineering access"}, []string{"All members", "B policy"}},
		{"creator", entitlementtest.As(f.creator), nil, nil, nil},
		{"owner of A", entitlementtest.As(f.ownerA), []string{"Catalog A"}, []string{"Engineering access"}, []string{"All members"}},
		{"reader of A", entitlementtest.As(f.readerA), []string{"Catalog A"}, []string{"Engineering access"}, []string{"All members"}},
		{"assignment manager of A", entitlementtest.As(f.asgMgrA), []string{"Catalog A"}, []string{"Engineering access"}, []string{"All members"}},
		{"plain", entitlementtest.As(f.plain), nil, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cats, err := f.Svc.ListCatalogs(tc.ctx, entitlement.ListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			pkgs, err := f.Svc.ListAccessPackages(tc.ctx, entitlement.ListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			pols, err := f.Svc.ListPolicies(tc.ctx, entitlement.ListOptions{Search: ""})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range cats.Items {
				got = append(got, c.DisplayName)
			}
			if !slices.Equal(got, tc.catalogs) || cats.Total != len(tc.catalogs) {
				t.Errorf("catalogs = %v (total %d), want %v", got, cats.Total, tc.catalogs)
			}
			got = nil
			for _, p := range pkgs.Items {
				got = append(got, p.DisplayName)
			}
			if !slices.Equal(got, tc.packages) {
				t.Errorf("packages = %v, want %v", got, tc.packages)
			}
			got = nil
			for _, p := range pols.Items {
				got = append(got, p.DisplayName)
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.policies) {
				t.Errorf("policies = %v, want %v", got, tc.policies)
			}
		})
	}
}

// TestGroupRolesGrantAccess checks that a catalog role held by a group applies to its members.
func TestGroupRolesGrantAccess(t *testing.T) {
	f := newFixture(t)
	if err := f.Svc.AddCatalogRoleMember(rootAdmin, f.catB.ID, entitlement.CatalogRoleMember{Role: entitlement.RoleAccessPackageManager, PrincipalID: f.eng.ID, PrincipalType: entitlement.PrincipalGroup}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Svc.CreateAccessPackage(entitlementtest.As(f.plain), entitlement.AccessPackageInput{CatalogID: f.catB.ID, DisplayName: "Via group"}); err != nil {
		t.Errorf("member of a manager group: %v", err)
	}
	if _, err := f.Svc.RemoveGroupMember(rootAdmin, f.eng.ID, f.plain.ID); err != nil {
		t.Fatal(err)
	}
	_, err := f.Svc.CreateAccessPackage(entitlementtest.As(f.plain), entitlement.AccessPackageInput{CatalogID: f.catB.ID, DisplayName: "No longer"})
	wantErr(t, err, entitlement.ErrForbidden)
}
