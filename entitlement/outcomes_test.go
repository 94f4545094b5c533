package entitlement_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

// Outcomes between the engine's parts that trying Steward as users would showed wrong: each test
// failed before its fix.

func TestExtensionAddsRealTime(t *testing.T) {
	t.Run("asked a day after delivery: not yet, and says from when", func(t *testing.T) {
		w := newWorld(t)
		pol := w.Policy(w.teamPkg, func(p *entitlement.AssignmentPolicy) { p.CanExtend = true })
		add := w.RequestAccess(*w.ada, pol)
		end := *w.Assignment(add.AssignmentID).EndDateTime()
		w.Clock.Advance(24 * time.Hour)
		_, err := w.Svc.ExtendAssignment(entitlementtest.As(*w.ada), add.AssignmentID, "", entitlement.Schedule{})
		if entitlementtest.ErrCode(err) != entitlement.CodeExtensionNotOpen || !strings.Contains(err.Error(), "14 days before it ends") {
			t.Fatalf("extension a day after delivery: %v; want %s saying from when", err, entitlement.CodeExtensionNotOpen)
		}
		if got := w.Assignment(add.AssignmentID); got.IsExtended || !got.EndDateTime().Equal(end) {
			t.Fatalf("the refused extension changed the end to %v", got.EndDateTime())
		}
	})
	t.Run("in the last days: the policy's whole duration after the current end", func(t *testing.T) {
		w := newWorld(t)
		pol := w.Policy(w.teamPkg, func(p *entitlement.AssignmentPolicy) { p.CanExtend = true })
		add := w.RequestAccess(*w.ada, pol)
		end := *w.Assignment(add.AssignmentID).EndDateTime()
		w.Clock.Set(end.Add(-3 * 24 * time.Hour))
		if _, err := w.Svc.ExtendAssignment(entitlementtest.As(*w.ada), add.AssignmentID, "", entitlement.Schedule{}); err != nil {
			t.Fatal(err)
		}
		if got := *w.Assignment(add.AssignmentID).EndDateTime(); !got.Equal(end.AddDate(0, 0, 30)) {
			t.Fatalf("extended to %v; want 30 days after %v", got, end)
		}
	})
	t.Run("a fixed policy end that adds less than a day", func(t *testing.T) {
		w := newWorld(t)
		fixed := entitlementtest.T0.AddDate(0, 0, 20)
		pol := w.Policy(w.teamPkg, func(p *entitlement.AssignmentPolicy) {
			p.CanExtend = true
			p.DurationInDays = 0
			p.ExpirationDateTime = &fixed
		})
		add := w.RequestAccess(*w.ada, pol)
		w.Clock.Advance(10 * 24 * time.Hour)
		_, err := w.Svc.ExtendAssignment(entitlementtest.As(*w.ada), add.AssignmentID, "", entitlement.Schedule{})
		if entitlementtest.ErrCode(err) != entitlement.CodeNothingToExtend || !strings.Contains(err.Error(), "less than a day") {
			t.Fatalf("extension to the policy's own end: %v; want %s saying why", err, entitlement.CodeNothingToExtend)
		}
	})
}

