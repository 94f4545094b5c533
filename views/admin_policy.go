package views

import (
	"strconv"

	"github.com/stewardhq/steward/entitlement"
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

	Scope          string                `json:"scope"`
	AcceptRequests bool                  `json:"acceptRequests"`
	Requestors     []entitlement.UserSet `json:"requestors,omitempty"` // users, groups or organizations, by Scope

	Justification bool         `json:"justification"` // the requestor must say why
	StageCount    int          `json:"stageCount"`    // 0 = no approval
	Stages        []StageDraft `json:"stages"`        // always MaxApprovalStages long, so fewer stages and back keeps the rest

	Lifecycle         string `json:"lifecycle"` // LifecycleDays, LifecycleDate or LifecycleNone
	Days              string `json:"days,omitempty"`
	EndDate           string `json:"endDate,omitempty"` // 2006-01-02, UTC
	CanExtend         bool   `json:"canExtend"`
	ExtensionApproval bool   `json:"extensionApproval"`

	Review ReviewDraft `json:"review"`
}

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
