package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

// externalCases cover the records a directory source keeps: found by the source's id, one record
// per id and source, and memberships whose synced source comes and goes on its own.
var externalCases = []tcase{
	{"users and groups are found by their source's external id", func(t *testing.T, st entitlement.Store) {
		u := newUser("Ada", "ada@example.com")
		u.Source, u.ExternalID = entitlement.SourceLDAP, "uid=ada,ou=people,dc=example,dc=com"
		local := newUser("Bo", "bo@example.com")
		g := newGroup("Engineering")
		g.Source, g.ExternalID = entitlement.SourceSCIM, "grp-1"
		update(t, st, func(tx entitlement.Tx) error {
			for _, x := range []entitlement.User{u, local} {
				if err := tx.Users().Put(x); err != nil {
					return err
				}
			}
			return tx.Groups().Put(g)
		})
		got := read(t, st, func(tx entitlement.Tx) (entitlement.User, error) {
			return tx.Users().ByExternalID(entitlement.SourceLDAP, u.ExternalID)
		})
		if got.ID != u.ID {
			t.Fatalf("ByExternalID = %q, want %q", got.ID, u.ID)
		}
		gg := read(t, st, func(tx entitlement.Tx) (entitlement.Group, error) {
			return tx.Groups().ByExternalID(entitlement.SourceSCIM, "grp-1")
		})
		if gg.ID != g.ID {
			t.Fatalf("group ByExternalID = %q, want %q", gg.ID, g.ID)
		}
		// The same id from another source is another record.
		if err := st.View(bg, func(tx entitlement.Tx) error {
			_, err := tx.Users().ByExternalID(entitlement.SourceSCIM, u.ExternalID)
			return err
		}); !errors.Is(err, entitlement.ErrNotFound) {
			t.Fatalf("other source: err = %v, want ErrNotFound", err)
		}
		// Renaming the external id moves the index entry.
		u.ExternalID = "uid=ada.l,ou=people,dc=example,dc=com"
		update(t, st, func(tx entitlement.Tx) error { return tx.Users().Put(u) })
		if err := st.View(bg, func(tx entitlement.Tx) error {
			_, err := tx.Users().ByExternalID(entitlement.SourceLDAP, "uid=ada,ou=people,dc=example,dc=com")
			return err
		}); !errors.Is(err, entitlement.ErrNotFound) {
			t.Fatalf("old external id: err = %v, want ErrNotFound", err)
		}
	}},
	{"an external id belongs to one record of a source", func(t *testing.T, st entitlement.Store) {
		a, b := newUser("Ada", "ada@example.com"), newUser("Bo", "bo@example.com")
		a.Source, a.ExternalID = entitlement.SourceSCIM, "x1"
		b.Source, b.ExternalID = entitlement.SourceSCIM, "x1"
		update(t, st, func(tx entitlement.Tx) error { return tx.Users().Put(a) })
		wantErr(t, st, entitlement.ErrConflict, "second user with the external id", func(tx entitlement.Tx) error { return tx.Users().Put(b) })
	}},
	{"sync's membership source comes and goes without touching the others", func(t *testing.T, st entitlement.Store) {
		u, g := newUser("Riley", "riley@example.com"), newGroup("Engineering")
		update(t, st, func(tx entitlement.Tx) error {
			if err := tx.Users().Put(u); err != nil {
				return err
			}
			if err := tx.Groups().Put(g); err != nil {
				return err
			}
			if err := tx.Groups().AddMember(g.ID, u.ID, entitlement.MemberGranted); err != nil {
				return err
			}
			return tx.Groups().AddMember(g.ID, u.ID, entitlement.MemberSynced)
		})
		have := read(t, st, func(tx entitlement.Tx) (entitlement.MemberSources, error) { return tx.Groups().Membership(g.ID, u.ID) })
		if have != entitlement.MemberGranted|entitlement.MemberSynced {
			t.Fatalf("sources = %b, want granted and synced", have)
		}
		var left entitlement.MemberSources
		update(t, st, func(tx entitlement.Tx) (err error) {
			left, err = tx.Groups().RemoveMember(g.ID, u.ID, entitlement.MemberSynced)
			return err
		})
		if left != entitlement.MemberGranted {
			t.Fatalf("after sync removal sources = %b, want granted", left)
		}
		if m := membershipOf(t, st, g.ID, u.ID); !m.isMember || !m.inMembers || !m.inGroupsOf {
			t.Fatalf("membership after sync removal = %+v", m)
		}
	}},
	{"BySource pages through the records a source keeps, in name order, without those it removed", func(t *testing.T, st entitlement.Store) {
		var want []string
		update(t, st, func(tx entitlement.Tx) error {
			for i, name := range []string{"Eve", "ada", "Cy", "Bo", "Dee"} {
				u := newUser(name, strings.ToLower(name)+"@example.com")
				u.Source, u.ExternalID = entitlement.SourceLDAP, fmt.Sprint("x", i)
				if err := tx.Users().Put(u); err != nil {
					return err
				}
			}
			other := newUser("Al", "al@example.com")
			other.Source, other.ExternalID = entitlement.SourceSCIM, "s1"
			gone := newUser("Aaron", "aaron@example.com")
			gone.Source, gone.ExternalID, gone.RemovedAtSource = entitlement.SourceLDAP, "x9", true
			local := newUser("Abe", "abe@example.com")
			g := newGroup("Builders")
			g.Source, g.ExternalID = entitlement.SourceLDAP, "g1"
			for _, u := range []entitlement.User{other, gone, local} {
				if err := tx.Users().Put(u); err != nil {
					return err
				}
			}
			return tx.Groups().Put(g)
		})
		want = []string{"ada", "Bo", "Cy", "Dee", "Eve"}
		type pg struct {
			names []string
			total int
		}
		page := func(offset, limit int) pg {
			return read(t, st, func(tx entitlement.Tx) (pg, error) {
				us, total, err := tx.Users().BySource(entitlement.SourceLDAP, offset, limit)
				return pg{keys(us, func(u entitlement.User) string { return u.DisplayName }), total}, err
			})
		}
		if got := page(0, 0); !slices.Equal(got.names, want) || got.total != 5 {
			t.Errorf("all = %v (%d), want %v (5)", got.names, got.total, want)
		}
		if got := page(1, 2); !slices.Equal(got.names, want[1:3]) || got.total != 5 {
			t.Errorf("page 2 of 2 = %v (%d)", got.names, got.total)
		}
		if got := page(7, 2); len(got.names) != 0 || got.total != 5 {
			t.Errorf("past the end = %v (%d)", got.names, got.total)
		}
		gs := read(t, st, func(tx entitlement.Tx) (int, error) {
			_, total, err := tx.Groups().BySource(entitlement.SourceLDAP, 0, 0)
			return total, err
		})
		if gs != 1 {
			t.Errorf("groups of the source = %d, want 1", gs)
		}
		// A rename moves the record in the order; removal at the source takes it out.
		update(t, st, func(tx entitlement.Tx) error {
			u, err := tx.Users().ByExternalID(entitlement.SourceLDAP, "x0")
			if err != nil {
				return err
			}
			u.DisplayName = "Aaa"
			if err := tx.Users().Put(u); err != nil {
				return err
			}
			b, err := tx.Users().ByExternalID(entitlement.SourceLDAP, "x3")
			if err != nil {
				return err
			}
			b.RemovedAtSource = true
			return tx.Users().Put(b)
		})
		if got := page(0, 0); !slices.Equal(got.names, []string{"Aaa", "ada", "Cy", "Dee"}) {
			t.Errorf("after a rename and a removal = %v", got.names)
		}
	}},
}
