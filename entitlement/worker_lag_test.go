package entitlement_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

// TestDecisionsDoNotDependOnWorkerLag checks that what is due at a moment holds even when the
// worker has not run yet: a stage past its timeout cannot be approved (and is denied as timed
// out), an escalation approver may decide once the escalation time has passed, and an assignment
// past its end cannot be extended.
func TestDecisionsDoNotDependOnWorkerLag(t *testing.T) {
	t.Run("approval after the stage timed out", func(t *testing.T) {
		w := newWorld(t)
		pol := w.Policy(w.teamPkg, entitlementtest.Approval(entitlementtest.ApprovalStage(2, entitlementtest.Single(*w.bob))))
		r := w.RequestAccess(*w.ada, pol)
		w.Clock.Advance(48 * time.Hour)
		out, err := w.Svc.Decide(entitlementtest.As(*w.bob), r.ID, true, "")
		if !errors.Is(err, entitlement.ErrConflict) || entitlementtest.ErrCode(err) != "alreadyDecided" {
			t.Fatalf("late approval: %s, %v; want alreadyDecided", out.RequestState, err)
		}
		got := w.Request(r.ID)
		if got.RequestState != entitlement.StateDenied || got.RequestStatus != entitlement.RequestStatusTimedOut || got.Stages[0].Status != entitlement.StageTimedOut {
			t.Fatalf("request after the late approval: %s/%s stage %s", got.RequestState, got.RequestStatus, got.Stages[0].Status)
		}
		if got.AssignmentID != "" {
			t.Fatalf("access was delivered through a timed-out stage")
		}
		// The worker finds nothing left to do.
		if res, err := w.Worker(entitlement.WorkerOptions{}).Tick(bg); err != nil || res.Requests != 0 {
			t.Fatalf("tick: %+v %v", res, err)
		}
		entitlementtest.CheckInvariants(t, w.Store)
	})

	t.Run("someone who was never asked, after the timeout", func(t *testing.T) {
		w := newWorld(t)
		stranger := w.User("Stranger")
		pol := w.Policy(w.teamPkg, entitlementtest.Approval(entitlementtest.ApprovalStage(2, entitlementtest.Single(*w.bob))))
		r := w.RequestAccess(*w.ada, pol)
		w.Clock.Advance(48 * time.Hour)
		if _, err := w.Svc.Decide(entitlementtest.As(stranger), r.ID, true, ""); entitlementtest.ErrCode(err) != "notApprover" {
			t.Fatalf("stranger: %v; want notApprover", err)
		}
	})

	t.Run("escalation approver before the worker escalated", func(t *testing.T) {
		w := newWorld(t)
		esc := w.User("Escalation Person")
		st := entitlementtest.ApprovalStage(2, entitlementtest.Single(*w.bob))
		st.IsEscalationEnabled, st.EscalationTimeInMinutes, st.EscalationApprovers = true, 60, []entitlement.UserSet{entitlementtest.Single(esc)}
		pol := w.Policy(w.teamPkg, entitlementtest.Approval(st))
		r := w.RequestAccess(*w.ada, pol)
		w.Clock.Advance(59 * time.Minute)
		if _, err := w.Svc.Decide(entitlementtest.As(esc), r.ID, true, ""); entitlementtest.ErrCode(err) != "notYetEscalated" {
			t.Fatalf("before the escalation time: %v; want notYetEscalated", err)
		}
		w.Clock.Advance(2 * time.Minute)
		out, err := w.Svc.Decide(entitlementtest.As(esc), r.ID, true, "")
		if err != nil || out.RequestState != entitlement.StateDelivered || len(out.Stages) != 1 || !out.Stages[0].Escalated {
			t.Fatalf("after the escalation time: %s, %v; want delivered through the escalated stage", out.RequestState, err)
		}
		entitlementtest.CheckInvariants(t, w.Store)
	})

	t.Run("extension after the end", func(t *testing.T) {
		w := newWorld(t)
		pol := w.Policy(w.teamPkg, func(p *entitlement.AssignmentPolicy) { p.CanExtend = true })
		r := w.RequestAccess(*w.ada, pol)
		a := w.Assignment(r.AssignmentID)
		w.Clock.Set(*a.EndDateTime())
		out, err := w.Svc.ExtendAssignment(entitlementtest.As(*w.ada), a.ID, "", entitlement.Schedule{})
		if entitlementtest.ErrCode(err) != "assignmentNotLive" {
			t.Fatalf("extension after the end: %s, %v; want assignmentNotLive", out.RequestState, err)
		}
		if got := w.Assignment(a.ID); !got.EndDateTime().Equal(*a.EndDateTime()) {
			t.Fatalf("the end moved to %v", got.EndDateTime())
		}
	})
}
