package entitlement_test

import (
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

// TestMyLiveAssignmentsEndingFirst checks the home page's live access against what it was
// before the index by end: the first 200 live assignments sorted by end, open-ended last, ties
// kept in id order, the first few of them, and the count of every live one.
func TestMyLiveAssignmentsEndingFirst(t *testing.T) {
	env := entitlementtest.New(t)
	ada, bob := env.User("Ada"), env.User("Bob")
	cat := env.Catalog("A")
	for i, days := range []int{20, 5, 0, 20, 10, 5, 30, 0, 2} {
		pkg := env.Package(cat, fmt.Sprintf("Access %d", i), entitlementtest.Member(env.GroupResource(cat, env.Group(fmt.Sprintf("Team %d", i)))))
		pol := env.Policy(pkg, func(p *entitlement.AssignmentPolicy) { p.DurationInDays = days })
		env.RequestAccess(ada, pol)
		if i%3 == 0 {
			env.RequestAccess(bob, pol)
		}
		env.Clock.Advance(time.Minute)
	}
	old := func() ([]string, int) {
		live, err := env.Svc.MyAssignments(entitlementtest.As(ada), entitlement.AssignmentFilter{States: []entitlement.AssignmentState{entitlement.AssignmentDelivering, entitlement.AssignmentDelivered}}, entitlement.ListOptions{Limit: entitlement.MaxPageSize})
		if err != nil {
			t.Fatal(err)
		}
		items := live.Items
		sort.SliceStable(items, func(i, j int) bool {
			a, b := items[i].EndDateTime(), items[j].EndDateTime()
			switch {
			case a == nil:
				return false
			case b == nil:
				return true
			}
			return a.Before(*b)
		})
		var ids []string
		for _, a := range items[:5] {
			ids = append(ids, a.ID)
		}
		return ids, live.Total
	}
	want, wantTotal := old()
	page, err := env.Svc.MyLiveAssignmentsEndingFirst(entitlementtest.As(ada), entitlement.ListOptions{Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range page.Items {
		got = append(got, a.ID)
	}
	if wantTotal != 9 || page.Total != wantTotal || !slices.Equal(got, want) {
		t.Fatalf("ending first = %v, total %d; before the index %v, total %d (want 9)", got, page.Total, want, wantTotal)
	}
	if _, err := env.Svc.MyLiveAssignmentsEndingFirst(bg, entitlement.ListOptions{}); err == nil {
		t.Error("listed without a principal")
	}
}
