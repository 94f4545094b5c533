// Package web assembles Steward's HTTP server: the Echo instance, the one route table, the
// middleware chain, the error handler, sessions, and sign-in through OpenID Connect (an external
// provider, or the embedded demo provider of package demoidp).
package web

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/handlers"
	"github.com/stewardhq/steward/metrics"
)

// Config is what the server needs from the process configuration.
type Config struct {
	// BaseURL is the externally visible origin, e.g. "https://steward.example.com". Cookies are
	// Secure when it is https.
	BaseURL string
	OIDC    OIDCConfig
	// SessionHashKey (32 or 64 bytes) signs the session cookie; SessionBlockKey (32 bytes) encrypts it.
	SessionHashKey  []byte
	SessionBlockKey []byte
	// DemoIdP, when set, is the embedded demo provider's handler, mounted at /idp.
	DemoIdP http.Handler
	// MetricsToken, when set, is the bearer token /metrics asks for; without it /metrics is open.
	MetricsToken string
}

// OIDCConfig names the identity provider Steward signs people in with.
type OIDCConfig struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	// RedirectURL is the callback registered with the provider; default BaseURL + "/auth/callback".
	RedirectURL string
	Scopes      []string
	// APIAudience is the audience the provider's access tokens must name to be accepted by the
	// API; default ClientID, which is what providers put there when the portal's own client
	// asks for the token.
	APIAudience string
}

func (c OIDCConfig) apiAudience() string {
	if c.APIAudience != "" {
		return c.APIAudience
	}
	return c.ClientID
}

// Deps are the server's collaborators.
type Deps struct {
	Service *entitlement.Service
	// Ready reports whether the store can serve requests, for /readyz.
	Ready  func(ctx context.Context) error
	Logger *slog.Logger
	// Metrics, when set, is served at /metrics and hears of every answered request.
	Metrics *metrics.Metrics
	// Connectors runs a resource page's "Test connection" and comparison (provision.Dispatcher).
	Connectors handlers.ConnectorRunner
	// Callbacks, when set, answers webhook receivers' confirmations at provision.CallbackPath.
	Callbacks http.Handler
}

func (c Config) secure() bool { return strings.HasPrefix(strings.ToLower(c.BaseURL), "https://") }

func (c Config) redirectURL() string {
	if c.OIDC.RedirectURL != "" {
		return c.OIDC.RedirectURL
	}
	return strings.TrimRight(c.BaseURL, "/") + "/auth/callback"
}
