package entitlement

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"time"
)

// Bearer tokens (SCIM tokens, API tokens) share one shape: a recognisable prefix and 32 random
// bytes, shown once; the store keeps only the SHA-256, so a copy of the data file grants nothing.

// newBearerToken returns a fresh token with the prefix.
func newBearerToken(prefix string) (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("make token: %w", err)
	}
	return prefix + base64.RawURLEncoding.EncodeToString(raw), nil
}

// tokenHash is what the store keeps of a bearer token: its hex SHA-256.
func tokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// lastUseStep bounds how often a token's last use is written: every call with it would otherwise
// be a write transaction.
const lastUseStep = time.Minute

// lastUseDue reports whether a use at now should be recorded, given the last one recorded.
func lastUseDue(last *time.Time, now time.Time) bool {
	return last == nil || now.Sub(*last) >= lastUseStep
}
