package entitlement

import (
	"slices"
	"time"
)

// Assignment request types.
const (
	RequestUserAdd      = "UserAdd"
	RequestUserExtend   = "UserExtend"
	RequestUserRemove   = "UserRemove"
	RequestAdminAdd     = "AdminAdd"
	RequestAdminRemove  = "AdminRemove"
	RequestSystemRemove = "SystemRemove"
)

// RequestState is where a request is in its life (requestState); see OpenRequestStates.
type RequestState string

// Request states.
const (
	StateSubmitted          RequestState = "Submitted"
	StatePendingApproval    RequestState = "PendingApproval"
	StateScheduled          RequestState = "Scheduled"
	StateDelivering         RequestState = "Delivering"
	StateDelivered          RequestState = "Delivered"
	StatePartiallyDelivered RequestState = "PartiallyDelivered"
	StateDenied             RequestState = "Denied"
	StateCanceled           RequestState = "Canceled"
)

// Request statuses (requestStatus): the finer detail of a request's state. Graph shows Accepted
// and Fulfilled; the others name what Steward is waiting for or why it stopped.
const (
	RequestStatusAccepted        = "Accepted"
	RequestStatusPendingApproval = "PendingApproval"
	RequestStatusEscalated       = "Escalated"
	RequestStatusScheduled       = "Scheduled"
	RequestStatusDelivering      = "Delivering"
	// RequestStatusWaitingForPerson: still Delivering, but a role waits for a person to grant
	// it by hand (no connector reaches its resource).
	RequestStatusWaitingForPerson   = "WaitingForManualFulfillment"
	RequestStatusFulfilled          = "Fulfilled"
	RequestStatusPartiallyFulfilled = "PartiallyFulfilled"
	RequestStatusDenied             = "Denied"
	RequestStatusTimedOut           = "TimedOut"
	RequestStatusNoApprover         = "NoApproverFound"
	RequestStatusCanceled           = "Canceled"
)

// OpenRequestStates returns the states of a request that is not finished yet: it may still be
// decided, start or be delivered. Lists, filters and the checks for unfinished work use it.
func OpenRequestStates() []RequestState {
	return []RequestState{StateSubmitted, StatePendingApproval, StateScheduled, StateDelivering}
}

// FinalRequestStates returns the states a request ends in.
func FinalRequestStates() []RequestState {
	return []RequestState{StateDelivered, StatePartiallyDelivered, StateDenied, StateCanceled}
}

// IsFinalRequestState reports whether a request in state s will not change again.
func IsFinalRequestState(s RequestState) bool { return slices.Contains(FinalRequestStates(), s) }

// Expiration pattern types.
const (
	ExpirationNotSpecified  = "notSpecified"
	ExpirationNone          = "noExpiration"
	ExpirationAfterDateTime = "afterDateTime"
	ExpirationAfterDuration = "afterDuration"
)

// Schedule is when access should start and end.
type Schedule struct {
	StartDateTime *time.Time `json:"startDateTime,omitempty"`
	Expiration    Expiration `json:"expiration"`
}

// Expiration is how a schedule ends.
type Expiration struct {
	Type        string     `json:"type,omitempty"`
	EndDateTime *time.Time `json:"endDateTime,omitempty"`
	Duration    string     `json:"duration,omitempty"` // ISO-8601 duration, e.g. P30D
}

// Stage states of a request.
const (
	StageNotStarted = "NotStarted"
	StagePending    = "Pending"
	StageApproved   = "Approved"
	StageDenied     = "Denied"
	StageTimedOut   = "TimedOut"
	StageCanceled   = "Canceled"
)

