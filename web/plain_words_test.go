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
	env.Server.Echo.GET("/test/in-use", func(echo.Context) error {
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
