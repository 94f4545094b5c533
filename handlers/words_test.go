package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
)

func TestRequestStatusWords(t *testing.T) {
	now := time.Date(2026, 3, 12, 9, 0, 0, 0, time.UTC)
	people := map[string]entitlement.PersonRef{"m": {ID: "m", Name: "Morgan"}, "a": {ID: "a", Name: "Avery"}}
	view := func(r entitlement.Request) entitlement.RequestView {
		return entitlement.RequestView{Request: r, People: people}
	}
	pending := entitlement.Request{RequestState: entitlement.StatePendingApproval, CurrentStage: 1, Stages: []entitlement.StageState{
		{Status: entitlement.StageApproved, DecidedBy: "m"}, {Status: entitlement.StagePending, Approvers: []string{"a"}},
	}}
	denied := entitlement.Request{RequestState: entitlement.StateDenied, Stages: []entitlement.StageState{
		{Status: entitlement.StageDenied, Decision: entitlement.DecisionDeny, DecidedBy: "a"},
	}}
	timedOut := entitlement.Request{RequestState: entitlement.StateDenied, RequestStatus: entitlement.RequestStatusTimedOut}
	start := now.Add(72 * time.Hour)
	scheduled := entitlement.Request{RequestState: entitlement.StateScheduled, Schedule: entitlement.Schedule{StartDateTime: &start}}
	for _, tc := range []struct {
		r    entitlement.Request
		want string
	}{
		{pending, "Waiting for Avery (stage 2 of 2)"},
		{denied, "Denied by Avery"},
		{timedOut, "Denied: nobody decided in time"},
		{scheduled, "Starts in 3 days"},
		{entitlement.Request{RequestState: entitlement.StateDelivered, RequestType: entitlement.RequestUserRemove}, "Access removed"},
	} {
		if got := requestStatus(context.Background(), view(tc.r), now); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.r.RequestState, got, tc.want)
		}
	}
}

func TestShortenKeepsFlashesWithinTheSession(t *testing.T) {
	long := strings.Repeat("Ünïcödé ", 500)
	got := shorten(long, maxFlash)
	if len(got) > maxFlash || !utf8.ValidString(got) || !strings.HasSuffix(got, "…") {
		t.Errorf("shorten: %d bytes, valid %v, %q", len(got), utf8.ValidString(got), got[len(got)-20:])
	}
	if got := shorten("Saved.", maxFlash); got != "Saved." {
		t.Errorf("a short message changed: %q", got)
	}
}

// TestPaginationLabelTrustsNoForgedPosition forges the "from" of a page link: the footer must
// still say where the page sits in the list, not a negative or overflowing position.
func TestPaginationLabelTrustsNoForgedPosition(t *testing.T) {
	page := entitlement.Page[int]{Items: make([]int, 25), Total: 312, Prev: "p", Next: "n"}
	for _, from := range []string{"9223372036854775807", "5000", "-3"} {
		req := httptest.NewRequest(http.MethodGet, "/access/requests?after=x&from="+from, nil)
		c := echo.New().NewContext(req, httptest.NewRecorder())
		_, at := listOptions(c)
		got := pagination(c, "/access/requests", page, at, "").Label
		if strings.Contains(got, "-") || !strings.HasSuffix(got, " of 312") {
			t.Errorf("from=%s: %q", from, got)
		}
		var first, last int
		if _, err := fmt.Sscanf(got, "%d–%d of 312", &first, &last); err != nil || first < 1 || last > 312 || last-first != 24 {
			t.Errorf("from=%s: %q", from, got)
		}
	}
}

// TestPaginationLabelOfASearchThatStoppedCounting: a search that counted up to
// SearchCountLimit says "100+" until its last page, which knows where the list ends.
func TestPaginationLabelOfASearchThatStoppedCounting(t *testing.T) {
	for _, tc := range []struct {
		from, n    int
		next, want string
	}{
		{0, 25, "n", "1–25 of 100+"},
		{100, 25, "n", "101–125 of 125+"},
		{100, 11, "", "101–111 of 111"},
	} {
		page := entitlement.Page[int]{Items: make([]int, tc.n), Total: entitlement.SearchCountLimit, TotalAtLeast: true, Next: tc.next}
		if tc.from > 0 {
			page.Prev = "p"
		}
		req := httptest.NewRequest(http.MethodGet, fmt.Sprintf("/admin/users?q=user1&after=x&from=%d", tc.from), nil)
		c := echo.New().NewContext(req, httptest.NewRecorder())
		_, at := listOptions(c)
		if got := pagination(c, "/admin/users", page, at, "").Label; got != tc.want {
			t.Errorf("from %d, %d items, next %q: %q, want %q", tc.from, tc.n, tc.next, got, tc.want)
		}
	}
}

// TestFormTimeExampleComesFromTheClock: the example in the message for an unreadable time is the
// service's now, not the wall clock's, so pages agree with the rules when time is moved.
func TestFormTimeExampleComesFromTheClock(t *testing.T) {
	now := time.Date(2031, 3, 12, 9, 30, 0, 0, time.UTC)
	if _, err := parseFormTime(context.Background(), "next week", now); err == nil || !strings.Contains(err.Error(), "2031-03-12T09:30") {
		t.Errorf("parseFormTime: %v, want an example at %s", err, now)
	}
}
