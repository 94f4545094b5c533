package entitlement

import (
	"context"
	"fmt"
)

// Backlog is the work waiting in the engine, for the operators' metrics.
type Backlog struct {
	OutboxUndelivered int // side effects neither carried out nor given up on
	PendingApprovals  int // requests that someone may decide now
}

// Backlog counts the work waiting in the engine. It reads two indexes and no record, so that a
// metrics scraper may call it every few seconds. It needs no principal: it tells counts only, and
// the metrics endpoint that serves them has its own protection.
func (s *Service) Backlog(ctx context.Context) (Backlog, error) {
	var b Backlog
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		if b.OutboxUndelivered, err = tx.Outbox().CountUndelivered(); err != nil {
			return fmt.Errorf("count undelivered outbox messages: %w", err)
		}
		if b.PendingApprovals, err = tx.Requests().CountWaiting(); err != nil {
			return fmt.Errorf("count pending approvals: %w", err)
		}
		return nil
	})
	return b, err
}
