package store

import (
	"fmt"
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

// BenchmarkAuditList, BenchmarkAuditListByActor and BenchmarkAuditListByObject read the newest
// page and the page after it of a log of 20,000 events, of one actor's 5,000 of them and of one
// object's 200.
func BenchmarkAuditList(b *testing.B) {
	benchmarkAuditList(b, entitlement.AuditFilter{}, 20000)
}

func BenchmarkAuditListByActor(b *testing.B) {
	benchmarkAuditList(b, entitlement.AuditFilter{ActorID: "actor-1"}, 5000)
}

func BenchmarkAuditListByObject(b *testing.B) {
	benchmarkAuditList(b, entitlement.AuditFilter{ObjectID: "object-7"}, 200)
}

func benchmarkAuditList(b *testing.B, f entitlement.AuditFilter, want int) {
	s := newTestStore(b)
	if err := s.Update(ctx, func(tx entitlement.Tx) error {
		for i := range 20000 {
			e := entitlement.AuditEvent{ID: entitlement.NewID(), ActorID: fmt.Sprint("actor-", i%4), ObjectID: fmt.Sprint("object-", i%100),
				Action: "x.y", Summary: "something happened"}
			if err := tx.Audit().Append(e); err != nil {
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
			p, err := tx.Audit().List(f, entitlement.ListOptions{})
			if err == nil && p.Total != want {
				err = fmt.Errorf("total %d, want %d", p.Total, want)
			}
			if err == nil {
				p, err = tx.Audit().List(f, entitlement.ListOptions{After: p.Next})
			}
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
}
