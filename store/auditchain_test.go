package store

import (
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	bolt "go.etcd.io/bbolt"
)

// chainOf appends n events through the store and returns them as sealed.
func chainOf(t *testing.T, s *Store, n int) []entitlement.AuditEvent {
	t.Helper()
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for i := range n {
		must(t, s.Update(ctx, func(tx entitlement.Tx) error {
			return tx.Audit().Append(entitlement.AuditEvent{ID: entitlement.NewID(), At: t0.Add(time.Duration(i) * time.Minute),
				ActorID: "actor", ActorName: "Ann Admin", Action: "catalog.update", ObjectType: "catalog", ObjectID: "cat", Summary: "renamed"})
		}))
	}
	var out []entitlement.AuditEvent
	must(t, s.View(ctx, func(tx entitlement.Tx) error {
		return tx.Audit().Chain(func(e entitlement.AuditEvent) error { out = append(out, e); return nil })
	}))
	return out
}

func verify(t *testing.T, s *Store) entitlement.ChainVerification {
	t.Helper()
	var v entitlement.ChainVerification
	must(t, s.View(ctx, func(tx entitlement.Tx) error {
		var err error
		v, err = entitlement.VerifyAuditChain(tx.Audit(), "")
		return err
	}))
	return v
}

// rawEvent reads an event as stored, and putRaw writes one back, past the log.
func rawEvent(t *testing.T, tx *bolt.Tx, id string) entitlement.AuditEvent {
	t.Helper()
	var e entitlement.AuditEvent
	must(t, auditTable.codec().decode(tx.Bucket([]byte("audit")).Get([]byte(id)), &e))
	return e
}

func putRaw(t *testing.T, tx *bolt.Tx, key string, e entitlement.AuditEvent) {
	t.Helper()
	data, err := json.Marshal(e)
	must(t, err)
	must(t, tx.Bucket([]byte("audit")).Put([]byte(key), data))
}