// StageState is the progress of one approval stage of one request. Approvers are resolved when the
// stage starts and kept, so that "waiting for me" is an index lookup and later directory changes do
// not move a decision already under way.
type StageState struct {
	Index                 int        `json:"index"`
	Status                string     `json:"status"`
	StartedDateTime       *time.Time `json:"startedDateTime,omitempty"`
	EscalationDateTime    *time.Time `json:"escalationDateTime,omitempty"`
	TimeoutDateTime       *time.Time `json:"timeoutDateTime,omitempty"`
	Escalated             bool       `json:"escalated,omitempty"`
	Approvers             []string   `json:"approvers"`
	EscalationApprovers   []string   `json:"escalationApprovers,omitempty"`
	JustificationRequired bool       `json:"justificationRequired,omitempty"`
	// UsedBackup tells that the backup approvers were asked because the others resolved to nobody;
	// Notes say why (for example that the requestor has no manager).
	UsedBackup            bool       `json:"usedBackup,omitempty"`
	Notes                 []string   `json:"notes,omitempty"`
	DecidedBy             string     `json:"decidedBy,omitempty"`
	DecidedByName         string     `json:"decidedByName,omitempty"`
	Decision              string     `json:"decision,omitempty"` // Approve or Deny, when a person decided
	DecidedDateTime       *time.Time `json:"decidedDateTime,omitempty"`
	DecisionJustification string     `json:"decisionJustification,omitempty"`
}

// Request event kinds for a request's timeline.
const (
	EventSubmitted      = "Submitted"
	EventStageStarted   = "StageStarted"
	EventEscalated      = "Escalated"
	EventApproved       = "Approved"
	EventDenied         = "Denied"
	EventTimedOut       = "TimedOut"
	EventScheduled      = "Scheduled"
	EventDelivering     = "Delivering"
	EventDelivered      = "Delivered"
	EventPartial        = "PartiallyDelivered"
	EventCanceled       = "Canceled"
	EventDeliveryFailed = "DeliveryFailed"
	EventExtended       = "Extended"
	EventRemoved        = "Removed"
	EventNoApprover     = "NoApproverFound"
	// EventWaitingForPerson: a role of the request waits for someone to grant it by hand; the
	// detail names the resource and role.
	EventWaitingForPerson = "WaitingForManualFulfillment"
)

// RequestEvent is one entry of a request's timeline.
type RequestEvent struct {
	Kind      string    `json:"kind"`
	At        time.Time `json:"at"`
	ActorID   string    `json:"actorId,omitempty"`
	ActorName string    `json:"actorName,omitempty"`
	Stage     int       `json:"stage,omitempty"` // 1-based; 0 when not about a stage
	Detail    string    `json:"detail,omitempty"`
}

// Request asks to add, extend or remove a subject's assignment of an access package.
type Request struct {
	ID               string       `json:"id"`
	RequestType      string       `json:"requestType"`
	RequestState     RequestState `json:"requestState"`
	RequestStatus    string       `json:"requestStatus"`
	StatusDetail     string       `json:"statusDetail,omitempty"` // why it was denied or only partly delivered
	IsValidationOnly bool         `json:"isValidationOnly"`
	Justification    string       `json:"justification"`
	CatalogID        string       `json:"catalogId"`
	AccessPackageID  string       `json:"accessPackageId"`
	PolicyID         string       `json:"assignmentPolicyId"`
	TargetID         string       `json:"targetId"`    // the user who gets (or loses) access
	RequestorID      string       `json:"requestorId"` // who asked; the target for self-service
	AssignmentID     string       `json:"assignmentId,omitempty"`
	Schedule         Schedule     `json:"schedule"`
	// Answers are the requestor's answers to the policy's questions, each with the question as
	// it was asked.
	Answers []Answer `json:"answers,omitempty"`
	// ExtendsFrom is, for an extension, the end the access had when it was asked for, so that
	// approvers and the history read "from X to Y" after the end has moved.
	ExtendsFrom *time.Time   `json:"extendsFromDateTime,omitempty"`
	Stages      []StageState `json:"stages,omitempty"`
	// PolicyStages is the policy's approval stages as they were when the request was submitted;
	// the request follows them even if the policy changes meanwhile. They are kept only while the
	// request waits for approval (starting, timing out and rerouting a stage read them) and
	// dropped when it leaves approval, which it never reenters (endApproval): Stages keeps what
	// was asked and decided.
	PolicyStages    []ApprovalStage `json:"policyStages,omitempty"`
	CurrentStage    int             `json:"currentStage"` // index into Stages while pending
	Events          []RequestEvent  `json:"events"`
	CreatedDateTime time.Time       `json:"createdDateTime"`
	CompletedDate   *time.Time      `json:"completedDate,omitempty"`
	// DueDateTime is the next moment the worker must look at the request (escalation, timeout or
	// scheduled start); nil when nothing is due.
	DueDateTime *time.Time `json:"dueDateTime,omitempty"`
}

