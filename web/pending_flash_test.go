package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// An approval made in place (htmx) leaves a flash still waiting for the next full page, instead
// of taking it into a fragment that cannot show it.
func TestInPlaceDecisionKeepsAPendingFlash(t *testing.T) {
	env, w := startPortal(t)
	first := w.submit(t, env, "requester@example.com", w.finance, "month-end close")
	second := w.submit(t, env, "requester@example.com", w.travel, "conference")
	mgr, csrf := signedIn(t, env, "manager@example.com")
	// A plain decision whose redirect is not followed: its flash waits in the session.
	res, _ := env.PostForm(t, mgr, "/approvals/"+first.ID+"/decide", csrf, url.Values{"decision": {"approve"}, "stage": {"1"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("plain decision: %d", res.StatusCode)
	}
	if res, _ := postHTMX(t, env, mgr, "/approvals/"+second.ID+"/decide", csrf, url.Values{"decision": {"approve"}, "stage": {"1"}}); res.StatusCode != http.StatusOK {
		t.Fatalf("in-place decision: %d", res.StatusCode)
	}
	_, page := env.Get(t, mgr, "/approvals")
	if got := text(page); !strings.Contains(got, "You approved") {
		t.Errorf("the pending flash was lost: %s", got)
	}
}
