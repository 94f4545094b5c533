package store

import (
	"fmt"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	bolt "go.etcd.io/bbolt"
)

// TestListTotalCountsOrderIndexKeys checks the total of a list in name order, which counts the
// order index's keys from its pages in a read-only transaction and by a walk in a writable one:
// both give the number of people, service accounts left out, on one page and over many.
func TestListTotalCountsOrderIndexKeys(t *testing.T) {
	s := newTestStore(t)
	people := 0
	for _, batch := range []int{3, 2000} {
		err := s.Update(ctx, func(tx entitlement.Tx) error {
			for i := range batch {
				u := testUser(fmt.Sprintf("Person %d-%04d", batch, i), fmt.Sprintf("p%d-%d@example.com", batch, i))
				if err := tx.Users().Put(u); err != nil {
					return err
				}
			}
			robot := testUser(fmt.Sprintf("Robot %d", batch), fmt.Sprintf("robot%d@example.com", batch))
			robot.Kind = entitlement.KindServiceAccount
			if err := tx.Users().Put(robot); err != nil {
				return err
			}
			people += batch
			p, err := tx.Users().List(entitlement.ListOptions{})
			if err == nil && p.Total != people {
				t.Errorf("writable: total %d, want %d", p.Total, people)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		err = s.View(ctx, func(tx entitlement.Tx) error {
			first, err := tx.Users().List(entitlement.ListOptions{})
			if err != nil {
				return err
			}
			if first.Total != people {
				t.Errorf("read-only: total %d, want %d", first.Total, people)
			}
			if first.Next == "" {
				return nil
			}
			second, err := tx.Users().List(entitlement.ListOptions{After: first.Next})
			if err == nil && second.Total != people {
				t.Errorf("read-only, second page: total %d, want %d", second.Total, people)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestMigration26CountsPeople turns a data file with people and a service account back into
// schema version 23 (no total of the name index) and checks that opening it runs migration 26:
// the people list's total is the number of people, and it moves with every write after that
// (a new person, a rename, a person turned service account, a deletion) as the keys do.
func TestMigration26CountsPeople(t *testing.T) {
	s := newTestStore(t)
	var people []entitlement.User
	if err := s.Update(ctx, func(tx entitlement.Tx) error {
		for i := range 30 {
			u := testUser(fmt.Sprintf("Person %02d", i), fmt.Sprintf("p%d@example.com", i))
			people = append(people, u)
			if err := tx.Users().Put(u); err != nil {
				return err
			}
		}
		robot := testUser("Robot", "robot@example.com")
		robot.Kind = entitlement.KindServiceAccount
		return tx.Users().Put(robot)
	}); err != nil {
		t.Fatal(err)
	}
	s = migrateFrom(t, s, 23, 26, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Delete(usersTable.index("name").totalKey(usersTable.name))
	})
	check := func(step string, want int) {
		t.Helper()
		var p entitlement.Page[entitlement.User]
		err := s.View(ctx, func(tx entitlement.Tx) error {
			var err error
			p, err = tx.Users().List(entitlement.ListOptions{Limit: 5})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		keys := 0
		if err := s.db.View(func(b *bolt.Tx) error {
			keys = keyCount(b, usersTable.index("name").bucket(usersTable.name))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if p.Total != want || keys != want {
			t.Errorf("%s: total %d, %d keys; want %d", step, p.Total, keys, want)
		}
	}
	check("after the migration", 30)
	steps := []struct {
		name  string
		write func(entitlement.Users) error
		want  int
	}{
		{"a new person", func(us entitlement.Users) error { return us.Put(testUser("Newcomer", "new@example.com")) }, 31},
		{"a rename", func(us entitlement.Users) error {
			u := people[0]
			u.DisplayName = "Renamed"
			return us.Put(u)
		}, 31},
		{"the same record again", func(us entitlement.Users) error { return us.Put(people[1]) }, 31},
		{"a person turned service account", func(us entitlement.Users) error {
			u := people[2]
			u.Kind = entitlement.KindServiceAccount
			return us.Put(u)
		}, 30},
		{"a deletion", func(us entitlement.Users) error { return us.Delete(people[3].ID) }, 29},
	}
	for _, st := range steps {
		if err := s.Update(ctx, func(tx entitlement.Tx) error { return st.write(tx.Users()) }); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		check(st.name, st.want)
	}
}
