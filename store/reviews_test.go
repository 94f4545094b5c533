package store

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	bolt "go.etcd.io/bbolt"
)

// TestMigration11SchedulesReviews starts from a file without the review buckets; migration 11
// must create them and schedule the reviews of the policies that have them turned on, so that
// reviews configured before the upgrade open after it.
func TestMigration11SchedulesReviews(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	future, running := now.Add(48*time.Hour).Truncate(time.Second), now.Add(-72*time.Hour).Truncate(time.Second)
	reviewed := func(start time.Time) *entitlement.ReviewSettings {
		return &entitlement.ReviewSettings{IsEnabled: true, RecurrenceType: "monthly", ReviewerType: entitlement.ReviewerSelf, StartDateTime: &start, DurationInDays: 14}
	}
	later := entitlement.AssignmentPolicy{ID: entitlement.NewID(), AccessPackageID: entitlement.NewID(), DisplayName: "Later", AccessReviewSettings: reviewed(future)}
	open := entitlement.AssignmentPolicy{ID: entitlement.NewID(), AccessPackageID: entitlement.NewID(), DisplayName: "Running", AccessReviewSettings: reviewed(running)}
	none := entitlement.AssignmentPolicy{ID: entitlement.NewID(), AccessPackageID: entitlement.NewID(), DisplayName: "No reviews"}
	if err := s.Update(ctx, func(tx entitlement.Tx) error {
		for _, p := range []entitlement.AssignmentPolicy{later, open, none} {
			if err := tx.Policies().Put(p); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	s = migrateFrom(t, s, 10, 11, func(tx *bolt.Tx) error {
		for _, tb := range []interface{ buckets() [][]byte }{reviewsTable, reviewDecisionsTable, reviewSchedulesTable} {
			for _, n := range tb.buckets() {
				if err := tx.DeleteBucket(n); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err := s.View(ctx, func(tx entitlement.Tx) error {
		for _, c := range []struct {
			p    entitlement.AssignmentPolicy
			want time.Time
		}{{later, future}, {open, running}} {
			sch, err := tx.ReviewSchedules().Get(c.p.ID)
			if err != nil || !sch.NextDateTime.Equal(c.want) {
				t.Errorf("schedule of %s = %+v, %v; want next %s", c.p.DisplayName, sch, err, c.want)
			}
		}
		if _, err := tx.ReviewSchedules().Get(none.ID); err == nil {
			t.Error("a policy without reviews got a schedule")
		}
		due, err := tx.ReviewSchedules().Due(now, 10)
		if err != nil || len(due) != 1 || due[0].PolicyID != open.ID {
			t.Errorf("due now: %+v, %v; want the running policy's only", due, err)
		}
		if p, err := tx.Reviews().ByPackage(open.AccessPackageID, entitlement.ListOptions{}); err != nil || p.Total != 0 {
			t.Errorf("reviews bucket: %+v, %v", p, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
