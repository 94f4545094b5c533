package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
)

// tcase is one check of the contract, run on an empty store.
type tcase struct {
	name string
	run  func(t *testing.T, st entitlement.Store)
}

// iface is the cases of one storage interface.
type iface struct {
	name  string
	cases []tcase
}

// suite lists the interfaces in the order of entitlement.Tx.
func suite() []iface {
	return []iface{
		{"Tx", txCases},
		{"Settings", settingsCases},
		{"Users", slices.Concat(userCases, idsMatchingCases, serviceAccountCases)},
		{"Groups", groupCases},
		{"Catalogs", catalogCases},
		{"Resources", resourceCases},
		{"ResourceRequests", resourceRequestCases},
		{"AccessPackages", packageCases},
		{"Policies", policyCases},
		{"ConnectedOrganizations", orgCases},
		{"Requests", slices.Concat(requestCases, byPackageAndTargetsRequestCases, readableRequestCases)},
		{"Assignments", slices.Concat(assignmentCases, byPackageAndTargetsCases, readableAssignmentCases)},
		{"AssignmentRoles", assignmentRoleCases},
		{"Audit", auditCases},
		{"Outbox", outboxCases},
		{"GuestBlocks", guestBlockCases},
		{"Sessions", sessionCases},
		{"APITokens", apiTokenCases},
		{"Mail", mailCases},
		{"Reviews", reviewCases},
		{"ReviewDecisions", reviewDecisionCases},
		{"ReviewSchedules", reviewScheduleCases},
		{"External", externalCases},
		{"Versions", versionCases},
		{"ProvisionTasks", provisionTaskCases},
		{"Connectors", connectorCases},
		{"ConnectorCalls", connectorCallCases},
	}
}

// Run runs the whole contract against the stores that open returns. open is called once per
// case and must return an empty, ready store that it closes itself (t.Cleanup).
func Run(t *testing.T, open func(t *testing.T) entitlement.Store) {
	t.Helper()
	for _, in := range suite() {
		t.Run(in.name, func(t *testing.T) {
			for _, c := range in.cases {
				t.Run(c.name, func(t *testing.T) { c.run(t, open(t)) })
			}
		})
	}
}

// t0 is the time the records of the suite are made at.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

var bg = context.Background()

// update runs fn in a write transaction and fails the test on its error.
func update(t *testing.T, st entitlement.Store, fn func(tx entitlement.Tx) error) {
	t.Helper()
	if err := st.Update(bg, fn); err != nil {
		t.Fatalf("update: %v", err)
	}
}

// view runs fn in a read transaction and fails the test on its error.
func view(t *testing.T, st entitlement.Store, fn func(tx entitlement.Tx) error) {
	t.Helper()
	if err := st.View(bg, fn); err != nil {
		t.Fatalf("view: %v", err)
	}
}

// read runs fn in a read transaction and returns its result, failing the test on its error.
func read[T any](t *testing.T, st entitlement.Store, fn func(tx entitlement.Tx) (T, error)) T {
	t.Helper()
	var out T
	if err := st.View(bg, func(tx entitlement.Tx) error {
		var err error
		out, err = fn(tx)
		return err
	}); err != nil {
		t.Fatalf("view: %v", err)
	}
	return out
}

// wantErr runs fn in a write transaction and checks that it fails with the sentinel.
func wantErr(t *testing.T, st entitlement.Store, sentinel error, what string, fn func(tx entitlement.Tx) error) {
	t.Helper()
	if err := st.Update(bg, fn); !errors.Is(err, sentinel) {
		t.Errorf("%s: err = %v, want %v", what, err, sentinel)
	}
}

// lookup is a read of one record by a key that names none.
type lookup struct {
	name string
	get  func(tx entitlement.Tx) error
}

// missing checks that every lookup of a record that is not there wraps ErrNotFound, so that the
// domain can tell "no such thing" (404, or "create it") from a failure.
func missing(lookups ...lookup) tcase {
	return tcase{"lookups of missing records wrap ErrNotFound", func(t *testing.T, st entitlement.Store) {
		for _, l := range lookups {
			err := st.View(bg, l.get)
			if !errors.Is(err, entitlement.ErrNotFound) {
				t.Errorf("%s: err = %v, want ErrNotFound", l.name, err)
			}
		}
	}}
}

