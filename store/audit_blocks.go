package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/bits"
	"slices"

	"github.com/stewardhq/steward/entitlement"
	bolt "go.etcd.io/bbolt"
)

// A posting block lists up to blockSize chain positions of one actor's or object's events, in
// chain order, under "<packed id>\x00<first position, 8 bytes>" (v27). The key holds the first
// position and the value the others, each as the unsigned varint of its difference from the one
// before it (v31): most differences take 1 to 3 bytes instead of the 8 of a position, and the
// block of a value's only event is empty, as nearly half the objects' are. One key per event
// cost 47 bytes and bbolt's 16-byte element header in pages half full; a block costs its key a
// 64th of that. Append adds a position to the value's last block, or starts a new one when it
// is full; nothing removes one, as no event is ever removed.
//
// The bound is a number of positions rather than of bytes, so that down decodes a block into a
// fixed array on the stack, and a block's key is shared by 64 positions however far apart they
// lie. Append reads the block it copies to add to it anyway, so counting its positions there
// costs nothing worth a byte bound.
const blockSize = 64

// How full a page of blocks is left when it splits. A value's last block grows wherever the
// value's keys lie: an actor's, for years, as a grouped index's keys do; an object's mostly
// while it is new, and new objects' keys come last, as appended ones do. Replaying the chain of
// a tenth-scale tenant (bench gen) at 0.5, 0.7, 0.9 and 1.0 left audit_by_actor in 541, 504, 778
// and 961 pages, audit_by_object in 2704, 1938, 1521 and 1806.
const (
	actorFillPercent  = groupedFillPercent
	objectFillPercent = fillPercent
)

// postingPrefix starts every block key of a value.
func postingPrefix(value string) []byte { return []byte(packID(value) + sep) }

// blockKey is the key of a value's block that starts at seq.
func blockKey(prefix []byte, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(bytes.Clone(prefix), seq)
}

// blockValue is the value of a block of positions in chain order: the differences after the
// first, which the key holds.
func blockValue(seqs []uint64) []byte {
	v := make([]byte, 0, len(seqs))
	for i := 1; i < len(seqs); i++ {
		v = binary.AppendUvarint(v, seqs[i]-seqs[i-1])
	}
	return v
}

// decodeBlock reads the positions of a block into seqs and returns how many it holds. Positions
// rise strictly, so a difference of 0 is damage, as is a position past the array.
func decodeBlock(k, v []byte, seqs *[blockSize]uint64) (int, error) {
	seq := binary.BigEndian.Uint64(k[len(k)-8:])
	seqs[0] = seq
	n := 1
	for len(v) > 0 {
		d, m := binary.Uvarint(v)
		if m <= 0 || d == 0 || n == blockSize {
			return 0, fmt.Errorf("audit block %q: damaged value %x", k, v)
		}
		seq += d
		seqs[n] = seq
		n++
		v = v[m:]
	}
	return n, nil
}

// varints counts the varints in v, each of which ends at its only byte below 0x80: eight bytes
// at a time, as a list's total reads every block of its value.
func varints(v []byte) int {
	n := len(v)
	for ; len(v) >= 8; v = v[8:] {
		n -= bits.OnesCount64(binary.LittleEndian.Uint64(v) & 0x8080808080808080)
	}
	for _, c := range v {
		n -= int(c >> 7)
	}
	return n
}

// appendPosting adds seq after the last of value's positions in a block bucket.
func appendPosting(tx *bolt.Tx, bucket []byte, value string, seq uint64) error {
	b := mustBucket(tx, bucket)
	prefix := postingPrefix(value)
	k, v := lastBlock(b.Cursor(), prefix)
	if k != nil {
		var seqs [blockSize]uint64
		n, err := decodeBlock(k, v, &seqs)
		switch {
		case err != nil:
			return err
		case seq <= seqs[n-1]:
			// A difference of 0 or less would break the form that tells blocks from v27's.
			return fmt.Errorf("index audit position %d under %s after %d", seq, bucket, seqs[n-1])
		case n < blockSize:
			k, v = bytes.Clone(k), binary.AppendUvarint(bytes.Clone(v), seq-seqs[n-1])
		default:
			k = nil
		}
	}
	if k == nil {
		k, v = blockKey(prefix, seq), []byte{}
	}
	if err := b.Put(k, v); err != nil {
		return fmt.Errorf("index audit position %d under %s: %w", seq, bucket, err)
	}
	return nil
}

