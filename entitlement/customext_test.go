package entitlement_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

// commitSpy records, for every committed write transaction, the hook calls it wrote to the
// outbox and the request and assignment states it stored, so a test can tell that a hook was
// written in the same transaction as its event.
type commitSpy struct {
	entitlement.Store
	mu      sync.Mutex
	commits []*txWrites
}

type txWrites struct {
	hooks       []entitlement.HookCall
	requests    map[string]entitlement.Request
	assignments map[string]entitlement.Assignment
}

func (s *commitSpy) Update(ctx context.Context, fn func(entitlement.Tx) error) error {
	var w *txWrites
	err := s.Store.Update(ctx, func(tx entitlement.Tx) error {
		w = &txWrites{requests: map[string]entitlement.Request{}, assignments: map[string]entitlement.Assignment{}}
		return fn(spyTx{Tx: tx, w: w})
	})
	if err == nil {
		s.mu.Lock()
		s.commits = append(s.commits, w)
		s.mu.Unlock()
	}
	return err
}

type spyTx struct {
	entitlement.Tx
	w *txWrites
}

func (t spyTx) Outbox() entitlement.Outbox { return spyOutbox{Outbox: t.Tx.Outbox(), w: t.w} }
func (t spyTx) Requests() entitlement.Requests {
	return spyRequests{Requests: t.Tx.Requests(), w: t.w}
}
func (t spyTx) Assignments() entitlement.Assignments {
	return spyAssignments{Assignments: t.Tx.Assignments(), w: t.w}
}

type spyOutbox struct {
	entitlement.Outbox
	w *txWrites
}

func (o spyOutbox) Put(m entitlement.OutboxMessage) error {
	if m.Kind == entitlement.OutboxHook && m.Attempts == 0 && m.DeliveredAt == nil {
		var c entitlement.HookCall
		if err := json.Unmarshal(m.Payload, &c); err != nil {
			return err
		}
		o.w.hooks = append(o.w.hooks, c)
	}
	return o.Outbox.Put(m)
}

type spyRequests struct {
	entitlement.Requests
	w *txWrites
}

func (r spyRequests) Put(x entitlement.Request) error {
	r.w.requests[x.ID] = x
	return r.Requests.Put(x)
}

type spyAssignments struct {
	entitlement.Assignments
	w *txWrites
}

func (a spyAssignments) Put(x entitlement.Assignment) error {
	a.w.assignments[x.ID] = x
	return a.Assignments.Put(x)
}

type hookWorld struct {
	*entitlementtest.Env
	spy           *commitSpy
	admin, riley  entitlement.User
	approver      entitlement.User
	hooked, plain entitlement.AssignmentPolicy
	worker        *entitlement.Worker
	calls         []entitlement.HookCall
	mu            sync.Mutex
}

func newHookWorld(t *testing.T) *hookWorld {
	w := &hookWorld{}
	w.Env = entitlementtest.Open(t, entitlementtest.Options{Wrap: func(s entitlement.Store) entitlement.Store {
		w.spy = &commitSpy{Store: s}
		return w.spy
	}})
	w.admin, w.riley, w.approver = w.User("Ada Admin"), w.User("Riley Chen"), w.User("Avery Approver")
	cat := w.Catalog("Engineering")
	res := w.GroupResource(cat, w.Group("Builders"))
	approval := entitlementtest.Approval(entitlementtest.ApprovalStage(7, entitlementtest.Single(w.approver)))
	w.hooked = w.Policy(w.Package(cat, "Build", entitlementtest.Member(res)), approval, func(p *entitlement.AssignmentPolicy) { p.DurationInDays = 10 })
	w.plain = w.Policy(w.Package(cat, "Deploy", entitlementtest.Member(res)), approval)
	var in []entitlement.CustomExtensionInput
	for _, st := range entitlement.CustomExtensionStages {
		in = append(in, entitlement.CustomExtensionInput{Stage: st, EndpointURL: "https://hooks.example.com/" + st, Key: "0123456789abcdef-key"})
	}
	if _, err := w.Svc.SetPolicyCustomExtensions(entitlementtest.AsAdmin(w.admin), w.hooked.ID, in); err != nil {
		t.Fatal(err)
	}
	w.worker = w.Worker(entitlement.WorkerOptions{Provisioner: entitlementtest.Connected, Hooks: hookFunc(func(_ context.Context, ep entitlement.HookEndpoint, c entitlement.HookCall) error {
		if ep.Key != "0123456789abcdef-key" || ep.URL != "https://hooks.example.com/"+c.Stage {
			t.Errorf("endpoint %+v for %s", ep, c.Stage)
		}
		w.mu.Lock()
		w.calls = append(w.calls, c)
		w.mu.Unlock()
		return nil
	})})
	return w
}

