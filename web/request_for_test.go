package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/web/webtest"
)

// travelForOthers lets managers request Travel booking for their reports and asks two
// questions: a required cost center and an optional office.
func travelForOthers(t *testing.T, env *webtest.Env, w *world) entitlement.AssignmentPolicy {
	t.Helper()
	pol := w.policies[w.travel.ID]
	in := entitlement.PolicyInput{
		AccessPackageID: w.travel.ID, DisplayName: pol.DisplayName, DurationInDays: pol.DurationInDays,
		RequestorSettings: pol.RequestorSettings, RequestApprovalSettings: pol.RequestApprovalSettings,
		Questions: []entitlement.Question{
			{Type: entitlement.QuestionTextInput, Text: "Which cost center pays?", IsRequired: true},
			{Type: entitlement.QuestionMultipleChoice, Text: "Which office?", Choices: []entitlement.AnswerChoice{{ActualValue: "ber", DisplayValue: "Berlin"}, {ActualValue: "lis", DisplayValue: "Lisbon"}}},
		},
	}
	in.RequestorSettings.EnableOnBehalfRequestorsToAddAccess = true
	in.RequestorSettings.OnBehalfRequestors = []entitlement.UserSet{{Type: entitlement.UserSetTargetManager}}
	out, err := env.Svc.ReplacePolicy(adminCtx(), pol.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRequestForAReportWithAnswers: Manny requests Travel booking for Riley and answers the
// policy's questions; Dana, the backup (Manny cannot approve what he asked for), sees who asked
// for whom and the answers; Riley sees the request made for them.
func TestRequestForAReportWithAnswers(t *testing.T) {
	env, w := startPortal(t)
	pol := travelForOthers(t, env, w)
	riley, dana := w.users["requester@example.com"], w.users["approver@example.com"]
	pkgURL := "/access/packages/" + w.travel.ID
	manny, csrf := signedIn(t, env, "manager@example.com")

	res, page := env.Get(t, manny, pkgURL)
	if res.StatusCode != http.StatusOK || !strings.Contains(text(page), "Who is this access for?") || !strings.Contains(page, riley.ID) {
		t.Fatalf("package page: %d, %s", res.StatusCode, text(page))
	}
	res, page = env.Get(t, manny, pkgURL+"?for="+riley.ID)
	if got := text(page); res.StatusCode != http.StatusOK || !strings.Contains(got, "Request this access for Riley Requester") ||
		!strings.Contains(got, "Which cost center pays?") || !strings.Contains(got, "Dana Approver") {
		t.Fatalf("page for Riley: %d, %s", res.StatusCode, got)
	}
	// Someone who is not Manny's report, or not there at all: said by the field, never a 500.
	for _, other := range []string{dana.ID, "not-an-id", "someone@example.com"} {
		res, page = env.Get(t, manny, pkgURL+"?for="+url.QueryEscape(other))
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(text(page), "Nobody you can request for has this address") {
			t.Errorf("for %s: %d, %s", other, res.StatusCode, text(page))
		}
	}

	form := url.Values{"policyId": {pol.ID}, "for": {riley.ID}, "justification": {"Conference in March"}}
	res, page = env.PostForm(t, manny, pkgURL+"/request", csrf, form)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(text(page), "Answer this question") {
		t.Fatalf("without the required answer: %d, %s", res.StatusCode, text(page))
	}
	q := pol.Questions
	form.Set("answer_"+q[0].ID, "CC-4711")
	form.Set("answer_"+q[1].ID, "paris")
	res, page = env.PostForm(t, manny, pkgURL+"/request", csrf, form)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(text(page), "Choose one of the answers offered") || !strings.Contains(page, "CC-4711") {
		t.Fatalf("a choice not offered: %d, %s", res.StatusCode, text(page))
	}
	form.Set("answer_"+q[1].ID, "lis")
	res, _ = env.PostForm(t, manny, pkgURL+"/request", csrf, form)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit: %d", res.StatusCode)
	}
	reqURL := res.Header.Get("Location")
	_, page = env.Get(t, manny, reqURL)
	if got := text(page); !strings.Contains(got, "Submitted for Riley Requester") || !strings.Contains(got, "CC-4711") || !strings.Contains(got, "Lisbon") {
		t.Errorf("request page: %s", got)
	}

	dc, _ := signedIn(t, env, "approver@example.com")
	_, page = env.Get(t, dc, "/approvals")
	if got := text(page); !strings.Contains(got, "Manny Manager requests Travel booking for Riley Requester") || !strings.Contains(got, "Which cost center pays? CC-4711") {
		t.Errorf("Dana's approvals: %s", got)
	}
	rc, _ := signedIn(t, env, "requester@example.com")
	res, page = env.Get(t, rc, reqURL)
	if res.StatusCode != http.StatusOK || !strings.Contains(text(page), "Manny Manager") {
		t.Errorf("Riley's view of the request: %d, %s", res.StatusCode, text(page))
	}

	// Olly is nobody's manager: asking for Riley is refused with a reason, not a 500.
	oc, ocsrf := signedIn(t, env, "other@example.com")
	res, page = env.PostForm(t, oc, pkgURL+"/request", ocsrf, url.Values{"policyId": {pol.ID}, "for": {w.users["admin@example.com"].ID}})
	if res.StatusCode >= 500 || res.StatusCode == http.StatusSeeOther {
		t.Errorf("Olly for someone else: %d, %s", res.StatusCode, text(page))
	}
}
