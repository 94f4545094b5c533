package provision_test

import (
	"encoding/json"
	"errors"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
	"github.com/stewardhq/steward/provision"
)

// stageTenant is hookTenant with an approval stage and a policy that calls a second receiver,
// signed with the same key, at every custom-extension stage.
func stageTenant(t *testing.T, answers ...int) (*hookTenant, *receiver, entitlement.User) {
	h := newHookTenant(t)
	approver := h.User("Avery Approver")
	stages := &receiver{t: t, answers: answers, now: time.Now}
	srv := httptest.NewServer(stages)
	t.Cleanup(srv.Close)
	cat := h.Catalog("Operations")
	h.pol = h.Policy(h.Package(cat, "On call", entitlementtest.Role(h.app, "Maintainer")),
		entitlementtest.Approval(entitlementtest.ApprovalStage(7, entitlementtest.Single(approver))))
	var in []entitlement.CustomExtensionInput
	for _, st := range entitlement.CustomExtensionStages {
		in = append(in, entitlement.CustomExtensionInput{Stage: st, EndpointURL: srv.URL + "/stage", Key: hookKey})
	}
	if _, err := h.Svc.SetPolicyCustomExtensions(entitlementtest.AsAdmin(h.admin), h.pol.ID, in); err != nil {
		t.Fatal(err)
	}
	return h, stages, approver
}

func stageCalls(t *testing.T, rc *receiver) []entitlement.HookCall {
	t.Helper()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []entitlement.HookCall
	for _, c := range rc.raw {
		var call entitlement.HookCall
		if err := json.Unmarshal(c.body, &call); err != nil {
			t.Fatal(err)
		}
		if c.header.Get(provision.HeaderDelivery) != call.ID || call.ID == "" {
			t.Errorf("delivery header %q, body id %q", c.header.Get(provision.HeaderDelivery), call.ID)
		}
		out = append(out, call)
	}
	return out
}

// Through a real flow (request, approval, delivery through the webhook connector, removal) the
// stage receiver sees each of the four stages once, signed, naming the request, the assignment,
// the package, the policy and the person.
func TestStageHooksSeeTheFourStages(t *testing.T) {
	h, stages, approver := stageTenant(t)
	r := h.RequestAccess(h.riley, h.pol)
	h.Decide(approver, r, true)
	h.Drain(h.wk)
	got := h.Request(r.ID)
	if got.RequestState != entitlement.StateDelivered {
		t.Fatalf("request %s, want Delivered", got.RequestState)
	}
	h.remove(t, r)
	h.Drain(h.wk)
	if len(stages.refused) > 0 {
		t.Fatalf("the stage receiver refused calls: %v", stages.refused)
	}
	calls := stageCalls(t, stages)
	var seen []string
	for _, c := range calls {
		seen = append(seen, c.Stage)
		if c.PolicyID != h.pol.ID || c.AccessPackageID != h.pol.AccessPackageID || c.PackageName != "On call" ||
			c.TargetID != h.riley.ID || c.TargetEmail != h.riley.Email || c.RequestID == "" || c.Time.IsZero() {
			t.Errorf("call %+v", c)
		}
		switch c.Stage {
		case entitlement.StageRequestCreated, entitlement.StageRequestApproved:
			if c.RequestID != r.ID || c.AssignmentID != "" {
				t.Errorf("%s names request %s assignment %q", c.Stage, c.RequestID, c.AssignmentID)
			}
		case entitlement.StageRequestGranted, entitlement.StageRequestRemoved:
			if c.AssignmentID != got.AssignmentID {
				t.Errorf("%s names assignment %q, want %s", c.Stage, c.AssignmentID, got.AssignmentID)
			}
		}
	}
	want := slices.Clone(entitlement.CustomExtensionStages)
	slices.Sort(seen)
	slices.Sort(want)
	if !slices.Equal(seen, want) {
		t.Fatalf("stages %v, want each of %v once", seen, want)
	}
	// The connector's grant and revoke went to their own receiver, as before.
	if len(h.rc.calls) != 2 {
		t.Errorf("connector calls %d, want 2", len(h.rc.calls))
	}
	entitlementtest.CheckInvariants(t, h.Store)
}

// A stage receiver that keeps failing is tried MaxAttempts times with backoff; then the call is
// failed and says why, and the request is delivered all the same.
func TestStageHookFailureDoesNotHoldTheRequest(t *testing.T) {
	h, stages, approver := stageTenant(t, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500)
	r := h.RequestAccess(h.riley, h.pol)
	h.Decide(approver, r, true)
	for range 3 {
		h.Drain(h.wk)
		h.Clock.Advance(10 * time.Minute)
	}
	if got := h.Request(r.ID); got.RequestState != entitlement.StateDelivered {
		t.Fatalf("request %s, want Delivered whatever the hooks answer", got.RequestState)
	}
	var failed int
	for _, m := range h.OutboxMessages() {
		if m.Kind != entitlement.OutboxHook {
			continue
		}
		if m.FailedAt == nil || m.Attempts != 3 || !strings.Contains(m.LastError, "500") {
			t.Errorf("hook message %s: failed %v after %d attempts, error %q", m.Topic, m.FailedAt, m.Attempts, m.LastError)
		}
		failed++
	}
	if failed != 3 || len(stages.calls) != 9 {
		t.Errorf("%d hook messages failed after %d calls, want 3 after 9", failed, len(stages.calls))
	}
	// The policy's managers see them.
	shown, err := h.Svc.FailingPolicyHooks(entitlementtest.AsAdmin(h.admin), h.pol.ID, 20)
	if err != nil || len(shown) != 3 || !shown[0].GaveUp || shown[0].Attempts != 3 || shown[0].Call.Stage != entitlement.StageRequestCreated {
		t.Errorf("failing hooks %+v, %v", shown, err)
	}
	if _, err := h.Svc.FailingPolicyHooks(entitlementtest.As(h.riley), h.pol.ID, 20); !errors.Is(err, entitlement.ErrForbidden) {
		t.Errorf("a requester saw the failing hooks: %v", err)
	}
}
