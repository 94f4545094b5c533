package entitlement_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

var (
	costCenter = entitlement.Question{ID: "q-cost", Type: entitlement.QuestionTextInput, IsRequired: true, Text: "Which cost center pays?"}
	site       = entitlement.Question{ID: "q-site", Type: entitlement.QuestionMultipleChoice, Text: "Where do you work?",
		Choices: []entitlement.AnswerChoice{{ActualValue: "ber", DisplayValue: "Berlin"}, {ActualValue: "lis", DisplayValue: "Lisbon"}}}
)

// TestRequestAnswersQuestions: answers are checked against the policy's questions, kept with the
// request in the questions' order with the question as asked, and written in the audit log.
func TestRequestAnswersQuestions(t *testing.T) {
	e := entitlementtest.New(t)
	ada := e.User("Ada Lovelace")
	admin := e.User("Root")
	cat := e.Catalog("Tools")
	pkg := e.Package(cat, "Wiki")
	pol := e.Policy(pkg, func(p *entitlement.AssignmentPolicy) { p.Questions = []entitlement.Question{costCenter, site} })
	submit := func(answers map[string]string) (entitlement.Request, error) {
		return e.Svc.SubmitRequest(entitlementtest.As(ada), entitlement.RequestInput{
			RequestType: entitlement.RequestUserAdd, AccessPackageID: pkg.ID, PolicyID: pol.ID, Answers: answers,
		})
	}
	for _, tc := range []struct {
		name    string
		answers map[string]string
		field   string
	}{
		{"a required answer missing", map[string]string{"q-site": "ber"}, entitlement.AnswerField("q-cost")},
		{"only spaces", map[string]string{"q-cost": "   "}, entitlement.AnswerField("q-cost")},
		{"a choice not offered", map[string]string{"q-cost": "4711", "q-site": "Paris"}, entitlement.AnswerField("q-site")},
		{"too long", map[string]string{"q-cost": strings.Repeat("x", entitlement.MaxAnswer+1)}, entitlement.AnswerField("q-cost")},
		{"a question not asked", map[string]string{"q-cost": "4711", "q-gone": "yes"}, "answers"},
	} {
		_, err := submit(tc.answers)
		var ve *entitlement.ValidationError
		if !errors.As(err, &ve) || ve.Fields[tc.field] == "" {
			t.Errorf("%s: %v, want a message for %s", tc.name, err, tc.field)
		}
	}
	r, err := submit(map[string]string{"q-site": "lis", "q-cost": " 4711 "})
	if err != nil {
		t.Fatal(err)
	}
	r = e.Request(r.ID)
	if len(r.Answers) != 2 || r.Answers[0].Value != "4711" || r.Answers[1].Value != "lis" || r.Answers[1].DisplayValue != "Lisbon" ||
		r.Answers[0].AnsweredQuestion.Text != costCenter.Text {
		t.Errorf("answers = %+v", r.Answers)
	}
	page, err := e.Svc.ListAudit(entitlementtest.AsAdmin(admin), entitlement.AuditFilter{ObjectID: r.ID, Action: "request.submit"}, entitlement.ListOptions{})
	if err != nil || len(page.Items) != 1 || !strings.Contains(page.Items[0].Summary, "Which cost center pays? \u201c4711\u201d") || !strings.Contains(page.Items[0].Summary, "Lisbon") {
		t.Errorf("audit = %+v, %v", page.Items, err)
	}
}

// TestPolicyQuestionsValidation: the policy's questions are checked and put in order.
func TestPolicyQuestionsValidation(t *testing.T) {
	e := entitlementtest.New(t)
	admin := e.User("Ada Admin")
	pkg := e.Package(e.Catalog("Tools"), "Wiki")
	ctx := entitlementtest.AsAdmin(admin)
	in := func(qs ...entitlement.Question) entitlement.PolicyInput {
		return entitlement.PolicyInput{AccessPackageID: pkg.ID, DisplayName: "Employees", DurationInDays: 30,
			RequestorSettings:       entitlement.RequestorSettings{ScopeType: entitlement.ScopeAllExistingDirectoryMembers, AcceptRequests: true},
			RequestApprovalSettings: entitlement.ApprovalSettings{ApprovalMode: entitlement.ApprovalNone}, Questions: qs}
	}
	pol, err := e.Svc.CreatePolicy(ctx, in(site, entitlement.Question{Type: entitlement.QuestionTextInput, Text: "  Manager?  ", Choices: site.Choices}))
	if err != nil {
		t.Fatal(err)
	}
	qs := pol.Questions
	if len(qs) != 2 || qs[0].Sequence != 1 || qs[1].Sequence != 2 || qs[1].ID == "" || qs[1].Text != "Manager?" || qs[1].Choices != nil {
		t.Errorf("questions = %+v", qs)
	}
	oneChoice := site
	oneChoice.Choices = []entitlement.AnswerChoice{{DisplayValue: "Berlin"}, {DisplayValue: " "}}
	dup := site
	dup.Choices = []entitlement.AnswerChoice{{DisplayValue: "Berlin"}, {DisplayValue: "berlin"}}
	for _, tc := range []struct {
		name  string
		q     entitlement.Question
		field string
	}{
		{"no text", entitlement.Question{Type: entitlement.QuestionTextInput}, "questions[0].text"},
		{"no kind", entitlement.Question{Text: "Why?"}, "questions[0].type"},
		{"one choice", oneChoice, "questions[0].choices"},
		{"a choice twice", dup, "questions[0].choices"},
	} {
		_, err := e.Svc.CreatePolicy(ctx, in(tc.q))
		var ve *entitlement.ValidationError
		if !errors.As(err, &ve) || ve.Fields[tc.field] == "" {
			t.Errorf("%s: %v, want a message for %s", tc.name, err, tc.field)
		}
	}
}
