//go:build !engine

package web

// portalRoutes registers nothing until the request engine lands in main (see routes_portal.go).
func (s *Server) portalRoutes() {}
