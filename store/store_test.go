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
	if err := s.db.Update(func(tx *bolt.Tx) error {
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
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, []byte("1"))
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s, err = Open(path)
	if err != nil {
		t.Fatalf("migrate: %v", err)
	}
	defer s.Close()
	if v, _ := s.version(); v != SchemaVersion() {
		t.Fatalf("version = %d", v)
	}
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

func TestUniqueIndexConflict(t *testing.T) {
	s := newTestStore(t)
	a := testUser("Ada", "ada@example.com")
	b := testUser("Bob", "ADA@example.com")
	if err := s.Update(ctx, func(tx entitlement.Tx) error { return tx.Users().Put(a) }); err != nil {
		t.Fatal(err)
	}
	err := s.Update(ctx, func(tx entitlement.Tx) error { return tx.Users().Put(b) })
	if !errors.Is(err, entitlement.ErrConflict) {
		t.Fatalf("second user with the same e-mail: err = %v, want ErrConflict", err)
	}
	// The failed transaction left nothing behind: Bob is not there and the e-mail still maps to Ada.
	if err := s.View(ctx, func(tx entitlement.Tx) error {
		if _, err := tx.Users().Get(b.ID); !errors.Is(err, entitlement.ErrNotFound) {
			t.Errorf("Bob after failed put: %v", err)
		}
		got, err := tx.Users().ByEmail("ada@example.com")
		if err != nil || got.ID != a.ID {
			t.Errorf("ByEmail = %+v, %v", got, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// Putting the same record again is not a conflict with itself.
	if err := s.Update(ctx, func(tx entitlement.Tx) error { return tx.Users().Put(a) }); err != nil {
		t.Errorf("re-put: %v", err)
	}
}

func TestStaleIndexKeysRemoved(t *testing.T) {
	s := newTestStore(t)
	u := testUser("Ada Lovelace", "ada@example.com")
	mgr := testUser("Charles Babbage", "charles@example.com")
	if err := s.Update(ctx, func(tx entitlement.Tx) error {
		if err := tx.Users().Put(mgr); err != nil {
			return err
		}
		u.ManagerID = mgr.ID
		return tx.Users().Put(u)
	}); err != nil {
		t.Fatal(err)
	}
	u.DisplayName = "Ada King"
	u.Email = "ada.king@example.com"
	u.ManagerID = ""
	if err := s.Update(ctx, func(tx entitlement.Tx) error { return tx.Users().Put(u) }); err != nil {
		t.Fatal(err)
	}
	if err := s.View(ctx, func(tx entitlement.Tx) error {
		if _, err := tx.Users().ByEmail("ada@example.com"); !errors.Is(err, entitlement.ErrNotFound) {
			t.Errorf("old e-mail still indexed: %v", err)
		}
		if got, err := tx.Users().ByEmail("ada.king@example.com"); err != nil || got.ID != u.ID {
			t.Errorf("new e-mail: %+v %v", got, err)
		}
		for q, want := range map[string]int{"lovelace": 0, "king": 1, "ada": 1} {
			p, err := tx.Users().List(entitlement.ListOptions{Search: q})
			if err != nil {
				return err
			}
			if p.Total != want || len(p.Items) != want {
				t.Errorf("search %q: total %d items %d, want %d", q, p.Total, len(p.Items), want)
			}
		}
		reports, _ := tx.Users().Reports(mgr.ID)
		if len(reports) != 0 {
			t.Errorf("reports of the old manager = %v", reports)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// The old address is free for someone else now.
	if err := s.Update(ctx, func(tx entitlement.Tx) error { return tx.Users().Put(testUser("Other", "ada@example.com")) }); err != nil {
		t.Errorf("reuse of the freed address: %v", err)
	}
	// Deleting removes the keys of every index.
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

func TestDeleteUserRemovesMemberships(t *testing.T) {
	s := newTestStore(t)
	u := testUser("Ada", "ada@example.com")
	g := entitlement.Group{ID: entitlement.NewID(), DisplayName: "Ops"}
	if err := s.Update(ctx, func(tx entitlement.Tx) error {
		if err := tx.Users().Put(u); err != nil {
			return err
		}
		if err := tx.Groups().Put(g); err != nil {
			return err
		}
		return tx.Groups().AddMember(g.ID, u.ID, entitlement.MemberDirect)
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, func(tx entitlement.Tx) error { return tx.Users().Delete(u.ID) }); err != nil {
		t.Fatal(err)
	}
	if err := s.View(ctx, func(tx entitlement.Tx) error {
		p, _ := tx.Groups().MemberIDs(g.ID, entitlement.ListOptions{})
		ids, _ := tx.Groups().GroupIDsOf(u.ID)
		if p.Total != 0 || len(ids) != 0 {
			t.Errorf("memberships after delete: members %v, groups %v", p.Items, ids)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// pageThrough walks a list forward to the end and back to the start, checking that every record
// is seen exactly once each way and in the same order.
func pageThrough[T any](t *testing.T, list func(entitlement.ListOptions) (entitlement.Page[T], error), id func(T) string, size, want int) []string {
	t.Helper()
	var forward []string
	var pages []entitlement.Page[T]
	opt := entitlement.ListOptions{Limit: size}
	for {
		p, err := list(opt)
		if err != nil {
			t.Fatal(err)
		}
		if p.Total != want {
			t.Fatalf("total = %d, want %d", p.Total, want)
		}
		if len(pages) == 0 && p.Prev != "" {
			t.Errorf("first page has a Prev cursor")
		}
		if len(pages) > 0 && p.Prev == "" {
			t.Errorf("page %d has no Prev cursor", len(pages)+1)
		}
		pages = append(pages, p)
		for _, x := range p.Items {
			forward = append(forward, id(x))
		}
		if p.Next == "" {
			break
		}
		if len(p.Items) != size {
			t.Fatalf("a page before the last has %d items", len(p.Items))
		}
		opt = entitlement.ListOptions{Limit: size, After: p.Next}
	}
	if len(forward) != want {
		t.Fatalf("forward saw %d records, want %d", len(forward), want)
	}
	seen := map[string]bool{}
	for _, x := range forward {
		if seen[x] {
			t.Fatalf("record %s seen twice", x)
		}
		seen[x] = true
	}
	// Back from the last page.
	var backward []string
	cur := pages[len(pages)-1]
	for i := len(pages) - 1; i > 0; i-- {
		p, err := list(entitlement.ListOptions{Limit: size, Before: cur.Prev})
		if err != nil {
			t.Fatal(err)
		}
		ids := make([]string, len(p.Items))
		for j, x := range p.Items {
			ids[j] = id(x)
		}
		wantIDs := make([]string, len(pages[i-1].Items))
		for j, x := range pages[i-1].Items {
			wantIDs[j] = id(x)
		}
		if diff := cmp.Diff(wantIDs, ids); diff != "" {
			t.Fatalf("page %d going back differs (-want +got):\n%s", i, diff)
		}
		backward = append(ids, backward...)
		cur = p
	}
	if cur.Prev != "" {
		t.Errorf("first page reached backwards has a Prev cursor")
	}
	return forward
}

func TestKeysetPagingBothWays(t *testing.T) {
	s := newTestStore(t)
	const n = 65
	g := entitlement.Group{ID: entitlement.NewID(), DisplayName: "Everyone"}
	if err := s.Update(ctx, func(tx entitlement.Tx) error {
		if err := tx.Groups().Put(g); err != nil {
			return err
		}
		for i := range n {
			// Names out of creation order, and every user findable by "person".
			u := testUser(fmt.Sprintf("Person %03d", (i*37)%n), fmt.Sprintf("p%d@example.com", i))
			if err := tx.Users().Put(u); err != nil {
				return err
			}
			if err := tx.Groups().AddMember(g.ID, u.ID, entitlement.MemberDirect); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	userID := func(u entitlement.User) string { return u.DisplayName }
	for _, tc := range []struct {
		name   string
		search string
		size   int
	}{
		{"all by name", "", 10},
		{"all, page size 7", "", 7},
		{"search prefix", "pers", 10},
		{"search e-mail domain word", "example", 25},
		{"one page", "", 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var names []string
			_ = s.View(ctx, func(tx entitlement.Tx) error {
				names = pageThrough(t, func(opt entitlement.ListOptions) (entitlement.Page[entitlement.User], error) {
					opt.Search = tc.search
					return tx.Users().List(opt)
				}, userID, tc.size, n)
				return nil
			})
			for i := 1; i < len(names); i++ {
				if names[i-1] > names[i] {
					t.Fatalf("not in name order: %q before %q", names[i-1], names[i])
				}
			}
		})
	}
	t.Run("group members", func(t *testing.T) {
		_ = s.View(ctx, func(tx entitlement.Tx) error {
			pageThrough(t, func(opt entitlement.ListOptions) (entitlement.Page[string], error) {
				return tx.Groups().MemberIDs(g.ID, opt)
			}, func(s string) string { return s }, 10, n)
			return nil
		})
	})
	t.Run("damaged cursor", func(t *testing.T) {
		_ = s.View(ctx, func(tx entitlement.Tx) error {
			_, err := tx.Users().List(entitlement.ListOptions{After: "%%%"})
			var ve *entitlement.ValidationError
			if !errors.As(err, &ve) {
				t.Errorf("damaged cursor: err = %v, want a ValidationError", err)
			}
			return nil
		})
	})
	t.Run("search with no match", func(t *testing.T) {
		_ = s.View(ctx, func(tx entitlement.Tx) error {
			p, err := tx.Users().List(entitlement.ListOptions{Search: "zz"})
			if err != nil || p.Total != 0 || len(p.Items) != 0 || p.Next != "" {
				t.Errorf("no match: %+v %v", p, err)
			}
			return nil
		})
	})
}

func TestBackupAndRestore(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "steward.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	u := testUser("Ada", "ada@example.com")
	if err := s.Update(ctx, func(tx entitlement.Tx) error { return tx.Users().Put(u) }); err != nil {
		t.Fatal(err)
	}
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