// RequestStages is the part of a Request that says where its approval stands, all that a list
// of approvals shows. Its JSON names are the Request's, so that a store can read it from a
// stored request without decoding the rest (events, the policy's stages, answers: most of a
// request's bytes).
type RequestStages struct {
	ID           string          `json:"id"`
	Stages       []StageDecision `json:"stages,omitempty"`
	CurrentStage int             `json:"currentStage"`
}

// StageDecision is the part of a StageState that says who may decide the stage and how it was
// decided, with StageState's field names and JSON names (a test holds them alike): its times
// and notes are left unread.
type StageDecision struct {
	Status                string     `json:"status"`
	Escalated             bool       `json:"escalated,omitempty"`
	Approvers             []string   `json:"approvers"`
	EscalationApprovers   []string   `json:"escalationApprovers,omitempty"`
	DecidedBy             string     `json:"decidedBy,omitempty"`
	DecidedByName         string     `json:"decidedByName,omitempty"`
	Decision              string     `json:"decision,omitempty"`
	DecidedDateTime       *time.Time `json:"decidedDateTime,omitempty"`
	DecisionJustification string     `json:"decisionJustification,omitempty"`
}

// StagesOf returns the request's RequestStages.
func StagesOf(r Request) RequestStages {
	out := RequestStages{ID: r.ID, CurrentStage: r.CurrentStage}
	if r.Stages != nil {
		out.Stages = make([]StageDecision, len(r.Stages))
	}
	for i, st := range r.Stages {
		out.Stages[i] = StageDecision{
			Status: st.Status, Escalated: st.Escalated, Approvers: st.Approvers, EscalationApprovers: st.EscalationApprovers,
			DecidedBy: st.DecidedBy, DecidedByName: st.DecidedByName, Decision: st.Decision, DecidedDateTime: st.DecidedDateTime,
			DecisionJustification: st.DecisionJustification,
		}
	}
	return out
}

// IsOnBehalf reports whether someone asked for another person's access through a policy (not
// an administrator's direct assignment).
func (r Request) IsOnBehalf() bool {
	return r.RequestType == RequestUserAdd && r.RequestorID != "" && r.RequestorID != r.TargetID
}

// IsOpen reports whether the request still awaits a decision or delivery.
func (r Request) IsOpen() bool { return !IsFinalRequestState(r.RequestState) }

// IsCancelable reports whether the requestor may still cancel the request: until delivery
// begins.
func (r Request) IsCancelable() bool {
	switch r.RequestState {
	case StateSubmitted, StatePendingApproval, StateScheduled:
		return true
	}
	return false
}

// AskedToApprove returns everyone who is or was asked to decide one of its stages (a primary
// approver, an escalation approver once the stage escalated) or who decided one: the approvers
// that canReadRequest lets read it, and what the store indexes so that they can list it.
func (r Request) AskedToApprove() []string {
	var out []string
	add := func(ids ...string) {
		for _, id := range ids {
			if id != "" && !contains(out, id) {
				out = append(out, id)
			}
		}
	}
	for _, st := range r.Stages {
		add(st.Approvers...)
		add(st.DecidedBy)
		if st.Escalated {
			add(st.EscalationApprovers...)
		}
	}
	return out
}

// PendingApprovers returns everyone who may decide the current stage now.
func (r Request) PendingApprovers() []string {
	if r.RequestState != StatePendingApproval || r.CurrentStage >= len(r.Stages) {
		return nil
	}
	st := r.Stages[r.CurrentStage]
	out := append([]string(nil), st.Approvers...)
	if st.Escalated {
		for _, id := range st.EscalationApprovers {
			if !contains(out, id) {
				out = append(out, id)
			}
		}
	}
	return out
}
