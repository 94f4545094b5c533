package storetest

import (
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

// versioned is one kind of record that carries a Version: how to put one at a version and read
// its version back, by its id and through its list.
type versioned struct {
	what string
	put  func(tx entitlement.Tx, id string, version int64) error
	get  func(tx entitlement.Tx, id string) (int64, error)
	list func(tx entitlement.Tx, id string) (int64, error)
}

// firstOf returns the version of the record with the id among items, 0 when it is not there.
func firstOf[T any](items []T, id string, key func(T) (string, int64)) int64 {
	for _, it := range items {
		if k, v := key(it); k == id {
			return v
		}
	}
	return 0
}

var versionedRecords = []versioned{
	{"user",
		func(tx entitlement.Tx, id string, v int64) error {
			u := newUser("Ada "+id, id+"@example.com")
			u.ID, u.Version = id, v
			return tx.Users().Put(u)
		},
		func(tx entitlement.Tx, id string) (int64, error) { u, err := tx.Users().Get(id); return u.Version, err },
		func(tx entitlement.Tx, id string) (int64, error) {
			pg, err := tx.Users().List(entitlement.ListOptions{})
			return firstOf(pg.Items, id, func(u entitlement.User) (string, int64) { return u.ID, u.Version }), err
		}},
	{"group",
		func(tx entitlement.Tx, id string, v int64) error {
			g := newGroup("Team")
			g.ID, g.Version = id, v
			return tx.Groups().Put(g)
		},
		func(tx entitlement.Tx, id string) (int64, error) {
			g, err := tx.Groups().Get(id)
			return g.Version, err
		},
		func(tx entitlement.Tx, id string) (int64, error) {
			pg, err := tx.Groups().List(entitlement.ListOptions{})
			return firstOf(pg.Items, id, func(g entitlement.Group) (string, int64) { return g.ID, g.Version }), err
		}},
	{"catalog",
		func(tx entitlement.Tx, id string, v int64) error {
			c := newCatalog("Finance")
			c.ID, c.Version = id, v
			return tx.Catalogs().Put(c)
		},
		func(tx entitlement.Tx, id string) (int64, error) {
			c, err := tx.Catalogs().Get(id)
			return c.Version, err
		},
		func(tx entitlement.Tx, id string) (int64, error) {
			pg, err := tx.Catalogs().List(entitlement.ListOptions{})
			return firstOf(pg.Items, id, func(c entitlement.Catalog) (string, int64) { return c.ID, c.Version }), err
		}},
	{"access package",
		func(tx entitlement.Tx, id string, v int64) error {
			p := newPackage(oneCatalog, "Reports")
			p.ID, p.Version = id, v
			return tx.AccessPackages().Put(p)
		},
		func(tx entitlement.Tx, id string) (int64, error) {
			p, err := tx.AccessPackages().Get(id)
			return p.Version, err
		},
		func(tx entitlement.Tx, id string) (int64, error) {
			pg, err := tx.AccessPackages().ByCatalog(oneCatalog, entitlement.ListOptions{})
			return firstOf(pg.Items, id, func(p entitlement.AccessPackage) (string, int64) { return p.ID, p.Version }), err
		}},
	{"policy",
		func(tx entitlement.Tx, id string, v int64) error {
			p := newPolicy(onePackage, entitlement.ScopeNoSubjects)
			p.ID, p.Version = id, v
			return tx.Policies().Put(p)
		},
		func(tx entitlement.Tx, id string) (int64, error) {
			p, err := tx.Policies().Get(id)
			return p.Version, err
		},
		func(tx entitlement.Tx, id string) (int64, error) {
			ps, err := tx.Policies().ByPackage(onePackage)
			return firstOf(ps, id, func(p entitlement.AssignmentPolicy) (string, int64) { return p.ID, p.Version }), err
		}},
	{"connected organization",
		func(tx entitlement.Tx, id string, v int64) error {
			o := newOrg("Partner " + id)
			o.ID, o.Version = id, v
			return tx.ConnectedOrganizations().Put(o)
		},
		func(tx entitlement.Tx, id string) (int64, error) {
			o, err := tx.ConnectedOrganizations().Get(id)
			return o.Version, err
		},
		func(tx entitlement.Tx, id string) (int64, error) {
			pg, err := tx.ConnectedOrganizations().List(entitlement.ListOptions{})
			return firstOf(pg.Items, id, func(o entitlement.ConnectedOrganization) (string, int64) { return o.ID, o.Version }), err
		}},
}

// onePackage is the package the policies of the version cases belong to.
const onePackage = "0190a000-0000-7000-8000-00000000beef"

// versionCases check that a store keeps the Version the Service gives a record, and reads a
// record stored without one (written before versions existed) as version 1: the Service compares
// the version a form or an If-Match carries with it, so a store that lost or changed it would
// refuse good writes or let stale ones through.
var versionCases = []tcase{
	{"a record keeps its version, by id and in its list", func(t *testing.T, st entitlement.Store) {
		for _, r := range versionedRecords {
			id := entitlement.NewID()
			for _, v := range []int64{1, 7, 8} {
				update(t, st, func(tx entitlement.Tx) error { return r.put(tx, id, v) })
				if got := read(t, st, func(tx entitlement.Tx) (int64, error) { return r.get(tx, id) }); got != v {
					t.Errorf("%s put at version %d: Get says %d", r.what, v, got)
				}
				if got := read(t, st, func(tx entitlement.Tx) (int64, error) { return r.list(tx, id) }); got != v {
					t.Errorf("%s put at version %d: its list says %d", r.what, v, got)
				}
			}
		}
	}},
	{"a record without a version reads as version 1", func(t *testing.T, st entitlement.Store) {
		for _, r := range versionedRecords {
			id := entitlement.NewID()
			update(t, st, func(tx entitlement.Tx) error { return r.put(tx, id, 0) })
			if got := read(t, st, func(tx entitlement.Tx) (int64, error) { return r.get(tx, id) }); got != 1 {
				t.Errorf("%s put without a version: Get says %d, want 1", r.what, got)
			}
			if got := read(t, st, func(tx entitlement.Tx) (int64, error) { return r.list(tx, id) }); got != 1 {
				t.Errorf("%s put without a version: its list says %d, want 1", r.what, got)
			}
		}
	}},
	{"the settings keep their version; new or unversioned settings are version 1", func(t *testing.T, st entitlement.Store) {
		settingsVersion := func(tx entitlement.Tx) (int64, error) { s, err := tx.Settings(); return s.Version, err }
		if got := read(t, st, settingsVersion); got != 1 {
			t.Errorf("new store: settings version %d, want 1", got)
		}
		for _, v := range []int64{5, 0} {
			s := entitlement.DefaultSettings()
			s.Version = v
			update(t, st, func(tx entitlement.Tx) error { return tx.PutSettings(s) })
			if got, want := read(t, st, settingsVersion), max(v, 1); got != want {
				t.Errorf("settings put at version %d: read %d, want %d", v, got, want)
			}
		}
	}},
}
