package store

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	bolt "go.etcd.io/bbolt"
)

// TestMigration19IndexesScheduledComparisons turns a data file back into a schema without the
// index of scheduled comparisons, with one scheduled connector and one not, and checks that
// opening it runs migration 19: the scheduled one is due, the other is not listed.
func TestMigration19IndexesScheduledComparisons(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	scheduled := entitlement.Connector{ResourceID: "r1", Kind: entitlement.ConnectorSCIM, ReconcileEvery: entitlement.ReconcileDaily, NextReconcile: &t0}
	off := entitlement.Connector{ResourceID: "r2", Kind: entitlement.ConnectorSCIM}
	if err := s.Update(ctx, func(tx entitlement.Tx) error {
		if err := tx.Connectors().Put(scheduled); err != nil {
			return err
		}
		return tx.Connectors().Put(off)
	}); err != nil {
		t.Fatal(err)
	}
	s = migrateFrom(t, s, 18, 19, func(tx *bolt.Tx) error {
		return tx.DeleteBucket(connectorsTable.index("reconcile_due").bucket(connectorsTable.name))
	})
	var due []entitlement.Connector
	if err := s.View(ctx, func(tx entitlement.Tx) error {
		due, err = tx.Connectors().DueReconcile(t0.Add(time.Minute), 10)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(due) != 1 || due[0].ResourceID != "r1" {
		t.Fatalf("due %+v, want the scheduled connector", due)
	}
}
