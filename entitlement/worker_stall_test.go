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
	"github.com/stewardhq/steward/entitlement/entitlementtest"
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

// waitEndings returns the calls' endings once n have ended, or what there is after a while: the
// worker does not wait for a cut-off call to return, so the call may still be on its way out.
func (p *hungProvisioner) waitEndings(n int) []error {
	for range 500 {
		if ends := p.endings(); len(ends) >= n {
			return ends
		}
		time.Sleep(10 * time.Millisecond)
	}
	return p.endings()
}

// stallScene gives the world an assignment that expires a day after t0 (a group membership,
// which Steward changes in its own directory) and a role in an application waiting in the
// outbox for the provisioner.
func stallScene(w *world) (expiring entitlement.Assignment, provision entitlement.OutboxMessage) {
	w.T.Helper()
	short := w.Policy(w.teamPkg, func(p *entitlement.AssignmentPolicy) { p.DurationInDays = 1 })
	expiring = w.Assignment(w.RequestAccess(*w.ada, short).AssignmentID)
	appPkg := w.Package(w.cat, "Ledger users", entitlementtest.Role(w.app, "User"))
	w.RequestAccess(*w.bob, w.Policy(appPkg))
	for _, m := range w.OutboxMessages() {
		if m.Kind == entitlement.OutboxProvision {
			provision = m
		}
	}
	if provision.ID == "" {
		w.T.Fatal("no provisioning message in the outbox")
	}
	return expiring, provision
}

func outboxMessage(f *entitlementtest.Env, id string) entitlement.OutboxMessage {
	f.T.Helper()
	var m entitlement.OutboxMessage
	f.View(func(tx entitlement.Tx) error {
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
			w.Clock.Advance(24 * time.Hour)
			prov := newHungProvisioner(t, ignoreCtx)
			wk := w.Worker(entitlement.WorkerOptions{Provisioner: prov, CallTimeout: 10 * time.Millisecond})

			res, err := tickWithin(t, wk, 10*time.Second)
			if err != nil {
				t.Fatalf("tick: %v", err)
			}
			if got := w.Assignment(expiring.ID); got.AssignmentState != entitlement.AssignmentExpired || res.Assignments == 0 {
				t.Fatalf("assignment %s after the tick (%+v); want Expired", got.AssignmentState, res)
			}
			if len(prov.called) != 1 {
				t.Fatalf("provisioner called %d times; want 1", len(prov.called))
			}
			if !ignoreCtx {
				if ends := prov.waitEndings(1); len(ends) != 1 || !errors.Is(ends[0], context.DeadlineExceeded) {
					t.Fatalf("the hung call ended with %v; want the call timeout", ends)
				}
			}
			m := outboxMessage(w.Env, provision.ID)
			if res.OutboxRetried != 1 || m.DeliveredAt != nil || m.FailedAt != nil || m.Attempts != 1 || !strings.Contains(m.LastError, "deadline") {
				t.Fatalf("message after the cut-off call: %+v (tick %+v); want one attempt, to be retried, with the timeout as its error", m, res)
			}
			entitlementtest.CheckInvariants(t, w.Store)
		})
	}
}

// TestWorkerJobBudget: a job that reaches its budget stops, reports it, and leaves what it was
// doing to be tried again; here a provisioning call whose own timeout is far away.
func TestWorkerJobBudget(t *testing.T) {
	w := newWorld(t)
	_, provision := stallScene(w)
	prov := newHungProvisioner(t, false)
	wk := w.Worker(entitlement.WorkerOptions{Provisioner: prov, CallTimeout: time.Hour, JobBudget: 500 * time.Millisecond})

	res, err := tickWithin(t, wk, 10*time.Second)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "outbox: ran out of its budget") {
		t.Fatalf("tick error %v; want the outbox job stopped at its budget", err)
	}
	m := outboxMessage(w.Env, provision.ID)
	if res.OutboxRetried != 1 || m.DeliveredAt != nil || m.Attempts != 1 || !strings.Contains(m.LastError, "cut off") {
		t.Fatalf("message after the budget ran out: %+v (tick %+v); want one attempt, to be retried", m, res)
	}
}

