package web

import (
	"context"

	"github.com/labstack/echo/v4"

	"github.com/stewardhq/steward/entitlement"
)

// Portal returns the portal's route group, for tests that add routes of their own to it.
func (s *Server) Portal() *echo.Group { return s.portal }

// API returns the API's route group, for tests that add routes of their own to it.
func (s *Server) API() *echo.Group { return s.api }

// VerifyIDToken exposes the relying party's token check to the tests of package web_test.
func (s *Server) VerifyIDToken(ctx context.Context, raw, nonce string) (entitlement.Claims, error) {
	p, err := s.rp.discover(ctx)
	if err != nil {
		return entitlement.Claims{}, err
	}
	return s.rp.verify(ctx, p, raw, nonce)
}
