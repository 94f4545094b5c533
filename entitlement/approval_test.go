package entitlement_test

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

func TestApprovalRouting(t *testing.T) {
	type people struct {
		requestor, boss, bigBoss, approverA, approverB, off, sponsorIn, sponsorOut, fallback entitlement.User
		approvers                                                                            entitlement.Group
		org                                                                                  entitlement.ConnectedOrganization
	}
	tests := []struct {
		name string
		// requestor picks who asks (by default a member managed by boss, managed by bigBoss).
		requestor  func(f *entitlementtest.Env, p *people) entitlement.User
		approvers  func(p *people) []entitlement.UserSet
		want       func(p *people) []entitlement.User
		usedBackup bool
		note       string // a part of the stage's notes
		denied     bool
	}{
		{
			name: "single user",
			approvers: func(p *people) []entitlement.UserSet {
				return []entitlement.UserSet{entitlementtest.Single(p.approverA)}
			},
			want: func(p *people) []entitlement.User { return []entitlement.User{p.approverA} },
		},
		{
			name: "group members, expanded, without disabled members or the requestor",
			approvers: func(p *people) []entitlement.UserSet {
				return []entitlement.UserSet{entitlementtest.GroupSet(p.approvers)}
			},
			want: func(p *people) []entitlement.User { return []entitlement.User{p.approverA, p.approverB} },
		},
		{
			name: "manager",
			approvers: func(p *people) []entitlement.UserSet {
				return []entitlement.UserSet{entitlementtest.ManagerOf(1), backup(entitlementtest.Single(p.fallback))}
			},
			want: func(p *people) []entitlement.User { return []entitlement.User{p.boss} },
		},
		{
			name: "second-level manager",
			approvers: func(p *people) []entitlement.UserSet {
				return []entitlement.UserSet{entitlementtest.ManagerOf(2), backup(entitlementtest.Single(p.fallback))}
			},
			want: func(p *people) []entitlement.User { return []entitlement.User{p.bigBoss} },
		},
		{
			name: "no manager: the backup approves",
			requestor: func(f *entitlementtest.Env, p *people) entitlement.User {
				return f.User("Orphan")
			},
			approvers: func(p *people) []entitlement.UserSet {
				return []entitlement.UserSet{entitlementtest.ManagerOf(1), backup(entitlementtest.Single(p.fallback))}
			},
			want:       func(p *people) []entitlement.User { return []entitlement.User{p.fallback} },
			usedBackup: true, note: "Orphan has no manager",
		},
		{
			name: "no second-level manager: the backup approves",
			requestor: func(f *entitlementtest.Env, p *people) entitlement.User {
				return f.User("Junior", entitlementtest.ManagedBy(p.bigBoss))
			},
			approvers: func(p *people) []entitlement.UserSet {
				return []entitlement.UserSet{entitlementtest.ManagerOf(2), backup(entitlementtest.GroupSet(p.approvers))}
			},
			// Another requestor: the default one is an ordinary member of the group now.
			want:       func(p *people) []entitlement.User { return []entitlement.User{p.approverA, p.approverB, p.requestor} },
			usedBackup: true, note: "no second-level manager",
		},
		{
			name: "the requestor is never their own approver",
			requestor: func(f *entitlementtest.Env, p *people) entitlement.User {
				return p.approverA
			},
			approvers: func(p *people) []entitlement.UserSet {
				return []entitlement.UserSet{entitlementtest.Single(p.approverA), backup(entitlementtest.Single(p.fallback))}
			},
			want:       func(p *people) []entitlement.User { return []entitlement.User{p.fallback} },
			usedBackup: true,
		},
		{
			name: "backups are not asked while a primary approver exists",
			approvers: func(p *people) []entitlement.UserSet {
				return []entitlement.UserSet{entitlementtest.Single(p.approverB), backup(entitlementtest.Single(p.fallback))}
			},
			want: func(p *people) []entitlement.User { return []entitlement.User{p.approverB} },
		},
		{
			name: "internal sponsors of the guest's organization, group sponsors expanded",
			requestor: func(f *entitlementtest.Env, p *people) entitlement.User {
				return f.User("Gina Guest", entitlementtest.GuestOf(p.org.ID))
			},
			approvers: func(p *people) []entitlement.UserSet {
				return []entitlement.UserSet{{Type: entitlement.UserSetInternalSponsors}, backup(entitlementtest.Single(p.fallback))}
			},
			want: func(p *people) []entitlement.User {
				return []entitlement.User{p.sponsorIn, p.approverA, p.approverB, p.requestor}
			},
		},
		{
			name: "external sponsors",
			requestor: func(f *entitlementtest.Env, p *people) entitlement.User {
				return f.User("Gina Guest", entitlementtest.GuestOf(p.org.ID))
			},
			approvers: func(p *people) []entitlement.UserSet {
				return []entitlement.UserSet{{Type: entitlement.UserSetExternalSponsors}, backup(entitlementtest.Single(p.fallback))}
			},
			want: func(p *people) []entitlement.User { return []entitlement.User{p.sponsorOut} },
		},
		{
			name: "sponsors of a member without organization: the backup approves",
			approvers: func(p *people) []entitlement.UserSet {
				return []entitlement.UserSet{{Type: entitlement.UserSetInternalSponsors}, backup(entitlementtest.Single(p.fallback))}
			},
			want:       func(p *people) []entitlement.User { return []entitlement.User{p.fallback} },
			usedBackup: true, note: "belongs to no connected organization",
		},
		{
			name: "a disabled single user is skipped",
			approvers: func(p *people) []entitlement.UserSet {
				return []entitlement.UserSet{entitlementtest.Single(p.off), backup(entitlementtest.Single(p.fallback))}
			},
			want:       func(p *people) []entitlement.User { return []entitlement.User{p.fallback} },
			usedBackup: true,
		},
		{
			name: "nobody at all: denied at once",
			requestor: func(f *entitlementtest.Env, p *people) entitlement.User {
				return f.User("Orphan")
			},
			approvers:  func(p *people) []entitlement.UserSet { return []entitlement.UserSet{entitlementtest.ManagerOf(1)} },
			want:       func(p *people) []entitlement.User { return nil },
			denied:     true,
			note:       "Orphan has no manager",
			usedBackup: false,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := entitlementtest.New(t)
			var p people
			p.bigBoss = f.User("Big Boss")
			p.boss = f.User("Boss", entitlementtest.ManagedBy(p.bigBoss))
			p.requestor = f.User("Requestor", entitlementtest.ManagedBy(p.boss))
			p.approverA = f.User("Approver A")
			p.approverB = f.User("Approver B")
			p.off = f.User("Off Duty", entitlementtest.Disabled)
			p.fallback = f.User("Fallback")
			p.sponsorIn = f.User("Sponsor In")
			p.sponsorOut = f.User("Sponsor Out", entitlementtest.GuestOf(""))
			p.approvers = f.Group("Approvers", p.approverA, p.approverB, p.off, p.requestor)
			p.org = f.Org("Partner", entitlement.OrgConfigured,
				[]entitlement.Sponsor{entitlementtest.UserSponsor(p.sponsorIn), entitlementtest.GroupSponsor(p.approvers)}, []entitlement.Sponsor{entitlementtest.UserSponsor(p.sponsorOut)})
			requestor := p.requestor
			if tc.requestor != nil {
				requestor = tc.requestor(f, &p)
			}
			cat := f.Catalog("Cat")
			pkg := f.Package(cat, "Pkg")
			pol := f.Policy(pkg, entitlementtest.Scope(entitlement.ScopeAllExistingDirectorySubjects), entitlementtest.Approval(entitlementtest.ApprovalStage(14, tc.approvers(&p)...)))

			previews, err := f.Svc.PreviewApprovers(entitlementtest.As(requestor), pol.ID)
			if err != nil {
				t.Fatal(err)
			}
			r := f.RequestAccess(requestor, pol)
			st := r.Stages[0]
			want := ids(tc.want(&p))
			if got := sorted(st.Approvers); !slices.Equal(got, want) {
				t.Errorf("approvers %v; want %v", names(f, got), names(f, want))
			}
			if st.UsedBackup != tc.usedBackup {
				t.Errorf("usedBackup = %v; want %v", st.UsedBackup, tc.usedBackup)
			}
			if tc.note != "" && !strings.Contains(strings.Join(st.Notes, "; "), tc.note) {
				t.Errorf("notes %q lack %q", st.Notes, tc.note)
			}
			if slices.Contains(st.Approvers, requestor.ID) {
				t.Error("the requestor approves their own request")
			}
			// The preview says the same as the request.
			if len(previews) != 1 {
				t.Fatalf("previews %+v", previews)
			}
			var pv []string
			for _, a := range previews[0].Approvers {
				pv = append(pv, a.UserID)
				if a.Via == "" || a.DisplayName == "" {
					t.Errorf("preview entry %+v lacks a name or reason", a)
				}
			}
			sort.Strings(pv)
			if !slices.Equal(pv, want) || previews[0].UsedBackup != tc.usedBackup || previews[0].NoApprover != tc.denied {
				t.Errorf("preview %+v disagrees with the request's stage", previews[0])
			}
			if tc.denied {
				if r.RequestState != entitlement.StateDenied || r.RequestStatus != entitlement.RequestStatusNoApprover || r.StatusDetail != entitlement.ReasonNoApprover {
					t.Fatalf("request %s/%s %q; want denied because no approver could be found", r.RequestState, r.RequestStatus, r.StatusDetail)
				}
				return
			}
			if r.RequestState != entitlement.StatePendingApproval {
				t.Fatalf("state %s", r.RequestState)
			}
			for _, id := range want {
				page, err := f.Svc.WaitingForMe(entitlementtest.As(entitlement.User{ID: id}), entitlement.ListOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if page.Total != 1 || page.Items[0].ID != r.ID {
					t.Errorf("WaitingForMe of %s: %d items", names(f, []string{id}), page.Total)
				}
			}
			entitlementtest.CheckInvariants(t, f.Store)
		})
	}
}

