package store

import (
	"path/filepath"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	bolt "go.etcd.io/bbolt"
)

// TestMigration16CreatesProvisioningBuckets turns a data file back into schema version 15 (no
// task, connector or call buckets) and checks that opening it runs migration 16: tasks,
// connectors and calls can be written and read again.
func TestMigration16CreatesProvisioningBuckets(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	s = migrateFrom(t, s, 15, 16, func(tx *bolt.Tx) error {
		for _, tb := range []interface{ buckets() [][]byte }{provisionTasksTable, connectorsTable, connectorCallsTable} {
			for _, b := range tb.buckets() {
				if err := tx.DeleteBucket(b); err != nil {
					return err
				}
			}
		}
		return nil
	})
	task := entitlement.ProvisionTask{ID: entitlement.NewID(), ResourceID: "r", CatalogID: "c", RoleID: "x", State: entitlement.TaskOpen}
	err = s.Update(ctx, func(tx entitlement.Tx) error {
		if err := tx.ProvisionTasks().Put(task); err != nil {
			return err
		}
		if err := tx.Connectors().Put(entitlement.Connector{ResourceID: "r", Kind: entitlement.ConnectorSCIM}); err != nil {
			return err
		}
		return tx.ConnectorCalls().Append(entitlement.ConnectorCall{ID: entitlement.NewID(), ResourceID: "r"}, 5)
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.View(ctx, func(tx entitlement.Tx) error {
		if n, err := tx.ProvisionTasks().CountByCatalog("c", entitlement.TaskOpen); err != nil || n != 1 {
			t.Errorf("open tasks of c = %d, %v; want 1", n, err)
		}
		if c, err := tx.Connectors().Get("r"); err != nil || c.Kind != entitlement.ConnectorSCIM {
			t.Errorf("connector = %+v, %v", c, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
