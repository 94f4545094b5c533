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
		requestor  func(f *engineFixture, p *people) entitlement.User
		approvers  func(p *people) []entitlement.UserSet
		want       func(p *people) []entitlement.User
		usedBackup bool
		note       string // a part of the stage's notes
		denied     bool
	}{
		{
			name:      "single user",
			approvers: func(p *people) []entitlement.UserSet { return []entitlement.UserSet{single(p.approverA)} },
			want:      func(p *people) []entitlement.User { return []entitlement.User{p.approverA} },
		},
		{
			name:      "group members, expanded, without disabled members or the requestor",
			approvers: func(p *people) []entitlement.UserSet { return []entitlement.UserSet{groupSet(p.approvers)} },
			want:      func(p *people) []entitlement.User { return []entitlement.User{p.approverA, p.approverB} },
		},
		{
			name: "manager",
			approvers: func(p *people) []entitlement.UserSet {
				return []entitlement.UserSet{managerOf(1), backup(single(p.fallback))}
			},
			want: func(p *people) []entitlement.User { return []entitlement.User{p.boss} },
		},
		{
			name: "second-level manager",
			approvers: func(p *people) []entitlement.UserSet {
				return []entitlement.UserSet{managerOf(2), backup(single(p.fallback))}
			},
			want: func(p *people) []entitlement.User { return []entitlement.User{p.bigBoss} },
		},
		{
			name: "no manager: the backup approves",
			requestor: func(f *engineFixture, p *people) entitlement.User {
				return f.user("Orphan")
			},
			approvers: func(p *people) []entitlement.UserSet {
				return []entitlement.UserSet{managerOf(1), backup(single(p.fallback))}
			},
			want:       func(p *people) []entitlement.User { return []entitlement.User{p.fallback} },
			usedBackup: true, note: "Orphan has no manager",
		},
		{
			name: "no second-level manager: the backup approves",
			requestor: func(f *engineFixture, p *people) entitlement.User {
				return f.user("Junior", managedBy(p.bigBoss))
			},
			approvers: func(p *people) []entitlement.UserSet {
				return []entitlement.UserSet{managerOf(2), backup(groupSet(p.approvers))}
			},
			// Another requestor: the default one is an ordinary member of the group now.
			want:       func(p *people) []entitlement.User { return []entitlement.User{p.approverA, p.approverB, p.requestor} },
			usedBackup: true, note: "no second-level manager",
		},
		{
			name: "the requestor is never their own approver",
			requestor: func(f *engineFixture, p *people) entitlement.User {
				return p.approverA
			},
			approvers: func(p *people) []entitlement.UserSet {
				return []entitlement.UserSet{single(p.approverA), backup(single(p.fallback))}
			},
			want:       func(p *people) []entitlement.User { return []entitlement.User{p.fallback} },
			usedBackup: true,
		},
		{
			name: "backups are not asked while a primary approver exists",
			approvers: func(p *people) []entitlement.UserSet {
				return []entitlement.UserSet{single(p.approverB), backup(single(p.fallback))}
			},
			want: func(p *people) []entitlement.User { return []entitlement.User{p.approverB} },
		},
		{
			name: "internal sponsors of the guest's organization, group sponsors expanded",
			requestor: func(f *engineFixture, p *people) entitlement.User {
				return f.user("Gina Guest", guestOf(p.org.ID))
			},
			approvers: func(p *people) []entitlement.UserSet {
				return []entitlement.UserSet{{Type: entitlement.UserSetInternalSponsors}, backup(single(p.fallback))}
			},
			want: func(p *people) []entitlement.User {
				return []entitlement.User{p.sponsorIn, p.approverA, p.approverB, p.requestor}
			},
		},
		{
			name: "external sponsors",
			requestor: func(f *engineFixture, p *people) entitlement.User {
				return f.user("Gina Guest", guestOf(p.org.ID))
			},
			approvers: func(p *people) []entitlement.UserSet {
				return []entitlement.UserSet{{Type: entitlement.UserSetExternalSponsors}, backup(single(p.fallback))}
			},
			want: func(p *people) []entitlement.User { return []entitlement.User{p.sponsorOut} },
		},
		{
			name: "sponsors of a member without organization: the backup approves",
			approvers: func(p *people) []entitlement.UserSet {
				return []entitlement.UserSet{{Type: entitlement.UserSetInternalSponsors}, backup(single(p.fallback))}
			},
			want:       func(p *people) []entitlement.User { return []entitlement.User{p.fallback} },
			usedBackup: true, note: "belongs to no connected organization",
		},
		{
			name: "a disabled single user is skipped",
			approvers: func(p *people) []entitlement.UserSet {
				return []entitlement.UserSet{single(p.off), backup(single(p.fallback))}
			},
			want:       func(p *people) []entitlement.User { return []entitlement.User{p.fallback} },
			usedBackup: true,
		},
		{
			name: "nobody at all: denied at once",
			requestor: func(f *engineFixture, p *people) entitlement.User {
				return f.user("Orphan")
			},
			approvers:  func(p *people) []entitlement.UserSet { return []entitlement.UserSet{managerOf(1)} },
			want:       func(p *people) []entitlement.User { return nil },
			denied:     true,
			note:       "Orphan has no manager",
			usedBackup: false,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newEngineFixture(t)
			var p people
			p.bigBoss = f.user("Big Boss")
			p.boss = f.user("Boss", managedBy(p.bigBoss))
			p.requestor = f.user("Requestor", managedBy(p.boss))
			p.approverA = f.user("Approver A")
			p.approverB = f.user("Approver B")
			p.off = f.user("Off Duty", disabled)
			p.fallback = f.user("Fallback")
			p.sponsorIn = f.user("Sponsor In")
			p.sponsorOut = f.user("Sponsor Out", guestOf(""))
			p.approvers = f.group("Approvers", p.approverA, p.approverB, p.off, p.requestor)
			p.org = f.org("Partner", entitlement.OrgConfigured,
				[]entitlement.Sponsor{userSponsor(p.sponsorIn), groupSponsor(p.approvers)}, []entitlement.Sponsor{userSponsor(p.sponsorOut)})
			requestor := p.requestor
			if tc.requestor != nil {
				requestor = tc.requestor(f, &p)
			}
			cat := f.catalog("Cat")
			pkg := f.pkg(cat, "Pkg")
			pol := f.policy(pkg, scope(entitlement.ScopeAllExistingDirectorySubjects), approval(approvalStage(14, tc.approvers(&p)...)))

			previews, err := f.svc.PreviewApprovers(f.as(requestor), pol.ID)
			if err != nil {
				t.Fatal(err)
			}
			r := f.requestAccess(requestor, pol)
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
				page, err := f.svc.WaitingForMe(f.as(entitlement.User{ID: id}), entitlement.ListOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if page.Total != 1 || page.Items[0].ID != r.ID {
					t.Errorf("WaitingForMe of %s: %d items", names(f, []string{id}), page.Total)
				}
			}
			checkInvariants(t, f.st)
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

func names(f *engineFixture, ids []string) []string {
	var out []string
	for _, id := range ids {
		u, _ := f.userRecord(id)
		out = append(out, u.DisplayName)
	}
	return out
}

// threeStages builds a serial policy: the requestor's manager, then a group, then one person.
type threeStages struct {
	*engineFixture
	requestor, boss, newBoss, g1, g2, final entitlement.User
	reviewers                               entitlement.Group
	pol                                     entitlement.AssignmentPolicy
	teamRes                                 entitlement.Resource
	team                                    entitlement.Group
}

func newThreeStages(t *testing.T) *threeStages {
	s := &threeStages{engineFixture: newEngineFixture(t)}
	s.boss = s.user("Boss")
	s.newBoss = s.user("New Boss")
	s.requestor = s.user("Requestor", managedBy(s.boss))
	s.g1 = s.user("Group One")
	s.g2 = s.user("Group Two")
	s.final = s.user("Final Say")
	s.reviewers = s.group("Reviewers", s.g1, s.g2)
	s.team = s.group("Team")
	cat := s.catalog("Cat")
	s.teamRes = s.groupResource(cat, s.team)
	pkg := s.pkg(cat, "Serial", member(s.teamRes))
	st2 := approvalStage(5, groupSet(s.reviewers))
	st2.IsApproverJustificationRequired = true
	s.pol = s.policy(pkg, approval(approvalStage(5, managerOf(1), backup(single(s.final))), st2, approvalStage(5, single(s.final))))
	return s
}

func TestSerialThreeStages(t *testing.T) {
	s := newThreeStages(t)
	r := s.requestAccess(s.requestor, s.pol)
	if r.RequestState != entitlement.StatePendingApproval || r.CurrentStage != 0 || len(r.Stages) != 3 {
		t.Fatalf("after submit %+v", r)
	}
	if r.Stages[1].Status != entitlement.StageNotStarted || len(r.Stages[1].Approvers) != 0 {
		t.Fatalf("stage 2 started early: %+v", r.Stages[1])
	}
	// Stage 2's approvers may not act before their stage.
	if _, err := s.svc.Decide(s.as(s.g1), r.ID, true, "early"); errCode(err) != "notApprover" {
		t.Fatalf("decision of a later stage's approver: %v", err)
	}
	// Approvers are resolved when a stage starts: the manager changes before stage 2, and stage 3 is
	// not affected, but a manager change would be seen by a manager stage starting later.
	r = s.decide(s.boss, r, true)
	if r.CurrentStage != 1 || r.Stages[0].Status != entitlement.StageApproved || r.Stages[1].Status != entitlement.StagePending {
		t.Fatalf("after stage 1 %+v", r.Stages)
	}
	if got := sorted(r.Stages[1].Approvers); !slices.Equal(got, ids([]entitlement.User{s.g1, s.g2})) {
		t.Fatalf("stage 2 approvers %v", names(s.engineFixture, got))
	}
	// The boss is done and no longer waits; stage 2's approvers do.
	if n, _ := s.svc.PendingApprovalCount(s.as(s.boss)); n != 0 {
		t.Errorf("boss still has %d waiting", n)
	}
	if n, _ := s.svc.PendingApprovalCount(s.as(s.g2)); n != 1 {
		t.Errorf("stage 2 approver has %d waiting", n)
	}
	if _, err := s.svc.Decide(s.as(s.g2), r.ID, true, " "); errCode(err) != "justificationRequired" {
		t.Fatalf("decision without the required reason: %v", err)
	}
	r, err := s.svc.Decide(s.as(s.g2), r.ID, true, "fine by me")
	if err != nil {
		t.Fatal(err)
	}
	if r.CurrentStage != 2 || r.Stages[1].DecidedBy != s.g2.ID || r.Stages[1].DecisionJustification != "fine by me" {
		t.Fatalf("after stage 2 %+v", r.Stages[1])
	}
	// The other group member's late click gets a clear answer.
	_, err = s.svc.Decide(s.as(s.g1), r.ID, false, "no")
	if errCode(err) != "alreadyDecided" || !errors.Is(err, entitlement.ErrConflict) || !strings.Contains(err.Error(), "already approved by Group Two at") {
		t.Fatalf("late decision: %v", err)
	}
	r = s.decide(s.final, r, true)
	if r.RequestState != entitlement.StateDelivered || !s.isMember(s.team, s.requestor) {
		t.Fatalf("after stage 3: %s", r.RequestState)
	}
	want := []string{"Submitted", "StageStarted", "Approved", "StageStarted", "Approved", "StageStarted", "Approved", "Delivering", "Delivered"}
	if got := eventKinds(r); !slices.Equal(got, want) {
		t.Errorf("events %v", got)
	}
	decisions, err := s.svc.MyDecisions(s.as(s.g2), entitlement.ListOptions{})
	if err != nil || decisions.Total != 1 {
		t.Fatalf("MyDecisions: %d, %v", decisions.Total, err)
	}
	checkInvariants(t, s.st)
}

func TestSerialDenialStopsLaterStages(t *testing.T) {
	s := newThreeStages(t)
	r := s.requestAccess(s.requestor, s.pol)
	r = s.decide(s.boss, r, true)
	if _, err := s.svc.Decide(s.as(s.g1), r.ID, false, "not now"); err != nil {
		t.Fatal(err)
	}
	r = s.request(r.ID)
	if r.RequestState != entitlement.StateDenied || r.Stages[1].Status != entitlement.StageDenied || r.Stages[2].Status != entitlement.StageNotStarted {
		t.Fatalf("after denial %s %+v", r.RequestState, r.Stages)
	}
	if !strings.Contains(r.StatusDetail, "denied by Group One: not now") {
		t.Errorf("detail %q", r.StatusDetail)
	}
	if _, err := s.svc.Decide(s.as(s.final), r.ID, true, ""); errCode(err) != "notApprover" {
		t.Fatalf("stage 3 approver after denial: %v", err)
	}
	_, err := s.svc.Decide(s.as(s.g2), r.ID, true, "x")
	if errCode(err) != "alreadyDecided" || !strings.Contains(err.Error(), "already denied by Group One at") {
		t.Fatalf("late decision on a denied stage: %v", err)
	}
	if len(s.notifications(entitlement.NotifyRequestDenied)) != 1 {
		t.Error("no denial notification")
	}
	checkInvariants(t, s.st)
}

func TestApproversResolvedAtStageStart(t *testing.T) {
	f := newEngineFixture(t)
	first := f.user("First")
	oldBoss := f.user("Old Boss")
	newBoss := f.user("New Boss")
	fallback := f.user("Fallback")
	req := f.user("Requestor", managedBy(oldBoss))
	cat := f.catalog("Cat")
	pkg := f.pkg(cat, "P")
	pol := f.policy(pkg, approval(approvalStage(3, single(first)), approvalStage(3, managerOf(1), backup(single(fallback)))))
	r := f.requestAccess(req, pol)
	req.ManagerID = newBoss.ID
	f.update(func(tx entitlement.Tx) error { return tx.Users().Put(req) })
	r = f.decide(first, r, true)
	if !slices.Equal(r.Stages[1].Approvers, []string{newBoss.ID}) {
		t.Fatalf("stage 2 approvers %v; want the manager at the time stage 2 started", names(f, r.Stages[1].Approvers))
	}
	// A policy edit after submission does not move the request: it follows the stages it started with.
	pol.RequestApprovalSettings.ApprovalStages = pol.RequestApprovalSettings.ApprovalStages[:1]
	f.update(func(tx entitlement.Tx) error { return tx.Policies().Put(pol) })
	r = f.decide(newBoss, r, true)
	if r.RequestState != entitlement.StateDelivered {
		t.Fatalf("state %s", r.RequestState)
	}
}

func TestDecideRefusals(t *testing.T) {
	w := newWorld(t)
	stranger := w.user("Stranger")
	esc := w.user("Escalation")
	st := approvalStage(3, single(*w.bob))
	st.IsEscalationEnabled, st.EscalationTimeInMinutes, st.EscalationApprovers = true, 120, []entitlement.UserSet{single(esc)}
	st.IsApproverJustificationRequired = true
	pol := w.policy(w.teamPkg, approval(st))
	r := w.requestAccess(*w.ada, pol)

	// Someone requesting through a policy that names them as an approver.
	other := w.pkg(w.cat, "Other")
	selfPol := w.policy(other, approval(approvalStage(3, single(*w.ada), single(*w.bob))))
	own := w.requestAccess(*w.ada, selfPol)

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
			_, err := w.svc.DecideStage(w.as(tc.as), tc.id, tc.stage, true, tc.reason)
			if errCode(err) != tc.code {
				t.Fatalf("err %v; want code %s", err, tc.code)
			}
			if tc.kind != nil && !errors.Is(err, tc.kind) {
				t.Fatalf("err %v is not %v", err, tc.kind)
			}
		})
	}
	if got := w.request(r.ID); got.RequestState != entitlement.StatePendingApproval || got.Stages[0].DecidedBy != "" {
		t.Fatalf("a refused decision changed the request: %+v", got.Stages[0])
	}
	// The requestor sees only the approver, not themselves, on their own request.
	if slices.Contains(own.Stages[0].Approvers, w.ada.ID) {
		t.Fatal("requestor among approvers")
	}
	// A decision after a timeout, and after a cancel, explain what happened.
	w.clock.Advance(3*24*time.Hour + time.Minute)
	w.drain(w.worker(entitlement.WorkerOptions{}))
	_, err := w.svc.Decide(w.as(*w.bob), r.ID, true, "late")
	if errCode(err) != "alreadyDecided" || !strings.Contains(err.Error(), "nobody decided in time") {
		t.Fatalf("decision after timeout: %v", err)
	}
	c := w.requestAccess(*w.ada, pol)
	if err := w.svc.CancelRequest(w.as(*w.ada), c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Decide(w.as(*w.bob), c.ID, true, "late"); errCode(err) != "requestCanceled" {
		t.Fatalf("decision after cancel: %v", err)
	}
}