func TestExtensionApprovedAfterTheEndEndsTheAccess(t *testing.T) {
	w := newWorld(t)
	pol := w.Policy(w.teamPkg, entitlementtest.Approval(entitlementtest.ApprovalStage(30, entitlementtest.Single(*w.bob))), func(p *entitlement.AssignmentPolicy) {
		p.CanExtend = true
		p.RequestApprovalSettings.IsApprovalRequiredForExtension = true
	})
	add := w.Decide(*w.bob, w.RequestAccess(*w.ada, pol), true)
	end := *w.Assignment(add.AssignmentID).EndDateTime()
	w.Clock.Set(end.Add(-2 * 24 * time.Hour))
	ext, err := w.Svc.ExtendAssignment(entitlementtest.As(*w.ada), add.AssignmentID, "", entitlement.Schedule{})
	if err != nil || ext.RequestState != entitlement.StatePendingApproval {
		t.Fatalf("extension: %s, %v", ext.RequestState, err)
	}
	// The end passes; the worker has not run yet; then the approver approves.
	w.Clock.Set(end.Add(time.Hour))
	_, err = w.Svc.Decide(entitlementtest.As(*w.bob), ext.ID, true, "")
	if entitlementtest.ErrCode(err) != "requestCanceled" || !strings.HasPrefix(err.Error(), "Steward canceled this request") || !strings.Contains(err.Error(), "ended") {
		t.Fatalf("late approval: %v; want Steward's cancellation with why", err)
	}
	a := w.Assignment(add.AssignmentID)
	if a.IsLive() || a.IsExtended || a.AssignmentStatus != entitlement.StatusExpired {
		t.Fatalf("assignment after a late approval: %s/%s extended=%v", a.AssignmentState, a.AssignmentStatus, a.IsExtended)
	}
	if got := w.Request(ext.ID); got.RequestState != entitlement.StateCanceled {
		t.Fatalf("extension request %s", got.RequestState)
	}
	if w.IsMember(w.team, *w.ada) {
		t.Fatal("the membership outlived the access")
	}
	// The worker finds nothing left to do: the access ended once.
	requests := w.CountRequests()
	w.Drain(w.Worker(entitlement.WorkerOptions{}))
	if n := w.CountRequests(); n != requests {
		t.Fatalf("the worker recorded the end again: %d requests, then %d", requests, n)
	}
	entitlementtest.CheckInvariants(t, w.Store)
}

func TestCanceledRequestsSayWhoCanceled(t *testing.T) {
	w := newWorld(t)
	r := w.RequestAccess(*w.ada, w.approved)
	if err := w.Svc.CancelRequest(entitlementtest.As(*w.ada), r.ID); err != nil {
		t.Fatal(err)
	}
	_, err := w.Svc.Decide(entitlementtest.As(*w.bob), r.ID, true, "")
	if entitlementtest.ErrCode(err) != "requestCanceled" || !strings.HasPrefix(err.Error(), "the requestor canceled this request") {
		t.Fatalf("deciding a request its requestor canceled: %v", err)
	}
}

func TestHandSetBlockIsNeverLiftedOrDeleted(t *testing.T) {
	w := newWorld(t)
	w.Settings(func(s *entitlement.Settings) {
		s.ExternalUserLifecycleAction = entitlement.LifecycleBlockSignInAndDelete
		s.DaysUntilExternalUserDeletedAfterBlocked = 30
	})
	guestPol := w.Policy(w.teamPkg, entitlementtest.Scope(entitlement.ScopeAllConfiguredConnectedOrgs))
	eve := *w.eve
	add := w.RequestAccess(eve, guestPol)
	removeAs(w.Env, eve, w.Assignment(add.AssignmentID))
	if u, _ := w.UserRecord(eve.ID); u.AccountEnabled {
		t.Fatal("the life cycle did not block the guest")
	}
	admin := entitlementtest.AsAdmin(*w.carol)
	if err := w.Svc.SetUserBlocked(admin, eve.ID, false); err != nil {
		t.Fatal(err)
	}
	if err := w.Svc.SetUserBlocked(admin, eve.ID, true); err != nil {
		t.Fatal(err)
	}
	w.Clock.Advance(31 * 24 * time.Hour)
	w.Drain(w.Worker(entitlement.WorkerOptions{}))
	u, ok := w.UserRecord(eve.ID)
	if !ok {
		t.Fatal("Steward deleted a guest an administrator had blocked by hand")
	}
	_, err := w.Svc.SubmitRequest(entitlementtest.As(*w.carol), entitlement.RequestInput{RequestType: entitlement.RequestAdminAdd, AccessPackageID: w.teamPkg.ID, PolicyID: w.direct.ID, TargetID: eve.ID})
	if entitlementtest.ErrCode(err) != "targetBlocked" {
		t.Fatalf("assigning a guest blocked by hand: %v; want targetBlocked", err)
	}
	if u, _ = w.UserRecord(eve.ID); u.AccountEnabled {
		t.Fatal("a new assignment lifted a block set by hand")
	}
}

