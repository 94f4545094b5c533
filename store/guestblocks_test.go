package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	bolt "go.etcd.io/bbolt"
)

// TestMigration3CreatesGuestBlocks turns a fresh data file back into schema version 2 (no
// guest_blocks buckets) and checks that opening it runs migration 3.
func TestMigration3CreatesGuestBlocks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	s = migrateFrom(t, s, 2, 3, func(tx *bolt.Tx) error {
		for _, b := range guestBlocksTable.buckets() {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
		}
		return nil
	})
	err = s.db.View(func(tx *bolt.Tx) error {
		for _, b := range guestBlocksTable.buckets() {
			if tx.Bucket(b) == nil {
				t.Errorf("bucket %s missing after migration", b)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestMigration8IndexesGuestBlocksByRetry turns a data file back into the schema before
// version 8 (no guest_blocks_by_retry bucket, a block with a next attempt filed by its blocked
// time, as the old index did) and checks that opening it runs migration 8, which files each
// block in its index.
func TestMigration8IndexesGuestBlocksByRetry(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	next := t0.Add(time.Hour)
	err = s.Update(context.Background(), func(tx entitlement.Tx) error {
		if err := tx.GuestBlocks().Put(entitlement.GuestBlock{UserID: "waiting", BlockedDateTime: t0, NextAttemptDateTime: &next}); err != nil {
			return err
		}
		return tx.GuestBlocks().Put(entitlement.GuestBlock{UserID: "fresh", BlockedDateTime: t0})
	})
	if err != nil {
		t.Fatal(err)
	}
	s = migrateFrom(t, s, 7, 8, func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket([]byte("guest_blocks_by_retry")); err != nil {
			return err
		}
		return tx.Bucket([]byte("guest_blocks_by_due")).Put([]byte(timeKey(t0)+sep+"waiting"), nil)
	})
	err = s.View(context.Background(), func(tx entitlement.Tx) error {
		due, err := tx.GuestBlocks().BlockedBefore(next, 10)
		if err != nil {
			return err
		}
		retry, err := tx.GuestBlocks().RetryDue(next, 10)
		if err != nil {
			return err
		}
		if len(due) != 1 || due[0].UserID != "fresh" || len(retry) != 1 || retry[0].UserID != "waiting" {
			t.Errorf("after migration: by blocked time %+v, by next attempt %+v", due, retry)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
