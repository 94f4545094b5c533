package store

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/stewardhq/steward/entitlement"
	bolt "go.etcd.io/bbolt"
)

// sep separates the parts of a composite index key. It sorts before every printable byte, so
// "a\x00…" keys of one value stay together and before "ab\x00…".
const sep = "\x00"

// index is a secondary index of a table: a bucket of keys derived from each record. A unique
// index maps value → id; a non-unique one holds value + sep + id → nothing, so a prefix scan
// lists the ids for a value in id (creation) order.
type index[T any] struct {
	name   string
	unique bool
	values func(T) []string
	// ordered tells that new keys mostly come after the existing ones, or after those of one of
	// a few prefixes: they start with a time, a sequence number, a new record's id (the object of
	// an audit event) or one of a few values (a task's state, a resource). Then a page left
	// nearly full on a split is rarely written again, and the others split in half (mustBucket).
	ordered bool
	// counted keeps, for a non-unique index, how many keys each value has, in a bucket of its
	// own (countBucket), so that counting a value's records reads one key instead of walking
	// them all. put and delete move the counts with the keys; countIndex sets them from the keys.
	counted bool
	// total keeps, for a non-unique index, the number of all its keys in the meta bucket
	// (totalKey), so that the total of a list over the whole index (the people in name order)
	// reads one key instead of counting a large index's keys. put and delete move it with the
	// keys; countTotal sets it from the keys.
	total bool
	// grouped tells that new keys come after the others of their value, and that a value holds
	// a few pages of keys (an approver's requests, a package's). Split in half, a page keeps its
	// left half for good; left full, it is split again by the next key of the value it ends
	// with. Such indexes split their pages at groupedFillPercent, which left them fullest
	// (requests_by_asked 49% full, against 39% at half and 44% at 90%; bench stats, scale 0.02).
	grouped bool
	// appended tells that every new key comes after all the others and none is removed (the
	// audit chain's sequence numbers): a page split leaves it full (sealedFillPercent).
	appended bool
	// idParts lists which of a value's sep-separated parts are ids of other records, which the
	// keys hold packed (keys.go). Only whole ids are listed: never text that a prefix is
	// searched on, whose packed form would not start with the typed prefix. In increasing order.
	idParts []int
}

func (ix index[T]) bucket(table string) []byte { return []byte(table + "_by_" + ix.name) }

// countBucket holds "<value> → decimal" for a counted index; a value with no key has no count.
func (ix index[T]) countBucket(table string) []byte {
	return []byte(table + "_by_" + ix.name + "_count")
}

// totalKey names the meta key of a total index's key count: "<table>_by_<index>_total".
func (ix index[T]) totalKey(table string) []byte {
	return []byte(table + "_by_" + ix.name + "_total")
}

// table stores records of one entity as JSON under their id, with its indexes.
type table[T any] struct {
	name    string
	what    string // for messages: "user", "access package"
	id      func(T) string
	indexes []index[T]
	// order, when set, names the non-unique index that List walks (e.g. by name); otherwise
	// List walks the records in id order.
	order string
	// version, when set, points at the record's Version: a record stored before versions
	// existed has none and reads as version 1.
	version func(*T) *int64
	// configuration marks the tables of what may be requested (catalogs, resources, packages,
	// policies): every write to them moves the configuration version on (Tx.ConfigVersion).
	configuration bool
	// counted keeps the number of records in the meta bucket (<name>_count), so that the total
	// of the whole table's list is read instead of counted by a walk over every record.
	counted bool
	// records, when set, is how the records are encoded; plain JSON otherwise.
	records *codec
	// fixedIndexes marks a table whose index values come from fields a record keeps for life
	// (its id says so): put then rewrites its index keys without reading the old version back,
	// which for a large record (a role with many assignments) is most of the write.
	fixedIndexes bool
	// sealed marks a table whose records are written once, in about the order of their ids, and
	// never changed (audit events): a page split leaves it full (sealedFillPercent), where 90%
	// left a tenth of the largest table's pages empty for updates that never come.
	sealed bool
	// scattered marks a table whose ids do not grow with time, so that new records land
	// anywhere among the others (assignment roles, keyed by subject first): a page split leaves
	// it half full (scatteredFillPercent), where 90% left its pages half empty, each page split
	// again by the next key written into it.
	scattered bool
}

func (t *table[T]) codec() *codec {
	if t.records == nil {
		return plainJSON
	}
	return t.records
}

// fills gives the fill percent of the buckets that split otherwise than most (see mustBucket).
func (t *table[T]) fills() map[string]float64 {
	out := map[string]float64{}
	switch {
	case t.sealed:
		out[t.name] = sealedFillPercent
	case t.scattered:
		out[t.name] = scatteredFillPercent
	}
	for _, ix := range t.indexes {
		switch {
		case ix.appended:
			out[string(ix.bucket(t.name))] = sealedFillPercent
		case ix.grouped:
			out[string(ix.bucket(t.name))] = groupedFillPercent
		case !ix.ordered:
			out[string(ix.bucket(t.name))] = scatteredFillPercent
		}
	}
	return out
}

func (t *table[T]) buckets() [][]byte {
	out := [][]byte{[]byte(t.name)}
	for _, ix := range t.indexes {
		out = append(out, ix.bucket(t.name))
	}
	return out
}

func (t *table[T]) index(name string) index[T] {
	for _, ix := range t.indexes {
		if ix.name == name {
			return ix
		}
	}
	panic(fmt.Sprintf("store: table %s has no index %s", t.name, name))
}

func mustBucket(tx *bolt.Tx, name []byte) *bolt.Bucket {
	b := tx.Bucket(name)
	if b == nil {
		// Buckets are created by the migrations at Open; a missing one is a programming error.
		panic(fmt.Sprintf("store: bucket %s missing", name))
	}
	if tx.Writable() {
		// Keys are mostly appended (ids are UUIDv7, some index keys start with a time): with
		// bbolt's default of half-full pages on a split, every page but the last stays half
		// empty and the file doubles. In the buckets whose keys land anywhere (an index by
		// another record's id), a page left nearly full would split again at the next key
		// written into it, each time leaving a nearly empty page behind (such indexes were a
		// third full at scale): their pages split in half. Indexes whose keys are appended to
		// the keys of their value, each value a few pages of them, lie in between (grouped).
		b.FillPercent = fillPercent
		if f, ok := bucketFills()[string(name)]; ok {
			b.FillPercent = f
		}
	}
	return b
}

// fillPercent is how full a page is left when it splits, in buckets whose keys are appended;
// scatteredFillPercent in tables and indexes whose keys are not, groupedFillPercent in grouped ones,
// sealedFillPercent in those that are only ever appended to (mustBucket).
const (
	fillPercent          = 0.9
	scatteredFillPercent = 0.5
	groupedFillPercent   = 0.7
	sealedFillPercent    = 1.0
)

func (t *table[T]) get(tx *bolt.Tx, id string) (T, error) {
	data := mustBucket(tx, []byte(t.name)).Get([]byte(id))
	if data == nil {
		var v T
		return v, fmt.Errorf("%s %q: %w", t.what, id, entitlement.ErrNotFound)
	}
	return t.decode(id, data)
}

