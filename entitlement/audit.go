package entitlement

import "time"

// AuditEvent records one change: who did what to which object, and when. Events are appended in
// the same transaction as the change.
type AuditEvent struct {
	ID         string    `json:"id"`
	At         time.Time `json:"at"`
	ActorID    string    `json:"actorId"` // empty for the system
	ActorName  string    `json:"actorName"`
	Action     string    `json:"action"` // e.g. "catalog.create"
	ObjectType string    `json:"objectType"`
	ObjectID   string    `json:"objectId"`
	ObjectName string    `json:"objectName"`
	Summary    string    `json:"summary"`
}

// AuditFilter narrows an audit listing.
type AuditFilter struct {
	ActorID    string
	ObjectID   string
	ObjectType string
	Action     string // a prefix, e.g. "catalog." or "catalog.create"
	From, To   time.Time
}
