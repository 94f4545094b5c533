package entitlement

import "time"

// GuestBlock records that the external-user life cycle blocked a guest who lost their last
// assignment. The worker deletes the guest once daysUntilExternalUserDeletedAfterBlocked have
// passed (when the setting says so), and a new assignment lifts the block. Only blocks made by the
// life cycle have a record, so a block an administrator set by hand is never lifted or turned into
// a deletion by Steward.
type GuestBlock struct {
	UserID          string    `json:"userId"`
	BlockedDateTime time.Time `json:"blockedDateTime"`
	// AssignmentID is the assignment whose end left the guest without access.
	AssignmentID string `json:"assignmentId,omitempty"`
	// NextAttemptDateTime is set once the worker found that the guest could not be deleted yet
	// (a role removal still under way, an open request, a failure): the block waits until then,
	// out of the queue of blocks by time, so that such guests do not hold back the others.
	NextAttemptDateTime *time.Time `json:"nextAttemptDateTime,omitempty"`
	Attempts            int        `json:"attempts,omitempty"`  // attempts that could not delete the guest
	LastError           string     `json:"lastError,omitempty"` // why the last one could not
}

// GuestBlocks stores the life cycle's blocks of guests, ordered by when they were made.
type GuestBlocks interface {
	Get(userID string) (GuestBlock, error)
	// BlockedBefore lists up to limit blocks made at or before t that wait for no next attempt,
	// oldest first.
	BlockedBefore(t time.Time, limit int) ([]GuestBlock, error)
	// RetryDue lists up to limit blocks whose next attempt is at or before t, soonest first.
	RetryDue(t time.Time, limit int) ([]GuestBlock, error)
	Put(b GuestBlock) error
	Delete(userID string) error
}