// decode reads a record as stored under id.
func (t *table[T]) decode(id string, data []byte) (T, error) {
	var v T
	if err := t.codec().decode(data, &v); err != nil {
		return v, fmt.Errorf("decode %s %q: %w", t.what, id, err)
	}
	if t.version != nil {
		if n := t.version(&v); *n == 0 {
			*n = 1
		}
	}
	return v, nil
}

func (t *table[T]) exists(tx *bolt.Tx, id string) bool {
	return mustBucket(tx, []byte(t.name)).Get([]byte(id)) != nil
}

// put writes the record and brings every index in step with it: keys of the old version that
// the new one no longer has are removed, a unique value held by another record is a conflict.
func (t *table[T]) put(tx *bolt.Tx, v T) error {
	id := t.id(v)
	if id == "" {
		return fmt.Errorf("put %s: empty id", t.what)
	}
	data := mustBucket(tx, []byte(t.name)).Get([]byte(id))
	switch {
	case data == nil:
		return t.write(tx, v, nil, false)
	case t.fixedIndexes:
		return t.write(tx, v, nil, true)
	}
	old, err := t.decode(id, data)
	if err != nil {
		// An unreadable record is overwritten as if it were not there.
		return t.write(tx, v, nil, false)
	}
	return t.write(tx, v, &old, true)
}

// replace is put given the version stored now, which the caller read in this transaction, so
// that the indexes are brought in step from it instead of from a second read and decode.
func (t *table[T]) replace(tx *bolt.Tx, old, v T) error {
	id := t.id(v)
	if id == "" {
		return fmt.Errorf("put %s: empty id", t.what)
	}
	if t.id(old) != id {
		return fmt.Errorf("put %s %q: replaces %q", t.what, id, t.id(old))
	}
	if !t.exists(tx, id) {
		return t.write(tx, v, nil, false)
	}
	return t.write(tx, v, &old, true)
}

// write stores v under its id. old is the version stored now when the caller knows it; without
// it (and with hadOld, a record stored already) no index key is removed, which is right only
// for a table with fixed indexes.
func (t *table[T]) write(tx *bolt.Tx, v T, old *T, hadOld bool) error {
	id := t.id(v)
	for _, ix := range t.indexes {
		b := mustBucket(tx, ix.bucket(t.name))
		newVals := ix.values(v)
		if old != nil {
			for _, ov := range ix.values(*old) {
				if containsString(newVals, ov) {
					continue
				}
				if err := t.removeKey(tx, b, ix, ov, id); err != nil {
					return fmt.Errorf("put %s %q: index %s: %w", t.what, id, ix.name, err)
				}
			}
		}
		for _, nv := range newVals {
			if ix.unique {
				if cur := b.Get(ix.key(nv, id)); cur != nil && string(cur) != id {
					return fmt.Errorf("put %s %q: %s %q is taken: %w", t.what, id, ix.name, nv, entitlement.ErrConflict)
				}
				if err := b.Put(ix.key(nv, id), []byte(id)); err != nil {
					return fmt.Errorf("put %s %q: index %s: %w", t.what, id, ix.name, err)
				}
				continue
			}
			if err := t.addKey(tx, b, ix, nv, id); err != nil {
				return fmt.Errorf("put %s %q: index %s: %w", t.what, id, ix.name, err)
			}
		}
	}
	data, err := t.codec().encode(v)
	if err != nil {
		return fmt.Errorf("encode %s %q: %w", t.what, id, err)
	}
	if err := mustBucket(tx, []byte(t.name)).Put([]byte(id), data); err != nil {
		return fmt.Errorf("put %s %q: %w", t.what, id, err)
	}
	if !hadOld {
		if err := t.addToCount(tx, 1); err != nil {
			return err
		}
	}
	return t.changed(tx)
}

func (t *table[T]) countKey() []byte { return []byte(t.name + "_count") }

// addToCount moves the kept number of records by n, for a counted table.
func (t *table[T]) addToCount(tx *bolt.Tx, n int) error {
	if !t.counted {
		return nil
	}
	have, err := t.stored(tx)
	if err != nil {
		return err
	}
	if err := mustBucket(tx, bucketMeta).Put(t.countKey(), []byte(strconv.Itoa(have+n))); err != nil {
		return fmt.Errorf("count %s: %w", t.what, err)
	}
	return nil
}

// stored is the number of records of a counted table, as kept in the meta bucket.
func (t *table[T]) stored(tx *bolt.Tx) (int, error) {
	raw := mustBucket(tx, bucketMeta).Get(t.countKey())
	if raw == nil {
		return 0, fmt.Errorf("count of %s: missing in %s", t.what, bucketMeta)
	}
	n, err := strconv.Atoi(string(raw))
	if err != nil {
		return 0, fmt.Errorf("count of %s %q: %w", t.what, raw, err)
	}
	return n, nil
}

// recount sets the kept number of records of a counted table from the records themselves.
func (t *table[T]) recount(tx *bolt.Tx) error {
	n := mustBucket(tx, []byte(t.name)).Stats().KeyN
	if err := mustBucket(tx, bucketMeta).Put(t.countKey(), []byte(strconv.Itoa(n))); err != nil {
		return fmt.Errorf("count %s: %w", t.what, err)
	}
	return nil
}

// changed moves the configuration version on after a write to a configuration table.
func (t *table[T]) changed(tx *bolt.Tx) error {
	if !t.configuration {
		return nil
	}
	v, err := configVersion(tx)
	if err != nil {
		return err
	}
	return mustBucket(tx, bucketMeta).Put(keyConfigVersion, []byte(strconv.FormatUint(v+1, 10)))
}

// configVersion reads the configuration version; a file that never had one is at 0.
func configVersion(tx *bolt.Tx) (uint64, error) {
	raw := mustBucket(tx, bucketMeta).Get(keyConfigVersion)
	if raw == nil {
		return 0, nil
	}
	v, err := strconv.ParseUint(string(raw), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("configuration version %q: %w", raw, err)
	}
	return v, nil
}

func (t *table[T]) delete(tx *bolt.Tx, id string) error {
	old, err := t.get(tx, id)
	if err != nil {
		return err
	}
	for _, ix := range t.indexes {
		b := mustBucket(tx, ix.bucket(t.name))
		for _, ov := range ix.values(old) {
			if err := t.removeKey(tx, b, ix, ov, id); err != nil {
				return fmt.Errorf("delete %s %q: index %s: %w", t.what, id, ix.name, err)
			}
		}
	}
	if err := mustBucket(tx, []byte(t.name)).Delete([]byte(id)); err != nil {
		return err
	}
	if err := t.addToCount(tx, -1); err != nil {
		return err
	}
	return t.changed(tx)
}

