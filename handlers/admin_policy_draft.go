package handlers

import (
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views"
)

// This file holds the policy wizard's model, free of HTTP: reading a step's fields into the
// draft, the list operations of the pickers, turning a draft into the domain's PolicyInput and
// back, which step a validation message belongs to, and the policy in plain words.

const dateLayout = "2006-01-02"

// readStep copies the fields of one wizard step from the submitted form into the draft. Lists
// (requestors, approvers, reviewers) live in the draft and change only through applyOp.
func readStep(d *views.PolicyDraft, step string, f url.Values) {
	get := func(k string) string { return strings.TrimSpace(f.Get(k)) }
	on := func(k string) bool { return f.Get(k) != "" }
	switch step {
	case views.StepBasics:
		d.Name = get("name")
		d.Description = get("description")
	case views.StepRequestors:
		if s := get("scope"); s != "" {
			d.Scope = entitlement.NormalizeScopeType(s)
		}
		d.AcceptRequests = on("accept")
		d.OnBehalf = on("on_behalf")
		d.OnBehalfManagers = d.OnBehalf && on("on_behalf_managers")
		d.RemoveOutOfScope = on("remove_out_of_scope")
	case views.StepApproval:
		for i := range d.Questions {
			if !f.Has(questionField(i, "text")) {
				continue
			}
			q := &d.Questions[i]
			q.Text = get(questionField(i, "text"))
			q.Required = on(questionField(i, "required"))
			q.Choices = strings.TrimSpace(f.Get(questionField(i, "choices")))
		}
		if n, err := strconv.Atoi(get("stages")); err == nil {
			d.StageCount = n
		}
		d.Justification = on("justification")
		for i := range d.Stages {
			if !f.Has(stageField(i, "timeout")) {
				continue // a stage that was not on the page keeps what it had
			}
			st := &d.Stages[i]
			st.TimeoutDays = get(stageField(i, "timeout"))
			st.ApproverJustification = on(stageField(i, "approver_justification"))
			st.Escalation = on(stageField(i, "escalation"))
			st.EscalationAfter = get(stageField(i, "escalation_after"))
			if u := get(stageField(i, "escalation_unit")); u != "" {
				st.EscalationUnit = u
			}
		}
	case views.StepLifecycle:
		if l := get("lifecycle"); l != "" {
			d.Lifecycle = l
		}
		d.Days = get("days")
		d.EndDate = get("end_date")
		d.CanExtend = on("can_extend")
		d.ExtensionApproval = on("extension_approval")
	case views.StepReviews:
		d.Review.Enabled = on("review_enabled")
		if r := get("review_recurrence"); r != "" {
			d.Review.Recurrence = r
		}
		if t := get("review_reviewer_type"); t != "" {
			d.Review.ReviewerType = t
		}
		d.Review.Start = get("review_start")
		if u := get("review_undecided"); u != "" {
			d.Review.Undecided = u
		}
		d.Review.Days = get("review_days")
	}
	d.Normalize()
}

func stageField(i int, name string) string { return "s" + strconv.Itoa(i) + "_" + name }

func questionField(i int, name string) string { return "q" + strconv.Itoa(i) + "_" + name }

// applyQuestionOp carries out one change to the draft's questions:
//
//	question:add:<kind>          add a short-text ("text") or multiple-choice ("choice") question
//	question:remove:<index>      remove a question
//	question:up:<index>          move a question one place earlier (down: later)
func applyQuestionOp(d *views.PolicyDraft, op string) error {
	parts := strings.Split(op, ":")
	bad := fmt.Errorf("unknown question operation %q", op)
	if len(parts) != 3 || parts[0] != "question" {
		return bad
	}
	if parts[1] == "add" {
		if parts[2] != views.QuestionKindText && parts[2] != views.QuestionKindChoice {
			return bad
		}
		if len(d.Questions) >= entitlement.MaxQuestions {
			return nil // the button is not offered then; a second click changes nothing
		}
		d.Questions = append(d.Questions, views.QuestionDraft{Kind: parts[2]})
		return nil
	}
	i, err := strconv.Atoi(parts[2])
	if err != nil || i < 0 || i >= len(d.Questions) {
		return bad
	}
	switch parts[1] {
	case "remove":
		d.Questions = slices.Delete(d.Questions, i, i+1)
	case "up":
		if i > 0 {
			d.Questions[i-1], d.Questions[i] = d.Questions[i], d.Questions[i-1]
		}
	case "down":
		if i < len(d.Questions)-1 {
			d.Questions[i+1], d.Questions[i] = d.Questions[i], d.Questions[i+1]
		}
	default:
		return bad
	}
	return nil
}

