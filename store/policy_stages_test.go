package store

import (
	"bytes"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stewardhq/steward/entitlement"
	bolt "go.etcd.io/bbolt"
)

// The migration drops the policy's stages from the requests out of approval, in batches that may
// stop anywhere, and keeps them for the requests still waiting, which their stages still need.
func TestMigrationDropsPolicyStagesOfFinishedRequests(t *testing.T) {
	s := newTestStore(t)
	var finished, waiting []entitlement.Request
	for _, state := range []entitlement.RequestState{entitlement.StateDelivering, entitlement.StateDelivered,
		entitlement.StateDenied, entitlement.StateCanceled, entitlement.StateScheduled} {
		r := sampleRequest()
		r.RequestState = state
		finished = append(finished, r)
	}
	for range 2 {
		r := sampleRequest()
		r.RequestState, r.RequestStatus, r.AssignmentID = entitlement.StatePendingApproval, entitlement.RequestStatusPendingApproval, ""
		r.Stages[0].Status, r.Stages[0].DecidedBy, r.Stages[0].DecidedByName, r.Stages[0].Decision, r.Stages[0].DecidedDateTime = entitlement.StagePending, "", "", "", nil
		waiting = append(waiting, r)
	}
	noStages := sampleRequest()
	noStages.Stages, noStages.PolicyStages = nil, nil
	// The schema before dropStagesMigration kept every request's stages; the store writes what
	// it is given, so the records are put as they were.
	s = migrateFrom(t, s, dropStagesMigration-1, dropStagesMigration, func(tx *bolt.Tx) error {
		for _, r := range append(append(append([]entitlement.Request(nil), finished...), waiting...), noStages) {
			if err := requestsTable.put(tx, r); err != nil {
				return err
			}
		}
		return nil
	})
	must(t, s.View(ctx, func(tx entitlement.Tx) error {
		for _, want := range finished {
			want.PolicyStages = nil
			got, err := tx.Requests().Get(want.ID)
			if err != nil {
				return err
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("%s request after the migration (-want +got):\n%s", want.RequestState, d)
			}
		}
		for _, want := range append(waiting, noStages) {
			got, err := tx.Requests().Get(want.ID)
			if err != nil {
				return err
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("%s request after the migration (-want +got):\n%s", want.RequestState, d)
			}
		}
		// The indexes are as they were: the approver still finds what waits for them.
		page, err := tx.Requests().WaitingFor(waiting[0].Stages[0].Approvers[0], entitlement.ListOptions{})
		if err != nil || len(page.Items) != 1 || page.Items[0].ID != waiting[0].ID {
			t.Errorf("waiting for the approver after the migration: %+v, %v", page.Items, err)
		}
		return nil
	}))

	// Run again, one record a batch as after a stop anywhere: nothing is written.
	before := requestBytes(t, s)
	must(t, s.db.Update(func(tx *bolt.Tx) error {
		var after []byte
		for {
			var err error
			if after, err = dropFinishedPolicyStages(tx, after, 1); err != nil || after == nil {
				return err
			}
		}
	}))
	if d := cmp.Diff(before, requestBytes(t, s)); d != "" {
		t.Errorf("a second run rewrote requests (-before +after):\n%s", d)
	}
}

// A stop between batches leaves the requests it reached without their stages and the others as
// they were, which the migration then finishes.
func TestDropPolicyStagesStopsAnywhere(t *testing.T) {
	s := newTestStore(t)
	var ids []string
	must(t, s.db.Update(func(tx *bolt.Tx) error {
		for range 4 {
			r := sampleRequest()
			r.RequestState = entitlement.StateDenied
			ids = append(ids, r.ID)
			if err := requestsTable.put(tx, r); err != nil {
				return err
			}
		}
		return nil
	}))
	kept := func() (n int) {
		must(t, s.View(ctx, func(tx entitlement.Tx) error {
			for _, id := range ids {
				r, err := tx.Requests().Get(id)
				if err != nil {
					return err
				}
				if r.PolicyStages != nil {
					n++
				}
			}
			return nil
		}))
		return n
	}
	var after []byte
	must(t, s.db.Update(func(tx *bolt.Tx) error {
		var err error
		after, err = dropFinishedPolicyStages(tx, nil, 2)
		return err
	}))
	if after == nil || kept() != 2 {
		t.Fatalf("after one batch of 2: %d of 4 requests keep their stages, next key %q", kept(), after)
	}
	must(t, s.db.Update(func(tx *bolt.Tx) error {
		_, err := dropFinishedPolicyStages(tx, nil, math.MaxInt)
		return err
	}))
	if n := kept(); n != 0 {
		t.Fatalf("after the rest: %d requests keep their stages", n)
	}
}

// requestBytes returns the stored requests as they are, by key.
func requestBytes(t *testing.T, s *Store) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	must(t, s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte(requestsTable.name)).ForEach(func(k, v []byte) error {
			out[string(k)] = bytes.Clone(v)
			return nil
		})
	}))
	return out
}
