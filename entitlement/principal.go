package entitlement

import (
	"context"
	"errors"
)

// Principal is who is acting: a signed-in user, or the system (the worker) with an empty UserID.
type Principal struct {
	UserID  string
	Name    string
	Email   string
	IsAdmin bool
	// TimeZone is the person's own zone (User.TimeZone), for the pages they see.
	TimeZone string
}

type principalKey struct{}

// WithPrincipal returns a context that carries p; the web layer sets it for each request.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal the context carries.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// system is the principal of changes Steward makes on its own (expiry, timeouts).
var system = Principal{Name: "Steward"}

func errorsIs(err, target error) bool { return errors.Is(err, target) }
