package store

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// Index keys hold ids (a record's id after the last sep, and other records' ids in the values
// of indexes that declare them, index.idParts). A canonical UUID (36 characters) is stored in a
// packed form of 23 bytes: packedMark and its 128 bits in 22 digits of packAlphabet, whose
// characters sort in ASCII order as their digit values do. So packed ids sort as the UUIDs do,
// never hold sep, and a prefix scan over a value and the LastIndex(sep) parsing of a key work as
// before. A composite id of canonical UUIDs joined by '_' (an assignment role's,
// entitlement.AssignmentResourceRoleID) is stored as packedMark and the 22 digits of each UUID
// in turn: 67 bytes instead of 110 for three. The UUIDs having one length, the joined text
// sorts as the list of its UUIDs does, and so do the packed digits: single and composite ids
// keep their order among themselves under the one mark, and the length tells them apart. An
// id that is neither (external ids, and composites with another part) is stored as it is; the
// mark, which no printable id starts with, tells the two apart, and sorts every packed id
// before every other one: each list through an index stays in one consistent order.
const (
	packAlphabet = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
	packedMark   = '\x01'
	packedDigits = 22
	packedLen    = 1 + packedDigits
	uuidLen      = 36
	compositeSep = '_'
)

// packDigit maps a byte of packAlphabet to its digit value, and every other byte to -1.
var packDigit = func() (d [256]int8) {
	for i := range d {
		d[i] = -1
	}
	for i := 0; i < len(packAlphabet); i++ {
		d[packAlphabet[i]] = int8(i)
	}
	return d
}()

// hexValue maps a lowercase hex digit to its value, and every other byte to -1.
var hexValue = func() (d [256]int8) {
	for i := range d {
		d[i] = -1
	}
	for i, c := range "0123456789abcdef" {
		d[c] = int8(i)
	}
	return d
}()

// packID returns the stored form of an id in an index key: packed when it is a canonical
// (lowercase) UUID or canonical UUIDs joined by '_', unchanged otherwise.
func packID(id string) string {
	n := (len(id) + 1) / (uuidLen + 1) // UUIDs, if it is made of them
	if n == 0 || len(id) != n*(uuidLen+1)-1 {
		return id
	}
	var buf [1 + 3*packedDigits]byte // on the stack for up to three UUIDs
	out := append(buf[:0], packedMark)
	for i := 0; i < n; i++ {
		part := id[i*(uuidLen+1):]
		if i < n-1 && part[uuidLen] != compositeSep {
			return id
		}
		var ok bool
		if out, ok = appendPackedUUID(out, part[:uuidLen]); !ok {
			return id
		}
	}
	return string(out)
}

// appendPackedUUID appends the 22 digits of a canonical UUID to out; ok is false, and out
// unusable, when id is not one.
func appendPackedUUID(out []byte, id string) (_ []byte, ok bool) {
	if id[8] != '-' || id[13] != '-' || id[18] != '-' || id[23] != '-' {
		return out, false
	}
	var hi, lo uint64 // the UUID's 128 bits
	n := 0
	for i := 0; i < uuidLen; i++ {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			continue
		}
		v := hexValue[id[i]]
		if v < 0 {
			return out, false
		}
		if n < 16 {
			hi = hi<<4 | uint64(v)
		} else {
			lo = lo<<4 | uint64(v)
		}
		n++
	}
	// 22 digits of 6 bits hold 132 bits: the first digit carries the top 2 bits (its top 4 are
	// zero), so that the digits read most significant first.
	var digits [packedDigits]byte
	for i := packedDigits - 1; i >= 0; i-- {
		digits[i] = packAlphabet[lo&63]
		lo = lo>>6 | hi<<58
		hi >>= 6
	}
	return append(out, digits[:]...), true
}

// unpackID returns the id a stored form holds: the canonical UUID of a packed one, or the
// UUIDs joined by '_' of a packed composite one, anything else as it is.
func unpackID(s string) string {
	n := (len(s) - 1) / packedDigits
	if n == 0 || len(s) != 1+n*packedDigits || s[0] != packedMark {
		return s
	}
	var buf [3*(uuidLen+1) - 1]byte // on the stack for up to three UUIDs
	out := buf[:0]
	for i := 0; i < n; i++ {
		if i > 0 {
			out = append(out, compositeSep)
		}
		var ok bool
		if out, ok = appendUnpackedUUID(out, s[1+i*packedDigits:1+(i+1)*packedDigits]); !ok {
			return s
		}
	}
	return string(out)
}