// TestWorkerRunExpiresWhileProvisionerHangs: while a provisioning call hangs (its timeout far
// away), Run still expires an assignment that falls due meanwhile.
func TestWorkerRunExpiresWhileProvisionerHangs(t *testing.T) {
	w := newWorld(t)
	expiring, _ := stallScene(w)
	prov := newHungProvisioner(t, false)
	wk := w.Worker(entitlement.WorkerOptions{Provisioner: prov, Interval: 5 * time.Millisecond, CallTimeout: time.Hour})
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
	w.Clock.Advance(24 * time.Hour)
	deadline := time.After(10 * time.Second)
	for w.Assignment(expiring.ID).AssignmentState != entitlement.AssignmentExpired {
		select {
		case <-deadline:
			t.Fatalf("assignment still %s: the hung provisioner stalled every expiry", w.Assignment(expiring.ID).AssignmentState)
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
	short := w.Policy(w.teamPkg, func(p *entitlement.AssignmentPolicy) { p.DurationInDays = 1 })
	a := w.RequestAccess(*w.ada, short)
	w.Clock.Advance(24 * time.Hour)
	svc := entitlement.NewService(entitlement.Options{Store: failingScanStore{w.Store}, Clock: w.Clock, Logger: entitlementtest.Quiet})
	wk := entitlement.NewWorker(svc, entitlement.WorkerOptions{})

	res, err := wk.Tick(context.Background())
	if !errors.Is(err, errScan) {
		t.Fatalf("tick error %v; want the guest job's failure", err)
	}
	if got := w.Assignment(a.AssignmentID); got.AssignmentState != entitlement.AssignmentExpired || res.Assignments != 1 {
		t.Fatalf("assignment %s after the tick (%+v); want Expired", got.AssignmentState, res)
	}
	if len(w.Notifications(entitlement.NotifyAssignmentExpired)) != 1 || res.OutboxDelivered == 0 {
		t.Fatalf("outbox after the tick: %+v; want the expiry's notification delivered", res)
	}
	for _, m := range w.OutboxMessages() {
		if m.DeliveredAt == nil {
			t.Errorf("message %s (%s) left undelivered", m.ID, m.Topic)
		}
	}
}

// blockedGuests writes n guests the life cycle blocked a minute apart from first, each with a
// role removal in an origin system under way when removing (a role record left without
// assignments), which keeps them from being deleted.
func blockedGuests(f *entitlementtest.Env, n int, first time.Time, removing bool) []entitlement.User {
	f.T.Helper()
	var out []entitlement.User
	f.Update(func(tx entitlement.Tx) error {
		for i := range n {
			u := entitlement.User{
				ID: entitlement.NewID(), DisplayName: "Guest " + entitlement.NewID()[24:], UserType: entitlement.UserTypeGuest,
				CreatedDateTime: f.Clock.Now(),
			}
			u.Email = strings.ReplaceAll(strings.ToLower(u.DisplayName), " ", ".") + "@partner.example"
			blocked := first.Add(time.Duration(i) * time.Minute)
			if err := tx.Users().Put(u); err != nil {
				return err
			}
			if err := tx.GuestBlocks().Put(entitlement.GuestBlock{UserID: u.ID, BlockedDateTime: blocked}); err != nil {
				return err
			}
			if removing {
				err := tx.AssignmentRoles().Put(entitlement.AssignmentResourceRole{
					ID: entitlement.AssignmentResourceRoleID(u.ID, "scope"), SubjectID: u.ID, OriginSystem: entitlement.OriginApplication,
					Status: entitlement.RoleStatusPendingRemoval, ModifiedDateTime: blocked,
				})
				if err != nil {
					return err
				}
			}
			out = append(out, u)
		}
		return nil
	})
	return out
}

func guestBlock(f *entitlementtest.Env, userID string) entitlement.GuestBlock {
	f.T.Helper()
	var b entitlement.GuestBlock
	f.View(func(tx entitlement.Tx) error {
		var err error
		b, err = tx.GuestBlocks().Get(userID)
		return err
	})
	return b
}

// failingDeleteStore fails deleting the users in fail, as a store refusing one record would.
type failingDeleteStore struct {
	entitlement.Store
	mu   sync.Mutex
	fail map[string]bool
}

var errDelete = errors.New("the user record cannot be deleted")

func (s *failingDeleteStore) Update(ctx context.Context, fn func(entitlement.Tx) error) error {
	return s.Store.Update(ctx, func(tx entitlement.Tx) error { return fn(failingDeleteTx{tx, s}) })
}

func (s *failingDeleteStore) stopFailing(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.fail, id)
}

type failingDeleteTx struct {
	entitlement.Tx
	s *failingDeleteStore
}

func (tx failingDeleteTx) Users() entitlement.Users { return failingDeleteUsers{tx.Tx.Users(), tx.s} }

type failingDeleteUsers struct {
	entitlement.Users
	s *failingDeleteStore
}

func (u failingDeleteUsers) Delete(id string) error {
	u.s.mu.Lock()
	fail := u.s.fail[id]
	u.s.mu.Unlock()
	if fail {
		return errDelete
	}
	return u.Users.Delete(id)
}

// TestWorkerStuckGuestsDoNotStarveCleanUp: 150 blocked guests who cannot be deleted, all blocked
// before a guest who can, do not keep that guest from being deleted; they wait for a next
// attempt that moves on with backoff, and go once what held them is over.
func TestWorkerStuckGuestsDoNotStarveCleanUp(t *testing.T) {
	for _, cause := range []string{"role removal under way", "deletion fails"} {
		t.Run(cause, func(t *testing.T) {
			f := entitlementtest.New(t)
			f.Settings(func(s *entitlement.Settings) {
				s.ExternalUserLifecycleAction = entitlement.LifecycleBlockSignInAndDelete
				s.DaysUntilExternalUserDeletedAfterBlocked = 1
			})
			removing := cause == "role removal under way"
			stuck := blockedGuests(f, 150, t0.Add(-3*time.Hour), removing)
			free := blockedGuests(f, 1, t0, false)[0]
			st := &failingDeleteStore{Store: f.Store, fail: map[string]bool{}}
			if !removing {
				for _, u := range stuck {
					st.fail[u.ID] = true
				}
			}
			svc := entitlement.NewService(entitlement.Options{Store: st, Clock: f.Clock, Logger: entitlementtest.Quiet})
			wk := entitlement.NewWorker(svc, entitlement.WorkerOptions{RetryBase: time.Minute, RetryMax: time.Hour})
			f.Clock.Advance(25 * time.Hour)
			ticks := func(n int) (deleted int, more bool) {
				t.Helper()
				for range n {
					res, err := wk.Tick(context.Background())
					if err != nil && (removing || !errors.Is(err, errDelete)) {
						t.Fatal(err)
					}
					deleted += res.GuestsDeleted
					more = res.More
				}
				return deleted, more
			}

			if deleted, _ := ticks(3); deleted != 1 {
				t.Fatalf("%d guests deleted in 3 ticks; want the deletable one", deleted)
			}
			if _, found := f.UserRecord(free.ID); found {
				t.Fatal("the deletable guest is still there: the stuck guests starve the clean-up")
			}
			b := guestBlock(f, stuck[0].ID)
			if b.Attempts != 1 || b.NextAttemptDateTime == nil || !b.NextAttemptDateTime.Equal(f.Clock.Now().Add(time.Minute)) || b.LastError == "" {
				t.Fatalf("stuck guest's block %+v; want one attempt, the next a minute on, and why", b)
			}
			// They wait for their next attempt instead of being read again at once.
			if deleted, more := ticks(1); deleted != 0 || more {
				t.Fatalf("tick before the next attempt: %d deleted, more %v", deleted, more)
			}

			// What held one of them is over; at its next attempt that guest goes, and the others
			// wait again, twice as long.
			if removing {
				f.Update(func(tx entitlement.Tx) error {
					return tx.AssignmentRoles().Delete(entitlement.AssignmentResourceRoleID(stuck[7].ID, "scope"))
				})
			} else {
				st.stopFailing(stuck[7].ID)
			}
			f.Clock.Advance(time.Minute)
			if deleted, _ := ticks(3); deleted != 1 {
				t.Fatalf("%d guests deleted at the next attempt; want 1", deleted)
			}
			if _, found := f.UserRecord(stuck[7].ID); found {
				t.Fatal("the guest whose deletion can go on is still there")
			}
			for _, u := range []entitlement.User{stuck[0], stuck[149]} {
				if _, found := f.UserRecord(u.ID); !found {
					t.Fatalf("guest %s deleted while still held", u.DisplayName)
				}
				if b := guestBlock(f, u.ID); b.Attempts != 2 || !b.NextAttemptDateTime.Equal(f.Clock.Now().Add(2*time.Minute)) {
					t.Fatalf("block after the second attempt %+v; want the next attempt two minutes on", b)
				}
			}
		})
	}
}
