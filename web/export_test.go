package web

import (
	"context"

	"github.com/stewardhq/steward/entitlement"
)

// VerifyIDToken exposes the relying party's token check to the tests of package web_test.
func (s *Server) VerifyIDToken(ctx context.Context, raw, nonce string) (entitlement.Claims, error) {
	p, err := s.rp.discover(ctx)
	if err != nil {
		return entitlement.Claims{}, err
	}
	return s.rp.verify(ctx, p, raw, nonce)
}
