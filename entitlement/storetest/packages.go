package storetest

import (
	"slices"
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

func newPackage(catalogID, name string, resourceIDs ...string) entitlement.AccessPackage {
	p := entitlement.AccessPackage{ID: entitlement.NewID(), CatalogID: catalogID, DisplayName: name, CreatedDateTime: t0, Version: 1}
	for _, r := range resourceIDs {
		p.RoleScopes = append(p.RoleScopes, entitlement.RoleScope{ID: entitlement.NewID(), ResourceID: r, RoleID: entitlement.NewID(), ScopeID: entitlement.NewID()})
	}
	return p
}

func packageName(p entitlement.AccessPackage) string { return p.DisplayName }

var packageCases = []tcase{
	{"CountByCatalog counts a catalog's packages as they come and go", func(t *testing.T, st entitlement.Store) {
		cat, other := entitlement.NewID(), entitlement.NewID()
		a, b, c := newPackage(cat, "A"), newPackage(cat, "B"), newPackage(other, "C")
		update(t, st, func(tx entitlement.Tx) error {
			for _, p := range []entitlement.AccessPackage{a, b, c} {
				if err := tx.AccessPackages().Put(p); err != nil {
					return err
				}
			}
			return nil
		})
		count := func() int {
			return read(t, st, func(tx entitlement.Tx) (int, error) { return tx.AccessPackages().CountByCatalog(cat) })
		}
		if n := count(); n != 2 {
			t.Errorf("CountByCatalog = %d, want 2", n)
		}
		update(t, st, func(tx entitlement.Tx) error { return tx.AccessPackages().Delete(a.ID) })
		if n := count(); n != 1 {
			t.Errorf("after a deletion: CountByCatalog = %d, want 1", n)
		}
	}},
	missing(lookup{"Get", func(tx entitlement.Tx) error { _, err := tx.AccessPackages().Get(entitlement.NewID()); return err }}),
	// The domain refuses to remove a resource that a package still uses by this index.
	{"IDsByResource follows the role scopes", func(t *testing.T, st entitlement.Store) {
		r1, r2 := entitlement.NewID(), entitlement.NewID()
		p := newPackage(oneCatalog, "Tools", r1, r1, r2)
		followIndexes(t, st, map[string]func(tx entitlement.Tx) ([]string, error){
			"r1": func(tx entitlement.Tx) ([]string, error) { return tx.AccessPackages().IDsByResource(r1) },
			"r2": func(tx entitlement.Tx) ([]string, error) { return tx.AccessPackages().IDsByResource(r2) },
		}, []indexStep{
			{"put", func(tx entitlement.Tx) error { return tx.AccessPackages().Put(p) }, map[string][]string{"r1": {p.ID}, "r2": {p.ID}}},
			{"r1 taken out", func(tx entitlement.Tx) error {
				q := p
				q.RoleScopes = p.RoleScopes[2:]
				return tx.AccessPackages().Put(q)
			}, map[string][]string{"r2": {p.ID}}},
			{"deleted", func(tx entitlement.Tx) error { return tx.AccessPackages().Delete(p.ID) }, nil},
		})
	}},
	// A picker of packages names the first ones by name without reading every package.
	{"FirstIDsByName lists the first ids in name order, up to the limit", func(t *testing.T, st entitlement.Store) {
		var ps []entitlement.AccessPackage
		for _, name := range []string{"delta", "Alpha", "charlie", "Bravo", "echo"} {
			ps = append(ps, newPackage(entitlement.NewID(), name))
		}
		update(t, st, func(tx entitlement.Tx) error {
			for _, p := range ps {
				if err := tx.AccessPackages().Put(p); err != nil {
					return err
				}
			}
			return nil
		})
		byName := []string{ps[1].ID, ps[3].ID, ps[2].ID, ps[0].ID, ps[4].ID}
		for _, limit := range []int{0, 3, 5, 10} {
			got := read(t, st, func(tx entitlement.Tx) ([]string, error) { return tx.AccessPackages().FirstIDsByName(limit) })
			want := byName[:min(limit, len(byName))]
			if !slices.Equal(got, want) {
				t.Errorf("FirstIDsByName(%d) = %v, want %v", limit, got, want)
			}
			listed := read(t, st, func(tx entitlement.Tx) (entitlement.Page[entitlement.AccessPackage], error) {
				return tx.AccessPackages().List(entitlement.ListOptions{Limit: max(limit, 1)})
			})
			if limit > 0 && !slices.Equal(got, keys(listed.Items, func(p entitlement.AccessPackage) string { return p.ID })) {
				t.Errorf("FirstIDsByName(%d) = %v, but List's first page is in another order", limit, got)
			}
		}
		// Renamed, a package moves to its new place.
		ps[4].DisplayName = "aardvark"
		update(t, st, func(tx entitlement.Tx) error { return tx.AccessPackages().Put(ps[4]) })
		got := read(t, st, func(tx entitlement.Tx) ([]string, error) { return tx.AccessPackages().FirstIDsByName(2) })
		if want := []string{ps[4].ID, ps[1].ID}; !slices.Equal(got, want) {
			t.Errorf("after a rename: FirstIDsByName(2) = %v, want %v", got, want)
		}
	}},
	nameOrdered(func(tx entitlement.Tx, name string) error {
		return tx.AccessPackages().Put(newPackage(entitlement.NewID(), name))
	}, func(tx entitlement.Tx, o entitlement.ListOptions) (entitlement.Page[entitlement.AccessPackage], error) {
		return tx.AccessPackages().List(o)
	}, packageName),
	// ByCatalog in name order, as a second case so that its name says which list failed.
	byCatalog(nameOrdered(func(tx entitlement.Tx, name string) error {
		if err := tx.AccessPackages().Put(newPackage(entitlement.NewID(), name)); err != nil {
			return err
		}
		return tx.AccessPackages().Put(newPackage(oneCatalog, name))
	}, func(tx entitlement.Tx, o entitlement.ListOptions) (entitlement.Page[entitlement.AccessPackage], error) {
		return tx.AccessPackages().ByCatalog(oneCatalog, o)
	}, packageName)),
}

func byCatalog(c tcase) tcase {
	c.name = "ByCatalog " + c.name
	return c
}
