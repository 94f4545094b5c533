package storetest

import (
	"slices"
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

var resourceRequestCases = []tcase{
	creationOrdered(func(tx entitlement.Tx, id string) error {
		return tx.ResourceRequests().Put(entitlement.ResourceRequest{ID: id, CatalogID: entitlement.NewID(), CreatedDateTime: t0})
	}, func(tx entitlement.Tx, o entitlement.ListOptions) (entitlement.Page[entitlement.ResourceRequest], error) {
		return tx.ResourceRequests().List(o)
	}, func(r entitlement.ResourceRequest) string { return r.ID }),
	{"ByCatalog lists one catalog's requests", func(t *testing.T, st entitlement.Store) {
		var want []string
		update(t, st, func(tx entitlement.Tx) error {
			for i := range 6 {
				r := entitlement.ResourceRequest{ID: entitlement.NewID(), CatalogID: entitlement.NewID()}
				if i%2 == 0 {
					r.CatalogID = oneCatalog
					want = append(want, r.ID)
				}
				if err := tx.ResourceRequests().Put(r); err != nil {
					return err
				}
			}
			return nil
		})
		got := read(t, st, func(tx entitlement.Tx) ([]string, error) {
			p, err := tx.ResourceRequests().ByCatalog(oneCatalog, entitlement.ListOptions{})
			if p.Total != len(want) {
				t.Errorf("total = %d, want %d", p.Total, len(want))
			}
			return keys(p.Items, func(r entitlement.ResourceRequest) string { return r.ID }), err
		})
		if !slices.Equal(got, want) {
			t.Errorf("ByCatalog = %v, want %v", got, want)
		}
	}},
}
