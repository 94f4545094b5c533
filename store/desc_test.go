package store

import (
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

// TestDescendingPages pages through a list in creation order from its end, both ways: the newest
// request comes first, and the cursors walk the same records in reverse.
func TestDescendingPages(t *testing.T) {
	s := newTestStore(t)
	const n = 23
	target := entitlement.NewID()
	var ids []string
	if err := s.Update(ctx, func(tx entitlement.Tx) error {
		for range n {
			r := entitlement.Request{ID: entitlement.NewID(), TargetID: target, AccessPackageID: entitlement.NewID(),
				RequestType: entitlement.RequestUserAdd, RequestState: entitlement.StateDenied}
			ids = append(ids, r.ID)
			if err := tx.Requests().Put(r); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	_ = s.View(ctx, func(tx entitlement.Tx) error {
		got := pageThrough(t, func(opt entitlement.ListOptions) (entitlement.Page[entitlement.Request], error) {
			opt.Desc = true
			return tx.Requests().ByTarget(target, entitlement.RequestFilter{}, opt)
		}, func(r entitlement.Request) string { return r.ID }, 5, n)
		for i, id := range got {
			if want := ids[n-1-i]; id != want {
				t.Fatalf("item %d = %s, want %s (newest first)", i, id, want)
			}
		}
		return nil
	})
}
