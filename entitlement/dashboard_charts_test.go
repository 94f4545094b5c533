package entitlement_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

// TestDashboardCharts builds a small week on a manual clock and checks each chart: requests per
// day by outcome, the time approvers took, pending approvals by age, and the access that ends in
// the next 30 days; a catalog owner sees only their catalog's, a requester none.
func TestDashboardCharts(t *testing.T) {
	e := entitlementtest.New(t) // Monday 2 March 2026, 09:00 UTC
	approver, owner := e.User("Ann Approver"), e.User("Owen Owner")
	ada, bob, cyd, dee := e.User("Ada"), e.User("Bob"), e.User("Cyd"), e.User("Dee")
	cat := e.Catalog("Finance")
	other := e.Catalog("Other", entitlementtest.WithCatalogRole(entitlement.RoleCatalogOwner, owner))
	reviewed := e.Policy(e.Package(cat, "Reports", entitlementtest.Member(e.AppResource(cat, "Reports", "Member"))), func(p *entitlement.AssignmentPolicy) {
		p.DurationInDays = 10
	}, entitlementtest.Approval(entitlementtest.ApprovalStage(7, entitlementtest.Single(approver))))
	open := e.Policy(e.Package(cat, "Wiki", entitlementtest.Member(e.AppResource(cat, "Wiki", "Member"))), func(p *entitlement.AssignmentPolicy) {
		p.DurationInDays = 20
	})

	r1 := e.RequestAccess(ada, reviewed) // Mar 2 09:00, approved 2h later
	e.Clock.Advance(2 * time.Hour)
	e.Decide(approver, r1, true)
	e.Clock.Set(time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC))
	r2 := e.RequestAccess(bob, reviewed) // Mar 3 09:00, denied 30 minutes later
	e.Clock.Advance(30 * time.Minute)
	e.Decide(approver, r2, false)
	e.Clock.Set(time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC))
	r3 := e.RequestAccess(cyd, reviewed) // Mar 3, canceled
	if err := e.Svc.CancelRequest(entitlementtest.As(cyd), r3.ID); err != nil {
		t.Fatal(err)
	}
	e.Clock.Set(time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC))
	e.RequestAccess(dee, reviewed) // Mar 4, still waiting
	e.RequestAccess(ada, open)     // Mar 4, no approval needed: ends 20 days later
	e.Clock.Set(time.Date(2026, 3, 6, 9, 0, 0, 0, time.UTC))

	c, err := e.Svc.DashboardCharts(entitlementtest.RootAdmin)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.RequestsByDay) != entitlement.ChartDays || !c.RequestsByDay[entitlement.ChartDays-1].Day.Equal(time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("days: %d, the last %v", len(c.RequestsByDay), c.RequestsByDay[len(c.RequestsByDay)-1].Day)
	}
	byDay := map[string]map[string]int{}
	for _, d := range c.RequestsByDay {
		if d.Total() > 0 {
			byDay[d.Day.Format("Jan 2")] = d.Counts
		}
	}
	want := map[string]map[string]int{
		"Mar 2": {entitlement.OutcomeApproved: 1},
		"Mar 3": {entitlement.OutcomeDenied: 1, entitlement.OutcomeCanceled: 1},
		"Mar 4": {entitlement.OutcomeWaiting: 1, entitlement.OutcomeApproved: 1},
	}
	if len(byDay) != len(want) {
		t.Errorf("requests by day = %v, want %v", byDay, want)
	}
	for d, counts := range want {
		for outcome, n := range counts {
			if byDay[d][outcome] != n {
				t.Errorf("%s %s = %d, want %d (all: %v)", d, outcome, byDay[d][outcome], n, byDay)
			}
		}
	}

	// Decided: 30 minutes and 2 hours; the request without approval is not a decision.
	decided := map[time.Duration]int{}
	for _, b := range c.DecisionTimes {
		decided[b.From] = b.Count
	}
	if decided[0] != 1 || decided[time.Hour] != 1 || len(c.DecisionTimes) != 6 {
		t.Errorf("decision times = %+v", c.DecisionTimes)
	}
	if c.DecisionMedian != 75*time.Minute {
		t.Errorf("median = %s, want 1h15m", c.DecisionMedian)
	}

	// Dee's request has waited two days.
	if len(c.PendingByAge) != 4 || c.PendingByAge[1].Count != 1 || c.PendingByAge[1].From != 24*time.Hour || c.PendingByAge[0].Count+c.PendingByAge[2].Count+c.PendingByAge[3].Count != 0 {
		t.Errorf("pending by age = %+v", c.PendingByAge)
	}

	// Ada's two assignments end on 12 March (10 days from 2 March, 11:00) and 24 March.
	ending := map[string]int{}
	for i, d := range c.EndingByDay {
		if i == 0 && !d.Day.Equal(time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("ending starts on %v", d.Day)
		}
		if d.Count > 0 {
			ending[d.Day.Format("Jan 2")] = d.Count
		}
	}
	if len(ending) != 2 || ending["Mar 12"] != 1 || ending["Mar 24"] != 1 {
		t.Errorf("ending = %v, want Mar 12 and Mar 24", ending)
	}

	// The owner of another catalog sees empty charts; a requester none.
	oc, err := e.Svc.DashboardCharts(entitlementtest.As(owner))
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, d := range oc.RequestsByDay {
		total += d.Total()
	}
	for _, d := range oc.EndingByDay {
		total += d.Count
	}
	for _, b := range append(oc.PendingByAge, oc.DecisionTimes...) {
		total += b.Count
	}
	if total != 0 {
		t.Errorf("the owner of %s sees %d of Finance's", other.DisplayName, total)
	}
	if _, err := e.Svc.DashboardCharts(entitlementtest.As(bob)); !errors.Is(err, entitlement.ErrForbidden) {
		t.Errorf("a requester's charts: %v", err)
	}
}
