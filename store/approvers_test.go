package store

import (
	"path/filepath"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	bolt "go.etcd.io/bbolt"
)

// TestMigration7IndexesPolicyApprovers starts from a version-6 file, which has no
// policies_by_approver index; migration 7 must build it from the policies, so that a group named
// as an approver or reviewer before the upgrade cannot be deleted after it.
func TestMigration7IndexesPolicyApprovers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	approvers, escalation, reviewers, person := entitlement.NewID(), entitlement.NewID(), entitlement.NewID(), entitlement.NewID()
	pol := entitlement.AssignmentPolicy{ID: entitlement.NewID(), AccessPackageID: entitlement.NewID(), DisplayName: "Old",
		RequestApprovalSettings: entitlement.ApprovalSettings{ApprovalStages: []entitlement.ApprovalStage{{
			PrimaryApprovers: []entitlement.UserSet{
				{Type: entitlement.UserSetGroupMembers, ID: approvers},
				{Type: entitlement.UserSetSingleUser, ID: person},
				{Type: entitlement.UserSetRequestorManager, ManagerLevel: 1},
			},
			EscalationApprovers: []entitlement.UserSet{{Type: entitlement.UserSetGroupMembers, ID: escalation}},
		}}},
		AccessReviewSettings: &entitlement.ReviewSettings{Reviewers: []entitlement.UserSet{{Type: entitlement.UserSetGroupMembers, ID: reviewers}}},
	}
	if err := s.Update(ctx, func(tx entitlement.Tx) error { return tx.Policies().Put(pol) }); err != nil {
		t.Fatal(err)
	}
	s = migrateFrom(t, s, 6, 7, func(tx *bolt.Tx) error {
		return tx.DeleteBucket([]byte("policies_by_approver"))
	})
	if err := s.View(ctx, func(tx entitlement.Tx) error {
		for _, id := range []string{approvers, escalation, reviewers, person} {
			ids, err := tx.Policies().IDsByApprover(id)
			if err != nil || len(ids) != 1 || ids[0] != pol.ID {
				t.Errorf("IDsByApprover(%s) = %v, %v; want the policy", id, ids, err)
			}
		}
		// The other policy indexes are rebuilt too and still agree.
		if got, err := tx.Policies().ByPackage(pol.AccessPackageID); err != nil || len(got) != 1 {
			t.Errorf("ByPackage = %v, %v", got, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
