package store

import (
	"fmt"
	"sync"

	// goccy/go-json writes and reads the same JSON as encoding/json, two to three times faster
	// on records: decoding them is most of what a list page costs.
	json "github.com/goccy/go-json"
	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
)

// packedV1 starts a record stored as a Zstandard frame of its JSON, compressed with its table's
// dictionary (dictionaries.go). packedS2 starts one stored as an S2 block of its JSON, compressed
// with its table's S2 dictionary. A JSON record starts with '{', so the forms cannot be mistaken
// for each other and records written before their table was packed still read. A table's
// dictionary never changes once records use it: a better one needs a new leading byte, with the
// old dictionary kept for the records that name it.
const (
	packedV1 = 0x01
	packedS2 = 0x02
)

// codec encodes a table's records: plain JSON, or packed JSON, where the JSON's keys,
// enumerations and repeated ids make up most of the bytes.
//
// Zstandard packs tighter but unpacks a record in 2–4 µs, S2 (Snappy's LZ77 without entropy
// coding) in well under one, less than decoding its JSON. So the tables that no page reads a
// record at a time (outbox messages, provisioning tasks) are Zstandard, and the busy pages'
// requests, assignments and their roles S2. Zstandard was tried on those three at full scale: the
// file was 137 MB smaller (80 MB of it assignments and roles), but the API's approvals waiting
// took 2.6 ms instead of 1.2, and 64 people submitting at once were delivered at 1,900 a second
// instead of 2,330. Audit events are Zstandard, though a page lists them: two thirds of an event
// were its two SHA-256 hashes in hex (one since v28) and its ids, which only entropy coding
// shrinks (to half of its JSON, where S2 leaves 70%: 294 against 381 bytes an event at tenth
// scale, 160 MB less at full scale, in the one table that only grows). That costs an audit page of
// 100 events about 0.3 ms, and a verification of the whole chain, which reads every event, nearly
// twice the CPU (1.46 s against 0.79 s for 169,000 events).
type codec struct {
	form  byte   // 0: plain JSON; packedV1 or packedS2: what encode writes
	dict  []byte // the Zstandard dictionary
	coder func() (coder, error)
	s2    *s2.Dict
}

type coder struct {
	enc *zstd.Encoder
	dec *zstd.Decoder
}

// plainJSON is the codec of tables stored as JSON as it is.
var plainJSON = &codec{}

// packed is the codec of a table whose records are compressed with the dictionary. Encoder and
// decoder are made on first use and shared. Records are packed only in write transactions,
// which bbolt runs one at a time, so one encoder is enough; records are unpacked by as many
// readers at once as there are processors.
func packed(dict string) *codec {
	c := &codec{form: packedV1, dict: []byte(dict)}
	c.coder = sync.OnceValues(func() (coder, error) {
		enc, err := zstd.NewWriter(nil, zstd.WithEncoderDictRaw(1, c.dict), zstd.WithEncoderLevel(zstd.SpeedFastest),
			zstd.WithEncoderCRC(false), zstd.WithEncoderConcurrency(1))
		if err != nil {
			return coder{}, err
		}
		dec, err := zstd.NewReader(nil, zstd.WithDecoderDictRaw(1, c.dict), zstd.WithDecoderConcurrency(0))
		return coder{enc, dec}, err
	})
	return c
}

// packedWithS2 is the codec of a table whose records are compressed with S2 and the dictionary.
// An s2.Dict is safe for any number of encoders and decoders at once: it builds its match tables
// once (sync.Once) and only reads them after; each encode takes its scratch tables from a pool.
func packedWithS2(dict string) *codec {
	d := s2.MakeDict([]byte(dict), []byte(`{"id":"`))
	if d == nil {
		panic("store: an S2 dictionary must hold at least s2.MinDictSize bytes")
	}
	return &codec{form: packedS2, s2: d}
}

func (c *codec) encode(v any) ([]byte, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return c.pack(data)
}

// pack turns a record's JSON into its stored form; a record already packed stays as it is.
func (c *codec) pack(data []byte) ([]byte, error) {
	if c.form == 0 || (len(data) > 0 && data[0] != '{') {
		return data, nil
	}
	if c.form == packedS2 {
		// Encode rather than EncodeBetter: 3–4% larger for records of a few hundred bytes to a
		// few kilobytes, and EncodeBetter clears 580 KB of match tables for each. It packs into
		// a pooled buffer, copied out at its packed size: bbolt keeps what it is given until the
		// transaction commits, and a migration writes thousands of records in one.
		buf := packing.Get().(*[]byte)
		defer packing.Put(buf)
		if n := s2.MaxEncodedLen(len(data)); cap(*buf) < n && n <= maxPooled {
			*buf = make([]byte, n)
		}
		out := c.s2.Encode((*buf)[:cap(*buf)], data)
		return append(append(make([]byte, 0, 1+len(out)), packedS2), out...), nil
	}
	co, err := c.coder()
	if err != nil {
		return nil, err
	}
	return co.enc.EncodeAll(data, append(make([]byte, 0, len(data)/3+32), packedV1)), nil
}

func (c *codec) decode(data []byte, v any) error {
	return c.read(data, func(plain []byte) error { return json.Unmarshal(plain, v) })
}

// read calls f with the record's JSON, unpacked if it is packed. f must not keep the JSON: a
// packed record's is unpacked into a buffer the next read reuses.
func (c *codec) read(data []byte, f func(plain []byte) error) error {
	if len(data) == 0 || data[0] == '{' {
		return f(data)
	}
	switch {
	case data[0] == packedS2 && c.s2 != nil, data[0] == packedV1 && c.dict != nil:
	default:
		return fmt.Errorf("a record stored in form %#x in a table that does not store it", data[0])
	}
	buf := unpacked.Get().(*[]byte)
	defer unpacked.Put(buf)
	var plain []byte
	var err error
	if data[0] == packedS2 {
		plain, err = c.s2.Decode((*buf)[:0], data[1:])
	} else {
		var co coder
		if co, err = c.coder(); err != nil {
			return err
		}
		plain, err = co.dec.DecodeAll(data[1:], (*buf)[:0])
	}
	if err != nil {
		return fmt.Errorf("unpack: %w", err)
	}
	if cap(plain) <= maxPooled {
		*buf = plain
	}
	return f(plain)
}

// unpacked holds the buffers packed records are unpacked into: the JSON is only read by Unmarshal,
// which copies what it keeps, so a list page reuses one buffer instead of allocating per row.
var unpacked = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// packing holds the buffers S2 packs records into.
var packing = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// maxPooled is the largest buffer kept in unpacked or packing: a rare huge record (a role with
// thousands of assignments) should not pin its buffer.
const maxPooled = 64 << 10
