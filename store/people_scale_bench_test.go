package store

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

// peopleScales are the tenants of BenchmarkPeopleListScale: bench gen's tenth and full scale.
var peopleScales = []int{5000, 50000}

// buildPeople writes n people into a new store under dir, in batches through the store, named
// and addressed as bench gen names them (random first and last names, user<i>@bench.example),
// so that a search for "user12" matches 111 of 5,000 people and 1,111 of 50,000.
func buildPeople(dir string, n int) (*Store, error) {
	s, err := Open(filepath.Join(dir, "people.db"))
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(3, 4))
	first := []string{"Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Margaret", "Dennis", "Radia", "Linus"}
	last := []string{"Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Hamilton", "Ritchie", "Perlman", "Torvalds"}
	const batch = 5000
	for start := 0; start < n; start += batch {
		err := s.Update(ctx, func(tx entitlement.Tx) error {
			for i := start; i < min(start+batch, n); i++ {
				u := entitlement.User{ID: entitlement.NewID(), DisplayName: first[rng.IntN(len(first))] + " " + last[rng.IntN(len(last))],
					Email: fmt.Sprintf("user%d@bench.example", i), UserType: entitlement.UserTypeMember, AccountEnabled: true}
				if err := tx.Users().Put(u); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			_ = s.Close()
			return nil, err
		}
	}
	return s, nil
}

// cpuTime is the CPU time the process has used, in user and system mode, GC included.
func cpuTime(b *testing.B) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// loopCPU runs op in b.Loop and reports the CPU time it took per call as cpu-ns/op beside the
// wall time: on a machine that other work keeps busy, the CPU time is what stays comparable.
func loopCPU(b *testing.B, op func()) {
	b.ReportAllocs()
	start, n := cpuTime(b), 0
	for b.Loop() {
		op()
		n++
	}
	b.ReportMetric(float64(cpuTime(b)-start)/float64(n), "cpu-ns/op")
}

// BenchmarkPeopleListScale is the admin users page's read at bench gen's tenth and full scale:
// the first page with its total, and a search's first and second pages. Its cost should not
// grow with the tenant: "user12" matches 111 people at a tenth and 1,111 in full, and a search
// counts up to entitlement.SearchCountLimit.
func BenchmarkPeopleListScale(b *testing.B) {
	for _, n := range peopleScales {
		dir, err := os.MkdirTemp("", "steward-people")
		if err != nil {
			b.Fatal(err)
		}
		s, err := buildPeople(dir, n)
		if err != nil {
			b.Fatal(err)
		}
		list := func(b *testing.B, opt entitlement.ListOptions) entitlement.Page[entitlement.User] {
			var p entitlement.Page[entitlement.User]
			err := s.View(ctx, func(tx entitlement.Tx) error {
				var err error
				p, err = tx.Users().List(opt)
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
			return p
		}
		counted := min(map[int]int{5000: 111, 50000: 1111}[n], entitlement.SearchCountLimit)
		b.Run(fmt.Sprintf("people=%d/first", n), func(b *testing.B) {
			loopCPU(b, func() {
				if p := list(b, entitlement.ListOptions{}); p.Total != n {
					b.Fatalf("total %d, want %d", p.Total, n)
				}
			})
		})
		b.Run(fmt.Sprintf("people=%d/search", n), func(b *testing.B) {
			loopCPU(b, func() {
				if p := list(b, entitlement.ListOptions{Search: "user12"}); p.Total != counted {
					b.Fatalf("total %d, want %d", p.Total, counted)
				}
			})
		})
		next := list(b, entitlement.ListOptions{Search: "user12"}).Next
		b.Run(fmt.Sprintf("people=%d/search-next", n), func(b *testing.B) {
			loopCPU(b, func() {
				if p := list(b, entitlement.ListOptions{Search: "user12", After: next}); p.Total != counted {
					b.Fatalf("total %d, want %d", p.Total, counted)
				}
			})
		})
		_ = s.Close()
		_ = os.RemoveAll(dir)
	}
}
