package entitlement_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

// TestValidatePolicySavesNothing checks the validation-only path of the policy wizard: the same
// messages as CreatePolicy, the same refusal for people without a role, and no policy written.
func TestValidatePolicySavesNothing(t *testing.T) {
	svc := entitlementtest.Open(t, entitlementtest.Options{Admins: entitlement.AdminRule{Emails: []string{"ada@example.com"}}}).Svc
	ctx := context.Background()
	admin, err := svc.SignIn(ctx, entitlement.Claims{Issuer: "i", Subject: "ada", Email: "ada@example.com", Name: "Ada"})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := svc.SignIn(ctx, entitlement.Claims{Issuer: "i", Subject: "pat", Email: "pat@example.com", Name: "Pat"})
	if err != nil {
		t.Fatal(err)
	}
	actx := entitlementtest.AsAdmin(admin)
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
	if err := svc.ValidatePolicy(entitlementtest.As(plain), in); !errors.Is(err, entitlement.ErrForbidden) {
		t.Fatalf("a person without a role: %v, want forbidden", err)
	}
	pols, err := svc.PoliciesOfPackage(actx, pkg.ID)
	if err != nil || len(pols) != 0 {
		t.Fatalf("policies after validation = %v, %v; want none", pols, err)
	}
}
