package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"

	bolt "go.etcd.io/bbolt"
)

// auditIndexMigration is the version of the migration that rewrites the audit indexes into
// their compact forms (audit_seq.go, audit_blocks.go).
const auditIndexMigration = 27

// bucketAuditStaging holds, while that migration runs, the new indexes under the names they
// take when it ends, and keyBlocksDone once their blocks are all written. Nothing else reads
// them: the indexes in use stay as they were until the migration's own transaction swaps them.
var (
	bucketAuditStaging = []byte("audit_v27")
	keyBlocksDone      = []byte("blocks_done")
)

// auditBatch is how many positions or blocks a transaction of the preparation writes.
const auditBatch = 50000

// reindexAuditInBatches builds the new indexes in transactions of a batch each, in key order
// with full pages: one transaction over 1.7 million events would grow the file by all of them.
// Run again, it goes on after the last key it wrote.
func reindexAuditInBatches(db *bolt.DB) error {
	if err := db.Update(func(tx *bolt.Tx) error { _, err := auditStaging(tx); return err }); err != nil {
		return err
	}
	if err := inBatches(db, func(tx *bolt.Tx) (bool, error) { return copyAuditSeqs(tx, auditBatch) }); err != nil {
		return err
	}
	var lists []postingLists
	if err := db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketAuditStaging).Get(keyBlocksDone) != nil {
			return nil
		}
		var err error
		lists, err = collectPostings(tx)
		return err
	}); err != nil || lists == nil {
		return err
	}
	return inBatches(db, func(tx *bolt.Tx) (bool, error) { return writePostings(tx, lists, auditBatch) })
}

