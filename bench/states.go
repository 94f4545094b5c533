package main

import (
	"context"
	"fmt"
	"io"
	"sort"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/store"
)

// printStates prints how many requests, assignments and users a data file holds in each state,
// so that two files generated from the same seed can be compared, and the mix checked.
func printStates(ctx context.Context, path string, out io.Writer) error {
	st, err := store.OpenReadOnly(path)
	if err != nil {
		return err
	}
	defer func() { _ = st.Close() }()
	requests, assignments, users := map[string]int{}, map[string]int{}, map[string]int{}
	err = st.View(ctx, func(tx entitlement.Tx) error {
		if err := walk(func(o entitlement.ListOptions) (entitlement.Page[entitlement.Request], error) {
			return tx.Requests().List(entitlement.RequestFilter{}, o)
		}, func(r entitlement.Request) {
			// Of the statuses, only a time-out is part of the mix; whether a delivering request
			// waits for a person depends on when the worker delivered a role another of the
			// person's requests shares, which concurrent writers do not fix.
			state := string(r.RequestState)
			if r.RequestStatus == entitlement.RequestStatusTimedOut {
				state += " (timed out)"
			}
			requests[state]++
		}); err != nil {
			return fmt.Errorf("requests: %w", err)
		}
		if err := walk(func(o entitlement.ListOptions) (entitlement.Page[entitlement.Assignment], error) {
			return tx.Assignments().List(entitlement.AssignmentFilter{}, o)
		}, func(a entitlement.Assignment) { assignments[string(a.AssignmentState)]++ }); err != nil {
			return fmt.Errorf("assignments: %w", err)
		}
		return walk(tx.Users().List, func(u entitlement.User) {
			kind := "member"
			if u.IsGuest() {
				kind = "guest"
			}
			if !u.AccountEnabled {
				kind += ", blocked"
			}
			users[kind]++
		})
	})
	if err != nil {
		return err
	}
	for _, c := range []struct {
		what   string
		counts map[string]int
	}{{"requests", requests}, {"assignments", assignments}, {"users", users}} {
		keys := make([]string, 0, len(c.counts))
		for k := range c.counts {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(out, "%-12s %-36s %8d\n", c.what, k, c.counts[k])
		}
	}
	return nil
}

// walk calls fn for every item of a listing, a page at a time.
func walk[T any](list func(entitlement.ListOptions) (entitlement.Page[T], error), fn func(T)) error {
	o := entitlement.ListOptions{Limit: entitlement.MaxPageSize}
	for {
		p, err := list(o)
		if err != nil {
			return err
		}
		for _, it := range p.Items {
			fn(it)
		}
		if p.Next == "" {
			return nil
		}
		o.After = p.Next
	}
}
