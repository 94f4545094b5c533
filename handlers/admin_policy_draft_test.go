package handlers

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views"
)

const (
	engID   = "0190a000-0000-7000-8000-000000000001"
	danaID  = "0190a000-0000-7000-8000-000000000002"
	secID   = "0190a000-0000-7000-8000-000000000003"
	orgID   = "0190a000-0000-7000-8000-000000000004"
	pkgID   = "0190a000-0000-7000-8000-000000000005"
	backupI = "0190a000-0000-7000-8000-000000000006"
)

var testNames = map[string]string{
	entitlement.UserSetGroupMembers + ":" + engID:        "Engineering",
	entitlement.UserSetSingleUser + ":" + danaID:         "Dana Lee",
	entitlement.UserSetGroupMembers + ":" + secID:        "Security",
	entitlement.UserSetConnectedOrgMembers + ":" + orgID: "Contoso",
	entitlement.UserSetSingleUser + ":" + backupI:        "Bo Backup",
}

// walk runs the wizard model as the pages do: read a step's form, then apply operations.
func walk(t *testing.T, d *views.PolicyDraft, step string, form url.Values, ops ...string) {
	t.Helper()
	readStep(d, step, form)
	for _, op := range ops {
		if err := applyOp(d, op); err != nil {
			t.Fatalf("applyOp(%q): %v", op, err)
		}
	}
}

func TestWizardDraftToPolicyAndSummary(t *testing.T) {
	d := views.NewPolicyDraft()
	walk(t, &d, views.StepBasics, url.Values{"name": {"  Engineers, two approvals "}, "description": {"For engineers"}})
	walk(t, &d, views.StepRequestors, url.Values{"scope": {entitlement.ScopeSpecificDirectorySubjects}, "accept": {"true"}, "remove_out_of_scope": {"true"}},
		"add:requestors:group:"+engID, "add:requestors:group:"+engID) // a second click adds nothing
	walk(t, &d, views.StepApproval, url.Values{
		"stages": {"2"}, "justification": {"true"},
		"s0_timeout": {"7"}, "s0_escalation": {"true"}, "s0_escalation_after": {"2"}, "s0_escalation_unit": {"days"},
		"s1_timeout": {"14"}, "s1_approver_justification": {"true"}, "s1_escalation_unit": {"hours"},
	},
		"addrel:s0.primary:requestorManager:1", "add:s0.backup:user:"+backupI,
		"add:s0.escalation:group:"+secID, "add:s1.primary:user:"+danaID)
	walk(t, &d, views.StepLifecycle, url.Values{"lifecycle": {"days"}, "days": {"30"}, "can_extend": {"true"}, "extension_approval": {"true"}})
	walk(t, &d, views.StepReviews, url.Values{})

	in, errs := buildPolicy(d, pkgID)
	if errs != nil {
		t.Fatalf("build errors: %v", errs)
	}
	want := entitlement.PolicyInput{
		AccessPackageID: pkgID, DisplayName: "Engineers, two approvals", Description: "For engineers",
		CanExtend: true, DurationInDays: 30,
		RequestorSettings: entitlement.RequestorSettings{
			ScopeType: entitlement.ScopeSpecificDirectorySubjects, AcceptRequests: true, RemoveWhenOutOfScope: true,
			AllowedRequestors: []entitlement.UserSet{{Type: entitlement.UserSetGroupMembers, ID: engID}},
		},
		RequestApprovalSettings: entitlement.ApprovalSettings{
			IsApprovalRequired: true, IsApprovalRequiredForExtension: true, IsRequestorJustificationRequired: true,
			ApprovalMode: entitlement.ApprovalSerial,
			ApprovalStages: []entitlement.ApprovalStage{
				{
					ApprovalStageTimeOutInDays: 7, IsEscalationEnabled: true, EscalationTimeInMinutes: 2 * 24 * 60,
					PrimaryApprovers: []entitlement.UserSet{
						{Type: entitlement.UserSetRequestorManager, ManagerLevel: 1},
						{Type: entitlement.UserSetSingleUser, ID: backupI, IsBackup: true},
					},
					EscalationApprovers: []entitlement.UserSet{{Type: entitlement.UserSetGroupMembers, ID: secID}},
				},
				{
					ApprovalStageTimeOutInDays: 14, IsApproverJustificationRequired: true,
					PrimaryApprovers: []entitlement.UserSet{{Type: entitlement.UserSetSingleUser, ID: danaID}},
				},
			},
		},
	}
	if diff := cmp.Diff(want, in); diff != "" {
		t.Fatalf("policy input (-want +got):\n%s", diff)
	}

	var words []string
	for _, s := range views.PolicySummary(in, testNames) {
		words = append(words, s.Lines...)
	}
	got := strings.Join(words, " ")
	for _, w := range []string{
		"Members of Engineering can request.",
		"People who leave this scope lose the access at once.",
		"Requestors must say why they need access.",
		"First, their manager approves within 7 days (if there is nobody to ask, Bo Backup does). If nobody acts within 2 days, a member of Security is asked too.",
		"Then Dana Lee approves within 14 days. Approvers must give a reason.",
		"Access lasts 30 days and can be extended, with approval.",
		"Access is not reviewed periodically.",
	} {
		if !strings.Contains(got, w) {
			t.Errorf("summary lacks %q:\n%s", w, got)
		}
	}

	// Editing starts from the saved policy and comes back to the same input.
	pol := entitlement.AssignmentPolicy{
		DisplayName: in.DisplayName, Description: in.Description, CanExtend: in.CanExtend, DurationInDays: in.DurationInDays,
		RequestorSettings: in.RequestorSettings, RequestApprovalSettings: in.RequestApprovalSettings,
	}
	again, errs := buildPolicy(draftFromPolicy(pol), pkgID)
	if errs != nil {
		t.Fatalf("rebuild errors: %v", errs)
	}
	if diff := cmp.Diff(in, again); diff != "" {
		t.Fatalf("round trip through the draft (-want +got):\n%s", diff)
	}
}

