package entitlement_test

import (
	"errors"
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

// TestPreviewApproversIsAuthorized checks that the approver preview, which names people and their
// e-mail addresses, answers only those who could request through the policy and those who may
// read its catalog; everyone else gets ErrNotFound, as for a policy that does not exist.
func TestPreviewApproversIsAuthorized(t *testing.T) {
	f := newEngineFixture(t)
	approver := f.user("Secret Approver")
	inScope := f.user("In Scope")
	outOfScope := f.user("Out Of Scope")
	reader := f.user("Catalog Reader")
	admin := f.user("Admin")
	org := f.org("Partner", entitlement.OrgConfigured, nil, nil)
	guest := f.user("Guest", guestOf(org.ID))
	internal := f.catalog("Internal", func(c *entitlement.Catalog) { c.IsExternallyVisible = false },
		withCatalogRole(entitlement.RoleCatalogReader, reader))
	pkg := f.pkg(internal, "Payroll")
	named := f.policy(pkg, scope(entitlement.ScopeSpecificDirectorySubjects, single(inScope)),
		approval(approvalStage(3, single(approver))))
	everyone := f.policy(pkg, scope(entitlement.ScopeAllExistingDirectorySubjects),
		approval(approvalStage(3, single(approver))))

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
			ctx := f.as(who[tc.name])
			if tc.name == "an administrator" {
				ctx = f.asAdmin(admin)
			}
			prev, err := f.svc.PreviewApprovers(ctx, tc.pol.ID)
			if tc.ok {
				if err != nil || len(prev) != 1 || len(prev[0].Approvers) != 1 || prev[0].Approvers[0].UserID != approver.ID {
					t.Fatalf("preview: %+v, %v; want the approver", prev, err)
				}
				return
			}
			if !errors.Is(err, entitlement.ErrNotFound) || errCode(err) != "policyNotFound" {
				t.Fatalf("preview: %+v, %v; want policyNotFound", prev, err)
			}
		})
	}
}
