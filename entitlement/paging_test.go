package entitlement_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
	"github.com/stewardhq/steward/entitlement/storetest"
)

// walk pages through a list of the service both ways with storetest.Walk, whose contract every
// list keeps, and checks that the service's lists come in name order.
func walk[T any](t *testing.T, list func(entitlement.ListOptions) (entitlement.Page[T], error), name func(T) string, size, want int) {
	t.Helper()
	if names := storetest.Walk(t, list, name, size, want); !slices.IsSorted(names) {
		t.Errorf("not in name order: %v", names)
	}
}

func TestServicePagination(t *testing.T) {
	svc := entitlementtest.New(t).Svc
	reader := entitlementtest.CreateUser(t, svc, "Rita Reader")
	team := entitlementtest.CreateGroup(t, svc, "Readers", reader)
	const n = 65
	var first entitlement.Catalog
	for i := range n {
		c, err := svc.CreateCatalog(rootAdmin, entitlement.CatalogInput{DisplayName: fmt.Sprintf("Catalog %02d", (i*29)%n), Published: true})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = c
		}
		// Rita reads every catalog through her group.
		if err := svc.AddCatalogRoleMember(rootAdmin, c.ID, entitlement.CatalogRoleMember{Role: entitlement.RoleCatalogReader, PrincipalID: team.ID, PrincipalType: entitlement.PrincipalGroup}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.CreateAccessPackage(rootAdmin, entitlement.AccessPackageInput{CatalogID: first.ID, DisplayName: fmt.Sprintf("Package %02d", (i*17)%n)}); err != nil {
			t.Fatal(err)
		}
	}
	catName := func(c entitlement.Catalog) string { return c.DisplayName }
	pkgName := func(p entitlement.AccessPackage) string { return p.DisplayName }
	for _, tc := range []struct {
		name string
		run  func(t *testing.T)
	}{
		{"catalogs as admin (store cursor)", func(t *testing.T) {
			walk(t, func(o entitlement.ListOptions) (entitlement.Page[entitlement.Catalog], error) {
				return svc.ListCatalogs(rootAdmin, o)
			}, catName, 10, n)
		}},
		{"catalogs as reader (in-memory cursor)", func(t *testing.T) {
			walk(t, func(o entitlement.ListOptions) (entitlement.Page[entitlement.Catalog], error) {
				return svc.ListCatalogs(entitlementtest.As(reader), o)
			}, catName, 10, n)
		}},
		{"catalogs as reader, search", func(t *testing.T) {
			walk(t, func(o entitlement.ListOptions) (entitlement.Page[entitlement.Catalog], error) {
				o.Search = "CAT"
				return svc.ListCatalogs(entitlementtest.As(reader), o)
			}, catName, 7, n)
		}},
		{"packages of a catalog", func(t *testing.T) {
			walk(t, func(o entitlement.ListOptions) (entitlement.Page[entitlement.AccessPackage], error) {
				return svc.ListCatalogPackages(entitlementtest.As(reader), first.ID, o)
			}, pkgName, 10, n)
		}},
		{"packages as reader across catalogs", func(t *testing.T) {
			walk(t, func(o entitlement.ListOptions) (entitlement.Page[entitlement.AccessPackage], error) {
				return svc.ListAccessPackages(entitlementtest.As(reader), o)
			}, pkgName, 25, n)
		}},
		{"packages as admin, search", func(t *testing.T) {
			walk(t, func(o entitlement.ListOptions) (entitlement.Page[entitlement.AccessPackage], error) {
				o.Search = "pack"
				return svc.ListAccessPackages(rootAdmin, o)
			}, pkgName, 10, n)
		}},
		{"users", func(t *testing.T) {
			for i := range n - 1 {
				entitlementtest.CreateUser(t, svc, fmt.Sprintf("User %02d", (i*13)%(n-1)))
			}
			walk(t, func(o entitlement.ListOptions) (entitlement.Page[entitlement.User], error) {
				o.Search = "user"
				return svc.ListUsers(entitlementtest.As(reader), o)
			}, func(u entitlement.User) string { return u.DisplayName }, 9, n-1)
		}},
		{"search narrows the total", func(t *testing.T) {
			p, err := svc.ListCatalogPackages(rootAdmin, first.ID, entitlement.ListOptions{Search: "ge 1", Limit: 3})
			if err != nil || p.Total != 10 || len(p.Items) != 3 || p.Next == "" {
				t.Errorf("search page = %d items of %d, next %q, %v", len(p.Items), p.Total, p.Next, err)
			}
		}},
		{"damaged cursor", func(t *testing.T) {
			_, err := svc.ListCatalogs(entitlementtest.As(reader), entitlement.ListOptions{After: "!!"})
			var ve *entitlement.ValidationError
			if !errors.As(err, &ve) {
				t.Errorf("err = %v, want a ValidationError", err)
			}
		}},
	} {
		t.Run(tc.name, tc.run)
	}
}

