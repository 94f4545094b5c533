package entitlement

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// dashboardCap bounds what the admin dashboard reads: it counts and lists from the time-ordered
// indexes of open requests and live assignments, never from the whole store.
const dashboardCap = 10000

// PendingRequests lists the requests waiting for approval in the catalogs the caller may read,
// oldest first, for the admin dashboard's "pending by age". It reads the index of requests with
// something due (every pending request has its stage timeout there), up to 10,000.
func (s *Service) PendingRequests(ctx context.Context) ([]Request, error) {
	var out []Request
	err := s.read(ctx, func(tx Tx, a *access) error {
		if !a.canAdminister() {
			return forbidden("only administrators and catalog managers see the requests waiting in their catalogs")
		}
		due, err := tx.Requests().Due(s.now().AddDate(100, 0, 0), dashboardCap)
		if err != nil {
			return fmt.Errorf("pending requests: %w", err)
		}
		for _, r := range due {
			if r.RequestState == StatePendingApproval && a.canReadCatalog(r.CatalogID) {
				out = append(out, r)
			}
		}
		sort.Slice(out, func(i, j int) bool { return out[i].CreatedDateTime.Before(out[j].CreatedDateTime) })
		return nil
	})
	return out, err
}

// ExpiringAssignments lists the live assignments of the caller's catalogs that end within the
// given time, soonest first, up to limit, for the admin dashboard's "expiring soon". It reads the
// index of assignments with something due (reminders and ends).
func (s *Service) ExpiringAssignments(ctx context.Context, within time.Duration, limit int) ([]Assignment, error) {
	var out []Assignment
	err := s.read(ctx, func(tx Tx, a *access) error {
		if !a.canAdminister() {
			return forbidden("only administrators and catalog managers see the access ending in their catalogs")
		}
		until := s.now().Add(within)
		due, err := tx.Assignments().Due(until, dashboardCap)
		if err != nil {
			return fmt.Errorf("expiring assignments: %w", err)
		}
		for _, x := range due {
			if x.EndsBy(until) && a.canReadCatalog(x.CatalogID) {
				out = append(out, x)
			}
		}
		sort.Slice(out, func(i, j int) bool { return out[i].EndDateTime().Before(*out[j].EndDateTime()) })
		if len(out) > limit {
			out = out[:limit]
		}
		return nil
	})
	return out, err
}
