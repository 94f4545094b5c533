package web

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/provision"
	"github.com/stewardhq/steward/views"
)

// middleware installs the chain, outermost first: recover, request id, logging, security
// headers, caching rules, body size limit, CSRF, then the signed-in principal.
func (s *Server) middleware() {
	e := s.Echo
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			ctx := c.Request().Context()
			entitlement.LoggerFrom(ctx, s.deps.Logger).ErrorContext(ctx, "panic", "err", err, "stack", string(stack))
			return err
		},
	}))
	e.Use(middleware.RequestID())
	e.Use(s.requestLogger)
	e.Use(middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus: true, LogURIPath: true, LogMethod: true, LogLatency: true,
		Skipper: func(c echo.Context) bool {
			return strings.HasPrefix(c.Path(), "/static") || c.Path() == "/healthz" || c.Path() == "/metrics"
		},
		// The path only, never the query: a sign-in callback's query holds the authorization
		// code and the state.
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			level := slog.LevelInfo
			if v.Status >= 500 {
				level = slog.LevelError
			}
			ctx := c.Request().Context()
			entitlement.LoggerFrom(ctx, s.deps.Logger).LogAttrs(ctx, level, "request",
				slog.String("method", v.Method), slog.String("route", c.Path()), slog.String("path", v.URIPath),
				slog.Int("status", v.Status), slog.Duration("latency", v.Latency))
			return nil
		},
	}))
	e.Use(s.observe)
	e.Use(s.securityHeaders)
	e.Use(noStore)
	// The CSRF check reads the form, so without a cap anyone, signed in or not, could make the
	// server buffer or spool to disk a body of any size. The largest legitimate body is a CSV
	// import (at most entitlement.MaxImportRows rows).
	e.Use(middleware.BodyLimit(maxBodySize))
	e.Use(middleware.CSRFWithConfig(middleware.CSRFConfig{
		TokenLookup:    "form:_csrf,header:X-CSRF-Token",
		CookieName:     csrfCookieName,
		CookiePath:     "/",
		CookieHTTPOnly: true,
		CookieSecure:   s.cfg.secure(),
		CookieSameSite: http.SameSiteLaxMode,
		// The demo provider's endpoints are its own (the token endpoint is called server to
		// server; its login form is bound to an unguessable auth request id), and the probes
		// change nothing.
		Skipper: func(c echo.Context) bool {
			p := c.Request().URL.Path
			return strings.HasPrefix(p, "/idp/") || strings.HasPrefix(p, scimPrefix) || strings.HasPrefix(p, provision.CallbackPath) || p == "/healthz" || p == "/readyz"
		},
		ErrorHandler: func(err error, c echo.Context) error {
			return echo.NewHTTPError(http.StatusForbidden, "This form has expired or did not come from Steward. Go back, reload the page and try again.")
		},
	}))
	e.Use(s.loadPrincipal)
}

// requestLogger gives the request a logger that adds the request id to every line; loadPrincipal
// adds the signed-in person's id. Handlers, the service and the error handler log through it
// (entitlement.LoggerFrom), so that one id finds every line of a request.
func (s *Server) requestLogger(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		l := s.deps.Logger.With(slog.String("request_id", requestID(c)))
		c.SetRequest(c.Request().WithContext(entitlement.WithLogger(c.Request().Context(), l)))
		return next(c)
	}
}

// observe answers an error here, through the error handler, so that the access log and the
// metrics around it see the status that was sent (a refused request is a 403, a sign-in redirect
// a 303), and records the request's latency by its route pattern.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		if err := next(c); err != nil {
			c.Error(err)
		}
		if s.deps.Metrics != nil {
			route := c.Path()
			if route == "" {
				route = "unmatched"
			}
			s.deps.Metrics.ObserveHTTP(c.Request().Method, route, c.Response().Status, time.Since(start))
		}
		return nil
	}
}

// csrfCookieName is the cookie that holds the CSRF token; sign-in expires it.
const csrfCookieName = "steward_csrf"

// maxBodySize caps request bodies.
const maxBodySize = "16M"

// securityHeaders sets a strict CSP (no inline scripts or styles), frame denial, no-sniff and a
// referrer policy on every response.
func (s *Server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	csp := "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
		"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if s.cfg.secure() {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		// Asset URLs carry a hash of their content (static.Path), so a versioned one never changes.
		if strings.HasPrefix(c.Request().URL.Path, "/static/") && c.QueryParam("v") != "" {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		}
		return next(c)
	}
}

// noStore keeps every response except the static assets out of the browser's caches: pages
// show who is signed in and what they may see, so after signing out, Back must ask the server
// again rather than show an admin page from the cache (or the back-forward cache). Set before
// the handler runs, so redirects and error pages carry it too; a handler may still set its own.
func noStore(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !strings.HasPrefix(c.Request().URL.Path, "/static/") {
			c.Response().Header().Set("Cache-Control", "no-store")
		}
		return next(c)
	}
}

// loadPrincipal puts the signed-in user (if any) into the request context. A cookie whose
// session has ended (signed out, expired, or its user blocked or gone) is treated as signed out.
func (s *Server) loadPrincipal(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if p := c.Request().URL.Path; strings.HasPrefix(p, "/static/") || strings.HasPrefix(p, "/idp/") || strings.HasPrefix(p, scimPrefix) || strings.HasPrefix(p, provision.CallbackPath) {
			return next(c)
		}
		token := s.sessions.token(c)
		if token == "" {
			return next(c)
		}
		p, err := s.deps.Service.SessionPrincipal(c.Request().Context(), token)
		if errors.Is(err, entitlement.ErrUnauthorized) {
			return next(c)
		}
		if err != nil {
			return err
		}
		ctx := entitlement.WithPrincipal(c.Request().Context(), p)
		ctx = entitlement.WithLogger(ctx, entitlement.LoggerFrom(ctx, s.deps.Logger).With(slog.String("user_id", p.UserID)))
		// Pages show times in the person's own zone; every views time helper reads it from here.
		ctx = views.WithZone(ctx, views.LoadZone(p.TimeZone))
		c.SetRequest(c.Request().WithContext(ctx))
		return next(c)
	}
}

// requireUser sends visitors who are not signed in to the sign-in page, and back afterwards.
func requireUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if _, ok := entitlement.PrincipalFrom(c.Request().Context()); ok {
			return next(c)
		}
		return entitlement.ErrUnauthorized
	}
}

func loginURL(c echo.Context) string {
	next := c.Request().URL.RequestURI()
	if c.Request().Method != http.MethodGet || next == "/" {
		return "/login"
	}
	return "/login?next=" + url.QueryEscape(next)
}

func requestID(c echo.Context) string {
	return c.Response().Header().Get(echo.HeaderXRequestID)
}
