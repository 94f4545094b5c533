package store

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

// TestRestoreRefusesAStoreInUse checks that Restore does not swap the data file under a process
// that has it open (whose later writes would go to the replaced file and be lost).
func TestRestoreRefusesAStoreInUse(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "steward.db")
	running, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer running.Close()
	backup := filepath.Join(dir, "backup.db")
	f, err := os.Create(backup)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := running.Backup(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	u := testUser("Written Later", "later@example.com")
	if err := running.Update(ctx, func(tx entitlement.Tx) error { return tx.Users().Put(u) }); err != nil {
		t.Fatal(err)
	}
	if err := Restore(backup, path); !errors.Is(err, ErrLocked) {
		t.Fatalf("restore under a running store: %v; want ErrLocked", err)
	}
	// The running store's file is still the one at path.
	if err := running.Update(ctx, func(tx entitlement.Tx) error { return tx.Users().Put(testUser("Even Later", "even@example.com")) }); err != nil {
		t.Fatal(err)
	}
	if err := running.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.View(ctx, func(tx entitlement.Tx) error {
		_, err := tx.Users().ByEmail("even@example.com")
		return err
	}); err != nil {
		t.Fatalf("a write of the running store was lost: %v", err)
	}
	if _, err := os.Stat(path + ".restore"); !os.IsNotExist(err) {
		t.Errorf("temporary restore file left behind: %v", err)
	}
}
