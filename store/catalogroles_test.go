package store

import (
	"path/filepath"
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
	s = migrateFrom(t, s, 3, 4, func(tx *bolt.Tx) error {
		return tx.DeleteBucket([]byte("catalogs_by_principal_role"))
	})
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
