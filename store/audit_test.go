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
