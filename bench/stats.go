package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"github.com/stewardhq/steward/store"
	bolt "go.etcd.io/bbolt"
)

// statsCommand prints what a data file holds: per bucket, its keys, the bytes of their keys and
// values, largest first, and the bytes of the pages that hold them (a page split leaves room
// behind), against the file's size, so that what makes a file large is plain to see.
func statsCommand(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("stats", flag.ContinueOnError)
	data := fs.String("data", "bench.db", "data file (not in use by a running portal)")
	compact := fs.String("compact", "", "also write a compacted copy of the file here (free pages left out) and report its size")
	states := fs.Bool("states", false, "also count the requests, assignments and users by state")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := printBuckets(*data, out); err != nil {
		return err
	}
	if *states {
		if err := printStates(ctx, *data, out); err != nil {
			return err
		}
	}
	if *compact != "" {
		return printCompacted(*data, *compact, out)
	}
	return nil
}

// printBuckets prints the table of buckets, largest first.
func printBuckets(data string, out io.Writer) error {
	fi, err := os.Stat(data)
	if err != nil {
		return err
	}
	db, err := bolt.Open(data, 0o600, &bolt.Options{ReadOnly: true, Timeout: 2 * time.Second})
	if err != nil {
		return err
	}
	defer func() { _ = db.Close() }() // read-only: nothing to lose
	type row struct {
		name               string
		keys, bytes, pages int
	}
	var rows []row
	err = db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			st := b.Stats()
			r := row{name: string(name), pages: st.BranchAlloc + st.LeafAlloc}
			err := b.ForEach(func(k, v []byte) error {
				r.keys++
				r.bytes += len(k) + len(v)
				return nil
			})
			rows = append(rows, r)
			return err
		})
	})
	if err != nil {
		return err
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].bytes > rows[j].bytes })
	total, pages := 0, 0
	fmt.Fprintf(out, "%-36s %10s %12s %10s %12s %6s\n", "bucket", "keys", "bytes", "per key", "in pages", "full")
	for _, r := range rows {
		total += r.bytes
		pages += r.pages
		per, full := 0, 0
		if r.keys > 0 {
			per = r.bytes / r.keys
		}
		if r.pages > 0 {
			full = 100 * r.bytes / r.pages
		}
		fmt.Fprintf(out, "%-36s %10d %12d %10d %12d %5d%%\n", r.name, r.keys, r.bytes, per, r.pages, full)
	}
	fmt.Fprintf(out, "keys and values: %.1f MB in %.1f MB of pages; file: %.1f MB\n", float64(total)/1e6, float64(pages)/1e6, float64(fi.Size())/1e6)
	return nil
}

// printCompacted writes the copy steward compact would put in place of the file, to path, and
// prints its size.
func printCompacted(data, path string, out io.Writer) error {
	st, err := store.OpenReadOnly(data)
	if err != nil {
		return err
	}
	defer func() { _ = st.Close() }() // read-only: nothing to lose
	if err := st.CompactTo(path); err != nil {
		return err
	}
	ci, err := os.Stat(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "compacted copy: %.1f MB\n", float64(ci.Size())/1e6)
	return nil
}