func ids(us []entitlement.User) []string {
	out := []string{}
	for _, u := range us {
		out = append(out, u.ID)
	}
	sort.Strings(out)
	return out
}

func sorted(s []string) []string {
	out := append([]string{}, s...)
	sort.Strings(out)
	return out
}

func names(f *entitlementtest.Env, ids []string) []string {
	var out []string
	for _, id := range ids {
		u, _ := f.UserRecord(id)
		out = append(out, u.DisplayName)
	}
	return out
}

// threeStages builds a serial policy: the requestor's manager, then a group, then one person.
type threeStages struct {
	*entitlementtest.Env
	requestor, boss, newBoss, g1, g2, final entitlement.User
	reviewers                               entitlement.Group
	pol                                     entitlement.AssignmentPolicy
	teamRes                                 entitlement.Resource
	team                                    entitlement.Group
}

func newThreeStages(t *testing.T) *threeStages {
	s := &threeStages{Env: entitlementtest.New(t)}
	s.boss = s.User("Boss")
	s.newBoss = s.User("New Boss")
	s.requestor = s.User("Requestor", entitlementtest.ManagedBy(s.boss))
	s.g1 = s.User("Group One")
	s.g2 = s.User("Group Two")
	s.final = s.User("Final Say")
	s.reviewers = s.Group("Reviewers", s.g1, s.g2)
	s.team = s.Group("Team")
	cat := s.Catalog("Cat")
	s.teamRes = s.GroupResource(cat, s.team)
	pkg := s.Package(cat, "Serial", entitlementtest.Member(s.teamRes))
	st2 := entitlementtest.ApprovalStage(5, entitlementtest.GroupSet(s.reviewers))
	st2.IsApproverJustificationRequired = true
	s.pol = s.Policy(pkg, entitlementtest.Approval(entitlementtest.ApprovalStage(5, entitlementtest.ManagerOf(1), backup(entitlementtest.Single(s.final))), st2, entitlementtest.ApprovalStage(5, entitlementtest.Single(s.final))))
	return s
}

