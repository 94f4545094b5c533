package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
)

func review(id string, pkgs ...string) entitlement.Review {
	return entitlement.Review{ID: id, DisplayName: "Review " + id, CatalogID: "c", AccessPackageIDs: pkgs,
		ReviewerType: entitlement.ReviewerSelf, Status: entitlement.ReviewInProgress, StartDateTime: t0, EndDateTime: t0.Add(24 * time.Hour)}
}

var reviewCases = []tcase{
	missing(
		lookup{"Get", func(tx entitlement.Tx) error { _, err := tx.Reviews().Get(entitlement.NewID()); return err }},
		lookup{"Occurrence", func(tx entitlement.Tx) error { _, err := tx.Reviews().Occurrence(entitlement.NewID(), t0); return err }},
	),
	dueOrdered("Due", func(tx entitlement.Tx, id string, due *time.Time) error {
		r := review(id, "p")
		r.DueDateTime = due
		return tx.Reviews().Put(r)
	}, func(tx entitlement.Tx, t time.Time, limit int) ([]entitlement.Review, error) {
		return tx.Reviews().Due(t, limit)
	},
		func(r entitlement.Review) string { return r.ID }),
	// A catalog review covers several packages and is listed on each.
	{"ByPackage lists the reviews covering the package, in creation order", func(t *testing.T, st entitlement.Store) {
		a, b, c := entitlement.NewID(), entitlement.NewID(), entitlement.NewID()
		followIndexes(t, st, map[string]func(tx entitlement.Tx) ([]string, error){
			"p1": func(tx entitlement.Tx) ([]string, error) {
				p, err := tx.Reviews().ByPackage("p1", entitlement.ListOptions{})
				return keys(p.Items, func(r entitlement.Review) string { return r.ID }), err
			},
			"p2": func(tx entitlement.Tx) ([]string, error) {
				p, err := tx.Reviews().ByPackage("p2", entitlement.ListOptions{})
				return keys(p.Items, func(r entitlement.Review) string { return r.ID }), err
			},
		}, []indexStep{
			{"put", func(tx entitlement.Tx) error {
				for _, r := range []entitlement.Review{review(a, "p1"), review(b, "p1", "p2"), review(c, "p2")} {
					if err := tx.Reviews().Put(r); err != nil {
						return err
					}
				}
				return nil
			}, map[string][]string{"p1": {a, b}, "p2": {b, c}}},
		})
		got := read(t, st, func(tx entitlement.Tx) ([]string, error) {
			p, err := tx.Reviews().ByPackage("p1", entitlement.ListOptions{Desc: true})
			return keys(p.Items, func(r entitlement.Review) string { return r.ID }), err
		})
		if len(got) != 2 || got[0] != b || got[1] != a {
			t.Errorf("newest first: %v, want %s, %s", got, b, a)
		}
	}},
	// The worker relies on it: a second review of the same policy and period cannot be written.
	{"Occurrence finds the policy's review of a period, and a second one is a conflict", func(t *testing.T, st entitlement.Store) {
		r := review(entitlement.NewID(), "p")
		r.PolicyID = "pol"
		update(t, st, func(tx entitlement.Tx) error { return tx.Reviews().Put(r) })
		got := read(t, st, func(tx entitlement.Tx) (entitlement.Review, error) { return tx.Reviews().Occurrence("pol", t0) })
		if got.ID != r.ID {
			t.Errorf("Occurrence = %s, want %s", got.ID, r.ID)
		}
		if err := st.View(bg, func(tx entitlement.Tx) error { _, err := tx.Reviews().Occurrence("pol", t0.Add(time.Hour)); return err }); !errorsIsNotFound(err) {
			t.Errorf("another period: %v, want ErrNotFound", err)
		}
		twin := review(entitlement.NewID(), "p")
		twin.PolicyID = "pol"
		wantErr(t, st, entitlement.ErrConflict, "second review of the period", func(tx entitlement.Tx) error { return tx.Reviews().Put(twin) })
		// A one-off review has no policy and no occurrence.
		update(t, st, func(tx entitlement.Tx) error { return tx.Reviews().Put(review(entitlement.NewID(), "p")) })
		update(t, st, func(tx entitlement.Tx) error { return tx.Reviews().Put(review(entitlement.NewID(), "p")) })
	}},
}

