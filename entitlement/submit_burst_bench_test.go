package entitlement_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

// BenchmarkSubmitBurst measures requests delivered end to end per second: people submit through a
// no-approval policy whose package grants a group membership, and the worker provisions the
// roles and sends the notifications 64 at a time; the clock stops when the worker's backlog is
// empty. With 64 submitters at once the store shares commits among them; one submitter at a time
// pays a commit each. Run with -benchtime=Nx, N a multiple of 64.
func BenchmarkSubmitBurst(b *testing.B) {
	for _, writers := range []int{1, 64} {
		b.Run(fmt.Sprintf("submitters=%d", writers), func(b *testing.B) { benchmarkSubmitBurst(b, writers) })
	}
}

func benchmarkSubmitBurst(b *testing.B, writers int) {
	f := entitlementtest.New(b)
	cat := f.Catalog("Cat")
	// Each submitter asks for a package of its own, so that no two requests are for one subject
	// and package; every package grants the membership of one group.
	team := f.Group("Team")
	res := f.GroupResource(cat, team)
	perUser := (b.N + writers - 1) / writers
	var pkgs []entitlement.AccessPackage
	var pols []entitlement.AssignmentPolicy
	for i := range perUser {
		p := f.Package(cat, fmt.Sprintf("Team %d", i), entitlementtest.Member(res))
		pkgs, pols = append(pkgs, p), append(pols, f.Policy(p))
	}
	users := make([]entitlement.User, writers)
	f.Update(func(tx entitlement.Tx) error {
		for i := range users {
			users[i] = entitlement.User{ID: entitlement.NewID(), DisplayName: fmt.Sprintf("User %d", i), Email: fmt.Sprintf("u%d@corp.example", i),
				UserType: entitlement.UserTypeMember, AccountEnabled: true}
			if err := tx.Users().Put(users[i]); err != nil {
				return err
			}
		}
		return nil
	})
	w := f.Worker(entitlement.WorkerOptions{Interval: time.Second, BatchSize: 500, Concurrency: 64, PerTarget: 64})
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = w.Run(ctx) }()
	defer func() { stop(); wg.Wait() }()

	b.ResetTimer()
	start := time.Now()
	var sub sync.WaitGroup
	for u := range writers {
		sub.Add(1)
		go func() {
			defer sub.Done()
			for k := range perUser {
				if u+k*writers >= b.N {
					return
				}
				r, err := f.Svc.SubmitRequest(entitlementtest.As(users[u]), entitlement.RequestInput{RequestType: entitlement.RequestUserAdd,
					AccessPackageID: pkgs[k].ID, PolicyID: pols[k].ID})
				if err != nil || r.RequestState != entitlement.StateDelivered {
					b.Errorf("submit: %v %s", err, r.RequestState)
					return
				}
			}
		}()
	}
	sub.Wait()
	submitted := time.Since(start)
	for {
		bl, err := f.Svc.Backlog(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if bl.OutboxUndelivered == 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	all := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/submitted.Seconds(), "submitted/s")
	b.ReportMetric(float64(b.N)/all.Seconds(), "delivered/s")
	b.ReportMetric((all-submitted).Seconds()*1000, "drain-ms")
}
