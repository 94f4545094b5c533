package storetest

import (
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
}
