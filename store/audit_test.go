package store

import (
	"fmt"
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

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

// BenchmarkAuditPage reads a page of 100 events of a log of 20,000 appended by 50 people in
// turn: the newest page of the whole log, and of one person's events, which lie 50 apart on the
// chain.
func BenchmarkAuditPage(b *testing.B) {
	s := newTestStore(b)
	actors := make([]string, 50)
	for i := range actors {
		actors[i] = entitlement.NewID()
	}
	if err := s.Update(ctx, func(tx entitlement.Tx) error {
		for i := range 20000 {
			e := entitlement.AuditEvent{ID: entitlement.NewID(), ActorID: actors[i%len(actors)], ActorName: "Ann Admin",
				Action: "request.approve", ObjectType: "request", ObjectID: entitlement.NewID(), ObjectName: "Finance reports", Summary: "stage 1 of 2; reason: ok"}
			if err := tx.Audit().Append(e); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		f    entitlement.AuditFilter
	}{{"all", entitlement.AuditFilter{}}, {"actor", entitlement.AuditFilter{ActorID: actors[7]}}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := s.View(ctx, func(tx entitlement.Tx) error {
					p, err := tx.Audit().List(bc.f, entitlement.ListOptions{Limit: 100})
					if err == nil && len(p.Items) != 100 {
						err = fmt.Errorf("%d events", len(p.Items))
					}
					return err
				}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
