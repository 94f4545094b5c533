package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/store"
)

// purgeCommand deletes what the worker's outbox purge would delete from a data file by the time the
// retention period has passed (the worker's other jobs, such as time-outs, are not run, so the
// tenant stays as generated), so that the file's size after the purge can be measured (bench
// stats).
func purgeCommand(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("purge", flag.ContinueOnError)
	data := fs.String("data", "bench.db", "data file made by bench gen")
	ahead := fs.Duration("ahead", entitlement.DefaultOutboxRetention+time.Hour, "how far ahead of now the purge looks")
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, err := store.Open(*data)
	if err != nil {
		return err
	}
	defer func() { _ = st.Close() }()
	before := time.Now().Add(*ahead).Add(-entitlement.DefaultOutboxRetention)
	start, purged := time.Now(), 0
	for {
		var n int
		err := st.Update(ctx, func(tx entitlement.Tx) error {
			var err error
			n, err = tx.Outbox().PurgeDelivered(before, 5000)
			return err
		})
		if err != nil {
			return err
		}
		purged += n
		if n < 5000 {
			break
		}
	}
	fmt.Fprintf(out, "purged %d outbox messages delivered before %s in %s\n", purged, before.Format(time.RFC3339), time.Since(start).Round(time.Millisecond))
	return nil
}
