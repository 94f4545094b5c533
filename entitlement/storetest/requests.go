package storetest

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
)

func newRequest(targetID, packageID string, state entitlement.RequestState) entitlement.Request {
	return entitlement.Request{ID: entitlement.NewID(), RequestType: entitlement.RequestUserAdd, RequestState: state,
		TargetID: targetID, RequestorID: targetID, AccessPackageID: packageID, CreatedDateTime: t0}
}

func requestID(r entitlement.Request) string { return r.ID }

func requestIDs(rs []entitlement.Request, err error) ([]string, error) {
	return keys(rs, requestID), err
}

func pageIDs(p entitlement.Page[entitlement.Request], err error) ([]string, error) {
	return requestIDs(p.Items, err)
}

var requestCases = []tcase{
	missing(
		lookup{"Get", func(tx entitlement.Tx) error { _, err := tx.Requests().Get(entitlement.NewID()); return err }},
		lookup{"Open", func(tx entitlement.Tx) error {
			_, err := tx.Requests().Open(entitlement.NewID(), entitlement.NewID())
			return err
		}},
		lookup{"OpenID", func(tx entitlement.Tx) error {
			_, err := tx.Requests().OpenID(entitlement.NewID(), entitlement.NewID())
			return err
		}},
	),
	// One open add request per subject and package, even when two submissions race: the second
	// Put must fail rather than both commit.
	{"Open holds the one open add request of a target for a package", func(t *testing.T, st entitlement.Store) {
		ada, pkg := entitlement.NewID(), entitlement.NewID()
		r := newRequest(ada, pkg, entitlement.StatePendingApproval)
		update(t, st, func(tx entitlement.Tx) error { return tx.Requests().Put(r) })
		wantErr(t, st, entitlement.ErrConflict, "a second open request", func(tx entitlement.Tx) error {
			return tx.Requests().Put(newRequest(ada, pkg, entitlement.StateSubmitted))
		})
		for _, tc := range []struct {
			name string
			edit func(*entitlement.Request)
		}{
			{"validation only", func(x *entitlement.Request) { x.IsValidationOnly = true }},
			{"a removal", func(x *entitlement.Request) { x.RequestType = entitlement.RequestUserRemove }},
			{"another package", func(x *entitlement.Request) { x.AccessPackageID = entitlement.NewID() }},
		} {
			x := newRequest(ada, pkg, entitlement.StatePendingApproval)
			tc.edit(&x)
			update(t, st, func(tx entitlement.Tx) error { return tx.Requests().Put(x) })
		}
		if got := read(t, st, func(tx entitlement.Tx) (entitlement.Request, error) { return tx.Requests().Open(ada, pkg) }); got.ID != r.ID {
			t.Errorf("Open = %s, want %s", got.ID, r.ID)
		}
		if got := read(t, st, func(tx entitlement.Tx) (string, error) { return tx.Requests().OpenID(ada, pkg) }); got != r.ID {
			t.Errorf("OpenID = %s, want %s", got, r.ID)
		}
		r.RequestState = entitlement.StateDenied
		update(t, st, func(tx entitlement.Tx) error { return tx.Requests().Put(r) })
		if ok := read(t, st, func(tx entitlement.Tx) (bool, error) { return isNotFound(tx.Requests().Open(ada, pkg)) }); !ok {
			t.Error("a denied request is still open")
		}
		if ok := read(t, st, func(tx entitlement.Tx) (bool, error) { return isNotFound(tx.Requests().OpenID(ada, pkg)) }); !ok {
			t.Error("a denied request's id is still open")
		}
		update(t, st, func(tx entitlement.Tx) error {
			return tx.Requests().Put(newRequest(ada, pkg, entitlement.StateSubmitted))
		})
	}},
	// An approver's inbox and history are these lookups.
	{"WaitingFor and DecidedBy follow the stages", func(t *testing.T, st entitlement.Store) {
		bob, esc, carol := entitlement.NewID(), entitlement.NewID(), entitlement.NewID()
		r := newRequest(entitlement.NewID(), entitlement.NewID(), entitlement.StatePendingApproval)
		r.Stages = []entitlement.StageState{{Index: 0, Approvers: []string{bob}, EscalationApprovers: []string{esc}}, {Index: 1, Approvers: []string{carol}}}
		waiting := func(id string) func(tx entitlement.Tx) ([]string, error) {
			return func(tx entitlement.Tx) ([]string, error) {
				return pageIDs(tx.Requests().WaitingFor(id, entitlement.ListOptions{}))
			}
		}
		decided := func(id string) func(tx entitlement.Tx) ([]string, error) {
			return func(tx entitlement.Tx) ([]string, error) {
				return pageIDs(tx.Requests().DecidedBy(id, entitlement.ListOptions{}))
			}
		}
		putR := func(edit func()) func(tx entitlement.Tx) error {
			return func(tx entitlement.Tx) error { edit(); return tx.Requests().Put(r) }
		}
		mine := []string{r.ID}
		followIndexes(t, st, map[string]func(tx entitlement.Tx) ([]string, error){
			"waiting for Bob": waiting(bob), "waiting for the escalation": waiting(esc), "waiting for Carol": waiting(carol),
			"decided by Bob": decided(bob), "decided by Carol": decided(carol),
		}, []indexStep{
			{"first stage", putR(func() {}), map[string][]string{"waiting for Bob": mine}},
			{"escalated", putR(func() { r.Stages[0].Escalated = true }), map[string][]string{"waiting for Bob": mine, "waiting for the escalation": mine}},
			{"second stage", putR(func() { r.Stages[0].DecidedBy, r.CurrentStage = bob, 1 }),
				map[string][]string{"waiting for Carol": mine, "decided by Bob": mine}},
			{"approved", putR(func() { r.Stages[1].DecidedBy, r.RequestState = carol, entitlement.StateDelivering }),
				map[string][]string{"decided by Bob": mine, "decided by Carol": mine}},
		})
	}},
	// The navigation's badge on every page: one approver's count, without reading the requests.
	{"CountWaitingFor counts what WaitingFor lists for one approver", func(t *testing.T, st entitlement.Store) {
		bob, carol := entitlement.NewID(), entitlement.NewID()
		var rs []entitlement.Request
		for _, approvers := range [][]string{{bob, carol}, {bob}, {bob}, {carol}} {
			r := newRequest(entitlement.NewID(), entitlement.NewID(), entitlement.StatePendingApproval)
			r.Stages = []entitlement.StageState{{Approvers: approvers}}
			rs = append(rs, r)
		}
		denied := newRequest(entitlement.NewID(), entitlement.NewID(), entitlement.StateDenied)
		denied.Stages = []entitlement.StageState{{Approvers: []string{bob}}}
		update(t, st, func(tx entitlement.Tx) error {
			for _, r := range append(rs, denied) {
				if err := tx.Requests().Put(r); err != nil {
					return err
				}
			}
			return nil
		})
		check := func(when string, want map[string]int) {
			t.Helper()
			for who, n := range want {
				id := map[string]string{"Bob": bob, "Carol": carol, "nobody": entitlement.NewID()}[who]
				got := read(t, st, func(tx entitlement.Tx) (int, error) { return tx.Requests().CountWaitingFor(id) })
				listed := read(t, st, func(tx entitlement.Tx) (entitlement.Page[entitlement.Request], error) {
					return tx.Requests().WaitingFor(id, entitlement.ListOptions{Limit: 1})
				})
				if got != n || listed.Total != n {
					t.Errorf("%s: CountWaitingFor(%s) = %d and WaitingFor's total %d, want %d", when, who, got, listed.Total, n)
				}
			}
		}
		check("pending", map[string]int{"Bob": 3, "Carol": 2, "nobody": 0})
		rs[0].Stages[0].DecidedBy, rs[0].RequestState = carol, entitlement.StateDelivering
		update(t, st, func(tx entitlement.Tx) error { return tx.Requests().Put(rs[0]) })
		check("after a decision", map[string]int{"Bob": 2, "Carol": 1, "nobody": 0})
	}},
	// The API's list of approvals reads each request's stages alone, page by page.
	{"StagesWaitingFor lists what WaitingFor lists, as RequestStages", func(t *testing.T, st entitlement.Store) {
		bob, carol := entitlement.NewID(), entitlement.NewID()
		decided := t0.Add(time.Hour)
		update(t, st, func(tx entitlement.Tx) error {
			for i := range 7 {
				r := newRequest(entitlement.NewID(), entitlement.NewID(), entitlement.StatePendingApproval)
				r.Justification, r.Events = "needed", []entitlement.RequestEvent{{Kind: entitlement.EventSubmitted, At: t0}}
				r.Stages = []entitlement.StageState{
					{Index: 1, Status: entitlement.StageApproved, Approvers: []string{carol}, DecidedBy: carol, DecidedByName: "Carol",
						Decision: entitlement.DecisionApprove, DecidedDateTime: &decided, DecisionJustification: "fine"},
					{Index: 2, Status: entitlement.StagePending, StartedDateTime: &decided, Approvers: []string{bob}, EscalationApprovers: []string{carol}, Escalated: i == 1},
				}
				r.CurrentStage = 1
				if i%3 == 2 {
					r.Stages[1].Approvers = []string{carol}
				}
				if err := tx.Requests().Put(r); err != nil {
					return err
				}
			}
			return nil
		})
		// Bob is asked by five; Carol by two, and by one more as its stage escalated.
		for who, n := range map[string]int{bob: 5, carol: 3, entitlement.NewID(): 0} {
			opt := entitlement.ListOptions{Limit: 2}
			for page := 1; ; page++ {
				want := read(t, st, func(tx entitlement.Tx) (entitlement.Page[entitlement.Request], error) {
					return tx.Requests().WaitingFor(who, opt)
				})
				got := read(t, st, func(tx entitlement.Tx) (entitlement.Page[entitlement.RequestStages], error) {
					return tx.Requests().StagesWaitingFor(who, opt)
				})
				stages := make([]entitlement.RequestStages, 0, len(want.Items))
				for _, r := range want.Items {
					stages = append(stages, entitlement.StagesOf(r))
				}
				if len(got.Items)+len(stages) > 0 && !reflect.DeepEqual(got.Items, stages) || got.Next != want.Next || got.Prev != want.Prev || got.Total != want.Total {
					t.Fatalf("page %d: StagesWaitingFor = %+v\nwant WaitingFor's stages %+v", page, got, entitlement.Page[entitlement.RequestStages]{Items: stages, Next: want.Next, Prev: want.Prev, Total: want.Total})
				}
				if want.Total != n {
					t.Fatalf("WaitingFor's total %d, want %d", want.Total, n)
				}
				if want.Next == "" {
					break
				}
				opt.After = want.Next
			}
		}
	}},
	// The dashboard's requests per day read back to the first day and no further.
	{"SubmittedSince lists the newest requests back to a time", func(t *testing.T, st entitlement.Store) {
		var ids []string
		update(t, st, func(tx entitlement.Tx) error {
			for i := range 5 {
				r := newRequest(entitlement.NewID(), entitlement.NewID(), entitlement.StateDenied)
				r.CreatedDateTime = t0.Add(time.Duration(i) * time.Hour)
				ids = append(ids, r.ID)
				if err := tx.Requests().Put(r); err != nil {
					return err
				}
			}
			return nil
		})
		since := func(from time.Duration, limit int) func(tx entitlement.Tx) ([]string, error) {
			return func(tx entitlement.Tx) ([]string, error) {
				return requestIDs(tx.Requests().SubmittedSince(t0.Add(from), limit))
			}
		}
		for _, tc := range []struct {
			from  time.Duration
			limit int
			want  []string
		}{
			{2 * time.Hour, 10, []string{ids[4], ids[3], ids[2]}},
			{0, 2, []string{ids[4], ids[3]}},
			{5 * time.Hour, 10, nil},
		} {
			if got := read(t, st, since(tc.from, tc.limit)); !slices.Equal(got, tc.want) {
				t.Errorf("SubmittedSince(t0+%s, %d) = %v, want %v", tc.from, tc.limit, got, tc.want)
			}
		}
	}},
	// The metrics' pending approvals: each request once, however many approvers it waits for.
	{"CountWaiting counts the requests someone may decide now", func(t *testing.T, st entitlement.Store) {
		count := func(tx entitlement.Tx) (int, error) { return tx.Requests().CountWaiting() }
		bob, carol := entitlement.NewID(), entitlement.NewID()
		two := newRequest(entitlement.NewID(), entitlement.NewID(), entitlement.StatePendingApproval)
		two.Stages = []entitlement.StageState{{Approvers: []string{bob, carol}}}
		one := newRequest(entitlement.NewID(), entitlement.NewID(), entitlement.StatePendingApproval)
		one.Stages = []entitlement.StageState{{Approvers: []string{bob}}}
		denied := newRequest(entitlement.NewID(), entitlement.NewID(), entitlement.StateDenied)
		denied.Stages = []entitlement.StageState{{Approvers: []string{bob}}}
		update(t, st, func(tx entitlement.Tx) error {
			for _, r := range []entitlement.Request{two, one, denied} {
				if err := tx.Requests().Put(r); err != nil {
					return err
				}
			}
			return nil
		})
		if n := read(t, st, count); n != 2 {
			t.Errorf("CountWaiting = %d, want 2", n)
		}
		two.RequestState = entitlement.StateDelivering
		update(t, st, func(tx entitlement.Tx) error { return tx.Requests().Put(two) })
		if n := read(t, st, count); n != 1 {
			t.Errorf("after a decision: CountWaiting = %d, want 1", n)
		}
	}},
	{"ByTarget, ByPackage and List keep to their target, package and states", func(t *testing.T, st entitlement.Store) {
		ada, pkg := entitlement.NewID(), entitlement.NewID()
		var adaOpen, adaAll, pkgAll, allDenied []string
		update(t, st, func(tx entitlement.Tx) error {
			for i := range 12 {
				target, p, state := ada, pkg, entitlement.StateDenied
				if i%3 == 0 {
					target = entitlement.NewID()
				}
				if i%4 == 0 {
					p = entitlement.NewID()
				}
				if i%2 == 0 {
					state = entitlement.StatePendingApproval
				}
				r := newRequest(target, p, state)
				r.RequestType = entitlement.RequestAdminAdd
				r.IsValidationOnly = true // so that several stay open for one target and package
				if target == ada {
					adaAll = append(adaAll, r.ID)
					if state == entitlement.StatePendingApproval {
						adaOpen = append(adaOpen, r.ID)
					}
				}
				if p == pkg {
					pkgAll = append(pkgAll, r.ID)
				}
				if state == entitlement.StateDenied {
					allDenied = append(allDenied, r.ID)
				}
				if err := tx.Requests().Put(r); err != nil {
					return err
				}
			}
			return nil
		})
		pending := entitlement.RequestFilter{States: []entitlement.RequestState{entitlement.StatePendingApproval, entitlement.StateScheduled}}
		for _, tc := range []struct {
			name string
			list func(tx entitlement.Tx, o entitlement.ListOptions) (entitlement.Page[entitlement.Request], error)
			want []string
		}{
			{"by target", func(tx entitlement.Tx, o entitlement.ListOptions) (entitlement.Page[entitlement.Request], error) {
				return tx.Requests().ByTarget(ada, entitlement.RequestFilter{}, o)
			}, adaAll},
			{"by target, pending", func(tx entitlement.Tx, o entitlement.ListOptions) (entitlement.Page[entitlement.Request], error) {
				return tx.Requests().ByTarget(ada, pending, o)
			}, adaOpen},
			{"by package", func(tx entitlement.Tx, o entitlement.ListOptions) (entitlement.Page[entitlement.Request], error) {
				return tx.Requests().ByPackage(pkg, entitlement.RequestFilter{}, o)
			}, pkgAll},
			{"all denied", func(tx entitlement.Tx, o entitlement.ListOptions) (entitlement.Page[entitlement.Request], error) {
				return tx.Requests().List(entitlement.RequestFilter{States: []entitlement.RequestState{entitlement.StateDenied}}, o)
			}, allDenied},
		} {
			got := read(t, st, func(tx entitlement.Tx) ([]string, error) {
				return Walk(t, func(o entitlement.ListOptions) (entitlement.Page[entitlement.Request], error) { return tc.list(tx, o) },
					requestID, 2, len(tc.want)), nil
			})
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s = %v, want %v", tc.name, got, tc.want)
			}
		}
	}},
	{"ByTarget with open states only follows requests as they finish", func(t *testing.T, st entitlement.Store) {
		ada := entitlement.NewID()
		var reqs []entitlement.Request
		update(t, st, func(tx entitlement.Tx) error {
			states := []entitlement.RequestState{entitlement.StateSubmitted, entitlement.StateDelivered, entitlement.StatePendingApproval, entitlement.StateDenied, entitlement.StateScheduled, entitlement.StateDelivering, entitlement.StateCanceled}
			for i, state := range states {
				r := newRequest(ada, entitlement.NewID(), state)
				if i%2 == 0 {
					r.RequestType = entitlement.RequestUserRemove
				}
				reqs = append(reqs, r)
				if err := tx.Requests().Put(r); err != nil {
					return err
				}
			}
			return tx.Requests().Put(newRequest(entitlement.NewID(), entitlement.NewID(), entitlement.StatePendingApproval))
		})
		open := entitlement.RequestFilter{States: entitlement.OpenRequestStates()}
		want := func() []string {
			var ids []string
			for _, r := range reqs {
				if r.IsOpen() {
					ids = append(ids, r.ID)
				}
			}
			return ids
		}
		check := func(stage string) {
			t.Helper()
			w := want()
			got := read(t, st, func(tx entitlement.Tx) ([]string, error) {
				return Walk(t, func(o entitlement.ListOptions) (entitlement.Page[entitlement.Request], error) {
					return tx.Requests().ByTarget(ada, open, o)
				}, requestID, 2, len(w)), nil
			})
			if !slices.Equal(got, w) {
				t.Errorf("%s: open = %v, want %v", stage, got, w)
			}
			newest := read(t, st, func(tx entitlement.Tx) (entitlement.Page[entitlement.Request], error) {
				return tx.Requests().ByTarget(ada, open, entitlement.ListOptions{Limit: 1, Desc: true})
			})
			if newest.Total != len(w) || len(newest.Items) != 1 || newest.Items[0].ID != w[len(w)-1] {
				t.Errorf("%s: newest open = %v (total %d), want %s of %d", stage, pageIDsOf(newest), newest.Total, w[len(w)-1], len(w))
			}
		}
		check("as written")
		// The newest open request finishes, an older one moves between open states.
		reqs[5].RequestState = entitlement.StateDelivered
		reqs[0].RequestState = entitlement.StatePendingApproval
		update(t, st, func(tx entitlement.Tx) error {
			if err := tx.Requests().Put(reqs[5]); err != nil {
				return err
			}
			return tx.Requests().Put(reqs[0])
		})
		check("after changes")
	}},
	{"ByTarget counts a filtered list alike whether its first page holds all of it or not", func(t *testing.T, st entitlement.Store) {
		// The home page asks for a few of a person's scheduled and open requests with their
		// totals: the totals must not depend on how the list is read.
		ada := entitlement.NewID()
		var scheduled, open, deniedOrScheduled, all []string
		update(t, st, func(tx entitlement.Tx) error {
			states := []entitlement.RequestState{entitlement.StateScheduled, entitlement.StateDelivered, entitlement.StatePendingApproval,
				entitlement.StateScheduled, entitlement.StateDenied, entitlement.StateDelivering, entitlement.StateScheduled, entitlement.StateSubmitted}
			for _, state := range states {
				r := newRequest(ada, entitlement.NewID(), state)
				all = append(all, r.ID)
				if r.IsOpen() {
					open = append(open, r.ID)
				}
				if state == entitlement.StateScheduled {
					scheduled = append(scheduled, r.ID)
				}
				if state == entitlement.StateScheduled || state == entitlement.StateDenied {
					deniedOrScheduled = append(deniedOrScheduled, r.ID)
				}
				if err := tx.Requests().Put(r); err != nil {
					return err
				}
			}
			return tx.Requests().Put(newRequest(entitlement.NewID(), entitlement.NewID(), entitlement.StateScheduled))
		})
		for _, tc := range []struct {
			name   string
			states []entitlement.RequestState
			want   []string
		}{
			{"scheduled", []entitlement.RequestState{entitlement.StateScheduled}, scheduled},
			{"every open state", entitlement.OpenRequestStates(), open},
			{"every state", append(entitlement.OpenRequestStates(), entitlement.FinalRequestStates()...), all},
			{"denied or scheduled", []entitlement.RequestState{entitlement.StateDenied, entitlement.StateScheduled}, deniedOrScheduled},
		} {
			f := entitlement.RequestFilter{States: tc.states}
			for _, size := range []int{1, 2, len(tc.want), len(tc.want) + 1} {
				got := read(t, st, func(tx entitlement.Tx) ([]string, error) {
					return Walk(t, func(o entitlement.ListOptions) (entitlement.Page[entitlement.Request], error) {
						return tx.Requests().ByTarget(ada, f, o)
					}, requestID, size, len(tc.want)), nil
				})
				if !slices.Equal(got, tc.want) {
					t.Errorf("%s, %d a page = %v, want %v", tc.name, size, got, tc.want)
				}
				newest := read(t, st, func(tx entitlement.Tx) (entitlement.Page[entitlement.Request], error) {
					return tx.Requests().ByTarget(ada, f, entitlement.ListOptions{Limit: size, Desc: true})
				})
				wantNewest := slices.Clone(tc.want[len(tc.want)-min(size, len(tc.want)):])
				slices.Reverse(wantNewest)
				if newest.Total != len(tc.want) || !slices.Equal(pageIDsOf(newest), wantNewest) {
					t.Errorf("%s, newest %d = %v (total %d), want %v of %d", tc.name, size, pageIDsOf(newest), newest.Total, wantNewest, len(tc.want))
				}
			}
		}
	}},
	creationOrdered(func(tx entitlement.Tx, id string) error {
		r := newRequest(oneTarget, entitlement.NewID(), entitlement.StateDenied)
		r.ID = id
		return tx.Requests().Put(r)
	}, func(tx entitlement.Tx, o entitlement.ListOptions) (entitlement.Page[entitlement.Request], error) {
		return tx.Requests().ByTarget(oneTarget, entitlement.RequestFilter{}, o)
	}, requestID),
	countedWhole(func(tx entitlement.Tx, id string) error {
		r := newRequest(entitlement.NewID(), entitlement.NewID(), entitlement.StateDenied)
		r.ID = id
		return tx.Requests().Put(r)
	}, func(tx entitlement.Tx, o entitlement.ListOptions) (entitlement.Page[entitlement.Request], error) {
		return tx.Requests().List(entitlement.RequestFilter{}, o)
	}, requestID),
	dueOrdered("Due", func(tx entitlement.Tx, id string, due *time.Time) error {
		r := newRequest(entitlement.NewID(), entitlement.NewID(), entitlement.StatePendingApproval)
		r.ID, r.DueDateTime = id, due
		return tx.Requests().Put(r)
	}, func(tx entitlement.Tx, t time.Time, limit int) ([]entitlement.Request, error) {
		return tx.Requests().Due(t, limit)
	}, requestID),
}

