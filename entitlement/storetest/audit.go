package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
)

var auditCases = []tcase{
	{"Append refuses an id twice", func(t *testing.T, st entitlement.Store) {
		e := entitlement.AuditEvent{ID: entitlement.NewID(), At: t0, Action: "user.create"}
		update(t, st, func(tx entitlement.Tx) error { return tx.Audit().Append(e) })
		wantErr(t, st, entitlement.ErrConflict, "the same event again", func(tx entitlement.Tx) error { return tx.Audit().Append(e) })
	}},
	// The chain follows the order of the appends, not the ids': an id is made before its
	// transaction starts, so a later append may carry an earlier id.
	{"Append seals events onto the chain in append order and moves the head", func(t *testing.T, st entitlement.Store) {
		if h := read(t, st, func(tx entitlement.Tx) (entitlement.AuditHead, error) { return tx.Audit().Head() }); h != (entitlement.AuditHead{}) {
			t.Fatalf("head of an empty log = %+v", h)
		}
		early, late := entitlement.NewID(), entitlement.NewID()
		ids := []string{late, early, entitlement.NewID()}
		for i, id := range ids {
			e := entitlement.AuditEvent{ID: id, At: t0.Add(time.Duration(i) * time.Second), ActorName: "Ann", Action: "user.create",
				Summary: "made one", Seq: 99, PrevHash: "forged", Hash: "forged"}
			update(t, st, func(tx entitlement.Tx) error { return tx.Audit().Append(e) })
		}
		chain := read(t, st, func(tx entitlement.Tx) ([]entitlement.AuditEvent, error) {
			var out []entitlement.AuditEvent
			return out, tx.Audit().Chain(func(e entitlement.AuditEvent) error { out = append(out, e); return nil })
		})
		if got := keys(chain, func(e entitlement.AuditEvent) string { return e.ID }); !slices.Equal(got, ids) {
			t.Fatalf("chain = %v, want the append order %v", got, ids)
		}
		prev := ""
		for i, e := range chain {
			if e.Seq != uint64(i+1) || e.PrevHash != prev || e.Hash != e.ChainHash() || len(e.Hash) != 64 {
				t.Errorf("event %d sealed as seq %d, prev %q, hash %q (want prev %q, hash %q)", i+1, e.Seq, e.PrevHash, e.Hash, prev, e.ChainHash())
			}
			prev = e.Hash
		}
		head := read(t, st, func(tx entitlement.Tx) (entitlement.AuditHead, error) { return tx.Audit().Head() })
		if head != (entitlement.AuditHead{Count: 3, Hash: prev}) {
			t.Errorf("head = %+v, want 3 and %s", head, prev)
		}
		v := read(t, st, func(tx entitlement.Tx) (entitlement.ChainVerification, error) {
			return entitlement.VerifyAuditChain(tx.Audit(), chain[1].Hash)
		})
		if !v.Intact || v.Count != 3 || v.HeadHash != prev || v.ExportedAt != 2 {
			t.Errorf("verification = %+v, want intact, 3 events, head %s, exported head at 2", v, prev)
		}
	}},
	// The audit page's total: from the head, so that a log of millions is not walked on each
	// view; Stored walks, for the verification. Filters count their matches.
	{"List's total without a filter and Stored count the events appended", func(t *testing.T, st entitlement.Store) {
		count := func() (int, int, int) {
			t.Helper()
			var total, filtered, stored int
			update(t, st, func(tx entitlement.Tx) error {
				p, err := tx.Audit().List(entitlement.AuditFilter{}, entitlement.ListOptions{Limit: 1})
				if err != nil {
					return err
				}
				f, err := tx.Audit().List(entitlement.AuditFilter{Action: "group."}, entitlement.ListOptions{Limit: 1})
				if err != nil {
					return err
				}
				total, filtered = p.Total, f.Total
				stored, err = tx.Audit().Stored()
				return err
			})
			return total, filtered, stored
		}
		if a, f, s := count(); a != 0 || f != 0 || s != 0 {
			t.Fatalf("empty log: total %d, filtered %d, stored %d", a, f, s)
		}
		for i, action := range []string{"user.create", "group.create", "user.update", "group.delete"} {
			e := entitlement.AuditEvent{ID: entitlement.NewID(), At: t0.Add(time.Duration(i) * time.Second), Action: action}
			update(t, st, func(tx entitlement.Tx) error { return tx.Audit().Append(e) })
		}
		if a, f, s := count(); a != 4 || f != 2 || s != 4 {
			t.Errorf("total %d, filtered %d, stored %d; want 4, 2, 4", a, f, s)
		}
	}},
	{"an append in a failed transaction leaves neither event nor head behind", func(t *testing.T, st entitlement.Store) {
		update(t, st, func(tx entitlement.Tx) error {
			return tx.Audit().Append(entitlement.AuditEvent{ID: entitlement.NewID(), At: t0})
		})
		before := read(t, st, func(tx entitlement.Tx) (entitlement.AuditHead, error) { return tx.Audit().Head() })
		boom := errors.New("boom")
		if err := st.Update(bg, func(tx entitlement.Tx) error {
			if err := tx.Audit().Append(entitlement.AuditEvent{ID: entitlement.NewID(), At: t0}); err != nil {
				return err
			}
			return boom
		}); !errors.Is(err, boom) {
			t.Fatalf("update: %v", err)
		}
		update(t, st, func(tx entitlement.Tx) error {
			return tx.Audit().Append(entitlement.AuditEvent{ID: entitlement.NewID(), At: t0})
		})
		v := read(t, st, func(tx entitlement.Tx) (entitlement.ChainVerification, error) {
			return entitlement.VerifyAuditChain(tx.Audit(), "")
		})
		if before.Count != 1 || !v.Intact || v.Count != 2 {
			t.Errorf("head before = %+v, verification after = %+v; want 1, then an intact chain of 2", before, v)
		}
	}},
	// Every way of narrowing the log, each with its total, newest first.
	{"List filters, counts and pages newest first", func(t *testing.T, st entitlement.Store) {
		actors, objects := []string{"a1", "a2"}, []string{"o1", "o2", "o3"}
		var events []entitlement.AuditEvent
		update(t, st, func(tx entitlement.Tx) error {
			for i := range 30 {
				e := entitlement.AuditEvent{ID: entitlement.NewID(), At: t0.Add(time.Duration(i) * time.Minute),
					ActorID: actors[i%2], ObjectID: objects[i%3], ObjectType: "catalog", Action: fmt.Sprintf("catalog.%s", []string{"create", "update"}[i%2])}
				if i%5 == 0 {
					e.ObjectType, e.Action = "user", "user.create"
				}
				events = append(events, e)
				if err := tx.Audit().Append(e); err != nil {
					return err
				}
			}
			return nil
		})
		for _, tc := range []struct {
			name string
			f    entitlement.AuditFilter
			want int
		}{
			{"everything", entitlement.AuditFilter{}, 30},
			{"actor", entitlement.AuditFilter{ActorID: "a1"}, 15},
			{"object", entitlement.AuditFilter{ObjectID: "o1"}, 10},
			{"object and actor", entitlement.AuditFilter{ObjectID: "o1", ActorID: "a1"}, 5},
			{"actor and type", entitlement.AuditFilter{ActorID: "a1", ObjectType: "user"}, 3},
			{"action prefix", entitlement.AuditFilter{Action: "catalog."}, 24},
			{"time window", entitlement.AuditFilter{From: t0.Add(10 * time.Minute), To: t0.Add(20 * time.Minute)}, 10},
		} {
			var want []string
			for i := len(events) - 1; i >= 0; i-- {
				if e := events[i]; matches(tc.f, e) {
					want = append(want, e.ID)
				}
			}
			got := read(t, st, func(tx entitlement.Tx) ([]string, error) {
				return Walk(t, func(o entitlement.ListOptions) (entitlement.Page[entitlement.AuditEvent], error) {
					return tx.Audit().List(tc.f, o)
				}, func(e entitlement.AuditEvent) string { return e.ID }, 4, tc.want), nil
			})
			if !slices.Equal(got, want) {
				t.Errorf("%s = %v, want %v (newest first)", tc.name, got, want)
			}
		}
	}},
	// A store may restore PrevHash rather than keep it (store/ does): a list reads every event
	// as it was sealed, on every page, forward and back, filtered or not.
	{"List reads the events as sealed, PrevHash and all", func(t *testing.T, st entitlement.Store) {
		for i := range 12 {
			e := entitlement.AuditEvent{ID: entitlement.NewID(), At: t0.Add(time.Duration(i) * time.Second),
				ActorID: fmt.Sprint("a", i%3), ObjectID: fmt.Sprint("o", i%2), Action: "user.update"}
			update(t, st, func(tx entitlement.Tx) error { return tx.Audit().Append(e) })
		}
		sealed := map[string]entitlement.AuditEvent{}
		update(t, st, func(tx entitlement.Tx) error {
			return tx.Audit().Chain(func(e entitlement.AuditEvent) error { sealed[e.ID] = e; return nil })
		})
		for _, tc := range []struct {
			f    entitlement.AuditFilter
			want int
		}{{entitlement.AuditFilter{}, 12}, {entitlement.AuditFilter{ActorID: "a1"}, 4}, {entitlement.AuditFilter{ObjectID: "o0"}, 6}} {
			read(t, st, func(tx entitlement.Tx) ([]string, error) {
				return Walk(t, func(o entitlement.ListOptions) (entitlement.Page[entitlement.AuditEvent], error) {
					return tx.Audit().List(tc.f, o)
				}, func(e entitlement.AuditEvent) string {
					if want := sealed[e.ID]; e != want || e.PrevHash == "" && e.Seq > 1 {
						t.Errorf("filter %+v: listed %+v, sealed %+v", tc.f, e, want)
					}
					return e.ID
				}, 3, tc.want), nil
			})
		}
	}},
}

// matches is the meaning of an AuditFilter, for the expected results.
func matches(f entitlement.AuditFilter, e entitlement.AuditEvent) bool {
	return (f.ActorID == "" || e.ActorID == f.ActorID) && (f.ObjectID == "" || e.ObjectID == f.ObjectID) &&
		(f.ObjectType == "" || e.ObjectType == f.ObjectType) && strings.HasPrefix(e.Action, f.Action) &&
		(f.From.IsZero() || !e.At.Before(f.From)) && (f.To.IsZero() || e.At.Before(f.To))
}