func TestWizardKeepsInputAcrossStepsAndReportsUnreadableNumbers(t *testing.T) {
	d := views.NewPolicyDraft()
	walk(t, &d, views.StepApproval, url.Values{"stages": {"3"}, "s2_timeout": {"9"}, "s0_timeout": {"x"}})
	// Going down to one stage keeps the third stage's input for when it comes back.
	walk(t, &d, views.StepApproval, url.Values{"stages": {"1"}, "s0_timeout": {"x"}})
	if d.StageCount != 1 || d.Stages[2].TimeoutDays != "9" {
		t.Fatalf("stages = %d, third timeout %q", d.StageCount, d.Stages[2].TimeoutDays)
	}
	walk(t, &d, views.StepLifecycle, url.Values{"lifecycle": {"date"}, "end_date": {"not a date"}})
	_, errs := buildPolicy(d, pkgID)
	want := map[string]string{
		views.StagePath(0) + ".approvalStageTimeOutInDays": "enter how many days approvers have, such as 7",
		"expirationDateTime": "choose the date on which access ends",
	}
	if diff := cmp.Diff(want, errs); diff != "" {
		t.Fatalf("errors (-want +got):\n%s", diff)
	}
	// The message of a later step does not hold up an earlier one.
	upTo, first := errorsUpTo(errs, views.StepRequestors)
	if len(upTo) != 0 || first != "" {
		t.Fatalf("errors up to requestors = %v, %q", upTo, first)
	}
	upTo, first = errorsUpTo(errs, views.StepSummary)
	if len(upTo) != 2 || first != views.StepApproval {
		t.Fatalf("errors up to summary = %v, first %q", upTo, first)
	}
}

func TestWizardOps(t *testing.T) {
	d := views.NewPolicyDraft()
	for _, bad := range []string{"", "add", "add:requestors:robot:x", "remove:requestors:0", "add:s9.primary:user:x", "addrel:s0.primary:singleUser"} {
		if err := applyOp(&d, bad); err == nil {
			t.Errorf("applyOp(%q) accepted", bad)
		}
	}
	walk(t, &d, views.StepApproval, url.Values{"stages": {"1"}},
		"add:s0.primary:user:"+danaID, "addrel:s0.primary:requestorManager:2", "add:s0.backup:group:"+secID, "remove:s0.approvers:0")
	want := []entitlement.UserSet{
		{Type: entitlement.UserSetRequestorManager, ManagerLevel: 2},
		{Type: entitlement.UserSetGroupMembers, ID: secID, IsBackup: true},
	}
	if diff := cmp.Diff(want, d.Stages[0].Approvers); diff != "" {
		t.Fatalf("approvers (-want +got):\n%s", diff)
	}
}