// The kinds a picker's choose button names, mapped to user set types.
var pickKinds = map[string]string{
	"user":  entitlement.UserSetSingleUser,
	"group": entitlement.UserSetGroupMembers,
	"org":   entitlement.UserSetConnectedOrgMembers,
}

// applyOp carries out one list operation of the wizard on the draft:
//
//	add:<list>:<kind>:<id>       add a user, group or organization chosen in a picker
//	addrel:<list>:<type>[:<n>]   add the requestor's manager (level n) or the sponsors
//	remove:<list>:<index>        remove an entry
//
// Lists are "requestors", "reviewers", and per stage i "s<i>.primary", "s<i>.backup" (both
// removed through "s<i>.approvers") and "s<i>.escalation". It returns an error for an operation
// it does not understand, which only a tampered form sends.
func applyOp(d *views.PolicyDraft, op string) error {
	parts := strings.Split(op, ":")
	bad := fmt.Errorf("unknown wizard operation %q", op)
	if len(parts) < 3 {
		return bad
	}
	verb, list := parts[0], parts[1]
	target, backup, err := draftList(d, list)
	if err != nil {
		return err
	}
	switch verb {
	case "add":
		if len(parts) != 4 {
			return bad
		}
		typ, ok := pickKinds[parts[2]]
		if !ok || parts[3] == "" {
			return bad
		}
		u := entitlement.UserSet{Type: typ, ID: parts[3], IsBackup: backup}
		if !slices.ContainsFunc(*target, func(x entitlement.UserSet) bool { return x.Type == u.Type && x.ID == u.ID && x.IsBackup == u.IsBackup }) {
			*target = append(*target, u)
		}
	case "addrel":
		u := entitlement.UserSet{Type: parts[2], IsBackup: backup}
		switch u.Type {
		case entitlement.UserSetRequestorManager:
			u.ManagerLevel = 1
			if len(parts) == 4 && parts[3] == "2" {
				u.ManagerLevel = 2
			}
		case entitlement.UserSetInternalSponsors, entitlement.UserSetExternalSponsors:
		default:
			return bad
		}
		if !slices.ContainsFunc(*target, func(x entitlement.UserSet) bool {
			return x.Type == u.Type && x.ManagerLevel == u.ManagerLevel && x.IsBackup == u.IsBackup
		}) {
			*target = append(*target, u)
		}
	case "remove":
		i, err := strconv.Atoi(parts[2])
		if err != nil || i < 0 || i >= len(*target) {
			return bad
		}
		*target = slices.Delete(*target, i, i+1)
	default:
		return bad
	}
	return nil
}

// draftList resolves a list name of applyOp; backup tells whether entries added to it are backups.
func draftList(d *views.PolicyDraft, list string) (*[]entitlement.UserSet, bool, error) {
	switch list {
	case "requestors":
		return &d.Requestors, false, nil
	case "reviewers":
		return &d.Review.Reviewers, false, nil
	}
	if len(list) > 2 && list[0] == 's' {
		if dot := strings.IndexByte(list, '.'); dot > 1 {
			i, err := strconv.Atoi(list[1:dot])
			if err == nil && i >= 0 && i < len(d.Stages) {
				st := &d.Stages[i]
				switch list[dot+1:] {
				case "primary", "approvers":
					return &st.Approvers, false, nil
				case "backup":
					return &st.Approvers, true, nil
				case "escalation":
					return &st.EscalationApprovers, false, nil
				}
			}
		}
	}
	return nil, false, fmt.Errorf("unknown wizard list %q", list)
}

