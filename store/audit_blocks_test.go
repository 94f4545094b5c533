package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	bolt "go.etcd.io/bbolt"
)

// appendEvents appends, in one transaction each of up to 50, events of actors "a<n>" and objects
// "o<n>" that have n events each, for n in counts, interleaved, and returns them as appended.
func appendEvents(t *testing.T, s *Store, counts []int) []entitlement.AuditEvent {
	t.Helper()
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	var events []entitlement.AuditEvent
	left := map[int]int{}
	for _, n := range counts {
		left[n] = n
	}
	for i := 0; len(left) > 0; i++ {
		for _, n := range counts {
			if left[n] == 0 {
				delete(left, n)
				continue
			}
			left[n]--
			action := []string{"catalog.create", "catalog.update", "user.create"}[i%3]
			e := entitlement.AuditEvent{ID: entitlement.NewID(), At: t0.Add(time.Duration(len(events)) * time.Second),
				ActorID: fmt.Sprint("a", n), ObjectID: fmt.Sprint("o", n), ObjectType: "catalog", Action: action}
			if i%2 == 1 {
				// Every other event of a person's is about the next person's object.
				e.ObjectID = fmt.Sprint("o", counts[(slices.Index(counts, n)+1)%len(counts)])
				left[n]++
				e.ActorID = "b"
			}
			events = append(events, e)
		}
	}
	for i := 0; i < len(events); i += 50 {
		must(t, s.Update(ctx, func(tx entitlement.Tx) error {
			for j, e := range events[i:min(i+50, len(events))] {
				if err := tx.Audit().Append(e); err != nil {
					return err
				}
				events[i+j].Seq = uint64(i + j + 1)
			}
			return nil
		}))
	}
	return events
}

// wantIDs lists the ids of the events a filter keeps, newest first.
func wantIDs(events []entitlement.AuditEvent, keep func(entitlement.AuditEvent) bool) []string {
	var out []string
	for i := len(events) - 1; i >= 0; i-- {
		if keep(events[i]) {
			out = append(out, events[i].ID)
		}
	}
	return out
}

// checkPaging pages down the list by After and back up by Before, and checks the ids, the
// totals and the cursors of every page against want.
func checkPaging(t *testing.T, s *Store, f entitlement.AuditFilter, want []string, limit int) {
	t.Helper()
	list := func(o entitlement.ListOptions) entitlement.Page[entitlement.AuditEvent] {
		t.Helper()
		var p entitlement.Page[entitlement.AuditEvent]
		must(t, s.View(ctx, func(tx entitlement.Tx) error {
			var err error
			p, err = tx.Audit().List(f, o)
			return err
		}))
		if p.Total != len(want) {
			t.Fatalf("%+v %+v: total %d, want %d", f, o, p.Total, len(want))
		}
		return p
	}
	ids := func(p entitlement.Page[entitlement.AuditEvent]) []string {
		var out []string
		for _, e := range p.Items {
			out = append(out, e.ID)
		}
		return out
	}
	var pages []entitlement.Page[entitlement.AuditEvent]
	var got []string
	for p, o := list(entitlement.ListOptions{Limit: limit}), 0; ; o++ {
		if (o == 0) != (p.Prev == "") {
			t.Fatalf("%+v page %d: prev %q", f, o, p.Prev)
		}
		pages, got = append(pages, p), append(got, ids(p)...)
		if p.Next == "" {
			break
		}
		p = list(entitlement.ListOptions{Limit: limit, After: p.Next})
	}
	if !slices.Equal(got, want) {
		t.Fatalf("%+v down the list: %d ids %v, want %d %v", f, len(got), got, len(want), want)
	}
	// Back up from the last page: each page as it was on the way down.
	for i := len(pages) - 1; i > 0; i-- {
		p := list(entitlement.ListOptions{Limit: limit, Before: pages[i].Prev})
		if !slices.Equal(ids(p), ids(pages[i-1])) || (i-1 == 0) != (p.Prev == "") || p.Next == "" {
			t.Fatalf("%+v back to page %d: %v (prev %q), want %v", f, i-1, ids(p), p.Prev, ids(pages[i-1]))
		}
	}
}

