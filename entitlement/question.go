package entitlement

import (
	"fmt"
	"strings"
)

// Question kinds, named after Graph's accessPackageQuestion subtypes.
const (
	QuestionTextInput      = "accessPackageTextInputQuestion"
	QuestionMultipleChoice = "accessPackageMultipleChoiceQuestion"
)

// Limits of a policy's questions and of the answers to them.
const (
	MaxQuestions      = 10
	MaxQuestionText   = 500
	MaxChoices        = 20
	MaxChoiceText     = 200
	MaxAnswer         = 1000
	minMultipleChoice = 2
)

// Question is something a policy asks requestors (Graph's accessPackageQuestion): a short text
// answer, or one of several choices. Questions are asked in Sequence order.
type Question struct {
	ID         string         `json:"id"`
	Type       string         `json:"type"` // QuestionTextInput or QuestionMultipleChoice
	Sequence   int            `json:"sequence"`
	IsRequired bool           `json:"isRequired"`
	Text       string         `json:"text"`
	Choices    []AnswerChoice `json:"choices,omitempty"` // multiple choice only
}

// AnswerChoice is one choice of a multiple-choice question (Graph's accessPackageAnswerChoice).
type AnswerChoice struct {
	ActualValue  string `json:"actualValue"`
	DisplayValue string `json:"displayValue"`
}

// Answer is a requestor's answer, kept with the request together with the question as it was
// asked, so that later changes to the policy do not change what approvers read (Graph's
// accessPackageAnswerString).
type Answer struct {
	AnsweredQuestion Question `json:"answeredQuestion"`
	Value            string   `json:"value"`
	DisplayValue     string   `json:"displayValue"`
}

// checkQuestions validates and normalizes a policy's questions: texts trimmed, ids given to new
// questions, Sequence following the list's order, choices only on multiple choice.
func checkQuestions(f fieldErrors, qs []Question) {
	if len(qs) > MaxQuestions {
		f.add("questions", "ask at most %d questions", MaxQuestions)
	}
	seen := map[string]bool{}
	for i := range qs {
		q := &qs[i]
		path := fmt.Sprintf("questions[%d]", i)
		q.Sequence = i + 1
		if q.ID == "" || seen[q.ID] {
			q.ID = NewID()
		}
		seen[q.ID] = true
		q.Text = strings.TrimSpace(q.Text)
		switch {
		case q.Text == "":
			f.add(path+".text", "write the question, such as \"Which cost center pays for it?\"")
		case len(q.Text) > MaxQuestionText:
			f.add(path+".text", "use at most %d characters", MaxQuestionText)
		}
		switch q.Type {
		case QuestionTextInput:
			q.Choices = nil
		case QuestionMultipleChoice:
			var kept []AnswerChoice
			dup := map[string]bool{}
			for _, c := range q.Choices {
				c.DisplayValue = strings.TrimSpace(c.DisplayValue)
				c.ActualValue = strings.TrimSpace(c.ActualValue)
				if c.DisplayValue == "" {
					c.DisplayValue = c.ActualValue
				}
				if c.ActualValue == "" {
					c.ActualValue = c.DisplayValue
				}
				if c.DisplayValue == "" {
					continue
				}
				key := strings.ToLower(c.ActualValue)
				if dup[key] {
					f.add(path+".choices", "the choice %q is listed twice; remove one", c.DisplayValue)
				}
				dup[key] = true
				if len(c.DisplayValue) > MaxChoiceText || len(c.ActualValue) > MaxChoiceText {
					f.add(path+".choices", "use at most %d characters for a choice", MaxChoiceText)
				}
				kept = append(kept, c)
			}
			q.Choices = kept
			if len(kept) < minMultipleChoice {
				f.add(path+".choices", "offer at least %d choices, one a line", minMultipleChoice)
			} else if len(kept) > MaxChoices {
				f.add(path+".choices", "offer at most %d choices", MaxChoices)
			}
		default:
			f.add(path+".type", "choose a short text answer or multiple choice")
		}
	}
}

// AnswerField is the field path of the answer to a question in a ValidationError.
func AnswerField(questionID string) string { return "answers." + questionID }

// checkAnswers validates answers (question id → value) against a policy's questions and returns
// them in the questions' order, each with its question as asked. An answer to a question the
// policy does not ask is refused, as it may mean the policy changed while the form was open.
func checkAnswers(qs []Question, in map[string]string) ([]Answer, error) {
	f := fieldErrors{}
	asked := map[string]bool{}
	var out []Answer
	for _, q := range qs {
		asked[q.ID] = true
		v := strings.TrimSpace(in[q.ID])
		field := AnswerField(q.ID)
		if v == "" {
			if q.IsRequired {
				f.add(field, "answer this question; the policy asks everyone who requests")
			}
			continue
		}
		a := Answer{AnsweredQuestion: q, Value: v, DisplayValue: v}
		switch q.Type {
		case QuestionMultipleChoice:
			found := false
			for _, c := range q.Choices {
				if c.ActualValue == v {
					a.DisplayValue, found = c.DisplayValue, true
				}
			}
			if !found {
				f.add(field, "choose one of the answers offered")
				continue
			}
		default:
			if len(v) > MaxAnswer {
				f.add(field, "use at most %d characters", MaxAnswer)
				continue
			}
		}
		out = append(out, a)
	}
	for id, v := range in {
		if !asked[id] && strings.TrimSpace(v) != "" {
			f.add("answers", "the policy no longer asks one of the questions you answered; reload the page and answer again")
		}
	}
	if err := f.err("invalidAnswers"); err != nil {
		return nil, err
	}
	return out, nil
}