// oneTarget is the subject whose lists the by-target cases walk.
var oneTarget = entitlement.NewID()

// byPackageAndTargetsRequestCases check the person search of a package's requests.
var byPackageAndTargetsRequestCases = []tcase{
	{"ByPackageAndTargets lists the package's requests for the people, in creation order", func(t *testing.T, st entitlement.Store) {
		pkg := entitlement.NewID()
		ada, bob := entitlement.NewID(), entitlement.NewID()
		var want []string
		var open entitlement.Request
		update(t, st, func(tx entitlement.Tx) error {
			for i := range 5 {
				who := []string{ada, bob}[i%2]
				r := newRequest(who, pkg, entitlement.StateDenied)
				if i == 4 {
					r.RequestState = entitlement.StatePendingApproval
					open = r
				}
				if who == ada {
					want = append(want, r.ID)
				}
				if err := tx.Requests().Put(r); err != nil {
					return err
				}
				if err := tx.Requests().Put(newRequest(who, entitlement.NewID(), entitlement.StateDenied)); err != nil {
					return err
				}
			}
			return nil
		})
		slices.Sort(want)
		list := func(f entitlement.RequestFilter) func(o entitlement.ListOptions) (entitlement.Page[entitlement.Request], error) {
			return func(o entitlement.ListOptions) (entitlement.Page[entitlement.Request], error) {
				var p entitlement.Page[entitlement.Request]
				err := st.View(bg, func(tx entitlement.Tx) error {
					var err error
					p, err = tx.Requests().ByPackageAndTargets(pkg, []string{ada}, f, o)
					return err
				})
				return p, err
			}
		}
		if got := Walk(t, list(entitlement.RequestFilter{}), requestID, 2, 3); !slices.Equal(got, want) {
			t.Errorf("ada's requests = %v, want %v", got, want)
		}
		if got := Walk(t, list(entitlement.RequestFilter{States: entitlement.OpenRequestStates()}), requestID, 2, 1); got[0] != open.ID {
			t.Errorf("ada's open requests = %v, want %s", got, open.ID)
		}
	}},
}

func pageIDsOf(p entitlement.Page[entitlement.Request]) []string {
	var ids []string
	for _, r := range p.Items {
		ids = append(ids, r.ID)
	}
	return ids
}