func TestAuditBlocksListNewestFirst(t *testing.T) {
	s := newTestStore(t)
	counts := []int{1, 64, 65, 200}
	events := appendEvents(t, s, counts)
	for _, n := range append([]int{0}, counts...) {
		for _, f := range []entitlement.AuditFilter{{ActorID: fmt.Sprint("a", n)}, {ObjectID: fmt.Sprint("o", n)}} {
			for _, limit := range []int{7, 64, 500} {
				checkPaging(t, s, f, wantIDs(events, func(e entitlement.AuditEvent) bool { return matchesFilter(f, e) }), limit)
			}
		}
	}
	for _, f := range []entitlement.AuditFilter{
		{ActorID: "a200", ObjectID: "o200"},
		{ActorID: "b", ObjectID: "o65"},
		{ActorID: "a200", Action: "catalog."},
		{ObjectID: "o200", Action: "user.", ObjectType: "catalog"},
		{ObjectID: "o1", ActorID: "a200"},
		{ActorID: "b", From: events[100].At, To: events[300].At},
	} {
		want := wantIDs(events, func(e entitlement.AuditEvent) bool { return matchesFilter(f, e) })
		if len(want) == 0 && f.ObjectID != "o1" {
			t.Fatalf("%+v keeps nothing", f)
		}
		checkPaging(t, s, f, want, 9)
	}
}

// matchesFilter is the meaning of an AuditFilter.
func matchesFilter(f entitlement.AuditFilter, e entitlement.AuditEvent) bool {
	return (f.ActorID == "" || e.ActorID == f.ActorID) && (f.ObjectID == "" || e.ObjectID == f.ObjectID) &&
		(f.ObjectType == "" || e.ObjectType == f.ObjectType) && (f.Action == "" || len(e.Action) >= len(f.Action) && e.Action[:len(f.Action)] == f.Action) &&
		(f.From.IsZero() || !e.At.Before(f.From)) && (f.To.IsZero() || e.At.Before(f.To))
}

func TestAuditBlocksRefuseAnOldCursor(t *testing.T) {
	s := newTestStore(t)
	events := appendEvents(t, s, []int{3})
	old := entitlement.EncodeCursor(string(auditIndexKey("a3", events[0].ID)))
	for _, o := range []entitlement.ListOptions{{After: old}, {Before: old}} {
		err := s.View(ctx, func(tx entitlement.Tx) error {
			_, err := tx.Audit().List(entitlement.AuditFilter{ActorID: "a3"}, o)
			return err
		})
		var invalid *entitlement.ValidationError
		if !errors.As(err, &invalid) {
			t.Errorf("%+v: %v, want a validation error", o, err)
		}
	}
}

// auditIndexKey is a key of audit_by_actor or audit_by_object before v27.
func auditIndexKey(value, id string) []byte { return []byte(packID(value) + sep + packID(id)) }

