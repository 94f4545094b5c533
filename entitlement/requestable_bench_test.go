package entitlement_test

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

// BenchmarkRequestablePage measures what the find-access page reads for a member of five groups:
// its first page of 25 packages, browsing and searching for a word every package name holds,
// and its catalog filter (at most 12 catalogs and their count), in a tenant shaped like bench
// gen's (a catalog per 25 packages, a group per 2.5 packages, one and a half policies per
// package: most open to all members or everyone, some naming a group) at two sizes. The configuration cache is warm, as
// it is between configuration changes. The cost of a page should not grow with the tenant;
// cpu-ns/op, the process's CPU time per op, is steadier than ns/op on a busy machine.
func BenchmarkRequestablePage(b *testing.B) {
	for _, packages := range []int{500, 5000} {
		f := entitlementtest.New(b)
		rnd := rand.New(rand.NewSource(1))
		ada := f.User("Ada Requester")
		groups := make([]entitlement.Group, packages*2/5)
		err := f.Store.Update(bg, func(tx entitlement.Tx) error {
			for i := 5; i < len(groups); i++ {
				groups[i] = entitlement.Group{ID: entitlement.NewID(), DisplayName: fmt.Sprintf("Group %04d", i)}
				if err := tx.Groups().Put(groups[i]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		for i := range 5 {
			groups[i] = f.Group(fmt.Sprintf("Ada's group %d", i), ada)
		}
		catalogs := make([]entitlement.Catalog, packages/25)
		pkgs := make([]entitlement.AccessPackage, packages)
		err = f.Store.Update(bg, func(tx entitlement.Tx) error {
			for i := range catalogs {
				catalogs[i] = entitlement.Catalog{ID: entitlement.NewID(), DisplayName: fmt.Sprintf("Catalog %03d", i), CatalogType: entitlement.CatalogTypeUserManaged,
					CatalogStatus: entitlement.CatalogStatusPublished, IsExternallyVisible: i%2 == 0}
				if err := tx.Catalogs().Put(catalogs[i]); err != nil {
					return err
				}
			}
			for i := range pkgs {
				pkgs[i] = entitlement.AccessPackage{ID: entitlement.NewID(), CatalogID: catalogs[i%len(catalogs)].ID,
					DisplayName: fmt.Sprintf("Access package %05d", rnd.Intn(100_000)), Description: "Generated for the benchmark."}
				if err := tx.AccessPackages().Put(pkgs[i]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		for done := 0; done < packages*3/2; done += 1000 {
			err := f.Store.Update(bg, func(tx entitlement.Tx) error {
				for i := done; i < min(done+1000, packages*3/2); i++ {
					p := pkgs[i%packages]
					pol := entitlement.AssignmentPolicy{ID: entitlement.NewID(), AccessPackageID: p.ID, CatalogID: p.CatalogID,
						DisplayName: fmt.Sprintf("Policy %05d", i), DurationInDays: 365,
						RequestorSettings: entitlement.RequestorSettings{ScopeType: entitlement.ScopeAllExistingDirectoryMembers, AcceptRequests: true}}
					switch x := rnd.Intn(100); {
					case x < 30:
						pol.RequestorSettings = entitlement.RequestorSettings{ScopeType: entitlement.ScopeSpecificDirectorySubjects, AcceptRequests: true,
							AllowedRequestors: []entitlement.UserSet{entitlementtest.GroupSet(groups[rnd.Intn(len(groups))])}}
					case x < 50:
						pol.RequestorSettings.ScopeType = entitlement.ScopeAllExistingDirectorySubjects
					}
					if err := tx.Policies().Put(pol); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		as, opt := entitlementtest.As(ada), entitlement.ListOptions{Limit: 25}
		// A rare search ("package 999": about one package in a thousand) fills no page: it reads
		// every offer of the class, as a search of the in-memory offers does.
		for _, tc := range []struct {
			name, search string
			rare         bool
		}{{"browse", "", false}, {"search", "access", false}, {"rare search", "package 999", true}} {
			b.Run(fmt.Sprintf("%s, %d packages", tc.name, packages), func(b *testing.B) {
				b.ReportAllocs()
				cpu := entitlementtest.ProcessCPU()
				for b.Loop() {
					page, err := f.Svc.RequestablePackages(as, entitlement.RequestableFilter{Search: tc.search}, opt)
					if err != nil || !tc.rare && (len(page.Items) != 25 || page.Total < min(packages/2, entitlement.SearchCountLimit)) {
						b.Fatalf("%d packages of %d: %v", len(page.Items), page.Total, err)
					}
					_, total, err := f.Svc.FindRequestableCatalogs(as, entitlement.CatalogQuery{Limit: 12})
					if err != nil || total != len(catalogs) {
						b.Fatalf("%d catalogs: %v", total, err)
					}
				}
				b.ReportMetric(float64(entitlementtest.ProcessCPU()-cpu)/float64(b.N), "cpu-ns/op")
			})
		}
	}
}
