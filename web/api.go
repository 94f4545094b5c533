package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
)

// apiPrefix is where the Graph-shaped API answers.
const apiPrefix = "/beta"

// isAPI reports whether the request belongs to the API group. The error handler asks the path
// rather than a mark the group's middleware sets, because some errors (an unknown method on a
// known path) are answered before any group middleware runs.
func isAPI(c echo.Context) bool {
	p := c.Request().URL.Path
	return p == apiPrefix || strings.HasPrefix(p, apiPrefix+"/")
}

// apiMiddleware is the API group's chain, after the server's: the bearer token's principal.
func (s *Server) apiMiddleware() []echo.MiddlewareFunc {
	return []echo.MiddlewareFunc{s.apiAuth}
}

// apiAuth authenticates an API request by its bearer token: an API token (entitlement
// APITokenPrefix), or an access token of the configured identity provider, which must name
// Steward's API audience and a person who has signed in to Steward before. Whatever is wrong
// with the token is a 401 with WWW-Authenticate; no cookie is read or written.
func (s *Server) apiAuth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		scheme, token, _ := strings.Cut(c.Request().Header.Get(echo.HeaderAuthorization), " ")
		token = strings.TrimSpace(token)
		if !strings.EqualFold(scheme, "Bearer") || token == "" {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="steward"`)
			return unauthorized("Send Authorization: Bearer <token>, with an API token from your profile in Steward or an access token of your identity provider.")
		}
		ctx := c.Request().Context()
		var p entitlement.Principal
		var err error
		if strings.HasPrefix(token, entitlement.APITokenPrefix) {
			p, err = s.deps.Service.AuthenticateAPIToken(ctx, token)
			if errors.Is(err, entitlement.ErrUnauthorized) {
				err = unauthorized("The API token is unknown, revoked or expired, or its owner is disabled. Make a new one in Steward.")
			}
		} else {
			p, err = s.accessTokenPrincipal(ctx, token)
		}
		if errors.Is(err, entitlement.ErrUnauthorized) {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="steward", error="invalid_token"`)
			return err
		} else if err != nil {
			return err
		}
		s.setPrincipal(c, p)
		return next(c)
	}
}

// unauthorized is a 401 that says what to do; it wraps entitlement.ErrUnauthorized.
func unauthorized(msg string) error {
	return &entitlement.RuleError{Code: "InvalidAuthenticationToken", Message: msg, Kind: entitlement.ErrUnauthorized}
}

// accessTokenPrincipal verifies an access token of the identity provider (signature, issuer,
// audience, expiry) and returns the principal of the person it names, by issuer and subject as
// at sign-in.
func (s *Server) accessTokenPrincipal(ctx context.Context, raw string) (entitlement.Principal, error) {
	if strings.Count(raw, ".") != 2 {
		// Neither an API token nor a JWT: no need to ask the provider for its keys.
		return entitlement.Principal{}, unauthorized("The bearer token is neither a Steward API token (stw_…) nor a JWT access token.")
	}
	ctx = oidc.ClientContext(ctx, s.rp.client)
	p, err := s.rp.discover(ctx)
	if err != nil {
		return entitlement.Principal{}, echo.NewHTTPError(http.StatusServiceUnavailable, "The identity provider cannot be reached to check the access token; try again in a minute, or use an API token.").SetInternal(err)
	}
	tok, err := p.Verifier(&oidc.Config{ClientID: s.cfg.OIDC.apiAudience()}).Verify(ctx, raw)
	if err != nil {
		var expired *oidc.TokenExpiredError
		if errors.As(err, &expired) {
			return entitlement.Principal{}, unauthorized(fmt.Sprintf("The access token expired at %s; get a new one from your identity provider.", expired.Expiry.UTC().Format(time.RFC3339)))
		}
		return entitlement.Principal{}, unauthorized(fmt.Sprintf("The access token was not accepted: it must be signed by %s and issued for the audience %s.", s.cfg.OIDC.Issuer, s.cfg.OIDC.apiAudience()))
	}
	return s.deps.Service.PrincipalForSubject(ctx, tok.Issuer, tok.Subject)
}
