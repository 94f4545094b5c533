package storetest

import (
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

func newPackage(catalogID, name string, resourceIDs ...string) entitlement.AccessPackage {
	p := entitlement.AccessPackage{ID: entitlement.NewID(), CatalogID: catalogID, DisplayName: name, CreatedDateTime: t0}
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

func newPolicy(packageID, scope string, requestors ...string) entitlement.AssignmentPolicy {
	p := entitlement.AssignmentPolicy{ID: entitlement.NewID(), AccessPackageID: packageID, DisplayName: "Policy", DurationInDays: 30,
		RequestorSettings: entitlement.RequestorSettings{ScopeType: scope, AcceptRequests: true}, CreatedDateTime: t0}
	for _, id := range requestors {
		p.RequestorSettings.AllowedRequestors = append(p.RequestorSettings.AllowedRequestors, entitlement.UserSet{Type: entitlement.UserSetSingleUser, ID: id})
	}
	return p
}

var policyCases = []tcase{
	missing(lookup{"Get", func(tx entitlement.Tx) error { _, err := tx.Policies().Get(entitlement.NewID()); return err }}),
	// Eligibility ("what may I request") is these lookups, so a stale entry offers a package to
	// someone a policy no longer names.
	{"ByPackage, IDsByRequestor and IDsByScopeType follow the policy", func(t *testing.T, st entitlement.Store) {
		pkgA, pkgB, ada, bob := entitlement.NewID(), entitlement.NewID(), entitlement.NewID(), entitlement.NewID()
		p := newPolicy(pkgA, entitlement.ScopeSpecificDirectorySubjects, ada, bob, ada)
		other := newPolicy(pkgA, entitlement.ScopeAllExistingDirectoryMembers)
		byPackage := func(id string) func(tx entitlement.Tx) ([]string, error) {
			return func(tx entitlement.Tx) ([]string, error) {
				ps, err := tx.Policies().ByPackage(id)
				return keys(ps, func(p entitlement.AssignmentPolicy) string { return p.ID }), err
			}
		}
		followIndexes(t, st, map[string]func(tx entitlement.Tx) ([]string, error){
			"package A": byPackage(pkgA),
			"package B": byPackage(pkgB),
			"ada":       func(tx entitlement.Tx) ([]string, error) { return tx.Policies().IDsByRequestor(ada) },
			"bob":       func(tx entitlement.Tx) ([]string, error) { return tx.Policies().IDsByRequestor(bob) },
			"specific": func(tx entitlement.Tx) ([]string, error) {
				return tx.Policies().IDsByScopeType(entitlement.ScopeSpecificDirectorySubjects)
			},
			"all members": func(tx entitlement.Tx) ([]string, error) {
				return tx.Policies().IDsByScopeType(entitlement.ScopeAllExistingDirectoryMembers)
			},
		}, []indexStep{
			{"put", func(tx entitlement.Tx) error {
				if err := tx.Policies().Put(p); err != nil {
					return err
				}
				return tx.Policies().Put(other)
			}, map[string][]string{"package A": {p.ID, other.ID}, "ada": {p.ID}, "bob": {p.ID}, "specific": {p.ID}, "all members": {other.ID}}},
			{"moved, Ada dropped, scope changed", func(tx entitlement.Tx) error {
				q := newPolicy(pkgB, entitlement.ScopeAllExistingDirectoryMembers, bob)
				q.ID = p.ID
				return tx.Policies().Put(q)
			}, map[string][]string{"package A": {other.ID}, "package B": {p.ID}, "bob": {p.ID}, "all members": {p.ID, other.ID}}},
			{"deleted", func(tx entitlement.Tx) error { return tx.Policies().Delete(p.ID) },
				map[string][]string{"package A": {other.ID}, "all members": {other.ID}}},
		})
	}},
}
