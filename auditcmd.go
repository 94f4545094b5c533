package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/store"
)

// errChainBroken is returned, after the report, when the audit chain does not check out, so that
// the command exits non-zero for scripts.
var errChainBroken = errors.New("the audit trail does not check out")

// audit runs the audit sub-commands; verify is the only one.
func audit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		return errors.New("audit: use audit verify [--data FILE] [--head HASH]")
	}
	fs := flag.NewFlagSet("steward audit verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", envOr("STEWARD_DATA", "./data/steward.db"), "path of the data file (STEWARD_DATA)")
	head := fs.String("head", "", "head hash from an evidence export, to check that the trail still holds it")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("audit verify: unexpected argument %q", fs.Arg(0))
	}
	// Read-only, so that a check never changes the file it checks; the portal holds the file's
	// lock while it runs, and verifies itself at /admin/audit.
	st, err := store.OpenReadOnly(*data)
	if errors.Is(err, store.ErrLocked) {
		return fmt.Errorf("audit verify: %w: stop Steward first, or verify from the portal's audit log page", err)
	}
	if err != nil {
		return fmt.Errorf("audit verify: %w", err)
	}
	defer func() { _ = st.Close() }() // read-only: nothing to lose
	var v entitlement.ChainVerification
	err = st.View(ctx, func(tx entitlement.Tx) error {
		var err error
		v, err = entitlement.VerifyAuditChain(tx.Audit(), *head)
		return err
	})
	if err != nil {
		return fmt.Errorf("audit verify: %w", err)
	}
	if !v.Intact {
		fmt.Fprintf(stdout, "The audit trail of %s is broken at event %d (%s): %s.\n", *data, v.Position, v.Problem, v.Detail)
		if v.Count > 0 {
			fmt.Fprintf(stdout, "Events 1 to %d check out; the last good hash is %s.\n", v.Count, v.HeadHash)
		}
		return fmt.Errorf("audit verify: %w", errChainBroken)
	}
	fmt.Fprintf(stdout, "The audit trail of %s is intact: %d events, head hash %s.\n", *data, v.Count, orNone(v.HeadHash))
	if *head == "" {
		return nil
	}
	if v.ExportedAt == 0 {
		fmt.Fprintf(stdout, "It does not hold the exported head %s.\n", *head)
		return fmt.Errorf("audit verify: %w", errChainBroken)
	}
	fmt.Fprintf(stdout, "The exported head %s is event %d: the trail has only grown since.\n", *head, v.ExportedAt)
	return nil
}

// orNone names the hash of an empty chain.
func orNone(hash string) string {
	if hash == "" {
		return "(none: no events yet)"
	}
	return hash
}
