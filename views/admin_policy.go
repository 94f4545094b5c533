package views

import (
	"strconv"
	"strings"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views/components"
	"github.com/stewardhq/steward/words"
)

// The steps of the policy wizard, in order.
const (
	StepBasics     = "basics"
	StepRequestors = "requestors"
	StepApproval   = "approval"
	StepLifecycle  = "lifecycle"
	StepReviews    = "reviews"
	StepSummary    = "summary"
)

// WizardStep is one step of the policy wizard.
type WizardStep struct{ Key, Label string }

// PolicySteps are the wizard's steps in order.
var PolicySteps = []WizardStep{
	{StepBasics, "Basics"},
	{StepRequestors, "Who can request"},
	{StepApproval, "Approval"},
	{StepLifecycle, "Lifecycle"},
	{StepReviews, "Access reviews"},
	{StepSummary, "Summary"},
}

// StepIndex returns the position of a step, or -1.
func StepIndex(step string) int {
	for i, s := range PolicySteps {
		if s.Key == step {
			return i
		}
	}
	return -1
}

// The lifecycle choices of a policy draft.
const (
	LifecycleDays = "days"
	LifecycleDate = "date"
	LifecycleNone = "none"
)

// PolicyDraft is the policy wizard's state: everything entered so far, carried from step to step
// as JSON in one hidden field, so that going back and forth keeps what was typed. Numbers are kept
// as typed (strings) so that a mistyped one comes back as typed with its message. Nothing is saved
// until the summary is confirmed.
type PolicyDraft struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Version is the version of the policy being edited, carried through every step so that
	// saving over someone else's change is refused; 0 for a new policy.
	Version int64 `json:"version,omitempty"`

	Scope          string                `json:"scope"`
	AcceptRequests bool                  `json:"acceptRequests"`
	Requestors     []entitlement.UserSet `json:"requestors,omitempty"` // users, groups or organizations, by Scope
	// OnBehalf lets administrators and assignment managers request for others, and OnBehalfManagers
	// managers for their direct reports too.
	OnBehalf         bool `json:"onBehalf,omitempty"`
	OnBehalfManagers bool `json:"onBehalfManagers,omitempty"`
	// RemoveOutOfScope takes the access of holders who leave the scope (a group they were in
	// through directory sync, say); off by default.
	RemoveOutOfScope bool `json:"removeOutOfScope,omitempty"`

	Justification bool            `json:"justification"` // the requestor must say why
	Questions     []QuestionDraft `json:"questions,omitempty"`
	StageCount    int             `json:"stageCount"` // 0 = no approval
	Stages        []StageDraft    `json:"stages"`     // always MaxApprovalStages long, so fewer stages and back keeps the rest

	Lifecycle         string `json:"lifecycle"` // LifecycleDays, LifecycleDate or LifecycleNone
	Days              string `json:"days,omitempty"`
	EndDate           string `json:"endDate,omitempty"` // 2006-01-02, UTC
	CanExtend         bool   `json:"canExtend"`
	ExtensionApproval bool   `json:"extensionApproval"`

	Review ReviewDraft `json:"review"`
}

// Question kinds of a draft, as the wizard offers them.
const (
	QuestionKindText   = "text"
	QuestionKindChoice = "choice"
)

// QuestionDraft is one question of a draft; a multiple-choice question's choices are typed one a
// line.
type QuestionDraft struct {
	ID       string `json:"id,omitempty"` // kept from the policy, so answers stay tied to it
	Kind     string `json:"kind"`
	Text     string `json:"text"`
	Required bool   `json:"required"`
	Choices  string `json:"choices,omitempty"`
}

// QuestionPath is the field path prefix of question i.
func QuestionPath(i int) string { return "questions[" + strconv.Itoa(i) + "]" }

// StageDraft is one approval stage of a draft.
type StageDraft struct {
	TimeoutDays           string                `json:"timeoutDays"`
	ApproverJustification bool                  `json:"approverJustification"`
	Approvers             []entitlement.UserSet `json:"approvers,omitempty"` // primary and backup (IsBackup)
	Escalation            bool                  `json:"escalation"`
	EscalationAfter       string                `json:"escalationAfter,omitempty"`
	EscalationUnit        string                `json:"escalationUnit"` // "minutes", "hours" or "days"
	EscalationApprovers   []entitlement.UserSet `json:"escalationApprovers,omitempty"`
}

