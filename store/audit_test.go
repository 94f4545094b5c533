package store

import (
	"fmt"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
)

// TestAuditFiltersAndTotals checks every way of narrowing the audit log: by the index alone
// (actor or object), by the index plus a further field, and by fields only, each with its total.
func TestAuditFiltersAndTotals(t *testing.T) {
	s := newTestStore(t)
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	actors, objects := []string{"a1", "a2"}, []string{"o1", "o2", "o3"}
	if err := s.Update(ctx, func(tx entitlement.Tx) error {
		for i := range 30 {
			e := entitlement.AuditEvent{ID: entitlement.NewID(), At: t0.Add(time.Duration(i) * time.Minute),
				ActorID: actors[i%2], ObjectID: objects[i%3], ObjectType: "catalog", Action: fmt.Sprintf("catalog.%s", []string{"create", "update"}[i%2])}
			if i%5 == 0 {
				e.ObjectType, e.Action = "user", "user.create"
			}
			if err := tx.Audit().Append(e); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
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
		t.Run(tc.name, func(t *testing.T) {
			var seen int
			opt := entitlement.ListOptions{Limit: 4}
			for {
				var p entitlement.Page[entitlement.AuditEvent]
				if err := s.View(ctx, func(tx entitlement.Tx) error {
					var err error
					p, err = tx.Audit().List(tc.f, opt)
					return err
				}); err != nil {
					t.Fatal(err)
				}
				if p.Total != tc.want {
					t.Fatalf("total %d; want %d", p.Total, tc.want)
				}
				for _, e := range p.Items {
					if (tc.f.ActorID != "" && e.ActorID != tc.f.ActorID) || (tc.f.ObjectID != "" && e.ObjectID != tc.f.ObjectID) || (tc.f.ObjectType != "" && e.ObjectType != tc.f.ObjectType) {
						t.Fatalf("event %+v does not match the filter", e)
					}
				}
				seen += len(p.Items)
				if p.Next == "" {
					break
				}
				opt.After = p.Next
			}
			if seen != tc.want {
				t.Fatalf("paged through %d events; want %d", seen, tc.want)
			}
		})
	}
}

// BenchmarkAuditFirstPage reads the newest page of an unfiltered audit log of 20,000 events.
func BenchmarkAuditFirstPage(b *testing.B) {
	s := newTestStore(b)
	if err := s.Update(ctx, func(tx entitlement.Tx) error {
		for i := range 20000 {
			if err := tx.Audit().Append(entitlement.AuditEvent{ID: entitlement.NewID(), ActorID: "a", ObjectID: fmt.Sprint(i), Action: "x.y", Summary: "something happened"}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := s.View(ctx, func(tx entitlement.Tx) error {
			p, err := tx.Audit().List(entitlement.AuditFilter{}, entitlement.ListOptions{})
			if err == nil && p.Total != 20000 {
				err = fmt.Errorf("total %d", p.Total)
			}
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
}