func TestSerialThreeStages(t *testing.T) {
	s := newThreeStages(t)
	r := s.RequestAccess(s.requestor, s.pol)
	if r.RequestState != entitlement.StatePendingApproval || r.CurrentStage != 0 || len(r.Stages) != 3 {
		t.Fatalf("after submit %+v", r)
	}
	if r.Stages[1].Status != entitlement.StageNotStarted || len(r.Stages[1].Approvers) != 0 {
		t.Fatalf("stage 2 started early: %+v", r.Stages[1])
	}
	// Stage 2's approvers may not act before their stage.
	if _, err := s.Svc.Decide(entitlementtest.As(s.g1), r.ID, true, "early"); entitlementtest.ErrCode(err) != "notApprover" {
		t.Fatalf("decision of a later stage's approver: %v", err)
	}
	// Approvers are resolved when a stage starts: the manager changes before stage 2, and stage 3 is
	// not affected, but a manager change would be seen by a manager stage starting later.
	r = s.Decide(s.boss, r, true)
	if r.CurrentStage != 1 || r.Stages[0].Status != entitlement.StageApproved || r.Stages[1].Status != entitlement.StagePending {
		t.Fatalf("after stage 1 %+v", r.Stages)
	}
	if got := sorted(r.Stages[1].Approvers); !slices.Equal(got, ids([]entitlement.User{s.g1, s.g2})) {
		t.Fatalf("stage 2 approvers %v", names(s.Env, got))
	}
	// The boss is done and no longer waits; stage 2's approvers do.
	if n, _ := s.Svc.PendingApprovalCount(entitlementtest.As(s.boss)); n != 0 {
		t.Errorf("boss still has %d waiting", n)
	}
	if n, _ := s.Svc.PendingApprovalCount(entitlementtest.As(s.g2)); n != 1 {
		t.Errorf("stage 2 approver has %d waiting", n)
	}
	if _, err := s.Svc.Decide(entitlementtest.As(s.g2), r.ID, true, " "); entitlementtest.ErrCode(err) != "justificationRequired" {
		t.Fatalf("decision without the required reason: %v", err)
	}
	r, err := s.Svc.Decide(entitlementtest.As(s.g2), r.ID, true, "fine by me")
	if err != nil {
		t.Fatal(err)
	}
	if r.CurrentStage != 2 || r.Stages[1].DecidedBy != s.g2.ID || r.Stages[1].DecisionJustification != "fine by me" {
		t.Fatalf("after stage 2 %+v", r.Stages[1])
	}
	// The other group member's late click gets a clear answer.
	_, err = s.Svc.Decide(entitlementtest.As(s.g1), r.ID, false, "no")
	if entitlementtest.ErrCode(err) != "alreadyDecided" || !errors.Is(err, entitlement.ErrConflict) || !strings.Contains(err.Error(), "already approved by Group Two at") {
		t.Fatalf("late decision: %v", err)
	}
	r = s.Decide(s.final, r, true)
	if r.RequestState != entitlement.StateDelivered || !s.IsMember(s.team, s.requestor) {
		t.Fatalf("after stage 3: %s", r.RequestState)
	}
	want := []string{"Submitted", "StageStarted", "Approved", "StageStarted", "Approved", "StageStarted", "Approved", "Delivering", "Delivered"}
	if got := entitlementtest.EventKinds(r); !slices.Equal(got, want) {
		t.Errorf("events %v", got)
	}
	decisions, err := s.Svc.DescribeMyDecisions(entitlementtest.As(s.g2), entitlement.ListOptions{})
	if err != nil || decisions.Total != 1 {
		t.Fatalf("DescribeMyDecisions: %d, %v", decisions.Total, err)
	}
	entitlementtest.CheckInvariants(t, s.Store)
}

