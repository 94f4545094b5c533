package storetest

import (
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

func newPolicy(packageID, scope string, requestors ...string) entitlement.AssignmentPolicy {
	p := entitlement.AssignmentPolicy{ID: entitlement.NewID(), AccessPackageID: packageID, DisplayName: "Policy", DurationInDays: 30,
		RequestorSettings: entitlement.RequestorSettings{ScopeType: scope, AcceptRequests: true}, CreatedDateTime: t0, Version: 1}
	for _, id := range requestors {
		p.RequestorSettings.AllowedRequestors = append(p.RequestorSettings.AllowedRequestors, entitlement.UserSet{Type: entitlement.UserSetSingleUser, ID: id})
	}
	return p
}

var policyCases = []tcase{
	missing(lookup{"Get", func(tx entitlement.Tx) error { _, err := tx.Policies().Get(entitlement.NewID()); return err }}),
	// Eligibility ("what may I request") is these lookups, so a stale entry offers a package to
	// someone a policy no longer names.
	{"ByPackage, IDsByRequestor and IDsByScopeType follow the policy", func(t *testing.T, st entitlement.Store) {
		pkgA, pkgB, ada, bob := entitlement.NewID(), entitlement.NewID(), entitlement.NewID(), entitlement.NewID()
		p := newPolicy(pkgA, entitlement.ScopeSpecificDirectorySubjects, ada, bob, ada)
		other := newPolicy(pkgA, entitlement.ScopeAllExistingDirectoryMembers)
		byPackage := func(id string) func(tx entitlement.Tx) ([]string, error) {
			return func(tx entitlement.Tx) ([]string, error) {
				ps, err := tx.Policies().ByPackage(id)
				return keys(ps, func(p entitlement.AssignmentPolicy) string { return p.ID }), err
			}
		}
		followIndexes(t, st, map[string]func(tx entitlement.Tx) ([]string, error){
			"package A": byPackage(pkgA),
			"package B": byPackage(pkgB),
			"ada":       func(tx entitlement.Tx) ([]string, error) { return tx.Policies().IDsByRequestor(ada) },
			"bob":       func(tx entitlement.Tx) ([]string, error) { return tx.Policies().IDsByRequestor(bob) },
			"specific": func(tx entitlement.Tx) ([]string, error) {
				return tx.Policies().IDsByScopeType(entitlement.ScopeSpecificDirectorySubjects)
			},
			"all members": func(tx entitlement.Tx) ([]string, error) {
				return tx.Policies().IDsByScopeType(entitlement.ScopeAllExistingDirectoryMembers)
			},
		}, []indexStep{
			{"put", func(tx entitlement.Tx) error {
				if err := tx.Policies().Put(p); err != nil {
					return err
				}
				return tx.Policies().Put(other)
			}, map[string][]string{"package A": {p.ID, other.ID}, "ada": {p.ID}, "bob": {p.ID}, "specific": {p.ID}, "all members": {other.ID}}},
			{"moved, Ada dropped, scope changed", func(tx entitlement.Tx) error {
				q := newPolicy(pkgB, entitlement.ScopeAllExistingDirectoryMembers, bob)
				q.ID = p.ID
				return tx.Policies().Put(q)
			}, map[string][]string{"package A": {other.ID}, "package B": {p.ID}, "bob": {p.ID}, "all members": {p.ID, other.ID}}},
			{"deleted", func(tx entitlement.Tx) error { return tx.Policies().Delete(p.ID) },
				map[string][]string{"package A": {other.ID}, "all members": {other.ID}}},
		})
	}},
	// Deleting a group a policy names as approver or reviewer is refused through this lookup, so
	// a missed entry leaves a policy asking nobody.
	{"IDsByApprover follows every stage, escalation and the reviewers", func(t *testing.T, st entitlement.Store) {
		pkg, primary, escalation, reviewer := entitlement.NewID(), entitlement.NewID(), entitlement.NewID(), entitlement.NewID()
		p := newPolicy(pkg, entitlement.ScopeAllExistingDirectoryMembers)
		p.RequestApprovalSettings.ApprovalStages = []entitlement.ApprovalStage{{
			PrimaryApprovers:    []entitlement.UserSet{{Type: entitlement.UserSetGroupMembers, ID: primary}},
			EscalationApprovers: []entitlement.UserSet{{Type: entitlement.UserSetSingleUser, ID: escalation}},
		}}
		p.AccessReviewSettings = &entitlement.ReviewSettings{Reviewers: []entitlement.UserSet{{Type: entitlement.UserSetGroupMembers, ID: reviewer}}}
		by := func(id string) func(tx entitlement.Tx) ([]string, error) {
			return func(tx entitlement.Tx) ([]string, error) { return tx.Policies().IDsByApprover(id) }
		}
		followIndexes(t, st, map[string]func(tx entitlement.Tx) ([]string, error){
			"primary": by(primary), "escalation": by(escalation), "reviewer": by(reviewer),
		}, []indexStep{
			{"put", func(tx entitlement.Tx) error { return tx.Policies().Put(p) },
				map[string][]string{"primary": {p.ID}, "escalation": {p.ID}, "reviewer": {p.ID}}},
			{"approval and reviews dropped", func(tx entitlement.Tx) error {
				q := newPolicy(pkg, entitlement.ScopeAllExistingDirectoryMembers)
				q.ID = p.ID
				return tx.Policies().Put(q)
			}, map[string][]string{}},
		})
	}},
}
