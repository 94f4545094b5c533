package store

import (
	"bytes"

	"github.com/stewardhq/steward/entitlement"
	bolt "go.etcd.io/bbolt"
)

// source is one value of one non-unique index of a table: the keys "<value>\x00<id>".
type source struct{ index, value string }

// mergeHead is where one source's walk stands: a cursor on its index and the id it points at,
// in its stored form, which sorts as the keys do ("" once it has left the source's keys).
type mergeHead struct {
	c      *bolt.Cursor
	prefix []byte
	id     string
}

func (h *mergeHead) at(k []byte) {
	h.id = ""
	if k != nil && bytes.HasPrefix(k, h.prefix) {
		h.id = string(k[len(h.prefix):])
	}
}

// merge walks several sources at once in id order, each id once. A source's keys end in ids and
// sort by them, so the smallest (or, walking down, the largest) of the heads is the next id of
// the union: a k-way merge that reads as many keys as it gives ids, plus one per source.
type merge struct {
	heads []*mergeHead
	desc  bool
}

// newMerge positions every source just past from (an id; "" for the start of the walk).
func newMerge[T any](tx *bolt.Tx, t *table[T], sources []source, desc bool, from string) *merge {
	m := &merge{desc: desc}
	seen := map[source]bool{}
	for _, s := range sources {
		if s.value == "" || seen[s] {
			continue
		}
		seen[s] = true
		ix := t.index(s.index)
		h := &mergeHead{c: mustBucket(tx, ix.bucket(t.name)).Cursor(), prefix: ix.prefix(s.value)}
		start := append(append([]byte(nil), h.prefix...), packID(from)...)
		k, _ := h.c.Seek(start)
		switch {
		case !desc && from != "" && bytes.Equal(k, start):
			k, _ = h.c.Next()
		case desc:
			if from == "" {
				// After every id of the source: stored ids never hold 0xff.
				k, _ = h.c.Seek(append(start, 0xff))
			}
			if k == nil {
				k, _ = h.c.Last()
			} else {
				k, _ = h.c.Prev()
			}
		}
		h.at(k)
		m.heads = append(m.heads, h)
	}
	return m
}

// next returns the next id of the union, "" at its end.
func (m *merge) next() string {
	best := ""
	for _, h := range m.heads {
		if h.id != "" && (best == "" || (h.id < best) != m.desc) {
			best = h.id
		}
	}
	if best == "" {
		return ""
	}
	for _, h := range m.heads {
		if h.id != best {
			continue
		}
		var k []byte
		if m.desc {
			k, _ = h.c.Prev()
		} else {
			k, _ = h.c.Next()
		}
		h.at(k)
	}
	return unpackID(best)
}

// listMerged pages through the records that any of the sources holds, each once, in id order
// (newest first with opt.Desc), with the keyset paging of scan.walk: the cursor is a record's
// id, so a page reads the keys up to its end and decodes only its records (and those keep
// refuses). The total counts the union's ids from the keys alone, unless keep must look at
// every record; that walk grows with the union, so opt.NoTotal skips it.
func (t *table[T]) listMerged(tx *bolt.Tx, sources []source, opt entitlement.ListOptions, keep func(T) bool) (entitlement.Page[T], error) {
	var page entitlement.Page[T]
	size := opt.PageSize()
	after, err := entitlement.DecodeCursor(opt.After)
	if err != nil {
		return page, err
	}
	before, err := entitlement.DecodeCursor(opt.Before)
	if err != nil {
		return page, err
	}
	type hit struct {
		id string
		v  T
	}
	var hits []hit
	collect := func(m *merge) error {
		for id := m.next(); id != "" && len(hits) <= size; id = m.next() {
			v, err := t.get(tx, id)
			if err != nil {
				return err
			}
			if keep == nil || keep(v) {
				hits = append(hits, hit{id, v})
			}
		}
		return nil
	}
	if before != "" {
		// Walk up the list from the cursor, then put the page back in list order.
		if err := collect(newMerge(tx, t, sources, !opt.Desc, before)); err != nil {
			return page, err
		}
		more := len(hits) > size
		if more {
			hits = hits[:size]
		}
		for i, j := 0, len(hits)-1; i < j; i, j = i+1, j-1 {
			hits[i], hits[j] = hits[j], hits[i]
		}
		if more {
			page.Prev = entitlement.EncodeCursor(hits[0].id)
		}
		if len(hits) > 0 {
			page.Next = entitlement.EncodeCursor(hits[len(hits)-1].id)
		}
	} else {
		if err := collect(newMerge(tx, t, sources, opt.Desc, after)); err != nil {
			return page, err
		}
		if len(hits) > size {
			hits = hits[:size]
			page.Next = entitlement.EncodeCursor(hits[len(hits)-1].id)
		}
		if after != "" && len(hits) > 0 {
			page.Prev = entitlement.EncodeCursor(hits[0].id)
		}
	}
	page.Items = make([]T, len(hits))
	for i, h := range hits {
		page.Items[i] = h.v
	}
	if opt.NoTotal {
		page.Total = -1
		return page, nil
	}
	m := newMerge(tx, t, sources, false, "")
	for id := m.next(); id != ""; id = m.next() {
		if keep != nil {
			v, err := t.get(tx, id)
			if err != nil {
				return page, err
			}
			if !keep(v) {
				continue
			}
		}
		page.Total++
	}
	return page, nil
}
