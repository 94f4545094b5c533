package views

import (
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
)

func TestApproverWords(t *testing.T) {
	mgr := entitlement.ApproverPreview{UserID: "m", DisplayName: "Morgan Manager", Via: "manager"}
	dana := entitlement.ApproverPreview{UserID: "d", DisplayName: "Dana Lee", Via: "named approver"}
	var sec []entitlement.ApproverPreview
	for _, n := range []string{"A", "B", "C", "D"} {
		sec = append(sec, entitlement.ApproverPreview{UserID: n, DisplayName: n, Via: "member of Security"})
	}
	for _, tc := range []struct {
		name string
		in   []entitlement.ApproverPreview
		want string
	}{
		{"nobody", nil, "nobody (no approver could be found)"},
		{"manager", []entitlement.ApproverPreview{mgr}, "your manager (Morgan Manager)"},
		{"manager or named", []entitlement.ApproverPreview{mgr, dana}, "your manager (Morgan Manager) or Dana Lee"},
		{"big group", sec, "any of the 4 members of Security"},
		{"small group", sec[:2], "A or B"},
		{"backup", []entitlement.ApproverPreview{{DisplayName: "Dana Lee", Via: "backup approver: named approver"}}, "Dana Lee"},
	} {
		if got := approverWords(tc.in, 3); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestPolicyWords(t *testing.T) {
	end := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		pol  entitlement.AssignmentPolicy
		want string
	}{
		{entitlement.AssignmentPolicy{DurationInDays: 90}, "for 90 days"},
		{entitlement.AssignmentPolicy{DurationInDays: 1}, "for 1 day"},
		{entitlement.AssignmentPolicy{ExpirationDateTime: &end}, "until 31 Dec 2026"},
		{entitlement.AssignmentPolicy{}, "until you give it back"},
	} {
		if got := lifetime(tc.pol); got != tc.want {
			t.Errorf("lifetime %+v: %q, want %q", tc.pol, got, tc.want)
		}
	}
	names := map[string]string{"g1": "Finance", "o1": "Partner Co"}
	for _, tc := range []struct {
		scope string
		sets  []entitlement.UserSet
		want  string
	}{
		{entitlement.ScopeAllExistingDirectoryMembers, nil, "for everyone in the organization"},
		{entitlement.ScopeSpecificDirectorySubjects, []entitlement.UserSet{{Type: entitlement.UserSetGroupMembers, ID: "g1"}}, "for members of Finance"},
		{entitlement.ScopeSpecificConnectedOrgSubjects, []entitlement.UserSet{{Type: entitlement.UserSetConnectedOrgMembers, ID: "o1"}}, "for people from Partner Co"},
		{"AllExistingConnectedOrganizationSubjects", nil, "for people from connected organizations"},
		{entitlement.ScopeAllExternalSubjects, nil, "for external users"},
	} {
		pol := entitlement.AssignmentPolicy{RequestorSettings: entitlement.RequestorSettings{ScopeType: tc.scope, AllowedRequestors: tc.sets}}
		if got := scopeWords(pol, names); got != tc.want {
			t.Errorf("scope %s: %q, want %q", tc.scope, got, tc.want)
		}
	}
}
