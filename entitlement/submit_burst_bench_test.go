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
	burst := newBurst(b, writers)
	stop := burst.startWorker()
	defer stop()

	b.ResetTimer()
	start := time.Now()
	burst.submit(b)
	submitted := time.Since(start)
	burst.waitForEmptyOutbox(b)
	all := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/submitted.Seconds(), "submitted/s")
	b.ReportMetric(float64(b.N)/all.Seconds(), "delivered/s")
	b.ReportMetric((all-submitted).Seconds()*1000, "drain-ms")
}

// BenchmarkBurstDrain measures how fast the worker works off a backlog against how fast it was
// created: 64 people submit b.N requests (as in BenchmarkSubmitBurst) while the worker is
// stopped, then the worker starts and the clock runs until its backlog is empty. created/s is
// requests submitted per second, drained/s requests whose outbox messages were all carried out
// per second of the worker's run. Run with -benchtime=10240x.
func BenchmarkBurstDrain(b *testing.B) {
	burst := newBurst(b, 64)
	b.ResetTimer()
	start := time.Now()
	burst.submit(b)
	created := time.Since(start)
	start = time.Now()
	stop := burst.startWorker()
	defer stop()
	burst.waitForEmptyOutbox(b)
	drained := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/created.Seconds(), "created/s")
	b.ReportMetric(float64(b.N)/drained.Seconds(), "drained/s")
}

// burst is a tenant ready for b.N requests from a number of submitters at once: each submitter
// asks for packages of its own, so that no two requests are for one subject and package, and
// every package grants the membership of one group through a no-approval policy.
type burst struct {
	f     *entitlementtest.Env
	users []entitlement.User
	pkgs  []entitlement.AccessPackage
	pols  []entitlement.AssignmentPolicy
	n     int
}

func newBurst(b *testing.B, writers int) *burst {
	f := entitlementtest.New(b)
	cat := f.Catalog("Cat")
	team := f.Group("Team")
	res := f.GroupResource(cat, team)
	bu := &burst{f: f, users: make([]entitlement.User, writers), n: b.N}
	for i := range (b.N + writers - 1) / writers {
		p := f.Package(cat, fmt.Sprintf("Team %d", i), entitlementtest.Member(res))
		bu.pkgs, bu.pols = append(bu.pkgs, p), append(bu.pols, f.Policy(p))
	}
	f.Update(func(tx entitlement.Tx) error {
		for i := range bu.users {
			bu.users[i] = entitlement.User{ID: entitlement.NewID(), DisplayName: fmt.Sprintf("User %d", i), Email: fmt.Sprintf("u%d@corp.example", i),
				UserType: entitlement.UserTypeMember, AccountEnabled: true}
			if err := tx.Users().Put(bu.users[i]); err != nil {
				return err
			}
		}
		return nil
	})
	return bu
}

// startWorker runs a worker that sends 64 messages at a time until the returned function stops it.
func (bu *burst) startWorker() (stop func()) {
	w := bu.f.Worker(entitlement.WorkerOptions{Interval: time.Second, BatchSize: 500, Concurrency: 64, PerTarget: 64})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = w.Run(ctx) })
	return func() { cancel(); wg.Wait() }
}

// submit submits the n requests, each submitter one after the other, all submitters at once.
func (bu *burst) submit(b *testing.B) {
	var wg sync.WaitGroup
	for u := range bu.users {
		wg.Go(func() {
			for k := range bu.pkgs {
				if u+k*len(bu.users) >= bu.n {
					return
				}
				r, err := bu.f.Svc.SubmitRequest(entitlementtest.As(bu.users[u]), entitlement.RequestInput{RequestType: entitlement.RequestUserAdd,
					AccessPackageID: bu.pkgs[k].ID, PolicyID: bu.pols[k].ID})
				if err != nil || r.RequestState != entitlement.StateDelivered {
					b.Errorf("submit: %v %s", err, r.RequestState)
					return
				}
			}
		})
	}
	wg.Wait()
}

// waitForEmptyOutbox returns once no outbox message waits.
func (bu *burst) waitForEmptyOutbox(b *testing.B) {
	for {
		bl, err := bu.f.Svc.Backlog(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if bl.OutboxUndelivered == 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}