// TestEveryChangeIsAudited runs one of each write and checks that each appended exactly one
// event (or, for the import, one per person plus a summary) naming the actor.
func TestEveryChangeIsAudited(t *testing.T) {
	f := newFixture(t)
	svc := f.Svc
	var org entitlement.ConnectedOrganization
	var pkg entitlement.AccessPackage
	var pol entitlement.AssignmentPolicy
	var rs entitlement.RoleScope
	var group entitlement.Group
	var user entitlement.User
	steps := []struct {
		name   string
		events int
		run    func(ctx context.Context) error
	}{
		{"create user", 1, func(ctx context.Context) (err error) {
			user, err = svc.CreateUser(ctx, entitlement.UserInput{DisplayName: "Audit Me", Email: "audit@example.com"})
			return err
		}},
		{"update user", 1, func(ctx context.Context) error {
			_, err := svc.UpdateUser(ctx, user.ID, entitlement.UserInput{DisplayName: "Audited", Email: "audit@example.com"})
			return err
		}},
		{"block user", 1, func(ctx context.Context) error { return svc.SetUserBlocked(ctx, user.ID, true) }},
		{"create group", 1, func(ctx context.Context) (err error) {
			group, err = svc.CreateGroup(ctx, entitlement.GroupInput{DisplayName: "Auditors"})
			return err
		}},
		{"update group", 1, func(ctx context.Context) error {
			_, err := svc.UpdateGroup(ctx, group.ID, entitlement.GroupInput{DisplayName: "Auditors", Description: "They audit"})
			return err
		}},
		{"add member", 1, func(ctx context.Context) error { return svc.AddGroupMember(ctx, group.ID, user.ID) }},
		{"remove member", 1, func(ctx context.Context) error { _, err := svc.RemoveGroupMember(ctx, group.ID, user.ID); return err }},
		{"update catalog", 1, func(ctx context.Context) error {
			_, err := svc.UpdateCatalog(ctx, f.catB.ID, entitlement.CatalogInput{DisplayName: "Catalog B", Description: "changed", Published: true})
			return err
		}},
		{"add catalog role", 1, func(ctx context.Context) error {
			return svc.AddCatalogRoleMember(ctx, f.catB.ID, entitlement.CatalogRoleMember{Role: entitlement.RoleCatalogReader, PrincipalID: group.ID, PrincipalType: entitlement.PrincipalGroup})
		}},
		{"remove catalog role", 1, func(ctx context.Context) error {
			return svc.RemoveCatalogRoleMember(ctx, f.catB.ID, entitlement.CatalogRoleMember{Role: entitlement.RoleCatalogReader, PrincipalID: group.ID})
		}},
		{"add resource", 1, func(ctx context.Context) error {
			_, err := svc.AddResource(ctx, f.catB.ID, entitlement.ResourceInput{OriginSystem: entitlement.OriginGroup, OriginID: group.ID})
			return err
		}},
		{"create package", 1, func(ctx context.Context) (err error) {
			pkg, err = svc.CreateAccessPackage(ctx, entitlement.AccessPackageInput{CatalogID: f.catA.ID, DisplayName: "Audited package"})
			return err
		}},
		{"update package", 1, func(ctx context.Context) error {
			_, err := svc.UpdateAccessPackage(ctx, pkg.ID, entitlement.AccessPackageInput{DisplayName: "Audited package", IsHidden: true})
			return err
		}},
		{"add role scope", 1, func(ctx context.Context) (err error) {
			rs, err = svc.AddRoleScope(ctx, pkg.ID, f.resA.ID, f.resA.Roles[1].ID, "")
			return err
		}},
		{"remove role scope", 1, func(ctx context.Context) error { return svc.RemoveRoleScope(ctx, pkg.ID, rs.ID) }},
		{"create policy", 1, func(ctx context.Context) (err error) {
			pol, err = svc.CreatePolicy(ctx, noApprovalPolicy(pkg.ID, "Audited policy"))
			return err
		}},
		{"replace policy", 1, func(ctx context.Context) error {
			_, err := svc.ReplacePolicy(ctx, pol.ID, noApprovalPolicy("", "Audited policy 2"))
			return err
		}},
		{"delete policy", 1, func(ctx context.Context) error { return svc.DeletePolicy(ctx, pol.ID, 0) }},
		{"delete package", 1, func(ctx context.Context) error { return svc.DeleteAccessPackage(ctx, pkg.ID, 0) }},
		{"create organization", 1, func(ctx context.Context) (err error) {
			org, err = svc.CreateConnectedOrganization(ctx, entitlement.ConnectedOrganizationInput{DisplayName: "Org", IdentitySources: []entitlement.IdentitySource{{Type: entitlement.SourceDomain, DomainName: "org.example"}}})
			return err
		}},
		{"update organization", 1, func(ctx context.Context) error {
			_, err := svc.UpdateConnectedOrganization(ctx, org.ID, entitlement.ConnectedOrganizationInput{DisplayName: "Org 2"})
			return err
		}},
		{"add sponsor", 1, func(ctx context.Context) error {
			return svc.AddSponsor(ctx, org.ID, false, entitlement.Sponsor{ID: f.ownerA.ID})
		}},
		{"remove sponsor", 1, func(ctx context.Context) error { return svc.RemoveSponsor(ctx, org.ID, false, f.ownerA.ID) }},
		{"delete organization", 1, func(ctx context.Context) error { return svc.DeleteConnectedOrganization(ctx, org.ID, 0) }},
		{"update settings", 1, func(ctx context.Context) error {
			_, err := svc.UpdateSettings(ctx, entitlement.Settings{ExternalUserLifecycleAction: entitlement.LifecycleNone})
			return err
		}},
		{"add catalog creator", 1, func(ctx context.Context) error { return svc.AddCatalogCreator(ctx, entitlement.Sponsor{ID: user.ID}) }},
		{"remove catalog creator", 1, func(ctx context.Context) error { return svc.RemoveCatalogCreator(ctx, user.ID) }},
		{"create catalog", 1, func(ctx context.Context) error {
			_, err := svc.CreateCatalog(ctx, entitlement.CatalogInput{DisplayName: "Audited catalog"})
			return err
		}},
		{"remove resource and delete catalog B", 2, func(ctx context.Context) error { return svc.DeleteCatalog(ctx, f.catB.ID, 0) }},
		{"import users", 3, func(ctx context.Context) error {
			_, err := svc.ImportUsers(ctx, stringsReader("displayName,mail\nX One,x1@example.com\nX Two,x2@example.com\n"))
			return err
		}},
	}
	for _, st := range steps {
		before, err := svc.ListAudit(rootAdmin, entitlement.AuditFilter{}, entitlement.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.run(rootAdmin); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		after, err := svc.ListAudit(rootAdmin, entitlement.AuditFilter{}, entitlement.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := after.Total - before.Total; got != st.events {
			t.Errorf("%s appended %d audit events, want %d", st.name, got, st.events)
			continue
		}
		newest := after.Items[0]
		if newest.ActorName != "Root Admin" || newest.Action == "" || newest.Summary == "" || newest.ObjectID == "" || !newest.At.Equal(t0) {
			t.Errorf("%s: audit event = %+v", st.name, newest)
		}
	}
}
