package web_test

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
)

// TestAuditSpeaksPlainly walks the three places that tell audit events (the audit log, the
// dashboard's latest changes and the CSV export): they say what happened in words, with the
// approvers' reasons, and never show an action code or a field name.
func TestAuditSpeaksPlainly(t *testing.T) {
	env, w := startPortal(t)
	// Riley gets GitHub (no approval) and gives it back; the manager approves Finance with a reason.
	gh := w.submit(t, env, "requester@example.com", w.github, "")
	deliver(t, env)
	r, err := env.Svc.RequestByID(w.as("requester@example.com"), gh.ID)
	if err != nil || r.AssignmentID == "" {
		t.Fatalf("github delivered: %+v %v", r, err)
	}
	if _, err := env.Svc.SubmitRequest(w.as("requester@example.com"), entitlement.RequestInput{RequestType: entitlement.RequestUserRemove, AssignmentID: r.AssignmentID}); err != nil {
		t.Fatal(err)
	}
	fin := w.submit(t, env, "requester@example.com", w.finance, "Quarter close")
	if _, err := env.Svc.Decide(w.as("manager@example.com"), fin.ID, true, "Covers the quarter close"); err != nil {
		t.Fatal(err)
	}
	c, _ := signedIn(t, env, "admin@example.com")

	codes := []string{"user.signin", "request.", "UserRemove", "AllExistingDirectoryMemberUsers", "stage(s)", "true", "false", "NoApproval"}
	lacks := func(what, page string) {
		t.Helper()
		for _, code := range codes {
			if strings.Contains(page, code) {
				t.Errorf("%s shows the code %q", what, code)
			}
		}
	}

	_, page := env.Get(t, c, "/admin/audit")
	events := text(page[strings.Index(page, `data-testid="audit-events"`):])
	has(t, "the audit log", events, "Signed in", "Asked to remove their access to GitHub organization",
		"Approved the request for Finance reports", "Reason: Covers the quarter close.")
	lacks("the audit log", events)
	_, page = env.Get(t, c, "/admin/audit?action=policy.")
	events = text(page[strings.Index(page, `data-testid="audit-events"`):])
	has(t, "the policies' audit", events, "Created the policy Everyone",
		"Added to GitHub organization: everyone in the organization, can request; no approval; access lasts 30 days; can be extended; no reviews.")
	lacks("the policies' audit", events)

	_, page = env.Get(t, c, "/admin")
	recent := text(page[strings.Index(page, `data-testid="recent-changes"`):])
	has(t, "the latest changes", recent, "Ada Admin signed in", "Manny Manager approved the request for Finance reports",
		"Reason: Covers the quarter close.", "Riley Requester asked to remove their access to GitHub organization")
	lacks("the latest changes", recent)

	_, body := env.Get(t, c, "/admin/audit/export.csv")
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("CSV: %v %d rows", err, len(rows))
	}
	var words strings.Builder
	for _, row := range rows {
		words.WriteString(strings.Join(row[:6], " | ") + "\n")
	}
	has(t, "the CSV export", words.String(), "Who | What | Details", "Ada Admin | Signed in",
		"Manny Manager | Approved the request for Finance reports | Reason: Covers the quarter close.")
	lacks("the CSV export", words.String())
}

// TestErrorPagesNeverShowRawRefusals: a missing request says what is missing and what to do, not
// the domain's `request "…" does not exist`; a refusal that names an id falls back to words.
func TestErrorPagesNeverShowRawRefusals(t *testing.T) {
	env, _ := startPortal(t)
	const id = "0190f0c5-7a9e-7c3a-9b1e-3f7d2c1a4b5e"
	env.Server.GET("/test/in-use", func(echo.Context) error {
		return &entitlement.RuleError{Code: "inUse", Message: "group " + id + " is still used", Kind: entitlement.ErrConflict}
	})
	c, _ := signedIn(t, env, "requester@example.com")
	res, page := env.Get(t, c, "/access/requests/"+id)
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("a missing request: %d", res.StatusCode)
	}
	body := text(page)
	has(t, "the missing request's page", body, "This request does not exist, or it was removed.", "Go to My access")
	res, page = env.Get(t, c, "/test/in-use")
	if res.StatusCode != http.StatusConflict {
		t.Fatalf("a refusal: %d", res.StatusCode)
	}
	has(t, "a refusal naming an id", text(page), "Something changed in the meantime.")
	for what, p := range map[string]string{"missing request": body, "refusal": text(page)} {
		if strings.Contains(p, id) || strings.Contains(p, "does not exist\"") || strings.Contains(p, `request "`) {
			t.Errorf("the %s page shows the raw refusal: %.300s", what, p)
		}
	}
}

