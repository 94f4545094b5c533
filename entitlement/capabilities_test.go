package entitlement_test

import (
	"slices"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

// TestCapabilitiesMergeDirectAndGroupRoles checks the roles a caller holds in a catalog, directly
// and through a group, come back once each and in display order, and follow role changes at once.
func TestCapabilitiesMergeDirectAndGroupRoles(t *testing.T) {
	f := newFixture(t) // readerA reads catalog A directly and is a member of Engineering
	grant := func(role entitlement.CatalogRole, principal, typ string) {
		t.Helper()
		if err := f.Svc.AddCatalogRoleMember(rootAdmin, f.catA.ID, entitlement.CatalogRoleMember{Role: role, PrincipalID: principal, PrincipalType: typ}); err != nil {
			t.Fatal(err)
		}
	}
	grant(entitlement.RoleAccessPackageManager, f.eng.ID, entitlement.PrincipalGroup)
	grant(entitlement.RoleCatalogReader, f.eng.ID, entitlement.PrincipalGroup)
	caps, err := f.Svc.Capabilities(entitlementtest.As(f.readerA))
	if err != nil {
		t.Fatal(err)
	}
	want := []entitlement.CatalogRole{entitlement.RoleAccessPackageManager, entitlement.RoleCatalogReader}
	if got := caps.CatalogRoles[f.catA.ID]; !slices.Equal(got, want) {
		t.Fatalf("roles in catalog A = %v; want %v", got, want)
	}
	if !caps.CanManagePackages(f.catA.ID) || caps.CanManageCatalog(f.catA.ID) || len(caps.CatalogRoles) != 1 {
		t.Fatalf("capabilities = %+v", caps)
	}
	if err := f.Svc.RemoveCatalogRoleMember(rootAdmin, f.catA.ID, entitlement.CatalogRoleMember{Role: entitlement.RoleAccessPackageManager, PrincipalID: f.eng.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Svc.CreateAccessPackage(entitlementtest.As(f.readerA), entitlement.AccessPackageInput{CatalogID: f.catA.ID, DisplayName: "Not mine to make"}); err == nil {
		t.Fatal("a reader created a package after the group lost its manager role")
	}
}

// TestCapabilitiesOfOnePrincipalInDisplayOrder checks the roles of a caller who holds them only
// directly, which come from the configuration cache as they are, in display order, and follow a
// grant at once.
func TestCapabilitiesOfOnePrincipalInDisplayOrder(t *testing.T) {
	f := newFixture(t)
	roles := func() []entitlement.CatalogRole {
		t.Helper()
		caps, err := f.Svc.Capabilities(entitlementtest.As(f.plain))
		if err != nil {
			t.Fatal(err)
		}
		return caps.CatalogRoles[f.catB.ID]
	}
	if got := roles(); len(got) != 0 {
		t.Fatalf("roles in catalog B before any grant = %v", got)
	}
	for _, role := range []entitlement.CatalogRole{entitlement.RoleAssignmentManager, entitlement.RoleCatalogOwner} {
		if err := f.Svc.AddCatalogRoleMember(rootAdmin, f.catB.ID, entitlement.CatalogRoleMember{Role: role, PrincipalID: f.plain.ID}); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := roles(), []entitlement.CatalogRole{entitlement.RoleCatalogOwner, entitlement.RoleAssignmentManager}; !slices.Equal(got, want) {
		t.Fatalf("roles in catalog B = %v; want %v", got, want)
	}
}
