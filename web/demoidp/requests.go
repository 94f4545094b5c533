package demoidp

import (
	"slices"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// authRequest is an authorization request from a client, waiting for (or done with) the
// pick-a-user page. The storage owns the original; the OP only ever sees snapshots.
type authRequest struct {
	id           string
	expiresAt    time.Time // authRequestTTL after creation, then codeTTL after the code is issued
	clientID     string
	redirectURI  string
	state        string
	nonce        string
	scopes       []string
	responseType oidc.ResponseType
	responseMode oidc.ResponseMode
	challenge    oidc.CodeChallenge

	subject  string // set when a user is picked
	authTime time.Time
	done     bool
	code     string // the one code issued for this request, if any
}

var _ op.AuthRequest = (*authRequest)(nil)

func (a *authRequest) snapshot() *authRequest {
	cp := *a
	cp.scopes = slices.Clone(a.scopes)
	return &cp
}

func (a *authRequest) GetID() string { return a.id }

// GetACR is empty: picking a demo user is not an authentication method worth asserting.
func (a *authRequest) GetACR() string { return "" }

// GetAMR is empty for the same reason; RFC 8176 has no value for "clicked a button".
func (a *authRequest) GetAMR() []string { return nil }

func (a *authRequest) GetAudience() []string  { return []string{a.clientID} }
func (a *authRequest) GetAuthTime() time.Time { return a.authTime }
func (a *authRequest) GetClientID() string    { return a.clientID }

func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge {
	c := a.challenge
	return &c
}

func (a *authRequest) GetNonce() string                   { return a.nonce }
func (a *authRequest) GetRedirectURI() string             { return a.redirectURI }
func (a *authRequest) GetResponseType() oidc.ResponseType { return a.responseType }
func (a *authRequest) GetResponseMode() oidc.ResponseMode { return a.responseMode }
func (a *authRequest) GetScopes() []string                { return slices.Clone(a.scopes) }
func (a *authRequest) GetState() string                   { return a.state }
func (a *authRequest) GetSubject() string                 { return a.subject }
func (a *authRequest) Done() bool                         { return a.done }

// refreshTokenRequest is what a refresh token grants, handed to the OP for one refresh.
type refreshTokenRequest struct {
	clientID string
	subject  string
	scopes   []string
	authTime time.Time
}

var _ op.RefreshTokenRequest = (*refreshTokenRequest)(nil)

func (r *refreshTokenRequest) GetAMR() []string       { return nil }
func (r *refreshTokenRequest) GetAudience() []string  { return []string{r.clientID} }
func (r *refreshTokenRequest) GetAuthTime() time.Time { return r.authTime }
func (r *refreshTokenRequest) GetClientID() string    { return r.clientID }
func (r *refreshTokenRequest) GetScopes() []string    { return slices.Clone(r.scopes) }
func (r *refreshTokenRequest) GetSubject() string     { return r.subject }

// SetCurrentScopes narrows this refresh to a subset of the grant; zitadel has checked the subset.
func (r *refreshTokenRequest) SetCurrentScopes(scopes []string) { r.scopes = slices.Clone(scopes) }
