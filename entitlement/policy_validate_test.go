package entitlement_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/store"
)

// TestValidatePolicySavesNothing checks the validation-only path of the policy wizard: the same
// messages as CreatePolicy, the same refusal for people without a role, and no policy written.
func TestValidatePolicySavesNothing(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := entitlement.NewService(entitlement.Options{Store: st, Admins: entitlement.AdminRule{Emails: []string{"ada@example.com"}}})
	ctx := context.Background()
	admin, err := svc.SignIn(ctx, entitlement.Claims{Issuer: "i", Subject: "ada", Email: "ada@example.com", Name: "Ada"})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := svc.SignIn(ctx, entitlement.Claims{Issuer: "i", Subject: "pat", Email: "pat@example.com", Name: "Pat"})
	if err != nil {
		t.Fatal(err)
	}
	as := func(u entitlement.User, admin bool) context.Context {
		return entitlement.WithPrincipal(ctx, entitlement.Principal{UserID: u.ID, Name: u.DisplayName, Email: u.Email, IsAdmin: admin})
	}
	actx := as(admin, true)
	cat, err := svc.CreateCatalog(actx, entitlement.CatalogInput{DisplayName: "C", Published: true})
	if err != nil {
		t.Fatal(err)
	}
	pkg, err := svc.CreateAccessPackage(actx, entitlement.AccessPackageInput{CatalogID: cat.ID, DisplayName: "P"})
	if err != nil {
		t.Fatal(err)
	}
	in := entitlement.PolicyInput{
		AccessPackageID:   pkg.ID,
		DisplayName:       "Everyone",
		RequestorSettings: entitlement.RequestorSettings{ScopeType: entitlement.ScopeAllExistingDirectoryMembers, AcceptRequests: true},
		RequestApprovalSettings: entitlement.ApprovalSettings{IsApprovalRequired: true, ApprovalMode: entitlement.ApprovalSerial,
			ApprovalStages: []entitlement.ApprovalStage{{ApprovalStageTimeOutInDays: 7, PrimaryApprovers: []entitlement.UserSet{{Type: entitlement.UserSetSingleUser, ID: admin.ID}}}}},
	}
	err = svc.ValidatePolicy(actx, in)
	var ve *entitlement.ValidationError
	if !errors.As(err, &ve) || ve.Fields["requestApprovalSettings.approvalStages"] == "" {
		t.Fatalf("serial approval with one stage: %v", err)
	}
	in.RequestApprovalSettings.ApprovalMode = entitlement.ApprovalSingle
	if err := svc.ValidatePolicy(actx, in); err != nil {
		t.Fatalf("valid policy: %v", err)
	}
	if err := svc.ValidatePolicy(as(plain, false), in); !errors.Is(err, entitlement.ErrForbidden) {
		t.Fatalf("a person without a role: %v, want forbidden", err)
	}
	pols, err := svc.PoliciesOfPackage(actx, pkg.ID)
	if err != nil || len(pols) != 0 {
		t.Fatalf("policies after validation = %v, %v; want none", pols, err)
	}
}
