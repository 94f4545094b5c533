package entitlement_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
)

// tickWithin runs one tick and fails the test when it has not returned after d, a bound on a
// failing run and never part of what is asserted.
func tickWithin(t *testing.T, wk *entitlement.Worker, d time.Duration) (entitlement.TickResult, error) {
	t.Helper()
	type result struct {
		res entitlement.TickResult
		err error
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan result, 1)
	go func() {
		res, err := wk.Tick(ctx)
		done <- result{res, err}
	}()
	select {
	case r := <-done:
		return r.res, r.err
	case <-time.After(d):
		t.Fatalf("the tick did not return within %s: a hung call stalled it", d)
		return entitlement.TickResult{}, nil
	}
}

// hungProvisioner never finishes by itself: each call waits for release, and for its context
// too unless ignoreCtx, as a connector stuck on a network call without a deadline would.
type hungProvisioner struct {
	ignoreCtx bool
	called    chan struct{} // receives once per call, when it starts
	release   chan struct{} // closed when the test ends
	mu        sync.Mutex
	ends      []error // how each call that honoured its context ended
}

func newHungProvisioner(t *testing.T, ignoreCtx bool) *hungProvisioner {
	p := &hungProvisioner{ignoreCtx: ignoreCtx, called: make(chan struct{}, 100), release: make(chan struct{})}
	t.Cleanup(func() { close(p.release) })
	return p
}

func (p *hungProvisioner) Provision(ctx context.Context, _ entitlement.ProvisionAction) error {
	p.called <- struct{}{}
	if p.ignoreCtx {
		<-p.release
		return nil
	}
	select {
	case <-p.release:
		return nil
	case <-ctx.Done():
		p.mu.Lock()
		p.ends = append(p.ends, ctx.Err())
		p.mu.Unlock()
		return ctx.Err()
	}
}

func (p *hungProvisioner) endings() []error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]error(nil), p.ends...)
}

// stallScene gives the world an assignment that expires a day after t0 (a group membership,
// which Steward changes in its own directory) and a role in an application waiting in the
// outbox for the provisioner.
func stallScene(w *world) (expiring entitlement.Assignment, provision entitlement.OutboxMessage) {
	w.t.Helper()
	short := w.policy(w.teamPkg, func(p *entitlement.AssignmentPolicy) { p.DurationInDays = 1 })
	expiring = w.assignment(w.requestAccess(*w.ada, short).AssignmentID)
	appPkg := w.pkg(w.cat, "Ledger users", grant{w.app, "User"})
	w.requestAccess(*w.bob, w.policy(appPkg))
	for _, m := range w.outboxMessages() {
		if m.Kind == entitlement.OutboxProvision {
			provision = m
		}
	}
	if provision.ID == "" {
		w.t.Fatal("no provisioning message in the outbox")
	}
	return expiring, provision
}

func (f *engineFixture) outboxMessage(id string) entitlement.OutboxMessage {
	f.t.Helper()
	var m entitlement.OutboxMessage
	f.view(func(tx entitlement.Tx) error {
		var err error
		m, err = tx.Outbox().Get(id)
		return err
	})
	return m
}