func TestSerialDenialStopsLaterStages(t *testing.T) {
	s := newThreeStages(t)
	r := s.RequestAccess(s.requestor, s.pol)
	r = s.Decide(s.boss, r, true)
	if _, err := s.Svc.Decide(entitlementtest.As(s.g1), r.ID, false, "not now"); err != nil {
		t.Fatal(err)
	}
	r = s.Request(r.ID)
	if r.RequestState != entitlement.StateDenied || r.Stages[1].Status != entitlement.StageDenied || r.Stages[2].Status != entitlement.StageNotStarted {
		t.Fatalf("after denial %s %+v", r.RequestState, r.Stages)
	}
	if !strings.Contains(r.StatusDetail, "denied by Group One: not now") {
		t.Errorf("detail %q", r.StatusDetail)
	}
	if _, err := s.Svc.Decide(entitlementtest.As(s.final), r.ID, true, ""); entitlementtest.ErrCode(err) != "notApprover" {
		t.Fatalf("stage 3 approver after denial: %v", err)
	}
	_, err := s.Svc.Decide(entitlementtest.As(s.g2), r.ID, true, "x")
	if entitlementtest.ErrCode(err) != "alreadyDecided" || !strings.Contains(err.Error(), "already denied by Group One at") {
		t.Fatalf("late decision on a denied stage: %v", err)
	}
	if len(s.Notifications(entitlement.NotifyRequestDenied)) != 1 {
		t.Error("no denial notification")
	}
	entitlementtest.CheckInvariants(t, s.Store)
}

