package store_test

import (
	"path/filepath"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/storetest"
	"github.com/stewardhq/steward/store"
)

// TestContract runs the storage contract that the domain relies on against a fresh bbolt file.
func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) entitlement.Store {
		s, err := store.Open(filepath.Join(t.TempDir(), "steward.db"))
		if err != nil {
			t.Fatalf("open store: %v", err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}
