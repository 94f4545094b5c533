package store

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stewardhq/steward/entitlement"
	bolt "go.etcd.io/bbolt"
)

func rolesOf(t *testing.T, s *Store, principalID string) map[string][]entitlement.CatalogRole {
	t.Helper()
	var out map[string][]entitlement.CatalogRole
	if err := s.View(ctx, func(tx entitlement.Tx) error {
		var err error
		out, err = tx.Catalogs().RolesByPrincipal(principalID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCatalogRolesByPrincipal checks the principal_role index through a catalog's life: roles
// added, changed and taken away, and the catalog deleted, leave no stale key behind.
func TestCatalogRolesByPrincipal(t *testing.T) {
	s := newTestStore(t)
	ada, grp := entitlement.NewID(), entitlement.NewID()
	c1 := entitlement.Catalog{ID: entitlement.NewID(), DisplayName: "One", Roles: []entitlement.CatalogRoleMember{
		{Role: entitlement.RoleCatalogOwner, PrincipalID: ada, PrincipalType: entitlement.PrincipalUser},
		{Role: entitlement.RoleCatalogReader, PrincipalID: ada, PrincipalType: entitlement.PrincipalUser},
		{Role: entitlement.RoleAssignmentManager, PrincipalID: grp, PrincipalType: entitlement.PrincipalGroup},
	}}
	c2 := entitlement.Catalog{ID: entitlement.NewID(), DisplayName: "Two", Roles: []entitlement.CatalogRoleMember{
		{Role: entitlement.RoleAccessPackageManager, PrincipalID: ada, PrincipalType: entitlement.PrincipalUser},
	}}
	put := func(cs ...entitlement.Catalog) {
		t.Helper()
		if err := s.Update(ctx, func(tx entitlement.Tx) error {
			for _, c := range cs {
				if err := tx.Catalogs().Put(c); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	check := func(step, principal string, want map[string][]entitlement.CatalogRole) {
		t.Helper()
		got := rolesOf(t, s, principal)
		if diff := cmp.Diff(want, got, cmpSortRoles); diff != "" {
			t.Errorf("%s: roles of %s (-want +got):\n%s", step, principal, diff)
		}
	}
	put(c1, c2)
	check("created", ada, map[string][]entitlement.CatalogRole{
		c1.ID: {entitlement.RoleCatalogOwner, entitlement.RoleCatalogReader},
		c2.ID: {entitlement.RoleAccessPackageManager},
	})
	check("created", grp, map[string][]entitlement.CatalogRole{c1.ID: {entitlement.RoleAssignmentManager}})

	c1.Roles = []entitlement.CatalogRoleMember{{Role: entitlement.RoleCatalogReader, PrincipalID: ada, PrincipalType: entitlement.PrincipalUser}}
	put(c1)
	check("owner and group removed", ada, map[string][]entitlement.CatalogRole{
		c1.ID: {entitlement.RoleCatalogReader},
		c2.ID: {entitlement.RoleAccessPackageManager},
	})
	check("owner and group removed", grp, map[string][]entitlement.CatalogRole{})

	if err := s.Update(ctx, func(tx entitlement.Tx) error { return tx.Catalogs().Delete(c2.ID) }); err != nil {
		t.Fatal(err)
	}
	check("catalog deleted", ada, map[string][]entitlement.CatalogRole{c1.ID: {entitlement.RoleCatalogReader}})
	check("nobody", entitlement.NewID(), map[string][]entitlement.CatalogRole{})
}

var cmpSortRoles = cmp.Transformer("sort", func(in []entitlement.CatalogRole) []entitlement.CatalogRole {
	return slices.Sorted(slices.Values(in))
})

// TestMigration4IndexesCatalogRoles starts from a version-3 file, which has no principal_role
// index; migration 4 must build it from the catalogs.
func TestMigration4IndexesCatalogRoles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ada := entitlement.NewID()
	c := entitlement.Catalog{ID: entitlement.NewID(), DisplayName: "Old", Roles: []entitlement.CatalogRoleMember{
		{Role: entitlement.RoleCatalogOwner, PrincipalID: ada, PrincipalType: entitlement.PrincipalUser},
	}}
	if err := s.Update(ctx, func(tx entitlement.Tx) error { return tx.Catalogs().Put(c) }); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket([]byte("catalogs_by_principal_role")); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, []byte("3"))
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path)
	if err != nil {
		t.Fatalf("migrate: %v", err)
	}
	defer s.Close()
	if v, err := s.version(); err != nil || v != SchemaVersion() {
		t.Fatalf("version %d, %v; want %d", v, err, SchemaVersion())
	}
	got := rolesOf(t, s, ada)
	if diff := cmp.Diff(map[string][]entitlement.CatalogRole{c.ID: {entitlement.RoleCatalogOwner}}, got); diff != "" {
		t.Errorf("roles after migration (-want +got):\n%s", diff)
	}
	// The older index is rebuilt too and still agrees.
	if err := s.View(ctx, func(tx entitlement.Tx) error {
		ids, err := tx.Catalogs().IDsByPrincipal(ada)
		if err != nil || len(ids) != 1 || ids[0] != c.ID {
			t.Errorf("IDsByPrincipal = %v, %v", ids, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
