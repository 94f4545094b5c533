package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
)

func newAssignment(targetID, packageID, policyID string, state entitlement.AssignmentState) entitlement.Assignment {
	return entitlement.Assignment{ID: entitlement.NewID(), TargetID: targetID, AccessPackageID: packageID, PolicyID: policyID,
		AssignmentState: state, CreatedDateTime: t0}
}

func assignmentID(a entitlement.Assignment) string { return a.ID }

// liveState is what the live indexes say about one subject and package.
type liveState struct {
	live                string // id of the live assignment, or ""
	byPolicy, byPackage int
}

var assignmentCases = []tcase{
	missing(
		lookup{"Get", func(tx entitlement.Tx) error { _, err := tx.Assignments().Get(entitlement.NewID()); return err }},
		lookup{"Live", func(tx entitlement.Tx) error {
			_, err := tx.Assignments().Live(entitlement.NewID(), entitlement.NewID())
			return err
		}},
	),
	// The home page's live access: a person's live assignments, ending soonest first and
	// open-ended last, ties in id order, following ends and states as they change.
	{"LiveByTargetEndingFirst orders a person's live assignments by end", func(t *testing.T, st entitlement.Store) {
		ada, pol := entitlement.NewID(), entitlement.NewID()
		ending := func(target string, days int, state entitlement.AssignmentState) entitlement.Assignment {
			a := newAssignment(target, entitlement.NewID(), pol, state)
			if days >= 0 {
				end := t0.Add(time.Duration(days) * 24 * time.Hour)
				a.Schedule.Expiration = entitlement.Expiration{Type: entitlement.ExpirationAfterDateTime, EndDateTime: &end}
			}
			return a
		}
		put := func(a entitlement.Assignment) {
			update(t, st, func(tx entitlement.Tx) error { return tx.Assignments().Put(a) })
		}
		list := func(opt entitlement.ListOptions) ([]string, int, string) {
			t.Helper()
			p := read(t, st, func(tx entitlement.Tx) (entitlement.Page[entitlement.Assignment], error) {
				return tx.Assignments().LiveByTargetEndingFirst(ada, opt)
			})
			return keys(p.Items, assignmentID), p.Total, p.Next
		}
		in3 := ending(ada, 3, entitlement.AssignmentDelivered)
		open := ending(ada, -1, entitlement.AssignmentDelivered)
		in1 := ending(ada, 1, entitlement.AssignmentDelivering)
		alsoIn3 := ending(ada, 3, entitlement.AssignmentDelivered)
		for _, a := range []entitlement.Assignment{in3, open, in1, alsoIn3,
			ending(ada, 0, entitlement.AssignmentExpired),
			ending(entitlement.NewID(), 0, entitlement.AssignmentDelivered)} {
			put(a)
		}
		want := []string{in1.ID, in3.ID, alsoIn3.ID, open.ID}
		if ids, total, _ := list(entitlement.ListOptions{}); total != 4 || !slices.Equal(ids, want) {
			t.Fatalf("live by end = %v, total %d; want %v, total 4", ids, total, want)
		}
		ids, _, next := list(entitlement.ListOptions{Limit: 2})
		more, _, _ := list(entitlement.ListOptions{Limit: 2, After: next})
		if !slices.Equal(append(ids, more...), want) {
			t.Fatalf("pages of two = %v then %v, want %v", ids, more, want)
		}
		// Extended past the others, then one expires.
		later := t0.Add(10 * 24 * time.Hour)
		in1.Schedule.Expiration.EndDateTime = &later
		put(in1)
		in3.AssignmentState = entitlement.AssignmentExpired
		put(in3)
		want = []string{alsoIn3.ID, in1.ID, open.ID}
		if ids, total, _ := list(entitlement.ListOptions{}); total != 3 || !slices.Equal(ids, want) {
			t.Fatalf("after an extension and an expiry = %v, total %d; want %v, total 3", ids, total, want)
		}
	}},
	// The admin page of a package's live holders: its items and total follow the states as
	// assignments come, are delivered and expire, whichever way the store answers.
	{"ByPackage with the live states lists and counts the live assignments", func(t *testing.T, st entitlement.Store) {
		pkg, pol := entitlement.NewID(), entitlement.NewID()
		live := []entitlement.AssignmentState{entitlement.AssignmentDelivering, entitlement.AssignmentDelivered}
		list := func(f entitlement.AssignmentFilter, opt entitlement.ListOptions) ([]string, int, string) {
			t.Helper()
			p := read(t, st, func(tx entitlement.Tx) (entitlement.Page[entitlement.Assignment], error) {
				return tx.Assignments().ByPackage(pkg, f, opt)
			})
			return keys(p.Items, assignmentID), p.Total, p.Next
		}
		var as []entitlement.Assignment
		for i := range 5 {
			a := newAssignment(entitlement.NewID(), pkg, pol, entitlement.AssignmentDelivering)
			if i == 4 {
				a.AccessPackageID = entitlement.NewID() // another package's
			}
			as = append(as, a)
		}
		put := func(a entitlement.Assignment) {
			update(t, st, func(tx entitlement.Tx) error { return tx.Assignments().Put(a) })
		}
		for _, a := range as {
			put(a)
		}
		if ids, total, _ := list(entitlement.AssignmentFilter{States: live}, entitlement.ListOptions{}); total != 4 || !slices.Equal(ids, keys(as[:4], assignmentID)) {
			t.Fatalf("four delivering: %v, total %d", ids, total)
		}
		as[1].AssignmentState = entitlement.AssignmentDelivered
		as[2].AssignmentState = entitlement.AssignmentExpired
		put(as[1])
		put(as[2])
		ids, total, next := list(entitlement.AssignmentFilter{States: live}, entitlement.ListOptions{Limit: 2})
		if total != 3 || !slices.Equal(ids, []string{as[0].ID, as[1].ID}) || next == "" {
			t.Fatalf("after an expiry, first page of two: %v, total %d, next %q", ids, total, next)
		}
		if ids, total, _ := list(entitlement.AssignmentFilter{States: live}, entitlement.ListOptions{Limit: 2, After: next}); total != 3 || !slices.Equal(ids, []string{as[3].ID}) {
			t.Errorf("second page: %v, total %d", ids, total)
		}
		if ids, total, _ := list(entitlement.AssignmentFilter{States: []entitlement.AssignmentState{entitlement.AssignmentExpired}}, entitlement.ListOptions{}); total != 1 || !slices.Equal(ids, []string{as[2].ID}) {
			t.Errorf("expired: %v, total %d", ids, total)
		}
		if _, total, _ := list(entitlement.AssignmentFilter{}, entitlement.ListOptions{}); total != 4 {
			t.Errorf("all states: total %d, want 4", total)
		}
	}},
	// One live assignment per subject and package, and the counts a policy's or package's
	// deletion is refused by.
	{"Live and the live counts follow the assignment's state", func(t *testing.T, st entitlement.Store) {
		ada, pkg, pol := entitlement.NewID(), entitlement.NewID(), entitlement.NewID()
		a := newAssignment(ada, pkg, pol, entitlement.AssignmentDelivering)
		other := newAssignment(entitlement.NewID(), pkg, entitlement.NewID(), entitlement.AssignmentDelivered)
		state := func() liveState {
			return read(t, st, func(tx entitlement.Tx) (liveState, error) {
				var s liveState
				l, err := tx.Assignments().Live(ada, pkg)
				if err == nil {
					s.live = l.ID
				} else if !errorsIsNotFound(err) {
					return s, err
				}
				if s.byPolicy, err = tx.Assignments().CountLiveByPolicy(pol); err != nil {
					return s, err
				}
				s.byPackage, err = tx.Assignments().CountLiveByPackage(pkg)
				return s, err
			})
		}
		for _, step := range []struct {
			name  string
			state entitlement.AssignmentState
			want  liveState
		}{
			{"delivering", entitlement.AssignmentDelivering, liveState{a.ID, 1, 2}},
			{"delivered", entitlement.AssignmentDelivered, liveState{a.ID, 1, 2}},
			{"expired", entitlement.AssignmentExpired, liveState{"", 0, 1}},
		} {
			a.AssignmentState = step.state
			update(t, st, func(tx entitlement.Tx) error {
				if err := tx.Assignments().Put(a); err != nil {
					return err
				}
				return tx.Assignments().Put(other)
			})
			if got := state(); got != step.want {
				t.Errorf("%s: %+v, want %+v", step.name, got, step.want)
			}
			if step.state != entitlement.AssignmentExpired {
				wantErr(t, st, entitlement.ErrConflict, step.name+": a second live assignment", func(tx entitlement.Tx) error {
					return tx.Assignments().Put(newAssignment(ada, pkg, pol, entitlement.AssignmentDelivered))
				})
			}
		}
		// The subject may hold the package again once the first has ended.
		update(t, st, func(tx entitlement.Tx) error {
			return tx.Assignments().Put(newAssignment(ada, pkg, pol, entitlement.AssignmentDelivered))
		})
	}},
	{"ByTarget, ByPackage and List keep to their target, package, states and policy", func(t *testing.T, st entitlement.Store) {
		ada, pkg, pol := entitlement.NewID(), entitlement.NewID(), entitlement.NewID()
		var adaLive, pkgAll, polAll []string
		update(t, st, func(tx entitlement.Tx) error {
			for i := range 12 {
				// Every assignment has a package of its own unless it is pkg, so several stay live.
				a := newAssignment(entitlement.NewID(), entitlement.NewID(), entitlement.NewID(), entitlement.AssignmentExpired)
				if i%2 == 0 {
					a.TargetID = ada
				}
				if i%3 == 0 {
					a.AssignmentState = entitlement.AssignmentDelivered
				}
				if i%4 == 0 {
					a.AccessPackageID, a.TargetID = pkg, entitlement.NewID()
					pkgAll = append(pkgAll, a.ID)
				}
				if i%5 == 0 {
					a.PolicyID = pol
					polAll = append(polAll, a.ID)
				}
				if a.TargetID == ada && a.IsLive() {
					adaLive = append(adaLive, a.ID)
				}
				if err := tx.Assignments().Put(a); err != nil {
					return err
				}
			}
			return nil
		})
		for _, tc := range []struct {
			name string
			list func(tx entitlement.Tx, o entitlement.ListOptions) (entitlement.Page[entitlement.Assignment], error)
			want []string
		}{
			{"by target, delivered", func(tx entitlement.Tx, o entitlement.ListOptions) (entitlement.Page[entitlement.Assignment], error) {
				return tx.Assignments().ByTarget(ada, entitlement.AssignmentFilter{States: []entitlement.AssignmentState{entitlement.AssignmentDelivered}}, o)
			}, adaLive},
			{"by package", func(tx entitlement.Tx, o entitlement.ListOptions) (entitlement.Page[entitlement.Assignment], error) {
				return tx.Assignments().ByPackage(pkg, entitlement.AssignmentFilter{}, o)
			}, pkgAll},
			{"by policy", func(tx entitlement.Tx, o entitlement.ListOptions) (entitlement.Page[entitlement.Assignment], error) {
				return tx.Assignments().List(entitlement.AssignmentFilter{PolicyID: pol}, o)
			}, polAll},
		} {
			got := read(t, st, func(tx entitlement.Tx) ([]string, error) {
				return Walk(t, func(o entitlement.ListOptions) (entitlement.Page[entitlement.Assignment], error) {
					return tc.list(tx, o)
				},
					assignmentID, 2, len(tc.want)), nil
			})
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s = %v, want %v", tc.name, got, tc.want)
			}
		}
	}},
	creationOrdered(func(tx entitlement.Tx, id string) error {
		a := newAssignment(entitlement.NewID(), entitlement.NewID(), entitlement.NewID(), entitlement.AssignmentDelivered)
		a.ID = id
		return tx.Assignments().Put(a)
	}, func(tx entitlement.Tx, o entitlement.ListOptions) (entitlement.Page[entitlement.Assignment], error) {
		return tx.Assignments().List(entitlement.AssignmentFilter{}, o)
	}, assignmentID),
	countedWhole(func(tx entitlement.Tx, id string) error {
		a := newAssignment(entitlement.NewID(), entitlement.NewID(), entitlement.NewID(), entitlement.AssignmentExpired)
		a.ID = id
		return tx.Assignments().Put(a)
	}, func(tx entitlement.Tx, o entitlement.ListOptions) (entitlement.Page[entitlement.Assignment], error) {
		return tx.Assignments().List(entitlement.AssignmentFilter{}, o)
	}, assignmentID),
	dueOrdered("Due", func(tx entitlement.Tx, id string, due *time.Time) error {
		a := newAssignment(entitlement.NewID(), entitlement.NewID(), entitlement.NewID(), entitlement.AssignmentDelivered)
		a.ID, a.DueDateTime = id, due
		return tx.Assignments().Put(a)
	}, func(tx entitlement.Tx, t time.Time, limit int) ([]entitlement.Assignment, error) {
		return tx.Assignments().Due(t, limit)
	}, assignmentID),
}