// ReviewDraft is the access review part of a draft.
type ReviewDraft struct {
	Enabled      bool                  `json:"enabled"`
	Recurrence   string                `json:"recurrence"`
	ReviewerType string                `json:"reviewerType"`
	Start        string                `json:"start,omitempty"` // 2006-01-02
	Days         string                `json:"days"`
	Reviewers    []entitlement.UserSet `json:"reviewers,omitempty"`
	Undecided    string                `json:"undecided,omitempty"` // accessReviewTimeoutBehavior
}

// NewPolicyDraft is the draft a new policy starts from: directory members may request, their
// manager approves (with a backup to add), access lasts 90 days.
func NewPolicyDraft() PolicyDraft {
	d := PolicyDraft{
		Scope: entitlement.ScopeAllExistingDirectoryMembers, AcceptRequests: true,
		Lifecycle: LifecycleDays, Days: "90",
		Review: ReviewDraft{Recurrence: "quarterly", ReviewerType: entitlement.ReviewerSelf, Days: "14"},
	}
	d.Normalize()
	return d
}

// Normalize fills the stages up to MaxApprovalStages and the defaults of empty fields.
func (d *PolicyDraft) Normalize() {
	for len(d.Stages) < entitlement.MaxApprovalStages {
		d.Stages = append(d.Stages, StageDraft{TimeoutDays: "7", EscalationUnit: "hours", EscalationAfter: "48"})
	}
	for i := range d.Stages {
		if d.Stages[i].EscalationUnit == "" {
			d.Stages[i].EscalationUnit = "hours"
		}
	}
	if d.StageCount < 0 {
		d.StageCount = 0
	}
	if d.StageCount > entitlement.MaxApprovalStages {
		d.StageCount = entitlement.MaxApprovalStages
	}
	if d.Lifecycle == "" {
		d.Lifecycle = LifecycleNone
	}
	if d.Review.Recurrence == "" {
		d.Review.Recurrence = "quarterly"
	}
	if d.Review.ReviewerType == "" {
		d.Review.ReviewerType = entitlement.ReviewerSelf
	}
}

// PolicyWizardProps configures PolicyWizardPage.
type PolicyWizardProps struct {
	Page        Page
	Package     entitlement.AccessPackage
	CatalogName string
	Action      string // the URL every step posts to
	CancelURL   string
	Editing     bool
	Step        string
	Draft       PolicyDraft
	DraftJSON   string
	Errors      map[string]string // by domain field path, e.g. "requestApprovalSettings.approvalStages[0].primaryApprovers"
	Names       map[string]string // labels of chosen users, groups and organizations, by NameKey
	Picker      PickerState       // the picker searched without JavaScript, and what it found
	Summary     []SummarySection  // the summary step's plain words
	Reached     int               // the furthest step reached, so the step list links back to it
	General     []string          // messages that belong to no field of the current step
	ErrorSteps  map[string]bool   // the steps that have a message, marked in the step list
	Stale       *Stale            // the save was refused because the policy changed meanwhile
}

// SummarySection is one paragraph of a policy's plain-words summary, with the step to change it.
type SummarySection struct {
	Title string
	Step  string
	Lines []string
}

// PickerState is a picker's no-JavaScript search: which picker, what was typed, what was found.
type PickerState struct {
	Target  string
	Query   string
	Results []Choice
}

// NameKey is the key of a chosen user set in PolicyWizardProps.Names.
func NameKey(u entitlement.UserSet) string { return u.Type + ":" + u.ID }

// Err returns the message for a field path.
func (p PolicyWizardProps) Err(path string) string { return p.Errors[path] }

// StagePath is the field path prefix of stage i.
func StagePath(i int) string {
	return "requestApprovalSettings.approvalStages[" + strconv.Itoa(i) + "]"
}

// UserSetLabel names a chosen user set for a chip.
func (p PolicyWizardProps) UserSetLabel(u entitlement.UserSet) string {
	switch u.Type {
	case entitlement.UserSetRequestorManager:
		if u.ManagerLevel == 2 {
			return "Requestor's second-level manager"
		}
		return "Requestor's manager"
	case entitlement.UserSetInternalSponsors:
		return "Internal sponsors"
	case entitlement.UserSetExternalSponsors:
		return "External sponsors"
	}
	if n, ok := p.Names[NameKey(u)]; ok {
		return n
	}
	return "Unknown (" + u.ID + ")"
}

