package web_test

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

// TestAdminAuditVerifyAndEvidence: administrators check the audit trail and export evidence from
// the audit log page; everyone else gets a 403, even a catalog owner who may open admin pages.
func TestAdminAuditVerifyAndEvidence(t *testing.T) {
	f := startAdmin(t)
	actx := f.ctxAs("admin@example.com")
	pol, err := f.env.Svc.CreatePolicy(actx, entitlement.PolicyInput{AccessPackageID: f.financePkg.ID, DisplayName: "Ask Max", DurationInDays: 30,
		RequestorSettings: entitlement.RequestorSettings{ScopeType: entitlement.ScopeAllExistingDirectoryMembers, AcceptRequests: true},
		RequestApprovalSettings: entitlement.ApprovalSettings{IsApprovalRequired: true, ApprovalMode: entitlement.ApprovalSingle,
			ApprovalStages: []entitlement.ApprovalStage{{ApprovalStageTimeOutInDays: 7, PrimaryApprovers: []entitlement.UserSet{{Type: entitlement.UserSetSingleUser, ID: f.users["manager@example.com"].ID}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := f.env.Svc.SubmitRequest(f.ctxAs("requester@example.com"), entitlement.RequestInput{RequestType: entitlement.RequestUserAdd, AccessPackageID: f.financePkg.ID, PolicyID: pol.ID, Justification: "quarterly numbers"})
	if err != nil {
		t.Fatal(err)
	}
	// A reason a spreadsheet would run as a formula.
	if _, err := f.env.Svc.Decide(f.ctxAs("manager@example.com"), r.ID, true, "=HYPERLINK(\"http://evil.example\")"); err != nil {
		t.Fatal(err)
	}
	today := f.env.Clock.Now().UTC().Format("2006-01-02")
	evidence := url.Values{"evidenceFrom": {today}, "evidenceTo": {today}, "evidenceFormat": {"csv"}}

	for _, who := range []string{"requester@example.com", "owner@example.com"} {
		c, csrf := f.signIn(t, who)
		if res, _ := f.env.PostForm(t, c, "/admin/audit/verify", csrf, nil); res.StatusCode != http.StatusForbidden {
			t.Errorf("%s verifying: %d", who, res.StatusCode)
		}
		if res, _ := f.env.PostForm(t, c, "/admin/audit/evidence", csrf, evidence); res.StatusCode != http.StatusForbidden || res.Header.Get("Content-Disposition") != "" {
			t.Errorf("%s exporting evidence: %d %q", who, res.StatusCode, res.Header.Get("Content-Disposition"))
		}
	}

	c, csrf := f.signIn(t, "admin@example.com")
	_, page := f.env.Get(t, c, "/admin/audit")
	has(t, "the audit page", page, `action="/admin/audit/verify"`, `action="/admin/audit/evidence"`, `<label for="evidenceFrom"`, `<label for="evidenceTo"`,
		`<label for="evidencePackage"`, `<label for="evidenceFormat"`, `<label for="head"`, `value="`+f.financePkg.ID+`"`)

	// Verify: intact, with the count and head in the flash; an unknown exported head is an error.
	res, _ := f.env.PostForm(t, c, "/admin/audit/verify", csrf, nil)
	page = f.follow(t, c, res)
	v, err := f.env.Svc.VerifyAudit(actx, "")
	if err != nil || !v.Intact || v.Count == 0 {
		t.Fatalf("verification: %+v, %v", v, err)
	}
	has(t, "after verifying", page, "The audit trail is intact: ", " events, head hash "+v.HeadHash+".")
	res, _ = f.env.PostForm(t, c, "/admin/audit/verify", csrf, url.Values{"head": {strings.Repeat("ab", 32)}})
	page = f.follow(t, c, res)
	has(t, "after verifying a foreign head", page, `data-flash="error"`, "does not hold the exported head "+strings.Repeat("ab", 32))

	// CSV: the facts with the chain's head, then one row per step, formula-safe.
	res, body := f.env.PostForm(t, c, "/admin/audit/evidence", csrf, evidence)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") ||
		res.Header.Get("Content-Disposition") != `attachment; filename="steward-evidence-`+strings.ReplaceAll(today, "-", "")+"-"+strings.ReplaceAll(today, "-", "")+`.csv"` {
		t.Fatalf("CSV evidence: %d %v", res.StatusCode, res.Header)
	}
	cr := csv.NewReader(strings.NewReader(body))
	cr.FieldsPerRecord = -1
	rows, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head, err := f.env.Svc.VerifyAudit(actx, "")
	if err != nil {
		t.Fatal(err)
	}
	facts := map[string]string{}
	for _, row := range rows[:8] {
		facts[row[0]] = row[1]
	}
	if facts["auditChainHeadHash"] != head.HeadHash || facts["auditChainEvents"] != strconv.FormatUint(head.Count, 10) || facts["generatedBy"] != "admin@example.com" ||
		facts["from"] != today+"T00:00:00Z" || facts["accessPackageId"] != "" {
		t.Errorf("CSV facts = %v; head now %s (%d events)", facts, head.HeadHash, head.Count)
	}
	if got := strings.Join(rows[8], ","); got != "at,kind,requestId,requestType,accessPackageId,accessPackageName,targetId,targetName,assignmentId,stage,actorId,actorName,reason" {
		t.Fatalf("CSV header = %s", got)
	}
	var approved []string
	for _, row := range rows[9:] {
		if row[1] == entitlement.EventApproved {
			approved = row
		}
	}
	manager := f.users["manager@example.com"]
	if approved == nil || approved[2] != r.ID || approved[5] != "Finance reports" || approved[7] != "Riley Requester" || approved[9] != "1" ||
		approved[10] != manager.ID || approved[11] != manager.DisplayName || approved[12] != `'=HYPERLINK("http://evil.example")` {
		t.Errorf("CSV approval row = %q", approved)
	}

	// JSON: the same steps for the one package, and the head.
	evidence.Set("evidenceFormat", "json")
	evidence.Set("evidencePackage", f.financePkg.ID)
	res, body = f.env.PostForm(t, c, "/admin/audit/evidence", csrf, evidence)
	var ev entitlement.Evidence
	if err := json.Unmarshal([]byte(body), &ev); err != nil || res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("JSON evidence: %d %v %.200s", res.StatusCode, err, body)
	}
	if len(ev.Events) != len(rows)-9 || ev.AccessPackageName != "Finance reports" || ev.AuditChain.Count != head.Count+1 || len(ev.AuditChain.Hash) != 64 {
		t.Errorf("JSON evidence: %d events (CSV %d), package %q, chain %+v", len(ev.Events), len(rows)-9, ev.AccessPackageName, ev.AuditChain)
	}

	// The audit log's own CSV export carries each event's place and hash on the chain.
	_, body = f.env.Get(t, c, "/admin/audit/export.csv")
	logRows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(logRows) < 2 || logRows[0][9] != "Chain position" || logRows[0][10] != "Hash" || logRows[1][9] != strconv.FormatUint(head.Count+1, 10) || logRows[1][10] != ev.AuditChain.Hash {
		t.Errorf("audit CSV with the chain: %v %q", err, logRows[:min(2, len(logRows))])
	}

	// A bad range: the page again with the message by the field and what was typed; no file.
	res, page = f.env.PostForm(t, c, "/admin/audit/evidence", csrf, url.Values{"evidenceFrom": {today}, "evidenceTo": {"2000-01-01"}, "evidenceFormat": {"csv"}})
	if res.StatusCode != http.StatusUnprocessableEntity || res.Header.Get("Content-Disposition") != "" {
		t.Fatalf("a range that ends before it starts: %d", res.StatusCode)
	}
	has(t, "422 evidence form", page, "Choose a last day on or after the first.", `value="2000-01-01"`)

	// Without the CSRF token nothing is exported.
	res, err = c.PostForm(f.env.URL+"/admin/audit/evidence", url.Values{"evidenceFrom": {today}, "evidenceTo": {today}, "evidenceFormat": {"csv"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("evidence without CSRF token: %d", res.StatusCode)
	}
}
