package entitlement_test

import (
	"fmt"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

// BenchmarkServiceCatalogList measures the reads behind /admin/catalogs: a page of 50 catalogs of
// 200 role members each, and their resource and package counts. The catalogs come from the
// configuration cache, so after the first call no catalog record is decoded.
func BenchmarkServiceCatalogList(b *testing.B) {
	env := entitlementtest.New(b)
	err := env.Store.Update(bg, func(tx entitlement.Tx) error {
		for i := range 50 {
			c := entitlement.Catalog{ID: entitlement.NewID(), DisplayName: fmt.Sprintf("Catalog %02d", i), CatalogType: entitlement.CatalogTypeUserManaged,
				CatalogStatus: entitlement.CatalogStatusPublished}
			for range 200 {
				c.Roles = append(c.Roles, entitlement.CatalogRoleMember{Role: entitlement.RoleCatalogReader, PrincipalID: entitlement.NewID(), PrincipalType: entitlement.PrincipalUser})
			}
			if err := tx.Catalogs().Put(c); err != nil {
				return err
			}
			for j := range 20 {
				p := entitlement.AccessPackage{ID: entitlement.NewID(), CatalogID: c.ID, DisplayName: fmt.Sprintf("Package %02d-%02d", i, j)}
				if err := tx.AccessPackages().Put(p); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	admin, opt := entitlementtest.RootAdmin, entitlement.ListOptions{Limit: 50}
	b.Run("ListCatalogs and CatalogStatsOf", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			page, err := env.Svc.ListCatalogs(admin, opt)
			if err != nil || len(page.Items) != 50 {
				b.Fatalf("%d catalogs, %v", len(page.Items), err)
			}
			ids := make([]string, 0, len(page.Items))
			for _, c := range page.Items {
				ids = append(ids, c.ID)
			}
			stats, err := env.Svc.CatalogStatsOf(admin, ids)
			if err != nil || stats[ids[0]].Packages != 20 {
				b.Fatalf("stats %+v, %v", stats[ids[0]], err)
			}
		}
	})
	b.Run("the store's List, decoding every catalog", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			err := env.Store.View(bg, func(tx entitlement.Tx) error {
				_, err := tx.Catalogs().List(opt)
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkServicePeopleOfAPage measures naming the 100 people of a page of assignments: one
// UsersByID read, next to the read per row that it replaced.
func BenchmarkServicePeopleOfAPage(b *testing.B) {
	env := entitlementtest.New(b)
	var ids []string
	err := env.Store.Update(bg, func(tx entitlement.Tx) error {
		for i := range 5000 {
			u := entitlement.User{ID: entitlement.NewID(), DisplayName: fmt.Sprintf("Person %04d", i), Email: fmt.Sprintf("p%04d@example.com", i),
				UserType: entitlement.UserTypeMember, AccountEnabled: true}
			if i%50 == 0 {
				ids = append(ids, u.ID)
			}
			if err := tx.Users().Put(u); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	ids = append(ids, ids...) // 100 rows, as a page holds
	admin := entitlementtest.RootAdmin
	b.Run("UsersByID, one read", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			people, err := env.Svc.UsersByID(admin, ids)
			if err != nil || len(people) != len(ids)/2 {
				b.Fatalf("%d people, %v", len(people), err)
			}
		}
	})
	b.Run("UserByID, a read per row", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, id := range ids {
				if _, err := env.Svc.UserByID(admin, id); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
