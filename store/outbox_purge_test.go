package store

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	bolt "go.etcd.io/bbolt"
)

// TestMigration17IndexesDeliveredOutbox turns a data file back into a schema without the index of
// delivered messages, with one delivered and one waiting message, and checks that opening it runs
// migration 17: the delivered message is purged by time, the waiting one stays.
func TestMigration17IndexesDeliveredOutbox(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	sent := entitlement.OutboxMessage{ID: entitlement.NewID(), Kind: entitlement.OutboxNotify, NextAttempt: t0, DeliveredAt: &t0}
	waiting := entitlement.OutboxMessage{ID: entitlement.NewID(), Kind: entitlement.OutboxNotify, NextAttempt: t0}
	if err := s.Update(ctx, func(tx entitlement.Tx) error {
		if err := tx.Outbox().Put(sent); err != nil {
			return err
		}
		return tx.Outbox().Put(waiting)
	}); err != nil {
		t.Fatal(err)
	}
	s = migrateFrom(t, s, 16, 17, func(tx *bolt.Tx) error {
		return tx.DeleteBucket(outboxTable.index("delivered").bucket(outboxTable.name))
	})
	var n int
	if err := s.Update(ctx, func(tx entitlement.Tx) error {
		n, err = tx.Outbox().PurgeDelivered(t0.Add(time.Hour), 10)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("purged %d, want the delivered message", n)
	}
	_ = s.View(ctx, func(tx entitlement.Tx) error {
		if _, err := tx.Outbox().Get(sent.ID); err == nil {
			t.Error("the delivered message is still there")
		}
		if _, err := tx.Outbox().Get(waiting.ID); err != nil {
			t.Errorf("the waiting message: %v", err)
		}
		return nil
	})
}