func TestApproversResolvedAtStageStart(t *testing.T) {
	f := entitlementtest.New(t)
	first := f.User("First")
	oldBoss := f.User("Old Boss")
	newBoss := f.User("New Boss")
	fallback := f.User("Fallback")
	req := f.User("Requestor", entitlementtest.ManagedBy(oldBoss))
	cat := f.Catalog("Cat")
	pkg := f.Package(cat, "P")
	pol := f.Policy(pkg, entitlementtest.Approval(entitlementtest.ApprovalStage(3, entitlementtest.Single(first)), entitlementtest.ApprovalStage(3, entitlementtest.ManagerOf(1), backup(entitlementtest.Single(fallback)))))
	r := f.RequestAccess(req, pol)
	req.ManagerID = newBoss.ID
	f.Update(func(tx entitlement.Tx) error { return tx.Users().Put(req) })
	r = f.Decide(first, r, true)
	if !slices.Equal(r.Stages[1].Approvers, []string{newBoss.ID}) {
		t.Fatalf("stage 2 approvers %v; want the manager at the time stage 2 started", names(f, r.Stages[1].Approvers))
	}
	// A policy edit after submission does not move the request: it follows the stages it started with.
	pol.RequestApprovalSettings.ApprovalStages = pol.RequestApprovalSettings.ApprovalStages[:1]
	f.Update(func(tx entitlement.Tx) error { return tx.Policies().Put(pol) })
	r = f.Decide(newBoss, r, true)
	if r.RequestState != entitlement.StateDelivered {
		t.Fatalf("state %s", r.RequestState)
	}
}

