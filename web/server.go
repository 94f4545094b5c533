package web

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/handlers"
)

// Server is the assembled HTTP server.
type Server struct {
	*echo.Echo
	cfg      Config
	deps     Deps
	sessions *sessionStore
	rp       *relyingParty
	base     *handlers.Base
	// apiErrors renders the errors of the API group (routes under /beta) in the API's shape;
	// routes() sets it. Everything else gets the portal's pages (handleError).
	apiErrors echo.HTTPErrorHandler
	portal    *echo.Group
	api       *echo.Group
}

// New builds the Echo instance with its middleware, routes and error handler.
func New(cfg Config, deps Deps) (*Server, error) {
	if deps.Service == nil {
		return nil, fmt.Errorf("web: no service")
	}
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	if cfg.OIDC.Issuer == "" || cfg.OIDC.ClientID == "" {
		return nil, fmt.Errorf("web: no OIDC issuer or client id configured")
	}
	sessions, err := newSessionStore(cfg)
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	s := &Server{
		Echo: e, cfg: cfg, deps: deps, sessions: sessions,
		rp: &relyingParty{cfg: cfg, sessions: sessions, svc: deps.Service, log: deps.Logger,
			client: &http.Client{Timeout: 15 * time.Second}},
		base: &handlers.Base{Svc: deps.Service, Flashes: sessions, Log: deps.Logger},
	}
	e.HTTPErrorHandler = s.handleError
	s.middleware()
	s.routes()
	return s, nil
}
