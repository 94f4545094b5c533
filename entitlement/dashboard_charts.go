package entitlement

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// ChartDays is how many days the dashboard's charts look back (requests) and ahead (ends).
const ChartDays = 30

// Request outcomes as the dashboard counts them.
const (
	OutcomeApproved = "approved" // scheduled, delivering or delivered
	OutcomeDenied   = "denied"   // by an approver, or because nobody decided in time
	OutcomeCanceled = "canceled"
	OutcomeWaiting  = "waiting" // submitted or pending approval
)

// DashboardCharts is what the admin dashboard draws, for the catalogs the caller may read. Days
// are UTC days; the first is ChartDays-1 days before Now's day.
type DashboardCharts struct {
	Now time.Time
	// RequestsByDay counts the requests submitted on each of the last ChartDays days (today last)
	// by their outcome so far.
	RequestsByDay []DayOutcomes
	// DecisionTimes counts the requests of those days that approvers decided (approved or denied;
	// not those that needed no approval) by the time from submission to the decision.
	DecisionTimes []Bucket
	// DecisionMedian is the median of those times; zero when none was decided.
	DecisionMedian time.Duration
	// PendingByAge counts the requests waiting for approval by how long they have waited.
	PendingByAge []Bucket
	// EndingByDay counts the live assignments that end on each of the next ChartDays days,
	// today first.
	EndingByDay []DayCount
}

// DayOutcomes counts one day's requests by outcome (the Outcome* constants).
type DayOutcomes struct {
	Day    time.Time
	Counts map[string]int
}

// Total is the day's requests.
func (d DayOutcomes) Total() int {
	n := 0
	for _, c := range d.Counts {
		n += c
	}
	return n
}

// DayCount is one day's count.
type DayCount struct {
	Day   time.Time
	Count int
}

// Bucket counts what lasted at least From and less than To; To is zero for the open-ended last
// bucket.
type Bucket struct {
	From, To time.Duration
	Count    int
}

const day = 24 * time.Hour

// pendingAges and decisionTimes are the buckets' bounds.
var (
	pendingAges   = []time.Duration{day, 3 * day, 7 * day}
	decisionTimes = []time.Duration{time.Hour, 8 * time.Hour, day, 3 * day, 7 * day}
)

// DashboardCharts gathers the admin dashboard's charts. It reads no table whole:
//   - requests: those of the last ChartDays days only, newest first (Requests.SubmittedSince);
//   - pending approvals: the index of requests with something due, as PendingRequests does;
//   - ending assignments: the index of assignments with something due, up to the last day's end;
//
// each at most 10,000 entries.
func (s *Service) DashboardCharts(ctx context.Context) (DashboardCharts, error) {
	now := s.now()
	c := DashboardCharts{Now: now}
	err := s.read(ctx, func(tx Tx, a *access) error {
		if !a.canAdminister() {
			return forbidden("only administrators and catalog managers see the dashboard's charts")
		}
		today := now.Truncate(day)
		if err := c.requests(tx, a, today); err != nil {
			return err
		}
		if err := c.pending(tx, a); err != nil {
			return err
		}
		return c.ending(tx, a, today)
	})
	return c, err
}

// requests fills RequestsByDay and the decision times.
func (c *DashboardCharts) requests(tx Tx, a *access, today time.Time) error {
	first := today.AddDate(0, 0, -(ChartDays - 1))
	c.RequestsByDay = make([]DayOutcomes, ChartDays)
	for i := range c.RequestsByDay {
		c.RequestsByDay[i] = DayOutcomes{Day: first.AddDate(0, 0, i), Counts: map[string]int{}}
	}
	c.DecisionTimes = buckets(decisionTimes)
	rs, err := tx.Requests().SubmittedSince(first, dashboardCap)
	if err != nil {
		return fmt.Errorf("dashboard: requests: %w", err)
	}
	var took []time.Duration
	for _, r := range rs {
		if r.IsValidationOnly || !isAskingForAccess(r.RequestType) || !a.canReadCatalog(r.CatalogID) {
			continue
		}
		i := int(r.CreatedDateTime.Sub(first) / day)
		if i >= ChartDays {
			continue // submitted after now: a clock set back
		}
		c.RequestsByDay[i].Counts[requestOutcome(r)]++
		if at, ok := decidedAt(r); ok {
			d := at.Sub(r.CreatedDateTime)
			took = append(took, d)
			count(c.DecisionTimes, d)
		}
	}
	c.DecisionMedian = median(took)
	return nil
}

