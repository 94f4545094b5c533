package entitlement_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

// TestOutboxClaimsItsBatchInOneTransaction: the worker claims the due messages together, in one
// transaction, and records each result in one of its own: a message costs one write
// transaction, not two.
func TestOutboxClaimsItsBatchInOneTransaction(t *testing.T) {
	var writes *writeCounter
	f := entitlementtest.Open(t, entitlementtest.Options{Wrap: func(st entitlement.Store) entitlement.Store {
		writes = &writeCounter{Store: st}
		return writes
	}})
	cat := f.Catalog("Cat")
	pol := f.Policy(f.Package(cat, "Team", entitlementtest.Member(f.GroupResource(cat, f.Group("Team")))))
	for i := range 5 {
		f.RequestAccess(f.User(fmt.Sprintf("User %d", i)), pol)
	}
	wk := f.Worker(entitlement.WorkerOptions{})
	before := writes.n.Load()
	res, err := wk.Tick(bg)
	if err != nil {
		t.Fatal(err)
	}
	msgs := f.OutboxMessages()
	if res.OutboxDelivered != len(msgs) || len(msgs) < 10 {
		t.Fatalf("delivered %d of %d messages; want all, two or more per request", res.OutboxDelivered, len(msgs))
	}
	// The outbox purge's, the claim's, and one per result.
	if got, want := writes.n.Load()-before, int64(2+len(msgs)); got != want {
		t.Errorf("the tick wrote %d transactions for %d messages; want %d", got, len(msgs), want)
	}
	for _, m := range msgs {
		if m.DeliveredAt == nil || m.Attempts != 1 {
			t.Errorf("message %s %s: delivered %v after %d attempts; want delivered at the first", m.Kind, m.Topic, m.DeliveredAt, m.Attempts)
		}
	}
}

// TestOutboxGivesBackAttemptsNotMade: when the run's budget ends while a call hangs, the messages
// it claimed and never called get their attempt back and stay due, so that a slow target does
// not use up the attempts of what waits behind it.
func TestOutboxGivesBackAttemptsNotMade(t *testing.T) {
	w := newWorld(t)
	appPkg := w.Package(w.cat, "Ledger users", entitlementtest.Role(w.app, "User"))
	appPol := w.Policy(appPkg)
	w.RequestAccess(*w.ada, appPol)
	w.RequestAccess(*w.bob, appPol)
	prov := newHungProvisioner(t, false)
	wk := w.Worker(entitlement.WorkerOptions{Provisioner: prov, CallTimeout: time.Hour, JobBudget: 300 * time.Millisecond})
	if _, err := tickWithin(t, wk, 10*time.Second); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("tick error %v; want the outbox job stopped at its budget", err)
	}
	if n := len(prov.called); n != 1 {
		t.Fatalf("provisioner called %d times; want once, the call that hung", n)
	}
	var tried, untried int
	for _, m := range w.OutboxMessages() {
		switch {
		case m.DeliveredAt != nil:
		case m.Attempts == 1 && strings.Contains(m.LastError, "cut off"):
			tried++
		case m.Attempts == 0 && !m.NextAttempt.After(w.Clock.Now()):
			untried++
		default:
			t.Errorf("message %s %s after the budget ran out: %d attempts, next %s, error %q", m.Kind, m.Topic, m.Attempts, m.NextAttempt, m.LastError)
		}
	}
	if tried != 1 || untried == 0 {
		t.Fatalf("%d messages tried, %d untried; want the hung one tried and the ones behind it untried and due", tried, untried)
	}
	w.Clock.Advance(time.Minute) // past the backoff of the message that was tried
	w.Drain(w.Worker(entitlement.WorkerOptions{Provisioner: entitlementtest.Connected}))
	for _, m := range w.OutboxMessages() {
		if m.DeliveredAt == nil {
			t.Errorf("message %s %s not delivered after the target came back: %+v", m.Kind, m.Topic, m)
		}
	}
	entitlementtest.CheckInvariants(t, w.Store)
}

// TestOutboxClaimsOneByOneWhenTheBatchFails: a message that cannot be claimed (its role record
// unreadable) fails the batch's transaction; the worker then claims each message on its own, so
// that only that message waits and the others go out.
func TestOutboxClaimsOneByOneWhenTheBatchFails(t *testing.T) {
	broken := &unreadableRoleStore{}
	f := entitlementtest.Open(t, entitlementtest.Options{Wrap: func(st entitlement.Store) entitlement.Store {
		broken.Store = st
		return broken
	}})
	cat := f.Catalog("Apps")
	pol := f.Policy(f.Package(cat, "Ledger users", entitlementtest.Role(f.AppResource(cat, "Ledger", "User"), "User")))
	ada, bob := f.User("Ada"), f.User("Bob")
	f.RequestAccess(ada, pol)
	f.RequestAccess(bob, pol)
	var adaRole string
	waiting := f.OutboxMessages()
	for _, m := range waiting {
		if m.Kind == entitlement.OutboxProvision && strings.Contains(string(m.Payload), ada.ID) {
			adaRole = m.ID
		}
	}
	broken.roleOf.Store(&ada.ID)

	_, err := f.Worker(entitlement.WorkerOptions{Provisioner: entitlementtest.Connected}).Tick(bg)
	if !errors.Is(err, errRoleUnreadable) {
		t.Fatalf("tick error %v; want the unreadable role's", err)
	}
	for _, m := range waiting {
		m = outboxMessage(f, m.ID)
		switch {
		case m.ID == adaRole && (m.Attempts != 0 || m.DeliveredAt != nil):
			t.Errorf("the message of the unreadable role was claimed: %+v", m)
		case m.ID != adaRole && m.DeliveredAt == nil:
			t.Errorf("message %s %s not delivered: %+v", m.Kind, m.Topic, m)
		}
	}
}

var errRoleUnreadable = errors.New("assignment role unreadable")

// unreadableRoleStore fails every read of the roles of one subject, once roleOf names it, as a
// damaged record would.
type unreadableRoleStore struct {
	entitlement.Store
	roleOf atomic.Pointer[string]
}

func (s *unreadableRoleStore) Update(ctx context.Context, fn func(entitlement.Tx) error) error {
	return s.Store.Update(ctx, func(tx entitlement.Tx) error { return fn(unreadableRoleTx{tx, s}) })
}

type unreadableRoleTx struct {
	entitlement.Tx
	s *unreadableRoleStore
}

func (tx unreadableRoleTx) AssignmentRoles() entitlement.AssignmentRoles {
	return unreadableRoles{tx.Tx.AssignmentRoles(), tx.s}
}

type unreadableRoles struct {
	entitlement.AssignmentRoles
	s *unreadableRoleStore
}

func (r unreadableRoles) Get(id string) (entitlement.AssignmentResourceRole, error) {
	if subject := r.s.roleOf.Load(); subject != nil && strings.HasPrefix(id, *subject) {
		return entitlement.AssignmentResourceRole{}, errRoleUnreadable
	}
	return r.AssignmentRoles.Get(id)
}
