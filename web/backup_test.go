package web_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/store"
)

// TestAdminBackupDownload takes an online backup through the settings page's button: an
// administrator gets a working copy of the data file, recorded in the audit log; others get a 403
// and nothing.
func TestAdminBackupDownload(t *testing.T) {
	f := startAdmin(t)

	c, csrf := f.signIn(t, "requester@example.com")
	if res, body := f.env.PostForm(t, c, "/admin/backup", csrf, nil); res.StatusCode != http.StatusForbidden || strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("plain user: %d %.80q", res.StatusCode, body)
	}

	c, csrf = f.signIn(t, "admin@example.com")
	_, settings := f.env.Get(t, c, "/admin/settings")
	if !strings.Contains(settings, `action="/admin/backup"`) {
		t.Fatalf("the settings page offers no backup")
	}
	res, body := f.env.PostForm(t, c, "/admin/backup", csrf, nil)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Disposition"), `attachment; filename="steward-backup-`) {
		t.Fatalf("admin backup: %d, %q", res.StatusCode, res.Header.Get("Content-Disposition"))
	}
	path := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	cp, err := store.Open(path)
	if err != nil {
		t.Fatalf("the download is not a usable data file: %v", err)
	}
	defer cp.Close()
	err = cp.View(t.Context(), func(tx entitlement.Tx) error {
		if _, err := tx.Catalogs().Get(f.finance.ID); err != nil {
			return err
		}
		p, err := tx.Audit().List(entitlement.AuditFilter{Action: "store.backup"}, entitlement.ListOptions{})
		if err != nil {
			return err
		}
		if p.Total != 1 {
			t.Errorf("backup events in the copy = %d, want 1", p.Total)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Without the CSRF token nothing is sent.
	res, err = c.PostForm(f.env.URL+"/admin/backup", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("backup without CSRF token: %d", res.StatusCode)
	}
}
