package store

import (
	"path/filepath"
	"testing"

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
