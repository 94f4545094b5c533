package web_test

import (
	"html"
	"net/http"
	"strings"
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

// TestDeletingAGroupThatApprovesIsRefused: a group that a policy names as its approvers cannot be
// deleted from the portal; the page names the policy instead of leaving it a dangling approver.
func TestDeletingAGroupThatApprovesIsRefused(t *testing.T) {
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
	c, csrf := f.signIn(t, "admin@example.com")
	groupURL := "/admin/directory/groups/" + f.engineering.ID
	res, _ := f.env.PostForm(t, c, groupURL+"/delete", csrf, nil)
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != groupURL {
		t.Fatalf("delete: %d to %q", res.StatusCode, loc)
	}
	want := `error: The group was not deleted: the policy(ies) "Finance reports / Engineers approve" name "Engineering" as approvers; change those policies first.`
	if flash := html.UnescapeString(flashText(f.follow(t, c, res))); !strings.Contains(flash, want) {
		t.Errorf("flash %q\nwant %q", flash, want)
	}
	if _, err := f.env.Svc.GroupByID(f.ctxAs("admin@example.com"), f.engineering.ID); err != nil {
		t.Errorf("the group is gone: %v", err)
	}
}
