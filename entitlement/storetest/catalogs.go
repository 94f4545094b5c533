package storetest

import (
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stewardhq/steward/entitlement"
)

func newCatalog(name string, roles ...entitlement.CatalogRoleMember) entitlement.Catalog {
	return entitlement.Catalog{ID: entitlement.NewID(), DisplayName: name, CatalogType: entitlement.CatalogTypeUserManaged,
		CatalogStatus: entitlement.CatalogStatusPublished, Roles: roles, CreatedDateTime: t0, Version: 1}
}

var sortRoles = cmp.Transformer("sort", func(in []entitlement.CatalogRole) []entitlement.CatalogRole {
	return slices.Sorted(slices.Values(in))
})

var catalogCases = []tcase{
	missing(lookup{"Get", func(tx entitlement.Tx) error { _, err := tx.Catalogs().Get(entitlement.NewID()); return err }}),
	// Every service call loads its caller's roles through RolesByPrincipal, so a stale entry
	// would be a permission kept after it was taken away.
	{"roles by principal follow the catalogs through their life", func(t *testing.T, st entitlement.Store) {
		ada, grp := entitlement.NewID(), entitlement.NewID()
		role := func(r entitlement.CatalogRole, id, typ string) entitlement.CatalogRoleMember {
			return entitlement.CatalogRoleMember{Role: r, PrincipalID: id, PrincipalType: typ}
		}
		c1 := newCatalog("One", role(entitlement.RoleCatalogOwner, ada, entitlement.PrincipalUser),
			role(entitlement.RoleCatalogReader, ada, entitlement.PrincipalUser), role(entitlement.RoleAssignmentManager, grp, entitlement.PrincipalGroup))
		c2 := newCatalog("Two", role(entitlement.RoleAccessPackageManager, ada, entitlement.PrincipalUser))
		type roles = map[string][]entitlement.CatalogRole
		for _, step := range []struct {
			name           string
			change         func(tx entitlement.Tx) error
			adaWant, group roles
		}{
			{"created", func(tx entitlement.Tx) error {
				if err := tx.Catalogs().Put(c1); err != nil {
					return err
				}
				return tx.Catalogs().Put(c2)
			}, roles{c1.ID: {entitlement.RoleCatalogOwner, entitlement.RoleCatalogReader}, c2.ID: {entitlement.RoleAccessPackageManager}},
				roles{c1.ID: {entitlement.RoleAssignmentManager}}},
			{"owner and group taken away", func(tx entitlement.Tx) error {
				c := c1
				c.Roles = []entitlement.CatalogRoleMember{role(entitlement.RoleCatalogReader, ada, entitlement.PrincipalUser)}
				return tx.Catalogs().Put(c)
			}, roles{c1.ID: {entitlement.RoleCatalogReader}, c2.ID: {entitlement.RoleAccessPackageManager}}, roles{}},
			{"catalog deleted", func(tx entitlement.Tx) error { return tx.Catalogs().Delete(c2.ID) },
				roles{c1.ID: {entitlement.RoleCatalogReader}}, roles{}},
		} {
			update(t, st, step.change)
			for _, p := range []struct {
				id   string
				want roles
			}{{ada, step.adaWant}, {grp, step.group}, {entitlement.NewID(), roles{}}} {
				got := read(t, st, func(tx entitlement.Tx) (roles, error) { return tx.Catalogs().RolesByPrincipal(p.id) })
				if diff := cmp.Diff(p.want, got, sortRoles); diff != "" {
					t.Errorf("%s: roles of %s (-want +got):\n%s", step.name, p.id, diff)
				}
				ids := read(t, st, func(tx entitlement.Tx) ([]string, error) { return tx.Catalogs().IDsByPrincipal(p.id) })
				if want := slices.Collect(maps.Keys(p.want)); !sameSet(ids, want) {
					t.Errorf("%s: IDsByPrincipal(%s) = %v, want %v", step.name, p.id, ids, want)
				}
			}
		}
	}},
	nameOrdered(func(tx entitlement.Tx, name string) error { return tx.Catalogs().Put(newCatalog(name)) },
		func(tx entitlement.Tx, o entitlement.ListOptions) (entitlement.Page[entitlement.Catalog], error) {
			return tx.Catalogs().List(o)
		},
		func(c entitlement.Catalog) string { return c.DisplayName }),
	// The admin catalog list pages by ListIDs and takes the catalogs from a cache, so its pages,
	// cursors and totals must be List's.
	{"list ids pages as List does", func(t *testing.T, st entitlement.Store) {
		const n = 11
		update(t, st, func(tx entitlement.Tx) error {
			for i := range n {
				if err := tx.Catalogs().Put(newCatalog(fmt.Sprintf("Catalog %02d", (i*7)%n))); err != nil {
					return err
				}
			}
			return nil
		})
		for _, o := range []entitlement.ListOptions{{Limit: 4}, {Limit: 4, Desc: true}, {Limit: 4, Search: "cata"}, {Limit: 50}, {Search: "nothing"}} {
			for step := 0; ; step++ {
				pg := read(t, st, func(tx entitlement.Tx) (entitlement.Page[entitlement.Catalog], error) { return tx.Catalogs().List(o) })
				ids := read(t, st, func(tx entitlement.Tx) (entitlement.Page[string], error) { return tx.Catalogs().ListIDs(o) })
				want := entitlement.Page[string]{Next: pg.Next, Prev: pg.Prev, Total: pg.Total}
				for _, c := range pg.Items {
					want.Items = append(want.Items, c.ID)
				}
				if diff := cmp.Diff(want, ids, cmpopts.EquateEmpty()); diff != "" {
					t.Fatalf("%+v, page %d (-List +ListIDs):\n%s", o, step, diff)
				}
				if pg.Next == "" {
					break
				}
				o.After = pg.Next
			}
		}
	}},
}
