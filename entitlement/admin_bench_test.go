package entitlement_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

// Service benchmarks: the same hot lookups as the store's benchmarks, through the service, so the
// numbers include loading the caller's access (groups and catalog roles) and the permission check.
// The tenant (50,000 users, 10 catalogs of 1,000 packages) is written through the store directly
// for speed, once per benchmark.

type serviceBench struct {
	svc        *entitlement.Service
	owner      context.Context // owner of catalog 0, member of 3 groups
	packageIDs []string
	catalogIDs []string
}

func newServiceBench(b *testing.B) *serviceBench {
	b.Helper()
	env := entitlementtest.New(b)
	svc, st := env.Svc, env.Store
	sb := &serviceBench{svc: svc}
	var userIDs []string
	groupIDs := make([]string, 100)
	for start := 0; start < 50000; start += 10000 {
		err := st.Update(bg, func(tx entitlement.Tx) error {
			if start == 0 {
				for i := range groupIDs {
					g := entitlement.Group{ID: entitlement.NewID(), DisplayName: fmt.Sprintf("Group %03d", i)}
					groupIDs[i] = g.ID
					if err := tx.Groups().Put(g); err != nil {
						return err
					}
				}
			}
			for i := start; i < start+10000; i++ {
				u := entitlement.User{ID: entitlement.NewID(), DisplayName: fmt.Sprintf("Person %05d", i), Email: fmt.Sprintf("p%05d@example.com", i),
					UserType: entitlement.UserTypeMember, AccountEnabled: true}
				userIDs = append(userIDs, u.ID)
				if err := tx.Users().Put(u); err != nil {
					return err
				}
				if err := tx.Groups().AddMember(groupIDs[i%len(groupIDs)], u.ID, entitlement.MemberDirect); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	err := st.Update(bg, func(tx entitlement.Tx) error {
		for i := range 10 {
			c := entitlement.Catalog{ID: entitlement.NewID(), DisplayName: fmt.Sprintf("Catalog %d", i), CatalogType: entitlement.CatalogTypeUserManaged,
				CatalogStatus: entitlement.CatalogStatusPublished,
				Roles: []entitlement.CatalogRoleMember{{Role: entitlement.RoleCatalogOwner, PrincipalID: userIDs[0], PrincipalType: entitlement.PrincipalUser},
					{Role: entitlement.RoleCatalogReader, PrincipalID: groupIDs[i], PrincipalType: entitlement.PrincipalGroup}}}
			sb.catalogIDs = append(sb.catalogIDs, c.ID)
			if err := tx.Catalogs().Put(c); err != nil {
				return err
			}
		}
		for i := range 10000 {
			p := entitlement.AccessPackage{ID: entitlement.NewID(), CatalogID: sb.catalogIDs[i%10], DisplayName: fmt.Sprintf("Package %05d", i)}
			sb.packageIDs = append(sb.packageIDs, p.ID)
			if err := tx.AccessPackages().Put(p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	sb.owner = entitlement.WithPrincipal(bg, entitlement.Principal{UserID: userIDs[0], Name: "Person 00000"})
	return sb
}

func BenchmarkServiceAccessPackageByID(b *testing.B) {
	sb := newServiceBench(b)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		if _, err := sb.svc.AccessPackageByID(sb.owner, sb.packageIDs[(i*7919)%len(sb.packageIDs)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkServiceCatalogPackagesFirstPage(b *testing.B) {
	sb := newServiceBench(b)
	b.ReportAllocs()
	for b.Loop() {
		p, err := sb.svc.ListCatalogPackages(sb.owner, sb.catalogIDs[0], entitlement.ListOptions{})
		if err != nil || len(p.Items) != entitlement.DefaultPageSize {
			b.Fatal(err)
		}
	}
}

// BenchmarkServicePackageChoices measures the audit page's package picker: the first 200 of
// 10,000 packages by name, named through the configuration cache, next to the full records'
// first page that it replaced.
func BenchmarkServicePackageChoices(b *testing.B) {
	sb := newServiceBench(b)
	admin := entitlementtest.RootAdmin
	b.Run("PackageChoices, 200 of 10k", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			refs, more, err := sb.svc.PackageChoices(admin, entitlement.MaxPageSize)
			if err != nil || len(refs) != entitlement.MaxPageSize || !more {
				b.Fatalf("%d names, more %v, %v", len(refs), more, err)
			}
		}
	})
	b.Run("ListAccessPackages, 200 of 10k", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			p, err := sb.svc.ListAccessPackages(admin, entitlement.ListOptions{Limit: entitlement.MaxPageSize})
			if err != nil || len(p.Items) != entitlement.MaxPageSize {
				b.Fatalf("%d packages, %v", len(p.Items), err)
			}
		}
	})
}

// BenchmarkServiceListUsers is the admin users page: the first page of 50,000 people by name,
// with its total, and searches by e-mail prefix ("p123" matches 100 of them, "p12" 1,000).
func BenchmarkServiceListUsers(b *testing.B) {
	sb := newServiceBench(b)
	admin := entitlementtest.RootAdmin
	for _, q := range []string{"", "p123", "p12"} {
		b.Run(fmt.Sprintf("search %q", q), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p, err := sb.svc.ListUsers(admin, entitlement.ListOptions{Search: q})
				if err != nil || len(p.Items) != entitlement.DefaultPageSize {
					b.Fatalf("%d users, %v", len(p.Items), err)
				}
			}
		})
	}
}
