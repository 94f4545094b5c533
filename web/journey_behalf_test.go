package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/web/browsertest"
)

// TestJourneyRequestForAReport: Morgan requests GitHub maintainer for Riley, their report,
// answering the policy's questions (one with a pasted link); Avery, the backup, approves in
// place and reads who asked for whom and the answers; Riley follows the request made for them.
func TestJourneyRequestForAReport(t *testing.T) {
	w := startDemo(t)
	pkg := w.pkg(t, "GitHub maintainer")
	pol := w.policies["GitHub maintainer"]
	in := entitlement.PolicyInput{
		AccessPackageID: pkg.ID, DisplayName: pol.DisplayName, Description: pol.Description, DurationInDays: pol.DurationInDays,
		CanExtend: pol.CanExtend, RequestorSettings: pol.RequestorSettings, RequestApprovalSettings: pol.RequestApprovalSettings,
		Questions: []entitlement.Question{
			{Type: entitlement.QuestionTextInput, Text: "Which repositories?", IsRequired: true},
			{Type: entitlement.QuestionMultipleChoice, Text: "Which team?", IsRequired: true,
				Choices: []entitlement.AnswerChoice{{ActualValue: "mobile", DisplayValue: "Mobile"}, {ActualValue: "web", DisplayValue: "Web"}}},
		},
	}
	in.RequestorSettings.EnableOnBehalfRequestorsToAddAccess = true
	in.RequestorSettings.OnBehalfRequestors = []entitlement.UserSet{{Type: entitlement.UserSetTargetManager}}
	if _, err := w.env.Svc.ReplacePolicy(entitlement.WithPrincipal(t.Context(), entitlement.Principal{UserID: "seed", Name: "Seed", IsAdmin: true}), pol.ID, in); err != nil {
		t.Fatal(err)
	}
	riley := w.users["requester@example.com"]

	j := newJourney(t, w)
	j.as("morgan", "Morgan Manager")
	j.open("/access/packages/" + pkg.ID)
	j.Do(chromedp.WaitVisible(chromedp.CSS(`[data-testid="request-for"]`)))
	j.Do(chromedp.SetValue(chromedp.CSS(`#for`), riley.ID))
	j.click(`[data-testid="request-for-choose"]`)
	j.waitText(`[data-testid="request-form"]`, "Request this access for Riley Requester")
	j.waitText(`[data-testid="approver-preview"]`, "Avery Approver")
	j.typeInto(`#justification`, "Riley joins the mobile release rotation.")
	j.typeInto(`[data-testid="question"][type="text"]`, "mobile-app and "+browsertest.LongURL)
	j.Do(chromedp.SetValue(chromedp.CSS(`select[data-testid="question"]`), "mobile"))
	j.shots("request-for-report")
	j.click(`[data-testid="submit-request"]`)
	j.waitText(`main`, "Submitted for Riley Requester")
	j.waitText(`[data-testid="flashes"]`, "Your request for Riley Requester to get GitHub maintainer was sent to Avery Approver")
	j.waitText(`[data-testid="request-timeline"]`, "Submitted for Riley Requester")
	j.waitText(`[data-testid="request-answers"]`, "Mobile")
	j.shots("request-for-report-pending")

	j.as("avery", "Avery Approver")
	j.open("/approvals")
	r := onlyRequest(t, w, "requester@example.com", pkg.ID)
	card := `#approval-` + r.ID
	j.waitText(card, "Morgan Manager requests GitHub maintainer for Riley Requester")
	j.waitText(card+` [data-testid="request-answers"]`, "Which team? Mobile")
	j.shots("approvals-on-behalf")
	j.click(card + ` [data-testid="approve"]`)
	j.waitText(card+` [data-testid="approval-outcome"]`, "You approved this request")

	j.as("riley", "Riley Requester")
	j.open("/access/requests/" + r.ID)
	j.waitText(`main`, "Morgan Manager")
	j.waitText(`[data-testid="request-answers"]`, "Which repositories?")
	j.shots("request-made-for-me")
}
