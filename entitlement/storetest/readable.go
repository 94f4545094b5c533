package storetest

import (
	"slices"
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

// readableRequestCases check the list of what a person who is not an administrator may read:
// the union of several indexes, in id order, each request once, paged both ways.
var readableRequestCases = []tcase{
	{"ReadableBy merges the person's requests, those they were asked to approve and their catalogs', each once", func(t *testing.T, st entitlement.Store) {
		ada, bob := entitlement.NewID(), entitlement.NewID()
		mine, other := entitlement.NewID(), entitlement.NewID()
		in := func(catalogID string, r entitlement.Request) entitlement.Request {
			r.CatalogID = catalogID
			return r
		}
		stage := func(r entitlement.Request, st entitlement.StageState) entitlement.Request {
			r.Stages = append(r.Stages, st)
			return r
		}
		bobs := func() entitlement.Request { return newRequest(bob, entitlement.NewID(), entitlement.StateDenied) }
		onBehalf := bobs()
		onBehalf.RequestorID = ada
		notYet := stage(in(other, bobs()), entitlement.StageState{Approvers: []string{bob}, EscalationApprovers: []string{ada}})
		// Each kind of request three times, interleaved, so that pages of 2 cross from one
		// index to another.
		var all []entitlement.Request
		var want []string
		for range 3 {
			for _, c := range []struct {
				r        entitlement.Request
				readable bool
			}{
				{in(other, newRequest(ada, entitlement.NewID(), entitlement.StateDelivered)), true}, // as target
				{in(mine, bobs()), true},    // in a catalog they read
				{in(other, onBehalf), true}, // as requestor
				{stage(in(other, bobs()), entitlement.StageState{Approvers: []string{bob, ada}}), true}, // asked
				{stage(in(other, bobs()), entitlement.StageState{EscalationApprovers: []string{ada}, Escalated: true}), true},
				{stage(in(other, bobs()), entitlement.StageState{Approvers: []string{bob}, DecidedBy: ada}), true},
				{stage(in(mine, newRequest(ada, entitlement.NewID(), entitlement.StateDenied)), entitlement.StageState{Approvers: []string{ada}}), true}, // in three
				{notYet, false}, // escalation approver of a stage that did not escalate
				{in(other, bobs()), false},
			} {
				c.r.ID = entitlement.NewID()
				all = append(all, c.r)
				if c.readable {
					want = append(want, c.r.ID)
				}
			}
		}
		update(t, st, func(tx entitlement.Tx) error {
			for _, r := range all {
				if err := tx.Requests().Put(r); err != nil {
					return err
				}
			}
			return nil
		})
		readable := func(f entitlement.RequestFilter, desc bool, want []string) {
			t.Helper()
			got := read(t, st, func(tx entitlement.Tx) ([]string, error) {
				return Walk(t, func(o entitlement.ListOptions) (entitlement.Page[entitlement.Request], error) {
					o.Desc = desc
					return tx.Requests().ReadableBy(ada, []string{mine}, f, o)
				}, requestID, 2, len(want)), nil
			})
			if desc {
				slices.Reverse(got)
			}
			if !slices.Equal(got, want) {
				t.Errorf("desc %v, filter %v: %v, want %v", desc, f.States, got, want)
			}
		}
		readable(entitlement.RequestFilter{}, false, want)
		readable(entitlement.RequestFilter{}, true, want)
		var delivered []string
		for _, r := range all {
			if r.RequestState == entitlement.StateDelivered {
				delivered = append(delivered, r.ID)
			}
		}
		readable(entitlement.RequestFilter{States: []entitlement.RequestState{entitlement.StateDelivered}}, false, delivered)

		// Without the catalog, only what names them; once the stage escalates, that one too.
		var named []string
		for _, r := range all {
			if r.CatalogID != mine || r.TargetID == ada {
				if slices.Contains(want, r.ID) {
					named = append(named, r.ID)
				}
			}
		}
		got := read(t, st, func(tx entitlement.Tx) ([]string, error) {
			return pageIDs(tx.Requests().ReadableBy(ada, nil, entitlement.RequestFilter{}, entitlement.ListOptions{Limit: entitlement.MaxPageSize}))
		})
		if !slices.Equal(got, named) {
			t.Errorf("without the catalog: %v, want %v", got, named)
		}
		// Asked for no total, the same page, with the total unknown (-1) or exact.
		p := read(t, st, func(tx entitlement.Tx) (entitlement.Page[entitlement.Request], error) {
			return tx.Requests().ReadableBy(ada, []string{mine}, entitlement.RequestFilter{}, entitlement.ListOptions{Limit: 2, NoTotal: true})
		})
		if ids := keys(p.Items, requestID); !slices.Equal(ids, want[:2]) || p.Next == "" || p.Total != -1 && p.Total != len(want) {
			t.Errorf("a page without its total: %v (total %d, next %q), want %v", ids, p.Total, p.Next, want[:2])
		}
		notYet.Stages[0].Escalated = true
		update(t, st, func(tx entitlement.Tx) error { return tx.Requests().Put(notYet) })
		readable(entitlement.RequestFilter{}, false, slices.Sorted(slices.Values(append(slices.Clone(want), notYet.ID))))

		// Someone else reads none of it.
		if p := read(t, st, func(tx entitlement.Tx) (entitlement.Page[entitlement.Request], error) {
			return tx.Requests().ReadableBy(entitlement.NewID(), []string{entitlement.NewID()}, entitlement.RequestFilter{}, entitlement.ListOptions{})
		}); len(p.Items) != 0 || p.Total != 0 {
			t.Errorf("a stranger reads %d requests (total %d)", len(p.Items), p.Total)
		}
	}},
}

// readableAssignmentCases check the assignments a person who is not an administrator may read.
var readableAssignmentCases = []tcase{
	{"ReadableBy merges the person's assignments with their catalogs', each once", func(t *testing.T, st entitlement.Store) {
		ada, bob := entitlement.NewID(), entitlement.NewID()
		mine, also, other := entitlement.NewID(), entitlement.NewID(), entitlement.NewID()
		var all []entitlement.Assignment
		var want, expired []string
		for i := range 4 {
			for _, c := range []struct {
				target, catalog string
				readable        bool
			}{
				{ada, other, true}, {bob, mine, true}, {bob, other, false}, {ada, mine, true}, {bob, also, true},
			} {
				state := entitlement.AssignmentDelivered
				if i%2 == 0 {
					state = entitlement.AssignmentExpired
				}
				a := newAssignment(c.target, entitlement.NewID(), entitlement.NewID(), state)
				a.CatalogID = c.catalog
				all = append(all, a)
				if c.readable {
					want = append(want, a.ID)
					if state == entitlement.AssignmentExpired {
						expired = append(expired, a.ID)
					}
				}
			}
		}
		update(t, st, func(tx entitlement.Tx) error {
			for _, a := range all {
				if err := tx.Assignments().Put(a); err != nil {
					return err
				}
			}
			return nil
		})
		for _, tc := range []struct {
			f    entitlement.AssignmentFilter
			desc bool
			want []string
		}{
			{entitlement.AssignmentFilter{}, false, want},
			{entitlement.AssignmentFilter{}, true, want},
			{entitlement.AssignmentFilter{States: []entitlement.AssignmentState{entitlement.AssignmentExpired}}, false, expired},
		} {
			got := read(t, st, func(tx entitlement.Tx) ([]string, error) {
				return Walk(t, func(o entitlement.ListOptions) (entitlement.Page[entitlement.Assignment], error) {
					o.Desc = tc.desc
					return tx.Assignments().ReadableBy(ada, []string{mine, also}, tc.f, o)
				}, assignmentID, 3, len(tc.want)), nil
			})
			if tc.desc {
				slices.Reverse(got)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("desc %v, filter %v: %v, want %v", tc.desc, tc.f.States, got, tc.want)
			}
		}
	}},
}
