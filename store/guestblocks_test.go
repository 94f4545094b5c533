package store

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
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

// TestGuestBlocksRetry: a block with a next attempt leaves the queue by blocked time for the one
// by next attempt, and comes back to the first when the next attempt is cleared.
func TestGuestBlocksRetry(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	later, soon := t0.Add(5*time.Hour), t0.Add(4*time.Hour)
	err = s.Update(ctx, func(tx entitlement.Tx) error {
		for _, b := range []entitlement.GuestBlock{
			{UserID: "a", BlockedDateTime: t0.Add(1 * time.Hour), NextAttemptDateTime: &later, Attempts: 2},
			{UserID: "b", BlockedDateTime: t0.Add(2 * time.Hour)},
			{UserID: "c", BlockedDateTime: t0.Add(3 * time.Hour), NextAttemptDateTime: &soon, Attempts: 1},
		} {
			if err := tx.GuestBlocks().Put(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ids := func(bs []entitlement.GuestBlock, err error) string {
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, b := range bs {
			out = append(out, b.UserID)
		}
		return strings.Join(out, ",")
	}
	err = s.View(ctx, func(tx entitlement.Tx) error {
		if got := ids(tx.GuestBlocks().BlockedBefore(t0.Add(10*time.Hour), 10)); got != "b" {
			t.Errorf("blocked before: %s; want only the block with no next attempt", got)
		}
		if got := ids(tx.GuestBlocks().RetryDue(t0.Add(10*time.Hour), 10)); got != "c,a" {
			t.Errorf("retry due: %s; want c, a (by next attempt)", got)
		}
		if got := ids(tx.GuestBlocks().RetryDue(soon, 10)); got != "c" {
			t.Errorf("retry due at c's attempt: %s", got)
		}
		if got := ids(tx.GuestBlocks().RetryDue(t0.Add(10*time.Hour), 1)); got != "c" {
			t.Errorf("limit ignored: %s", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(ctx, func(tx entitlement.Tx) error {
		if err := tx.GuestBlocks().Put(entitlement.GuestBlock{UserID: "a", BlockedDateTime: t0.Add(1 * time.Hour)}); err != nil {
			return err
		}
		return tx.GuestBlocks().Delete("c")
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.View(ctx, func(tx entitlement.Tx) error {
		if got := ids(tx.GuestBlocks().BlockedBefore(t0.Add(10*time.Hour), 10)); got != "a,b" {
			t.Errorf("blocked before after clearing a's next attempt: %s", got)
		}
		if got := ids(tx.GuestBlocks().RetryDue(t0.Add(10*time.Hour), 10)); got != "" {
			t.Errorf("retry due after the changes: %s; want none", got)
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
	err = s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket([]byte("guest_blocks_by_retry")); err != nil {
			return err
		}
		if err := tx.Bucket([]byte("guest_blocks_by_due")).Put([]byte(timeKey(t0)+sep+"waiting"), nil); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, []byte("7"))
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
	if v, err := s.version(); err != nil || v != SchemaVersion() || v < 8 {
		t.Fatalf("version %d, %v; want %d", v, err, SchemaVersion())
	}
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
