package store

import (
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

// BenchmarkAssignmentRolesBySubject reads the 10 roles of one subject among 10,000 roles of
// 1,000 subjects.
func BenchmarkAssignmentRolesBySubject(b *testing.B) {
	s := newTestStore(b)
	var subject string
	if err := s.Update(ctx, func(tx entitlement.Tx) error {
		for range 1000 {
			subject = entitlement.NewID()
			for range 10 {
				roleScope := entitlement.RoleScopeID(entitlement.NewID(), entitlement.NewID())
				r := entitlement.AssignmentResourceRole{ID: entitlement.AssignmentResourceRoleID(subject, roleScope), SubjectID: subject,
					Status: entitlement.RoleStatusFulfilled, AssignmentIDs: []string{entitlement.NewID()}}
				if err := tx.AssignmentRoles().Put(r); err != nil {
					return err
				}
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := s.View(ctx, func(tx entitlement.Tx) error {
			roles, err := tx.AssignmentRoles().BySubject(subject)
			if err == nil && len(roles) != 10 {
				b.Fatalf("%d roles", len(roles))
			}
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
}
