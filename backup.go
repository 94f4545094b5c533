package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/stewardhq/steward/store"
)

// backup writes a consistent copy of the data file. A running portal holds the file's lock, so
// this command is for a stopped portal; a running one serves the same copy to administrators at
// /admin/backup.
func backup(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("steward backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", envOr("STEWARD_DATA", "./data/steward.db"), "path of the data file (STEWARD_DATA)")
	out := fs.String("out", "", "file to write the backup to")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("backup: give the file to write with --out")
	}
	st, err := store.Open(*data)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	n, err := writeBackup(st, *out)
	if cerr := st.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("backup: %w", cerr)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %d bytes to %s\n", n, *out)
	return nil
}

// writeBackup writes the store to a new file at path, removing it again on failure.
func writeBackup(st *store.Store, path string) (int64, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	n, err := st.Backup(f)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("backup: %w", cerr)
	}
	if err != nil {
		_ = os.Remove(path)
	}
	return n, err
}

func restore(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("steward restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", envOr("STEWARD_DATA", "./data/steward.db"), "path of the data file (STEWARD_DATA)")
	from := fs.String("from", "", "backup file to restore")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *from == "" {
		return errors.New("restore: give the backup file with --from")
	}
	if err := store.Restore(*from, *data); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %s from %s\n", *data, *from)
	return nil
}

// compact rewrites a stopped portal's data file without the free pages that purges and
// migrations leave in it (store.Compact).
func compact(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("steward compact", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", envOr("STEWARD_DATA", "./data/steward.db"), "path of the data file (STEWARD_DATA)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	before, after, err := store.Compact(*data)
	if errors.Is(err, store.ErrLocked) {
		return fmt.Errorf("%w; stop Steward first", err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "compacted %s from %s to %s\n", *data, megabytes(before), megabytes(after))
	return nil
}

// megabytes shows a file size as an operator reads it.
func megabytes(n int64) string {
	return fmt.Sprintf("%.1f MB", float64(n)/1e6)
}
