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
	access := handlers.Access{Base: s.base}
	requests := handlers.Requests{Base: s.base}
	assignments := handlers.Assignments{Base: s.base}
	approvals := handlers.Approvals{Base: s.base}

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
	e.GET("/access/packages", access.List, requireUser)
	e.GET("/access/packages/:id", access.Show, requireUser)
	e.POST("/access/packages/:id/request", access.Request, requireUser)
	e.GET("/access/requests", requests.List, requireUser)
	e.GET("/access/requests/:id", requests.Show, requireUser)
	e.POST("/access/requests/:id/cancel", requests.Cancel, requireUser)
	e.GET("/access/assignments", assignments.List, requireUser)
	e.GET("/access/assignments/:id/extend", assignments.ExtendForm, requireUser)
	e.POST("/access/assignments/:id/extend", assignments.Extend, requireUser)
	e.GET("/access/assignments/:id/remove", assignments.GiveBackForm, requireUser)
	e.POST("/access/assignments/:id/remove", assignments.GiveBack, requireUser)
	e.GET("/approvals", approvals.List, requireUser)
	e.GET("/approvals/history", approvals.History, requireUser)
	e.POST("/approvals/bulk", approvals.Bulk, requireUser)
	e.POST("/approvals/:id/decide", approvals.Decide, requireUser)

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
