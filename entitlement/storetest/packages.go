package storetest

import (
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