// lastBlock positions c at the last block with the prefix, or returns nil when there is none.
func lastBlock(c *bolt.Cursor, prefix []byte) ([]byte, []byte) {
	var v []byte
	k, _ := c.Seek(append(bytes.Clone(prefix), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff))
	if k == nil {
		k, v = c.Last()
	} else {
		k, v = c.Prev()
	}
	if k == nil || !bytes.HasPrefix(k, prefix) {
		return nil, nil
	}
	return k, v
}

// postings walks the positions of one value in a block bucket.
type postings struct {
	c      *bolt.Cursor
	prefix []byte
}

// down calls fn with the positions before below (all of them when below is 0), newest first,
// until fn returns false.
func (p postings) down(below uint64, fn func(uint64) (bool, error)) error {
	var k, v []byte
	if below == 0 {
		k, v = lastBlock(p.c, p.prefix)
	} else {
		// The block before the first one that starts at below or later holds the positions
		// just before below.
		if k, _ = p.c.Seek(blockKey(p.prefix, below)); k == nil {
			k, v = p.c.Last()
		} else {
			k, v = p.c.Prev()
		}
	}
	// Differences read forward only: a block is decoded whole, then walked back.
	var seqs [blockSize]uint64
	for ; k != nil && bytes.HasPrefix(k, p.prefix); k, v = p.c.Prev() {
		n, err := decodeBlock(k, v, &seqs)
		if err != nil {
			return err
		}
		for _, seq := range slices.Backward(seqs[:n]) {
			if below != 0 && seq >= below {
				continue
			}
			if more, err := fn(seq); err != nil || !more {
				return err
			}
		}
	}
	return nil
}

// up calls fn with the positions after above, oldest first, until fn returns false.
func (p postings) up(above uint64, fn func(uint64) (bool, error)) error {
	// The last block that starts at above or earlier may hold positions after it.
	var v []byte
	k, _ := p.c.Seek(blockKey(p.prefix, above+1))
	if k == nil {
		k, v = p.c.Last()
	} else {
		k, v = p.c.Prev()
	}
	if k == nil || !bytes.HasPrefix(k, p.prefix) {
		k, v = p.c.Seek(p.prefix)
	}
	var seqs [blockSize]uint64
	for ; k != nil && bytes.HasPrefix(k, p.prefix); k, v = p.c.Next() {
		n, err := decodeBlock(k, v, &seqs)
		if err != nil {
			return err
		}
		for _, seq := range seqs[:n] {
			if seq <= above {
				continue
			}
			if more, err := fn(seq); err != nil || !more {
				return err
			}
		}
	}
	return nil
}

// count adds up the positions of the value's blocks, reading no event: each block's first, in
// its key, and one a varint of its value.
func (p postings) count() int {
	n := 0
	for k, v := p.c.Seek(p.prefix); k != nil && bytes.HasPrefix(k, p.prefix); k, v = p.c.Next() {
		n += 1 + varints(v)
	}
	return n
}

// auditEvents reads events by chain position, with the buckets opened once.
type auditEvents struct {
	seqs    seqReader
	records *bolt.Bucket
}

func newAuditEvents(tx *bolt.Tx) auditEvents {
	return auditEvents{newSeqReader(tx), mustBucket(tx, []byte(auditTable.name))}
}

