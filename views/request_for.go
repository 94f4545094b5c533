package views

import (
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views/components"
)

// RequestFor is the part of the request form about whom the access is for and what the policy
// asks.
type RequestFor struct {
	// For is the id of the person the request is for, empty for the signed-in person; ForName
	// names them.
	For, ForName string
	// ForChoices offers the signed-in person and their reports, when a policy lets managers
	// request for their reports.
	ForChoices []components.SelectOption
	// ForAnyone adds an e-mail field for naming anyone (administrators and assignment managers).
	ForAnyone bool
	ForEmail  string
	ForError  string
	// Answers are the answers typed so far, by question id.
	Answers map[string]string
}

// ChoosesFor tells whether the person may request for someone else.
func (r RequestFor) ChoosesFor() bool { return len(r.ForChoices) > 1 || r.ForAnyone }

// AnswerName is the form field of the answer to a question.
func AnswerName(questionID string) string { return "answer_" + questionID }

// QA is a question as it was asked and its answer, for approvers and the request page.
type QA struct{ Question, Answer string }

// Answers turns a request's answers into what approvers read.
func Answers(as []entitlement.Answer) []QA {
	out := make([]QA, 0, len(as))
	for _, a := range as {
		out = append(out, QA{Question: a.AnsweredQuestion.Text, Answer: a.DisplayValue})
	}
	return out
}

func choiceOptions(q entitlement.Question) []components.SelectOption {
	out := make([]components.SelectOption, 0, len(q.Choices))
	for _, c := range q.Choices {
		out = append(out, components.SelectOption{Value: c.ActualValue, Label: c.DisplayValue})
	}
	return out
}

func questionHelp(q entitlement.Question) string {
	if q.IsRequired {
		return "Required. The approvers read your answer."
	}
	return "Optional. The approvers read your answer."
}