func TestDecideRefusals(t *testing.T) {
	w := newWorld(t)
	stranger := w.User("Stranger")
	esc := w.User("Escalation")
	st := entitlementtest.ApprovalStage(3, entitlementtest.Single(*w.bob))
	st.IsEscalationEnabled, st.EscalationTimeInMinutes, st.EscalationApprovers = true, 120, []entitlement.UserSet{entitlementtest.Single(esc)}
	st.IsApproverJustificationRequired = true
	pol := w.Policy(w.teamPkg, entitlementtest.Approval(st))
	r := w.RequestAccess(*w.ada, pol)

	// Someone requesting through a policy that names them as an approver.
	other := w.Package(w.cat, "Other")
	selfPol := w.Policy(other, entitlementtest.Approval(entitlementtest.ApprovalStage(3, entitlementtest.Single(*w.ada), entitlementtest.Single(*w.bob))))
	own := w.RequestAccess(*w.ada, selfPol)

	for _, tc := range []struct {
		name   string
		as     entitlement.User
		id     string
		stage  int
		reason string
		code   string
		kind   error
	}{
		{"missing request", *w.bob, entitlement.NewID(), 0, "x", "requestNotFound", entitlement.ErrNotFound},
		{"the requestor", *w.ada, own.ID, 0, "x", "selfApproval", entitlement.ErrForbidden},
		{"a stranger", stranger, r.ID, 0, "x", "notApprover", entitlement.ErrForbidden},
		{"escalation approver before escalation", esc, r.ID, 0, "x", "notYetEscalated", entitlement.ErrForbidden},
		{"no reason where one is required", *w.bob, r.ID, 0, "", "justificationRequired", nil},
		{"a stage that does not exist", *w.bob, r.ID, 4, "x", "invalidStage", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.Svc.DecideStage(entitlementtest.As(tc.as), tc.id, tc.stage, true, tc.reason)
			if entitlementtest.ErrCode(err) != tc.code {
				t.Fatalf("err %v; want code %s", err, tc.code)
			}
			if tc.kind != nil && !errors.Is(err, tc.kind) {
				t.Fatalf("err %v is not %v", err, tc.kind)
			}
		})
	}
	if got := w.Request(r.ID); got.RequestState != entitlement.StatePendingApproval || got.Stages[0].DecidedBy != "" {
		t.Fatalf("a refused decision changed the request: %+v", got.Stages[0])
	}
	// The requestor sees only the approver, not themselves, on their own request.
	if slices.Contains(own.Stages[0].Approvers, w.ada.ID) {
		t.Fatal("requestor among approvers")
	}
	// A decision after a timeout, and after a cancel, explain what happened.
	w.Clock.Advance(3*24*time.Hour + time.Minute)
	w.Drain(w.Worker(entitlement.WorkerOptions{}))
	_, err := w.Svc.Decide(entitlementtest.As(*w.bob), r.ID, true, "late")
	if entitlementtest.ErrCode(err) != "alreadyDecided" || !strings.Contains(err.Error(), "nobody decided in time") {
		t.Fatalf("decision after timeout: %v", err)
	}
	c := w.RequestAccess(*w.ada, pol)
	if err := w.Svc.CancelRequest(entitlementtest.As(*w.ada), c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Svc.Decide(entitlementtest.As(*w.bob), c.ID, true, "late"); entitlementtest.ErrCode(err) != "requestCanceled" {
		t.Fatalf("decision after cancel: %v", err)
	}
}

func TestDecideStageGuardsAgainstLandingOnTheNextStage(t *testing.T) {
	f := entitlementtest.New(t)
	a := f.User("A")
	b := f.User("B")
	req := f.User("Requestor")
	both := f.Group("Both", a, b)
	cat := f.Catalog("Cat")
	pkg := f.Package(cat, "P")
	pol := f.Policy(pkg, entitlementtest.Approval(entitlementtest.ApprovalStage(3, entitlementtest.GroupSet(both)), entitlementtest.ApprovalStage(3, entitlementtest.GroupSet(both))))
	r := f.RequestAccess(req, pol)
	if _, err := f.Svc.DecideStage(entitlementtest.As(a), r.ID, 1, true, ""); err != nil {
		t.Fatal(err)
	}
	// B clicked "approve" on stage 1 at the same moment: with the stage named, the click does not
	// approve stage 2 unseen.
	_, err := f.Svc.DecideStage(entitlementtest.As(b), r.ID, 1, true, "")
	if entitlementtest.ErrCode(err) != "alreadyDecided" || !strings.Contains(err.Error(), "already approved by A at") {
		t.Fatalf("late stage-1 click: %v", err)
	}
	if got := f.Request(r.ID); got.CurrentStage != 1 || got.Stages[1].Status != entitlement.StagePending {
		t.Fatalf("stage 2 was decided by a stage-1 click: %+v", got.Stages[1])
	}
}

