package store

import (
	"path/filepath"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	bolt "go.etcd.io/bbolt"
)

// TestMigration12IndexesPackageAndTarget turns a data file back into schema version 10 (no
// package-and-person indexes) with a request and an assignment, and checks that opening it runs
// migration 12: both are found by their package and person again, and nobody else's are.
func TestMigration12IndexesPackageAndTarget(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	pkg, ada, bob := entitlement.NewID(), entitlement.NewID(), entitlement.NewID()
	r := entitlement.Request{ID: entitlement.NewID(), RequestType: entitlement.RequestUserAdd, RequestState: entitlement.StateDenied,
		TargetID: ada, RequestorID: ada, AccessPackageID: pkg}
	a := entitlement.Assignment{ID: entitlement.NewID(), TargetID: ada, AccessPackageID: pkg, AssignmentState: entitlement.AssignmentDelivered}
	b := entitlement.Assignment{ID: entitlement.NewID(), TargetID: bob, AccessPackageID: pkg, AssignmentState: entitlement.AssignmentDelivered}
	if err := s.Update(ctx, func(tx entitlement.Tx) error {
		if err := tx.Requests().Put(r); err != nil {
			return err
		}
		if err := tx.Assignments().Put(a); err != nil {
			return err
		}
		return tx.Assignments().Put(b)
	}); err != nil {
		t.Fatal(err)
	}
	s = migrateFrom(t, s, 10, 12, func(tx *bolt.Tx) error {
		for _, b := range [][]byte{
			requestsTable.index("package_target").bucket(requestsTable.name),
			assignmentsTable.index("package_target").bucket(assignmentsTable.name),
		} {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
		}
		return nil
	})
	err = s.View(ctx, func(tx entitlement.Tx) error {
		rs, err := tx.Requests().ByPackageAndTargets(pkg, []string{ada}, entitlement.RequestFilter{}, entitlement.ListOptions{})
		if err != nil {
			return err
		}
		if len(rs.Items) != 1 || rs.Items[0].ID != r.ID {
			t.Errorf("ada's requests after migration = %+v, want %s", rs.Items, r.ID)
		}
		as, err := tx.Assignments().ByPackageAndTargets(pkg, []string{ada}, entitlement.AssignmentFilter{}, entitlement.ListOptions{})
		if err != nil {
			return err
		}
		if as.Total != 1 || as.Items[0].ID != a.ID {
			t.Errorf("ada's assignments after migration = %+v, want %s", as.Items, a.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
