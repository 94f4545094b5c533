package store

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	bolt "go.etcd.io/bbolt"
)

// putTasks writes n tasks of each catalog in each state, in one transaction.
func putTasks(tb testing.TB, s *Store, catalogs []string, states []entitlement.TaskState, n int) {
	tb.Helper()
	err := s.Update(ctx, func(tx entitlement.Tx) error {
		for _, cat := range catalogs {
			for _, st := range states {
				for range n {
					t := entitlement.ProvisionTask{ID: entitlement.NewID(), CatalogID: cat, ResourceID: "r-" + cat, RoleID: entitlement.NewID(), State: st}
					if err := tx.ProvisionTasks().Put(t); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// TestMigration23CountsTasks turns a data file with tasks back into schema version 22 (no task
// counts) and checks that opening it runs migration 23: every count equals the number of index
// keys that the badge walked before, and the counts move with the tasks afterwards.
func TestMigration23CountsTasks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	putTasks(t, s, []string{"c1", "c2"}, []entitlement.TaskState{entitlement.TaskOpen, entitlement.TaskDone}, 3)
	putTasks(t, s, []string{"c1", ""}, []entitlement.TaskState{entitlement.TaskOpen, entitlement.TaskFailed}, 2)
	s = migrateFrom(t, s, 22, 23, func(tx *bolt.Tx) error {
		for _, name := range []string{"state", "catalog_state"} {
			if err := tx.DeleteBucket(provisionTasksTable.index(name).countBucket(provisionTasksTable.name)); err != nil {
				return err
			}
		}
		return nil
	})
	check := func(when string, wantOpen, wantOpenC1 int) {
		t.Helper()
		err := s.db.View(func(b *bolt.Tx) error {
			pt := provisionTasks{b}
			for _, st := range []entitlement.TaskState{entitlement.TaskOpen, entitlement.TaskDone, entitlement.TaskFailed, entitlement.TaskCanceled} {
				if n, err := pt.CountByState(st); err != nil || n != provisionTasksTable.count(b, "state", string(st)) {
					t.Errorf("%s: %s count %d, %v; the index has %d", when, st, n, err, provisionTasksTable.count(b, "state", string(st)))
				}
				for _, cat := range []string{"c1", "c2", "", "c3"} {
					n, err := pt.CountByCatalog(cat, st)
					if want := provisionTasksTable.count(b, "catalog_state", cat+sep+string(st)); err != nil || n != want {
						t.Errorf("%s: %s count of catalog %q %d, %v; the index has %d", when, st, cat, n, err, want)
					}
				}
			}
			if n, _ := pt.CountByState(entitlement.TaskOpen); n != wantOpen {
				t.Errorf("%s: %d open, want %d", when, n, wantOpen)
			}
			if n, _ := pt.CountByCatalog("c1", entitlement.TaskOpen); n != wantOpenC1 {
				t.Errorf("%s: %d open in c1, want %d", when, n, wantOpenC1)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	check("after the migration", 3+3+2+2, 3+2)
	putTasks(t, s, []string{"c1"}, []entitlement.TaskState{entitlement.TaskOpen}, 1)
	check("after a new task", 3+3+2+2+1, 3+2+1)
}

// Tasks are never deleted through entitlement.ProvisionTasks, but a counted index's counts must
// follow the table's delete like its keys, whatever table it is on.
func TestDeletingACountedRecordTakesItOutOfItsCounts(t *testing.T) {
	s := newTestStore(t)
	putTasks(t, s, []string{"c1"}, []entitlement.TaskState{entitlement.TaskOpen}, 2)
	err := s.db.Update(func(b *bolt.Tx) error {
		for _, id := range provisionTasksTable.ids(b, "state", string(entitlement.TaskOpen)) {
			if err := provisionTasksTable.delete(b, id); err != nil {
				return err
			}
			if n, err := provisionTasksTable.countOf(b, "catalog_state", "c1"+sep+string(entitlement.TaskOpen)); err != nil || n != provisionTasksTable.count(b, "catalog_state", "c1"+sep+string(entitlement.TaskOpen)) {
				t.Errorf("after deleting %s: count %d, %v; the index has %d", id, n, err, provisionTasksTable.count(b, "catalog_state", "c1"+sep+string(entitlement.TaskOpen)))
			}
		}
		// A value with no record left has no count key at all.
		return mustBucket(b, provisionTasksTable.index("state").countBucket(provisionTasksTable.name)).ForEach(func(k, v []byte) error {
			t.Errorf("count left after every task was deleted: %q → %s", k, v)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// BenchmarkOpenTaskCount counts the open tasks as the badge does, for an administrator (all) and a
// catalog owner (one catalog), over about the open tasks of the scale-0.1 tenant: from the kept
// counts, and by the walk over the index keys that the counts replaced.
func BenchmarkOpenTaskCount(b *testing.B) {
	s := newTestStore(b)
	catalogs := make([]string, 20)
	for i := range catalogs {
		catalogs[i] = fmt.Sprintf("catalog-%02d", i)
	}
	putTasks(b, s, catalogs, []entitlement.TaskState{entitlement.TaskOpen, entitlement.TaskDone}, 1420)
	open := string(entitlement.TaskOpen)
	for _, c := range []struct {
		name  string
		count func(tx *bolt.Tx) (int, error)
	}{
		{"admin/counted", func(tx *bolt.Tx) (int, error) { return provisionTasksTable.countOf(tx, "state", open) }},
		{"admin/walk", func(tx *bolt.Tx) (int, error) { return provisionTasksTable.count(tx, "state", open), nil }},
		{"owner/counted", func(tx *bolt.Tx) (int, error) {
			return provisionTasksTable.countOf(tx, "catalog_state", catalogs[7]+sep+open)
		}},
		{"owner/walk", func(tx *bolt.Tx) (int, error) {
			return provisionTasksTable.count(tx, "catalog_state", catalogs[7]+sep+open), nil
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			err := s.db.View(func(tx *bolt.Tx) error {
				for b.Loop() {
					if _, err := c.count(tx); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		})
	}
}
