package demo_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stewardhq/steward/demo"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/store"
)

func newService(t *testing.T) (*entitlement.Service, *store.Store) {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "demo.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	clock := entitlement.NewManualClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	return entitlement.NewService(entitlement.Options{Store: st, Clock: clock, Admins: entitlement.AdminRule{Emails: []string{"admin@example.com"}}}), st
}

var admin = entitlement.WithPrincipal(context.Background(), entitlement.Principal{UserID: "0190f000-0000-7000-8000-0000000000aa", Name: "Test", IsAdmin: true})

func TestDemoUsers(t *testing.T) {
	var emails []string
	for _, u := range demo.Users {
		emails = append(emails, u.Email)
		if u.Subject == "" || u.Name == "" || u.Description == "" {
			t.Errorf("demo user %s lacks a subject, name or description", u.Email)
		}
	}
	want := []string{"admin@example.com", "owner@example.com", "approver@example.com", "manager@example.com", "requester@example.com", "partner@partner.example"}
	if !slices.Equal(emails, want) {
		t.Errorf("demo users = %v, want %v", emails, want)
	}
	if !demo.Users[0].IsAdmin || demo.Users[4].ManagerEmail != "manager@example.com" {
		t.Errorf("Ada must be an administrator and Riley must report to Morgan")
	}
	if len(demo.Staff) < 15 {
		t.Errorf("only %d staff", len(demo.Staff))
	}
}

