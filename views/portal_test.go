package views_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/views"
)

func TestRelative(t *testing.T) {
	now := time.Date(2026, 3, 12, 9, 0, 0, 0, time.UTC)
	for d, want := range map[time.Duration]string{
		-20 * time.Second:         "just now",
		-5 * time.Minute:          "5 minutes ago",
		-1 * time.Hour:            "1 hour ago",
		-30 * time.Hour:           "yesterday",
		-72 * time.Hour:           "3 days ago",
		30 * time.Hour:            "tomorrow",
		7 * 24 * time.Hour:        "in 7 days",
		90 * 24 * time.Hour:       "on 10 Jun 2026",
		-90 * 24 * time.Hour:      "12 Dec 2025",
		2*time.Hour + time.Second: "in 2 hours",
	} {
		if got := views.Relative(context.Background(), now, now.Add(d)); got != want {
			t.Errorf("Relative(%v) = %q, want %q", d, got, want)
		}
	}
	at := views.At(context.Background(), now, now.Add(-time.Hour))
	if at.Exact != "12 Mar 2026, 08:00 UTC" || at.Local != at.Exact || at.ISO != "2026-03-12T08:00:00Z" || at.Relative != "1 hour ago" {
		t.Errorf("At = %+v", at)
	}
	if !views.AtPtr(context.Background(), now, nil).IsZero() {
		t.Errorf("AtPtr(nil) is not zero")
	}
	if got := views.Span(50 * time.Hour); got != "2 days" {
		t.Errorf("Span = %q", got)
	}
}

// TestApprovalCard checks what the in-place decision relies on: the form posts (without
// JavaScript) and hx-posts to the decide URL with the CSRF token and the stage, replaces its own
// card, and the checkbox belongs to the bulk form.
func TestApprovalCard(t *testing.T) {
	p := views.Page{CSRFToken: "tok", User: &views.PageUser{Name: "Morgan"}}
	it := views.ApprovalItem{ID: "r1", StageNumber: 2, Requester: views.Person{Name: "Riley"}, Package: "GitHub", ReasonRequired: true, ReasonError: "Give a reason."}
	doc, _ := render(t, views.ApprovalCard(p, it, true))
	form := doc.Find(`form[data-testid="decide-form"]`)
	if form.AttrOr("action", "") != "/approvals/r1/decide" || form.AttrOr("hx-post", "") != "/approvals/r1/decide" || form.AttrOr("hx-target", "") != "#approval-r1" {
		t.Errorf("decide form attributes: %v", form.Nodes[0].Attr)
	}
	if form.Find(`input[name="_csrf"]`).AttrOr("value", "") != "tok" || form.Find(`input[name="stage"]`).AttrOr("value", "") != "2" {
		t.Errorf("the form lacks the CSRF token or the stage")
	}
	reason := form.Find(`textarea[name="reason"]`)
	if _, ok := reason.Attr("required"); !ok || !strings.Contains(reason.AttrOr("aria-describedby", ""), "approval-r1-reason-error") {
		t.Errorf("reason: required and described by its error: %v", reason.Nodes[0].Attr)
	}
	if _, ok := reason.Attr("autofocus"); !ok {
		t.Errorf("a reason that came back with a message is not focused")
	}
	box := doc.Find(`input[type="checkbox"][name="id"]`)
	if box.AttrOr("form", "") != "bulk-decide" || box.AttrOr("value", "") != "r1@2" || box.AttrOr("aria-label", "") == "" {
		t.Errorf("bulk checkbox: %v", box.Nodes)
	}
}

// TestTimesInThePersonsZone: every time helper shows the zone the request's context carries, with
// UTC kept for the title; the day can differ from UTC's.
func TestTimesInThePersonsZone(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	ctx := views.WithZone(context.Background(), tokyo)
	now := time.Date(2026, 3, 12, 9, 0, 0, 0, time.UTC)
	late := time.Date(2026, 3, 12, 20, 30, 0, 0, time.UTC) // 13 March, 05:30 in Tokyo
	at := views.At(ctx, now, late)
	if at.Local != "13 Mar 2026, 05:30 JST" || at.Date != "13 Mar 2026" || at.Exact != "12 Mar 2026, 20:30 UTC" {
		t.Errorf("At in Tokyo = %+v", at)
	}
	if got := views.FormatDate(ctx, late); got != "13 Mar 2026" {
		t.Errorf("FormatDate = %q", got)
	}
	if got := views.FormTime(ctx, late); got != "2026-03-13T05:30" {
		t.Errorf("FormTime = %q", got)
	}
	if got, ok := views.ParseFormTime(ctx, "2026-03-13T05:30"); !ok || !got.Equal(late) {
		t.Errorf("ParseFormTime = %v %v, want %v", got, ok, late)
	}
	if got := views.FormatDateTime(context.Background(), late); got != "12 Mar 2026, 20:30 UTC" {
		t.Errorf("the default zone: %q", got)
	}
}

// TestNobodyMatchesOnlyWithASearch: an empty directory is not a search that found nobody.
func TestNobodyMatchesOnlyWithASearch(t *testing.T) {
	for q, want := range map[string]string{"": "Nobody is in the directory yet", "zed": "Nobody matches"} {
		var b strings.Builder
		if err := views.UserListPage(views.UserListProps{Query: q}).Render(context.Background(), &b); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), want) || (q == "" && strings.Contains(b.String(), "Nobody matches")) {
			t.Errorf("the users page searched for %q does not say %q", q, want)
		}
	}
}