// buildPolicy turns a draft into the domain's input. Numbers and dates that cannot be read come
// back as messages by field path, like the domain's own validation messages.
func buildPolicy(d views.PolicyDraft, packageID string) (entitlement.PolicyInput, map[string]string) {
	errs := map[string]string{}
	in := entitlement.PolicyInput{
		AccessPackageID: packageID,
		DisplayName:     d.Name,
		Description:     d.Description,
		CanExtend:       d.CanExtend,
		IfVersion:       d.Version,
	}
	in.RequestorSettings = entitlement.RequestorSettings{ScopeType: d.Scope, AcceptRequests: d.AcceptRequests,
		EnableOnBehalfRequestorsToAddAccess: d.OnBehalf, RemoveWhenOutOfScope: d.RemoveOutOfScope && d.Scope != entitlement.ScopeNoSubjects}
	if d.OnBehalf && d.OnBehalfManagers {
		in.RequestorSettings.OnBehalfRequestors = []entitlement.UserSet{{Type: entitlement.UserSetTargetManager, ManagerLevel: 1}}
	}
	for _, q := range d.Questions {
		out := entitlement.Question{ID: q.ID, Type: entitlement.QuestionTextInput, Text: q.Text, IsRequired: q.Required}
		if q.Kind == views.QuestionKindChoice {
			out.Type = entitlement.QuestionMultipleChoice
			for _, line := range strings.Split(q.Choices, "\n") {
				if line = strings.TrimSpace(line); line != "" {
					out.Choices = append(out.Choices, entitlement.AnswerChoice{ActualValue: line, DisplayValue: line})
				}
			}
		}
		in.Questions = append(in.Questions, out)
	}
	switch d.Scope {
	case entitlement.ScopeSpecificDirectorySubjects:
		in.RequestorSettings.AllowedRequestors = keepTypes(d.Requestors, entitlement.UserSetSingleUser, entitlement.UserSetGroupMembers)
	case entitlement.ScopeSpecificConnectedOrgSubjects:
		in.RequestorSettings.AllowedRequestors = keepTypes(d.Requestors, entitlement.UserSetConnectedOrgMembers)
	}

	as := entitlement.ApprovalSettings{
		IsRequestorJustificationRequired: d.Justification,
		IsApprovalRequiredForExtension:   d.CanExtend && d.ExtensionApproval,
		ApprovalMode:                     entitlement.ApprovalNone,
	}
	if d.StageCount > 0 {
		as.IsApprovalRequired = true
		as.ApprovalMode = entitlement.ApprovalSingle
		if d.StageCount > 1 {
			as.ApprovalMode = entitlement.ApprovalSerial
		}
		for i := 0; i < d.StageCount && i < len(d.Stages); i++ {
			st := d.Stages[i]
			path := views.StagePath(i)
			out := entitlement.ApprovalStage{
				IsApproverJustificationRequired: st.ApproverJustification,
				IsEscalationEnabled:             st.Escalation,
				PrimaryApprovers:                append([]entitlement.UserSet(nil), st.Approvers...),
			}
			out.ApprovalStageTimeOutInDays = number(errs, path+".approvalStageTimeOutInDays", st.TimeoutDays, "enter how many days approvers have, such as 7")
			if st.Escalation {
				out.EscalationApprovers = append([]entitlement.UserSet(nil), st.EscalationApprovers...)
				msg := "enter after how long the request escalates, such as 48 hours"
				n, unit := number(errs, path+".escalationTimeInMinutes", st.EscalationAfter, msg), unitMinutes(st.EscalationUnit)
				if n > math.MaxInt32/unit {
					// In minutes it would wrap around to some other number.
					errs[path+".escalationTimeInMinutes"] = msg
					n = 0
				}
				out.EscalationTimeInMinutes = n * unit
			}
			as.ApprovalStages = append(as.ApprovalStages, out)
		}
	}
	in.RequestApprovalSettings = as

	switch d.Lifecycle {
	case views.LifecycleDays:
		in.DurationInDays = number(errs, "durationInDays", d.Days, "enter how many days access lasts, such as 90")
	case views.LifecycleDate:
		if t, ok := endOfDay(d.EndDate); ok {
			in.ExpirationDateTime = &t
		} else {
			errs["expirationDateTime"] = "choose the date on which access ends"
		}
	}

	if d.Review.Enabled {
		r := &entitlement.ReviewSettings{
			IsEnabled: true, RecurrenceType: d.Review.Recurrence, ReviewerType: d.Review.ReviewerType,
		}
		r.DurationInDays = number(errs, "accessReviewSettings.durationInDays", d.Review.Days, "enter how many days each review stays open, such as 14")
		if d.Review.Start != "" {
			if t, err := time.Parse(dateLayout, d.Review.Start); err == nil {
				r.StartDateTime = &t
			} else {
				errs["accessReviewSettings.startDateTime"] = "choose the date of the first review"
			}
		}
		if r.ReviewerType == entitlement.ReviewerReviewers || r.ReviewerType == entitlement.ReviewerManager {
			r.Reviewers = append([]entitlement.UserSet(nil), d.Review.Reviewers...)
		}
		r.AccessReviewTimeoutBehavior = d.Review.Undecided
		in.AccessReviewSettings = r
	}
	if len(errs) == 0 {
		errs = nil
	}
	return in, errs
}

