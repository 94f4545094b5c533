package entitlement_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

// TestAdminReads covers the reads the admin pages add: a person's access for administrators only,
// and the dashboard's pending requests and expiring assignments, each limited to the catalogs
// the caller may read.
func TestAdminReads(t *testing.T) {
	svc := entitlementtest.Open(t, entitlementtest.Options{Start: time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC),
		Admins: entitlement.AdminRule{Emails: []string{"ada@example.com"}}}).Svc
	ctx := context.Background()
	sign := func(sub, email string) entitlement.User {
		u, err := svc.SignIn(ctx, entitlement.Claims{Issuer: "i", Subject: sub, Email: email, Name: sub})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	ada, owen, riley := sign("ada", "ada@example.com"), sign("owen", "owen@example.com"), sign("riley", "riley@example.com")
	actx := entitlementtest.AsAdmin(ada)
	mine, err := svc.CreateCatalog(actx, entitlement.CatalogInput{DisplayName: "Owen's", Published: true})
	if err != nil {
		t.Fatal(err)
	}
	other, err := svc.CreateCatalog(actx, entitlement.CatalogInput{DisplayName: "Other", Published: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.AddCatalogRoleMember(actx, mine.ID, entitlement.CatalogRoleMember{Role: entitlement.RoleCatalogOwner, PrincipalID: owen.ID}); err != nil {
		t.Fatal(err)
	}
	policyIn := func(pkg string, approval bool) entitlement.PolicyInput {
		in := entitlement.PolicyInput{AccessPackageID: pkg, DisplayName: "P", DurationInDays: 10,
			RequestorSettings: entitlement.RequestorSettings{ScopeType: entitlement.ScopeAllExistingDirectoryMembers, AcceptRequests: true}}
		if approval {
			in.RequestApprovalSettings = entitlement.ApprovalSettings{IsApprovalRequired: true, ApprovalMode: entitlement.ApprovalSingle,
				ApprovalStages: []entitlement.ApprovalStage{{ApprovalStageTimeOutInDays: 7, PrimaryApprovers: []entitlement.UserSet{{Type: entitlement.UserSetSingleUser, ID: ada.ID}}}}}
		}
		return in
	}
	request := func(cat entitlement.Catalog, approval bool) {
		pkg, err := svc.CreateAccessPackage(actx, entitlement.AccessPackageInput{CatalogID: cat.ID, DisplayName: cat.DisplayName + " package"})
		if err != nil {
			t.Fatal(err)
		}
		pol, err := svc.CreatePolicy(actx, policyIn(pkg.ID, approval))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.SubmitRequest(entitlementtest.As(riley), entitlement.RequestInput{RequestType: entitlement.RequestUserAdd, AccessPackageID: pkg.ID, PolicyID: pol.ID}); err != nil {
			t.Fatal(err)
		}
	}
	request(mine, true)   // pending in Owen's catalog
	request(other, true)  // pending elsewhere
	request(mine, false)  // delivered, ends in 10 days
	request(other, false) // delivered elsewhere

	if p, err := svc.PendingRequests(actx); err != nil || len(p) != 2 {
		t.Fatalf("pending for the administrator: %d %v", len(p), err)
	}
	if p, err := svc.PendingRequests(entitlementtest.As(owen)); err != nil || len(p) != 1 || p[0].CatalogID != mine.ID {
		t.Fatalf("pending for the owner: %+v %v", p, err)
	}
	if _, err := svc.PendingRequests(entitlementtest.As(riley)); !errors.Is(err, entitlement.ErrForbidden) {
		t.Fatalf("pending for a requester: %v", err)
	}
	if e, err := svc.ExpiringAssignments(actx, 14*24*time.Hour, 10); err != nil || len(e) != 2 {
		t.Fatalf("expiring for the administrator: %d %v", len(e), err)
	}
	if e, err := svc.ExpiringAssignments(entitlementtest.As(owen), 14*24*time.Hour, 10); err != nil || len(e) != 1 || e[0].CatalogID != mine.ID {
		t.Fatalf("expiring for the owner: %+v %v", e, err)
	}
	if e, err := svc.ExpiringAssignments(actx, 5*24*time.Hour, 10); err != nil || len(e) != 0 {
		t.Fatalf("expiring within 5 days: %d %v", len(e), err)
	}

	if a, err := svc.UserAssignments(actx, riley.ID, entitlement.AssignmentFilter{}, entitlement.ListOptions{}); err != nil || len(a.Items) != 2 {
		t.Fatalf("Riley's assignments: %d %v", len(a.Items), err)
	}
	if r, err := svc.UserRequests(actx, riley.ID, entitlement.RequestFilter{}, entitlement.ListOptions{}); err != nil || len(r.Items) != 4 {
		t.Fatalf("Riley's requests: %d %v", len(r.Items), err)
	}
	if _, err := svc.UserAssignments(entitlementtest.As(owen), riley.ID, entitlement.AssignmentFilter{}, entitlement.ListOptions{}); !errors.Is(err, entitlement.ErrForbidden) {
		t.Fatalf("an owner reading Riley's access: %v", err)
	}
}
