package entitlement_test

import (
	"errors"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

// TestOnlyAdministratorsOnboardGroups checks that a catalog owner who is not an administrator
// cannot add a directory group to their catalog: with it they could package the membership of a
// group that holds roles elsewhere (here: owner of another catalog) and assign it to themselves.
func TestOnlyAdministratorsOnboardGroups(t *testing.T) {
	f := newFixture(t)
	powerful := entitlementtest.CreateGroup(t, f.Svc, "Catalog B owners")
	if err := f.Svc.AddCatalogRoleMember(rootAdmin, f.catB.ID, entitlement.CatalogRoleMember{Role: entitlement.RoleCatalogOwner, PrincipalID: powerful.ID, PrincipalType: entitlement.PrincipalGroup}); err != nil {
		t.Fatal(err)
	}
	own, err := f.Svc.CreateCatalog(entitlementtest.As(f.creator), entitlement.CatalogInput{DisplayName: "Creator's own", Published: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		catalog entitlement.Catalog
		as      *entitlement.User
	}{
		{"an owner of the catalog", f.catA, &f.ownerA},
		{"a catalog creator in the catalog they created", own, &f.creator},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.Svc.AddResource(entitlementtest.As(*tc.as), tc.catalog.ID, entitlement.ResourceInput{OriginSystem: entitlement.OriginGroup, OriginID: powerful.ID})
			if !errors.Is(err, entitlement.ErrForbidden) {
				t.Fatalf("add group resource: %v; want ErrForbidden", err)
			}
			res, err := f.Svc.ListResources(rootAdmin, tc.catalog.ID, entitlement.ListOptions{Search: "owners"})
			if err != nil || res.Total != 0 {
				t.Fatalf("resources after the refusal: %+v %v", res.Items, err)
			}
			// Applications and sites, which they describe themselves, stay theirs to add.
			if _, err := f.Svc.AddResource(entitlementtest.As(*tc.as), tc.catalog.ID, entitlement.ResourceInput{OriginSystem: entitlement.OriginApplication, DisplayName: "Their app", Roles: []string{"User"}}); err != nil {
				t.Fatalf("add application: %v", err)
			}
		})
	}
	if _, err := f.Svc.AddResource(rootAdmin, f.catA.ID, entitlement.ResourceInput{OriginSystem: entitlement.OriginGroup, OriginID: powerful.ID}); err != nil {
		t.Fatalf("administrator adds the group: %v", err)
	}
}
