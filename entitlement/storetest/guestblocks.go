package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
)

var guestBlockCases = []tcase{
	missing(lookup{"Get", func(tx entitlement.Tx) error { _, err := tx.GuestBlocks().Get(entitlement.NewID()); return err }}),
	// Re-blocking a guest moves the block instead of adding a second one; an unblock deletes it.
	dueOrdered("BlockedBefore", func(tx entitlement.Tx, id string, due *time.Time) error {
		if due == nil {
			return tx.GuestBlocks().Delete(id)
		}
		return tx.GuestBlocks().Put(entitlement.GuestBlock{UserID: id, BlockedDateTime: *due, AssignmentID: entitlement.NewID()})
	}, func(tx entitlement.Tx, t time.Time, limit int) ([]entitlement.GuestBlock, error) {
		return tx.GuestBlocks().BlockedBefore(t, limit)
	}, func(b entitlement.GuestBlock) string { return b.UserID }),
	// A guest who cannot be deleted yet waits out of the queue by blocked time until its next
	// attempt, so that such guests cannot starve the clean-up of the others.
	{"a block with a next attempt moves from BlockedBefore to RetryDue and back", func(t *testing.T, st entitlement.Store) {
		ctx := context.Background()
		later, soon := t0.Add(5*time.Hour), t0.Add(4*time.Hour)
		err := st.Update(ctx, func(tx entitlement.Tx) error {
			for _, b := range []entitlement.GuestBlock{
				{UserID: "a", BlockedDateTime: t0.Add(1 * time.Hour), NextAttemptDateTime: &later, Attempts: 2},
				{UserID: "b", BlockedDateTime: t0.Add(2 * time.Hour)},
				{UserID: "c", BlockedDateTime: t0.Add(3 * time.Hour), NextAttemptDateTime: &soon, Attempts: 1},
			} {
				if err := tx.GuestBlocks().Put(b); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		ids := func(bs []entitlement.GuestBlock, err error) string {
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, b := range bs {
				out = append(out, b.UserID)
			}
			return strings.Join(out, ",")
		}
		err = st.View(ctx, func(tx entitlement.Tx) error {
			if got := ids(tx.GuestBlocks().BlockedBefore(t0.Add(10*time.Hour), 10)); got != "b" {
				t.Errorf("blocked before: %s; want only the block with no next attempt", got)
			}
			if got := ids(tx.GuestBlocks().RetryDue(t0.Add(10*time.Hour), 10)); got != "c,a" {
				t.Errorf("retry due: %s; want c, a (by next attempt)", got)
			}
			if got := ids(tx.GuestBlocks().RetryDue(soon, 10)); got != "c" {
				t.Errorf("retry due at c's attempt: %s", got)
			}
			if got := ids(tx.GuestBlocks().RetryDue(t0.Add(10*time.Hour), 1)); got != "c" {
				t.Errorf("limit ignored: %s", got)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		err = st.Update(ctx, func(tx entitlement.Tx) error {
			if err := tx.GuestBlocks().Put(entitlement.GuestBlock{UserID: "a", BlockedDateTime: t0.Add(1 * time.Hour)}); err != nil {
				return err
			}
			return tx.GuestBlocks().Delete("c")
		})
		if err != nil {
			t.Fatal(err)
		}
		err = st.View(ctx, func(tx entitlement.Tx) error {
			if got := ids(tx.GuestBlocks().BlockedBefore(t0.Add(10*time.Hour), 10)); got != "a,b" {
				t.Errorf("blocked before after clearing a's next attempt: %s", got)
			}
			if got := ids(tx.GuestBlocks().RetryDue(t0.Add(10*time.Hour), 10)); got != "" {
				t.Errorf("retry due after the changes: %s; want none", got)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}},
}