// TestMigration27RebuildsAuditIndexes turns the indexes Append wrote back into their forms
// before v27, with a preparation stopped part way, and checks that the migration gives them back.
func TestMigration27RebuildsAuditIndexes(t *testing.T) {
	s := newTestStore(t)
	events := appendEvents(t, s, []int{1, 2, 64, 65, 150})
	want := indexContents(t, s)
	s = migrateFrom(t, s, auditIndexMigration-1, auditIndexMigration, func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketAuditSeq, bucketAuditActor, bucketAuditObject} {
			if err := tx.DeleteBucket(name); err != nil {
				return err
			}
		}
		seqs, _ := tx.CreateBucket(bucketAuditSeq)
		actors, _ := tx.CreateBucket(bucketAuditActor)
		objects, _ := tx.CreateBucket(bucketAuditObject)
		for _, e := range events {
			must(t, seqs.Put([]byte(fmt.Sprintf("%020d", e.Seq)), []byte(e.ID)))
			must(t, actors.Put(auditIndexKey(e.ActorID, e.ID), nil))
			must(t, objects.Put(auditIndexKey(e.ObjectID, e.ID), nil))
		}
		// A preparation stopped after a few positions and blocks.
		if _, err := auditStaging(tx); err != nil {
			return err
		}
		if _, err := copyAuditSeqs(tx, 10); err != nil {
			return err
		}
		lists, err := collectPostings(tx)
		if err != nil {
			return err
		}
		_, err = writePostings(tx, lists, 3)
		return err
	})
	got := indexContents(t, s)
	for _, name := range []string{"audit_by_seq", "audit_by_actor", "audit_by_object"} {
		if !maps.Equal(got[name], want[name]) {
			t.Errorf("%s after the migration: %d keys, want %d as Append wrote them", name, len(got[name]), len(want[name]))
		}
	}
	must(t, s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketAuditStaging) != nil {
			return errors.New("the staging bucket is left")
		}
		return nil
	}))
	var chain []string
	must(t, s.View(ctx, func(tx entitlement.Tx) error {
		return tx.Audit().Chain(func(e entitlement.AuditEvent) error { chain = append(chain, e.ID); return nil })
	}))
	oldestFirst := wantIDs(events, func(entitlement.AuditEvent) bool { return true })
	slices.Reverse(oldestFirst)
	if !slices.Equal(chain, oldestFirst) {
		t.Errorf("chain after the migration: %d events, want %d in order", len(chain), len(oldestFirst))
	}
	if v := verify(t, s); !v.Intact || v.Count != uint64(len(events)) {
		t.Errorf("verification after the migration = %+v, want an intact chain of %d", v, len(events))
	}
	for _, f := range []entitlement.AuditFilter{{ObjectID: "o150"}, {ActorID: "a65"}, {ObjectID: "o2"}} {
		checkPaging(t, s, f, wantIDs(events, func(e entitlement.AuditEvent) bool { return matchesFilter(f, e) }), 10)
	}
}

// TestAuditBlocksAcrossGaps writes positions far apart, whose differences take 1 to 8 varint
// bytes, in more than two blocks, and reads them back both ways, from every position.
func TestAuditBlocksAcrossGaps(t *testing.T) {
	s := newTestStore(t)
	var seqs []uint64
	for seq, i := uint64(5), 0; len(seqs) < 2*blockSize+7; i++ {
		seqs = append(seqs, seq)
		// 1, 200, 20,000, 3 million, 2^40 and 2^48 apart in turn: 1, 2, 3, 4, 6 and 7 bytes.
		seq += []uint64{1, 200, 20000, 3_000_000, 1 << 40, 1 << 48}[i%6]
	}
	must(t, s.db.Update(func(tx *bolt.Tx) error {
		for _, seq := range seqs {
			if err := appendPosting(tx, bucketAuditActor, "gaps", seq); err != nil {
				return err
			}
		}
		if err := appendPosting(tx, bucketAuditActor, "gaps", seqs[len(seqs)-1]); err == nil {
			return errors.New("a position appended again")
		}
		return nil
	}))
	must(t, s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAuditActor)
		var sizes []int
		prefix := postingPrefix("gaps")
		for k, v := b.Cursor().Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = b.Cursor().Seek(append(k, 0)) {
			first := binary.BigEndian.Uint64(k[len(k)-8:])
			i := slices.Index(seqs, first)
			n := min(blockSize, len(seqs)-i)
			want := 0
			for _, seq := range seqs[i+1 : i+n] {
				want += len(binary.AppendUvarint(nil, seq-seqs[slices.Index(seqs, seq)-1]))
			}
			if i%blockSize != 0 || len(v) != want {
				t.Errorf("block at %d (position %d): %d bytes, want the block at %d of %d bytes", i, first, len(v), i/blockSize*blockSize, want)
			}
			sizes = append(sizes, n)
		}
		if !slices.Equal(sizes, []int{blockSize, blockSize, 7}) {
			t.Errorf("blocks of %v positions, want 64, 64 and 7", sizes)
		}
		p := postings{b.Cursor(), prefix}
		if n := p.count(); n != len(seqs) {
			t.Errorf("count %d, want %d", n, len(seqs))
		}
		walk := func(w func(uint64, func(uint64) (bool, error)) error, from uint64) []uint64 {
			var got []uint64
			must(t, w(from, func(seq uint64) (bool, error) { got = append(got, seq); return true, nil }))
			return got
		}
		newestFirst := slices.Clone(seqs)
		slices.Reverse(newestFirst)
		if got := walk(p.down, 0); !slices.Equal(got, newestFirst) {
			t.Errorf("down from the end: %v, want %v", got, newestFirst)
		}
		for i, seq := range seqs {
			if got := walk(p.down, seq); !slices.Equal(got, newestFirst[len(seqs)-i:]) {
				t.Errorf("down below %d: %v, want %v", seq, got, newestFirst[len(seqs)-i:])
			}
			if got := walk(p.up, seq); !slices.Equal(got, seqs[i+1:]) {
				t.Errorf("up above %d: %v, want %v", seq, got, seqs[i+1:])
			}
		}
		return nil
	}))
}

