// Package demoidp is Steward's embedded demo OpenID Connect provider.
//
// When no external identity provider is configured, Steward serves this provider in-process so
// that people can try the portal by signing in as one of a few fictional users. It is a real OP
// built on zitadel/oidc's op package (discovery, JWKS, authorize, token, userinfo, end_session,
// RS256-signed ID tokens and JWT access tokens), so the portal's relying-party code and the API's
// access-token check run exactly as they would against Okta, Entra ID or Keycloak. Only the login
// step is fake: instead of a password form, the login page offers one button per demo user.
//
// The provider keeps auth requests, codes and tokens in memory. The signing key and the token
// encryption key come from the caller, who persists them, so ID tokens issued before a restart
// still verify; sessions in flight (codes, access and refresh tokens) do not survive a restart.
//
// Deliberate choices beyond what zitadel enforces:
//   - PKCE with S256 is required for every authorization request, for confidential clients too.
//   - An authorization code works once and for two minutes. A failed exchange (wrong secret or
//     verifier) does not use it up, so the client sees the real error; a replay after a
//     successful exchange fails with invalid_grant and revokes the tokens the code produced
//     (RFC 6749 section 4.1.2).
//   - Only response_mode=query: zitadel's form_post page relies on an inline script, which
//     Steward's Content-Security-Policy blocks.
//   - Standard claims follow the requested scopes (email, profile) as with real providers, so a
//     relying party that forgets a scope breaks here rather than in production; the "groups"
//     claim is always released, like a provider with a groups claim mapper.
package demoidp

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/op"
)

// User is a demo identity the provider can sign in.
type User struct {
	Subject     string   // stable, e.g. "demo-admin"
	Email       string   // also the preferred_username
	Name        string   // display name, e.g. "Ada Admin"
	Description string   // one line shown on the pick-a-user page, e.g. "Administrator: configures everything"
	Groups      []string // put in a "groups" claim
}

// Client is a relying party allowed to use the provider.
type Client struct {
	ID, Secret             string
	RedirectURIs           []string
	PostLogoutRedirectURIs []string
}

// Config configures the provider.
type Config struct {
	Issuer        string          // absolute, e.g. "http://localhost:8080/idp" (no trailing slash); its path is the mount prefix
	Users         []User          // at least one
	Clients       []Client        // at least one
	SigningKey    *rsa.PrivateKey // supplied by the caller, who persists it so tokens survive restarts
	CryptoKey     [32]byte        // for op.Config.CryptoKey, also supplied/persisted by the caller
	StylesheetURL string          // URL of the portal's CSS, linked from the login page (e.g. "/static/app.css?v=abc")
	Logger        *slog.Logger    // nil means slog.Default()
}

// signingKeyBits is the RSA key size GenerateSigningKey uses and New accepts as a minimum.
const signingKeyBits = 2048

// GenerateSigningKey returns a new 2048-bit RSA key for Config.SigningKey. The caller should
// persist it: a new key on every start would invalidate ID tokens issued before the restart.
func GenerateSigningKey() (*rsa.PrivateKey, error) {
	key, err := rsa.GenerateKey(rand.Reader, signingKeyBits)
	if err != nil {
		return nil, fmt.Errorf("generate demo signing key: %w", err)
	}
	return key, nil
}

// New returns the provider's handler. The caller mounts it so that it sees request paths WITHOUT
// the issuer's path prefix (the web layer does http.StripPrefix("/idp", h)).
//
// The provider starts no goroutines; ctx only bounds the setup.
func New(ctx context.Context, cfg Config) (http.Handler, error) {
	return newHandler(ctx, cfg, time.Now)
}