func TestLateScheduledDeliveryKeepsTheRequestedWindow(t *testing.T) {
	w := newWorld(t)
	start := entitlementtest.T0.Add(24 * time.Hour)
	r := w.Submit(entitlementtest.As(*w.ada), entitlement.RequestInput{
		RequestType: entitlement.RequestUserAdd, AccessPackageID: w.teamPkg.ID, PolicyID: w.open.ID,
		Schedule: entitlement.Schedule{StartDateTime: &start},
	})
	if r.RequestState != entitlement.StateScheduled {
		t.Fatalf("state %s; want Scheduled", r.RequestState)
	}
	w.Clock.Set(start.Add(3 * 24 * time.Hour)) // the server was down for three days
	w.Drain(w.Worker(entitlement.WorkerOptions{}))
	a := w.Assignment(w.Request(r.ID).AssignmentID)
	if end := a.EndDateTime(); end == nil || !end.Equal(start.AddDate(0, 0, 30)) {
		t.Fatalf("a late delivery ends at %v; want 30 days after the requested start %v", end, start)
	}
}

func TestBackupApproversSayWhyTheyStandIn(t *testing.T) {
	w := newWorld(t)
	dana := w.User("Dana Backup")
	pol := w.Policy(w.teamPkg, entitlementtest.Approval(entitlementtest.ApprovalStage(7, entitlementtest.ManagerOf(1), entitlement.UserSet{Type: entitlement.UserSetSingleUser, ID: dana.ID, IsBackup: true})))
	bob := *w.bob
	bob.AccountEnabled = false
	w.Update(func(tx entitlement.Tx) error { return tx.Users().Put(bob) })
	r := w.RequestAccess(*w.ada, pol)
	var detail string
	for _, e := range r.Events {
		if e.Kind == entitlement.EventStageStarted {
			detail = e.Detail
		}
	}
	if !strings.Contains(detail, "because Bob Approver's account is blocked") || strings.Contains(detail, "because )") {
		t.Fatalf("stage started: %q; want why the backup approvers are asked", detail)
	}
}

func TestValidationOnlyWritesNothing(t *testing.T) {
	w := newWorld(t)
	pol := w.Policy(w.teamPkg, func(p *entitlement.AssignmentPolicy) { p.CanExtend = true; p.DurationInDays = 10 })
	add := w.RequestAccess(*w.ada, pol)
	drainSignals(w.Svc)
	before := w.CountRequests()
	inputs := []entitlement.RequestInput{
		{RequestType: entitlement.RequestUserAdd, AccessPackageID: w.teamPkg.ID, PolicyID: w.approved.ID, IsValidationOnly: true, TargetID: w.bob.ID},
		{RequestType: entitlement.RequestUserExtend, AssignmentID: add.AssignmentID, IsValidationOnly: true},
		{RequestType: entitlement.RequestUserRemove, AssignmentID: add.AssignmentID, IsValidationOnly: true},
	}
	for _, in := range inputs {
		ctx := entitlementtest.As(*w.ada)
		if in.TargetID != "" {
			ctx = entitlementtest.As(*w.bob)
		}
		if _, err := w.Svc.SubmitRequest(ctx, in); err != nil {
			t.Fatalf("%s, validation only: %v", in.RequestType, err)
		}
		select {
		case <-w.Svc.Changes():
			t.Errorf("%s, validation only, committed a write and woke the worker", in.RequestType)
		default:
		}
	}
	if n := w.CountRequests(); n != before {
		t.Fatalf("validation-only requests stored something: %d requests, then %d", before, n)
	}
}

// drainSignals empties the service's change signal.
func drainSignals(svc *entitlement.Service) {
	for {
		select {
		case <-svc.Changes():
		default:
			return
		}
	}
}
