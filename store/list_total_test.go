package store

import (
	"fmt"
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

// TestListTotalCountsOrderIndexKeys checks the total of a list in name order, which counts the
// order index's keys from its pages in a read-only transaction and by a walk in a writable one:
// both give the number of people, service accounts left out, on one page and over many.
func TestListTotalCountsOrderIndexKeys(t *testing.T) {
	s := newTestStore(t)
	people := 0
	for _, batch := range []int{3, 2000} {
		err := s.Update(ctx, func(tx entitlement.Tx) error {
			for i := range batch {
				u := testUser(fmt.Sprintf("Person %d-%04d", batch, i), fmt.Sprintf("p%d-%d@example.com", batch, i))
				if err := tx.Users().Put(u); err != nil {
					return err
				}
			}
			robot := testUser(fmt.Sprintf("Robot %d", batch), fmt.Sprintf("robot%d@example.com", batch))
			robot.Kind = entitlement.KindServiceAccount
			if err := tx.Users().Put(robot); err != nil {
				return err
			}
			people += batch
			p, err := tx.Users().List(entitlement.ListOptions{})
			if err == nil && p.Total != people {
				t.Errorf("writable: total %d, want %d", p.Total, people)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		err = s.View(ctx, func(tx entitlement.Tx) error {
			first, err := tx.Users().List(entitlement.ListOptions{})
			if err != nil {
				return err
			}
			if first.Total != people {
				t.Errorf("read-only: total %d, want %d", first.Total, people)
			}
			if first.Next == "" {
				return nil
			}
			second, err := tx.Users().List(entitlement.ListOptions{After: first.Next})
			if err == nil && second.Total != people {
				t.Errorf("read-only, second page: total %d, want %d", second.Total, people)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