// blocksOfV27 rewrites a block index in the form of v27, every position in 8 bytes.
func blocksOfV27(tx *bolt.Tx, name []byte) error {
	b := tx.Bucket(name)
	old := map[string][]byte{}
	err := b.ForEach(func(k, v []byte) error {
		var seqs [blockSize]uint64
		n, err := decodeBlock(k, v, &seqs)
		for _, seq := range seqs[:n] {
			old[string(k)] = binary.BigEndian.AppendUint64(old[string(k)], seq)
		}
		return err
	})
	for k, v := range old {
		if err == nil {
			err = b.Put([]byte(k), v)
		}
	}
	return err
}

// TestMigration31StoresPostingsAsVarints turns the blocks Append wrote back into their form of
// v27, with a preparation stopped part way through the second index, and checks that the
// migration gives them back, and leaves them as they are when run again.
func TestMigration31StoresPostingsAsVarints(t *testing.T) {
	s := newTestStore(t)
	events := appendEvents(t, s, []int{1, 2, 64, 65, 150})
	want := indexContents(t, s)
	s = migrateFrom(t, s, varintPostingsMigration-1, varintPostingsMigration, func(tx *bolt.Tx) error {
		for _, name := range postingBuckets {
			if err := blocksOfV27(tx, name); err != nil {
				return err
			}
		}
		if v := tx.Bucket(bucketAuditActor).Get(blockKey(postingPrefix("a1"), events[0].Seq)); len(v) != 8 {
			return fmt.Errorf("the block of a1 holds %x, want its position in 8 bytes", v)
		}
		// A preparation stopped after all the actors' blocks and two of the objects'.
		_, err := copyPostings(tx, tx.Bucket(bucketAuditActor).Stats().KeyN+2)
		return err
	})
	check := func(when string) {
		t.Helper()
		got := indexContents(t, s)
		for _, name := range []string{"audit_by_seq", "audit_by_actor", "audit_by_object"} {
			if !maps.Equal(got[name], want[name]) {
				t.Errorf("%s %s: %d keys, want %d as Append wrote them", name, when, len(got[name]), len(want[name]))
			}
		}
		must(t, s.db.View(func(tx *bolt.Tx) error {
			if tx.Bucket(bucketPostingStaging) != nil {
				return fmt.Errorf("the staging bucket is left %s", when)
			}
			return nil
		}))
		for _, f := range []entitlement.AuditFilter{{ObjectID: "o150"}, {ActorID: "a65"}, {ObjectID: "o1"}, {ActorID: "b"}} {
			checkPaging(t, s, f, wantIDs(events, func(e entitlement.AuditEvent) bool { return matchesFilter(f, e) }), 10)
		}
	}
	check("after the migration")

	must(t, preparations[varintPostingsMigration](s.db))
	must(t, s.db.Update(varintPostings))
	check("after the migration ran again")

	more := appendEvents(t, s, []int{3})
	for i := range more {
		more[i].Seq += events[len(events)-1].Seq
	}
	events = append(events, more...)
	f := entitlement.AuditFilter{ActorID: "a3"}
	checkPaging(t, s, f, wantIDs(events, func(e entitlement.AuditEvent) bool { return matchesFilter(f, e) }), 2)
}
