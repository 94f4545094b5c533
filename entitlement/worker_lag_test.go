package entitlement_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
)

// TestDecisionsDoNotDependOnWorkerLag checks that what is due at a moment holds even when the
// worker has not run yet: a stage past its timeout cannot be approved (and is denied as timed
// out), an escalation approver may decide once the escalation time has passed, and an assignment
// past its end cannot be extended.
func TestDecisionsDoNotDependOnWorkerLag(t *testing.T) {
	t.Run("approval after the stage timed out", func(t *testing.T) {
		w := newWorld(t)
		pol := w.policy(w.teamPkg, approval(approvalStage(2, single(*w.bob))))
		r := w.requestAccess(*w.ada, pol)
		w.clock.Advance(48 * time.Hour)
		out, err := w.svc.Decide(w.as(*w.bob), r.ID, true, "")
		if !errors.Is(err, entitlement.ErrConflict) || errCode(err) != "alreadyDecided" {
			t.Fatalf("late approval: %s, %v; want alreadyDecided", out.RequestState, err)
		}
		got := w.request(r.ID)
		if got.RequestState != entitlement.StateDenied || got.RequestStatus != entitlement.RequestStatusTimedOut || got.Stages[0].Status != entitlement.StageTimedOut {
			t.Fatalf("request after the late approval: %s/%s stage %s", got.RequestState, got.RequestStatus, got.Stages[0].Status)
		}
		if got.AssignmentID != "" {
			t.Fatalf("access was delivered through a timed-out stage")
		}
		// The worker finds nothing left to do.
		if res, err := w.worker(entitlement.WorkerOptions{}).Tick(ctxBG); err != nil || res.Requests != 0 {
			t.Fatalf("tick: %+v %v", res, err)
		}
		checkInvariants(t, w.st)
	})

	t.Run("someone who was never asked, after the timeout", func(t *testing.T) {
		w := newWorld(t)
		stranger := w.user("Stranger")
		pol := w.policy(w.teamPkg, approval(approvalStage(2, single(*w.bob))))
		r := w.requestAccess(*w.ada, pol)
		w.clock.Advance(48 * time.Hour)
		if _, err := w.svc.Decide(w.as(stranger), r.ID, true, ""); errCode(err) != "notApprover" {
			t.Fatalf("stranger: %v; want notApprover", err)
		}
	})

	t.Run("escalation approver before the worker escalated", func(t *testing.T) {
		w := newWorld(t)
		esc := w.user("Escalation Person")
		st := approvalStage(2, single(*w.bob))
		st.IsEscalationEnabled, st.EscalationTimeInMinutes, st.EscalationApprovers = true, 60, []entitlement.UserSet{single(esc)}
		pol := w.policy(w.teamPkg, approval(st))
		r := w.requestAccess(*w.ada, pol)
		w.clock.Advance(59 * time.Minute)
		if _, err := w.svc.Decide(w.as(esc), r.ID, true, ""); errCode(err) != "notYetEscalated" {
			t.Fatalf("before the escalation time: %v; want notYetEscalated", err)
		}
		w.clock.Advance(2 * time.Minute)
		out, err := w.svc.Decide(w.as(esc), r.ID, true, "")
		if err != nil || out.RequestState != entitlement.StateDelivered || len(out.Stages) != 1 || !out.Stages[0].Escalated {
			t.Fatalf("after the escalation time: %s, %v; want delivered through the escalated stage", out.RequestState, err)
		}
		checkInvariants(t, w.st)
	})

	t.Run("extension after the end", func(t *testing.T) {
		w := newWorld(t)
		pol := w.policy(w.teamPkg, func(p *entitlement.AssignmentPolicy) { p.CanExtend = true })
		r := w.requestAccess(*w.ada, pol)
		a := w.assignment(r.AssignmentID)
		w.clock.Set(*a.EndDateTime())
		out, err := w.svc.ExtendAssignment(w.as(*w.ada), a.ID, "", entitlement.Schedule{})
		if errCode(err) != "assignmentNotLive" {
			t.Fatalf("extension after the end: %s, %v; want assignmentNotLive", out.RequestState, err)
		}
		if got := w.assignment(a.ID); !got.EndDateTime().Equal(*a.EndDateTime()) {
			t.Fatalf("the end moved to %v", got.EndDateTime())
		}
	})
}
