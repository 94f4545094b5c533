package entitlement_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/store"
)

func user(id string) entitlement.UserSet {
	return entitlement.UserSet{Type: entitlement.UserSetSingleUser, ID: id}
}

func backup(set entitlement.UserSet) entitlement.UserSet { set.IsBackup = true; return set }

func stage(approvers ...entitlement.UserSet) entitlement.ApprovalStage {
	return entitlement.ApprovalStage{ApprovalStageTimeOutInDays: 7, PrimaryApprovers: approvers}
}

var manager = entitlement.UserSet{Type: entitlement.UserSetRequestorManager}

func TestPolicyValidation(t *testing.T) {
	f := newFixture(t)
	approver := f.ownerA.ID
	past := t0.Add(-time.Hour)
	future := t0.AddDate(0, 3, 0)
	good := func() entitlement.PolicyInput {
		return entitlement.PolicyInput{
			AccessPackageID: f.pkgA.ID, DisplayName: "Managers approve", DurationInDays: 30,
			RequestorSettings: entitlement.RequestorSettings{ScopeType: entitlement.ScopeAllExistingDirectoryMembers, AcceptRequests: true},
			RequestApprovalSettings: entitlement.ApprovalSettings{
				IsApprovalRequired: true, ApprovalMode: entitlement.ApprovalSingle,
				ApprovalStages: []entitlement.ApprovalStage{stage(manager, backup(user(approver)))},
			},
		}
	}
	st := func(in *entitlement.PolicyInput) *entitlement.ApprovalStage {
		return &in.RequestApprovalSettings.ApprovalStages[0]
	}
	serial := func(in *entitlement.PolicyInput, n int) {
		in.RequestApprovalSettings.ApprovalMode = entitlement.ApprovalSerial
		in.RequestApprovalSettings.ApprovalStages = nil
		for range n {
			in.RequestApprovalSettings.ApprovalStages = append(in.RequestApprovalSettings.ApprovalStages, stage(user(approver)))
		}
	}
	review := func(in *entitlement.PolicyInput) *entitlement.ReviewSettings {
		in.AccessReviewSettings = &entitlement.ReviewSettings{IsEnabled: true, RecurrenceType: "quarterly", ReviewerType: entitlement.ReviewerSelf, DurationInDays: 14}
		return in.AccessReviewSettings
	}
	const (
		rs     = "requestorSettings."
		as     = "requestApprovalSettings."
		stage0 = "requestApprovalSettings.approvalStages[0]."
	)
	for _, tc := range []struct {
		name, field, hint string
		edit              func(*entitlement.PolicyInput)
	}{
		{"no name", "displayName", "enter a name for the policy", func(in *entitlement.PolicyInput) { in.DisplayName = " " }},
		{"long description", "description", "at most 2000", func(in *entitlement.PolicyInput) { in.Description = strings.Repeat("x", 2001) }},
		{"negative duration", "durationInDays", "zero or more", func(in *entitlement.PolicyInput) { in.DurationInDays = -1 }},
		{"duration over ten years", "durationInDays", "at most 3650", func(in *entitlement.PolicyInput) { in.DurationInDays = 4000 }},
		{"duration and end date", "expirationDateTime", "either a number of days or a fixed end date", func(in *entitlement.PolicyInput) { in.ExpirationDateTime = &future }},
		{"end date in the past", "expirationDateTime", "in the future", func(in *entitlement.PolicyInput) { in.DurationInDays = 0; in.ExpirationDateTime = &past }},
		{"extend without end", "canExtend", "never ends", func(in *entitlement.PolicyInput) { in.DurationInDays = 0; in.CanExtend = true }},
		{"unknown scope type", rs + "scopeType", "choose who may request", func(in *entitlement.PolicyInput) { in.RequestorSettings.ScopeType = "Everyone" }},
		{"all members with a list", rs + "allowedRequestors", "takes no list of people", func(in *entitlement.PolicyInput) {
			in.RequestorSettings.AllowedRequestors = []entitlement.UserSet{user(approver)}
		}},
		{"specific people without people", rs + "allowedRequestors", "add at least one user or group", func(in *entitlement.PolicyInput) {
			in.RequestorSettings.ScopeType = entitlement.ScopeSpecificDirectorySubjects
		}},
		{"specific people with an organization", rs + "allowedRequestors", "cannot be used here; choose a user or a group", func(in *entitlement.PolicyInput) {
			in.RequestorSettings.ScopeType = entitlement.ScopeSpecificDirectorySubjects
			in.RequestorSettings.AllowedRequestors = []entitlement.UserSet{{Type: entitlement.UserSetConnectedOrgMembers, ID: entitlement.NewID()}}
		}},
		{"requestor manager as requestor", rs + "allowedRequestors", "the requestor's manager cannot be used here", func(in *entitlement.PolicyInput) {
			in.RequestorSettings.ScopeType = entitlement.ScopeSpecificDirectorySubjects
			in.RequestorSettings.AllowedRequestors = []entitlement.UserSet{manager}
		}},
		{"backup requestor", rs + "allowedRequestors", "only approvers can be backups", func(in *entitlement.PolicyInput) {
			in.RequestorSettings.ScopeType = entitlement.ScopeSpecificDirectorySubjects
			in.RequestorSettings.AllowedRequestors = []entitlement.UserSet{backup(user(approver))}
		}},
		{"unknown requestor", rs + "allowedRequestors", "a user is no longer in the directory", func(in *entitlement.PolicyInput) {
			in.RequestorSettings.ScopeType = entitlement.ScopeSpecificDirectorySubjects
			in.RequestorSettings.AllowedRequestors = []entitlement.UserSet{user(entitlement.NewID())}
		}},
		{"malformed requestor id", rs + "allowedRequestors", "choose a group from the list", func(in *entitlement.PolicyInput) {
			in.RequestorSettings.ScopeType = entitlement.ScopeSpecificDirectorySubjects
			in.RequestorSettings.AllowedRequestors = []entitlement.UserSet{{Type: entitlement.UserSetGroupMembers, ID: "engineering"}}
		}},
		{"requestor twice", rs + "allowedRequestors", "listed twice", func(in *entitlement.PolicyInput) {
			in.RequestorSettings.ScopeType = entitlement.ScopeSpecificDirectorySubjects
			in.RequestorSettings.AllowedRequestors = []entitlement.UserSet{user(approver), user(approver)}
		}},
		{"organizations with a user", rs + "allowedRequestors", "choose a connected organization", func(in *entitlement.PolicyInput) {
			in.RequestorSettings.ScopeType = entitlement.ScopeSpecificConnectedOrgSubjects
			in.RequestorSettings.AllowedRequestors = []entitlement.UserSet{user(approver)}
		}},
		{"unknown approval mode", as + "approvalMode", "choose no approval, single-stage or serial", func(in *entitlement.PolicyInput) {
			in.RequestApprovalSettings.ApprovalMode = "Parallel"
		}},
		{"no approval but required", as + "approvalMode", "choose single-stage or serial approval", func(in *entitlement.PolicyInput) {
			in.RequestApprovalSettings.ApprovalMode = entitlement.ApprovalNone
		}},
		{"no approval with stages", as + "approvalStages", "remove the approval stages", func(in *entitlement.PolicyInput) {
			in.RequestApprovalSettings.ApprovalMode = entitlement.ApprovalNone
			in.RequestApprovalSettings.IsApprovalRequired = false
		}},
		{"stages without approval required", as + "isApprovalRequired", "approval must be required", func(in *entitlement.PolicyInput) {
			in.RequestApprovalSettings.IsApprovalRequired = false
		}},
		{"single stage with two stages", as + "approvalStages", "exactly one stage", func(in *entitlement.PolicyInput) {
			serial(in, 2)
			in.RequestApprovalSettings.ApprovalMode = entitlement.ApprovalSingle
		}},
		{"serial with one stage", as + "approvalStages", "serial approval takes two or three stages; use single-stage approval for one", func(in *entitlement.PolicyInput) {
			serial(in, 1)
		}},
		{"serial with four stages", as + "approvalStages", "at most 3 approval stages", func(in *entitlement.PolicyInput) { serial(in, 4) }},
		{"stage timeout zero", stage0 + "approvalStageTimeOutInDays", "from 1 to 14", func(in *entitlement.PolicyInput) { st(in).ApprovalStageTimeOutInDays = 0 }},
		{"stage timeout too long", stage0 + "approvalStageTimeOutInDays", "from 1 to 14", func(in *entitlement.PolicyInput) { st(in).ApprovalStageTimeOutInDays = 15 }},
		{"stage without approvers", stage0 + "primaryApprovers", "add at least one approver", func(in *entitlement.PolicyInput) { st(in).PrimaryApprovers = nil }},
		{"only backups", stage0 + "primaryApprovers", "at least one approver who is not a backup", func(in *entitlement.PolicyInput) {
			st(in).PrimaryApprovers = []entitlement.UserSet{backup(user(approver))}
		}},
		{"manager without backup", stage0 + "primaryApprovers", "add a backup approver", func(in *entitlement.PolicyInput) {
			st(in).PrimaryApprovers = []entitlement.UserSet{manager}
		}},
		{"manager with a non-backup user only", stage0 + "primaryApprovers", "add a backup approver", func(in *entitlement.PolicyInput) {
			st(in).PrimaryApprovers = []entitlement.UserSet{manager, user(approver)}
		}},
		{"manager backed up by the second-level manager", stage0 + "primaryApprovers", "add a backup approver", func(in *entitlement.PolicyInput) {
			st(in).PrimaryApprovers = []entitlement.UserSet{manager, backup(entitlement.UserSet{Type: entitlement.UserSetRequestorManager, ManagerLevel: 2})}
		}},
		{"manager level three", stage0 + "primaryApprovers", "manager level is 1", func(in *entitlement.PolicyInput) {
			st(in).PrimaryApprovers[0].ManagerLevel = 3
		}},
		{"sponsors for directory users", stage0 + "primaryApprovers", "sponsors approve only for requestors from connected organizations", func(in *entitlement.PolicyInput) {
			st(in).PrimaryApprovers = []entitlement.UserSet{{Type: entitlement.UserSetInternalSponsors}, backup(user(approver))}
		}},
		{"organization as approver", stage0 + "primaryApprovers", "connected organization cannot be used here", func(in *entitlement.PolicyInput) {
			st(in).PrimaryApprovers = []entitlement.UserSet{{Type: entitlement.UserSetConnectedOrgMembers, ID: entitlement.NewID()}}
		}},
		{"unknown user set type", stage0 + "primaryApprovers", `user set of type "everyone" cannot be used here`, func(in *entitlement.PolicyInput) {
			st(in).PrimaryApprovers = []entitlement.UserSet{{Type: "everyone"}}
		}},
		{"escalation without escalation approvers", stage0 + "escalationApprovers", "add at least one escalation approver, or turn escalation off", func(in *entitlement.PolicyInput) {
			st(in).IsEscalationEnabled = true
			st(in).EscalationTimeInMinutes = 120
		}},
		{"escalation approvers without escalation", stage0 + "escalationApprovers", "turn escalation on", func(in *entitlement.PolicyInput) {
			st(in).EscalationApprovers = []entitlement.UserSet{user(approver)}
		}},
		{"escalation too soon", stage0 + "escalationTimeInMinutes", "at least one hour", func(in *entitlement.PolicyInput) {
			st(in).IsEscalationEnabled = true
			st(in).EscalationApprovers = []entitlement.UserSet{user(approver)}
			st(in).EscalationTimeInMinutes = 30
		}},
		{"escalation after the timeout", stage0 + "escalationTimeInMinutes", "before the stage times out (less than 10080 minutes)", func(in *entitlement.PolicyInput) {
			st(in).IsEscalationEnabled = true
			st(in).EscalationApprovers = []entitlement.UserSet{user(approver)}
			st(in).EscalationTimeInMinutes = 7 * 24 * 60
		}},
		{"escalation to the manager without backup", stage0 + "escalationApprovers", "add a backup approver", func(in *entitlement.PolicyInput) {
			st(in).IsEscalationEnabled = true
			st(in).EscalationApprovers = []entitlement.UserSet{{Type: entitlement.UserSetRequestorManager, ManagerLevel: 2}}
			st(in).EscalationTimeInMinutes = 120
		}},
		{"approved extension without approval", as + "isApprovalRequiredForExtension", "require approval or let holders extend without it", func(in *entitlement.PolicyInput) {
			in.RequestApprovalSettings = entitlement.ApprovalSettings{ApprovalMode: entitlement.ApprovalNone, IsApprovalRequiredForExtension: true}
			in.CanExtend = true
		}},
		{"review cadence", "accessReviewSettings.recurrenceType", "how often", func(in *entitlement.PolicyInput) { review(in).RecurrenceType = "hourly" }},
		{"review duration", "accessReviewSettings.durationInDays", "from 1 to 180", func(in *entitlement.PolicyInput) { review(in).DurationInDays = 0 }},
		{"reviewer type", "accessReviewSettings.reviewerType", "choose who reviews", func(in *entitlement.PolicyInput) { review(in).ReviewerType = "Sponsor" }},
		{"manager review without fallback", "accessReviewSettings.reviewers", "fallback reviewer", func(in *entitlement.PolicyInput) {
			review(in).ReviewerType = entitlement.ReviewerManager
		}},
		{"undecided access", "accessReviewSettings.accessReviewTimeoutBehavior", "kept or removed", func(in *entitlement.PolicyInput) {
			review(in).AccessReviewTimeoutBehavior = "shrug"
		}},
		{"self review with reviewers", "accessReviewSettings.reviewers", "self-review takes no reviewers", func(in *entitlement.PolicyInput) {
			review(in).Reviewers = []entitlement.UserSet{user(approver)}
		}},
		{"named review without reviewers", "accessReviewSettings.reviewers", "add at least one reviewer", func(in *entitlement.PolicyInput) {
			review(in).ReviewerType = entitlement.ReviewerReviewers
		}},
		{"manager as reviewer", "accessReviewSettings.reviewers", "the requestor's manager cannot be used here; choose a user or a group", func(in *entitlement.PolicyInput) {
			r := review(in)
			r.ReviewerType = entitlement.ReviewerReviewers
			r.Reviewers = []entitlement.UserSet{manager}
		}},
		{"external requestors in an internal catalog", rs + "scopeType", `the catalog "Catalog A" is not visible to external users`, func(in *entitlement.PolicyInput) {
			in.RequestorSettings.ScopeType = entitlement.ScopeAllExternalSubjects
		}},
		{"unknown package", "accessPackageId", "does not exist", func(in *entitlement.PolicyInput) { in.AccessPackageID = entitlement.NewID() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := good()
			tc.edit(&in)
			_, err := f.Svc.CreatePolicy(rootAdmin, in)
			wantField(t, err, tc.field, tc.hint)
		})
	}
	t.Run("the good policy passes", func(t *testing.T) {
		p, err := f.Svc.CreatePolicy(rootAdmin, good())
		if err != nil {
			t.Fatal(err)
		}
		stage := p.RequestApprovalSettings.ApprovalStages[0]
		if stage.PrimaryApprovers[0].ManagerLevel != 1 {
			t.Errorf("manager level not defaulted to 1: %+v", stage.PrimaryApprovers[0])
		}
		if stage.PrimaryApprovers[1].Description != "Owen Owner" {
			t.Errorf("description not filled with the name: %+v", stage.PrimaryApprovers[1])
		}
	})
}