// newHandler is New with an injectable clock, so tests can expire codes and tokens.
func newHandler(ctx context.Context, cfg Config, now func() time.Time) (http.Handler, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	prefix, err := validateConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("demo identity provider: %w", err)
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}

	st, err := newStorage(cfg, prefix, now)
	if err != nil {
		return nil, fmt.Errorf("demo identity provider: %w", err)
	}

	// An issuer origin's root is where Steward itself lives, so that is where a sign-out without
	// a registered post_logout_redirect_uri lands.
	issuerURL, _ := url.Parse(cfg.Issuer) // validated above
	home := (&url.URL{Scheme: issuerURL.Scheme, Host: issuerURL.Host, Path: "/"}).String()

	opConfig := &op.Config{
		CryptoKey:                cfg.CryptoKey,
		DefaultLogoutRedirectURI: home,
		CodeMethodS256:           true,
		AuthMethodPost:           true,
		GrantTypeRefreshToken:    true,
		SupportedScopes:          supportedScopes,
		SupportedClaims:          append(append([]string(nil), op.DefaultSupportedClaims...), claimGroups),
	}
	// WithAllowInsecure only permits an http issuer (local development); it does not relax any
	// check on https issuers.
	provider, err := op.NewProvider(opConfig, st, op.StaticIssuer(cfg.Issuer), op.WithAllowInsecure())
	if err != nil {
		return nil, fmt.Errorf("demo identity provider: create op: %w", err)
	}

	lh := &loginHandler{
		store:         st,
		users:         slices.Clone(cfg.Users),
		callbackURL:   op.AuthCallbackURL(provider),
		action:        prefix + loginPath,
		home:          home,
		stylesheetURL: cfg.StylesheetURL,
		log:           logger,
	}
	// The login routes live outside the OP's router, so they need its issuer interceptor for
	// op.AuthCallbackURL to know the issuer. The POST additionally refuses cross-origin browser
	// requests: the form carries no CSRF token, and the web layer exempts /idp from its own CSRF
	// check because the token endpoint is called server to server.
	issuerCtx := op.NewIssuerInterceptor(provider.IssuerFromRequest)
	mux := http.NewServeMux()
	mux.Handle("GET "+loginPath, issuerCtx.HandlerFunc(lh.show))
	mux.Handle("POST "+loginPath, http.NewCrossOriginProtection().Handler(issuerCtx.HandlerFunc(lh.submit)))
	mux.Handle("/", provider)
	return mux, nil
}

// validateConfig checks cfg and returns the issuer's path, which is the prefix the caller strips
// before the handler sees a request and which the login URL must put back.
func validateConfig(cfg Config) (prefix string, err error) {
	u, err := url.Parse(cfg.Issuer)
	switch {
	case err != nil:
		return "", fmt.Errorf("parse issuer %q: %w", cfg.Issuer, err)
	case u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		return "", fmt.Errorf("issuer %q must be an absolute http(s) URL", cfg.Issuer)
	case u.RawQuery != "" || u.Fragment != "" || u.User != nil:
		return "", fmt.Errorf("issuer %q must not have a query, fragment or user info", cfg.Issuer)
	case strings.HasSuffix(cfg.Issuer, "/"):
		// Relying parties compare the issuer byte for byte; a trailing slash is a classic mismatch.
		return "", fmt.Errorf("issuer %q must not end with a slash", cfg.Issuer)
	}

	if cfg.SigningKey == nil {
		return "", errors.New("signing key is required")
	}
	if err := cfg.SigningKey.Validate(); err != nil {
		return "", fmt.Errorf("signing key: %w", err)
	}
	if bits := cfg.SigningKey.N.BitLen(); bits < signingKeyBits {
		return "", fmt.Errorf("signing key has %d bits, want at least %d", bits, signingKeyBits)
	}
	if cfg.CryptoKey == ([32]byte{}) {
		// An all-zero key would make every access token decryptable by anyone who reads this code.
		return "", errors.New("crypto key is required")
	}

	if len(cfg.Users) == 0 {
		return "", errors.New("at least one demo user is required")
	}
	subjects := make(map[string]bool, len(cfg.Users))
	for i, u := range cfg.Users {
		switch {
		case u.Subject == "":
			return "", fmt.Errorf("user %d: subject is required", i)
		case strings.Contains(u.Subject, ":"):
			// zitadel encodes opaque access tokens as "tokenID:subject".
			return "", fmt.Errorf("user %q: subject must not contain ':'", u.Subject)
		case subjects[u.Subject]:
			return "", fmt.Errorf("user %q: duplicate subject", u.Subject)
		case u.Email == "" || u.Name == "":
			return "", fmt.Errorf("user %q: email and name are required", u.Subject)
		}
		subjects[u.Subject] = true
	}

	if len(cfg.Clients) == 0 {
		return "", errors.New("at least one client is required")
	}
	ids := make(map[string]bool, len(cfg.Clients))
	for i, c := range cfg.Clients {
		switch {
		case c.ID == "":
			return "", fmt.Errorf("client %d: id is required", i)
		case ids[c.ID]:
			return "", fmt.Errorf("client %q: duplicate id", c.ID)
		case c.Secret == "":
			// A missing secret would silently turn the client into a public one.
			return "", fmt.Errorf("client %q: secret is required", c.ID)
		case len(c.RedirectURIs) == 0:
			return "", fmt.Errorf("client %q: at least one redirect URI is required", c.ID)
		}
		ids[c.ID] = true
	}
	return strings.TrimSuffix(u.EscapedPath(), "/"), nil
}