// appendUnpackedUUID appends the canonical UUID of 22 packed digits to out; ok is false when
// they are not digits of a UUID.
func appendUnpackedUUID(out []byte, digits string) (_ []byte, ok bool) {
	var hi, lo uint64
	for i := 0; i < packedDigits; i++ {
		v := packDigit[digits[i]]
		if v < 0 || (i == 0 && v > 3) {
			return out, false
		}
		hi = hi<<6 | lo>>58
		lo = lo<<6 | uint64(v)
	}
	const hex = "0123456789abcdef"
	var id [uuidLen]byte
	n := 31 // hex digit index, least significant last
	for i := uuidLen - 1; i >= 0; i-- {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			id[i] = '-'
			continue
		}
		if n >= 16 {
			id[i] = hex[lo&15]
			lo >>= 4
		} else {
			id[i] = hex[hi&15]
			hi >>= 4
		}
		n--
	}
	return append(out, id[:]...), true
}

// idOfKey returns the record id at the end of a non-unique index key.
func idOfKey(k []byte) string {
	return unpackID(string(k[bytes.LastIndex(k, []byte(sep))+1:]))
}

// keyValue is the stored form of an index value: its id parts packed.
func (ix index[T]) keyValue(value string) string {
	if len(ix.idParts) == 0 {
		return value
	}
	if !strings.Contains(value, sep) {
		// One part, the id itself in most indexes: no split to make.
		if ix.idParts[0] == 0 {
			return packID(value)
		}
		return value
	}
	parts := strings.Split(value, sep)
	for _, i := range ix.idParts {
		if i < len(parts) {
			parts[i] = packID(parts[i])
		}
	}
	return strings.Join(parts, sep)
}

// valueOf is the index value that a stored form holds, keyValue undone.
func (ix index[T]) valueOf(stored string) string {
	if len(ix.idParts) == 0 {
		return stored
	}
	parts := strings.Split(stored, sep)
	for _, i := range ix.idParts {
		if i < len(parts) {
			parts[i] = unpackID(parts[i])
		}
	}
	return strings.Join(parts, sep)
}

// prefix starts every key of value in a non-unique index.
func (ix index[T]) prefix(value string) []byte { return []byte(ix.keyValue(value) + sep) }

// keyPackers returns, for each index of the table, the rewrite of its keys into their packed
// form (packIndexKeys), for the migration that packs them.
func (t *table[T]) keyPackers() []func(*bolt.Tx) error {
	out := make([]func(*bolt.Tx) error, len(t.indexes))
	for i, ix := range t.indexes {
		out[i] = func(tx *bolt.Tx) error { return t.packIndexKeys(tx, ix) }
	}
	return out
}

// keyPacker is the rewrite of one index's keys into their packed form (packIndexKeys), for a
// migration that packs ids of a new form.
func (t *table[T]) keyPacker(indexName string) func(*bolt.Tx) error {
	ix := t.index(indexName)
	return func(tx *bolt.Tx) error { return t.packIndexKeys(tx, ix) }
}

// packIndexKeys rewrites the keys of an index whose keys were stored with their ids as they
// are into the form key gives them now; values (a unique index's ids) stay as they are. The
// keys are read first, and an index whose keys are all in that form already is left alone, so
// that running it again is cheap. Otherwise the bucket is built anew in key order with full
// pages, as buildIndex does: putting the keys back one by one in place would leave most pages
// half empty and take minutes at scale.
func (t *table[T]) packIndexKeys(tx *bolt.Tx, ix index[T]) error {
	name := ix.bucket(t.name)
	type entry struct{ key, value []byte }
	var entries []entry
	changed := false
	err := mustBucket(tx, name).ForEach(func(k, v []byte) error {
		packed := ix.repackKey(k)
		changed = changed || !bytes.Equal(packed, k)
		entries = append(entries, entry{packed, bytes.Clone(v)})
		return nil
	})
	if err != nil || !changed {
		return err
	}
	sort.Slice(entries, func(i, j int) bool { return bytes.Compare(entries[i].key, entries[j].key) < 0 })
	if err := tx.DeleteBucket(name); err != nil {
		return fmt.Errorf("pack keys of %s: %w", name, err)
	}
	b, err := tx.CreateBucket(name)
	if err != nil {
		return fmt.Errorf("pack keys of %s: %w", name, err)
	}
	b.FillPercent = fillPercent
	for i, e := range entries {
		// Keys stored in both forms (a record put again by an earlier migration) are one now.
		if i > 0 && bytes.Equal(e.key, entries[i-1].key) {
			continue
		}
		if err := b.Put(e.key, e.value); err != nil {
			return fmt.Errorf("pack keys of %s: %w", name, err)
		}
	}
	return nil
}

// repackKey is the key of the index that k, in either form, stands for.
func (ix index[T]) repackKey(k []byte) []byte {
	if ix.unique {
		return ix.key(ix.valueOf(string(k)), "")
	}
	i := bytes.LastIndex(k, []byte(sep))
	if i < 0 {
		return k
	}
	return ix.key(ix.valueOf(string(k[:i])), unpackID(string(k[i+1:])))
}
