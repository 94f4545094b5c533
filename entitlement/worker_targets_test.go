package entitlement_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

// A slow target holds at most PerTarget calls at a time, and the calls to other targets go on
// meanwhile: with three people waiting for a hung application, a second application's grants
// are all made before the first answers.
func TestOutboxCallsRunConcurrentlyPerTarget(t *testing.T) {
	e := entitlementtest.New(t)
	cat := e.Catalog("Apps")
	slow := e.AppResource(cat, "Slow", "User")
	fast := e.AppResource(cat, "Fast", "User")
	slowPol := e.Policy(e.Package(cat, "Slow users", entitlementtest.Role(slow, "User")))
	fastPol := e.Policy(e.Package(cat, "Fast users", entitlementtest.Role(fast, "User")))
	var people []entitlement.User
	for _, n := range []string{"Ann", "Ben", "Cy", "Di"} {
		u := e.User(n)
		people = append(people, u)
		e.RequestAccess(u, slowPol)
		e.RequestAccess(u, fastPol)
	}

	release := make(chan struct{})
	var inSlow, maxSlow, fastDone atomic.Int64
	allFast := make(chan struct{})
	var once sync.Once
	prov := entitlement.ProvisionerFunc(func(ctx context.Context, a entitlement.ProvisionAction) error {
		if a.ResourceID == fast.ID {
			if fastDone.Add(1) == int64(len(people)) {
				once.Do(func() { close(allFast) })
			}
			return nil
		}
		n := inSlow.Add(1)
		defer inSlow.Add(-1)
		for {
			m := maxSlow.Load()
			if n <= m || maxSlow.CompareAndSwap(m, n) {
				break
			}
		}
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	wk := e.Worker(entitlement.WorkerOptions{Provisioner: prov, Concurrency: 4, PerTarget: 1, CallTimeout: time.Minute})
	done := make(chan error, 1)
	go func() {
		_, err := wk.Tick(context.Background())
		done <- err
	}()
	select {
	case <-allFast:
	case <-time.After(10 * time.Second):
		t.Fatalf("the fast application got %d of %d grants while the slow one hung", fastDone.Load(), len(people))
	}
	if m := maxSlow.Load(); m != 1 {
		t.Errorf("the slow application had %d calls at once, want at most 1", m)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	e.Drain(wk)
	for _, u := range people {
		rs, err := e.Svc.UserResourceRoles(entitlementtest.RootAdmin, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			if r.Status != entitlement.RoleStatusFulfilled {
				t.Errorf("%s: %s %s", u.DisplayName, r.ResourceName, r.Status)
			}
		}
	}
	entitlementtest.CheckInvariants(t, e.Store)
}
