package web_test

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views"
)

var (
	draftRe   = regexp.MustCompile(`name="draft" value="([^"]*)"`)
	reachedRe = regexp.MustCompile(`name="reached" value="(\d+)"`)
)

// wizardPost posts one move of the policy wizard, carrying the draft of the previous page.
func wizardPost(t *testing.T, f *adminFixture, c *http.Client, csrf, path, page, step string, form url.Values) (*http.Response, string) {
	t.Helper()
	m := draftRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the wizard page carries no draft")
	}
	form.Set("draft", html.UnescapeString(m[1]))
	form.Set("step", step)
	if r := reachedRe.FindStringSubmatch(page); r != nil {
		form.Set("reached", r[1])
	}
	return f.env.PostForm(t, c, path, csrf, form)
}

func draftOf(t *testing.T, page string) views.PolicyDraft {
	t.Helper()
	m := draftRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the wizard page carries no draft")
	}
	var d views.PolicyDraft
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestPolicyWizardValidatesEachStepAndKeepsInput(t *testing.T) {
	f := startAdmin(t)
	c, csrf := f.signIn(t, "owner@example.com")
	path := "/admin/packages/" + f.financePkg.ID + "/policies/new"
	res, page := f.env.Get(t, c, path)
	if res.StatusCode != http.StatusOK || !strings.Contains(page, `data-step="basics"`) {
		t.Fatalf("wizard: %d", res.StatusCode)
	}

	// Basics without a name: 422 on the same step, with the message.
	res, page = wizardPost(t, f, c, csrf, path, page, "basics", url.Values{"name": {""}, "description": {"Kept text"}, "nav": {"next"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `data-step="basics"`) ||
		!strings.Contains(page, "Enter a name for the policy") || !strings.Contains(page, "Kept text") {
		t.Fatalf("basics without a name: %d", res.StatusCode)
	}
	res, page = wizardPost(t, f, c, csrf, path, page, "basics", url.Values{"name": {"Finance staff"}, "nav": {"next"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(page, `data-step="requestors"`) {
		t.Fatalf("basics → requestors: %d %s", res.StatusCode, errorsOf(page))
	}

	// Specific people without anyone chosen: refused on this step.
	res, page = wizardPost(t, f, c, csrf, path, page, "requestors", url.Values{"scope": {entitlement.ScopeSpecificDirectorySubjects}, "accept": {"true"}, "nav": {"next"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Add at least one user or group who may request") {
		t.Fatalf("no requestors: %d %s", res.StatusCode, errorsOf(page))
	}
	res, page = wizardPost(t, f, c, csrf, path, page, "requestors", url.Values{"scope": {entitlement.ScopeSpecificDirectorySubjects}, "accept": {"true"}, "op": {"add:requestors:group:" + f.financeReaders.ID}})
	if res.StatusCode != http.StatusOK || !strings.Contains(page, "Finance readers") {
		t.Fatalf("add a group: %d", res.StatusCode)
	}
	res, page = wizardPost(t, f, c, csrf, path, page, "requestors", url.Values{"scope": {entitlement.ScopeSpecificDirectorySubjects}, "accept": {"true"}, "nav": {"next"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(page, `data-step="approval"`) {
		t.Fatalf("requestors → approval: %d %s", res.StatusCode, errorsOf(page))
	}

	// One stage with the manager but no backup: the domain's rule shows by the approvers.
	res, page = wizardPost(t, f, c, csrf, path, page, "approval", url.Values{"stages": {"1"}, "s0_timeout": {"5"}, "op": {"addrel:s0.primary:requestorManager:1"}})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("add the manager: %d", res.StatusCode)
	}
	res, page = wizardPost(t, f, c, csrf, path, page, "approval", url.Values{"stages": {"1"}, "s0_timeout": {"5"}, "nav": {"next"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "add a backup approver") {
		t.Fatalf("manager without backup: %d %s", res.StatusCode, errorsOf(page))
	}
	if d := draftOf(t, page); d.StageCount != 1 || d.Stages[0].TimeoutDays != "5" || len(d.Requestors) != 1 || d.Name != "Finance staff" {
		t.Fatalf("input lost: %+v", d)
	}
	res, page = wizardPost(t, f, c, csrf, path, page, "approval", url.Values{"stages": {"1"}, "s0_timeout": {"5"}, "op": {"add:s0.backup:user:" + f.users["approver@example.com"].ID}})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("add a backup: %d", res.StatusCode)
	}
	res, page = wizardPost(t, f, c, csrf, path, page, "approval", url.Values{"stages": {"1"}, "s0_timeout": {"5"}, "nav": {"next"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(page, `data-step="lifecycle"`) {
		t.Fatalf("approval → lifecycle: %d %s", res.StatusCode, errorsOf(page))
	}

	// Back keeps the approval step as it was.
	res, page = wizardPost(t, f, c, csrf, path, page, "lifecycle", url.Values{"lifecycle": {"days"}, "days": {"45"}, "nav": {"back"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(page, `data-step="approval"`) || !strings.Contains(page, "Avery Approver") || !strings.Contains(page, `value="5"`) {
		t.Fatalf("back to approval: %d", res.StatusCode)
	}
	res, page = wizardPost(t, f, c, csrf, path, page, "approval", url.Values{"stages": {"1"}, "s0_timeout": {"5"}, "nav": {"step:lifecycle"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(page, `data-step="lifecycle"`) || !strings.Contains(page, `value="45"`) {
		t.Fatalf("jump to lifecycle: %d %s", res.StatusCode, errorsOf(page))
	}
	res, page = wizardPost(t, f, c, csrf, path, page, "lifecycle", url.Values{"lifecycle": {"days"}, "days": {"45"}, "nav": {"next"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(page, `data-step="reviews"`) {
		t.Fatalf("lifecycle → reviews: %d %s", res.StatusCode, errorsOf(page))
	}
	res, page = wizardPost(t, f, c, csrf, path, page, "reviews", url.Values{"nav": {"next"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(page, `data-step="summary"`) || !strings.Contains(page, "Access lasts 45 days") {
		t.Fatalf("jump to summary: %d %s", res.StatusCode, errorsOf(page))
	}
	if pols, _ := f.env.Svc.PoliciesOfPackage(f.ctxAs("owner@example.com"), f.financePkg.ID); len(pols) != 0 {
		t.Fatalf("a policy was saved before the summary was confirmed")
	}
	res, _ = wizardPost(t, f, c, csrf, path, page, "summary", url.Values{"nav": {"save"}})
	page = f.follow(t, c, res)
	if !strings.Contains(page, "Policy &#34;Finance staff&#34; created.") && !strings.Contains(page, `Policy "Finance staff" created.`) {
		t.Fatalf("no flash after saving: %s", flashText(page))
	}
	pols, err := f.env.Svc.PoliciesOfPackage(f.ctxAs("owner@example.com"), f.financePkg.ID)
	if err != nil || len(pols) != 1 || pols[0].DurationInDays != 45 {
		t.Fatalf("saved policies: %+v %v", pols, err)
	}

	// Someone without a role in the catalog cannot open the wizard.
	rc, _ := f.signIn(t, "requester@example.com")
	if res, _ := f.env.Get(t, rc, path); res.StatusCode != http.StatusForbidden {
		t.Fatalf("wizard for a plain user: %d", res.StatusCode)
	}
}

var fieldErrRe = regexp.MustCompile(`id="[^"]*-error"[^>]*>(?:\s*<span[^>]*>.*?</span>)?\s*<span>([^<]*)</span>`)

func errorsOf(page string) string {
	var out []string
	for _, m := range fieldErrRe.FindAllStringSubmatch(page, -1) {
		out = append(out, m[1])
	}
	if i := strings.Index(page, `data-testid="error-page"`); i >= 0 {
		out = append(out, page[i:min(i+600, len(page))])
	}
	return strings.Join(out, " | ")
}