func (p PolicyWizardProps) title() string {
	if p.Editing {
		return "Edit policy"
	}
	return "New policy"
}

func stepLabel(step string) string {
	for _, s := range PolicySteps {
		if s.Key == step {
			return s.Label
		}
	}
	return step
}

func (p PolicyWizardProps) stepTitle() string {
	switch p.Step {
	case StepBasics:
		return "Name the policy"
	case StepRequestors:
		return "Who can request"
	case StepApproval:
		return "Who approves"
	case StepLifecycle:
		return "How long access lasts"
	case StepReviews:
		return "Access reviews"
	}
	return "Check and confirm"
}

func (p PolicyWizardProps) stepHelp() string {
	switch p.Step {
	case StepBasics:
		return "A package can have several policies, for example one for employees and one for partners."
	case StepRequestors:
		return "Only the people you choose here see the package and can ask for it through this policy."
	case StepApproval:
		return "None, or one to three stages that decide in turn. Each stage needs at least one approver."
	case StepLifecycle:
		return "Access can end after a number of days, on a fixed date, or never."
	case StepReviews:
		return "Optional: have access confirmed at regular intervals."
	}
	return "This is what the policy will do. Change any part, or confirm to save it."
}

func (p PolicyWizardProps) nextLabel() string {
	i := StepIndex(p.Step)
	if i >= 0 && i+1 < len(PolicySteps) {
		return PolicySteps[i+1].Label
	}
	return ""
}

// stepHasError reports whether a step has a message to fix.
func (p PolicyWizardProps) stepHasError(step string) bool {
	return p.ErrorSteps[step]
}

// generalErrors are messages that belong to no field shown on the current step.
func (p PolicyWizardProps) generalErrors() []string {
	return p.General
}

func (p PolicyWizardProps) firstErr(paths ...string) string {
	for _, path := range paths {
		if m := p.Errors[path]; m != "" {
			return m
		}
	}
	return ""
}

// stageField is the form name of a stage's field.
func stageField(i int, name string) string { return "s" + itoa(i) + "_" + name }

func isDirectorySubject(u entitlement.UserSet) bool {
	return u.Type == entitlement.UserSetSingleUser || u.Type == entitlement.UserSetGroupMembers
}
func isOrg(u entitlement.UserSet) bool     { return u.Type == entitlement.UserSetConnectedOrgMembers }
func isPrimary(u entitlement.UserSet) bool { return !u.IsBackup }
func isBackup(u entitlement.UserSet) bool  { return u.IsBackup }

// chips lists the entries of a draft list that keep says to show; the remove button names the
// entry's index in the whole list.
func (p PolicyWizardProps) chips(sets []entitlement.UserSet, list string, keep func(entitlement.UserSet) bool) []ChipItem {
	var out []ChipItem
	for i, u := range sets {
		if keep != nil && !keep(u) {
			continue
		}
		item := ChipItem{Label: p.UserSetLabel(u), RemoveName: "op", RemoveValue: "remove:" + list + ":" + itoa(i)}
		switch u.Type {
		case entitlement.UserSetGroupMembers:
			item.Detail = "group"
		case entitlement.UserSetConnectedOrgMembers:
			item.Detail = "organization"
		}
		out = append(out, item)
	}
	return out
}

