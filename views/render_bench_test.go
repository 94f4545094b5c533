package views

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/a-h/templ"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views/components"
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

// BenchmarkAuditPage renders the audit log with a page of 100 events.
func BenchmarkAuditPage(b *testing.B) { benchRender(b, benchAuditPage()) }

// BenchmarkPackagesPage renders Find access with a page of 50 packages, each showing its roles.
func BenchmarkPackagesPage(b *testing.B) { benchRender(b, benchPackagesPage()) }

// BenchmarkApprovalsPage renders Approvals for a busy approver: a page of 50 waiting requests.
func BenchmarkApprovalsPage(b *testing.B) { benchRender(b, benchApprovalsPage()) }

func benchAuditPage() templ.Component {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	events := make([]entitlement.AuditEvent, 100)
	for i := range events {
		events[i] = entitlement.AuditEvent{
			ID: fmt.Sprintf("ev-%08d", i), At: now.Add(-time.Duration(i) * time.Minute), ActorID: "u-1", ActorName: "Ada Admin",
			Action: "assignment.remove", ObjectType: "assignment", ObjectID: fmt.Sprintf("asg-%08d", i), ObjectName: "Finance reports",
			Summary: fmt.Sprintf("Removed Person %d's access to Finance reports", i), Seq: uint64(1000 - i),
		}
	}
	return AuditPage(AuditProps{Page: benchPage("Audit log"), Events: events, Pager: Pager{Label: "1–100 of 50,000"}, Now: now})
}

func benchPackagesPage() templ.Component {
	items := make([]PackageCard, 50)
	for i := range items {
		items[i] = PackageCard{
			ID: fmt.Sprintf("pkg-%08d", i), Name: fmt.Sprintf("Package %d", i), Description: "Access to the reports of a department & its shared drive",
			Catalog: "Finance", Approval: "Needs approval",
			Roles: []GrantedRole{{Resource: "Finance reports", Kind: "Group", Role: "Member"}, {Resource: "Ledger", Kind: "Application", Role: "Reader"}},
		}
	}
	page := benchPage("Find access")
	page.Section, page.AdminNav, page.Breadcrumbs = "access", nil, nil
	return PackagesPage(page, PackagesProps{Items: items, Total: 500, Pagination: components.PaginationProps{Label: "1–50 of 500", NextURL: "/access/packages?after=x"}})
}

func benchApprovalsPage() templ.Component {
	at := Time{Relative: "3 days ago", Local: "12 Mar 2026, 15:05 CET", Exact: "12 Mar 2026, 14:05 UTC", Date: "12 Mar 2026", ISO: "2026-03-12T14:05:00Z"}
	items := make([]ApprovalItem, 50)
	for i := range items {
		items[i] = ApprovalItem{
			ID: fmt.Sprintf("req-%08d", i), Requester: Person{ID: fmt.Sprintf("u-%d", i), Name: fmt.Sprintf("Person %d", i), Email: fmt.Sprintf("p%d@example.com", i)},
			Package: "Finance reports", PackageDescription: "Reports of the finance department", Catalog: "Finance", Policy: "Employees",
			Kind: "Access request", Justification: "Month-end close", Stage: "Stage 1 of 2", StageNumber: 1, OtherApprovers: []string{"Bob Boss"},
			Submitted: at, TimesOut: at,
		}
	}
	page := benchPage("Approvals")
	page.Section, page.AdminNav, page.Breadcrumbs = "approvals", nil, nil
	return ApprovalsPage(page, ApprovalsProps{Items: items, Total: 300, Pagination: components.PaginationProps{Label: "1–50 of 300"}})
}
