package entitlement

import (
	"github.com/google/uuid"
)

// NewID returns a new UUIDv7 string; v7 ids sort by creation time, which keeps store keys in order.
func NewID() string {
	return uuid.Must(uuid.NewV7()).String()
}

// validID reports whether s looks like an id this package hands out (any UUID).
func validID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil
}
