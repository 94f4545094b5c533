package entitlement

import (
	"encoding/json"
	"time"
)

// Outbox message kinds.
const (
	OutboxNotify      = "notify"    // a notification event for people (mail later)
	OutboxProvision   = "provision" // add a role in an external origin system
	OutboxDeprovision = "deprovision"
)

// OutboxMessage is a side effect to carry out after the change that caused it has committed. It is
// written in the same transaction as that change, so a crash loses nothing; the delivery loop
// retries it with backoff until it succeeds or runs out of attempts.
type OutboxMessage struct {
	ID              string          `json:"id"`
	Kind            string          `json:"kind"`
	Topic           string          `json:"topic"` // e.g. "request.submitted", "assignment.expiring"
	Payload         json.RawMessage `json:"payload"`
	CreatedDateTime time.Time       `json:"createdDateTime"`
	Attempts        int             `json:"attempts"`
	NextAttempt     time.Time       `json:"nextAttempt"`
	LastError       string          `json:"lastError,omitempty"`
	DeliveredAt     *time.Time      `json:"deliveredAt,omitempty"`
	FailedAt        *time.Time      `json:"failedAt,omitempty"`
	// AwaitingConfirmation: the target accepted the call and confirms it later (a webhook's
	// 202 and callback); until NextAttempt the message waits for that, then it is sent again.
	AwaitingConfirmation bool `json:"awaitingConfirmation,omitempty"`
}
