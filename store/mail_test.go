package store

import (
	"path/filepath"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	bolt "go.etcd.io/bbolt"
)

// TestMigration10CreatesMailAndIndexesFailing turns a data file back into schema version 6 (no
// mail bucket, no index of failing outbox messages) with a message that failed already, and
// checks that opening it runs migration 10: the bucket is there and the message is listed.
func TestMigration10CreatesMailAndIndexesFailing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	failed := entitlement.OutboxMessage{ID: entitlement.NewID(), Kind: entitlement.OutboxNotify, Topic: entitlement.NotifyApprovalNeeded, Attempts: 3, LastError: "535 authentication failed"}
	sent := entitlement.OutboxMessage{ID: entitlement.NewID(), Kind: entitlement.OutboxNotify, Topic: entitlement.NotifyRequestSubmitted, Attempts: 1}
	sent.DeliveredAt = &sent.CreatedDateTime
	if err := s.Update(ctx, func(tx entitlement.Tx) error {
		if err := tx.Outbox().Put(failed); err != nil {
			return err
		}
		return tx.Outbox().Put(sent)
	}); err != nil {
		t.Fatal(err)
	}
	s = migrateFrom(t, s, 6, 10, func(tx *bolt.Tx) error {
		for _, b := range append(mailTable.buckets(), outboxTable.index("failing").bucket(outboxTable.name)) {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
		}
		return nil
	})
	err = s.Update(ctx, func(tx entitlement.Tx) error {
		p, err := tx.Outbox().Failing(entitlement.OutboxNotify, entitlement.ListOptions{})
		if err != nil {
			return err
		}
		if len(p.Items) != 1 || p.Items[0].ID != failed.ID {
			t.Errorf("failing after migration = %+v, want only %s", p.Items, failed.ID)
		}
		return tx.Mail().Put(entitlement.Mail{ID: failed.ID, To: "ada@example.com"})
	})
	if err != nil {
		t.Fatal(err)
	}
}