// TestEscalationMessageUsesTheChosenUnit: an escalation as long as the stage's timeout is
// refused in days when the person counted in days, not in minutes.
func TestEscalationMessageUsesTheChosenUnit(t *testing.T) {
	f := startAdmin(t)
	c, csrf := f.signIn(t, "owner@example.com")
	path := "/admin/packages/" + f.financePkg.ID + "/policies/new"
	_, page := f.env.Get(t, c, path)
	_, page = wizardPost(t, f, c, csrf, path, page, "basics", url.Values{"name": {"Escalating"}, "nav": {"next"}})
	_, page = wizardPost(t, f, c, csrf, path, page, "requestors", url.Values{"scope": {entitlement.ScopeAllExistingDirectoryMembers}, "accept": {"true"}, "nav": {"next"}})
	stage := url.Values{"stages": {"1"}, "s0_timeout": {"5"}, "s0_escalation": {"on"}, "s0_escalation_after": {"6"}, "s0_escalation_unit": {"days"}}
	for _, op := range []string{"add:s0.primary:user:" + f.users["approver@example.com"].ID, "add:s0.escalation:user:" + f.users["owner@example.com"].ID} {
		form := url.Values{"op": {op}}
		for k, v := range stage {
			form[k] = v
		}
		_, page = wizardPost(t, f, c, csrf, path, page, "approval", form)
	}
	stage.Set("nav", "next")
	res, page := wizardPost(t, f, c, csrf, path, page, "approval", stage)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("an escalation after the timeout: %d %s", res.StatusCode, errorsOf(page))
	}
	has(t, "the escalation's message", errorsOf(page), "in less than 5 days")
	if strings.Contains(errorsOf(page), "minutes") {
		t.Errorf("the message counts in minutes: %s", errorsOf(page))
	}
}

// TestTimesInThePersonsOwnZone: a person without a zone gets the hidden form that tells Steward
// their browser's zone; once it is kept on their profile, the request form reads start and end
// in it and the request page shows them in it, with UTC on hover.
func TestTimesInThePersonsOwnZone(t *testing.T) {
	env, w := startPortal(t)
	c, csrf := signedIn(t, env, "requester@example.com")
	_, home := env.Get(t, c, "/")
	has(t, "a page for someone without a zone", home, `data-detect-zone`, `action="/profile/time-zone"`)

	// An unknown zone typed on the profile: 422, the message by the field, nothing saved.
	res, page := env.PostForm(t, c, "/profile/time-zone", csrf, url.Values{"timeZone": {"Mars/Olympus"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("an unknown zone: %d", res.StatusCode)
	}
	has(t, "the profile with an unknown zone", page, `id="timeZone-error"`, `value="Mars/Olympus"`)
	// What the browser detected, posted in the background.
	res, _ = env.PostForm(t, c, "/profile/time-zone", csrf, url.Values{"timeZone": {"Asia/Tokyo"}, "detected": {"1"}})
	if res.StatusCode != http.StatusNoContent {
		t.Fatalf("the detected zone: %d", res.StatusCode)
	}
	_, page = env.Get(t, c, "/profile")
	has(t, "the profile", page, `value="Asia/Tokyo"`)
	if strings.Contains(page, "data-detect-zone") {
		t.Errorf("a person with a zone is still asked for the browser's")
	}

	// A start typed as 09:00 in Tokyo is midnight UTC.
	pol := w.policies[w.finance.ID]
	res, _ = env.PostForm(t, c, "/access/packages/"+w.finance.ID+"/request", csrf, url.Values{"policyId": {pol.ID}, "justification": {"Close"}, "start": {"2026-03-20T09:00"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("request: %d", res.StatusCode)
	}
	mine, err := env.Svc.MyRequests(w.as("requester@example.com"), entitlement.RequestFilter{}, entitlement.ListOptions{Limit: 5})
	if err != nil || len(mine.Items) != 1 || mine.Items[0].Schedule.StartDateTime == nil {
		t.Fatalf("my requests: %+v %v", mine.Items, err)
	}
	r := mine.Items[0]
	if got := r.Schedule.StartDateTime.UTC().Format("2006-01-02T15:04"); got != "2026-03-20T00:00" {
		t.Errorf("the start is kept as %s UTC, want midnight", got)
	}
	_, page = env.Get(t, c, "/access/requests/"+r.ID)
	has(t, "the request page", text(page), "20 Mar 2026, 09:00 JST")
	has(t, "the request page", page, `title="12 Mar 2026, 09:00 UTC"`)
}