func TestSummaryWordings(t *testing.T) {
	end := time.Date(2027, 3, 31, 23, 59, 59, 0, time.UTC)
	start := time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC)
	in := entitlement.PolicyInput{
		ExpirationDateTime: &end,
		RequestorSettings: entitlement.RequestorSettings{ScopeType: entitlement.ScopeSpecificConnectedOrgSubjects, AcceptRequests: false,
			AllowedRequestors: []entitlement.UserSet{{Type: entitlement.UserSetConnectedOrgMembers, ID: orgID}}},
		RequestApprovalSettings: entitlement.ApprovalSettings{IsApprovalRequired: true, ApprovalMode: entitlement.ApprovalSingle,
			ApprovalStages: []entitlement.ApprovalStage{{ApprovalStageTimeOutInDays: 1, PrimaryApprovers: []entitlement.UserSet{
				{Type: entitlement.UserSetExternalSponsors}, {Type: entitlement.UserSetInternalSponsors}, {Type: entitlement.UserSetSingleUser, ID: danaID, IsBackup: true},
			}}}},
		AccessReviewSettings: &entitlement.ReviewSettings{IsEnabled: true, RecurrenceType: "quarterly", ReviewerType: entitlement.ReviewerReviewers,
			DurationInDays: 14, StartDateTime: &start, Reviewers: []entitlement.UserSet{{Type: entitlement.UserSetGroupMembers, ID: secID}}},
	}
	var words []string
	for _, s := range views.PolicySummary(in, testNames) {
		words = append(words, s.Lines...)
	}
	got := strings.Join(words, " ")
	for _, w := range []string{
		"Users of Contoso can request.",
		"New requests are turned off for now.",
		"An external sponsor of their organization or an internal sponsor of their organization approves within 1 day (if there is nobody to ask, Dana Lee does).",
		"Access ends on 31 Mar 2027 and cannot be extended.",
		"Access is reviewed every quarter by a member of Security; each review stays open 14 days. The first review starts on 4 Jan 2027; a new one starts every quarter.",
		"Access nobody decides on is kept when the review closes.",
	} {
		if !strings.Contains(got, w) {
			t.Errorf("summary lacks %q:\n%s", w, got)
		}
	}

	// Before saving, without a date, the summary states the rule that saving applies.
	in.AccessReviewSettings = &entitlement.ReviewSettings{IsEnabled: true, RecurrenceType: "monthly", ReviewerType: entitlement.ReviewerManager,
		DurationInDays: 7, Reviewers: []entitlement.UserSet{{Type: entitlement.UserSetGroupMembers, ID: secID}}, AccessReviewTimeoutBehavior: entitlement.ReviewTimeoutRemove}
	want := "Access is reviewed every month by each holder's manager (a member of Security for people without one); each review stays open 7 days. " +
		"The first review starts one month after the policy is saved; a new one starts every month. Access nobody decides on is removed when the review closes."
	if got := views.PolicySummary(in, testNames)[3].Lines[0]; got != want {
		t.Errorf("summary without a date:\n got %s\nwant %s", got, want)
	}
}

// TestWizardNewStagesKeepTheirDefaults: choosing two stages posts a form without any stage field
// yet; the new stages keep their defaults rather than being emptied.
func TestWizardNewStagesKeepTheirDefaults(t *testing.T) {
	d := views.NewPolicyDraft()
	walk(t, &d, views.StepApproval, url.Values{"stages": {"2"}})
	if d.Stages[0].TimeoutDays != "7" || d.Stages[1].TimeoutDays != "7" {
		t.Fatalf("timeouts after choosing two stages: %q, %q", d.Stages[0].TimeoutDays, d.Stages[1].TimeoutDays)
	}
}

// TestWizardEscalationDelayThatOverflows types an escalation delay so large that in minutes it
// wraps around to a small number (12810238940076078 days × 1440 is 704 modulo 2⁶⁴): it must come
// back as a message, not be saved as 704 minutes.
func TestWizardEscalationDelayThatOverflows(t *testing.T) {
	d := views.NewPolicyDraft()
	walk(t, &d, views.StepBasics, url.Values{"name": {"Escalates"}})
	walk(t, &d, views.StepApproval, url.Values{
		"stages": {"1"}, "s0_timeout": {"7"}, "s0_escalation": {"true"},
		"s0_escalation_after": {"12810238940076078"}, "s0_escalation_unit": {"days"},
	}, "add:s0.primary:user:"+danaID, "add:s0.escalation:group:"+secID)
	in, errs := buildPolicy(d, pkgID)
	path := views.StagePath(0) + ".escalationTimeInMinutes"
	if errs[path] == "" {
		t.Errorf("no message at %s; built %d minutes", path, in.RequestApprovalSettings.ApprovalStages[0].EscalationTimeInMinutes)
	}
}
