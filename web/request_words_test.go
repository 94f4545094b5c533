package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
)

// TestRequestPageWording: the request page says what really happens: a 7-day timeout is "7
// days" on the package page, the request page and the approver's card alike, a minute after
// submitting too; a scheduled request starts on its date instead of "at once"; once delivered,
// the details give the real start and end.
func TestRequestPageWording(t *testing.T) {
	env, w := startPortal(t)
	c, csrf := signedIn(t, env, "requester@example.com")
	_, body := env.Get(t, c, "/access/packages/"+w.finance.ID)
	if !strings.Contains(text(body), "They have 7 days to decide") {
		t.Fatalf("package page: %s", text(body))
	}
	r := w.submit(t, env, "requester@example.com", w.finance, "Quarterly close")
	env.Clock.Advance(3 * time.Minute)
	_, body = env.Get(t, c, "/access/requests/"+r.ID)
	if page := text(body); !strings.Contains(page, "Times out in 7 days") || strings.Contains(page, "in 6 days") {
		t.Errorf("request page counts the timeout differently from the package page: %s", page)
	}
	mgr, _ := signedIn(t, env, "manager@example.com")
	if _, body = env.Get(t, mgr, "/approvals"); !strings.Contains(text(body), "Times out in 7 days") {
		t.Errorf("approver's card: %s", text(body))
	}

	// Scheduled: it starts on its date when approved, not "at once".
	start := env.Clock.Now().Add(10 * 24 * time.Hour).Truncate(time.Hour)
	res, _ := env.PostForm(t, c, "/access/packages/"+w.travel.ID+"/request", csrf, url.Values{
		"policyId": {w.policies[w.travel.ID].ID}, "start": {start.Format("2006-01-02T15:04")},
	})
	_, body = env.Get(t, c, res.Header.Get("Location"))
	if page := text(body); !strings.Contains(page, "If approved, the access starts on "+start.Format("2 Jan 2006, 15:04 MST")) || strings.Contains(page, "delivered at once") {
		t.Errorf("scheduled request: %s", page)
	}

	// Delivered: the details give the start and end of the access, not the wish.
	if _, err := env.Svc.Decide(w.as("manager@example.com"), r.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	deliver(t, env)
	_, body = env.Get(t, c, "/access/requests/"+r.ID)
	page := text(body)
	begun := env.Clock.Now().UTC()
	for _, want := range []string{"Starts " + begun.Format("2 Jan 2006, 15:04 MST"), "Ends " + begun.Add(90*24*time.Hour).Format("2 Jan 2006, 15:04 MST")} {
		if !strings.Contains(page, want) {
			t.Errorf("delivered request lacks %q: %s", want, page)
		}
	}
	if strings.Contains(page, "as soon as it is approved") || strings.Contains(page, "As soon as it is approved") {
		t.Errorf("a delivered request still says it starts when approved: %s", page)
	}
}

// TestNoApprovalFormNamesNoApprovers: the request form of a package that needs no approval says
// so, and says nothing about approvers.
func TestNoApprovalFormNamesNoApprovers(t *testing.T) {
	env, w := startPortal(t)
	c, _ := signedIn(t, env, "requester@example.com")
	_, body := env.Get(t, c, "/access/packages/"+w.github.ID)
	main := text(body[strings.Index(body, "<main"):])
	if !strings.Contains(main, "No approval needed") {
		t.Errorf("the form does not say that no approval is needed: %s", main)
	}
	if strings.Contains(strings.ToLower(main), "approver") || strings.Contains(main, "as soon as it is approved") {
		t.Errorf("the form of a package without approval talks about approvers: %s", main)
	}
}

// TestExtensionWording: an extension waiting for approval says what approval brings (the new
// end), and the approver's card reads "from X to Y".
func TestExtensionWording(t *testing.T) {
	env, w := startPortal(t)
	r := w.submit(t, env, "requester@example.com", w.finance, "Quarterly close")
	if _, err := env.Svc.Decide(w.as("manager@example.com"), r.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	deliver(t, env)
	env.Clock.Advance(80 * 24 * time.Hour) // into the last two weeks of its 90 days
	c, csrf := signedIn(t, env, "requester@example.com")
	res, _ := env.PostForm(t, c, "/access/assignments/"+r.ID+"/extend", csrf, url.Values{"justification": {"Still closing"}})
	loc := res.Header.Get("Location")
	if !strings.HasPrefix(loc, "/access/requests/") {
		t.Fatalf("extend: %d → %s", res.StatusCode, loc)
	}
	end := time.Date(2026, 3, 12, 9, 0, 0, 0, time.UTC).Add(90 * 24 * time.Hour)
	newEnd := end.Add(90 * 24 * time.Hour)
	_, body := env.Get(t, c, loc)
	if page := text(body); !strings.Contains(page, "If approved, your access is extended until "+newEnd.Format("2 Jan 2006, 15:04 MST")) || strings.Contains(page, "delivered at once") {
		t.Errorf("pending extension: %s", page)
	}
	mgr, _ := signedIn(t, env, "manager@example.com")
	_, body = env.Get(t, mgr, "/approvals")
	if want := "Extension from " + end.Format("2 Jan 2006") + " to " + newEnd.Format("2 Jan 2006"); !strings.Contains(text(body), want) {
		t.Errorf("approver's card lacks %q: %s", want, text(body))
	}
}

// TestExtendFormPreview: the extend form shows the end the access has and the end it would have
// (by default the policy's duration counted from the current end) before submitting; picking a
// date asks the form again (htmx) for the preview of that date.
func TestExtendFormPreview(t *testing.T) {
	env, w := startPortal(t)
	c, csrf := signedIn(t, env, "requester@example.com")
	res, _ := env.PostForm(t, c, "/access/packages/"+w.github.ID+"/request", csrf, url.Values{"policyId": {w.policies[w.github.ID].ID}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("request: %d", res.StatusCode)
	}
	deliver(t, env)
	env.Clock.Advance(20 * 24 * time.Hour)
	c, _ = signedIn(t, env, "requester@example.com")
	page, _ := env.Svc.MyAssignments(w.as("requester@example.com"), entitlement.AssignmentFilter{}, entitlement.ListOptions{})
	a := page.Items[0]
	_, body := env.Get(t, c, "/access/assignments/"+a.ID+"/extend")
	preview := text(body)
	for _, want := range []string{"Your access ends now 11 Apr 2026, 09:00 UTC", "After the extension it ends 11 May 2026, 09:00 UTC", "The policy's 30 days, counted from the current end."} {
		if !strings.Contains(preview, want) {
			t.Errorf("extend form lacks %q: %s", want, preview)
		}
	}
	if !strings.Contains(body, `hx-get="/access/assignments/`+a.ID+`/extend"`) || !strings.Contains(body, `hx-select="#extend-preview"`) {
		t.Errorf("picking a date does not refresh the preview:\n%s", body)
	}
	req, _ := http.NewRequest(http.MethodGet, env.URL+"/access/assignments/"+a.ID+"/extend?end=2026-04-25T12:00", nil)
	req.Header.Set("HX-Request", "true")
	res, body = env.Follow(t, c, req)
	if res.StatusCode != http.StatusOK || !strings.Contains(text(body), "After the extension it ends 25 Apr 2026, 12:00 UTC The date you picked.") {
		t.Errorf("preview of a picked date: %d %s", res.StatusCode, text(body))
	}
}