// TestWorkerHungProvisionerIsCutOff: a provisioner that never answers neither keeps an
// assignment from expiring in the same tick nor holds the tick: the call is cut off by the
// worker's call timeout, and its message is left for a later attempt.
func TestWorkerHungProvisionerIsCutOff(t *testing.T) {
	for _, ignoreCtx := range []bool{false, true} {
		t.Run(fmt.Sprintf("ignores its context %v", ignoreCtx), func(t *testing.T) {
			w := newWorld(t)
			expiring, provision := stallScene(w)
			w.clock.Advance(24 * time.Hour)
			prov := newHungProvisioner(t, ignoreCtx)
			wk := w.worker(entitlement.WorkerOptions{Provisioner: prov, CallTimeout: 10 * time.Millisecond})

			res, err := tickWithin(t, wk, 10*time.Second)
			if err != nil {
				t.Fatalf("tick: %v", err)
			}
			if got := w.assignment(expiring.ID); got.AssignmentState != entitlement.AssignmentExpired || res.Assignments == 0 {
				t.Fatalf("assignment %s after the tick (%+v); want Expired", got.AssignmentState, res)
			}
			if len(prov.called) != 1 {
				t.Fatalf("provisioner called %d times; want 1", len(prov.called))
			}
			if !ignoreCtx {
				if ends := prov.endings(); len(ends) != 1 || !errors.Is(ends[0], context.DeadlineExceeded) {
					t.Fatalf("the hung call ended with %v; want the call timeout", ends)
				}
			}
			m := w.outboxMessage(provision.ID)
			if res.OutboxRetried != 1 || m.DeliveredAt != nil || m.FailedAt != nil || m.Attempts != 1 || !strings.Contains(m.LastError, "deadline") {
				t.Fatalf("message after the cut-off call: %+v (tick %+v); want one attempt, to be retried, with the timeout as its error", m, res)
			}
			checkInvariants(t, w.st)
		})
	}
}