var reviewDecisionCases = []tcase{
	missing(lookup{"Get", func(tx entitlement.Tx) error { _, err := tx.ReviewDecisions().Get(entitlement.NewID()); return err }}),
	// Pending is what waits for a reviewer: an item leaves it when it is decided or its review
	// closes, and comes back if a decision is cleared while open.
	{"ByReview and Pending follow the items' reviewers, decisions and review state", func(t *testing.T, st entitlement.Store) {
		r1, r2 := entitlement.NewID(), entitlement.NewID()
		d1 := entitlement.ReviewDecision{ID: entitlement.NewID(), ReviewID: r1, Reviewers: []string{"ann", "bob"}, Open: true}
		d2 := entitlement.ReviewDecision{ID: entitlement.NewID(), ReviewID: r1, Reviewers: []string{"bob"}, Open: true}
		d3 := entitlement.ReviewDecision{ID: entitlement.NewID(), ReviewID: r2, Reviewers: []string{"ann"}, Open: true}
		ids := func(p entitlement.Page[entitlement.ReviewDecision], err error) ([]string, error) {
			return keys(p.Items, func(d entitlement.ReviewDecision) string { return d.ID }), err
		}
		put := func(ds ...entitlement.ReviewDecision) func(tx entitlement.Tx) error {
			return func(tx entitlement.Tx) error {
				for _, d := range ds {
					if err := tx.ReviewDecisions().Put(d); err != nil {
						return err
					}
				}
				return nil
			}
		}
		decided, closed := d1, d3
		decided.Decision = entitlement.DecisionKeep
		closed.Open = false
		followIndexes(t, st, map[string]func(tx entitlement.Tx) ([]string, error){
			"review r1": func(tx entitlement.Tx) ([]string, error) {
				return ids(tx.ReviewDecisions().ByReview(r1, entitlement.ListOptions{}))
			},
			"ann": func(tx entitlement.Tx) ([]string, error) {
				return ids(tx.ReviewDecisions().Pending("ann", entitlement.ListOptions{}))
			},
			"bob": func(tx entitlement.Tx) ([]string, error) {
				return ids(tx.ReviewDecisions().Pending("bob", entitlement.ListOptions{}))
			},
		}, []indexStep{
			{"open items", put(d1, d2, d3), map[string][]string{"review r1": {d1.ID, d2.ID}, "ann": {d1.ID, d3.ID}, "bob": {d1.ID, d2.ID}}},
			{"one decided, one closed", put(decided, closed), map[string][]string{"review r1": {d1.ID, d2.ID}, "ann": nil, "bob": {d2.ID}}},
			{"decision cleared", put(d1), map[string][]string{"review r1": {d1.ID, d2.ID}, "ann": {d1.ID}, "bob": {d1.ID, d2.ID}}},
		})
		got := read(t, st, func(tx entitlement.Tx) (entitlement.ReviewDecision, error) { return tx.ReviewDecisions().Get(d2.ID) })
		if got.ReviewID != r1 || len(got.Reviewers) != 1 {
			t.Errorf("Get = %+v", got)
		}
	}},
}

var reviewScheduleCases = []tcase{
	missing(
		lookup{"Get", func(tx entitlement.Tx) error { _, err := tx.ReviewSchedules().Get(entitlement.NewID()); return err }},
		lookup{"Delete", func(tx entitlement.Tx) error { return tx.ReviewSchedules().Delete(entitlement.NewID()) }},
	),
	// A policy has one schedule: putting it again moves it, deleting it (reviews turned off) drops it.
	dueOrdered("Due", func(tx entitlement.Tx, id string, due *time.Time) error {
		if due == nil {
			return tx.ReviewSchedules().Delete(id)
		}
		return tx.ReviewSchedules().Put(entitlement.ReviewSchedule{PolicyID: id, NextDateTime: *due})
	}, func(tx entitlement.Tx, t time.Time, limit int) ([]entitlement.ReviewSchedule, error) {
		return tx.ReviewSchedules().Due(t, limit)
	}, func(s entitlement.ReviewSchedule) string { return s.PolicyID }),
	{"Get returns the schedule put last", func(t *testing.T, st entitlement.Store) {
		update(t, st, func(tx entitlement.Tx) error {
			return tx.ReviewSchedules().Put(entitlement.ReviewSchedule{PolicyID: "pol", NextDateTime: t0})
		})
		update(t, st, func(tx entitlement.Tx) error {
			return tx.ReviewSchedules().Put(entitlement.ReviewSchedule{PolicyID: "pol", NextDateTime: t0.Add(time.Hour)})
		})
		err := st.View(bg, func(tx entitlement.Tx) error {
			s, err := tx.ReviewSchedules().Get("pol")
			if err == nil && !s.NextDateTime.Equal(t0.Add(time.Hour)) {
				err = errors.New("next is " + s.NextDateTime.String())
			}
			return err
		})
		if err != nil {
			t.Error(err)
		}
	}},
}