// addKey puts the key of value and id into the index bucket b; a counted index counts it when
// it is new, so that the count is always the number of keys.
func (t *table[T]) addKey(tx *bolt.Tx, b *bolt.Bucket, ix index[T], value, id string) error {
	k := ix.key(value, id)
	if (ix.counted || ix.total) && !hasKey(b, k) {
		if err := t.addToIndexCounts(tx, ix, value, 1); err != nil {
			return err
		}
	}
	return b.Put(k, nil)
}

// removeKey takes the key of value and id out of the index bucket b, and out of its count.
func (t *table[T]) removeKey(tx *bolt.Tx, b *bolt.Bucket, ix index[T], value, id string) error {
	k := ix.key(value, id)
	if (ix.counted || ix.total) && hasKey(b, k) {
		if err := t.addToIndexCounts(tx, ix, value, -1); err != nil {
			return err
		}
	}
	return b.Delete(k)
}

// addToIndexCounts moves what ix keeps of its keys by n for a key of value: the value's count
// for a counted index, the whole index's total for a total one.
func (t *table[T]) addToIndexCounts(tx *bolt.Tx, ix index[T], value string, n int) error {
	if ix.counted {
		if err := t.addToIndexCount(tx, ix, value, n); err != nil {
			return err
		}
	}
	if !ix.total {
		return nil
	}
	have, err := t.totalOf(tx, ix)
	if err != nil {
		return err
	}
	if err := mustBucket(tx, bucketMeta).Put(ix.totalKey(t.name), []byte(strconv.Itoa(have+n))); err != nil {
		return fmt.Errorf("count %s by %s: %w", t.what, ix.name, err)
	}
	return nil
}

// totalOf is the number of keys of a total index, as kept in the meta bucket.
func (t *table[T]) totalOf(tx *bolt.Tx, ix index[T]) (int, error) {
	raw := mustBucket(tx, bucketMeta).Get(ix.totalKey(t.name))
	if raw == nil {
		return 0, fmt.Errorf("count of %s by %s: missing in %s", t.what, ix.name, bucketMeta)
	}
	n, err := strconv.Atoi(string(raw))
	if err != nil {
		return 0, fmt.Errorf("count of %s by %s %q: %w", t.what, ix.name, raw, err)
	}
	return n, nil
}

// countTotal sets the totals of total indexes from their keys, for the migration that keeps
// them and for rebuilt indexes: each then equals what a walk over the keys finds.
func (t *table[T]) countTotal(tx *bolt.Tx, indexNames ...string) error {
	for _, name := range indexNames {
		ix := t.index(name)
		if !ix.total || ix.unique {
			return fmt.Errorf("count %s by %s: not a total index", t.what, name)
		}
		n := 0
		c := mustBucket(tx, ix.bucket(t.name)).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			n++
		}
		if err := mustBucket(tx, bucketMeta).Put(ix.totalKey(t.name), []byte(strconv.Itoa(n))); err != nil {
			return fmt.Errorf("count %s by %s: %w", t.what, name, err)
		}
	}
	return nil
}

// hasKey reports whether b holds k. Get cannot tell: an index key's value is empty, and a key put
// earlier in the same transaction reads as nil, like a missing one.
func hasKey(b *bolt.Bucket, k []byte) bool {
	found, _ := b.Cursor().Seek(k)
	return bytes.Equal(found, k)
}

// addToIndexCount moves the count of value in a counted index by n; a count that reaches zero
// is removed, so the bucket holds only values that have records.
func (t *table[T]) addToIndexCount(tx *bolt.Tx, ix index[T], value string, n int) error {
	have, err := t.countOf(tx, ix.name, value)
	if err != nil {
		return err
	}
	b := mustBucket(tx, ix.countBucket(t.name))
	if have+n <= 0 {
		return b.Delete([]byte(value))
	}
	return b.Put([]byte(value), []byte(strconv.Itoa(have+n)))
}

// countOf is how many records a counted index holds for value, read from its count.
func (t *table[T]) countOf(tx *bolt.Tx, indexName, value string) (int, error) {
	ix := t.index(indexName)
	raw := mustBucket(tx, ix.countBucket(t.name)).Get([]byte(value))
	if raw == nil {
		return 0, nil
	}
	n, err := strconv.Atoi(string(raw))
	if err != nil {
		return 0, fmt.Errorf("count of %s by %s %q: %w", t.what, ix.name, value, err)
	}
	return n, nil
}

// countIndex sets the counts of counted indexes from their keys, for the migration that counts
// them: the counts then equal what a walk over the keys finds, which is what they replace.
func (t *table[T]) countIndex(tx *bolt.Tx, indexNames ...string) error {
	for _, name := range indexNames {
		ix := t.index(name)
		if !ix.counted || ix.unique {
			return fmt.Errorf("count %s by %s: not a counted index", t.what, name)
		}
		cb := ix.countBucket(t.name)
		if tx.Bucket(cb) != nil {
			if err := tx.DeleteBucket(cb); err != nil {
				return fmt.Errorf("count %s by %s: %w", t.what, name, err)
			}
		}
		counts, err := tx.CreateBucket(cb)
		if err != nil {
			return fmt.Errorf("count %s by %s: %w", t.what, name, err)
		}
		// The keys come in value order, so each value's count is written once, in key order.
		value, n := "", 0
		flush := func() error {
			if n == 0 {
				return nil
			}
			return counts.Put([]byte(value), []byte(strconv.Itoa(n)))
		}
		err = mustBucket(tx, ix.bucket(t.name)).ForEach(func(k, _ []byte) error {
			v := ix.valueOf(string(k[:bytes.LastIndex(k, []byte(sep))]))
			if v != value {
				if err := flush(); err != nil {
					return err
				}
				value, n = v, 0
			}
			n++
			return nil
		})
		if err == nil {
			err = flush()
		}
		if err != nil {
			return fmt.Errorf("count %s by %s: %w", t.what, name, err)
		}
	}
	return nil
}

// key is the key of value and id in the index: the value alone in a unique index, which maps
// it to the id.
func (ix index[T]) key(value, id string) []byte {
	if ix.unique {
		return []byte(ix.keyValue(value))
	}
	return []byte(ix.keyValue(value) + sep + packID(id))
}

// lookup returns the record a unique index maps value to.
func (t *table[T]) lookup(tx *bolt.Tx, indexName, value string) (T, error) {
	id, err := t.lookupID(tx, indexName, value)
	if err != nil {
		var zero T
		return zero, err
	}
	return t.get(tx, id)
}

// lookupID returns the id a unique index maps value to.
func (t *table[T]) lookupID(tx *bolt.Tx, indexName, value string) (string, error) {
	ix := t.index(indexName)
	id := mustBucket(tx, ix.bucket(t.name)).Get(ix.key(value, ""))
	if id == nil {
		return "", fmt.Errorf("%s with %s %q: %w", t.what, indexName, value, entitlement.ErrNotFound)
	}
	return string(id), nil
}

// ids returns the ids a non-unique index holds for value, in key order.
func (t *table[T]) ids(tx *bolt.Tx, indexName, value string) []string {
	ix := t.index(indexName)
	prefix := ix.prefix(value)
	var out []string
	c := mustBucket(tx, ix.bucket(t.name)).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		out = append(out, unpackID(string(k[len(prefix):])))
	}
	return out
}

