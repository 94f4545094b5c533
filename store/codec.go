package store

import (
	"bytes"
	"compress/flate"
	"encoding/json"
	"fmt"
	"io"
	"sync"
)

// deflatedV1 starts a record stored as the raw DEFLATE (RFC 1951) of its JSON, compressed with
// its table's dictionary (dictionaries.go). A JSON record starts with '{', so the two forms
// cannot be mistaken for each other and records written before their table was deflated still
// read. A table's dictionary never changes once records use it: a better one needs a new
// leading byte, with the old dictionary kept for the records that name it.
const deflatedV1 = 0x01

// codec encodes a table's records: plain JSON, or deflated JSON for the tables whose records are
// many and large (requests, outbox messages), where the JSON's keys, enumerations and repeated
// ids make up most of the bytes.
type codec struct {
	dict    []byte // nil: plain JSON
	writers sync.Pool
	readers sync.Pool
}

// plainJSON is the codec of tables stored as JSON as it is.
var plainJSON = &codec{}

func deflated(dict string) *codec { return &codec{dict: []byte(dict)} }

func (c *codec) encode(v any) ([]byte, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return c.pack(data)
}

// pack turns a record's JSON into its stored form; a record already packed stays as it is.
func (c *codec) pack(data []byte) ([]byte, error) {
	if c.dict == nil || (len(data) > 0 && data[0] == deflatedV1) {
		return data, nil
	}
	var out bytes.Buffer
	out.Grow(len(data)/2 + 16)
	out.WriteByte(deflatedV1)
	w, _ := c.writers.Get().(*flate.Writer)
	if w == nil {
		var err error
		if w, err = flate.NewWriterDict(&out, flate.DefaultCompression, c.dict); err != nil {
			return nil, err
		}
	} else {
		w.Reset(&out)
	}
	defer c.writers.Put(w)
	if _, err := w.Write(data); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func (c *codec) decode(data []byte, v any) error {
	if len(data) == 0 || data[0] != deflatedV1 {
		return json.Unmarshal(data, v)
	}
	if c.dict == nil {
		return fmt.Errorf("a deflated record in a table stored as plain JSON")
	}
	src := bytes.NewReader(data[1:])
	r, _ := c.readers.Get().(io.ReadCloser)
	if r == nil {
		r = flate.NewReaderDict(src, c.dict)
	} else if err := r.(flate.Resetter).Reset(src, c.dict); err != nil {
		return err
	}
	defer c.readers.Put(r)
	var buf bytes.Buffer
	buf.Grow(4 * len(data))
	if _, err := buf.ReadFrom(r); err != nil {
		return fmt.Errorf("inflate: %w", err)
	}
	return json.Unmarshal(buf.Bytes(), v)
}
