package entitlement

import (
	"context"
	"fmt"
)

// UserAssignments lists one user's assignments, live and past, for the directory's user page.
// Only administrators see a person's access across every catalog.
func (s *Service) UserAssignments(ctx context.Context, userID string, f AssignmentFilter, opt ListOptions) (Page[Assignment], error) {
	var out Page[Assignment]
	err := s.read(ctx, func(tx Tx, a *access) error {
		if err := requireAdmin(a, "see other people's access"); err != nil {
			return err
		}
		if _, err := getUser(tx, userID); err != nil {
			return err
		}
		var err error
		out, err = tx.Assignments().ByTarget(userID, f, opt)
		if err != nil {
			return fmt.Errorf("assignments of %s: %w", userID, err)
		}
		return nil
	})
	return out, err
}

// UserRequests lists the requests for one user's access, for the directory's user page; only
// administrators may.
func (s *Service) UserRequests(ctx context.Context, userID string, f RequestFilter, opt ListOptions) (Page[Request], error) {
	var out Page[Request]
	err := s.read(ctx, func(tx Tx, a *access) error {
		if err := requireAdmin(a, "see other people's requests"); err != nil {
			return err
		}
		if _, err := getUser(tx, userID); err != nil {
			return err
		}
		var err error
		out, err = tx.Requests().ByTarget(userID, f, opt)
		if err != nil {
			return fmt.Errorf("requests of %s: %w", userID, err)
		}
		return nil
	})
	return out, err
}
