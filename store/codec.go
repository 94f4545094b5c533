package store

import (
	"fmt"
	"sync"

	// goccy/go-json writes and reads the same JSON as encoding/json, two to three times faster
	// on records: decoding them is most of what a list page costs.
	json "github.com/goccy/go-json"
	"github.com/klauspost/compress/zstd"
)

// packedV1 starts a record stored as a Zstandard frame of its JSON, compressed with its table's
// dictionary (dictionaries.go). A JSON record starts with '{', so the two forms cannot be
// mistaken for each other and records written before their table was packed still read. A
// table's dictionary never changes once records use it: a better one needs a new leading byte,
// with the old dictionary kept for the records that name it.
const packedV1 = 0x01

// codec encodes a table's records: plain JSON, or packed JSON for the tables whose records are
// many, large and read by no page a row at a time (outbox messages, provisioning tasks), where
// the JSON's keys, enumerations and repeated ids make up most of the bytes. Zstandard rather
// than DEFLATE: it unpacks a record in about half the time. Unpacking still costs a page that
// lists records some 10 µs a row (a request, an audit event), which is why the records of the
// busy pages (requests, assignments and their roles, audit events) stay plain JSON.
type codec struct {
	dict  []byte // nil: plain JSON
	coder func() (coder, error)
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
	c := &codec{dict: []byte(dict)}
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

func (c *codec) encode(v any) ([]byte, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return c.pack(data)
}

// pack turns a record's JSON into its stored form; a record already packed stays as it is.
func (c *codec) pack(data []byte) ([]byte, error) {
	if c.dict == nil || (len(data) > 0 && data[0] == packedV1) {
		return data, nil
	}
	co, err := c.coder()
	if err != nil {
		return nil, err
	}
	return co.enc.EncodeAll(data, append(make([]byte, 0, len(data)/3+32), packedV1)), nil
}

func (c *codec) decode(data []byte, v any) error {
	if len(data) == 0 || data[0] != packedV1 {
		return json.Unmarshal(data, v)
	}
	if c.dict == nil {
		return fmt.Errorf("a packed record in a table stored as plain JSON")
	}
	co, err := c.coder()
	if err != nil {
		return err
	}
	plain, err := co.dec.DecodeAll(data[1:], make([]byte, 0, 6*len(data)))
	if err != nil {
		return fmt.Errorf("unpack: %w", err)
	}
	return json.Unmarshal(plain, v)
}
