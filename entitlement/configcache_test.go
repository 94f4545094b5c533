package entitlement_test

import (
	"testing"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

// What a person may request is read through a cache of the configuration: a change made after
// the cache was filled shows at once, whether a package is renamed or hidden, or a policy stops
// taking requests, and whether the change comes through the service or straight to the store.
func TestRequestableFollowsConfigurationChanges(t *testing.T) {
	env := entitlementtest.New(t)
	ada := env.User("Ada")
	cat := env.Catalog("Cat")
	app := env.AppResource(cat, "Ledger", "User")
	pkg := env.PackageWith(cat, "Laptops", func(p *entitlement.AccessPackage) { p.IsRoleScopesVisible = true }, entitlementtest.Role(app, "User"))
	pol := env.Policy(pkg)
	names := func() []string {
		t.Helper()
		p, err := env.Svc.RequestablePackages(entitlementtest.As(ada), entitlement.RequestableFilter{}, entitlement.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, rp := range p.Items {
			out = append(out, rp.Package.DisplayName)
			for _, r := range rp.Roles {
				out = append(out, r.ResourceName)
			}
		}
		return out
	}
	if got := names(); len(got) != 2 || got[0] != "Laptops" || got[1] != "Ledger" {
		t.Fatalf("requestable = %v, want Laptops granting Ledger", got)
	}
	if _, err := env.Svc.UpdateAccessPackage(entitlementtest.RootAdmin, pkg.ID, entitlement.AccessPackageInput{DisplayName: "Laptops and phones", IsRoleScopesVisible: true}); err != nil {
		t.Fatal(err)
	}
	app.DisplayName = "General ledger"
	env.Update(func(tx entitlement.Tx) error { return tx.Resources().Put(app) })
	if got := names(); len(got) != 2 || got[0] != "Laptops and phones" || got[1] != "General ledger" {
		t.Fatalf("after renames: requestable = %v", got)
	}
	pol.RequestorSettings.AcceptRequests = false
	env.Update(func(tx entitlement.Tx) error { return tx.Policies().Put(pol) })
	if got := names(); len(got) != 0 {
		t.Fatalf("after the policy stopped taking requests: requestable = %v, want nothing", got)
	}
	pol.RequestorSettings.AcceptRequests = true
	env.Update(func(tx entitlement.Tx) error { return tx.Policies().Put(pol) })
	other := env.Package(cat, "Monitors")
	env.Policy(other)
	if got := names(); len(got) != 3 {
		t.Fatalf("after a new package: requestable = %v, want two packages and a role", got)
	}
	cat.CatalogStatus = entitlement.CatalogStatusUnpublished
	env.Update(func(tx entitlement.Tx) error { return tx.Catalogs().Put(cat) })
	if got := names(); len(got) != 0 {
		t.Fatalf("after the catalog was unpublished: requestable = %v, want nothing", got)
	}
}