func TestSeed(t *testing.T) {
	ctx := context.Background()
	svc, st := newService(t)
	if err := demo.Seed(ctx, svc, st); err != nil {
		t.Fatal(err)
	}

	users, err := svc.ListUsers(admin, entitlement.ListOptions{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if users.Total != len(demo.Users)+len(demo.Staff) {
		t.Errorf("users = %d", users.Total)
	}
	byMail := map[string]entitlement.User{}
	for _, u := range users.Items {
		byMail[u.Email] = u
	}
	riley, morgan, pat := byMail["requester@example.com"], byMail["manager@example.com"], byMail["partner@partner.example"]
	if riley.ManagerID != morgan.ID {
		t.Errorf("Riley's manager = %q, want Morgan", riley.ManagerID)
	}
	orgs, _ := svc.ListConnectedOrganizations(admin, entitlement.ListOptions{})
	if orgs.Total != 1 || orgs.Items[0].DisplayName != "Partner Co" || len(orgs.Items[0].InternalSponsors) != 1 || len(orgs.Items[0].ExternalSponsors) != 1 {
		t.Fatalf("organizations = %+v", orgs.Items)
	}
	if !pat.IsGuest() || pat.ConnectedOrganizationID != orgs.Items[0].ID {
		t.Errorf("Pat = %+v, want a guest of Partner Co", pat)
	}
	// Signing in as a demo user links to the seeded directory entry.
	signed, err := svc.SignIn(ctx, entitlement.Claims{Issuer: "demo", Subject: "riley", Email: "requester@example.com", Name: "Riley Requester"})
	if err != nil || signed.ID != riley.ID {
		t.Errorf("sign-in = %+v, %v", signed, err)
	}
	groups, _ := svc.ListGroups(admin, entitlement.ListOptions{})
	if groups.Total != len(demo.Groups) {
		t.Errorf("groups = %d", groups.Total)
	}

	cats, _ := svc.ListCatalogs(admin, entitlement.ListOptions{})
	var names []string
	for _, c := range cats.Items {
		names = append(names, c.DisplayName)
	}
	if !slices.Equal(names, []string{"Engineering", "Finance", "General", "Partner access"}) {
		t.Errorf("catalogs = %v", names)
	}
	// Owen owns Engineering.
	owen := entitlement.WithPrincipal(ctx, entitlement.Principal{UserID: byMail["owner@example.com"].ID})
	caps, err := svc.Capabilities(owen)
	if err != nil {
		t.Fatal(err)
	}
	eng := cats.Items[0]
	if !caps.CanManageCatalog(eng.ID) {
		t.Errorf("Owen does not own Engineering")
	}

	pkgs, _ := svc.ListAccessPackages(admin, entitlement.ListOptions{})
	if pkgs.Total != 8 {
		t.Errorf("packages = %d", pkgs.Total)
	}
	modes := map[string]bool{}
	var hidden, extendable30, external int
	for _, p := range pkgs.Items {
		if len(p.RoleScopes) == 0 {
			t.Errorf("package %q grants nothing", p.DisplayName)
		}
		if p.IsHidden {
			hidden++
		}
		pols, err := svc.PoliciesOfPackage(admin, p.ID)
		if err != nil || len(pols) == 0 {
			t.Errorf("policies of %q = %v, %v", p.DisplayName, pols, err)
		}
		for _, pol := range pols {
			modes[pol.RequestApprovalSettings.ApprovalMode] = true
			if pol.DurationInDays == 30 && pol.CanExtend {
				extendable30++
			}
			if pol.RequestorSettings.ScopeType == entitlement.ScopeSpecificConnectedOrgSubjects {
				external++
			}
		}
	}
	if len(modes) != 3 || hidden != 1 || extendable30 < 1 || external != 1 {
		t.Errorf("variety: modes %v, hidden %d, 30-day extendable %d, external %d", modes, hidden, extendable30, external)
	}

	// Running again changes nothing.
	before, _ := svc.ListAudit(admin, entitlement.AuditFilter{}, entitlement.ListOptions{})
	if err := demo.Seed(ctx, svc, st); err != nil {
		t.Fatal(err)
	}
	after, _ := svc.ListAudit(admin, entitlement.AuditFilter{}, entitlement.ListOptions{})
	if after.Total != before.Total {
		t.Errorf("second Seed appended %d audit events", after.Total-before.Total)
	}
	// No requests or assignments.
	err = st.View(ctx, func(tx entitlement.Tx) error {
		r, _ := tx.Requests().List(entitlement.RequestFilter{}, entitlement.ListOptions{})
		a, _ := tx.Assignments().List(entitlement.AssignmentFilter{}, entitlement.ListOptions{})
		if r.Total != 0 || a.Total != 0 {
			t.Errorf("Seed made %d requests and %d assignments", r.Total, a.Total)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestSeedLeavesARealTenantAlone(t *testing.T) {
	ctx := context.Background()
	svc, st := newService(t)
	if _, err := svc.CreateCatalog(admin, entitlement.CatalogInput{DisplayName: "Our own", Published: true}); err != nil {
		t.Fatal(err)
	}
	if err := demo.Seed(ctx, svc, st); err != nil {
		t.Fatal(err)
	}
	users, _ := svc.ListUsers(admin, entitlement.ListOptions{})
	cats, _ := svc.ListCatalogs(admin, entitlement.ListOptions{})
	if users.Total != 0 || cats.Total != 1 {
		t.Errorf("Seed wrote into a non-demo store: %d users, %d catalogs", users.Total, cats.Total)
	}
}

// TestSeedCompletesAnInterruptedRun removes part of a seeded tenant and checks that the next
// run puts it back.
func TestSeedCompletesAnInterruptedRun(t *testing.T) {
	ctx := context.Background()
	svc, st := newService(t)
	if err := demo.Seed(ctx, svc, st); err != nil {
		t.Fatal(err)
	}
	pkgs, _ := svc.ListAccessPackages(admin, entitlement.ListOptions{Search: "quarter"})
	if pkgs.Total != 1 {
		t.Fatalf("quarter-end package not found")
	}
	pols, _ := svc.PoliciesOfPackage(admin, pkgs.Items[0].ID)
	if err := svc.DeletePolicy(admin, pols[0].ID, 0); err != nil {
		t.Fatal(err)
	}
	if err := demo.Seed(ctx, svc, st); err != nil {
		t.Fatal(err)
	}
	pols, _ = svc.PoliciesOfPackage(admin, pkgs.Items[0].ID)
	if len(pols) != 1 {
		t.Errorf("policy not restored: %d", len(pols))
	}
}
