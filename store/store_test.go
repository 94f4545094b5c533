package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stewardhq/steward/entitlement"
	bolt "go.etcd.io/bbolt"
)

func newTestStore(t testing.TB) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "steward.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

var ctx = context.Background()

// migrateFrom turns the store's file back into schema version from, after undo has reversed, in
// the same transaction, what the later migrations did to the test's records; then it closes the
// file and opens it again, which runs those migrations. It checks that the file reached the code's
// schema version and that the code has migration through, the last one the test covers, and
// returns the reopened store, closed when the test ends.
func migrateFrom(t *testing.T, s *Store, from, through int, undo func(*bolt.Tx) error) *Store {
	t.Helper()
	path := s.Path()
	if err := s.db.Update(func(tx *bolt.Tx) error {
		if err := undo(tx); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, []byte(strconv.Itoa(from)))
	}); err != nil {
		t.Fatalf("turn the file back into version %d: %v", from, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path)
	if err != nil {
		t.Fatalf("migrate from version %d: %v", from, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if v, err := s.version(); err != nil || v != SchemaVersion() || SchemaVersion() < through {
		t.Fatalf("version %d (code %d), %v; want the code's, which has migration %d", v, SchemaVersion(), err, through)
	}
	return s
}

func allBuckets() [][]byte {
	names := [][]byte{bucketMeta, bucketSecrets, bucketGroupMembers, bucketUserGroups}
	for _, t := range tables {
		names = append(names, t.buckets()...)
	}
	return names
}

func TestOpenEmptyStoreRunsMigrations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "steward.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := s.version()
	if err != nil {
		t.Fatal(err)
	}
	if v != SchemaVersion() || v < 2 {
		t.Fatalf("schema version = %d, want %d", v, SchemaVersion())
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		for _, name := range allBuckets() {
			if tx.Bucket(name) == nil {
				t.Errorf("bucket %s missing", name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var settings entitlement.Settings
	if err := s.View(ctx, func(tx entitlement.Tx) error {
		settings, err = tx.Settings()
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(entitlement.DefaultSettings(), settings); diff != "" {
		t.Errorf("settings of a new store (-want +got):\n%s", diff)
	}
	// Reopening runs nothing: the data written in between stays as it was.
	u := testUser("Ada Admin", "ada@example.com")
	if err := s.Update(ctx, func(tx entitlement.Tx) error { return tx.Users().Put(u) }); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	if v, _ := s.version(); v != SchemaVersion() {
		t.Errorf("version after reopen = %d", v)
	}
	if err := s.View(ctx, func(tx entitlement.Tx) error {
		got, err := tx.Users().ByEmail("ada@example.com")
		if err != nil {
			return err
		}
		if got.ID != u.ID {
			t.Errorf("user after reopen = %+v", got)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "steward.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, []byte(strconv.Itoa(SchemaVersion()+1)))
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(path); err == nil {
		t.Fatal("Open accepted a data file from a newer version")
	}
}

// TestMigration2RebuildsIndexes starts from a version-1 file: the new index buckets are missing
// and the search keys have the old form; migration 2 must rebuild them from the records.
func TestMigration2RebuildsIndexes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "steward.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	u := testUser("Grace Hopper", "grace@example.com")
	res := entitlement.Resource{ID: entitlement.NewID(), CatalogID: "c1", DisplayName: "Ops", OriginSystem: entitlement.OriginGroup, OriginID: "g1"}
	rr := entitlement.ResourceRequest{ID: entitlement.NewID(), CatalogID: "c1", ResourceID: res.ID}
	if err := s.Update(ctx, func(tx entitlement.Tx) error {
		if err := tx.Users().Put(u); err != nil {
			return err
		}
		if err := tx.Resources().Put(res); err != nil {
			return err
		}
		return tx.ResourceRequests().Put(rr)
	}); err != nil {
		t.Fatal(err)
	}
	// Turn the file back into version 1.
	s = migrateFrom(t, s, 1, 2, func(tx *bolt.Tx) error {
		for _, name := range []string{"resources_by_object", "resource_requests_by_catalog", "users_by_search"} {
			if err := tx.DeleteBucket([]byte(name)); err != nil {
				return err
			}
		}
		b, err := tx.CreateBucket([]byte("users_by_search"))
		if err != nil {
			return err
		}
		if err := b.Put([]byte("grace"+sep+u.ID), nil); err != nil { // the version-1 key form
			return err
		}
		return nil
	})
	if err := s.View(ctx, func(tx entitlement.Tx) error {
		ids, _ := tx.Resources().IDsByOrigin(entitlement.OriginGroup, "g1")
		if len(ids) != 1 || ids[0] != res.ID {
			t.Errorf("IDsByOrigin = %v", ids)
		}
		p, err := tx.ResourceRequests().ByCatalog("c1", entitlement.ListOptions{})
		if err != nil || p.Total != 1 {
			t.Errorf("resource requests by catalog = %+v, %v", p, err)
		}
		for _, q := range []string{"gra", "hop", "grace@"} {
			p, err := tx.Users().List(entitlement.ListOptions{Search: q})
			if err != nil {
				return err
			}
			if p.Total != 1 || len(p.Items) != 1 || p.Items[0].ID != u.ID {
				t.Errorf("search %q after migration = %+v", q, p)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func testUser(name, email string) entitlement.User {
	return entitlement.User{ID: entitlement.NewID(), DisplayName: name, Email: email, UserType: entitlement.UserTypeMember, AccountEnabled: true}
}

// TestDeleteLeavesNoIndexKey looks at the buckets themselves: the contract suite sees that a
// deleted user is not found, this sees that no key of any index still names it.
func TestDeleteLeavesNoIndexKey(t *testing.T) {
	s := newTestStore(t)
	mgr := testUser("Charles Babbage", "charles@example.com")
	u := testUser("Ada Lovelace", "ada@example.com")
	u.ManagerID, u.Issuer, u.Subject, u.ConnectedOrganizationID = mgr.ID, "iss", "ada", entitlement.NewID()
	if err := s.Update(ctx, func(tx entitlement.Tx) error {
		if err := tx.Users().Put(mgr); err != nil {
			return err
		}
		return tx.Users().Put(u)
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, func(tx entitlement.Tx) error { return tx.Users().Delete(u.ID) }); err != nil {
		t.Fatal(err)
	}
	err := s.db.View(func(tx *bolt.Tx) error {
		for _, ix := range usersTable.indexes {
			c := tx.Bucket(ix.bucket(usersTable.name)).Cursor()
			for k, v := c.First(); k != nil; k, v = c.Next() {
				if bytes.Contains(k, []byte(u.ID)) || string(v) == u.ID {
					t.Errorf("index %s keeps %q after delete", ix.name, k)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestBackupAndRestore(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "steward.db")
	u := testUser("Ada", "ada@example.com")
	s := openWithUser(t, path, u)
	var buf bytes.Buffer
	n, err := s.Backup(&buf)
	if err != nil || n == 0 || int64(buf.Len()) != n {
		t.Fatalf("backup: n=%d len=%d err=%v", n, buf.Len(), err)
	}
	backup := filepath.Join(dir, "backup.db")
	if err := os.WriteFile(backup, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	// A change after the backup is undone by the restore.
	later := testUser("Later", "later@example.com")
	if err := s.Update(ctx, func(tx entitlement.Tx) error { return tx.Users().Put(later) }); err != nil {
		t.Fatal(err)
	}
	s.Close()

	t.Run("refuses a file that is not a store", func(t *testing.T) {
		junk := filepath.Join(dir, "junk.db")
		if err := os.WriteFile(junk, []byte("this is not a bolt file, just some text that is long enough"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := Restore(junk, path); err == nil {
			t.Fatal("Restore accepted a non-bolt file")
		}
		s, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := s.View(ctx, func(tx entitlement.Tx) error {
			_, err := tx.Users().Get(later.ID)
			return err
		}); err != nil {
			t.Errorf("current data lost after a refused restore: %v", err)
		}
		if _, err := os.Stat(path + ".restore"); !os.IsNotExist(err) {
			t.Errorf("temporary restore file left behind: %v", err)
		}
	})

	t.Run("round trip", func(t *testing.T) {
		if err := Restore(backup, path); err != nil {
			t.Fatal(err)
		}
		s, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := s.View(ctx, func(tx entitlement.Tx) error {
			got, err := tx.Users().ByEmail("ada@example.com")
			if err != nil {
				return err
			}
			if diff := cmp.Diff(u.ID, got.ID); diff != "" {
				t.Errorf("restored user: %s", diff)
			}
			if _, err := tx.Users().Get(later.ID); !errors.Is(err, entitlement.ErrNotFound) {
				t.Errorf("user created after the backup is still there: %v", err)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})
}

// openWithUser opens a store at path that holds u; the test closes it.
func openWithUser(t *testing.T, path string, u entitlement.User) *Store {
	t.Helper()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, func(tx entitlement.Tx) error { return tx.Users().Put(u) }); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSecretIsCreatedOnce(t *testing.T) {
	s := newTestStore(t)
	calls := 0
	gen := func() ([]byte, error) { calls++; return []byte(time.Now().String()), nil }
	a, err := s.Secret(ctx, "session", gen)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Secret(ctx, "session", gen)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) || calls != 1 {
		t.Errorf("secret changed or generated %d times", calls)
	}
}

func TestMigration13IndexesExternalIDs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "steward.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	// Turn the file back into version 10, before the external-id indexes.
	s = migrateFrom(t, s, 10, 13, func(tx *bolt.Tx) error {
		for _, name := range []string{"users_by_external", "groups_by_external"} {
			if err := tx.DeleteBucket([]byte(name)); err != nil {
				return err
			}
		}
		return nil
	})
	u := testUser("Grace Hopper", "grace@example.com")
	u.Source, u.ExternalID = entitlement.SourceSCIM, "g-1"
	if err := s.Update(ctx, func(tx entitlement.Tx) error { return tx.Users().Put(u) }); err != nil {
		t.Fatal(err)
	}
	if err := s.View(ctx, func(tx entitlement.Tx) error {
		got, err := tx.Users().ByExternalID(entitlement.SourceSCIM, "g-1")
		if err == nil && got.ID != u.ID {
			t.Errorf("ByExternalID = %q", got.ID)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

func TestMigration15IndexesRecordsBySource(t *testing.T) {
	path := filepath.Join(t.TempDir(), "steward.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	u := testUser("Grace Hopper", "grace@example.com")
	u.Source, u.ExternalID = entitlement.SourceLDAP, "uid=grace"
	local := testUser("Alan Turing", "alan@example.com")
	g := entitlement.Group{ID: entitlement.NewID(), DisplayName: "Navy", Source: entitlement.SourceSCIM, ExternalID: "n1"}
	if err := s.Update(ctx, func(tx entitlement.Tx) error {
		for _, x := range []entitlement.User{u, local} {
			if err := tx.Users().Put(x); err != nil {
				return err
			}
		}
		return tx.Groups().Put(g)
	}); err != nil {
		t.Fatal(err)
	}
	// Turn the file back into version 14, before the source indexes.
	s = migrateFrom(t, s, 14, 15, func(tx *bolt.Tx) error {
		for _, name := range []string{"users_by_source", "groups_by_source"} {
			if err := tx.DeleteBucket([]byte(name)); err != nil {
				return err
			}
		}
		return nil
	})
	if err := s.View(ctx, func(tx entitlement.Tx) error {
		us, n, err := tx.Users().BySource(entitlement.SourceLDAP, 0, 0)
		if err != nil || n != 1 || us[0].ID != u.ID {
			t.Errorf("LDAP users after migration = %v (%d), %v", us, n, err)
		}
		gs, n, err := tx.Groups().BySource(entitlement.SourceSCIM, 0, 0)
		if err != nil || n != 1 || gs[0].ID != g.ID {
			t.Errorf("SCIM groups after migration = %v (%d), %v", gs, n, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestMigration14CreatesAPITokenBuckets(t *testing.T) {
	path := filepath.Join(t.TempDir(), "steward.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	// Turn the file back into version 13, before API tokens and service accounts.
	s = migrateFrom(t, s, 13, 14, func(tx *bolt.Tx) error {
		for _, name := range []string{"api_tokens", "api_tokens_by_hash", "api_tokens_by_user", "users_by_kind"} {
			if err := tx.DeleteBucket([]byte(name)); err != nil {
				return err
			}
		}
		return nil
	})
	bot := entitlement.User{ID: entitlement.NewID(), Kind: entitlement.KindServiceAccount, DisplayName: "CI bot", AccountEnabled: true}
	tok := entitlement.APIToken{ID: entitlement.NewID(), UserID: bot.ID, Name: "deploy", Hash: "h1", ExpiresDateTime: time.Now().Add(time.Hour)}
	if err := s.Update(ctx, func(tx entitlement.Tx) error {
		if err := tx.Users().Put(bot); err != nil {
			return err
		}
		return tx.APITokens().Put(tok)
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.View(ctx, func(tx entitlement.Tx) error {
		got, err := tx.APITokens().ByHash("h1")
		if err == nil && got.ID != tok.ID {
			t.Errorf("ByHash = %q", got.ID)
		}
		p, err2 := tx.Users().ServiceAccounts(entitlement.ListOptions{})
		if err2 == nil && (len(p.Items) != 1 || p.Items[0].ID != bot.ID) {
			t.Errorf("ServiceAccounts = %+v", p.Items)
		}
		return errors.Join(err, err2)
	}); err != nil {
		t.Fatal(err)
	}
}

// TestSearchCursorOutsideTheMatches: a one-word search's After cursor below every match, as the
// name cursors of links handed out before searches listed best match first are, gives the first
// page; one past every match gives nothing; a Before cursor above every match gives the last page.
func TestSearchCursorOutsideTheMatches(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "steward.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var ada entitlement.User
	if err := s.Update(context.Background(), func(tx entitlement.Tx) error {
		ada = testUser("Ada Adams", "ada@example.com")
		if err := tx.Users().Put(ada); err != nil {
			return err
		}
		for i := range 30 {
			if err := tx.Users().Put(testUser(fmt.Sprintf("Kim %02d", i), fmt.Sprintf("kim%d@example.com", i))); err != nil {
				return err
			}
		}
		// Index keys above every match, between them and a cursor above them.
		return tx.Users().Put(testUser("Lee Young", "lee@example.com"))
	}); err != nil {
		t.Fatal(err)
	}
	listKim := func(opt entitlement.ListOptions) entitlement.Page[entitlement.User] {
		var p entitlement.Page[entitlement.User]
		if err := s.View(context.Background(), func(tx entitlement.Tx) error {
			var err error
			opt.Search, opt.Limit = "kim", 10
			p, err = tx.Users().List(opt)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return p
	}
	list := func(after string) entitlement.Page[entitlement.User] {
		return listKim(entitlement.ListOptions{After: after})
	}
	first := list("")
	old := list(entitlement.EncodeCursor("ada adams\x00" + ada.ID))
	if len(old.Items) != 10 || old.Items[0].ID != first.Items[0].ID || old.Prev != "" || old.Next != first.Next {
		t.Errorf("an old cursor below the matches: %d items, prev %q, next %q; want the first page", len(old.Items), old.Prev, old.Next)
	}
	if past := list(entitlement.EncodeCursor("zz")); len(past.Items) != 0 || past.Next != "" {
		t.Errorf("a cursor past the matches: %d items, next %q", len(past.Items), past.Next)
	}
	// A before cursor above the matches (an old "previous" link) opens the last page.
	last := list(list(first.Next).Next)
	above := listKim(entitlement.ListOptions{Before: entitlement.EncodeCursor("zed young\x00x")})
	if len(above.Items) != 10 || above.Items[0].ID != last.Items[0].ID || above.Next != "" || above.Prev == "" {
		t.Errorf("an old cursor above the matches: %d items, prev %q, next %q; want the last page", len(above.Items), above.Prev, above.Next)
	}
}

// TestCompact: a file that a dropped bucket left mostly free shrinks, keeps its records and their
// indexes, and replaces a copy an interrupted run left behind; a file a portal holds, or one that
// is not there, is refused and left as it was.
func TestCompact(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "steward.db")
	u := testUser("Ada", "ada@example.com")
	s := openWithUser(t, path, u)
	// A dropped bucket frees its pages, as a migration's staging bucket does.
	value := bytes.Repeat([]byte("x"), 1000)
	if err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("scratch"))
		if err != nil {
			return err
		}
		for i := range 8000 {
			if err := b.Put([]byte(fmt.Sprintf("%08d", i)), value); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket([]byte("scratch")) }); err != nil {
		t.Fatal(err)
	}

	t.Run("refuses a file a portal holds", func(t *testing.T) {
		held, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := Compact(path); !errors.Is(err, ErrLocked) {
			t.Fatalf("Compact of an open file: %v, want ErrLocked", err)
		}
		now, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(held, now) {
			t.Error("a refused compaction changed the file")
		}
	})
	t.Run("CompactTo refuses a file that is there", func(t *testing.T) {
		other := filepath.Join(dir, "other.db")
		if err := os.WriteFile(other, []byte("someone's file"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := s.CompactTo(other); !errors.Is(err, os.ErrExist) {
			t.Fatalf("CompactTo over an existing file: %v, want ErrExist", err)
		}
		if got, err := os.ReadFile(other); err != nil || string(got) != "someone's file" {
			t.Errorf("the existing file now holds %q (%v)", got, err)
		}
	})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	t.Run("refuses a file that is not there", func(t *testing.T) {
		missing := filepath.Join(dir, "missing.db")
		if _, _, err := Compact(missing); err == nil {
			t.Fatal("Compact of a missing file succeeded")
		}
		if _, err := os.Stat(missing); !os.IsNotExist(err) {
			t.Errorf("Compact created %s: %v", missing, err)
		}
	})

	if err := os.WriteFile(path+".compact", []byte("left by a run that was stopped"), 0o600); err != nil {
		t.Fatal(err)
	}
	before, after, err := Compact(path)
	if err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(path); err != nil || info.Size() != after {
		t.Fatalf("size after = %d, the file has %v (%v)", after, info.Size(), err)
	}
	if before < 8<<20 || after > before/4 {
		t.Errorf("compaction took the file from %d to %d bytes, want under a quarter", before, after)
	}
	if _, err := os.Stat(path + ".compact"); !os.IsNotExist(err) {
		t.Errorf("the copy is left beside the file: %v", err)
	}
	c, err := OpenReadOnly(path)
	if err != nil {
		t.Fatalf("the compacted file does not open: %v", err)
	}
	defer c.Close()
	if err := c.View(ctx, func(tx entitlement.Tx) error {
		got, err := tx.Users().ByEmail("ada@example.com")
		if err != nil {
			return err
		}
		if got.ID != u.ID || got.DisplayName != u.DisplayName {
			t.Errorf("after compaction the user is %+v, want %+v", got, u)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
