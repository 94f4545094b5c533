package demoidp

import (
	"net/url"
	"slices"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// idTokenLifetime is how long an ID token is valid. The portal keeps its own session after
// sign-in, so this only needs to cover the login round trip and an id_token_hint at sign-out.
const idTokenLifetime = time.Hour

// client adapts a configured Client to op.Client. It is immutable after New, so the OP may keep
// it for the length of a request without locking.
type client struct {
	id, secret             string
	redirectURIs           []string
	postLogoutRedirectURIs []string
	loginURL               func(authRequestID string) string
}

var _ op.Client = (*client)(nil)

func (c *client) GetID() string                    { return c.id }
func (c *client) RedirectURIs() []string           { return slices.Clone(c.redirectURIs) }
func (c *client) PostLogoutRedirectURIs() []string { return slices.Clone(c.postLogoutRedirectURIs) }

// ApplicationType is web: the portal is a confidential, server-side client.
func (c *client) ApplicationType() op.ApplicationType { return op.ApplicationTypeWeb }

// AuthMethod is client_secret_basic; op.Config.AuthMethodPost also accepts the secret in the
// form, which covers golang.org/x/oauth2's auto-detection either way.
func (c *client) AuthMethod() oidc.AuthMethod { return oidc.AuthMethodBasic }

// ResponseTypes allows only the authorization code flow; implicit flows leak tokens in URLs.
func (c *client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}

func (c *client) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken}
}

// LoginURL points at our login page. It must carry the issuer's path prefix, because the browser
// is redirected there from outside the StripPrefix the caller mounts us behind.
func (c *client) LoginURL(authRequestID string) string { return c.loginURL(authRequestID) }

// AccessTokenType is JWT: besides our own userinfo endpoint, access tokens are presented to
// Steward's API, which verifies them (signature, issuer, audience = the client, expiry) as it
// would an access token of Entra ID or Okta. The token's id (jti) is still the key of the
// stored token, so userinfo, introspection and revocation work as before.
func (c *client) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeJWT }

func (c *client) IDTokenLifetime() time.Duration { return idTokenLifetime }

// DevMode lets clients register http redirect URIs, which a local `go run .` needs. The provider
// only ever runs as a demo, so there is no production mode to protect.
func (c *client) DevMode() bool { return true }

func (c *client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(scopes []string) []string { return scopes }
}

func (c *client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(scopes []string) []string { return scopes }
}

// IsScopeAllowed admits the non-standard "groups" scope, which relying parties configured for
// Dex or Okta tend to request; zitadel drops scopes a client does not allow.
func (c *client) IsScopeAllowed(scope string) bool { return scope == scopeGroups }

// IDTokenUserinfoClaimsAssertion puts the userinfo claims (email, name, groups) into the ID token
// even though an access token is issued too, so the portal can sign in from the ID token alone.
func (c *client) IDTokenUserinfoClaimsAssertion() bool { return true }

func (c *client) ClockSkew() time.Duration { return 0 }

// allowsOrigin reports whether a browser origin belongs to one of the client's redirect URIs,
// which is how the userinfo endpoint decides whether a CORS caller may read a user's claims.
func (c *client) allowsOrigin(origin string) bool {
	for _, raw := range c.redirectURIs {
		u, err := url.Parse(raw)
		if err == nil && u.Scheme+"://"+u.Host == origin {
			return true
		}
	}
	return false
}
