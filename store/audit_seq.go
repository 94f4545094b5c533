package store

import bolt "go.etcd.io/bbolt"

// auditIDAtSeq returns the id of the audit event sealed at chain position seq, as the seq index
// maps it, and whether the index holds that position. It is the one reader of the index's keys
// outside Chain's walk, so that their form can change in one place.
func auditIDAtSeq(tx *bolt.Tx, seq uint64) (string, bool) {
	ix := auditTable.index("seq")
	id := mustBucket(tx, ix.bucket(auditTable.name)).Get(ix.key(seqKey(seq), ""))
	if id == nil {
		return "", false
	}
	return string(id), true
}
