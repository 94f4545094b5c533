package entitlement_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

// Delivered outbox messages are purged once the retention period has passed; a message given up
// on stays until someone handles it, however old.
func TestOutboxPurgeAfterRetention(t *testing.T) {
	w := newWorld(t)
	pkg := w.Package(w.cat, "Ledger users", entitlementtest.Role(w.app, "User"))
	pol := w.Policy(pkg)
	prov := &flakyProvisioner{always: true}
	wk := w.Worker(entitlement.WorkerOptions{Provisioner: prov, MaxAttempts: 1, OutboxRetention: 48 * time.Hour})
	w.RequestAccess(*w.ada, pol)
	w.Drain(wk)
	var delivered, failed int
	for _, m := range w.OutboxMessages() {
		switch {
		case m.DeliveredAt != nil:
			delivered++
		case m.FailedAt != nil:
			failed++
		}
	}
	if delivered == 0 || failed != 1 {
		t.Fatalf("before the purge: %d delivered, %d failed; want some delivered and the provisioning failed", delivered, failed)
	}

	w.Clock.Advance(47 * time.Hour)
	if res, err := wk.Tick(context.Background()); err != nil || res.OutboxPurged != 0 {
		t.Fatalf("within the retention period: purged %d (%v), want none", res.OutboxPurged, err)
	}
	w.Clock.Advance(2 * time.Hour)
	res, err := wk.Tick(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.OutboxPurged != delivered {
		t.Errorf("purged %d, want the %d delivered messages", res.OutboxPurged, delivered)
	}
	left := w.OutboxMessages()
	if len(left) != 1 || left[0].FailedAt == nil || left[0].Kind != entitlement.OutboxProvision {
		t.Errorf("left in the outbox: %+v; want only the failed provisioning", left)
	}
}

// With several calls at once the worker carries out every message once: each role is provisioned
// once and every message ends delivered.
func TestConcurrentOutboxDeliversEachMessageOnce(t *testing.T) {
	w := newWorld(t)
	pkg := w.Package(w.cat, "Ledger users", entitlementtest.Role(w.app, "User"))
	pol := w.Policy(pkg)
	for i := range 30 {
		w.RequestAccess(w.User(fmt.Sprint("Person ", i)), pol)
	}
	prov := &flakyProvisioner{}
	w.Drain(w.Worker(entitlement.WorkerOptions{Provisioner: prov, Concurrency: 8, PerTarget: 8}))
	if len(prov.calls) != 30 {
		t.Errorf("%d roles provisioned, want 30", len(prov.calls))
	}
	for role, n := range prov.calls {
		if n != 1 {
			t.Errorf("role %s provisioned %d times", role, n)
		}
	}
	for _, m := range w.OutboxMessages() {
		if m.DeliveredAt == nil {
			t.Errorf("message %s (%s) not delivered", m.ID, m.Topic)
		}
	}
}

// Several calls at once give what one at a time gives: a role removed before its grant went out
// is removed once at the target and never granted after its removal, whatever the lanes.
func TestConcurrentOutboxKeepsARolesOrder(t *testing.T) {
	for _, concurrency := range []int{1, 8} {
		t.Run(fmt.Sprint("concurrency ", concurrency), func(t *testing.T) {
			w := newWorld(t)
			pkg := w.Package(w.cat, "Ledger users", entitlementtest.Role(w.app, "User"))
			pol := w.Policy(pkg)
			var people []entitlement.User
			for i := range 20 {
				u := w.User(fmt.Sprint("Person ", i))
				w.RequestAccess(u, pol)
				people = append(people, u)
			}
			for _, u := range people[:10] {
				removeAs(w.Env, u, liveAssignment(w.Env, u, pkg))
			}
			prov := &flakyProvisioner{}
			w.Drain(w.Worker(entitlement.WorkerOptions{Provisioner: prov, Concurrency: concurrency, PerTarget: concurrency}))
			last := map[string]string{}
			for _, a := range prov.log {
				if a.Op == entitlement.ProvisionAdd && last[a.RoleID] == entitlement.ProvisionRemove {
					t.Errorf("role %s granted after its removal", a.RoleID)
				}
				last[a.RoleID] = a.Op
			}
			added, removed := 0, 0
			for role, op := range last {
				switch {
				case op == entitlement.ProvisionAdd:
					added++
				case prov.calls[entitlement.ProvisionRemove+role] == 1:
					removed++
				}
			}
			if added != 10 || removed != 10 {
				t.Errorf("%d roles granted and %d removed once, want 10 and 10 (%d calls)", added, removed, len(prov.log))
			}
		})
	}
}
