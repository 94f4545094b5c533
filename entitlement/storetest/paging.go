package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

// Walk pages through a list forward to its end and back to its start, size items a page, and
// returns the keys of the items in list order. It fails on a wrong Total, a page before the last
// that is not full, a Prev cursor on the first page or none on a later one, a repeated item, or
// a page that reads differently on the way back. Every list of the domain keeps this contract,
// in the store and in the service alike, so the service's tests use it too.
func Walk[T any](t testing.TB, list func(entitlement.ListOptions) (entitlement.Page[T], error), key func(T) string, size, want int) []string {
	t.Helper()
	var pages [][]string
	var last entitlement.Page[T]
	opt := entitlement.ListOptions{Limit: size}
	for {
		p, err := list(opt)
		if err != nil {
			t.Fatalf("page %d: %v", len(pages)+1, err)
		}
		// A search may stop counting at SearchCountLimit.
		if p.TotalAtLeast && (p.Total != entitlement.SearchCountLimit || want <= p.Total) || !p.TotalAtLeast && p.Total != want {
			t.Fatalf("page %d: total = %d (at least: %v), want %d", len(pages)+1, p.Total, p.TotalAtLeast, want)
		}
		if (len(pages) == 0) != (p.Prev == "") {
			t.Errorf("page %d going forward: Prev = %q", len(pages)+1, p.Prev)
		}
		pages = append(pages, keys(p.Items, key))
		last = p
		if p.Next == "" {
			break
		}
		if len(p.Items) != size {
			t.Fatalf("page %d of several has %d items, want %d", len(pages), len(p.Items), size)
		}
		opt = entitlement.ListOptions{Limit: size, After: p.Next}
	}
	forward := slices.Concat(pages...)
	if len(forward) != want {
		t.Fatalf("saw %d items going forward, want %d", len(forward), want)
	}
	seen := map[string]bool{}
	for _, k := range forward {
		if seen[k] {
			t.Fatalf("item %s seen twice", k)
		}
		seen[k] = true
	}
	for i := len(pages) - 1; i > 0; i-- {
		p, err := list(entitlement.ListOptions{Limit: size, Before: last.Prev})
		if err != nil {
			t.Fatalf("page %d going back: %v", i, err)
		}
		if got := keys(p.Items, key); !slices.Equal(got, pages[i-1]) {
			t.Fatalf("page %d going back = %v, want %v", i, got, pages[i-1])
		}
		if (i == 1) != (p.Prev == "") || p.Next == "" {
			t.Errorf("page %d going back: Prev = %q, Next = %q", i, p.Prev, p.Next)
		}
		last = p
	}
	return forward
}

// nameOrdered checks a list in name order: records put out of order page both ways sorted by
// name, Z to A with Desc, and a search for the first word of their names finds them all. put
// writes one record with the name; extra records from put in other lists must not show.
func nameOrdered[T any](put func(tx entitlement.Tx, name string) error, list func(tx entitlement.Tx, o entitlement.ListOptions) (entitlement.Page[T], error), name func(T) string) tcase {
	return tcase{"pages in name order both ways, Z to A, and by a search", func(t *testing.T, st entitlement.Store) {
		const n = 31
		update(t, st, func(tx entitlement.Tx) error {
			for i := range n {
				if err := put(tx, fmt.Sprintf("Thing %02d", (i*17)%n)); err != nil {
					return err
				}
			}
			return nil
		})
		for _, tc := range []struct {
			search string
			desc   bool
		}{{"", false}, {"", true}, {"THI", false}} {
			names := read(t, st, func(tx entitlement.Tx) ([]string, error) {
				return Walk(t, func(o entitlement.ListOptions) (entitlement.Page[T], error) {
					o.Search, o.Desc = tc.search, tc.desc
					return list(tx, o)
				}, name, 7, n), nil
			})
			if tc.desc {
				slices.Reverse(names)
			}
			if !slices.IsSorted(names) {
				t.Errorf("search %q, desc %v: not in name order: %v", tc.search, tc.desc, names)
			}
		}
	}}
}

// creationOrdered checks a list in creation (id) order: records page both ways oldest first, and
// newest first with Desc. put writes one record with the id, of those the list holds.
func creationOrdered[T any](put func(tx entitlement.Tx, id string) error, list func(tx entitlement.Tx, o entitlement.ListOptions) (entitlement.Page[T], error), id func(T) string) tcase {
	return tcase{"pages in creation order both ways, and newest first", func(t *testing.T, st entitlement.Store) {
		const n = 23
		var ids []string
		update(t, st, func(tx entitlement.Tx) error {
			for range n {
				ids = append(ids, entitlement.NewID())
				if err := put(tx, ids[len(ids)-1]); err != nil {
					return err
				}
			}
			return nil
		})
		for _, desc := range []bool{false, true} {
			got := read(t, st, func(tx entitlement.Tx) ([]string, error) {
				return Walk(t, func(o entitlement.ListOptions) (entitlement.Page[T], error) {
					o.Desc = desc
					return list(tx, o)
				}, id, 5, n), nil
			})
			if desc {
				slices.Reverse(got)
			}
			if !slices.Equal(got, ids) {
				t.Errorf("desc %v: order = %v, want %v", desc, got, ids)
			}
		}
	}}
}

// countedWhole checks a whole table's list, whose total a store may keep rather than count:
// a record put again is counted once, and every page says how many there are. put writes the
// record with the id (again when called again).
func countedWhole[T any](put func(tx entitlement.Tx, id string) error, list func(tx entitlement.Tx, o entitlement.ListOptions) (entitlement.Page[T], error), id func(T) string) tcase {
	return tcase{"the whole list counts each record once, however often it is put", func(t *testing.T, st entitlement.Store) {
		const n = 5
		var ids []string
		for i := range n + 2 {
			update(t, st, func(tx entitlement.Tx) error {
				if i < n {
					ids = append(ids, entitlement.NewID())
					return put(tx, ids[i])
				}
				return put(tx, ids[i-n])
			})
		}
		got := read(t, st, func(tx entitlement.Tx) ([]string, error) {
			return Walk(t, func(o entitlement.ListOptions) (entitlement.Page[T], error) { return list(tx, o) }, id, 2, n), nil
		})
		if !slices.Equal(got, ids) {
			t.Errorf("list = %v, want %v", got, ids)
		}
	}}
}