// median is the middle of the durations, or zero for none.
func median(took []time.Duration) time.Duration {
	if len(took) == 0 {
		return 0
	}
	slices.Sort(took)
	m := took[len(took)/2]
	if len(took)%2 == 0 {
		m = (took[len(took)/2-1] + m) / 2
	}
	return m
}

// pending fills PendingByAge.
func (c *DashboardCharts) pending(tx Tx, a *access) error {
	c.PendingByAge = buckets(pendingAges)
	due, err := tx.Requests().Due(c.Now.AddDate(100, 0, 0), dashboardCap)
	if err != nil {
		return fmt.Errorf("dashboard: pending requests: %w", err)
	}
	for _, r := range due {
		if r.RequestState == StatePendingApproval && a.canReadCatalog(r.CatalogID) {
			count(c.PendingByAge, c.Now.Sub(r.CreatedDateTime))
		}
	}
	return nil
}

// ending fills EndingByDay.
func (c *DashboardCharts) ending(tx Tx, a *access, today time.Time) error {
	c.EndingByDay = make([]DayCount, ChartDays)
	for i := range c.EndingByDay {
		c.EndingByDay[i].Day = today.AddDate(0, 0, i)
	}
	until := today.AddDate(0, 0, ChartDays)
	// Every live assignment that ends by then is due by then: its reminders and its end come
	// no later than the end.
	due, err := tx.Assignments().Due(until, dashboardCap)
	if err != nil {
		return fmt.Errorf("dashboard: assignments ending: %w", err)
	}
	for _, x := range due {
		end := x.EndDateTime()
		if !x.IsLive() || end == nil || end.Before(c.Now) || !end.Before(until) || !a.canReadCatalog(x.CatalogID) {
			continue
		}
		c.EndingByDay[int(end.Sub(today)/day)].Count++
	}
	return nil
}

// isAskingForAccess tells the requests that ask for access, as opposed to those that end it.
func isAskingForAccess(requestType string) bool {
	return requestType == RequestUserAdd || requestType == RequestAdminAdd || requestType == RequestUserExtend
}

// requestOutcome is the request's outcome so far.
func requestOutcome(r Request) string {
	switch r.RequestState {
	case StateDenied:
		return OutcomeDenied
	case StateCanceled:
		return OutcomeCanceled
	case StateSubmitted, StatePendingApproval:
		return OutcomeWaiting
	}
	return OutcomeApproved
}

// decidedAt is when approvers' decision settled the request: its last approval, its denial or
// its timeout. Requests that needed no approval, are still pending or were canceled have none.
func decidedAt(r Request) (time.Time, bool) {
	if len(r.Stages) == 0 || r.RequestState == StateCanceled || requestOutcome(r) == OutcomeWaiting {
		return time.Time{}, false
	}
	var at time.Time
	for _, e := range r.Events {
		switch e.Kind {
		case EventApproved, EventDenied, EventTimedOut:
			if e.At.After(at) {
				at = e.At
			}
		}
	}
	return at, !at.IsZero()
}

// buckets returns empty buckets split at the bounds, the last one open-ended.
func buckets(bounds []time.Duration) []Bucket {
	out := make([]Bucket, 0, len(bounds)+1)
	var from time.Duration
	for _, to := range bounds {
		out = append(out, Bucket{From: from, To: to})
		from = to
	}
	return append(out, Bucket{From: from})
}

// count adds d to the bucket it falls in.
func count(bs []Bucket, d time.Duration) {
	for i := range bs {
		if bs[i].To == 0 || d < bs[i].To {
			bs[i].Count++
			return
		}
	}
}