// at reads the event sealed at a chain position.
func (r auditEvents) at(seq uint64) (entitlement.AuditEvent, error) {
	id, ok := r.seqs.id(seq)
	if !ok {
		return entitlement.AuditEvent{}, fmt.Errorf("audit position %d: %w", seq, entitlement.ErrNotFound)
	}
	data := r.records.Get([]byte(id))
	if data == nil {
		return entitlement.AuditEvent{}, fmt.Errorf("%s %q: %w", auditTable.what, id, entitlement.ErrNotFound)
	}
	return auditTable.decode(id, data)
}

// listPostings pages through one actor's or object's events newest first, as scan.walk pages
// through index keys: a Before cursor walks up the list and reverses what it found, Prev and
// Next are set as walk sets them. A cursor is the chain position of the page's first or last
// event. keep, when set, filters the events; the total is then that of the kept ones.
func (l auditLog) listPostings(bucket []byte, value string, keep func(entitlement.AuditEvent) bool, opt entitlement.ListOptions) (entitlement.Page[entitlement.AuditEvent], error) {
	var page entitlement.Page[entitlement.AuditEvent]
	size := opt.PageSize()
	after, err := seqCursor(opt.After)
	if err != nil {
		return page, err
	}
	before, err := seqCursor(opt.Before)
	if err != nil {
		return page, err
	}
	p := postings{mustBucket(l.b, bucket).Cursor(), postingPrefix(value)}
	events := newAuditEvents(l.b)
	type hit struct {
		seq uint64
		e   entitlement.AuditEvent
	}
	var hits []hit
	collect := func(seq uint64) (bool, error) {
		if len(hits) == size && keep == nil {
			// The position alone tells that there is more: the event past the page stays unread.
			hits = append(hits, hit{seq: seq})
			return false, nil
		}
		e, err := events.at(seq)
		if err != nil {
			return false, err
		}
		if keep == nil || keep(e) {
			hits = append(hits, hit{seq, e})
		}
		return len(hits) <= size, nil
	}
	walk := func() error { return p.down(after, collect) }
	if before != 0 {
		walk = func() error { return p.up(before, collect) }
	}
	if err := walk(); err != nil {
		return page, err
	}
	// The walk ran out of positions rather than stopping at a full page.
	ended := len(hits) <= size
	if before != 0 {
		more := !ended
		if more {
			hits = hits[:size]
		}
		for i, j := 0, len(hits)-1; i < j; i, j = i+1, j-1 {
			hits[i], hits[j] = hits[j], hits[i]
		}
		if more {
			page.Prev = seqCursorOf(hits[0].seq)
		}
		if len(hits) > 0 {
			page.Next = seqCursorOf(hits[len(hits)-1].seq)
		}
	} else {
		if !ended {
			hits = hits[:size]
			page.Next = seqCursorOf(hits[len(hits)-1].seq)
		}
		if after != 0 && len(hits) > 0 {
			page.Prev = seqCursorOf(hits[0].seq)
		}
	}
	page.Items = make([]entitlement.AuditEvent, len(hits))
	for i, h := range hits {
		page.Items[i] = h.e
	}
	switch {
	case keep == nil:
		page.Total = p.count()
	case ended && before == 0 && after == 0:
		page.Total = len(page.Items)
	default:
		err = p.down(0, func(seq uint64) (bool, error) {
			e, err := events.at(seq)
			if err == nil && keep(e) {
				page.Total++
			}
			return err == nil, err
		})
	}
	return page, err
}

// seqCursorOf is the cursor after or before the event at a chain position.
func seqCursorOf(seq uint64) string { return entitlement.EncodeCursor(string(seqBytes(seq))) }

// seqCursor reads a cursor of listPostings: 0 for none. A cursor of another form (an index key,
// as these lists gave before v27) is refused as a damaged one is.
func seqCursor(s string) (uint64, error) {
	k, err := decodeCursor(s)
	switch {
	case err != nil || k == nil:
		return 0, err
	case len(k) != 8:
		return 0, &entitlement.ValidationError{Code: "invalidCursor", Fields: map[string]string{
			"cursor": "the page link is out of date; go back to the first page"}}
	}
	return binary.BigEndian.Uint64(k), nil
}