// byPackageAndTargetsCases check the person search of a package's assignments: only the people
// asked for, only that package, in creation order, paged both ways, with the filter applied and
// the index kept in step when an assignment changes.
var byPackageAndTargetsCases = []tcase{
	{"ByPackageAndTargets lists the package's assignments of the people, in creation order", func(t *testing.T, st entitlement.Store) {
		pkg, other, pol := entitlement.NewID(), entitlement.NewID(), entitlement.NewID()
		ada, bob, eve := entitlement.NewID(), entitlement.NewID(), entitlement.NewID()
		var want []string
		var expired entitlement.Assignment
		update(t, st, func(tx entitlement.Tx) error {
			for i := range 6 {
				who := []string{ada, bob, eve}[i%3]
				state := entitlement.AssignmentExpired // several per person: the live index allows one
				if i < 3 {
					state = entitlement.AssignmentDelivered
				}
				a := newAssignment(who, pkg, pol, state)
				if who != eve {
					want = append(want, a.ID)
				}
				if who == ada && state == entitlement.AssignmentExpired {
					expired = a
				}
				if err := tx.Assignments().Put(a); err != nil {
					return err
				}
				if i < 3 {
					if err := tx.Assignments().Put(newAssignment(who, other, pol, entitlement.AssignmentDelivered)); err != nil {
						return err
					}
				}
			}
			return nil
		})
		slices.Sort(want)
		list := func(targets []string, f entitlement.AssignmentFilter) func(o entitlement.ListOptions) (entitlement.Page[entitlement.Assignment], error) {
			return func(o entitlement.ListOptions) (entitlement.Page[entitlement.Assignment], error) {
				var p entitlement.Page[entitlement.Assignment]
				err := st.View(bg, func(tx entitlement.Tx) error {
					var err error
					p, err = tx.Assignments().ByPackageAndTargets(pkg, targets, f, o)
					return err
				})
				return p, err
			}
		}
		if got := Walk(t, list([]string{bob, ada, ada, ""}, entitlement.AssignmentFilter{}), assignmentID, 3, 4); !slices.Equal(got, want) {
			t.Errorf("ada and bob = %v, want %v", got, want)
		}
		live := Walk(t, list([]string{ada, bob}, entitlement.AssignmentFilter{States: []entitlement.AssignmentState{entitlement.AssignmentDelivered}}), assignmentID, 1, 2)
		if slices.Contains(live, expired.ID) {
			t.Errorf("the live filter kept the expired assignment %s", expired.ID)
		}
		if got := Walk(t, list(nil, entitlement.AssignmentFilter{}), assignmentID, 3, 0); len(got) != 0 {
			t.Errorf("nobody = %v", got)
		}
		// The person's index entry moves with the assignment.
		expired.TargetID = eve
		update(t, st, func(tx entitlement.Tx) error { return tx.Assignments().Put(expired) })
		Walk(t, list([]string{ada}, entitlement.AssignmentFilter{}), assignmentID, 3, 1)
		Walk(t, list([]string{eve}, entitlement.AssignmentFilter{}), assignmentID, 3, 3)
	}},
}
