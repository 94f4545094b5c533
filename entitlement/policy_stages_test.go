package entitlement_test

import (
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

// A request keeps its copy of the policy's stages while it waits for approval, from stage to
// stage, and drops it on every way out of approval: the stored request is what is checked.
func TestRequestDropsPolicyStagesWhenItLeavesApproval(t *testing.T) {
	approval := func(w *world) entitlement.AssignmentPolicy {
		return w.Policy(w.teamPkg, entitlementtest.Approval(entitlementtest.ApprovalStage(2, entitlementtest.Single(*w.bob))), func(p *entitlement.AssignmentPolicy) {
			p.CanExtend = true
			p.RequestApprovalSettings.IsApprovalRequiredForExtension = true
		})
	}
	tests := []struct {
		name  string
		state entitlement.RequestState
		// finish takes a request out of approval and returns its id.
		finish func(t *testing.T, w *world) string
	}{
		{"approved and delivered", entitlement.StateDelivered, func(t *testing.T, w *world) string {
			return w.Decide(*w.bob, w.RequestAccess(*w.ada, approval(w)), true).ID
		}},
		{"approved to start later", entitlement.StateScheduled, func(t *testing.T, w *world) string {
			start := t0.Add(24 * time.Hour)
			r := w.Submit(entitlementtest.As(*w.ada), entitlement.RequestInput{
				RequestType: entitlement.RequestUserAdd, AccessPackageID: w.teamPkg.ID, PolicyID: approval(w).ID,
				Schedule: entitlement.Schedule{StartDateTime: &start},
			})
			return w.Decide(*w.bob, r, true).ID
		}},
		{"denied", entitlement.StateDenied, func(t *testing.T, w *world) string {
			return w.Decide(*w.bob, w.RequestAccess(*w.ada, approval(w)), false).ID
		}},
		{"timed out", entitlement.StateDenied, func(t *testing.T, w *world) string {
			r := w.RequestAccess(*w.ada, approval(w))
			w.Clock.Advance(48 * time.Hour)
			w.Drain(w.Worker(entitlement.WorkerOptions{}))
			return r.ID
		}},
		{"nobody to approve", entitlement.StateDenied, func(t *testing.T, w *world) string {
			pol := w.Policy(w.teamPkg, entitlementtest.Approval(entitlementtest.ApprovalStage(2, entitlementtest.Single(*w.ada))))
			return w.RequestAccess(*w.ada, pol).ID
		}},
		{"canceled by the requestor", entitlement.StateCanceled, func(t *testing.T, w *world) string {
			r := w.RequestAccess(*w.ada, approval(w))
			if err := w.Svc.CancelRequest(entitlementtest.As(*w.ada), r.ID); err != nil {
				t.Fatal(err)
			}
			return r.ID
		}},
		{"canceled by an assignment manager", entitlement.StateCanceled, func(t *testing.T, w *world) string {
			r := w.RequestAccess(*w.ada, approval(w))
			if err := w.Svc.AdminCancelRequest(entitlementtest.As(*w.carol), r.ID, "not this quarter"); err != nil {
				t.Fatal(err)
			}
			return r.ID
		}},
		{"extension approved", entitlement.StateDelivered, func(t *testing.T, w *world) string {
			add := w.Decide(*w.bob, w.RequestAccess(*w.ada, approval(w)), true)
			w.Clock.Advance(20 * 24 * time.Hour)
			ext, err := w.Svc.ExtendAssignment(entitlementtest.As(*w.ada), add.AssignmentID, "", entitlement.Schedule{})
			if err != nil {
				t.Fatal(err)
			}
			return w.Decide(*w.bob, ext, true).ID
		}},
		{"extension canceled with its assignment", entitlement.StateCanceled, func(t *testing.T, w *world) string {
			add := w.Decide(*w.bob, w.RequestAccess(*w.ada, approval(w)), true)
			w.Clock.Advance(20 * 24 * time.Hour)
			ext, err := w.Svc.ExtendAssignment(entitlementtest.As(*w.ada), add.AssignmentID, "", entitlement.Schedule{})
			if err != nil {
				t.Fatal(err)
			}
			removeAs(w.Env, *w.ada, w.Assignment(add.AssignmentID))
			return ext.ID
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			r := w.Request(tc.finish(t, w))
			if r.RequestState != tc.state || len(r.Stages) == 0 {
				t.Fatalf("state %s with %d stages; want %s after approval", r.RequestState, len(r.Stages), tc.state)
			}
			if r.PolicyStages != nil {
				t.Errorf("a %s request keeps its policy's stages: %+v", r.RequestState, r.PolicyStages)
			}
			entitlementtest.CheckInvariants(t, w.Store)
		})
	}
}

func TestRequestKeepsPolicyStagesFromStageToStage(t *testing.T) {
	s := newThreeStages(t)
	r := s.RequestAccess(s.requestor, s.pol)
	for i, approver := range []entitlement.User{s.boss, s.g1} {
		if got := s.Request(r.ID); len(got.PolicyStages) != 3 || got.CurrentStage != i {
			t.Fatalf("at stage %d: %d policy stages kept; want 3", got.CurrentStage+1, len(got.PolicyStages))
		}
		r = s.Decide(approver, r, true)
	}
	if r = s.Decide(s.final, r, true); r.RequestState != entitlement.StateDelivered || s.Request(r.ID).PolicyStages != nil {
		t.Fatalf("after the last stage: %s, policy stages %+v", r.RequestState, r.PolicyStages)
	}
	entitlementtest.CheckInvariants(t, s.Store)
}
