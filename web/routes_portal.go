//go:build engine

package web

import "github.com/stewardhq/steward/handlers"

// portalRoutes registers the My access and Approvals pages. It moves into routes.go (the section
// "Pages: My access and Approvals") when the request engine lands in main.
func (s *Server) portalRoutes() {
	e := s.Echo
	access := handlers.Access{Base: s.base}
	requests := handlers.Requests{Base: s.base}
	assignments := handlers.Assignments{Base: s.base}
	approvals := handlers.Approvals{Base: s.base}

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
}
