package entitlement

import (
	"context"
	"fmt"
)

// ListAudit lists audit events, newest first. Only administrators read the audit log.
func (s *Service) ListAudit(ctx context.Context, f AuditFilter, opt ListOptions) (Page[AuditEvent], error) {
	var out Page[AuditEvent]
	err := s.read(ctx, func(tx Tx, a *access) error {
		if err := requireAdmin(a, "read the audit log"); err != nil {
			return err
		}
		var err error
		out, err = tx.Audit().List(f, opt)
		if err != nil {
			return fmt.Errorf("list audit events: %w", err)
		}
		return nil
	})
	return out, err
}

// VerifyAudit checks the audit chain as VerifyAuditChain does, for administrators in the portal.
func (s *Service) VerifyAudit(ctx context.Context, exportedHead string) (ChainVerification, error) {
	var out ChainVerification
	err := s.read(ctx, func(tx Tx, a *access) error {
		if err := requireAdmin(a, "verify the audit log"); err != nil {
			return err
		}
		var err error
		out, err = VerifyAuditChain(tx.Audit(), exportedHead)
		return err
	})
	return out, err
}