// picker configures the people picker that adds to a draft list.
func (p PolicyWizardProps) picker(list, label, help, kinds string) PickerProps {
	id := "pick-" + strings.ReplaceAll(list, ".", "-")
	pp := PickerProps{
		ID: id, Label: label, Help: help, Kinds: kinds,
		Name: "op", Prefix: "add:" + list + ":", SearchName: "op", SearchValue: "search:" + list,
		QueryName: "q_" + list,
	}
	if p.Picker.Target == list {
		pp.Query, pp.Results, pp.Searched = p.Picker.Query, p.Picker.Results, true
	}
	// The message about the list (rendered by FieldError above the picker) describes the box
	// that adds to it.
	var errPath, errID string
	switch stage, kind, _ := strings.Cut(list, "."); {
	case list == "requestors":
		errPath, errID = "requestorSettings.allowedRequestors", "requestors-error"
	case list == "reviewers":
		errPath, errID = "accessReviewSettings.reviewers", "reviewers-error"
	case kind == "primary" && len(stage) > 1:
		i, _ := strconv.Atoi(stage[1:])
		errPath, errID = StagePath(i)+".primaryApprovers", stage+"-approvers-error"
	case kind == "escalation" && len(stage) > 1:
		i, _ := strconv.Atoi(stage[1:])
		errPath, errID = StagePath(i)+".escalationApprovers", stage+"-escalation-error"
	}
	if errPath != "" && p.Err(errPath) != "" {
		pp.ListErrorID = errID
	}
	return pp
}

var scopeOptions = []RadioOption{
	{entitlement.ScopeAllExistingDirectoryMembers, "All members of your directory", "Everyone with an account in your organization; not guests."},
	{entitlement.ScopeAllExistingDirectorySubjects, "Everyone in your directory", "Members and guests."},
	{entitlement.ScopeSpecificDirectorySubjects, "Specific users and groups", "Choose them below."},
	{entitlement.ScopeSpecificConnectedOrgSubjects, "Users of specific connected organizations", "Partners you choose below."},
	{entitlement.ScopeAllConfiguredConnectedOrgs, "Users of all configured connected organizations", "Every partner whose organization is configured; not proposed ones."},
	{entitlement.ScopeAllExternalSubjects, "Any external user", "Also people from organizations not connected yet; their organization is added as proposed."},
	{entitlement.ScopeNoSubjects, "Nobody: direct assignment only", "Administrators and assignment managers assign the package; nobody can request it."},
}

var stageOptions = []RadioOption{
	{"0", "No approval", "Access is granted as soon as it is requested."},
	{"1", "One stage", "One approver decides."},
	{"2", "Two stages", "The second stage starts when the first approves."},
	{"3", "Three stages", "Each stage starts when the one before approves."},
}

var lifecycleOptions = []RadioOption{
	{LifecycleDays, "After a number of days", "Each assignment ends that many days after it starts."},
	{LifecycleDate, "On a fixed date", "Every assignment ends on the same day."},
	{LifecycleNone, "Never", "Access lasts until it is removed."},
}

var recurrenceOptions = []components.SelectOption{
	{Value: "weekly", Label: "Every week"},
	{Value: "monthly", Label: "Every month"},
	{Value: "quarterly", Label: "Every quarter"},
	{Value: "semiAnnually", Label: "Every six months"},
	{Value: "annually", Label: "Every year"},
}

// externalScope reports whether the draft lets users of connected organizations request, the
// only requestors whose organization's sponsors can approve.
func (p PolicyWizardProps) externalScope() bool {
	switch p.Draft.Scope {
	case entitlement.ScopeSpecificConnectedOrgSubjects, entitlement.ScopeAllConfiguredConnectedOrgs, entitlement.ScopeAllExternalSubjects:
		return true
	}
	return false
}

// InChosenUnits rewrites the domain's escalation messages, which count in minutes, in the unit
// the person chose for each stage ("less than 7 days", not "less than 10080 minutes").
func (d PolicyDraft) InChosenUnits(errs map[string]string) {
	for i, st := range d.Stages {
		key := StagePath(i) + ".escalationTimeInMinutes"
		if _, ok := errs[key]; !ok || !st.Escalation {
			continue
		}
		after, err := strconv.Atoi(strings.TrimSpace(st.EscalationAfter))
		if err != nil {
			continue // the wizard's own "enter after how long" message stands
		}
		unit, per := "hour", 60
		switch st.EscalationUnit {
		case "minutes":
			unit, per = "minute", 1
		case "days":
			unit, per = "day", 24*60
		}
		if after*per < 60 {
			errs[key] = "escalate after at least " + map[string]string{"minute": "60 minutes", "hour": "1 hour", "day": "1 day"}[unit]
			continue
		}
		if days, err := strconv.Atoi(strings.TrimSpace(st.TimeoutDays)); err == nil && days > 0 {
			errs[key] = "escalate before the stage times out: in less than " + words.Plural(days*24*60/per, unit, unit+"s")
		}
	}
}
