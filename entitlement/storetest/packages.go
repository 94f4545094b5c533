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