// TestVerifyFindsTampering edits a copy of a store behind the log's back, the way someone with
// the file and a bbolt tool could, and checks that the verification names the first event hit.
func TestVerifyFindsTampering(t *testing.T) {
	s := newTestStore(t)
	ev := chainOf(t, s, 5)
	seqBucket := []byte("audit_by_seq")
	cases := []struct {
		name    string
		edit    func(t *testing.T, tx *bolt.Tx)
		problem string
		pos     uint64
		eventID string
		before  bool // the detail names the event before the one named
	}{
		{"untouched", func(*testing.T, *bolt.Tx) {}, "", 0, "", false},
		{"a summary rewritten", func(t *testing.T, tx *bolt.Tx) {
			e := rawEvent(t, tx, ev[2].ID)
			e.Summary = "nothing to see"
			putRaw(t, tx, e.ID, e)
		}, entitlement.ChainAltered, 3, ev[2].ID, false},
		{"the first event's summary rewritten", func(t *testing.T, tx *bolt.Tx) {
			e := rawEvent(t, tx, ev[0].ID)
			e.Summary = "nothing to see"
			putRaw(t, tx, e.ID, e)
		}, entitlement.ChainAltered, 1, ev[0].ID, false},
		// The store keeps no PrevHash (v28), so the event after one sealed again is the first
		// whose hash fails: the verification names it, and the one before in its detail.
		{"a time moved, and the event's hash made again to match", func(t *testing.T, tx *bolt.Tx) {
			e := rawEvent(t, tx, ev[2].ID)
			e.At = e.At.Add(-time.Hour)
			e.PrevHash = ev[1].Hash
			e.Hash = e.ChainHash()
			putRaw(t, tx, e.ID, e)
		}, entitlement.ChainAltered, 4, ev[3].ID, true},
		{"the newest event altered and sealed again", func(t *testing.T, tx *bolt.Tx) {
			e := rawEvent(t, tx, ev[4].ID)
			e.Summary = "nothing to see"
			e.PrevHash = ev[3].Hash
			e.Hash = e.ChainHash()
			putRaw(t, tx, e.ID, e)
		}, entitlement.ChainAltered, 5, ev[4].ID, false},
		{"a stored prevHash forged", func(t *testing.T, tx *bolt.Tx) {
			e := rawEvent(t, tx, ev[2].ID)
			e.PrevHash = ev[0].Hash
			putRaw(t, tx, e.ID, e)
		}, "", 0, "", false},
		{"the first event deleted with its index keys", func(t *testing.T, tx *bolt.Tx) {
			must(t, auditTable.delete(tx, ev[0].ID))
			must(t, tx.Bucket(seqBucket).Delete(seqBytes(1)))
		}, entitlement.ChainRemoved, 1, ev[1].ID, false},
		// Sealed again as the first, the second event checks out: the gap it leaves at its
		// own position is the break.
		{"the first event deleted, the second sealed again as the first", func(t *testing.T, tx *bolt.Tx) {
			must(t, auditTable.delete(tx, ev[0].ID))
			e := rawEvent(t, tx, ev[1].ID)
			e.Seq, e.PrevHash = 1, ""
			e.Hash = e.ChainHash()
			putRaw(t, tx, e.ID, e)
			must(t, tx.Bucket(seqBucket).Delete(seqBytes(2)))
			must(t, tx.Bucket(seqBucket).Put(seqBytes(1), []byte(packID(e.ID))))
		}, entitlement.ChainRemoved, 2, ev[2].ID, false},
		{"an event deleted with its index keys", func(t *testing.T, tx *bolt.Tx) {
			must(t, auditTable.delete(tx, ev[2].ID))
			must(t, tx.Bucket(seqBucket).Delete(seqBytes(3)))
		}, entitlement.ChainRemoved, 3, ev[3].ID, false},
		{"an event's record deleted, its position left", func(t *testing.T, tx *bolt.Tx) {
			must(t, tx.Bucket([]byte("audit")).Delete([]byte(ev[2].ID)))
		}, entitlement.ChainRemoved, 3, ev[3].ID, false},
		{"the newest event deleted", func(t *testing.T, tx *bolt.Tx) {
			must(t, auditTable.delete(tx, ev[4].ID))
		}, entitlement.ChainRemoved, 5, "", false},
		{"two positions swapped", func(t *testing.T, tx *bolt.Tx) {
			b := tx.Bucket(seqBucket)
			must(t, b.Put(seqBytes(3), []byte(packID(ev[3].ID))))
			must(t, b.Put(seqBytes(4), []byte(packID(ev[2].ID))))
		}, entitlement.ChainReordered, 3, ev[3].ID, false},
		{"two records swapped under their keys", func(t *testing.T, tx *bolt.Tx) {
			a, b := rawEvent(t, tx, ev[1].ID), rawEvent(t, tx, ev[3].ID)
			putRaw(t, tx, ev[1].ID, b)
			putRaw(t, tx, ev[3].ID, a)
		}, entitlement.ChainReordered, 2, ev[3].ID, false},
		{"an event slipped in unsealed", func(t *testing.T, tx *bolt.Tx) {
			e := rawEvent(t, tx, ev[0].ID)
			e.ID, e.Seq, e.PrevHash, e.Hash = entitlement.NewID(), 0, "", ""
			putRaw(t, tx, e.ID, e)
		}, entitlement.ChainInserted, 5, "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "copy.db")
			f, err := os.Create(path)
			must(t, err)
			_, err = s.Backup(f)
			must(t, err)
			must(t, f.Close())
			cp, err := Open(path)
			must(t, err)
			defer cp.Close()
			must(t, cp.db.Update(func(tx *bolt.Tx) error { tc.edit(t, tx); return nil }))
			v := verify(t, cp)
			if tc.problem == "" {
				if !v.Intact || v.Count != 5 || v.HeadHash != ev[4].Hash {
					t.Fatalf("untouched chain: %+v", v)
				}
				return
			}
			if v.Intact || v.Problem != tc.problem || v.Position != tc.pos || v.EventID != tc.eventID || v.Detail == "" {
				t.Fatalf("verification = %+v, want %s at %d naming %q", v, tc.problem, tc.pos, tc.eventID)
			}
			if tc.before && !strings.Contains(v.Detail, ev[tc.pos-2].ID) {
				t.Errorf("detail %q does not name the event before, %s", v.Detail, ev[tc.pos-2].ID)
			}
		})
	}
}

// Schema 6 kept audit events unsealed; migration 9 seals them in id order and records the head.
func TestMigration9SealsTheAuditLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	s, err := Open(path)
	must(t, err)
	old := make([]entitlement.AuditEvent, 3)
	for i := range old {
		old[i] = entitlement.AuditEvent{ID: entitlement.NewID(), At: time.Date(2025, 1, 1, 0, i, 0, 0, time.UTC), Action: "user.create", Summary: "old"}
	}
	// Write the log as schema 6 did: records and the actor and object indexes, no chain.
	s = migrateFrom(t, s, 6, 9, func(tx *bolt.Tx) error {
		for _, e := range []entitlement.AuditEvent{old[2], old[0], old[1]} {
			putRaw(t, tx, e.ID, e)
		}
		if err := tx.DeleteBucket([]byte("audit_by_seq")); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Delete(keyAuditHead)
	})
	var chain []string
	must(t, s.View(ctx, func(tx entitlement.Tx) error {
		return tx.Audit().Chain(func(e entitlement.AuditEvent) error { chain = append(chain, e.ID); return nil })
	}))
	for i, e := range old {
		if i >= len(chain) || chain[i] != e.ID {
			t.Fatalf("chain after migration = %v, want the ids in order %v", chain, []string{old[0].ID, old[1].ID, old[2].ID})
		}
	}
	v := verify(t, s)
	if !v.Intact || v.Count != 3 {
		t.Fatalf("verification after migration = %+v", v)
	}
	// New events go on from the migrated head.
	must(t, s.Update(ctx, func(tx entitlement.Tx) error {
		return tx.Audit().Append(entitlement.AuditEvent{ID: entitlement.NewID(), Action: "user.update"})
	}))
	if v := verify(t, s); !v.Intact || v.Count != 4 {
		t.Fatalf("verification after an append = %+v", v)
	}
}

