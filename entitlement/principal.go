package entitlement

import (
	"context"
	"errors"
)

// Principal is who is acting: a signed-in user, a service account (through an API token), or
// the system (the worker) with an empty UserID.
type Principal struct {
	UserID  string
	Name    string
	Email   string
	IsAdmin bool
	// TimeZone is the person's own zone (User.TimeZone), for the pages they see.
	TimeZone string
	// Kind is the kind of the user record (User.Kind): empty for a person, KindServiceAccount
	// for a service account, whose Name then says so, so that audit events name it as one.
	Kind string
}

// IsServiceAccount reports whether the principal is a service account.
func (p Principal) IsServiceAccount() bool { return p.Kind == KindServiceAccount }

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
