package handlers

import (
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views"
)

// TestWizardQuestionsAndOnBehalf: the wizard adds, fills, reorders and removes questions, reads
// the requests-for-others switches, and a draft turned into a policy and back is the same.
func TestWizardQuestionsAndOnBehalf(t *testing.T) {
	d := views.NewPolicyDraft()
	for _, op := range []string{"question:add:text", "question:add:choice", "question:add:text"} {
		if err := applyQuestionOp(&d, op); err != nil {
			t.Fatal(err)
		}
	}
	readStep(&d, views.StepApproval, url.Values{
		"stages":  {"0"},
		"q0_text": {" Cost center? "}, "q0_required": {"on"},
		"q1_text": {"Office?"}, "q1_choices": {"Berlin\r\n\r\n Lisbon \n"},
		"q2_text": {"Gone soon"},
	})
	for _, op := range []string{"question:remove:2", "question:down:0"} {
		if err := applyQuestionOp(&d, op); err != nil {
			t.Fatal(err)
		}
	}
	for _, bad := range []string{"question:add:essay", "question:remove:5", "question:up:x", "question:sideways:0", "question:add"} {
		if err := applyQuestionOp(&d, bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
	readStep(&d, views.StepRequestors, url.Values{"scope": {entitlement.ScopeAllExistingDirectoryMembers}, "accept": {"on"}, "on_behalf": {"on"}, "on_behalf_managers": {"on"}})

	in, errs := buildPolicy(d, "pkg")
	if errs != nil {
		t.Fatal(errs)
	}
	want := []entitlement.Question{
		{Type: entitlement.QuestionMultipleChoice, Text: "Office?", Choices: []entitlement.AnswerChoice{{ActualValue: "Berlin", DisplayValue: "Berlin"}, {ActualValue: "Lisbon", DisplayValue: "Lisbon"}}},
		{Type: entitlement.QuestionTextInput, Text: "Cost center?", IsRequired: true},
	}
	if diff := cmp.Diff(want, in.Questions); diff != "" {
		t.Errorf("questions (-want +got):\n%s", diff)
	}
	if !in.RequestorSettings.ManagersMayRequestForReports() {
		t.Errorf("requestor settings = %+v", in.RequestorSettings)
	}
	pol := entitlement.AssignmentPolicy{DisplayName: "x", RequestorSettings: in.RequestorSettings, Questions: in.Questions, DurationInDays: 90}
	back := draftFromPolicy(pol)
	if !back.OnBehalf || !back.OnBehalfManagers || len(back.Questions) != 2 || back.Questions[0].Choices != "Berlin\nLisbon" || !back.Questions[1].Required {
		t.Errorf("draft from the policy = %+v", back)
	}
	if got := stepOf("questions[1].choices"); got != views.StepApproval {
		t.Errorf("a question's message belongs to %s", got)
	}
}