func keepTypes(sets []entitlement.UserSet, types ...string) []entitlement.UserSet {
	var out []entitlement.UserSet
	for _, u := range sets {
		if slices.Contains(types, u.Type) {
			out = append(out, u)
		}
	}
	return out
}

// number reads a whole number typed in a form; an empty or unreadable one records msg at path.
func number(errs map[string]string, path, s, msg string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		errs[path] = msg
		return 0
	}
	return n
}

func unitMinutes(unit string) int {
	switch unit {
	case "minutes":
		return 1
	case "days":
		return 24 * 60
	}
	return 60
}

// endOfDay reads a date and returns the last second of that day in UTC: access that "ends on
// 31 December" lasts through that day.
func endOfDay(s string) (time.Time, bool) {
	t, err := time.Parse(dateLayout, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, false
	}
	return t.Add(24*time.Hour - time.Second), true
}

// draftFromPolicy fills the wizard with an existing policy, for editing.
func draftFromPolicy(p entitlement.AssignmentPolicy) views.PolicyDraft {
	d := views.PolicyDraft{
		Name: p.DisplayName, Description: p.Description, Version: p.Version,
		Scope:            entitlement.NormalizeScopeType(p.RequestorSettings.ScopeType),
		AcceptRequests:   p.RequestorSettings.AcceptRequests,
		Requestors:       append([]entitlement.UserSet(nil), p.RequestorSettings.AllowedRequestors...),
		Justification:    p.RequestApprovalSettings.IsRequestorJustificationRequired,
		CanExtend:        p.CanExtend,
		OnBehalf:         p.RequestorSettings.EnableOnBehalfRequestorsToAddAccess,
		RemoveOutOfScope: p.RequestorSettings.RemoveWhenOutOfScope,
	}
	d.OnBehalfManagers = p.RequestorSettings.ManagersMayRequestForReports()
	for _, q := range p.Questions {
		qd := views.QuestionDraft{ID: q.ID, Kind: views.QuestionKindText, Text: q.Text, Required: q.IsRequired}
		if q.Type == entitlement.QuestionMultipleChoice {
			qd.Kind = views.QuestionKindChoice
			var lines []string
			for _, c := range q.Choices {
				lines = append(lines, c.DisplayValue)
			}
			qd.Choices = strings.Join(lines, "\n")
		}
		d.Questions = append(d.Questions, qd)
	}
	d.ExtensionApproval = p.CanExtend && p.RequestApprovalSettings.IsApprovalRequiredForExtension
	if p.IsApprovalRequired() {
		d.StageCount = min(len(p.RequestApprovalSettings.ApprovalStages), entitlement.MaxApprovalStages)
		for i := 0; i < d.StageCount; i++ {
			st := p.RequestApprovalSettings.ApprovalStages[i]
			sd := views.StageDraft{
				TimeoutDays:           strconv.Itoa(st.ApprovalStageTimeOutInDays),
				ApproverJustification: st.IsApproverJustificationRequired,
				Approvers:             append([]entitlement.UserSet(nil), st.PrimaryApprovers...),
				Escalation:            st.IsEscalationEnabled,
				EscalationApprovers:   append([]entitlement.UserSet(nil), st.EscalationApprovers...),
				EscalationUnit:        "hours",
				EscalationAfter:       "48",
			}
			if st.IsEscalationEnabled {
				m := st.EscalationTimeInMinutes
				switch {
				case m > 0 && m%(24*60) == 0:
					sd.EscalationUnit, sd.EscalationAfter = "days", strconv.Itoa(m/(24*60))
				case m > 0 && m%60 == 0:
					sd.EscalationUnit, sd.EscalationAfter = "hours", strconv.Itoa(m/60)
				default:
					sd.EscalationUnit, sd.EscalationAfter = "minutes", strconv.Itoa(m)
				}
			}
			d.Stages = append(d.Stages, sd)
		}
	}
	switch {
	case p.ExpirationDateTime != nil:
		d.Lifecycle, d.EndDate = views.LifecycleDate, p.ExpirationDateTime.UTC().Format(dateLayout)
	case p.DurationInDays > 0:
		d.Lifecycle, d.Days = views.LifecycleDays, strconv.Itoa(p.DurationInDays)
	default:
		d.Lifecycle = views.LifecycleNone
	}
	if r := p.AccessReviewSettings; r != nil && r.IsEnabled {
		d.Review = views.ReviewDraft{
			Enabled: true, Recurrence: r.RecurrenceType, ReviewerType: r.ReviewerType,
			Days: strconv.Itoa(r.DurationInDays), Reviewers: append([]entitlement.UserSet(nil), r.Reviewers...), Undecided: r.AccessReviewTimeoutBehavior,
		}
		if r.StartDateTime != nil {
			d.Review.Start = r.StartDateTime.UTC().Format(dateLayout)
		}
	} else {
		d.Review = views.ReviewDraft{Recurrence: "quarterly", ReviewerType: entitlement.ReviewerSelf, Days: "14", Undecided: entitlement.ReviewTimeoutKeep}
	}
	d.Normalize()
	return d
}

