package graph_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

// BenchmarkPackageAssignmentsFirstPage compares the first page of a package with 100,000
// assignments through the API ($filter=accessPackage/id eq '…'&$top=100, served by the package's
// index, JSON included) with the portal's Service call for the same page.
func BenchmarkPackageAssignmentsFirstPage(b *testing.B) {
	s := newAPI(b)
	cat := s.env.Catalog("Big")
	pkg := s.env.Package(cat, "Big package")
	pol := s.env.Policy(pkg)
	const n = 100_000
	for start := 0; start < n; start += 10_000 {
		s.env.Update(func(tx entitlement.Tx) error {
			for range 10_000 {
				a := entitlement.Assignment{
					ID: entitlement.NewID(), CatalogID: cat.ID, AccessPackageID: pkg.ID, PolicyID: pol.ID, TargetID: entitlement.NewID(),
					AssignmentState: entitlement.AssignmentDelivered, AssignmentStatus: entitlement.StatusDelivered, CreatedDateTime: s.env.Clock.Now(),
				}
				if err := tx.Assignments().Put(a); err != nil {
					return err
				}
			}
			return nil
		})
	}
	path := "/beta" + em + "/accessPackageAssignments?$filter=" + url.QueryEscape("accessPackage/id eq '"+pkg.ID+"'") + "&$top=100"
	b.Run("api", func(b *testing.B) {
		for b.Loop() {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			req.Header.Set("Authorization", "Bearer "+s.admin.ID)
			rec := httptest.NewRecorder()
			s.e.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
		}
	})
	b.Run("service", func(b *testing.B) {
		p, err := s.env.Svc.PrincipalFor(context.Background(), s.admin.ID)
		if err != nil {
			b.Fatal(err)
		}
		ctx := entitlement.WithPrincipal(context.Background(), p)
		for b.Loop() {
			page, err := s.env.Svc.PackageAssignments(ctx, pkg.ID, entitlement.AssignmentFilter{}, entitlement.ListOptions{Limit: 100})
			if err != nil || len(page.Items) != 100 {
				b.Fatalf("%d items, %v", len(page.Items), err)
			}
		}
	})
}