// inBatches runs batch a transaction each until it reports that nothing is left.
func inBatches(db *bolt.DB, batch func(tx *bolt.Tx) (bool, error)) error {
	for done := false; !done; {
		if err := db.Update(func(tx *bolt.Tx) error {
			var err error
			done, err = batch(tx)
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}

// reindexAudit finishes what reindexAuditInBatches left, which is nothing unless it was stopped,
// and puts the new indexes in the place of the old ones.
func reindexAudit(tx *bolt.Tx) error {
	staging, err := auditStaging(tx)
	if err != nil {
		return err
	}
	if _, err := copyAuditSeqs(tx, math.MaxInt); err != nil {
		return err
	}
	if staging.Get(keyBlocksDone) == nil {
		lists, err := collectPostings(tx)
		if err != nil {
			return err
		}
		if _, err := writePostings(tx, lists, math.MaxInt); err != nil {
			return err
		}
	}
	return swapStaged(tx, bucketAuditStaging, bucketAuditSeq, bucketAuditActor, bucketAuditObject)
}

// swapStaged puts the buckets staged under staging in the place of those of the same names,
// and drops staging.
func swapStaged(tx *bolt.Tx, staging []byte, names ...[]byte) error {
	staged := tx.Bucket(staging)
	for _, name := range names {
		if tx.Bucket(name) != nil {
			if err := tx.DeleteBucket(name); err != nil {
				return fmt.Errorf("drop the old %s: %w", name, err)
			}
		}
		if err := tx.MoveBucket(name, staged, nil); err != nil {
			return fmt.Errorf("put the new %s in place: %w", name, err)
		}
	}
	return tx.DeleteBucket(staging)
}

// auditStaging returns the staging bucket with its three indexes, creating what is missing.
func auditStaging(tx *bolt.Tx) (*bolt.Bucket, error) {
	staging, err := tx.CreateBucketIfNotExists(bucketAuditStaging)
	if err != nil {
		return nil, fmt.Errorf("create bucket %s: %w", bucketAuditStaging, err)
	}
	for _, name := range [][]byte{bucketAuditSeq, bucketAuditActor, bucketAuditObject} {
		if _, err := staging.CreateBucketIfNotExists(name); err != nil {
			return nil, fmt.Errorf("create bucket %s/%s: %w", bucketAuditStaging, name, err)
		}
	}
	return staging, nil
}

// stagedBucket is one of the staging indexes, written in key order: its pages are left full.
func stagedBucket(tx *bolt.Tx, name []byte) *bolt.Bucket {
	b := tx.Bucket(bucketAuditStaging).Bucket(name)
	b.FillPercent = sealedFillPercent
	return b
}

// copyAuditSeqs copies up to limit positions of the seq index into the staging one in the
// compact form, after the last one copied, and reports whether none is left. A position is
// read in the form of v9 ("%020d" → id) or in the compact one (chainAudit writes it since).
func copyAuditSeqs(tx *bolt.Tx, limit int) (bool, error) {
	old := tx.Bucket(bucketAuditSeq)
	if old == nil {
		return true, nil
	}
	staged := stagedBucket(tx, bucketAuditSeq)
	next := uint64(1)
	if k, _ := staged.Cursor().Last(); k != nil {
		next = binary.BigEndian.Uint64(k) + 1
	}
	c := old.Cursor()
	k, v := c.Seek(seqBytes(next))
	if k != nil && len(k) != 8 {
		k, v = c.Seek([]byte(fmt.Sprintf("%020d", next)))
	}
	for n := 0; k != nil && n < limit; k, v = c.Next() {
		seq, err := storedSeq(k)
		if err != nil {
			return false, err
		}
		if err := staged.Put(seqBytes(seq), []byte(packID(unpackID(string(v))))); err != nil {
			return false, fmt.Errorf("copy audit position %d: %w", seq, err)
		}
		n++
	}
	return k == nil, nil
}

// storedSeq reads a position of the seq index in either form.
func storedSeq(k []byte) (uint64, error) {
	if len(k) == 8 {
		return binary.BigEndian.Uint64(k), nil
	}
	seq, err := strconv.ParseUint(string(k), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("audit position %q: %w", k, err)
	}
	return seq, nil
}

// postingLists are the positions of one block index's values, from the events.
type postingLists struct {
	bucket   []byte
	prefixes []string            // postingPrefix of each value, in key order
	seqs     map[string][]uint64 // by prefix, in chain order
}

// collectPostings reads the actor, object and position of every sealed event. An event that is
// not sealed is on no list, as Append never indexed one.
func collectPostings(tx *bolt.Tx) ([]postingLists, error) {
	actors := postingLists{bucket: bucketAuditActor, seqs: map[string][]uint64{}}
	objects := postingLists{bucket: bucketAuditObject, seqs: map[string][]uint64{}}
	err := mustBucket(tx, []byte(auditTable.name)).ForEach(func(k, v []byte) error {
		var e struct {
			ActorID  string `json:"actorId"`
			ObjectID string `json:"objectId"`
			Seq      uint64 `json:"seq"`
		}
		if err := auditTable.codec().decode(v, &e); err != nil {
			return fmt.Errorf("decode audit event %q: %w", k, err)
		}
		if e.Seq == 0 {
			return nil
		}
		if e.ActorID != "" {
			p := string(postingPrefix(e.ActorID))
			actors.seqs[p] = append(actors.seqs[p], e.Seq)
		}
		if e.ObjectID != "" {
			p := string(postingPrefix(e.ObjectID))
			objects.seqs[p] = append(objects.seqs[p], e.Seq)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	lists := []postingLists{actors, objects}
	for i := range lists {
		for p, seqs := range lists[i].seqs {
			// Events are stored in id order, which a clock set back makes differ from the chain's.
			slices.Sort(seqs)
			lists[i].prefixes = append(lists[i].prefixes, p)
		}
		slices.Sort(lists[i].prefixes)
	}
	return lists, nil
}

// writePostings writes up to limit blocks of the lists into the staging indexes in key order,
// after the last one written, and reports whether all are written (then so marked).
func writePostings(tx *bolt.Tx, lists []postingLists, limit int) (bool, error) {
	n := 0
	for _, l := range lists {
		b := stagedBucket(tx, l.bucket)
		last, _ := b.Cursor().Last()
		// The first value whose last block is not written yet.
		from := sort.Search(len(l.prefixes), func(i int) bool {
			seqs := l.seqs[l.prefixes[i]]
			return bytes.Compare(blockKey([]byte(l.prefixes[i]), seqs[(len(seqs)-1)/blockSize*blockSize]), last) > 0
		})
		for _, p := range l.prefixes[from:] {
			seqs := l.seqs[p]
			for i := 0; i < len(seqs); i += blockSize {
				k := blockKey([]byte(p), seqs[i])
				if bytes.Compare(k, last) <= 0 {
					continue
				}
				if n == limit {
					return false, nil
				}
				if err := b.Put(k, blockValue(seqs[i:min(i+blockSize, len(seqs))])); err != nil {
					return false, fmt.Errorf("write audit block %q: %w", k, err)
				}
				n++
			}
		}
	}
	if err := tx.Bucket(bucketAuditStaging).Put(keyBlocksDone, []byte("1")); err != nil {
		return false, fmt.Errorf("mark audit blocks written: %w", err)
	}
	return true, nil
}

// varintPostingsMigration is the version of the migration that rewrites the posting blocks of
// v27, a position in 8 bytes, with varint differences (audit_blocks.go).
const varintPostingsMigration = 31

// bucketPostingStaging holds, while that migration runs, the rewritten block indexes under the
// names they take when it ends. As with auditIndexMigration, the indexes in use stay as they
// were until the migration's own transaction swaps them, and the new ones are written in key
// order with full pages: rewriting the blocks in place would leave their pages a third full.
var bucketPostingStaging = []byte("audit_v31")

// postingBuckets are the indexes of posting blocks.
var postingBuckets = [][]byte{bucketAuditActor, bucketAuditObject}

// varintPostingsInBatches rewrites the blocks into the staging indexes, auditBatch blocks a
// transaction: one transaction would grow the file by all of them. Run again, it goes on after
// the last block it wrote.
func varintPostingsInBatches(db *bolt.DB) error {
	return inBatches(db, func(tx *bolt.Tx) (bool, error) { return copyPostings(tx, auditBatch) })
}

// varintPostings finishes what varintPostingsInBatches left, which is nothing unless it was
// stopped, and puts the rewritten indexes in the place of the old ones.
func varintPostings(tx *bolt.Tx) error {
	if _, err := copyPostings(tx, math.MaxInt); err != nil {
		return err
	}
	return swapStaged(tx, bucketPostingStaging, postingBuckets...)
}

// copyPostings copies up to limit blocks of the block indexes into the staging ones in the
// varint form, after the last one copied, and reports whether none is left.
func copyPostings(tx *bolt.Tx, limit int) (bool, error) {
	staging, err := tx.CreateBucketIfNotExists(bucketPostingStaging)
	if err != nil {
		return false, fmt.Errorf("create bucket %s: %w", bucketPostingStaging, err)
	}
	n := 0
	for _, name := range postingBuckets {
		staged, err := staging.CreateBucketIfNotExists(name)
		if err != nil {
			return false, fmt.Errorf("create bucket %s/%s: %w", bucketPostingStaging, name, err)
		}
		staged.FillPercent = sealedFillPercent
		old := tx.Bucket(name)
		if old == nil {
			continue
		}
		c := old.Cursor()
		k, v := c.First()
		if last, _ := staged.Cursor().Last(); last != nil {
			if k, v = c.Seek(last); bytes.Equal(k, last) {
				k, v = c.Next()
			}
		}
		for ; k != nil; k, v = c.Next() {
			if n == limit {
				return false, nil
			}
			data, err := varintBlock(k, v)
			if err != nil {
				return false, err
			}
			if err := staged.Put(k, data); err != nil {
				return false, fmt.Errorf("copy audit block %q: %w", k, err)
			}
			n++
		}
	}
	return true, nil
}

// varintBlock is the value of a block in the varint form, from either form, so that blocks
// already in it (Append's and auditIndexMigration's since v31) are copied as they are. A value
// of v27 starts with its first position, the key's, whose first byte is 0 below 2^56 positions;
// a value in the varint form is empty or starts with a difference of at least 1, whose first
// byte is not 0.
func varintBlock(k, v []byte) ([]byte, error) {
	if len(v) == 0 || v[0] != 0 {
		return bytes.Clone(v), nil
	}
	if len(v)%8 != 0 || len(v) > 8*blockSize || !bytes.Equal(v[:8], k[len(k)-8:]) {
		return nil, fmt.Errorf("audit block %q: value %x is in neither form", k, v)
	}
	seqs := make([]uint64, 0, len(v)/8)
	for i := 0; i < len(v); i += 8 {
		seq := binary.BigEndian.Uint64(v[i:])
		if n := len(seqs); n > 0 && seq <= seqs[n-1] {
			return nil, fmt.Errorf("audit block %q: position %d after %d", k, seq, seqs[n-1])
		}
		seqs = append(seqs, seq)
	}
	return blockValue(seqs), nil
}
