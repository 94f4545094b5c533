package store

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

// BenchmarkPackageSearchByPerson searches a package with 10,000 assignments for one person, the
// old way (read the package's whole list and keep the people a user search found, in memory) and
// through the package-and-person index.
func BenchmarkPackageSearchByPerson(b *testing.B) {
	const n = 10000
	s, err := Open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	pkg, pol := entitlement.NewID(), entitlement.NewID()
	const batch = 2000
	for start := 0; start < n; start += batch {
		err := s.Update(ctx, func(tx entitlement.Tx) error {
			for i := start; i < start+batch; i++ {
				u := entitlement.User{ID: entitlement.NewID(), DisplayName: fmt.Sprintf("Person %05d", i),
					Email: fmt.Sprintf("user%05d@example.com", i), UserType: entitlement.UserTypeMember, AccountEnabled: true}
				if err := tx.Users().Put(u); err != nil {
					return err
				}
				a := entitlement.Assignment{ID: entitlement.NewID(), TargetID: u.ID, AccessPackageID: pkg, PolicyID: pol,
					AssignmentState: entitlement.AssignmentDelivered}
				if err := tx.Assignments().Put(a); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	const q = "user04242"
	live := entitlement.AssignmentFilter{States: []entitlement.AssignmentState{entitlement.AssignmentDelivered}}
	check := func(p entitlement.Page[entitlement.Assignment]) {
		if p.Total != 1 || len(p.Items) != 1 {
			b.Fatalf("found %d (total %d), want 1", len(p.Items), p.Total)
		}
	}

	b.Run("in memory", func(b *testing.B) {
		for b.Loop() {
			err := s.View(ctx, func(tx entitlement.Tx) error {
				users, err := tx.Users().List(entitlement.ListOptions{Search: q, Limit: 50})
				if err != nil {
					return err
				}
				all, err := entitlement.CollectAll(func(o entitlement.ListOptions) (entitlement.Page[entitlement.Assignment], error) {
					return tx.Assignments().ByPackage(pkg, live, o)
				})
				if err != nil {
					return err
				}
				all = slices.DeleteFunc(all, func(a entitlement.Assignment) bool {
					return !slices.ContainsFunc(users.Items, func(u entitlement.User) bool { return u.ID == a.TargetID })
				})
				p, err := entitlement.PageOf(all, func(a entitlement.Assignment) string { return a.ID }, entitlement.ListOptions{})
				check(p)
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("index", func(b *testing.B) {
		for b.Loop() {
			err := s.View(ctx, func(tx entitlement.Tx) error {
				people, err := tx.Users().IDsMatching(q)
				if err != nil {
					return err
				}
				p, err := tx.Assignments().ByPackageAndTargets(pkg, people, live, entitlement.ListOptions{})
				check(p)
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}