// TestWorkerRunExpiresWhileProvisionerHangs: while a provisioning call hangs (its timeout far
// away), Run still expires an assignment that falls due meanwhile.
func TestWorkerRunExpiresWhileProvisionerHangs(t *testing.T) {
	w := newWorld(t)
	expiring, _ := stallScene(w)
	prov := newHungProvisioner(t, false)
	wk := w.worker(entitlement.WorkerOptions{Provisioner: prov, Interval: 5 * time.Millisecond, CallTimeout: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- wk.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run returned %v", err)
		}
	}()

	select {
	case <-prov.called:
	case <-time.After(10 * time.Second):
		t.Fatal("Run never called the provisioner")
	}
	w.clock.Advance(24 * time.Hour)
	deadline := time.After(10 * time.Second)
	for w.assignment(expiring.ID).AssignmentState != entitlement.AssignmentExpired {
		select {
		case <-deadline:
			t.Fatalf("assignment still %s: the hung provisioner stalled every expiry", w.assignment(expiring.ID).AssignmentState)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// failingScanStore fails every read of the guest blocks' due index, as a damaged index would.
type failingScanStore struct{ entitlement.Store }

func (s failingScanStore) View(ctx context.Context, fn func(entitlement.Tx) error) error {
	return s.Store.View(ctx, func(tx entitlement.Tx) error { return fn(failingScanTx{tx}) })
}

func (s failingScanStore) Update(ctx context.Context, fn func(entitlement.Tx) error) error {
	return s.Store.Update(ctx, func(tx entitlement.Tx) error { return fn(failingScanTx{tx}) })
}

type failingScanTx struct{ entitlement.Tx }

func (tx failingScanTx) GuestBlocks() entitlement.GuestBlocks {
	return failingScanBlocks{tx.Tx.GuestBlocks()}
}

type failingScanBlocks struct{ entitlement.GuestBlocks }

var errScan = errors.New("guest blocks index unreadable")

func (failingScanBlocks) BlockedBefore(time.Time, int) ([]entitlement.GuestBlock, error) {
	return nil, errScan
}

// TestWorkerFailingJobDoesNotStopOthers: when the guest clean-up cannot read its index, the
// tick still expires assignments and delivers the outbox, and reports the failure.
func TestWorkerFailingJobDoesNotStopOthers(t *testing.T) {
	w := newWorld(t)
	short := w.policy(w.teamPkg, func(p *entitlement.AssignmentPolicy) { p.DurationInDays = 1 })
	a := w.requestAccess(*w.ada, short)
	w.clock.Advance(24 * time.Hour)
	svc := entitlement.NewService(entitlement.Options{Store: failingScanStore{w.st}, Clock: w.clock, Logger: quietLog})
	wk := entitlement.NewWorker(svc, entitlement.WorkerOptions{})

	res, err := wk.Tick(ctxBG)
	if !errors.Is(err, errScan) {
		t.Fatalf("tick error %v; want the guest job's failure", err)
	}
	if got := w.assignment(a.AssignmentID); got.AssignmentState != entitlement.AssignmentExpired || res.Assignments != 1 {
		t.Fatalf("assignment %s after the tick (%+v); want Expired", got.AssignmentState, res)
	}
	if len(w.notifications(entitlement.NotifyAssignmentExpired)) != 1 || res.OutboxDelivered == 0 {
		t.Fatalf("outbox after the tick: %+v; want the expiry's notification delivered", res)
	}
	for _, m := range w.outboxMessages() {
		if m.DeliveredAt == nil {
			t.Errorf("message %s (%s) left undelivered", m.ID, m.Topic)
		}
	}
}

// stuckGuest writes a guest the life cycle blocked at blocked, who cannot be deleted while a
// role removal in an origin system is under way (a role record left without assignments).
func (f *engineFixture) stuckGuest(name string, blocked time.Time, removing bool) entitlement.User {
	f.t.Helper()
	u := f.user(name, guestOf("org"), disabled)
	f.update(func(tx entitlement.Tx) error {
		if err := tx.GuestBlocks().Put(entitlement.GuestBlock{UserID: u.ID, BlockedDateTime: blocked}); err != nil {
			return err
		}
		if !removing {
			return nil
		}
		return tx.AssignmentRoles().Put(entitlement.AssignmentResourceRole{
			ID: entitlement.AssignmentResourceRoleID(u.ID, "scope"), SubjectID: u.ID, OriginSystem: entitlement.OriginApplication,
			Status: entitlement.RoleStatusPendingRemoval, ModifiedDateTime: blocked,
		})
	})
	return u
}

// TestWorkerStuckGuestsDoNotStarveCleanUp: 150 blocked guests that cannot be deleted yet, all
// blocked before a guest who can, do not keep that guest from being deleted; they are tried
// again later, and deleted once their removal is done.
func TestWorkerStuckGuestsDoNotStarveCleanUp(t *testing.T) {
	f := newEngineFixture(t)
	f.settings(func(s *entitlement.Settings) {
		s.ExternalUserLifecycleAction = entitlement.LifecycleBlockSignInAndDelete
		s.DaysUntilExternalUserDeletedAfterBlocked = 1
	})
	var stuck []entitlement.User
	for i := range 150 {
		stuck = append(stuck, f.stuckGuest(fmt.Sprintf("Stuck %d", i), t0.Add(-time.Duration(150-i)*time.Minute), true))
	}
	free := f.stuckGuest("Free", t0, false)
	f.clock.Advance(25 * time.Hour)
	wk := f.worker(entitlement.WorkerOptions{RetryBase: time.Minute, RetryMax: time.Hour})

	deleted := 0
	for range 3 {
		res, err := wk.Tick(ctxBG)
		if err != nil {
			t.Fatal(err)
		}
		deleted += res.GuestsDeleted
	}
	if _, found := f.userRecord(free.ID); found || deleted != 1 {
		t.Fatalf("deletable guest still there after 3 ticks (%d deleted): the stuck guests starve the clean-up", deleted)
	}
	// The stuck guests wait for their next attempt instead of being read again at once.
	if res, err := wk.Tick(ctxBG); err != nil || res.More || res.GuestsDeleted != 0 {
		t.Fatalf("tick before the next attempt: %+v %v", res, err)
	}
	// One removal finishes; at its next attempt that guest goes and the others wait again.
	f.update(func(tx entitlement.Tx) error {
		return tx.AssignmentRoles().Delete(entitlement.AssignmentResourceRoleID(stuck[7].ID, "scope"))
	})
	f.clock.Advance(time.Hour)
	deleted = 0
	for range 3 {
		res, err := wk.Tick(ctxBG)
		if err != nil {
			t.Fatal(err)
		}
		deleted += res.GuestsDeleted
	}
	if _, found := f.userRecord(stuck[7].ID); found || deleted != 1 {
		t.Fatalf("guest whose removal finished: still there (%d deleted)", deleted)
	}
	for _, u := range []entitlement.User{stuck[0], stuck[149]} {
		if _, found := f.userRecord(u.ID); !found {
			t.Fatalf("guest %s deleted while their removal is under way", u.DisplayName)
		}
	}
}
