package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

func newGroup(name string) entitlement.Group {
	return entitlement.Group{ID: entitlement.NewID(), DisplayName: name, CreatedDateTime: t0, Version: 1}
}

// membership is what the store says about one group and one user, read both ways.
type membership struct {
	isMember   bool
	inMembers  bool // the user is among the group's MemberIDs
	inGroupsOf bool // the group is among the user's GroupIDsOf
}

func membershipOf(t *testing.T, st entitlement.Store, groupID, userID string) membership {
	t.Helper()
	return read(t, st, func(tx entitlement.Tx) (membership, error) {
		var m membership
		var err error
		if m.isMember, err = tx.Groups().IsMember(groupID, userID); err != nil {
			return m, err
		}
		p, err := tx.Groups().MemberIDs(groupID, entitlement.ListOptions{Limit: entitlement.MaxPageSize})
		if err != nil {
			return m, err
		}
		ids, err := tx.Groups().GroupIDsOf(userID)
		m.inMembers, m.inGroupsOf = slices.Contains(p.Items, userID), slices.Contains(ids, groupID)
		return m, err
	})
}

var groupCases = []tcase{
	{"a membership lasts while any of its sources remains", func(t *testing.T, st entitlement.Store) {
		u, g := newUser("Riley", "riley@example.com"), newGroup("Engineering")
		update(t, st, func(tx entitlement.Tx) error {
			if err := tx.Users().Put(u); err != nil {
				return err
			}
			return tx.Groups().Put(g)
		})
		direct, granted := entitlement.MemberDirect, entitlement.MemberGranted
		add := func(src entitlement.MemberSources) func(tx entitlement.Tx) (entitlement.MemberSources, error) {
			return func(tx entitlement.Tx) (entitlement.MemberSources, error) {
				if err := tx.Groups().AddMember(g.ID, u.ID, src); err != nil {
					return 0, err
				}
				return tx.Groups().Membership(g.ID, u.ID)
			}
		}
		remove := func(src entitlement.MemberSources) func(tx entitlement.Tx) (entitlement.MemberSources, error) {
			return func(tx entitlement.Tx) (entitlement.MemberSources, error) {
				return tx.Groups().RemoveMember(g.ID, u.ID, src)
			}
		}
		in, out := membership{true, true, true}, membership{}
		for _, step := range []struct {
			name   string
			change func(tx entitlement.Tx) (entitlement.MemberSources, error)
			left   entitlement.MemberSources // what the change returns: the sources now
			member membership
		}{
			{"added directly", add(direct), direct, in},
			{"granted too", add(granted), direct | granted, in},
			{"direct removed", remove(direct), granted, in},
			{"direct removed again", remove(direct), granted, in},
			{"grant removed", remove(granted), 0, out},
			{"removed when not a member", remove(granted), 0, out},
		} {
			var left entitlement.MemberSources
			update(t, st, func(tx entitlement.Tx) error {
				var err error
				left, err = step.change(tx)
				return err
			})
			stored := read(t, st, func(tx entitlement.Tx) (entitlement.MemberSources, error) { return tx.Groups().Membership(g.ID, u.ID) })
			if left != step.left || stored != step.left {
				t.Errorf("%s: returned %b, stored %b; want %b", step.name, left, stored, step.left)
			}
			if got := membershipOf(t, st, g.ID, u.ID); got != step.member {
				t.Errorf("%s: membership %+v, want %+v", step.name, got, step.member)
			}
		}
	}},
	missing(lookup{"Get", func(tx entitlement.Tx) error { _, err := tx.Groups().Get(entitlement.NewID()); return err }}),
	{"members are kept both ways", func(t *testing.T, st entitlement.Store) {
		u := newUser("Ada", "ada@example.com")
		g, other := newGroup("Ops"), newGroup("Dev")
		update(t, st, func(tx entitlement.Tx) error {
			for _, put := range []error{tx.Users().Put(u), tx.Groups().Put(g), tx.Groups().Put(other)} {
				if put != nil {
					return put
				}
			}
			return tx.Groups().AddMember(g.ID, u.ID, entitlement.MemberDirect)
		})
		in, out := membership{true, true, true}, membership{}
		for _, step := range []struct {
			name       string
			change     func(tx entitlement.Tx) error
			inG, inOth membership
		}{
			{"added", nil, in, out},
			{"added twice", func(tx entitlement.Tx) error { return tx.Groups().AddMember(g.ID, u.ID, entitlement.MemberDirect) }, in, out},
			{"added to another", func(tx entitlement.Tx) error { return tx.Groups().AddMember(other.ID, u.ID, entitlement.MemberDirect) }, in, in},
			{"removed", func(tx entitlement.Tx) error {
				_, err := tx.Groups().RemoveMember(g.ID, u.ID, entitlement.MemberDirect)
				return err
			}, out, in},
			{"other group deleted", func(tx entitlement.Tx) error { return tx.Groups().Delete(other.ID) }, out, out},
		} {
			if step.change != nil {
				update(t, st, step.change)
			}
			if got := membershipOf(t, st, g.ID, u.ID); got != step.inG {
				t.Errorf("%s: in %s = %+v, want %+v", step.name, g.DisplayName, got, step.inG)
			}
			if got := membershipOf(t, st, other.ID, u.ID); got != step.inOth {
				t.Errorf("%s: in %s = %+v, want %+v", step.name, other.DisplayName, got, step.inOth)
			}
		}
	}},
	{"AddMember of a missing group or user wraps ErrNotFound", func(t *testing.T, st entitlement.Store) {
		u, g := newUser("Ada", "ada@example.com"), newGroup("Ops")
		update(t, st, func(tx entitlement.Tx) error {
			if err := tx.Users().Put(u); err != nil {
				return err
			}
			return tx.Groups().Put(g)
		})
		wantErr(t, st, entitlement.ErrNotFound, "missing group", func(tx entitlement.Tx) error {
			return tx.Groups().AddMember(entitlement.NewID(), u.ID, entitlement.MemberDirect)
		})
		wantErr(t, st, entitlement.ErrNotFound, "missing user", func(tx entitlement.Tx) error {
			return tx.Groups().AddMember(g.ID, entitlement.NewID(), entitlement.MemberDirect)
		})
	}},
	{"ByName finds every group of a name in any case", func(t *testing.T, st entitlement.Store) {
		a, b, c := newGroup("Finance"), newGroup("finance"), newGroup("Finance Team")
		update(t, st, func(tx entitlement.Tx) error {
			for _, g := range []entitlement.Group{a, b, c} {
				if err := tx.Groups().Put(g); err != nil {
					return err
				}
			}
			return nil
		})
		got := read(t, st, func(tx entitlement.Tx) ([]entitlement.Group, error) { return tx.Groups().ByName("FINANCE") })
		if ids := keys(got, func(g entitlement.Group) string { return g.ID }); !sameSet(ids, []string{a.ID, b.ID}) {
			t.Errorf("ByName = %v, want the two called Finance", got)
		}
	}},
	{"MemberIDs pages both ways", func(t *testing.T, st entitlement.Store) {
		const n = 65
		g := newGroup("Everyone")
		update(t, st, func(tx entitlement.Tx) error {
			if err := tx.Groups().Put(g); err != nil {
				return err
			}
			for i := range n {
				u := newUser(fmt.Sprintf("Person %02d", i), fmt.Sprintf("p%d@example.com", i))
				if err := tx.Users().Put(u); err != nil {
					return err
				}
				if err := tx.Groups().AddMember(g.ID, u.ID, entitlement.MemberDirect); err != nil {
					return err
				}
			}
			return nil
		})
		read(t, st, func(tx entitlement.Tx) ([]string, error) {
			return Walk(t, func(o entitlement.ListOptions) (entitlement.Page[string], error) {
				return tx.Groups().MemberIDs(g.ID, o)
			}, func(id string) string { return id }, 10, n), nil
		})
	}},
	nameOrdered(func(tx entitlement.Tx, name string) error { return tx.Groups().Put(newGroup(name)) },
		func(tx entitlement.Tx, o entitlement.ListOptions) (entitlement.Page[entitlement.Group], error) {
			return tx.Groups().List(o)
		},
		func(g entitlement.Group) string { return g.DisplayName }),
}

// sameSet reports whether a and b hold the same strings, in any order.
func sameSet(a, b []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}