func TestDecideStageGuardsAgainstLandingOnTheNextStage(t *testing.T) {
	f := newEngineFixture(t)
	a := f.user("A")
	b := f.user("B")
	req := f.user("Requestor")
	both := f.group("Both", a, b)
	cat := f.catalog("Cat")
	pkg := f.pkg(cat, "P")
	pol := f.policy(pkg, approval(approvalStage(3, groupSet(both)), approvalStage(3, groupSet(both))))
	r := f.requestAccess(req, pol)
	if _, err := f.svc.DecideStage(f.as(a), r.ID, 1, true, ""); err != nil {
		t.Fatal(err)
	}
	// B clicked "approve" on stage 1 at the same moment: with the stage named, the click does not
	// approve stage 2 unseen.
	_, err := f.svc.DecideStage(f.as(b), r.ID, 1, true, "")
	if errCode(err) != "alreadyDecided" || !strings.Contains(err.Error(), "already approved by A at") {
		t.Fatalf("late stage-1 click: %v", err)
	}
	if got := f.request(r.ID); got.CurrentStage != 1 || got.Stages[1].Status != entitlement.StagePending {
		t.Fatalf("stage 2 was decided by a stage-1 click: %+v", got.Stages[1])
	}
}

func TestEscalationAndTimeout(t *testing.T) {
	w := newWorld(t)
	esc := w.user("Escalation Person")
	st := approvalStage(2, single(*w.bob))
	st.IsEscalationEnabled, st.EscalationTimeInMinutes, st.EscalationApprovers = true, 60, []entitlement.UserSet{single(esc)}
	pol := w.policy(w.teamPkg, approval(st))
	wk := w.worker(entitlement.WorkerOptions{})
	r := w.requestAccess(*w.ada, pol)
	if r.DueDateTime == nil || !r.DueDateTime.Equal(t0.Add(time.Hour)) {
		t.Fatalf("due %v; want the escalation time", r.DueDateTime)
	}

	w.clock.Advance(59 * time.Minute)
	if res, err := wk.Tick(ctxBG); err != nil || res.Requests != 0 {
		t.Fatalf("tick before escalation: %+v %v", res, err)
	}
	if n, _ := w.svc.PendingApprovalCount(w.as(esc)); n != 0 {
		t.Fatalf("escalation approver asked early (%d)", n)
	}
	w.clock.Advance(2 * time.Minute)
	res, err := wk.Tick(ctxBG)
	if err != nil || res.Requests != 1 {
		t.Fatalf("tick at escalation: %+v %v", res, err)
	}
	r = w.request(r.ID)
	if !r.Stages[0].Escalated || r.RequestStatus != entitlement.RequestStatusEscalated || !r.DueDateTime.Equal(t0.Add(48*time.Hour)) {
		t.Fatalf("after escalation %+v due %v", r.Stages[0], r.DueDateTime)
	}
	if n, _ := w.svc.PendingApprovalCount(w.as(esc)); n != 1 {
		t.Fatalf("escalation approver has %d waiting", n)
	}
	if n, _ := w.svc.PendingApprovalCount(w.as(*w.bob)); n != 1 {
		t.Fatalf("primary approver lost the request after escalation (%d)", n)
	}
	if got := w.notifications(entitlement.NotifyApprovalNeeded); len(got) != 2 {
		t.Fatalf("%d approval-needed notifications; want 2 (stage start, escalation)", len(got))
	}
	// A second tick at the same time changes nothing.
	if res, err := wk.Tick(ctxBG); err != nil || res.Requests != 0 {
		t.Fatalf("second tick: %+v %v", res, err)
	}
	r = w.decide(esc, r, true)
	if r.RequestState != entitlement.StateDelivered {
		t.Fatalf("escalation approver's approval: %s", r.RequestState)
	}

	// Timeout: nobody acts for two days.
	w2 := newWorld(t)
	st2 := approvalStage(2, single(*w2.bob))
	pol2 := w2.policy(w2.teamPkg, approval(st2))
	r2 := w2.requestAccess(*w2.ada, pol2)
	wk2 := w2.worker(entitlement.WorkerOptions{})
	w2.clock.Advance(48*time.Hour - time.Second)
	if res, _ := wk2.Tick(ctxBG); res.Requests != 0 {
		t.Fatal("timed out early")
	}
	w2.clock.Advance(time.Second)
	if res, _ := wk2.Tick(ctxBG); res.Requests != 1 {
		t.Fatal("did not time out")
	}
	r2 = w2.request(r2.ID)
	if r2.RequestState != entitlement.StateDenied || r2.StatusDetail != entitlement.ReasonTimedOut || r2.Stages[0].Status != entitlement.StageTimedOut || r2.DueDateTime != nil {
		t.Fatalf("after timeout %s %q %+v", r2.RequestState, r2.StatusDetail, r2.Stages[0])
	}
	before := len(w2.outboxMessages())
	if res, _ := wk2.Tick(ctxBG); res.Requests != 0 {
		t.Fatal("second tick after the timeout changed something")
	}
	if got := w2.request(r2.ID); len(got.Events) != len(r2.Events) {
		t.Fatal("second tick added events")
	}
	if len(w2.outboxMessages()) != before {
		t.Fatal("second tick wrote outbox messages")
	}
	checkInvariants(t, w.st)
	checkInvariants(t, w2.st)
}