// firstIDs returns the ids of the first limit records in List's order (the order index, or the
// ids themselves), reading keys only.
func (t *table[T]) firstIDs(tx *bolt.Tx, limit int) []string {
	s := t.wholeList(nil)
	var out []string
	c := mustBucket(tx, s.bucket).Cursor()
	for k, _ := c.First(); k != nil && len(out) < limit; k, _ = c.Next() {
		out = append(out, s.idOf(k))
	}
	return out
}

// count counts the keys a non-unique index holds for value, without decoding any record.
func (t *table[T]) count(tx *bolt.Tx, indexName, value string) int {
	ix := t.index(indexName)
	prefix := ix.prefix(value)
	n := 0
	c := mustBucket(tx, ix.bucket(t.name)).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		n++
	}
	return n
}

func (t *table[T]) all(tx *bolt.Tx, ids []string) ([]T, error) {
	out := make([]T, 0, len(ids))
	for _, id := range ids {
		v, err := t.get(tx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// withPrefix returns the records whose ids start with prefix, in id order.
func (t *table[T]) withPrefix(tx *bolt.Tx, prefix string) ([]T, error) {
	out := []T{}
	p := []byte(prefix)
	c := mustBucket(tx, []byte(t.name)).Cursor()
	for k, data := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, data = c.Next() {
		v, err := t.decode(string(k), data)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// scan is a keyset-paginated walk over the keys of bucket that start with prefix. For an index
// bucket the record id is the part after the last sep; for the table's own bucket it is the key.
// keep, when set, filters records; peek, when set, filters them on their stored bytes before they
// are decoded, so that a filter on one field decodes that field alone. A filtered walk that does
// not find its whole list on its first page counts its total by filtering every key.
type scan[T any] struct {
	t      *table[T]
	bucket []byte
	prefix string
	byKey  bool // keys are ids (the table's own bucket)
	keep   func(T) bool
	peek   func(raw []byte) (bool, error)
	dedupe bool // several keys may name one record (search tokens)
	// count, when set, gives the total from a maintained counter instead of a walk over the keys.
	count func(*bolt.Tx) (int, error)
	// ids, when set, receives the ids of the page's records, which are then left undecoded (the
	// page's items are zero values): for callers that keep the records decoded elsewhere.
	ids *[]string
}

func (s scan[T]) idOf(k []byte) string {
	if s.byKey {
		return string(k)
	}
	return idOfKey(k)
}

func (s scan[T]) page(tx *bolt.Tx, opt entitlement.ListOptions) (entitlement.Page[T], error) {
	return s.walk(tx, opt, opt.Desc)
}

// newestFirst pages through the keys in descending order.
func (s scan[T]) newestFirst(tx *bolt.Tx, opt entitlement.ListOptions) (entitlement.Page[T], error) {
	return s.walk(tx, opt, true)
}

// walk collects one page. In list order ("down" the list) it moves by Next for ascending lists and
// by Prev for descending ones; a Before cursor walks the other way and reverses what it found.
func (s scan[T]) walk(tx *bolt.Tx, opt entitlement.ListOptions, desc bool) (entitlement.Page[T], error) {
	var page entitlement.Page[T]
	size := opt.PageSize()
	prefix := []byte(s.prefix)
	c := mustBucket(tx, s.bucket).Cursor()

	after, err := decodeCursor(opt.After)
	if err != nil {
		return page, err
	}
	before, err := decodeCursor(opt.Before)
	if err != nil {
		return page, err
	}

	// seekBelow positions at the last key < k (or the last key when k is nil); seekAbove at the
	// first key > k (or the first key with the prefix when k is nil).
	seekBelow := func(k []byte) []byte {
		if k == nil {
			end := append(append([]byte(nil), prefix...), 0xff, 0xff, 0xff, 0xff)
			x, _ := c.Seek(end)
			if x == nil {
				x, _ = c.Last()
			} else {
				x, _ = c.Prev()
			}
			return x
		}
		x, _ := c.Seek(k)
		if x == nil {
			x, _ = c.Last()
			return x
		}
		x, _ = c.Prev()
		return x
	}
	seekAbove := func(k []byte) []byte {
		if k == nil {
			x, _ := c.Seek(prefix)
			return x
		}
		x, _ := c.Seek(k)
		if x != nil && bytes.Equal(x, k) {
			x, _ = c.Next()
		}
		return x
	}
	next := func() []byte { k, _ := c.Next(); return k }
	prev := func() []byte { k, _ := c.Prev(); return k }

	type hit struct {
		key []byte
		v   T
	}
	var hits []hit
	seen := map[string]bool{}
	// ended tells that the walk ran out of keys rather than stopping at a full page.
	ended := false
	records := mustBucket(tx, []byte(s.t.name))
	collect := func(k []byte, step func() []byte) error {
		for ; k != nil && bytes.HasPrefix(k, prefix); k = step() {
			if len(hits) > size {
				return nil
			}
			id := s.idOf(k)
			if s.dedupe {
				if seen[id] {
					continue
				}
				seen[id] = true
			}
			if len(hits) == size && s.keep == nil && s.peek == nil {
				// The key alone tells that there is more: the record past the page stays unread.
				hits = append(hits, hit{key: append([]byte(nil), k...)})
				return nil
			}
			v, ok, err := s.read(records, id)
			if err != nil {
				return err
			}
			if ok {
				hits = append(hits, hit{append([]byte(nil), k...), v})
			}
		}
		ended = len(hits) <= size
		return nil
	}

	if before != nil {
		// Walk up the list from the cursor.
		if desc {
			err = collect(seekAbove(before), next)
		} else {
			err = collect(seekBelow(before), prev)
		}
		if err != nil {
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
			page.Prev = entitlement.EncodeCursor(string(hits[0].key))
		}
		if len(hits) > 0 {
			page.Next = entitlement.EncodeCursor(string(hits[len(hits)-1].key))
		}
	} else {
		if desc {
			start := seekBelow(nil)
			if after != nil {
				start = seekBelow(after)
			}
			err = collect(start, prev)
		} else {
			err = collect(seekAbove(after), next)
		}
		if err != nil {
			return page, err
		}
		if len(hits) > size {
			hits = hits[:size]
			page.Next = entitlement.EncodeCursor(string(hits[len(hits)-1].key))
		}
		if after != nil && len(hits) > 0 {
			page.Prev = entitlement.EncodeCursor(string(hits[0].key))
		}
	}
	page.Items = make([]T, len(hits))
	for i, h := range hits {
		page.Items[i] = h.v
		if s.ids != nil {
			*s.ids = append(*s.ids, s.idOf(h.key))
		}
	}
	switch {
	case s.count != nil:
		page.Total, err = s.count(tx)
	case ended && before == nil && after == nil:
		// The first page holds the whole list: its length is the total, with no second walk.
		page.Total = len(page.Items)
	default:
		page.Total, err = s.total(tx)
	}
	return page, err
}

func (s scan[T]) total(tx *bolt.Tx) (int, error) {
	prefix := []byte(s.prefix)
	c := mustBucket(tx, s.bucket).Cursor()
	records := mustBucket(tx, []byte(s.t.name))
	filtered := s.keep != nil || s.peek != nil
	n := 0
	seen := map[string]bool{}
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		if s.dedupe || filtered {
			id := s.idOf(k)
			if seen[id] {
				continue
			}
			seen[id] = true
			if filtered {
				if _, ok, err := s.read(records, id); err != nil {
					return 0, err
				} else if !ok {
					continue
				}
			}
		}
		n++
	}
	return n, nil
}

// read decodes the record with the id and reports whether the filters keep it; peek looks first,
// so that a record it drops is never decoded.
func (s scan[T]) read(records *bolt.Bucket, id string) (T, bool, error) {
	var v T
	data := records.Get([]byte(id))
	if data == nil {
		return v, false, fmt.Errorf("%s %q: %w", s.t.what, id, entitlement.ErrNotFound)
	}
	if s.ids != nil && s.keep == nil && s.peek == nil {
		return v, true, nil
	}
	if s.peek != nil {
		ok, err := s.peek(data)
		if err != nil {
			return v, false, fmt.Errorf("filter %s %q: %w", s.t.what, id, err)
		}
		if !ok {
			return v, false, nil
		}
	}
	v, err := s.t.decode(id, data)
	if err != nil {
		return v, false, err
	}
	return v, s.keep == nil || s.keep(v), nil
}

// list pages through the whole table in its natural order, or through the search index when the
// options carry a search.
func (t *table[T]) list(tx *bolt.Tx, opt entitlement.ListOptions, keep func(T) bool) (entitlement.Page[T], error) {
	if q := entitlement.SearchKey(opt.Search); q != "" {
		if !t.hasIndex("search") {
			return entitlement.Page[T]{}, fmt.Errorf("list %s: search is not supported", t.what)
		}
		return t.search(tx, q, opt, keep)
	}
	return t.wholeList(keep).page(tx, opt)
}

// wholeList is the scan over the whole table in its natural order: the order index when the
// table has one, else the ids. Unfiltered, its total is the order index's key count or the
// table's kept count, never a walk.
func (t *table[T]) wholeList(keep func(T) bool) scan[T] {
	if t.order != "" {
		s := scan[T]{t: t, bucket: t.index(t.order).bucket(t.name), keep: keep}
		switch ix := t.index(t.order); {
		case keep != nil:
		case ix.total:
			// The list is every key of the order index, which keeps their number.
			s.count = func(tx *bolt.Tx) (int, error) { return t.totalOf(tx, ix) }
		default:
			// The list is every key of the order index, so its total is the bucket's key count.
			s.count = func(tx *bolt.Tx) (int, error) { return keyCount(tx, s.bucket), nil }
		}
		return s
	}
	s := scan[T]{t: t, bucket: []byte(t.name), byKey: true, keep: keep}
	if t.counted && keep == nil {
		s.count = t.stored
	}
	return s
}

// keyCount returns the number of keys in a bucket. In a read-only transaction it adds up the key
// counts in the headers of the bucket's leaf pages (bbolt's Stats), reading each page once rather
// than stepping a cursor over every key: the total of a 50,000-person list was most of the list's
// cost. A writable transaction's changes reach its pages only at commit, so there it walks.
func keyCount(tx *bolt.Tx, bucket []byte) int {
	b := mustBucket(tx, bucket)
	if !tx.Writable() {
		return b.Stats().KeyN
	}
	n := 0
	c := b.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		n++
	}
	return n
}

// listIDs is list giving the ids of the page's records instead of the records; only a search,
// whose walk dedupes and filters on records, decodes them.
func (t *table[T]) listIDs(tx *bolt.Tx, opt entitlement.ListOptions) (entitlement.Page[string], error) {
	var ids []string
	var page entitlement.Page[T]
	var err error
	switch {
	case entitlement.SearchKey(opt.Search) != "":
		if page, err = t.list(tx, opt, nil); err == nil {
			for _, v := range page.Items {
				ids = append(ids, t.id(v))
			}
		}
	default:
		s := t.wholeList(nil)
		s.ids = &ids
		page, err = s.page(tx, opt)
	}
	return entitlement.Page[string]{Items: ids, Next: page.Next, Prev: page.Prev, Total: page.Total, TotalAtLeast: page.TotalAtLeast}, err
}

// listBy pages through the records a non-unique index holds for value; a counted index gives
// the total from its count.
func (t *table[T]) listBy(tx *bolt.Tx, indexName, value string, opt entitlement.ListOptions, keep func(T) bool) (entitlement.Page[T], error) {
	ix := t.index(indexName)
	s := scan[T]{t: t, bucket: ix.bucket(t.name), prefix: string(ix.prefix(value)), keep: keep}
	if ix.counted && keep == nil {
		s.count = func(tx *bolt.Tx) (int, error) { return t.countOf(tx, indexName, value) }
	}
	return s.page(tx, opt)
}

// listByPeeking is listBy with a filter on the records' stored bytes (scan.peek).
func (t *table[T]) listByPeeking(tx *bolt.Tx, indexName, value string, opt entitlement.ListOptions, peek func([]byte) (bool, error)) (entitlement.Page[T], error) {
	ix := t.index(indexName)
	return scan[T]{t: t, bucket: ix.bucket(t.name), prefix: string(ix.prefix(value)), peek: peek}.page(tx, opt)
}

// listByPairs pages through the records a non-unique index holds for first+sep+second, for any
// of the seconds, in id (creation) order. Only the keys of those values are read, one prefix
// seek each, and only the records of the page are decoded, unless keep must look at every match.
// The list is in ascending order whatever opt.Desc says: its keys are gathered whole and sorted.
func (t *table[T]) listByPairs(tx *bolt.Tx, indexName, first string, seconds []string, opt entitlement.ListOptions, keep func(T) bool) (entitlement.Page[T], error) {
	var page entitlement.Page[T]
	var ids []string
	seen := map[string]bool{}
	for _, second := range seconds {
		if second == "" || seen[second] {
			continue
		}
		seen[second] = true
		ids = append(ids, t.ids(tx, indexName, first+sep+second)...)
	}
	sort.Strings(ids)
	if keep != nil {
		kept := ids[:0]
		for _, id := range ids {
			v, err := t.get(tx, id)
			if err != nil {
				return page, err
			}
			if keep(v) {
				kept = append(kept, id)
			}
		}
		ids = kept
	}
	page.Total = len(ids)
	from, to, err := sortedWindow(ids, opt, &page.Prev, &page.Next)
	if err != nil {
		return page, err
	}
	page.Items, err = t.all(tx, ids[from:to])
	return page, err
}

// searchIDs returns the ids of the records with a search token starting with q, reading index
// keys only, in no particular order.
func (t *table[T]) searchIDs(tx *bolt.Tx, q string) []string {
	q = entitlement.SearchKey(q)
	if q == "" {
		return nil
	}
	prefix := []byte(strings.ReplaceAll(q, sep, ""))
	seen := map[string]bool{}
	var out []string
	c := mustBucket(tx, t.index("search").bucket(t.name)).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		id := idOfKey(k)
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// buildIndex fills new indexes of the table from its records, in one pass over them, for a
// migration that adds them (with their counts, for counted ones); unlike reindex it leaves the
// other indexes alone. The keys are put in key order: bbolt splits a transaction's nodes only at
// commit, so keys put in any other order move every key after them, and a large table would take
// minutes instead of seconds.
func (t *table[T]) buildIndex(tx *bolt.Tx, indexNames ...string) error {
	ixs := make([]index[T], len(indexNames))
	keys := make([][]string, len(indexNames))
	for i, name := range indexNames {
		ixs[i] = t.index(name)
	}
	err := mustBucket(tx, []byte(t.name)).ForEach(func(k, data []byte) error {
		var v T
		if err := t.codec().decode(data, &v); err != nil {
			return fmt.Errorf("index %s: decode %q: %w", t.what, k, err)
		}
		for i, ix := range ixs {
			for _, val := range ix.values(v) {
				keys[i] = append(keys[i], string(ix.key(val, t.id(v))))
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i, ix := range ixs {
		b, err := tx.CreateBucketIfNotExists(ix.bucket(t.name))
		if err != nil {
			return fmt.Errorf("create index %s of %s: %w", ix.name, t.what, err)
		}
		b.FillPercent = fillPercent
		sort.Strings(keys[i])
		for _, k := range keys[i] {
			if err := b.Put([]byte(k), nil); err != nil {
				return fmt.Errorf("index %s of %s: %w", ix.name, t.what, err)
			}
		}
		keys[i] = nil
		if ix.counted {
			if err := t.countIndex(tx, ix.name); err != nil {
				return err
			}
		}
		if ix.total {
			if err := t.countTotal(tx, ix.name); err != nil {
				return err
			}
		}
	}
	return nil
}

func (t *table[T]) hasIndex(name string) bool {
	for _, ix := range t.indexes {
		if ix.name == name {
			return true
		}
	}
	return false
}

func nameKey(name string) []string { return []string{lowerName(name)} }

// lowerName is the sort form of a name: trimmed, lower-cased, without the key separator.
func lowerName(name string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(name)), sep, "")
}

// searchKeys returns the search index values of a record listed under name: one
// "<token>\x00<lower name>" per token of texts, so that a prefix scan finds the record by any word
// and the key itself carries the list order (see table.search).
func searchKeys(name string, texts ...string) []string {
	n := lowerName(name)
	toks := entitlement.SearchTokens(texts...)
	out := make([]string, 0, len(toks))
	for _, tok := range toks {
		out = append(out, strings.ReplaceAll(tok, sep, "")+sep+n)
	}
	return out
}

// search pages through the records with a search token starting with each word of q, in name
// order (entitlement.SearchWords: every word must match, each at the start of a token). A record
// has several tokens and so may match q under several keys; the keys are read first (without
// decoding records), reduced to one "<name>\x00<id>" sort key per record and sorted, and only the
// page's records are decoded. The cursor is that sort key, so paging never repeats or skips a
// record. The cost grows with the number of matching keys, which a prefix keeps small in practice.
// A search of one word with no filter, the common one, is searchWord, which neither gathers nor
// sorts the matches, and lists them best match first, unless opt.NameOrder.
func (t *table[T]) search(tx *bolt.Tx, q string, opt entitlement.ListOptions, keep func(T) bool) (entitlement.Page[T], error) {
	if words := entitlement.SearchWords(q); len(words) == 1 && keep == nil && !opt.NameOrder {
		return t.searchWord(tx, words[0], opt)
	}
	var page entitlement.Page[T]
	// Each word of the search narrows the records that the words before it found.
	var matched map[string]bool
	c := mustBucket(tx, t.index("search").bucket(t.name)).Cursor()
	for _, w := range entitlement.SearchWords(q) {
		prefix := []byte(strings.ReplaceAll(w, sep, ""))
		found := map[string]bool{}
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			i := bytes.Index(k, []byte(sep))
			if i < 0 {
				continue
			}
			if sk := string(k[i+1:]); matched == nil || matched[sk] {
				found[sk] = true
			}
		}
		matched = found
	}
	keys := make([]string, 0, len(matched))
	for sk := range matched {
		keys = append(keys, sk)
	}
	// Every word found some token; with several words, the record's own tokens decide
	// (entitlement.MatchesTokens: different words, or the whole search as one token's start).
	idOf := func(sk string) string { return unpackID(sk[strings.LastIndex(sk, sep)+1:]) }
	if words := entitlement.SearchWords(q); len(words) > 1 {
		kept := keys[:0]
		for _, sk := range keys {
			ok, err := t.matches(tx, idOf(sk), q)
			if err != nil {
				return page, err
			}
			if ok {
				kept = append(kept, sk)
			}
		}
		keys = kept
	}
	sort.Strings(keys)
	if keep != nil {
		kept := keys[:0]
		for _, sk := range keys {
			v, err := t.get(tx, idOf(sk))
			if err != nil {
				return page, err
			}
			if keep(v) {
				kept = append(kept, sk)
			}
		}
		keys = kept
	}
	page.Total = len(keys)
	from, to, err := sortedWindow(keys, opt, &page.Prev, &page.Next)
	if err != nil {
		return page, err
	}
	page.Items = make([]T, 0, to-from)
	for _, sk := range keys[from:to] {
		v, err := t.get(tx, idOf(sk))
		if err != nil {
			return page, err
		}
		page.Items = append(page.Items, v)
	}
	return page, nil
}

// searchWord is search for one word and no filter, the people picker's and the users page's
// search: a record matches when one of its tokens starts with w, so the index keys alone find
// it. Its list is best match first: in index key order, by the token w starts, then by name
// ("smith" before "smithers"), each record under the first of its tokens that w starts. So a
// page walks the keys from its cursor and stops one record past the page, and counting stops
// past entitlement.SearchCountLimit: its cost does not grow with the number of matches. The
// cursors are index keys.
func (t *table[T]) searchWord(tx *bolt.Tx, w string, opt entitlement.ListOptions) (entitlement.Page[T], error) {
	var page entitlement.Page[T]
	after, err := decodeCursor(opt.After)
	if err != nil {
		return page, err
	}
	before, err := decodeCursor(opt.Before)
	if err != nil {
		return page, err
	}
	ws := wordSearch[T]{t: t, tx: tx, prefix: []byte(strings.ReplaceAll(w, sep, ""))}
	// A cursor below every match (the name cursor of a link made before best-match order, say)
	// starts at the first match.
	if after != nil && bytes.Compare(after, ws.prefix) < 0 {
		after = nil
	}
	// A before cursor above every match ends at the last one. Index keys are text, which never
	// holds 0xff, so the prefix followed by it is above every key that starts with the prefix.
	if before != nil && bytes.Compare(before, ws.prefix) > 0 && !bytes.HasPrefix(before, ws.prefix) {
		before = append(bytes.Clone(ws.prefix), 0xff)
	}
	// A word finds each record it matches under a single-word token too (entitlement.WordBreaks),
	// so the keys of texts whole, as many as those of words for most searches, are passed over.
	ws.wordsOnly = !strings.ContainsAny(w, entitlement.WordBreaks)
	size := opt.PageSize()
	var hits []searchHit[T]
	hasPrev, hasNext := false, false
	if before != nil {
		if hits, err = ws.walk(before, true, size+1); err != nil {
			return page, err
		}
		if hasPrev = len(hits) > size; hasPrev {
			hits = hits[:size]
		}
		slices.Reverse(hits)
		if len(hits) > 0 {
			ahead, err := ws.walk(hits[len(hits)-1].key, false, 1)
			if err != nil {
				return page, err
			}
			hasNext = len(ahead) > 0
		}
	} else {
		if hits, err = ws.walk(after, false, size+1); err != nil {
			return page, err
		}
		if hasNext = len(hits) > size; hasNext {
			hits = hits[:size]
		}
		if after != nil && len(hits) > 0 {
			back, err := ws.walk(hits[0].key, true, 1)
			if err != nil {
				return page, err
			}
			hasPrev = len(back) > 0
		}
	}
	if len(hits) > 0 {
		if hasPrev {
			page.Prev = entitlement.EncodeCursor(string(hits[0].key))
		}
		if hasNext {
			page.Next = entitlement.EncodeCursor(string(hits[len(hits)-1].key))
		}
	}
	page.Items = make([]T, 0, len(hits))
	for _, h := range hits {
		page.Items = append(page.Items, h.v)
	}
	page.Total, page.TotalAtLeast = ws.count(entitlement.SearchCountLimit)
	return page, nil
}

// wordSearch walks the search index keys that start with prefix (see searchWord).
type wordSearch[T any] struct {
	t         *table[T]
	tx        *bolt.Tx
	prefix    []byte
	wordsOnly bool
}

// searchHit is a record a word search found, with the index key it is listed under.
type searchHit[T any] struct {
	key []byte
	v   T
}

// tokenEnd is where the token of index key k ends, or -1 when the search passes the key over.
func (ws wordSearch[T]) tokenEnd(k []byte) int {
	if ws.wordsOnly {
		return wordEnd(k, len(ws.prefix))
	}
	return bytes.IndexByte(k, sep[0])
}

// walk returns up to n records from the key from on (past it), or before it, nearest first, when
// up; from nil is the start. A record found under a key that is not its first is passed over: it
// is listed under that one.
func (ws wordSearch[T]) walk(from []byte, up bool, n int) ([]searchHit[T], error) {
	c := mustBucket(ws.tx, ws.t.index("search").bucket(ws.t.name)).Cursor()
	var k []byte
	switch {
	case up:
		if k, _ = c.Seek(from); k == nil {
			k, _ = c.Last()
		} else {
			k, _ = c.Prev()
		}
	case from == nil:
		k, _ = c.Seek(ws.prefix)
	default:
		if k, _ = c.Seek(from); bytes.Equal(k, from) {
			k, _ = c.Next()
		}
	}
	var out []searchHit[T]
	for ; k != nil && bytes.HasPrefix(k, ws.prefix) && len(out) < n; k = step(c, up) {
		i := ws.tokenEnd(k)
		if i < 0 {
			continue
		}
		id := unpackID(string(sortKeyID(k[i+1:])))
		v, err := ws.t.get(ws.tx, id)
		if err != nil {
			return nil, err
		}
		if ws.firstToken(v) != string(k[:i]) {
			continue
		}
		out = append(out, searchHit[T]{key: k, v: v})
	}
	return out, nil
}

// step moves c to the key before (up) or after its own, for walk in either direction.
func step(c *bolt.Cursor, up bool) []byte {
	if up {
		k, _ := c.Prev()
		return k
	}
	k, _ := c.Next()
	return k
}

// firstToken is the smallest of the record's search tokens that the search finds it by.
func (ws wordSearch[T]) firstToken(v T) string {
	first := ""
	for _, tok := range ws.t.searchTokens(v) {
		if !strings.HasPrefix(tok, string(ws.prefix)) || ws.wordsOnly && strings.ContainsAny(tok, entitlement.WordBreaks) {
			continue
		}
		if first == "" || tok < first {
			first = tok
		}
	}
	return first
}

// count counts the records the search finds, reading keys only, and stops past limit, returning
// limit and true.
func (ws wordSearch[T]) count(limit int) (int, bool) {
	seen := idSets.Get().(*idSet)
	defer seen.release()
	c := mustBucket(ws.tx, ws.t.index("search").bucket(ws.t.name)).Cursor()
	for k, _ := c.Seek(ws.prefix); k != nil && bytes.HasPrefix(k, ws.prefix); k, _ = c.Next() {
		i := ws.tokenEnd(k)
		if i < 0 {
			continue
		}
		if seen.add(sortKeyID(k[i+1:])) && seen.len() > limit {
			return limit, true
		}
	}
	return seen.len(), false
}

// wordEnd is where the token of search index key k ends when the token is a single word, -1
// when it is a text whole of several words or has no end. The token starts with a searched word
// of n bytes, which holds neither a break nor sep, so the look starts past it, and a text whole
// is told at its first break, which most are a few bytes past the word.
func wordEnd(k []byte, n int) int {
	for i := n; i < len(k); i++ {
		switch {
		case k[i] == sep[0]:
			return i
		case isWordBreak[k[i]]:
			return -1
		}
	}
	return -1
}

// isWordBreak tells the bytes of entitlement.WordBreaks.
var isWordBreak = func() (set [256]bool) {
	for _, b := range []byte(entitlement.WordBreaks) {
		set[b] = true
	}
	return set
}()

// sortKeyID is the id at the end of a search sort key, "<name>\x00<id>", in its stored form
// (packed when a UUID, keys.go). A name holds no sep, so a sep just before the last packed
// id's length is the one before it, found without a search.
func sortKeyID(sk []byte) []byte {
	if n := len(sk); n > packedLen && sk[n-packedLen-1] == sep[0] {
		return sk[n-packedLen:]
	}
	return sk[bytes.LastIndexByte(sk, sep[0])+1:]
}

// idSet is a set of record ids read from index keys, an open-addressing hash table over the
// keys' own bytes: adding an id allocates nothing, where a Go map would copy each id into a
// string or an array and spend most of a large search's time on it. The ids must stay valid
// while the set is used, as keys do for their transaction.
type idSet struct {
	seed   maphash.Seed
	slots  []int32 // 1 + the index in ids of the id in the slot; 0 for an empty slot
	ids    [][]byte
	hashes []uint64
}

// idSets keeps emptied sets for the next search, with the tables they grew to: a search of many
// matches then neither allocates nor rehashes as its set grows.
var idSets = sync.Pool{New: func() any { return &idSet{seed: maphash.MakeSeed()} }}

// release empties the set, forgetting the ids (whose memory belongs to a transaction), and
// gives it back to idSets.
func (s *idSet) release() {
	clear(s.slots)
	clear(s.ids)
	s.ids, s.hashes = s.ids[:0], s.hashes[:0]
	idSets.Put(s)
}

// add puts id in the set and reports whether it was new.
func (s *idSet) add(id []byte) bool {
	if s.slots == nil {
		s.slots = make([]int32, 64)
	}
	if 4*(len(s.ids)+1) > 3*len(s.slots) {
		s.grow()
	}
	h := maphash.Bytes(s.seed, id)
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		at := s.slots[i]
		if at == 0 {
			s.ids = append(s.ids, id)
			s.hashes = append(s.hashes, h)
			s.slots[i] = int32(len(s.ids))
			return true
		}
		if s.hashes[at-1] == h && bytes.Equal(s.ids[at-1], id) {
			return false
		}
	}
}

// grow doubles the table and puts every id back in its slot.
func (s *idSet) grow() {
	s.slots = make([]int32, 2*len(s.slots))
	mask := uint64(len(s.slots) - 1)
	for n, h := range s.hashes {
		i := h & mask
		for s.slots[i] != 0 {
			i = (i + 1) & mask
		}
		s.slots[i] = int32(n + 1)
	}
}

func (s *idSet) len() int { return len(s.ids) }

// matches reports whether the record's search tokens match q.
func (t *table[T]) matches(tx *bolt.Tx, id, q string) (bool, error) {
	v, err := t.get(tx, id)
	if err != nil {
		return false, err
	}
	return entitlement.MatchesTokens(q, t.searchTokens(v)), nil
}

// searchTokens are the tokens the search index holds for the record: its values without the
// name each carries for the list order.
func (t *table[T]) searchTokens(v T) []string {
	vals := t.index("search").values(v)
	toks := make([]string, 0, len(vals))
	for _, val := range vals {
		toks = append(toks, val[:strings.Index(val, sep)])
	}
	return toks
}

// sortedWindow is entitlement.Window over keys sorted in ascending order, each its own cursor,
// for the lists that are gathered whole before paging: searches and link buckets.
func sortedWindow(keys []string, opt entitlement.ListOptions, prev, next *string) (from, to int, err error) {
	return entitlement.Window(len(keys), func(i int) string { return keys[i] }, opt, prev, next)
}

// repack rewrites, in the table codec's stored form, up to limit records that are not in it
// yet, from the first key after after (from the first key when after is nil), for a migration
// that changes how the table is encoded. It returns the last key it looked at, or nil once the
// whole table is in that form. Records found in that form already are left alone.
func (t *table[T]) repack(tx *bolt.Tx, after []byte, limit int) ([]byte, error) {
	return rewriteBatch(tx, []byte(t.name), after, limit, func(k, v []byte) ([]byte, error) {
		data, err := t.codec().pack(v)
		if err != nil {
			return nil, fmt.Errorf("repack %s %q: %w", t.what, k, err)
		}
		if bytes.Equal(data, v) {
			return nil, nil
		}
		return bytes.Clone(data), nil
	})
}

// rewriteBatch rewrites up to limit records of a bucket, from the first key after after (from
// the first key when after is nil), each as rewrite gives it (nil: left as it is). It returns the
// last key it looked at, or nil at the end of the bucket: the step of the migrations that rewrite
// a large table a few thousand records a transaction (packInBatches).
func rewriteBatch(tx *bolt.Tx, bucket, after []byte, limit int, rewrite func(k, v []byte) ([]byte, error)) ([]byte, error) {
	type record struct{ key, value []byte }
	b := mustBucket(tx, bucket)
	c := b.Cursor()
	k, v := c.First()
	if after != nil {
		if k, v = c.Seek(after); bytes.Equal(k, after) {
			k, v = c.Next()
		}
	}
	// The records are written after the walk: a cursor must not walk a bucket being written.
	var batch []record
	var last []byte
	for n := 0; k != nil && n < limit; k, v = c.Next() {
		n++
		last = bytes.Clone(k)
		data, err := rewrite(k, v)
		if err != nil {
			return nil, err
		}
		if data != nil {
			batch = append(batch, record{last, data})
		}
	}
	for _, r := range batch {
		if err := b.Put(r.key, r.value); err != nil {
			return nil, fmt.Errorf("rewrite %s %q: %w", bucket, r.key, err)
		}
	}
	if k == nil {
		return nil, nil
	}
	return last, nil
}

// reindex rebuilds every index of the table, and the counts of the counted ones, from its
// records, for migrations that add an index or change the form of its keys.
func (t *table[T]) reindex(tx *bolt.Tx) error {
	for _, ix := range t.indexes {
		name := ix.bucket(t.name)
		if tx.Bucket(name) != nil {
			if err := tx.DeleteBucket(name); err != nil {
				return fmt.Errorf("reindex %s: drop %s: %w", t.what, name, err)
			}
		}
		if _, err := tx.CreateBucket(name); err != nil {
			return fmt.Errorf("reindex %s: create %s: %w", t.what, name, err)
		}
	}
	records := mustBucket(tx, []byte(t.name))
	err := records.ForEach(func(k, data []byte) error {
		var v T
		if err := t.codec().decode(data, &v); err != nil {
			return fmt.Errorf("reindex %s: decode %q: %w", t.what, k, err)
		}
		id := t.id(v)
		for _, ix := range t.indexes {
			b := mustBucket(tx, ix.bucket(t.name))
			for _, val := range ix.values(v) {
				if ix.unique {
					if cur := b.Get(ix.key(val, id)); cur != nil && string(cur) != id {
						return fmt.Errorf("reindex %s %q: %s %q is taken: %w", t.what, id, ix.name, val, entitlement.ErrConflict)
					}
					if err := b.Put(ix.key(val, id), []byte(id)); err != nil {
						return err
					}
					continue
				}
				if err := b.Put(ix.key(val, id), nil); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	var counted, totals []string
	for _, ix := range t.indexes {
		if ix.counted {
			counted = append(counted, ix.name)
		}
		if ix.total {
			totals = append(totals, ix.name)
		}
	}
	if err := t.countIndex(tx, counted...); err != nil {
		return err
	}
	return t.countTotal(tx, totals...)
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// decodeCursor is entitlement.DecodeCursor as bolt cursors want it: nil for none.
func decodeCursor(s string) ([]byte, error) {
	k, err := entitlement.DecodeCursor(s)
	if k == "" || err != nil {
		return nil, err
	}
	return []byte(k), nil
}

func one(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// window reads the records a non-unique index holds for value, in key order, from offset on and
// at most limit of them (all when limit <= 0), with how many it holds in all. It reads keys only
// outside the window, so a page deep in a long list decodes no more than its own records.
func (t *table[T]) window(tx *bolt.Tx, indexName, value string, offset, limit int) ([]T, int, error) {
	ix := t.index(indexName)
	prefix := ix.prefix(value)
	c := mustBucket(tx, ix.bucket(t.name)).Cursor()
	var ids []string
	total := 0
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		if total >= offset && (limit <= 0 || len(ids) < limit) {
			ids = append(ids, idOfKey(k))
		}
		total++
	}
	items, err := t.all(tx, ids)
	return items, total, err
}