// TestOpenReadOnly: a running portal's file is refused as locked, an older schema is refused
// rather than migrated, and a current file reads.
func TestOpenReadOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	s, err := Open(path)
	must(t, err)
	if _, err := OpenReadOnly(path); !errors.Is(err, ErrLocked) {
		t.Fatalf("open while in use: %v", err)
	}
	must(t, s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keySchemaVersion, []byte("6")) }))
	must(t, s.Close())
	if _, err := OpenReadOnly(path); err == nil || !strings.Contains(err.Error(), "start Steward once") {
		t.Fatalf("open an older schema: %v", err)
	}
	s, err = Open(path)
	must(t, err)
	must(t, s.Close())
	ro, err := OpenReadOnly(path)
	must(t, err)
	defer ro.Close()
	if v := verify(t, ro); !v.Intact {
		t.Fatalf("verification of a read-only store: %+v", v)
	}
	if _, err := OpenReadOnly(filepath.Join(t.TempDir(), "none.db")); err == nil {
		t.Fatal("a missing file opened")
	}
}

// Up to schema 27 an event stored its PrevHash; migration 28 rewrites the log without it, and
// an event that still stores it, as before the migration or where its preparation stopped,
// reads the same.
func TestMigration28StoresAuditEventsWithoutPrevHash(t *testing.T) {
	s := newTestStore(t)
	ev := chainOf(t, s, 7)
	// Store the log as schema 27 did, packed but for one event kept as plain JSON.
	must(t, s.db.Update(func(tx *bolt.Tx) error {
		for i, e := range ev {
			data, err := auditTable.codec().encode(e)
			if i == 3 {
				data, err = json.Marshal(e)
			}
			must(t, err)
			must(t, tx.Bucket([]byte("audit")).Put([]byte(e.ID), data))
		}
		return nil
	}))
	reads := func(when string) {
		t.Helper()
		var chain []entitlement.AuditEvent
		var page entitlement.Page[entitlement.AuditEvent]
		must(t, s.View(ctx, func(tx entitlement.Tx) error {
			if err := tx.Audit().Chain(func(e entitlement.AuditEvent) error { chain = append(chain, e); return nil }); err != nil {
				return err
			}
			var err error
			page, err = tx.Audit().List(entitlement.AuditFilter{}, entitlement.ListOptions{Limit: 3})
			return err
		}))
		for i, e := range ev {
			if i >= len(chain) || chain[i] != e {
				t.Fatalf("%s: chain = %+v, want %+v", when, chain, ev)
			}
			if j := len(ev) - 1 - i; j < len(page.Items) && page.Items[j] != e {
				t.Fatalf("%s: listed %+v, want %+v", when, page.Items[j], e)
			}
		}
		if v := verify(t, s); !v.Intact || v.Count != uint64(len(ev)) {
			t.Fatalf("%s: verification = %+v", when, v)
		}
	}
	reads("stored with PrevHash")
	var after []byte
	must(t, s.db.Update(func(tx *bolt.Tx) error {
		var err error
		after, err = dropPrevHashes(tx, nil, 2)
		return err
	}))
	if after == nil {
		t.Fatal("a batch of 2 of 7 events ended the log")
	}
	reads("stopped after a batch")

	s = migrateFrom(t, s, 26, dropPrevHashesMigration, func(*bolt.Tx) error { return nil })
	stored := func() map[string]string {
		out := map[string]string{}
		must(t, s.db.View(func(tx *bolt.Tx) error {
			return tx.Bucket([]byte("audit")).ForEach(func(k, v []byte) error { out[string(k)] = string(v); return nil })
		}))
		return out
	}
	before := stored()
	for _, e := range ev {
		raw := before[e.ID]
		var got entitlement.AuditEvent
		must(t, auditTable.codec().decode([]byte(raw), &got))
		if raw[0] != packedV1 || got.PrevHash != "" || got.Hash != e.Hash {
			t.Fatalf("event %d stored as %+v (form %#x), want packed without its PrevHash", e.Seq, got, raw[0])
		}
	}
	reads("migrated")

	// Run again, the preparation and the migration leave the log as it is.
	must(t, preparations[dropPrevHashesMigration](s.db))
	must(t, s.db.Update(packRecords([]repacker{dropPrevHashes})))
	if again := stored(); !maps.Equal(again, before) {
		t.Fatal("migration 28 run again rewrote the log")
	}
	ev = append(ev, chainOf(t, s, 1)[len(ev)])
	reads("after an append")
}
