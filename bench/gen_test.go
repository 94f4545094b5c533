package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stewardhq/steward/store"
)

func TestRequestDayKeepsEachOutcomeInItsWindow(t *testing.T) {
	g := newGenerator(nil, 0.002, 1, 1, 180, io.Discard)
	for _, c := range []struct {
		outcome  int
		from, to int
	}{
		{outPending, 1, pendingDays},
		{outTimeout, timeoutFromDay, 180},
		{outShort, shortFromDay, shortToDay},
		{outDeliver, 1, 180},
		{outDeny, 1, 180},
		{outCancel, 1, 180},
	} {
		for range 2000 {
			if d := g.requestDay(c.outcome); d < c.from || d > c.to {
				t.Fatalf("outcome %d on day %d back, want %d to %d", c.outcome, d, c.from, c.to)
			}
		}
	}
}

// generate builds a tiny tenant and returns its states (printStates) and its plan.
func generate(t *testing.T, seed uint64) (string, []plannedRequest) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bench.db")
	st, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	g := newGenerator(st, 0.002, seed, 4, 180, io.Discard)
	if err := g.build(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := printStates(context.Background(), path, &out); err != nil {
		t.Fatal(err)
	}
	return out.String(), g.planned
}

// TestGenBuildsTheSameMixFromASeed checks that a seed gives the same counts of every state on two
// runs, and that each outcome comes out as planned at the end of the history: open requests still
// open, time-outs timed out, short access expired.
func TestGenBuildsTheSameMixFromASeed(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two tenants")
	}
	first, planned := generate(t, 7)
	second, _ := generate(t, 7)
	if first != second {
		t.Fatalf("two runs of seed 7 differ:\n%s\nand\n%s", first, second)
	}
	lines := map[string]bool{}
	for _, l := range strings.Split(first, "\n") {
		lines[strings.Join(strings.Fields(l), " ")] = true
	}
	count := map[int]int{}
	for _, r := range planned {
		count[r.outcome]++
	}
	for _, c := range []struct {
		outcome int
		line    string
	}{
		{outPending, "requests PendingApproval"},
		{outTimeout, "requests Denied (timed out)"},
		{outDeny, "requests Denied"},
		{outCancel, "requests Canceled"},
		{outShort, "assignments Expired"},
	} {
		want := fmt.Sprintf("%s %d", c.line, count[c.outcome])
		if count[c.outcome] == 0 || !lines[want] {
			t.Errorf("want %q (planned %d), got:\n%s", want, count[c.outcome], first)
		}
	}
}
