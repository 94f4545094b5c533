package storetest

import (
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
}

// matches is the meaning of an AuditFilter, for the expected results.
func matches(f entitlement.AuditFilter, e entitlement.AuditEvent) bool {
	return (f.ActorID == "" || e.ActorID == f.ActorID) && (f.ObjectID == "" || e.ObjectID == f.ObjectID) &&
		(f.ObjectType == "" || e.ObjectType == f.ObjectType) && strings.HasPrefix(e.Action, f.Action) &&
		(f.From.IsZero() || !e.At.Before(f.From)) && (f.To.IsZero() || e.At.Before(f.To))
}