func TestEscalationAndTimeout(t *testing.T) {
	w := newWorld(t)
	esc := w.User("Escalation Person")
	st := entitlementtest.ApprovalStage(2, entitlementtest.Single(*w.bob))
	st.IsEscalationEnabled, st.EscalationTimeInMinutes, st.EscalationApprovers = true, 60, []entitlement.UserSet{entitlementtest.Single(esc)}
	pol := w.Policy(w.teamPkg, entitlementtest.Approval(st))
	wk := w.Worker(entitlement.WorkerOptions{})
	r := w.RequestAccess(*w.ada, pol)
	if r.DueDateTime == nil || !r.DueDateTime.Equal(t0.Add(time.Hour)) {
		t.Fatalf("due %v; want the escalation time", r.DueDateTime)
	}

	w.Clock.Advance(59 * time.Minute)
	if res, err := wk.Tick(bg); err != nil || res.Requests != 0 {
		t.Fatalf("tick before escalation: %+v %v", res, err)
	}
	if n, _ := w.Svc.PendingApprovalCount(entitlementtest.As(esc)); n != 0 {
		t.Fatalf("escalation approver asked early (%d)", n)
	}
	w.Clock.Advance(2 * time.Minute)
	res, err := wk.Tick(bg)
	if err != nil || res.Requests != 1 {
		t.Fatalf("tick at escalation: %+v %v", res, err)
	}
	r = w.Request(r.ID)
	if !r.Stages[0].Escalated || r.RequestStatus != entitlement.RequestStatusEscalated || !r.DueDateTime.Equal(t0.Add(48*time.Hour)) {
		t.Fatalf("after escalation %+v due %v", r.Stages[0], r.DueDateTime)
	}
	if n, _ := w.Svc.PendingApprovalCount(entitlementtest.As(esc)); n != 1 {
		t.Fatalf("escalation approver has %d waiting", n)
	}
	if n, _ := w.Svc.PendingApprovalCount(entitlementtest.As(*w.bob)); n != 1 {
		t.Fatalf("primary approver lost the request after escalation (%d)", n)
	}
	if got, esc := w.Notifications(entitlement.NotifyApprovalNeeded), w.Notifications(entitlement.NotifyRequestEscalated); len(got) != 1 || len(esc) != 1 {
		t.Fatalf("%d approval-needed and %d escalated notifications; want 1 each (stage start, escalation)", len(got), len(esc))
	}
	// A second tick at the same time changes nothing.
	if res, err := wk.Tick(bg); err != nil || res.Requests != 0 {
		t.Fatalf("second tick: %+v %v", res, err)
	}
	r = w.Decide(esc, r, true)
	if r.RequestState != entitlement.StateDelivered {
		t.Fatalf("escalation approver's approval: %s", r.RequestState)
	}

	// Timeout: nobody acts for two days.
	w2 := newWorld(t)
	st2 := entitlementtest.ApprovalStage(2, entitlementtest.Single(*w2.bob))
	pol2 := w2.Policy(w2.teamPkg, entitlementtest.Approval(st2))
	r2 := w2.RequestAccess(*w2.ada, pol2)
	wk2 := w2.Worker(entitlement.WorkerOptions{})
	w2.Clock.Advance(48*time.Hour - time.Second)
	if res, _ := wk2.Tick(bg); res.Requests != 0 {
		t.Fatal("timed out early")
	}
	w2.Clock.Advance(time.Second)
	if res, _ := wk2.Tick(bg); res.Requests != 1 {
		t.Fatal("did not time out")
	}
	r2 = w2.Request(r2.ID)
	if r2.RequestState != entitlement.StateDenied || r2.StatusDetail != entitlement.ReasonTimedOut || r2.Stages[0].Status != entitlement.StageTimedOut || r2.DueDateTime != nil {
		t.Fatalf("after timeout %s %q %+v", r2.RequestState, r2.StatusDetail, r2.Stages[0])
	}
	before := len(w2.OutboxMessages())
	if res, _ := wk2.Tick(bg); res.Requests != 0 {
		t.Fatal("second tick after the timeout changed something")
	}
	if got := w2.Request(r2.ID); len(got.Events) != len(r2.Events) {
		t.Fatal("second tick added events")
	}
	if len(w2.OutboxMessages()) != before {
		t.Fatal("second tick wrote outbox messages")
	}
	entitlementtest.CheckInvariants(t, w.Store)
	entitlementtest.CheckInvariants(t, w2.Store)
}