// TestConcurrentDecisionsExactlyOnce races many approvers deciding the same request: exactly one
// decision is recorded, every other approver gets "already decided by <winner>", and at most one
// assignment results. Run with -race.
func TestConcurrentDecisionsExactlyOnce(t *testing.T) {
	f := newEngineFixture(t)
	const approvers = 24
	var people []entitlement.User
	for i := range approvers {
		people = append(people, f.user(fmt.Sprintf("Approver %02d", i)))
	}
	g := f.group("Approvers", people...)
	team := f.group("Team")
	cat := f.catalog("Cat")
	res := f.groupResource(cat, team)
	pkg := f.pkg(cat, "P", member(res))
	pol := f.policy(pkg, approval(approvalStage(3, groupSet(g))))

	for round := range 8 {
		req := f.user(fmt.Sprintf("Requestor %d", round))
		r := f.requestAccess(req, pol)
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
				_, err := f.svc.Decide(f.as(u), r.ID, approve, "race")
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					wins = append(wins, u.DisplayName)
				case errCode(err) == "alreadyDecided" && errors.Is(err, entitlement.ErrConflict) && strings.Contains(err.Error(), " by "):
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
		got := f.request(r.ID)
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
		if approved != (got.RequestState == entitlement.StateDelivered) || approved != f.isMember(team, req) {
			t.Fatalf("round %d: decision %s, state %s", round, got.Stages[0].Decision, got.RequestState)
		}
	}
	checkInvariants(t, f.st)
	var live int
	f.view(func(tx entitlement.Tx) error {
		var err error
		live, err = tx.Assignments().CountLiveByPackage(pkg.ID)
		return err
	})
	page, err := f.svc.PackageRequests(f.asAdmin(people[0]), pkg.ID, entitlement.RequestFilter{States: []entitlement.RequestState{entitlement.StateDelivered}}, entitlement.ListOptions{Limit: 100})
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
			_, err := w.svc.SubmitRequest(w.as(*w.ada), entitlement.RequestInput{RequestType: entitlement.RequestUserAdd, AccessPackageID: w.teamPkg.ID, PolicyID: w.approved.ID})
			mu.Lock()
			defer mu.Unlock()
			switch errCode(err) {
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
	checkInvariants(t, w.st)
}
