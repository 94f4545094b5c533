package store

import (
	"context"
	"errors"
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
	err = s.db.Update(func(tx *bolt.Tx) error {
		for _, b := range guestBlocksTable.buckets() {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, []byte("2"))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	v, err := s.version()
	// Migration 3 ran, and every later one after it.
	if err != nil || v != SchemaVersion() || SchemaVersion() < 3 {
		t.Fatalf("version %d (code %d), %v; want %d", v, SchemaVersion(), err, SchemaVersion())
	}
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

func TestGuestBlocks(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	blocks := []entitlement.GuestBlock{
		{UserID: "c", BlockedDateTime: t0.Add(3 * time.Hour)},
		{UserID: "a", BlockedDateTime: t0.Add(1 * time.Hour)},
		{UserID: "b", BlockedDateTime: t0.Add(2 * time.Hour)},
	}
	err = s.Update(ctx, func(tx entitlement.Tx) error {
		for _, b := range blocks {
			if err := tx.GuestBlocks().Put(b); err != nil {
				return err
			}
		}
		// Re-blocking moves the index entry instead of adding a second one.
		return tx.GuestBlocks().Put(entitlement.GuestBlock{UserID: "c", BlockedDateTime: t0.Add(4 * time.Hour)})
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.View(ctx, func(tx entitlement.Tx) error {
		got, err := tx.GuestBlocks().BlockedBefore(t0.Add(2*time.Hour), 10)
		if err != nil {
			return err
		}
		if len(got) != 2 || got[0].UserID != "a" || got[1].UserID != "b" {
			t.Errorf("blocked before 2h: %+v", got)
		}
		got, _ = tx.GuestBlocks().BlockedBefore(t0.Add(10*time.Hour), 2)
		if len(got) != 2 {
			t.Errorf("limit ignored: %d", len(got))
		}
		got, _ = tx.GuestBlocks().BlockedBefore(t0.Add(10*time.Hour), 10)
		if len(got) != 3 || got[2].UserID != "c" || !got[2].BlockedDateTime.Equal(t0.Add(4*time.Hour)) {
			t.Errorf("all blocks: %+v", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(ctx, func(tx entitlement.Tx) error { return tx.GuestBlocks().Delete("a") })
	if err != nil {
		t.Fatal(err)
	}
	err = s.View(ctx, func(tx entitlement.Tx) error {
		if _, err := tx.GuestBlocks().Get("a"); !errors.Is(err, entitlement.ErrNotFound) {
			t.Errorf("deleted block: %v", err)
		}
		got, _ := tx.GuestBlocks().BlockedBefore(t0.Add(10*time.Hour), 10)
		if len(got) != 2 {
			t.Errorf("after delete: %+v", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
