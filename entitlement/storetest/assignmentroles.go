package storetest

import (
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

var assignmentRoleCases = []tcase{
	// A role keeps its subject for life, so the store may index it without reading it back.
	{"Put refuses a role whose id is not its subject's", func(t *testing.T, st entitlement.Store) {
		subject := entitlement.NewID()
		for _, r := range []entitlement.AssignmentResourceRole{
			{ID: entitlement.AssignmentResourceRoleID(entitlement.NewID(), "rs1"), SubjectID: subject},
			{ID: "rs1", SubjectID: ""},
		} {
			if err := st.Update(t.Context(), func(tx entitlement.Tx) error { return tx.AssignmentRoles().Put(r) }); err == nil {
				t.Errorf("Put(%q of %q) succeeded", r.ID, r.SubjectID)
			}
		}
	}},
	missing(lookup{"Get", func(tx entitlement.Tx) error { _, err := tx.AssignmentRoles().Get("nobody_nothing"); return err }}),
	// Ref-counted removal reads a subject's roles through BySubject.
	{"BySubject follows puts and deletes", func(t *testing.T, st entitlement.Store) {
		ada, bob := entitlement.NewID(), entitlement.NewID()
		role := func(subject, roleScope string) entitlement.AssignmentResourceRole {
			return entitlement.AssignmentResourceRole{ID: entitlement.AssignmentResourceRoleID(subject, roleScope), SubjectID: subject,
				Status: entitlement.RoleStatusFulfilled, AssignmentIDs: []string{entitlement.NewID()}, ModifiedDateTime: t0}
		}
		a1, a2, b1 := role(ada, "rs1"), role(ada, "rs2"), role(bob, "rs1")
		bySubject := func(id string) func(tx entitlement.Tx) ([]string, error) {
			return func(tx entitlement.Tx) ([]string, error) {
				rs, err := tx.AssignmentRoles().BySubject(id)
				return keys(rs, func(r entitlement.AssignmentResourceRole) string { return r.ID }), err
			}
		}
		followIndexes(t, st, map[string]func(tx entitlement.Tx) ([]string, error){"Ada": bySubject(ada), "Bob": bySubject(bob)}, []indexStep{
			{"put", func(tx entitlement.Tx) error {
				for _, r := range []entitlement.AssignmentResourceRole{a1, a2, b1} {
					if err := tx.AssignmentRoles().Put(r); err != nil {
						return err
					}
				}
				return nil
			}, map[string][]string{"Ada": {a1.ID, a2.ID}, "Bob": {b1.ID}}},
			{"deleted", func(tx entitlement.Tx) error { return tx.AssignmentRoles().Delete(a1.ID) },
				map[string][]string{"Ada": {a2.ID}, "Bob": {b1.ID}}},
		})
		all := read(t, st, func(tx entitlement.Tx) ([]string, error) {
			return Walk(t, tx.AssignmentRoles().List, func(r entitlement.AssignmentResourceRole) string { return r.ID }, 1, 2), nil
		})
		if !sameSet(all, []string{a2.ID, b1.ID}) {
			t.Errorf("List = %v", all)
		}
	}},
}
