package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/handlers"
	"github.com/stewardhq/steward/static"
)

// routes is the one route table of the server.
func (s *Server) routes() {
	e := s.Echo
	home := handlers.Home{Base: s.base}

	// Probes and assets.
	e.GET("/healthz", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	e.GET("/readyz", s.ready)
	e.StaticFS("/static", static.FS)
	if s.cfg.DemoIdP != nil {
		e.Any("/idp/*", echo.WrapHandler(http.StripPrefix("/idp", s.cfg.DemoIdP)))
	}

	// Sign-in.
	e.GET("/login", s.rp.login)
	e.GET("/auth/callback", s.rp.callback)
	e.POST("/logout", s.rp.logout)

	// Pages: My access and Approvals (everyone signed in).
	e.GET("/", home.Show)
	s.portalRoutes()

	// Pages: Admin (administrators, catalog creators and catalog role holders).
}

// ready answers 200 while the store can serve reads.
func (s *Server) ready(c echo.Context) error {
	if s.deps.Ready != nil {
		if err := s.deps.Ready(c.Request().Context()); err != nil {
			s.deps.Logger.Warn("not ready", "err", err)
			return c.String(http.StatusServiceUnavailable, "store unavailable")
		}
	}
	return c.String(http.StatusOK, "ready")
}