// TestPolicyForConnectedOrganizations stores Graph's example 2 (connected-organization requestors
// under the old scope spelling, two serial stages with sponsors and backups, quarterly self
// review) and checks what was stored.
func TestPolicyForConnectedOrganizations(t *testing.T) {
	f := newFixture(t)
	ext, err := f.Svc.CreateCatalog(rootAdmin, entitlement.CatalogInput{DisplayName: "Partners", IsExternallyVisible: true, Published: true})
	if err != nil {
		t.Fatal(err)
	}
	pkg, err := f.Svc.CreateAccessPackage(rootAdmin, entitlement.AccessPackageInput{CatalogID: ext.ID, DisplayName: "Partner portal"})
	if err != nil {
		t.Fatal(err)
	}
	org, err := f.Svc.CreateConnectedOrganization(rootAdmin, entitlement.ConnectedOrganizationInput{
		DisplayName: "Partner Co", IdentitySources: []entitlement.IdentitySource{{Type: entitlement.SourceDomain, DomainName: "Partner.Example"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	eng := entitlement.UserSet{Type: entitlement.UserSetGroupMembers, ID: f.eng.ID, IsBackup: true}
	in := entitlement.PolicyInput{
		AccessPackageID: pkg.ID, DisplayName: "Partner users", Description: "Sponsors approve", DurationInDays: 365,
		CanExtend:         true,
		RequestorSettings: entitlement.RequestorSettings{ScopeType: "AllExistingConnectedOrganizationSubjects", AcceptRequests: true},
		RequestApprovalSettings: entitlement.ApprovalSettings{
			IsApprovalRequired: true, IsApprovalRequiredForExtension: true, IsRequestorJustificationRequired: true,
			ApprovalMode: entitlement.ApprovalSerial,
			ApprovalStages: []entitlement.ApprovalStage{
				{ApprovalStageTimeOutInDays: 14, IsApproverJustificationRequired: true, IsEscalationEnabled: true, EscalationTimeInMinutes: 11520,
					PrimaryApprovers:    []entitlement.UserSet{eng, {Type: entitlement.UserSetExternalSponsors}},
					EscalationApprovers: []entitlement.UserSet{user(f.ownerA.ID)}},
				{ApprovalStageTimeOutInDays: 14, IsEscalationEnabled: true, EscalationTimeInMinutes: 11520,
					PrimaryApprovers:    []entitlement.UserSet{eng, {Type: entitlement.UserSetInternalSponsors}},
					EscalationApprovers: []entitlement.UserSet{user(f.ownerA.ID)}},
			},
		},
		AccessReviewSettings: &entitlement.ReviewSettings{IsEnabled: true, RecurrenceType: "quarterly", ReviewerType: entitlement.ReviewerSelf, DurationInDays: 25},
	}
	p, err := f.Svc.CreatePolicy(rootAdmin, in)
	if err != nil {
		t.Fatal(err)
	}
	if p.RequestorSettings.ScopeType != entitlement.ScopeAllConfiguredConnectedOrgs {
		t.Errorf("scope stored as %q, want the new spelling", p.RequestorSettings.ScopeType)
	}
	if in.RequestApprovalSettings.ApprovalStages[0].PrimaryApprovers[0].Description != "" {
		t.Error("CreatePolicy wrote into the caller's input")
	}
	// FirstReviewRule: without a date, one period (here a quarter) after the day of saving.
	if want := time.Date(t0.Year(), t0.Month()+3, t0.Day(), 0, 0, 0, 0, time.UTC); p.AccessReviewSettings == nil || p.AccessReviewSettings.StartDateTime == nil || !p.AccessReviewSettings.StartDateTime.Equal(want) {
		t.Errorf("review start not defaulted to a quarter after saving (%s): %+v", want, p.AccessReviewSettings)
	}
	if p.AccessReviewSettings.AccessReviewTimeoutBehavior != entitlement.ReviewTimeoutKeep {
		t.Errorf("undecided access defaults to %q, want keep", p.AccessReviewSettings.AccessReviewTimeoutBehavior)
	}
	// Both spellings and the specific-organization scope are indexed for eligibility lookups.
	specific := in
	specific.DisplayName = "Partner Co only"
	specific.RequestorSettings = entitlement.RequestorSettings{ScopeType: entitlement.ScopeSpecificConnectedOrgSubjects, AcceptRequests: true,
		AllowedRequestors: []entitlement.UserSet{{Type: entitlement.UserSetConnectedOrgMembers, ID: org.ID}}}
	p2, err := f.Svc.CreatePolicy(rootAdmin, specific)
	if err != nil {
		t.Fatal(err)
	}
	if got := p2.RequestorSettings.AllowedRequestors[0].Description; got != "Partner Co" {
		t.Errorf("organization description = %q", got)
	}
	err = f.Store.View(bg, func(tx entitlement.Tx) error {
		byScope, _ := tx.Policies().IDsByScopeType(entitlement.ScopeAllConfiguredConnectedOrgs)
		byOrg, _ := tx.Policies().IDsByRequestor(org.ID)
		if diff := cmp.Diff([]string{p.ID}, byScope); diff != "" {
			t.Errorf("policies by scope: %s", diff)
		}
		if diff := cmp.Diff([]string{p2.ID}, byOrg); diff != "" {
			t.Errorf("policies by organization: %s", diff)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The organization cannot go while a policy names it.
	err = f.Svc.DeleteConnectedOrganization(rootAdmin, org.ID, 0)
	wantErr(t, err, entitlement.ErrConflict)
	if !strings.Contains(err.Error(), "Partner portal / Partner Co only") {
		t.Errorf("conflict does not name the policy: %v", err)
	}
	// Replacing the policy moves its index keys; then the organization may go.
	replaced := specific
	replaced.RequestorSettings = entitlement.RequestorSettings{ScopeType: entitlement.ScopeAllExternalSubjects, AcceptRequests: true}
	if _, err := f.Svc.ReplacePolicy(rootAdmin, p2.ID, replaced); err != nil {
		t.Fatal(err)
	}
	if err := f.Svc.DeleteConnectedOrganization(rootAdmin, org.ID, 0); err != nil {
		t.Errorf("delete organization after the policy changed: %v", err)
	}
}

func TestReplaceAndDeletePolicy(t *testing.T) {
	f := newFixture(t)
	in := noApprovalPolicy("", "Renamed policy")
	in.CanExtend = true
	p, err := f.Svc.ReplacePolicy(rootAdmin, f.polA.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	if p.DisplayName != "Renamed policy" || !p.CanExtend || p.AccessPackageID != f.pkgA.ID || !p.CreatedDateTime.Equal(f.polA.CreatedDateTime) {
		t.Errorf("replaced policy = %+v", p)
	}
	other, err := f.Svc.CreateAccessPackage(rootAdmin, entitlement.AccessPackageInput{CatalogID: f.catA.ID, DisplayName: "Other"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Svc.ReplacePolicy(rootAdmin, f.polA.ID, noApprovalPolicy(other.ID, "Move"))
	wantField(t, err, "accessPackageId", "stays with its access package")
	_, err = f.Svc.ReplacePolicy(rootAdmin, entitlement.NewID(), in)
	wantErr(t, err, entitlement.ErrNotFound)

	// A live assignment through the policy blocks deleting it and its package.
	a := entitlement.Assignment{ID: entitlement.NewID(), CatalogID: f.catA.ID, AccessPackageID: f.pkgA.ID, PolicyID: f.polA.ID,
		TargetID: f.plain.ID, AssignmentState: entitlement.AssignmentDelivered, CreatedDateTime: t0}
	putAssignment(t, f.Store, a)
	err = f.Svc.DeletePolicy(rootAdmin, f.polA.ID, 0)
	wantErr(t, err, entitlement.ErrConflict)
	err = f.Svc.DeleteAccessPackage(rootAdmin, f.pkgA.ID, 0)
	wantErr(t, err, entitlement.ErrConflict)
	if !strings.Contains(err.Error(), "1 live assignment") {
		t.Errorf("package conflict = %v", err)
	}
	// Once it has expired, an open request through the policy still blocks it.
	a.AssignmentState = entitlement.AssignmentExpired
	putAssignment(t, f.Store, a)
	r := entitlement.Request{ID: entitlement.NewID(), RequestType: entitlement.RequestUserAdd, RequestState: entitlement.StatePendingApproval,
		AccessPackageID: f.pkgA.ID, PolicyID: f.polA.ID, TargetID: f.readerA.ID, RequestorID: f.readerA.ID, CreatedDateTime: t0}
	if err := f.Store.Update(bg, func(tx entitlement.Tx) error { return tx.Requests().Put(r) }); err != nil {
		t.Fatal(err)
	}
	err = f.Svc.DeletePolicy(rootAdmin, f.polA.ID, 0)
	wantErr(t, err, entitlement.ErrConflict)
	if !strings.Contains(err.Error(), "still open") {
		t.Errorf("open request conflict = %v", err)
	}
	r.RequestState = entitlement.StateDenied
	if err := f.Store.Update(bg, func(tx entitlement.Tx) error { return tx.Requests().Put(r) }); err != nil {
		t.Fatal(err)
	}
	// The package still has the policy.
	err = f.Svc.DeleteAccessPackage(rootAdmin, f.pkgA.ID, 0)
	wantErr(t, err, entitlement.ErrConflict)
	if !strings.Contains(err.Error(), `"Renamed policy"`) {
		t.Errorf("package conflict does not name the policy: %v", err)
	}
	if err := f.Svc.DeletePolicy(rootAdmin, f.polA.ID, 0); err != nil {
		t.Fatal(err)
	}
	if err := f.Svc.DeleteAccessPackage(rootAdmin, f.pkgA.ID, 0); err != nil {
		t.Fatal(err)
	}
	_, err = f.Svc.PolicyByID(rootAdmin, f.polA.ID)
	wantErr(t, err, entitlement.ErrNotFound)
	if n := auditCount(t, f.Svc, f.polA.ID); n != 3 {
		t.Errorf("policy audit events = %d, want create, replace, delete", n)
	}
}

func putAssignment(t testing.TB, st *store.Store, a entitlement.Assignment) {
	t.Helper()
	if err := st.Update(bg, func(tx entitlement.Tx) error { return tx.Assignments().Put(a) }); err != nil {
		t.Fatal(err)
	}
}
