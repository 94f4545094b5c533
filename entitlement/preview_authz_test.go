package entitlement_test

import (
	"errors"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

// TestPreviewApproversIsAuthorized checks that the approver preview, which names people and their
// e-mail addresses, answers only those who could request through the policy and those who may
// read its catalog; everyone else gets ErrNotFound, as for a policy that does not exist.
func TestPreviewApproversIsAuthorized(t *testing.T) {
	f := entitlementtest.New(t)
	approver := f.User("Secret Approver")
	inScope := f.User("In Scope")
	outOfScope := f.User("Out Of Scope")
	reader := f.User("Catalog Reader")
	admin := f.User("Admin")
	org := f.Org("Partner", entitlement.OrgConfigured, nil, nil)
	guest := f.User("Guest", entitlementtest.GuestOf(org.ID))
	internal := f.Catalog("Internal", func(c *entitlement.Catalog) { c.IsExternallyVisible = false },
		entitlementtest.WithCatalogRole(entitlement.RoleCatalogReader, reader))
	pkg := f.Package(internal, "Payroll")
	named := f.Policy(pkg, entitlementtest.Scope(entitlement.ScopeSpecificDirectorySubjects, entitlementtest.Single(inScope)),
		entitlementtest.Approval(entitlementtest.ApprovalStage(3, entitlementtest.Single(approver))))
	everyone := f.Policy(pkg, entitlementtest.Scope(entitlement.ScopeAllExistingDirectorySubjects),
		entitlementtest.Approval(entitlementtest.ApprovalStage(3, entitlementtest.Single(approver))))

	tests := []struct {
		name string
		pol  entitlement.AssignmentPolicy
		ok   bool
	}{
		{"a requestor in scope", named, true},
		{"a member out of scope", named, false},
		{"a guest, catalog not externally visible", everyone, false},
		{"a reader of the catalog", named, true},
		{"an administrator", named, true},
	}
	who := map[string]entitlement.User{
		"a requestor in scope": inScope, "a member out of scope": outOfScope,
		"a guest, catalog not externally visible": guest, "a reader of the catalog": reader,
		"an administrator": admin,
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := entitlementtest.As(who[tc.name])
			if tc.name == "an administrator" {
				ctx = entitlementtest.AsAdmin(admin)
			}
			prev, err := f.Svc.PreviewApprovers(ctx, tc.pol.ID)
			if tc.ok {
				if err != nil || len(prev) != 1 || len(prev[0].Approvers) != 1 || prev[0].Approvers[0].UserID != approver.ID {
					t.Fatalf("preview: %+v, %v; want the approver", prev, err)
				}
				return
			}
			if !errors.Is(err, entitlement.ErrNotFound) || entitlementtest.ErrCode(err) != "policyNotFound" {
				t.Fatalf("preview: %+v, %v; want policyNotFound", prev, err)
			}
		})
	}
}
