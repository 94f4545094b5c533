package entitlement_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

func TestTickWorksInBoundedBatches(t *testing.T) {
	w := newWorld(t)
	short := w.Policy(w.teamPkg, func(p *entitlement.AssignmentPolicy) { p.DurationInDays = 1 })
	for i := range 5 {
		w.RequestAccess(w.User(fmt.Sprintf("Holder %d", i)), short)
	}
	wk := w.Worker(entitlement.WorkerOptions{BatchSize: 2})
	w.Drain(wk) // send the notifications of the deliveries
	w.Clock.Advance(24 * time.Hour)
	var seen []int
	for range 5 {
		res, err := wk.Tick(bg)
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, res.Assignments)
		if res.Assignments > 2 || res.OutboxDelivered > 2 {
			t.Fatalf("tick went beyond its batch: %+v", res)
		}
		if res.Assignments == 2 && !res.More {
			t.Fatalf("a full batch did not say there is more: %+v", res)
		}
	}
	if seen[0] != 2 || seen[1] != 2 || seen[2] != 1 || seen[3] != 0 {
		t.Fatalf("expiries per tick %v; want 2, 2, 1, 0", seen)
	}
	entitlementtest.CheckInvariants(t, w.Store)
}

// recordingNotifier records notifications and fails the first failures calls.
type recordingNotifier struct {
	mu       sync.Mutex
	got      []entitlement.Notification
	failures int
}

func (n *recordingNotifier) Notify(_ context.Context, x entitlement.Notification) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.failures > 0 {
		n.failures--
		return errors.New("mail server down")
	}
	n.got = append(n.got, x)
	return nil
}

func (n *recordingNotifier) events() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []string
	for _, x := range n.got {
		out = append(out, x.Event)
	}
	return out
}

