package entitlement_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
	"github.com/stewardhq/steward/store"
)

func TestBackup(t *testing.T) {
	svc := entitlementtest.New(t).Svc
	user := entitlementtest.CreateUser(t, svc, "Plain User")

	if _, err := svc.Backup(entitlementtest.As(user), &bytes.Buffer{}); !errors.Is(err, entitlement.ErrForbidden) {
		t.Fatalf("plain user backup: %v, want ErrForbidden", err)
	}
	if _, err := svc.Backup(bg, &bytes.Buffer{}); !errors.Is(err, entitlement.ErrUnauthorized) {
		t.Fatalf("anonymous backup: %v, want ErrUnauthorized", err)
	}

	var buf bytes.Buffer
	n, err := svc.Backup(rootAdmin, &buf)
	if err != nil || n == 0 || int64(buf.Len()) != n {
		t.Fatalf("admin backup: n=%d len=%d err=%v", n, buf.Len(), err)
	}
	// The copy is a working store that already records the backup and holds the user.
	path := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	cp, err := store.Open(path)
	if err != nil {
		t.Fatalf("open the backup: %v", err)
	}
	defer cp.Close()
	err = cp.View(bg, func(tx entitlement.Tx) error {
		if _, err := tx.Users().Get(user.ID); err != nil {
			return err
		}
		page, err := tx.Audit().List(entitlement.AuditFilter{Action: "store.backup"}, entitlement.ListOptions{})
		if err != nil {
			return err
		}
		if page.Total != 1 {
			t.Errorf("backup audit events in the copy = %d, want 1", page.Total)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
