package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

// TestPolicyWizardEditsQuestionsAndRequestsForOthers walks the wizard with requests for others on
// and two questions: an empty question and a multiple choice with one choice stop on the approval
// step with their messages (422), and the saved policy has both settings.
func TestPolicyWizardEditsQuestionsAndRequestsForOthers(t *testing.T) {
	f := startAdmin(t)
	c, csrf := f.signIn(t, "owner@example.com")
	path := "/admin/packages/" + f.financePkg.ID + "/policies/new"
	_, page := f.env.Get(t, c, path)
	res, page := wizardPost(t, f, c, csrf, path, page, "basics", url.Values{"name": {"For others"}, "nav": {"next"}})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("basics: %d %s", res.StatusCode, errorsOf(page))
	}
	res, page = wizardPost(t, f, c, csrf, path, page, "requestors", url.Values{"scope": {entitlement.ScopeAllExistingDirectoryMembers}, "accept": {"true"},
		"on_behalf": {"true"}, "on_behalf_managers": {"true"}, "nav": {"next"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(page, `data-step="approval"`) {
		t.Fatalf("requestors: %d %s", res.StatusCode, errorsOf(page))
	}
	approval := func(op string, extra url.Values) {
		t.Helper()
		form := url.Values{"stages": {"0"}, "op": {op}}
		for k, v := range extra {
			form[k] = v
		}
		if op == "" {
			form.Del("op")
			form.Set("nav", "next")
		}
		res, page = wizardPost(t, f, c, csrf, path, page, "approval", form)
	}
	approval("question:add:choice", nil)
	approval("question:add:text", url.Values{"q0_text": {"Which office?"}, "q0_choices": {"Berlin"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(page, `data-testid="question-2"`) || !strings.Contains(page, "Which office?") {
		t.Fatalf("two questions: %d", res.StatusCode)
	}
	approval("", url.Values{"q0_text": {"Which office?"}, "q0_choices": {"Berlin"}, "q1_text": {""}, "q1_required": {"true"}})
	if msgs := errorsOf(page); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `data-step="approval"`) ||
		!strings.Contains(msgs, "Write the question") || !strings.Contains(msgs, "Offer at least 2 choices") {
		t.Fatalf("invalid questions: %d %s", res.StatusCode, msgs)
	}
	approval("question:up:1", url.Values{"q0_text": {"Which office?"}, "q0_choices": {"Berlin\nLisbon"}, "q1_text": {"Cost center?"}, "q1_required": {"true"}})
	approval("", nil)
	if res.StatusCode != http.StatusOK || !strings.Contains(page, `data-step="lifecycle"`) {
		t.Fatalf("approval → lifecycle: %d %s", res.StatusCode, errorsOf(page))
	}
	for _, step := range []string{"lifecycle", "reviews"} {
		res, page = wizardPost(t, f, c, csrf, path, page, step, url.Values{"lifecycle": {"days"}, "days": {"30"}, "nav": {"next"}})
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", step, res.StatusCode, errorsOf(page))
		}
	}
	if got := text(page); !strings.Contains(got, "Managers can request for their direct reports") || !strings.Contains(got, `Requestors are asked "Cost center?" and must answer.`) {
		t.Errorf("summary: %s", got)
	}
	res, _ = wizardPost(t, f, c, csrf, path, page, "summary", url.Values{"nav": {"save"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", res.StatusCode)
	}
	pols, err := f.env.Svc.PoliciesOfPackage(f.ctxAs("owner@example.com"), f.financePkg.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pols {
		if p.DisplayName != "For others" {
			continue
		}
		if !p.RequestorSettings.ManagersMayRequestForReports() || len(p.Questions) != 2 || p.Questions[0].Text != "Cost center?" || len(p.Questions[1].Choices) != 2 {
			t.Errorf("saved policy: %+v, %+v", p.RequestorSettings, p.Questions)
		}
		return
	}
	t.Errorf("the policy was not saved")
}