// keys returns the key of every item.
func keys[T any](items []T, key func(T) string) []string {
	out := make([]string, 0, len(items))
	for _, x := range items {
		out = append(out, key(x))
	}
	return out
}

// all reads a whole list in pages of the largest size.
func all[T any](t *testing.T, list func(entitlement.ListOptions) (entitlement.Page[T], error)) []T {
	t.Helper()
	var out []T
	for opt := (entitlement.ListOptions{Limit: entitlement.MaxPageSize}); ; {
		p, err := list(opt)
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		out = append(out, p.Items...)
		if p.Next == "" {
			return out
		}
		opt.After = p.Next
	}
}

func at(d time.Duration) *time.Time {
	x := t0.Add(d)
	return &x
}

func isValidation(err error) bool {
	var ve *entitlement.ValidationError
	return errors.As(err, &ve)
}

// indexStep is one change to records and what each lookup must return after it.
type indexStep struct {
	name   string
	change func(tx entitlement.Tx) error
	want   map[string][]string // lookup name → ids, in any order
}

// followIndexes applies the steps in turn and checks every lookup after each: an index must
// gain a record's new values and lose its old ones in the Put that changes them.
func followIndexes(t *testing.T, st entitlement.Store, lookups map[string]func(tx entitlement.Tx) ([]string, error), steps []indexStep) {
	t.Helper()
	for _, s := range steps {
		update(t, st, s.change)
		for name, ids := range lookups {
			if got := read(t, st, ids); !sameSet(got, s.want[name]) {
				t.Errorf("%s: %s = %v, want %v", s.name, name, got, s.want[name])
			}
		}
	}
}

// dueOrdered checks a time-ordered index that the worker reads instead of scanning: records come
// back when their time is at or before the time asked, earliest first, no more than the limit; a
// record put again with a later time moves, and one put with nil (no longer due) is gone. put
// writes the record with the id due at the time.
func dueOrdered[T any](name string, put func(tx entitlement.Tx, id string, due *time.Time) error, due func(tx entitlement.Tx, t time.Time, limit int) ([]T, error), id func(T) string) tcase {
	return tcase{name + " lists what is due, earliest first, up to the limit", func(t *testing.T, st entitlement.Store) {
		hours := []int{3, 1, 4, 2, 5}
		ids := make([]string, len(hours))
		putAt := func(i int, due *time.Time) {
			t.Helper()
			update(t, st, func(tx entitlement.Tx) error { return put(tx, ids[i], due) })
		}
		for i, h := range hours {
			ids[i] = entitlement.NewID()
			putAt(i, at(time.Duration(h)*time.Hour))
		}
		for _, step := range []struct {
			name   string
			change func()
			until  time.Duration
			limit  int
			want   []int // indexes into ids
		}{
			{"up to 3h, inclusive", nil, 3 * time.Hour, 10, []int{1, 3, 0}},
			{"limit", nil, 10 * time.Hour, 2, []int{1, 3}},
			{"nothing due yet", nil, 0, 10, nil},
			{"moved later", func() { putAt(1, at(6*time.Hour)) }, 10 * time.Hour, 10, []int{3, 0, 2, 4, 1}},
			{"no longer due", func() { putAt(0, nil) }, 10 * time.Hour, 10, []int{3, 2, 4, 1}},
		} {
			if step.change != nil {
				step.change()
			}
			var want []string
			for _, i := range step.want {
				want = append(want, ids[i])
			}
			got := read(t, st, func(tx entitlement.Tx) ([]string, error) {
				items, err := due(tx, t0.Add(step.until), step.limit)
				return keys(items, id), err
			})
			if !slices.Equal(got, want) {
				t.Errorf("%s: due = %v, want %v", step.name, got, want)
			}
		}
	}}
}

func errorsIsNotFound(err error) bool { return errors.Is(err, entitlement.ErrNotFound) }
