package store

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	bolt "go.etcd.io/bbolt"
)

// TestMigration21IndexesWhatPeopleRead turns a data file back into a schema without the indexes
// of requests by requestor, approver asked and catalog, of assignments by catalog, and without
// their counts, and checks that opening it runs migration 21: each person's readable lists hold
// what names them or their catalog, and nothing else, and both tables are counted.
func TestMigration21IndexesWhatPeopleRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ada, bob, cat := entitlement.NewID(), entitlement.NewID(), entitlement.NewID()
	request := func(target, requestor, catalog string, stages ...entitlement.StageState) entitlement.Request {
		return entitlement.Request{ID: entitlement.NewID(), TargetID: target, RequestorID: requestor, CatalogID: catalog, AccessPackageID: entitlement.NewID(),
			RequestType: entitlement.RequestUserAdd, RequestState: entitlement.StateDenied, Stages: stages}
	}
	onBehalf := request(bob, ada, entitlement.NewID())
	asked := request(bob, bob, entitlement.NewID(), entitlement.StageState{Approvers: []string{ada}})
	inCatalog := request(bob, bob, cat)
	unrelated := request(bob, bob, entitlement.NewID())
	assignment := entitlement.Assignment{ID: entitlement.NewID(), TargetID: bob, CatalogID: cat, AccessPackageID: entitlement.NewID(), AssignmentState: entitlement.AssignmentExpired}
	if err := s.Update(ctx, func(tx entitlement.Tx) error {
		for _, r := range []entitlement.Request{onBehalf, asked, inCatalog, unrelated} {
			if err := tx.Requests().Put(r); err != nil {
				return err
			}
		}
		return tx.Assignments().Put(assignment)
	}); err != nil {
		t.Fatal(err)
	}
	s = migrateFrom(t, s, 20, 21, func(tx *bolt.Tx) error {
		for _, k := range [][]byte{requestsTable.countKey(), assignmentsTable.countKey()} {
			if err := tx.Bucket(bucketMeta).Delete(k); err != nil {
				return err
			}
		}
		for _, b := range [][]byte{
			requestsTable.index("requestor").bucket(requestsTable.name), requestsTable.index("asked").bucket(requestsTable.name),
			requestsTable.index("catalog").bucket(requestsTable.name), assignmentsTable.index("catalog").bucket(assignmentsTable.name),
		} {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
		}
		return nil
	})
	var requests, allRequests entitlement.Page[entitlement.Request]
	var assignments, allAssignments entitlement.Page[entitlement.Assignment]
	if err := s.View(ctx, func(tx entitlement.Tx) error {
		if allRequests, err = tx.Requests().List(entitlement.RequestFilter{}, entitlement.ListOptions{Limit: 1}); err != nil {
			return err
		}
		if allAssignments, err = tx.Assignments().List(entitlement.AssignmentFilter{}, entitlement.ListOptions{Limit: 1}); err != nil {
			return err
		}
		if requests, err = tx.Requests().ReadableBy(ada, []string{cat}, entitlement.RequestFilter{}, entitlement.ListOptions{}); err != nil {
			return err
		}
		assignments, err = tx.Assignments().ReadableBy(ada, []string{cat}, entitlement.AssignmentFilter{}, entitlement.ListOptions{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if allRequests.Total != 4 || allAssignments.Total != 1 {
		t.Errorf("counted after migration: %d requests, %d assignments; want 4 and 1", allRequests.Total, allAssignments.Total)
	}
	var got []string
	for _, r := range requests.Items {
		got = append(got, r.ID)
	}
	if want := []string{onBehalf.ID, asked.ID, inCatalog.ID}; !slices.Equal(got, want) || requests.Total != 3 {
		t.Errorf("requests Ada reads after migration: %v (total %d), want %v", got, requests.Total, want)
	}
	if ids := keysOf(assignments.Items); assignments.Total != 1 || !slices.Equal(ids, []string{assignment.ID}) {
		t.Errorf("assignments Ada reads after migration: %v (total %d), want %s", ids, assignments.Total, assignment.ID)
	}
}
