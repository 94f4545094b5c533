// Command bench builds a large tenant and loads the portal over it, to measure how Steward
// behaves at scale:
//
//	go run ./bench gen  --data FILE --scale F --seed N
//	go run ./bench load --data FILE --duration 15s --concurrency 8
//	go run ./bench stats --data FILE [--states] [--compact COPY]
//	go run ./bench purge --data FILE
//
// gen writes the tenant through entitlement.Service, the only write path, so that every record,
// index, audit event and outbox message is what the portal itself would have written. load signs in
// through the real OpenID Connect flow of the embedded demo provider and loads the portal's main
// pages with vegeta, next to a page of the same size rendered from memory by the same stack (Echo
// and templ), which is the most any page of that size could do on this machine.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: bench gen|load|stats|purge [flags] (see -h of each)")
	}
	switch args[0] {
	case "gen":
		return genCommand(ctx, args[1:], os.Stdout)
	case "load":
		return loadCommand(ctx, args[1:], os.Stdout)
	case "stats":
		return statsCommand(ctx, args[1:], os.Stdout)
	case "purge":
		return purgeCommand(ctx, args[1:], os.Stdout)
	}
	return fmt.Errorf("unknown command %q: use gen, load, stats or purge", args[0])
}
