package views

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/a-h/templ"

	"github.com/stewardhq/steward/entitlement"
)

// benchPage is the shell of an admin page as the handlers fill it.
func benchPage(title string) Page {
	return Page{
		Title: title, Section: "admin", CSRFToken: "csrf-token-0123456789abcdef",
		User: &PageUser{Name: "Ada Admin", Email: "ada@example.com", IsAdmin: true, CanAdminister: true, TimeZone: "Europe/Berlin"},
		AdminNav: []NavItem{
			{Label: "Dashboard", URL: "/admin"}, {Label: "Catalogs", URL: "/admin/catalogs", Current: true},
			{Label: "Users", URL: "/admin/directory/users"}, {Label: "Audit log", URL: "/admin/audit"},
			{Label: "Settings", URL: "/admin/settings"},
		},
		Breadcrumbs: []NavItem{{Label: "Admin", URL: "/admin"}, {Label: "Catalogs", URL: "/admin/catalogs"}},
	}
}

// benchRender renders c once per iteration into io.Discard, as Render does through its buffer.
func benchRender(b *testing.B, c templ.Component) {
	b.Helper()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Render(ctx, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPackageAssignmentsPage renders the assignments tab of a package with a full page of
// 100 live assignments, each with its Remove confirmation: the hot admin page.
func BenchmarkPackageAssignmentsPage(b *testing.B) { benchRender(b, benchAssignmentsPage()) }

// BenchmarkCatalogListPage renders the admin catalog list with a full page of 100 catalogs.
func BenchmarkCatalogListPage(b *testing.B) { benchRender(b, benchCatalogListPage()) }

func benchAssignmentsPage() templ.Component {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	end := now.AddDate(0, 6, 0)
	pkg := entitlement.AccessPackage{ID: "pkg-0123456789", DisplayName: "Finance reports"}
	rows := make([]AdminAssignmentRow, 100)
	for i := range rows {
		rows[i] = AdminAssignmentRow{
			Assignment: entitlement.Assignment{
				ID: fmt.Sprintf("asg-%08d", i), AssignmentState: entitlement.AssignmentDelivered, CreatedDateTime: now,
				Schedule: entitlement.Schedule{StartDateTime: &now, Expiration: entitlement.Expiration{EndDateTime: &end}},
			},
			Who: fmt.Sprintf("Person %d O'Brien", i), Email: fmt.Sprintf("person%d@example.com", i),
			UserURL: fmt.Sprintf("/admin/directory/users/u-%d", i), Policy: "Employees, manager approval",
		}
	}
	return PackageAssignmentsPage(PackageAssignmentsProps{
		PackageProps: PackageProps{Page: benchPage("Finance reports"), Package: pkg, Tab: "assignments", CanManage: true, CanAssign: true, Now: now},
		State:        "live", Rows: rows, Pager: Pager{Label: "1–100 of 5,000", NextURL: "/admin/packages/pkg-0123456789/assignments?after=x"},
	})
}

func benchCatalogListPage() templ.Component {
	rows := make([]CatalogRow, 100)
	for i := range rows {
		rows[i] = CatalogRow{
			Catalog:   entitlement.Catalog{ID: fmt.Sprintf("cat-%08d", i), DisplayName: fmt.Sprintf("Catalog %d", i), Description: "Resources of a department", IsExternallyVisible: i%2 == 0},
			Resources: i, Packages: i * 2, Roles: []string{"Owner"},
		}
	}
	return CatalogListPage(CatalogListProps{Page: benchPage("Catalogs"), Rows: rows, Pager: Pager{Label: "1–100 of 500"}, CanCreate: true, IsAdmin: true})
}