// TestConcurrentDecisionsExactlyOnce races many approvers deciding the same request: exactly one
// decision is recorded, every other approver gets "already decided by <winner>", and at most one
// assignment results. Run with -race.
func TestConcurrentDecisionsExactlyOnce(t *testing.T) {
	f := entitlementtest.New(t)
	const approvers = 24
	var people []entitlement.User
	for i := range approvers {
		people = append(people, f.User(fmt.Sprintf("Approver %02d", i)))
	}
	g := f.Group("Approvers", people...)
	team := f.Group("Team")
	cat := f.Catalog("Cat")
	res := f.GroupResource(cat, team)
	pkg := f.Package(cat, "P", entitlementtest.Member(res))
	pol := f.Policy(pkg, entitlementtest.Approval(entitlementtest.ApprovalStage(3, entitlementtest.GroupSet(g))))

	for round := range 8 {
		req := f.User(fmt.Sprintf("Requestor %d", round))
		r := f.RequestAccess(req, pol)
		var (
			wg     sync.WaitGroup
			mu     sync.Mutex
			wins   []string
			losers int
			start  = make(chan struct{})
		)
		for i, u := range people {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				approve := (i+round)%3 != 0
				_, err := f.Svc.Decide(entitlementtest.As(u), r.ID, approve, "race")
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					wins = append(wins, u.DisplayName)
				case entitlementtest.ErrCode(err) == "alreadyDecided" && errors.Is(err, entitlement.ErrConflict) && strings.Contains(err.Error(), " by "):
					losers++
				default:
					t.Errorf("decision by %s: %v", u.DisplayName, err)
				}
			}()
		}
		close(start)
		wg.Wait()
		if len(wins) != 1 || losers != approvers-1 {
			t.Fatalf("round %d: %d winners %v, %d losers", round, len(wins), wins, losers)
		}
		got := f.Request(r.ID)
		if got.Stages[0].DecidedByName != wins[0] {
			t.Fatalf("round %d: decided by %s, winner %s", round, got.Stages[0].DecidedByName, wins[0])
		}
		decisions := 0
		for _, e := range got.Events {
			if e.Kind == entitlement.EventApproved || (e.Kind == entitlement.EventDenied && e.Stage == 1) {
				decisions++
			}
		}
		if decisions != 1 {
			t.Fatalf("round %d: %d decision events", round, decisions)
		}
		approved := got.Stages[0].Decision == entitlement.DecisionApprove
		if approved != (got.RequestState == entitlement.StateDelivered) || approved != f.IsMember(team, req) {
			t.Fatalf("round %d: decision %s, state %s", round, got.Stages[0].Decision, got.RequestState)
		}
	}
	entitlementtest.CheckInvariants(t, f.Store)
	var live int
	f.View(func(tx entitlement.Tx) error {
		var err error
		live, err = tx.Assignments().CountLiveByPackage(pkg.ID)
		return err
	})
	page, err := f.Svc.PackageRequests(entitlementtest.AsAdmin(people[0]), pkg.ID, entitlement.RequestFilter{States: []entitlement.RequestState{entitlement.StateDelivered}}, entitlement.ListOptions{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if live != page.Total {
		t.Fatalf("%d live assignments for %d delivered requests", live, page.Total)
	}
}

// TestConcurrentSubmissions races one person's identical requests: one is recorded, the others
// are refused as duplicates.
func TestConcurrentSubmissions(t *testing.T) {
	w := newWorld(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, dup := 0, 0
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := w.Svc.SubmitRequest(entitlementtest.As(*w.ada), entitlement.RequestInput{RequestType: entitlement.RequestUserAdd, AccessPackageID: w.teamPkg.ID, PolicyID: w.approved.ID})
			mu.Lock()
			defer mu.Unlock()
			switch entitlementtest.ErrCode(err) {
			case "":
				if err != nil {
					t.Error(err)
				}
				ok++
			case "duplicateRequest":
				dup++
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if ok != 1 || dup != 15 {
		t.Fatalf("%d accepted, %d duplicates", ok, dup)
	}
	entitlementtest.CheckInvariants(t, w.Store)
}
