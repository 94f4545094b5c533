package store

import (
	"bytes"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// The audit log's indexes are kept by auditLog.Append, not by the table code: an event is only
// ever appended, so each index is written where it ends.
var (
	// bucketAuditSeq maps the chain position, 8 bytes big-endian, to the event's id as index
	// keys hold it (packID): 31 bytes a position instead of 56 (v27).
	bucketAuditSeq = []byte("audit_by_seq")
	// bucketAuditActor and bucketAuditObject hold posting blocks (audit_blocks.go).
	bucketAuditActor  = []byte("audit_by_actor")
	bucketAuditObject = []byte("audit_by_object")
)

// seqBytes is the 8-byte big-endian form of a chain position, which sorts in chain order.
func seqBytes(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

// auditIDAtSeq returns the id of the event sealed at a chain position, if the position is held.
func auditIDAtSeq(tx *bolt.Tx, seq uint64) (string, bool) { return newSeqReader(tx).id(seq) }

// seqReader reads positions of the seq index through one cursor, for a page of many: a Get
// opens the bucket and a cursor each time, which in a read-only transaction allocates anew.
type seqReader struct{ c *bolt.Cursor }

func newSeqReader(tx *bolt.Tx) seqReader { return seqReader{mustBucket(tx, bucketAuditSeq).Cursor()} }

// id is auditIDAtSeq.
func (r seqReader) id(seq uint64) (string, bool) {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], seq)
	got, v := r.c.Seek(k[:])
	if !bytes.Equal(got, k[:]) {
		return "", false
	}
	return unpackID(string(v)), true
}

// auditSeqs calls fn with every held chain position and its event's id, in chain order.
func auditSeqs(tx *bolt.Tx, fn func(seq uint64, id string) error) error {
	c := mustBucket(tx, bucketAuditSeq).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if len(k) != 8 {
			return fmt.Errorf("audit position %q: not 8 bytes", k)
		}
		if err := fn(binary.BigEndian.Uint64(k), unpackID(string(v))); err != nil {
			return err
		}
	}
	return nil
}

// putAuditSeq records the event sealed at a position.
func putAuditSeq(tx *bolt.Tx, seq uint64, id string) error {
	if err := mustBucket(tx, bucketAuditSeq).Put(seqBytes(seq), []byte(packID(id))); err != nil {
		return fmt.Errorf("index audit event %q at %d: %w", id, seq, err)
	}
	return nil
}