type hookFunc func(context.Context, entitlement.HookEndpoint, entitlement.HookCall) error

func (f hookFunc) CallHook(ctx context.Context, ep entitlement.HookEndpoint, c entitlement.HookCall) error {
	return f(ctx, ep, c)
}

// commitOf returns the one committed transaction that wrote the stage's hook, failing when there
// is not exactly one.
func (w *hookWorld) commitOf(stage string) (*txWrites, entitlement.HookCall) {
	w.T.Helper()
	var found []*txWrites
	var call entitlement.HookCall
	for _, c := range w.spy.commits {
		for _, h := range c.hooks {
			if h.Stage == stage {
				found, call = append(found, c), h
			}
		}
	}
	if len(found) != 1 {
		w.T.Fatalf("%s written %d times, want once", stage, len(found))
	}
	return found[0], call
}

// Each stage's hook is written once, in the transaction of its event, and the worker hands it
// to the HookCaller with the unsealed key; the expiry of the access is a removal too.
func TestStageHooksAreWrittenWithTheirEvents(t *testing.T) {
	w := newHookWorld(t)
	r := w.RequestAccess(w.riley, w.hooked)
	if c, h := w.commitOf(entitlement.StageRequestCreated); c.requests[r.ID].RequestState != entitlement.StatePendingApproval || h.RequestID != r.ID {
		t.Errorf("created hook not with the submission: %+v", c.requests[r.ID])
	}
	w.Decide(w.approver, r, true)
	c, _ := w.commitOf(entitlement.StageRequestApproved)
	if got := c.requests[r.ID]; got.ID != r.ID || got.Stages[0].Status != entitlement.StageApproved {
		t.Errorf("approved hook not with the approval: %+v", got)
	}
	w.Drain(w.worker)
	a := w.Request(r.ID).AssignmentID
	c, h := w.commitOf(entitlement.StageRequestGranted)
	if got := c.assignments[a]; got.AssignmentState != entitlement.AssignmentDelivered || h.AssignmentID != a || h.RequestID != r.ID {
		t.Errorf("granted hook not with the delivery: %+v", got)
	}
	w.Clock.Advance(11 * 24 * time.Hour)
	w.Drain(w.worker)
	c, h = w.commitOf(entitlement.StageRequestRemoved)
	if got := c.assignments[a]; got.AssignmentState != entitlement.AssignmentExpired {
		t.Errorf("removed hook not with the expiry: %+v", got)
	}
	if h.PolicyID != w.hooked.ID || h.PolicyName != w.hooked.DisplayName || h.PackageName != "Build" || h.TargetID != w.riley.ID || h.TargetEmail != w.riley.Email || !h.Time.Equal(w.Clock.Now()) {
		t.Errorf("removed hook %+v", h)
	}
	w.Drain(w.worker)
	if len(w.calls) != 4 {
		t.Fatalf("the worker made %d hook calls, want 4", len(w.calls))
	}
	for _, m := range w.OutboxMessages() {
		if m.Kind == entitlement.OutboxHook && m.DeliveredAt == nil {
			t.Errorf("hook %s not delivered: %s", m.Topic, m.LastError)
		}
	}
	entitlementtest.CheckInvariants(t, w.Store)
}

