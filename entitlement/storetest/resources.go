package storetest

import (
	"slices"
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

func newResource(catalogID, name, originID string) entitlement.Resource {
	return entitlement.Resource{ID: entitlement.NewID(), CatalogID: catalogID, DisplayName: name, ResourceType: "Security Group",
		OriginSystem: entitlement.OriginGroup, OriginID: originID, AddedOn: t0,
		Roles: []entitlement.ResourceRole{{ID: entitlement.NewID(), DisplayName: "Member", OriginID: "Member_" + originID, OriginSystem: entitlement.OriginGroup}}}
}

var resourceCases = []tcase{
	{"CountByCatalog counts a catalog's resources as they come and go", func(t *testing.T, st entitlement.Store) {
		cat, other := entitlement.NewID(), entitlement.NewID()
		a, b, c := newResource(cat, "A", "a"), newResource(cat, "B", "b"), newResource(other, "C", "c")
		update(t, st, func(tx entitlement.Tx) error {
			for _, r := range []entitlement.Resource{a, b, c} {
				if err := tx.Resources().Put(r); err != nil {
					return err
				}
			}
			return nil
		})
		count := func() int {
			return read(t, st, func(tx entitlement.Tx) (int, error) { return tx.Resources().CountByCatalog(cat) })
		}
		if n := count(); n != 2 {
			t.Errorf("CountByCatalog = %d, want 2", n)
		}
		update(t, st, func(tx entitlement.Tx) error { return tx.Resources().Delete(a.ID) })
		if n := count(); n != 1 {
			t.Errorf("after a removal: CountByCatalog = %d, want 1", n)
		}
	}},
	missing(
		lookup{"Get", func(tx entitlement.Tx) error { _, err := tx.Resources().Get(entitlement.NewID()); return err }},
		lookup{"ByOrigin", func(tx entitlement.Tx) error {
			_, err := tx.Resources().ByOrigin(entitlement.NewID(), entitlement.OriginGroup, "g1")
			return err
		}},
	),
	// A group or application is onboarded once per catalog, and the domain finds every catalog
	// that holds it before the group is deleted.
	{"an origin object is unique in a catalog and found across catalogs", func(t *testing.T, st entitlement.Store) {
		c1, c2 := entitlement.NewID(), entitlement.NewID()
		r1, r2 := newResource(c1, "Ops", "g1"), newResource(c2, "Ops", "g1")
		update(t, st, func(tx entitlement.Tx) error {
			if err := tx.Resources().Put(r1); err != nil {
				return err
			}
			return tx.Resources().Put(r2)
		})
		wantErr(t, st, entitlement.ErrConflict, "the same group twice in a catalog", func(tx entitlement.Tx) error {
			return tx.Resources().Put(newResource(c1, "Ops again", "g1"))
		})
		got := read(t, st, func(tx entitlement.Tx) (entitlement.Resource, error) {
			return tx.Resources().ByOrigin(c2, entitlement.OriginGroup, "g1")
		})
		if got.ID != r2.ID {
			t.Errorf("ByOrigin = %s, want %s", got.ID, r2.ID)
		}
		ids := read(t, st, func(tx entitlement.Tx) ([]string, error) {
			return tx.Resources().IDsByOrigin(entitlement.OriginGroup, "g1")
		})
		if !sameSet(ids, []string{r1.ID, r2.ID}) {
			t.Errorf("IDsByOrigin = %v, want both", ids)
		}
		update(t, st, func(tx entitlement.Tx) error { return tx.Resources().Delete(r1.ID) })
		ids = read(t, st, func(tx entitlement.Tx) ([]string, error) {
			return tx.Resources().IDsByOrigin(entitlement.OriginGroup, "g1")
		})
		if !slices.Equal(ids, []string{r2.ID}) {
			t.Errorf("IDsByOrigin after delete = %v, want %s", ids, r2.ID)
		}
		// The deleted resource's place in its catalog is free again.
		update(t, st, func(tx entitlement.Tx) error { return tx.Resources().Put(newResource(c1, "Ops", "g1")) })
	}},
	nameOrdered(func(tx entitlement.Tx, name string) error {
		if err := tx.Resources().Put(newResource(entitlement.NewID(), name, entitlement.NewID())); err != nil {
			return err
		}
		return tx.Resources().Put(newResource(oneCatalog, name, entitlement.NewID()))
	}, func(tx entitlement.Tx, o entitlement.ListOptions) (entitlement.Page[entitlement.Resource], error) {
		return tx.Resources().ByCatalog(oneCatalog, o)
	}, func(r entitlement.Resource) string { return r.DisplayName }),
}

// oneCatalog is the catalog whose lists the by-catalog cases walk; each puts a twin of every
// record in another catalog, which must not show.
var oneCatalog = entitlement.NewID()
