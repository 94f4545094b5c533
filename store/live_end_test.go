package store

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	bolt "go.etcd.io/bbolt"
)

// TestMigration20IndexesLiveAssignmentsByEnd turns a data file back into a schema without the
// index of live assignments by end, with a live and an expired assignment, and checks that
// opening it runs migration 20: the person's list by end holds the live one only.
func TestMigration20IndexesLiveAssignmentsByEnd(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ada := entitlement.NewID()
	end := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	live := entitlement.Assignment{ID: entitlement.NewID(), TargetID: ada, AccessPackageID: entitlement.NewID(), AssignmentState: entitlement.AssignmentDelivered,
		Schedule: entitlement.Schedule{Expiration: entitlement.Expiration{Type: entitlement.ExpirationAfterDateTime, EndDateTime: &end}}}
	past := entitlement.Assignment{ID: entitlement.NewID(), TargetID: ada, AccessPackageID: entitlement.NewID(), AssignmentState: entitlement.AssignmentExpired}
	if err := s.Update(ctx, func(tx entitlement.Tx) error {
		if err := tx.Assignments().Put(live); err != nil {
			return err
		}
		return tx.Assignments().Put(past)
	}); err != nil {
		t.Fatal(err)
	}
	bucket := assignmentsTable.index("live_end").bucket(assignmentsTable.name)
	s = migrateFrom(t, s, 19, 20, func(tx *bolt.Tx) error {
		return tx.DeleteBucket(bucket)
	})
	var page entitlement.Page[entitlement.Assignment]
	if err := s.View(ctx, func(tx entitlement.Tx) error {
		page, err = tx.Assignments().LiveByTargetEndingFirst(ada, entitlement.ListOptions{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if ids := keysOf(page.Items); page.Total != 1 || !slices.Equal(ids, []string{live.ID}) {
		t.Fatalf("live assignments by end after migration: %v, total %d; want %s", ids, page.Total, live.ID)
	}
}

func keysOf(as []entitlement.Assignment) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.ID)
	}
	return out
}
