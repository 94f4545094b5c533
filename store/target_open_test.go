package store

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	bolt "go.etcd.io/bbolt"
)

// TestMigration18IndexesOpenRequests turns a data file back into a schema without the index of
// open requests, with an open and a finished request, and checks that opening it runs migration
// 18: the index holds the open request only, and a later change of state takes it out.
func TestMigration18IndexesOpenRequests(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ada := entitlement.NewID()
	open := entitlement.Request{ID: entitlement.NewID(), TargetID: ada, AccessPackageID: entitlement.NewID(), RequestType: entitlement.RequestUserAdd, RequestState: entitlement.StatePendingApproval}
	done := entitlement.Request{ID: entitlement.NewID(), TargetID: ada, AccessPackageID: entitlement.NewID(), RequestType: entitlement.RequestUserAdd, RequestState: entitlement.StateDelivered}
	if err := s.Update(ctx, func(tx entitlement.Tx) error {
		if err := tx.Requests().Put(open); err != nil {
			return err
		}
		return tx.Requests().Put(done)
	}); err != nil {
		t.Fatal(err)
	}
	bucket := requestsTable.index("target_open").bucket(requestsTable.name)
	s = migrateFrom(t, s, 17, 18, func(tx *bolt.Tx) error {
		return tx.DeleteBucket(bucket)
	})
	indexed := func() []string {
		var ids []string
		if err := s.db.View(func(tx *bolt.Tx) error {
			return tx.Bucket(bucket).ForEach(func(k, _ []byte) error {
				ids = append(ids, idOfKey(k))
				return nil
			})
		}); err != nil {
			t.Fatal(err)
		}
		return ids
	}
	if got := indexed(); !slices.Equal(got, []string{open.ID}) {
		t.Fatalf("open requests indexed after migration: %v, want %s", got, open.ID)
	}
	open.RequestState = entitlement.StateDenied
	if err := s.Update(ctx, func(tx entitlement.Tx) error { return tx.Requests().Put(open) }); err != nil {
		t.Fatal(err)
	}
	if got := indexed(); len(got) != 0 {
		t.Fatalf("open requests indexed after the request was denied: %v", got)
	}
}