// stepOf tells which wizard step a field path belongs to, so a message shows where it can be
// fixed. Messages that belong to no step show on the summary.
func stepOf(path string) string {
	switch {
	case path == "displayName" || path == "description":
		return views.StepBasics
	case strings.HasPrefix(path, "requestorSettings"):
		return views.StepRequestors
	case strings.HasPrefix(path, "requestApprovalSettings.isApprovalRequiredForExtension"):
		return views.StepLifecycle
	case strings.HasPrefix(path, "requestApprovalSettings") || strings.HasPrefix(path, "questions"):
		return views.StepApproval
	case path == "durationInDays" || path == "expirationDateTime" || path == "canExtend":
		return views.StepLifecycle
	case strings.HasPrefix(path, "accessReviewSettings"):
		return views.StepReviews
	}
	return views.StepSummary
}

// errorsUpTo keeps the messages of the steps up to and including step; the first step with a
// message is returned too (or "" when none is left).
func errorsUpTo(errs map[string]string, step string) (map[string]string, string) {
	limit := views.StepIndex(step)
	out := map[string]string{}
	first := ""
	for path, msg := range errs {
		s := stepOf(path)
		i := views.StepIndex(s)
		if i > limit {
			continue
		}
		out[path] = msg
		if first == "" || i < views.StepIndex(first) {
			first = s
		}
	}
	return out, first
}