// A policy without hooks writes none, whatever happens to its requests.
func TestNoStageHooksWithoutSettings(t *testing.T) {
	w := newHookWorld(t)
	r := w.RequestAccess(w.riley, w.plain)
	w.Decide(w.approver, r, true)
	w.Drain(w.worker)
	if _, err := w.Svc.SubmitRequest(entitlementtest.AsAdmin(w.admin), entitlement.RequestInput{RequestType: entitlement.RequestAdminRemove, AssignmentID: w.Request(r.ID).AssignmentID}); err != nil {
		t.Fatal(err)
	}
	for _, m := range w.OutboxMessages() {
		if m.Kind == entitlement.OutboxHook {
			t.Errorf("hook message %s for a policy without hooks", m.Topic)
		}
	}
}

// Settings: https or loopback only, a key is needed and stays sealed, an empty key keeps the
// saved one, an empty URL turns the stage off, and only the catalog's managers may change them.
func TestSetPolicyCustomExtensions(t *testing.T) {
	w := newHookWorld(t)
	ctx := entitlementtest.AsAdmin(w.admin)
	set := func(in ...entitlement.CustomExtensionInput) (entitlement.AssignmentPolicy, error) {
		return w.Svc.SetPolicyCustomExtensions(ctx, w.plain.ID, in)
	}
	var ve *entitlement.ValidationError
	_, err := set(entitlement.CustomExtensionInput{Stage: entitlement.StageRequestCreated, EndpointURL: "http://hooks.example.com/x", Key: "0123456789abcdef"})
	if !errors.As(err, &ve) || !strings.Contains(ve.Fields["customExtension.assignmentRequestCreated.url"], "https") {
		t.Fatalf("plain http elsewhere: %v", err)
	}
	_, err = set(entitlement.CustomExtensionInput{Stage: entitlement.StageRequestCreated, EndpointURL: "hooks.example.com", Key: "0123456789abcdef"})
	if entitlementtest.ErrCode(err) != "invalidCustomExtension" {
		t.Fatalf("no scheme: %v", err)
	}
	_, err = set(entitlement.CustomExtensionInput{Stage: entitlement.StageRequestCreated, EndpointURL: "https://hooks.example.com/x"})
	if !errors.As(err, &ve) || ve.Fields["customExtension.assignmentRequestCreated.key"] == "" {
		t.Fatalf("no key: %v", err)
	}
	if _, err = set(entitlement.CustomExtensionInput{Stage: "whenever", EndpointURL: "https://hooks.example.com/x", Key: "0123456789abcdef"}); entitlementtest.ErrCode(err) != "invalidCustomExtension" {
		t.Fatalf("unknown stage: %v", err)
	}
	p, err := set(entitlement.CustomExtensionInput{Stage: entitlement.StageRequestGranted, EndpointURL: "http://127.0.0.1:9000/h", Key: "0123456789abcdef"})
	if err != nil {
		t.Fatalf("loopback http: %v", err)
	}
	c, ok := p.CustomExtension(entitlement.StageRequestGranted)
	if !ok || c.SealedKey == "" || strings.Contains(c.SealedKey, "0123456789abcdef") {
		t.Fatalf("saved %+v", c)
	}
	p, err = set(entitlement.CustomExtensionInput{Stage: entitlement.StageRequestGranted, EndpointURL: "https://hooks.example.com/granted"})
	if err != nil {
		t.Fatal(err)
	}
	if c2, _ := p.CustomExtension(entitlement.StageRequestGranted); c2.SealedKey != c.SealedKey || c2.EndpointURL != "https://hooks.example.com/granted" {
		t.Errorf("empty key did not keep the saved one: %+v", c2)
	}
	if p, err = set(entitlement.CustomExtensionInput{Stage: entitlement.StageRequestGranted}); err != nil || len(p.CustomExtensionStageSettings) != 0 {
		t.Errorf("empty URL left %+v, %v", p.CustomExtensionStageSettings, err)
	}
	if _, err := w.Svc.SetPolicyCustomExtensions(entitlementtest.As(w.riley), w.plain.ID, nil); !errors.Is(err, entitlement.ErrForbidden) {
		t.Errorf("a requestor changed the hooks: %v", err)
	}
}