func TestRunUntilCanceled(t *testing.T) {
	w := newWorld(t)
	r := w.RequestAccess(*w.ada, w.approved)
	w.Clock.Advance(8 * 24 * time.Hour) // past the stage timeout
	notes := &recordingNotifier{failures: 1}
	wk := w.Worker(entitlement.WorkerOptions{Interval: 5 * time.Millisecond, Notifier: notes, RetryBase: time.Nanosecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- wk.Run(ctx) }()
	deadline := time.After(10 * time.Second)
	for {
		got := w.Request(r.ID)
		undelivered := 0
		for _, m := range w.OutboxMessages() {
			if m.DeliveredAt == nil {
				undelivered++
			}
		}
		if got.RequestState == entitlement.StateDenied && undelivered == 0 {
			break
		}
		select {
		case <-deadline:
			t.Fatalf("Run did not process the timeout: %s, %d undelivered", got.RequestState, undelivered)
		case <-time.After(5 * time.Millisecond):
			w.Clock.Advance(time.Second) // let the retry come due
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run returned %v", err)
	}
	evs := notes.events()
	for _, want := range []string{entitlement.NotifyRequestSubmitted, entitlement.NotifyApprovalNeeded, entitlement.NotifyRequestTimedOut} {
		found := false
		for _, e := range evs {
			found = found || e == want
		}
		if !found {
			t.Errorf("notifications %v lack %s", evs, want)
		}
	}
	// The failed first attempt was recorded and retried.
	retried := false
	for _, m := range w.OutboxMessages() {
		retried = retried || m.Attempts == 2
	}
	if !retried {
		t.Error("no message shows a retry after the notifier failed")
	}
}

// TestExternalUserJourney: a partner's user signs in and becomes a guest of the connected
// organization, finds a package open to configured organizations, is approved by the
// organization's sponsor, and is blocked when the access ends.
func TestExternalUserJourney(t *testing.T) {
	f := entitlementtest.New(t)
	sponsor := f.User("Sam Sponsor")
	backupApprover := f.User("Backup")
	org := f.Org("Partner Co", entitlement.OrgConfigured, []entitlement.Sponsor{entitlementtest.UserSponsor(sponsor)}, nil)
	proposed := f.Org("Maybe Co", entitlement.OrgProposed, nil, nil)
	team := f.Group("Partners")
	cat := f.Catalog("Partners")
	res := f.GroupResource(cat, team)
	pkg := f.Package(cat, "Partner portal", entitlementtest.Member(res))
	pol := f.Policy(pkg, entitlementtest.Scope(entitlement.ScopeAllConfiguredConnectedOrgs),
		entitlementtest.Approval(entitlementtest.ApprovalStage(7, entitlement.UserSet{Type: entitlement.UserSetInternalSponsors}, backup(entitlementtest.Single(backupApprover)))),
		func(p *entitlement.AssignmentPolicy) { p.DurationInDays = 10 })

	guest, err := f.Svc.SignIn(context.Background(), entitlement.Claims{Issuer: "https://idp.example", Subject: "p-1", Email: "pat@" + org.IdentitySources[0].DomainName, Name: "Pat Partner"})
	if err != nil {
		t.Fatal(err)
	}
	if !guest.IsGuest() || guest.ConnectedOrganizationID != org.ID {
		t.Fatalf("signed-in partner user %+v is not a guest of the organization", guest)
	}
	other, err := f.Svc.SignIn(context.Background(), entitlement.Claims{Issuer: "https://idp.example", Subject: "p-2", Email: "max@" + proposed.IdentitySources[0].DomainName, Name: "Max Maybe"})
	if err != nil {
		t.Fatal(err)
	}
	page, err := f.Svc.RequestablePackages(entitlementtest.As(guest), entitlement.RequestableFilter{}, entitlement.ListOptions{})
	if err != nil || page.Total != 1 || page.Items[0].Package.ID != pkg.ID {
		t.Fatalf("guest's requestable packages: %+v %v", page, err)
	}
	if page, _ := f.Svc.RequestablePackages(entitlementtest.As(other), entitlement.RequestableFilter{}, entitlement.ListOptions{}); page.Total != 0 {
		t.Fatal("a user of a proposed organization may request through the configured-organizations scope")
	}
	r := f.RequestAccess(guest, pol)
	if len(r.Stages[0].Approvers) != 1 || r.Stages[0].Approvers[0] != sponsor.ID {
		t.Fatalf("approvers %v; want the sponsor", names(f, r.Stages[0].Approvers))
	}
	r = f.Decide(sponsor, r, true)
	if r.RequestState != entitlement.StateDelivered || !f.IsMember(team, guest) {
		t.Fatalf("after the sponsor's approval: %s", r.RequestState)
	}
	f.Clock.Advance(10 * 24 * time.Hour)
	f.Drain(f.Worker(entitlement.WorkerOptions{}))
	u, _ := f.UserRecord(guest.ID)
	if u.AccountEnabled || f.IsMember(team, guest) {
		t.Fatalf("guest after the access ended: enabled=%v", u.AccountEnabled)
	}
	if _, err := f.Svc.SignIn(context.Background(), entitlement.Claims{Issuer: "https://idp.example", Subject: "p-1", Email: guest.Email}); !errors.Is(err, entitlement.ErrForbidden) {
		t.Fatalf("blocked guest signs in: %v", err)
	}
	entitlementtest.CheckInvariants(t, f.Store)
}

// TestRunWakesOnChange shows that the worker does not wait for its interval when a change leaves
// it work: a role in an application, delivered through the outbox, is fulfilled at once.
func TestRunWakesOnChange(t *testing.T) {
	f := entitlementtest.New(t)
	ada := f.User("Ada")
	cat := f.Catalog("Apps")
	app := f.AppResource(cat, "Ledger", "User")
	pkg := f.Package(cat, "Ledger users", entitlementtest.Role(app, "User"))
	pol := f.Policy(pkg)

	wk := f.Worker(entitlement.WorkerOptions{Interval: time.Hour, Provisioner: entitlementtest.Connected})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- wk.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run returned %v", err)
		}
	}()

	r := f.RequestAccess(ada, pol)
	deadline := time.After(10 * time.Second)
	for f.Request(r.ID).RequestState != entitlement.StateDelivered {
		select {
		case <-deadline:
			t.Fatalf("request still %s: the worker waited for its hourly tick", f.Request(r.ID).RequestState)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// writeCounter counts the write transactions its store is asked for.
type writeCounter struct {
	entitlement.Store
	n atomic.Int64
}

func (s *writeCounter) Update(ctx context.Context, fn func(entitlement.Tx) error) error {
	s.n.Add(1)
	return s.Store.Update(ctx, fn)
}

// TestIdleWorkerWritesNothing: a worker with nothing to do writes nothing between its ticks. The
// outbox purge writes each time it runs; woken by every commit, its own included, it used to
// run for ever, a commit and an fsync each time.
func TestIdleWorkerWritesNothing(t *testing.T) {
	var writes *writeCounter
	f := entitlementtest.Open(t, entitlementtest.Options{Wrap: func(st entitlement.Store) entitlement.Store {
		writes = &writeCounter{Store: st}
		return writes
	}})
	wk := f.Worker(entitlement.WorkerOptions{Interval: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- wk.Run(ctx) }()
	time.Sleep(200 * time.Millisecond)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run returned %v", err)
	}
	// The purge's first run, at the start.
	if n := writes.n.Load(); n > 1 {
		t.Fatalf("an idle worker wrote %d transactions in 200ms; want at most the purge's first", n)
	}
}
