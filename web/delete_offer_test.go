package web_test

import (
	"html"
	"strings"
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

// TestDeleteIsOfferedOnlyWhenItCanSucceed: a catalog that holds packages and a group that a
// policy names show why they cannot be deleted and the way out, instead of a Delete the service
// refuses; those in no use still offer it.
func TestDeleteIsOfferedOnlyWhenItCanSucceed(t *testing.T) {
	f := startAdmin(t)
	approvers := entitlement.UserSet{Type: entitlement.UserSetGroupMembers, ID: f.engineering.ID}
	if _, err := f.env.Svc.CreatePolicy(f.ctxAs("admin@example.com"), entitlement.PolicyInput{
		AccessPackageID: f.financePkg.ID, DisplayName: "Engineers approve", DurationInDays: 30,
		RequestorSettings: entitlement.RequestorSettings{ScopeType: entitlement.ScopeAllExistingDirectoryMembers, AcceptRequests: true},
		RequestApprovalSettings: entitlement.ApprovalSettings{IsApprovalRequired: true, ApprovalMode: entitlement.ApprovalSingle,
			ApprovalStages: []entitlement.ApprovalStage{{ApprovalStageTimeOutInDays: 7, PrimaryApprovers: []entitlement.UserSet{approvers}}}},
	}); err != nil {
		t.Fatal(err)
	}
	c, _ := f.signIn(t, "admin@example.com")
	for _, tc := range []struct {
		path, dialog, why string
		inUse             bool
	}{
		{"/admin/catalogs/" + f.finance.ID, `id="delete-catalog"`, "Cannot be deleted while it holds", true},
		{"/admin/catalogs/" + f.finance.ID + "/resources", `id="delete-catalog"`, "delete or move them first", true},
		{"/admin/catalogs/" + f.marketing.ID, `id="delete-catalog"`, "", false},
		{"/admin/directory/groups/" + f.engineering.ID, `id="delete-group"`, `Cannot be deleted: the policy Finance reports / Engineers approve names it as approvers. Change that policy first.`, true},
		{"/admin/directory/groups/" + f.financeReaders.ID, `id="delete-group"`, "", false},
	} {
		_, body := f.env.Get(t, c, tc.path)
		page := html.UnescapeString(text(body))
		if got := strings.Contains(body, tc.dialog); got == tc.inUse {
			t.Errorf("%s: Delete offered %v, in use %v", tc.path, got, tc.inUse)
		}
		if tc.inUse && !strings.Contains(page, tc.why) {
			t.Errorf("%s: no %q in %s", tc.path, tc.why, page)
		}
		if !tc.inUse && strings.Contains(body, `data-testid="cannot-delete"`) {
			t.Errorf("%s: says it cannot be deleted", tc.path)
		}
	}
}
