package entitlement

import (
	"fmt"
	"strings"
	"time"

	"github.com/stewardhq/steward/words"
)

// Requestor scope types (requestorSettings.scopeType).
const (
	ScopeNoSubjects                   = "NoSubjects"
	ScopeSpecificDirectorySubjects    = "SpecificDirectorySubjects"
	ScopeAllExistingDirectoryMembers  = "AllExistingDirectoryMemberUsers"
	ScopeAllExistingDirectorySubjects = "AllExistingDirectorySubjects"
	ScopeSpecificConnectedOrgSubjects = "SpecificConnectedOrganizationSubjects"
	ScopeAllConfiguredConnectedOrgs   = "AllConfiguredConnectedOrganizationSubjects"
	ScopeAllExternalSubjects          = "AllExternalSubjects"
	scopeAllExistingConnectedOrgsOld  = "AllExistingConnectedOrganizationSubjects" // pre-rename spelling, accepted on input
)

// ScopeTypes lists every scope type in the order a form offers them.
var ScopeTypes = []string{
	ScopeNoSubjects, ScopeSpecificDirectorySubjects, ScopeAllExistingDirectoryMembers,
	ScopeAllExistingDirectorySubjects, ScopeSpecificConnectedOrgSubjects, ScopeAllConfiguredConnectedOrgs,
	ScopeAllExternalSubjects,
}

// NormalizeScopeType maps the old connected-organization spelling to the current one.
func NormalizeScopeType(s string) string {
	if s == scopeAllExistingConnectedOrgsOld {
		return ScopeAllConfiguredConnectedOrgs
	}
	return s
}

// Approval modes.
const (
	ApprovalNone   = "NoApproval"
	ApprovalSingle = "SingleStage"
	ApprovalSerial = "Serial"
)

// MaxApprovalStages is how many serial stages a policy may have.
const MaxApprovalStages = 3

// UserSet types, named after their Graph @odata.type.
const (
	UserSetSingleUser          = "singleUser"
	UserSetGroupMembers        = "groupMembers"
	UserSetConnectedOrgMembers = "connectedOrganizationMembers"
	UserSetRequestorManager    = "requestorManager"
	UserSetInternalSponsors    = "internalSponsors"
	UserSetExternalSponsors    = "externalSponsors"
	// UserSetTargetManager is the manager of the person a request is for, among those who may
	// request on their behalf.
	UserSetTargetManager = "targetManager"
)

// UserSet names a set of people: one user, a group's members, a connected organization's users,
// the requestor's manager, or the sponsors of the requestor's organization.
type UserSet struct {
	Type         string `json:"type"`
	ID           string `json:"id,omitempty"`
	Description  string `json:"description,omitempty"`
	IsBackup     bool   `json:"isBackup,omitempty"`
	ManagerLevel int    `json:"managerLevel,omitempty"`
}

// AssignmentPolicy says who may request a package, who approves, and how long access lasts.
type AssignmentPolicy struct {
	ID                      string            `json:"id"`
	AccessPackageID         string            `json:"accessPackageId"`
	CatalogID               string            `json:"catalogId"`
	DisplayName             string            `json:"displayName"`
	Description             string            `json:"description"`
	CanExtend               bool              `json:"canExtend"`
	DurationInDays          int               `json:"durationInDays"`
	ExpirationDateTime      *time.Time        `json:"expirationDateTime"`
	RequestorSettings       RequestorSettings `json:"requestorSettings"`
	RequestApprovalSettings ApprovalSettings  `json:"requestApprovalSettings"`
	AccessReviewSettings    *ReviewSettings   `json:"accessReviewSettings"`
	Questions               []Question        `json:"questions,omitempty"`
	IsDenyPolicy            bool              `json:"isDenyPolicy"`
	CreatedBy               string            `json:"createdBy"`
	CreatedDateTime         time.Time         `json:"createdDateTime"`
	ModifiedBy              string            `json:"modifiedBy"`
	ModifiedDateTime        time.Time         `json:"modifiedDateTime"`
	// Version counts the writes to the record (see version.go); the API sends it as @odata.etag.
	Version int64 `json:"version,omitempty"`
	// CustomExtensionStageSettings are the webhooks called at stages of a request (customext.go).
	CustomExtensionStageSettings []CustomExtensionStageSetting `json:"customExtensionStageSettings,omitempty"`
}

// RequestorSettings says who may request through a policy.
type RequestorSettings struct {
	ScopeType         string    `json:"scopeType"`
	AcceptRequests    bool      `json:"acceptRequests"`
	AllowedRequestors []UserSet `json:"allowedRequestors"`
	// RemoveWhenOutOfScope removes the access of holders who leave the policy's scope (a group
	// membership ending at the directory source); off, they keep it but cannot extend it.
	RemoveWhenOutOfScope bool `json:"removeAccessWhenOutOfScope,omitempty"`
	// EnableOnBehalfRequestorsToAddAccess lets people request for someone in the scope: the
	// administrators and assignment managers of the catalog for anyone, and those named in
	// OnBehalfRequestors (the target's manager) for the people they stand for. The scope is
	// checked against the person who gets access, not the one who asks.
	EnableOnBehalfRequestorsToAddAccess bool      `json:"enableOnBehalfRequestorsToAddAccess,omitempty"`
	OnBehalfRequestors                  []UserSet `json:"onBehalfRequestors,omitempty"`
}

// ManagersMayRequestForReports reports whether a manager may request for their direct reports.
func (rs RequestorSettings) ManagersMayRequestForReports() bool {
	if !rs.EnableOnBehalfRequestorsToAddAccess {
		return false
	}
	for _, u := range rs.OnBehalfRequestors {
		if u.Type == UserSetTargetManager {
			return true
		}
	}
	return false
}

// ApprovalSettings says whether and how requests are approved.
type ApprovalSettings struct {
	IsApprovalRequired               bool            `json:"isApprovalRequired"`
	IsApprovalRequiredForExtension   bool            `json:"isApprovalRequiredForExtension"`
	IsRequestorJustificationRequired bool            `json:"isRequestorJustificationRequired"`
	ApprovalMode                     string          `json:"approvalMode"`
	ApprovalStages                   []ApprovalStage `json:"approvalStages"`
}

// ApprovalStage is one stage of approval.
type ApprovalStage struct {
	ApprovalStageTimeOutInDays      int       `json:"approvalStageTimeOutInDays"`
	IsApproverJustificationRequired bool      `json:"isApproverJustificationRequired"`
	IsEscalationEnabled             bool      `json:"isEscalationEnabled"`
	EscalationTimeInMinutes         int       `json:"escalationTimeInMinutes"`
	PrimaryApprovers                []UserSet `json:"primaryApprovers"`
	EscalationApprovers             []UserSet `json:"escalationApprovers"`
}

// ReviewSettings configures periodic access reviews of a policy's assignments.
type ReviewSettings struct {
	IsEnabled      bool       `json:"isEnabled"`
	RecurrenceType string     `json:"recurrenceType"`
	ReviewerType   string     `json:"reviewerType"`
	StartDateTime  *time.Time `json:"startDateTime"`
	DurationInDays int        `json:"durationInDays"`
	Reviewers      []UserSet  `json:"reviewers"`
	// AccessReviewTimeoutBehavior is what closing a review does with the assignments nobody
	// decided: ReviewTimeoutKeep (the default) or ReviewTimeoutRemove.
	AccessReviewTimeoutBehavior string `json:"accessReviewTimeoutBehavior,omitempty"`
}

// Review settings values.
const (
	ReviewerSelf      = "Self"
	ReviewerReviewers = "Reviewers"
	// ReviewerManager: each holder's manager reviews; the named reviewers stand in for holders
	// who have none.
	ReviewerManager = "Manager"
)

// RecurrenceTypes lists the review cadences offered.
var RecurrenceTypes = []string{"weekly", "monthly", "quarterly", "semiAnnually", "annually"}

// IsApprovalRequired reports whether requests through the policy need approval.
func (p AssignmentPolicy) IsApprovalRequired() bool {
	return p.RequestApprovalSettings.IsApprovalRequired && len(p.RequestApprovalSettings.ApprovalStages) > 0
}

// ApproverIDs lists the users and groups the policy names as approvers of any stage (escalation
// included) or as reviewers, once each; approvers resolved from the requestor have no id.
func (p AssignmentPolicy) ApproverIDs() []string {
	var out []string
	add := func(sets []UserSet) {
		for _, u := range sets {
			if u.ID != "" && !contains(out, u.ID) {
				out = append(out, u.ID)
			}
		}
	}
	for _, st := range p.RequestApprovalSettings.ApprovalStages {
		add(st.PrimaryApprovers)
		add(st.EscalationApprovers)
	}
	if r := p.AccessReviewSettings; r != nil {
		add(r.Reviewers)
	}
	return out
}

// AssignmentEnd returns when an assignment starting at start ends under the policy, or nil when it
// does not end. A fixed expiration date wins over a duration.
func (p AssignmentPolicy) AssignmentEnd(start time.Time) *time.Time {
	if p.ExpirationDateTime != nil {
		t := *p.ExpirationDateTime
		return &t
	}
	if p.DurationInDays > 0 {
		t := start.AddDate(0, 0, p.DurationInDays)
		return &t
	}
	return nil
}

// PolicyInput is the whole of a policy as an administrator or the API supplies it; updates replace
// the policy as Graph's PUT does.
type PolicyInput struct {
	AccessPackageID         string
	DisplayName             string
	Description             string
	CanExtend               bool
	DurationInDays          int
	ExpirationDateTime      *time.Time
	RequestorSettings       RequestorSettings
	RequestApprovalSettings ApprovalSettings
	AccessReviewSettings    *ReviewSettings
	Questions               []Question
	// IfVersion is the version the caller read; a record that moved on since refuses the write.
	// 0 does not check.
	IfVersion int64
}

// validate checks a policy's internal consistency and returns one message per field. Field
// names are dotted paths such as "requestApprovalSettings.approvalStages[0].escalationApprovers".
// It also normalizes the input: the old connected-organization scope spelling becomes the new
// one, an empty approval mode follows isApprovalRequired, a requestorManager gets level 1, and
// disabled reviews become nil. ref checks that a referenced user, group or connected organization
// exists and fills in its Description with the name; it may be nil. An error from ref is shown as
// the message of the list that holds the reference.
func (in *PolicyInput) validate(now time.Time, ref func(*UserSet) error) error {
	f := fieldErrors{}
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	in.Description = strings.TrimSpace(in.Description)
	if in.DisplayName == "" {
		f.add("displayName", "enter a name for the policy, such as \"Employees, manager approval\"")
	} else if len(in.DisplayName) > 200 {
		f.add("displayName", "use at most 200 characters")
	}
	if len(in.Description) > 2000 {
		f.add("description", "use at most 2000 characters")
	}

	// Lifetime.
	if in.DurationInDays < 0 {
		f.add("durationInDays", "enter a number of days of zero or more")
	} else if in.DurationInDays > 3650 {
		f.add("durationInDays", "enter at most 3650 days (ten years)")
	}
	if in.ExpirationDateTime != nil {
		if in.DurationInDays > 0 {
			f.add("expirationDateTime", "choose either a number of days or a fixed end date, not both")
		} else if !in.ExpirationDateTime.After(now) {
			f.add("expirationDateTime", "choose an end date in the future")
		} else if tooLate(*in.ExpirationDateTime) {
			f.add("expirationDateTime", "choose an end date before %s", formatTime(latestDateTime))
		}
	}
	if in.CanExtend && in.DurationInDays <= 0 && in.ExpirationDateTime == nil {
		f.add("canExtend", "access through this policy never ends, so there is nothing to extend; set a number of days or an end date, or turn extension off")
	}

	// Who may request.
	rs := &in.RequestorSettings
	rs.ScopeType = NormalizeScopeType(rs.ScopeType)
	switch rs.ScopeType {
	case ScopeNoSubjects, ScopeAllExistingDirectoryMembers, ScopeAllExistingDirectorySubjects,
		ScopeAllConfiguredConnectedOrgs, ScopeAllExternalSubjects:
		if len(rs.AllowedRequestors) > 0 {
			f.add("requestorSettings.allowedRequestors", "this choice of who may request takes no list of people; remove them or choose specific people")
		}
	case ScopeSpecificDirectorySubjects:
		if len(rs.AllowedRequestors) == 0 {
			f.add("requestorSettings.allowedRequestors", "add at least one user or group who may request")
		}
		checkUserSets(f, "requestorSettings.allowedRequestors", rs.AllowedRequestors, []string{UserSetSingleUser, UserSetGroupMembers}, false, ref)
	case ScopeSpecificConnectedOrgSubjects:
		if len(rs.AllowedRequestors) == 0 {
			f.add("requestorSettings.allowedRequestors", "add at least one connected organization whose users may request")
		}
		checkUserSets(f, "requestorSettings.allowedRequestors", rs.AllowedRequestors, []string{UserSetConnectedOrgMembers}, false, ref)
	default:
		f.add("requestorSettings.scopeType", "choose who may request")
	}
	if rs.EnableOnBehalfRequestorsToAddAccess {
		if rs.ScopeType == ScopeNoSubjects {
			f.add("requestorSettings.enableOnBehalfRequestorsToAddAccess", "nobody may get access through requests to this policy, so nobody can be requested for; choose who may request, or turn requests for others off")
		}
		for i := range rs.OnBehalfRequestors {
			u := &rs.OnBehalfRequestors[i]
			if u.Type != UserSetTargetManager {
				f.add("requestorSettings.onBehalfRequestors", "%s cannot request for others; choose the managers of the people who get access", userSetKindLabel(u.Type))
				continue
			}
			// Only direct reports: a manager's manager is not offered.
			*u = UserSet{Type: UserSetTargetManager, ManagerLevel: 1}
		}
		if len(rs.OnBehalfRequestors) > 1 {
			rs.OnBehalfRequestors = rs.OnBehalfRequestors[:1]
		}
	} else {
		// Without requests for others the list means nothing; drop it rather than store a contradiction.
		rs.OnBehalfRequestors = nil
	}
	checkQuestions(f, in.Questions)
	external := rs.ScopeType == ScopeSpecificConnectedOrgSubjects || rs.ScopeType == ScopeAllConfiguredConnectedOrgs || rs.ScopeType == ScopeAllExternalSubjects

	// Approval.
	as := &in.RequestApprovalSettings
	if as.ApprovalMode == "" {
		if as.IsApprovalRequired {
			as.ApprovalMode = ApprovalSingle
			if len(as.ApprovalStages) > 1 {
				as.ApprovalMode = ApprovalSerial
			}
		} else {
			as.ApprovalMode = ApprovalNone
		}
	}
	switch as.ApprovalMode {
	case ApprovalNone:
		if as.IsApprovalRequired {
			f.add("requestApprovalSettings.approvalMode", "choose single-stage or serial approval when approval is required")
		}
		if len(as.ApprovalStages) > 0 {
			f.add("requestApprovalSettings.approvalStages", "remove the approval stages, or require approval")
		}
	case ApprovalSingle, ApprovalSerial:
		if !as.IsApprovalRequired {
			f.add("requestApprovalSettings.isApprovalRequired", "approval must be required when there are approval stages")
		}
		n := len(as.ApprovalStages)
		switch {
		case as.ApprovalMode == ApprovalSingle && n != 1:
			f.add("requestApprovalSettings.approvalStages", "single-stage approval takes exactly one stage")
		case as.ApprovalMode == ApprovalSerial && n < 2:
			f.add("requestApprovalSettings.approvalStages", "serial approval takes two or three stages; use single-stage approval for one")
		case n > MaxApprovalStages:
			f.add("requestApprovalSettings.approvalStages", "use at most %d approval stages", MaxApprovalStages)
		}
		for i := range as.ApprovalStages {
			checkStage(f, fmt.Sprintf("requestApprovalSettings.approvalStages[%d]", i), &as.ApprovalStages[i], external, ref)
		}
	default:
		f.add("requestApprovalSettings.approvalMode", "choose no approval, single-stage or serial approval")
	}
	if !in.CanExtend {
		// Without extension the setting means nothing; drop it rather than store a contradiction.
		as.IsApprovalRequiredForExtension = false
	} else if as.IsApprovalRequiredForExtension && as.ApprovalMode == ApprovalNone {
		f.add("requestApprovalSettings.isApprovalRequiredForExtension", "extensions are approved by the approval stages, and this policy has none; require approval or let holders extend without it")
	}

	// Reviews.
	if r := in.AccessReviewSettings; r != nil && r.IsEnabled {
		if !contains(RecurrenceTypes, r.RecurrenceType) {
			f.add("accessReviewSettings.recurrenceType", "choose how often reviews happen")
		}
		if r.DurationInDays < 1 || r.DurationInDays > 180 {
			f.add("accessReviewSettings.durationInDays", "enter how many days each review stays open, from 1 to 180")
		}
		switch r.ReviewerType {
		case ReviewerSelf:
			if len(r.Reviewers) > 0 {
				f.add("accessReviewSettings.reviewers", "self-review takes no reviewers; remove them or choose named reviewers")
			}
		case ReviewerReviewers:
			if len(r.Reviewers) == 0 {
				f.add("accessReviewSettings.reviewers", "add at least one reviewer")
			}
			checkUserSets(f, "accessReviewSettings.reviewers", r.Reviewers, []string{UserSetSingleUser, UserSetGroupMembers}, false, ref)
		case ReviewerManager:
			if len(r.Reviewers) == 0 {
				f.add("accessReviewSettings.reviewers", "add at least one fallback reviewer, for holders who have no manager")
			}
			checkUserSets(f, "accessReviewSettings.reviewers", r.Reviewers, []string{UserSetSingleUser, UserSetGroupMembers}, false, ref)
		default:
			f.add("accessReviewSettings.reviewerType", "choose who reviews: the holders themselves, their managers or named reviewers")
		}
		switch r.AccessReviewTimeoutBehavior {
		case "":
			r.AccessReviewTimeoutBehavior = ReviewTimeoutKeep
		case ReviewTimeoutKeep, ReviewTimeoutRemove:
		default:
			f.add("accessReviewSettings.accessReviewTimeoutBehavior", "choose whether access nobody decides on is kept or removed")
		}
		if r.StartDateTime != nil && tooLate(*r.StartDateTime) {
			f.add("accessReviewSettings.startDateTime", "choose a first review before %s", formatTime(latestDateTime))
		} else if r.StartDateTime == nil && contains(RecurrenceTypes, r.RecurrenceType) {
			// FirstReviewRule: without a date, one period after the day of saving.
			start := FirstReviewStart(*r, now)
			r.StartDateTime = &start
		}
	} else if r != nil && !r.IsEnabled {
		in.AccessReviewSettings = nil
	}
	return f.err("invalidPolicy")
}

// relativeApprover reports whether a userSet is resolved from the requestor (their manager or
// their organization's sponsors), and so may resolve to nobody.
func relativeApprover(t string) bool {
	return t == UserSetRequestorManager || t == UserSetInternalSponsors || t == UserSetExternalSponsors
}

func checkStage(f fieldErrors, path string, st *ApprovalStage, external bool, ref func(*UserSet) error) {
	approverKinds := []string{UserSetSingleUser, UserSetGroupMembers, UserSetRequestorManager, UserSetInternalSponsors, UserSetExternalSponsors}
	if st.ApprovalStageTimeOutInDays < 1 || st.ApprovalStageTimeOutInDays > 14 {
		f.add(path+".approvalStageTimeOutInDays", "enter how many days approvers have, from 1 to 14")
	}
	if len(st.PrimaryApprovers) == 0 {
		f.add(path+".primaryApprovers", "add at least one approver")
	}
	checkUserSets(f, path+".primaryApprovers", st.PrimaryApprovers, approverKinds, true, ref)
	checkApprovers(f, path+".primaryApprovers", st.PrimaryApprovers, external)
	if st.IsEscalationEnabled {
		if len(st.EscalationApprovers) == 0 {
			f.add(path+".escalationApprovers", "add at least one escalation approver, or turn escalation off")
		}
		checkUserSets(f, path+".escalationApprovers", st.EscalationApprovers, approverKinds, true, ref)
		checkApprovers(f, path+".escalationApprovers", st.EscalationApprovers, external)
		limit := st.ApprovalStageTimeOutInDays * 24 * 60
		if st.EscalationTimeInMinutes < 60 {
			f.add(path+".escalationTimeInMinutes", "escalate after at least one hour (60 minutes)")
		} else if st.ApprovalStageTimeOutInDays > 0 && st.EscalationTimeInMinutes >= limit {
			f.add(path+".escalationTimeInMinutes", "escalate before the stage times out (less than %d minutes)", limit)
		}
	} else if len(st.EscalationApprovers) > 0 {
		f.add(path+".escalationApprovers", "turn escalation on, or remove the escalation approvers")
	}
}

// checkApprovers applies the rules of one approver list: someone who is not a backup, sponsors
// only for requestors from connected organizations, and a fixed backup (a user or a group) when
// the manager or a sponsor may resolve to nobody.
func checkApprovers(f fieldErrors, path string, sets []UserSet, external bool) {
	primaries, backups, relative := 0, 0, 0
	for _, u := range sets {
		fixed := u.Type == UserSetSingleUser || u.Type == UserSetGroupMembers
		switch {
		case u.IsBackup && fixed:
			backups++
		case !u.IsBackup:
			primaries++
		}
		if relativeApprover(u.Type) {
			relative++
			if u.Type != UserSetRequestorManager && !external {
				f.add(path, "sponsors approve only for requestors from connected organizations, and this policy is for directory users; choose a user, a group or the requestor's manager")
			}
		}
	}
	if len(sets) > 0 && primaries == 0 {
		f.add(path, "add at least one approver who is not a backup")
	}
	if relative > 0 && backups == 0 {
		f.add(path, "the requestor's manager or sponsors may not exist for every requestor: add a backup approver (a user or a group marked as backup)")
	}
}

func checkUserSets(f fieldErrors, path string, sets []UserSet, allowed []string, approvers bool, ref func(*UserSet) error) {
	seen := map[string]bool{}
	for i := range sets {
		u := &sets[i]
		if !contains(allowed, u.Type) {
			f.add(path, "%s cannot be used here; choose %s", userSetKindLabel(u.Type), allowedLabel(allowed))
			continue
		}
		if !approvers && u.IsBackup {
			f.add(path, "only approvers can be backups; clear the backup mark")
		}
		switch u.Type {
		case UserSetSingleUser, UserSetGroupMembers, UserSetConnectedOrgMembers:
			u.ManagerLevel = 0
			if !validID(u.ID) {
				f.add(path, "choose %s from the list", userSetKindLabel(u.Type))
				continue
			}
			if ref != nil {
				if err := ref(u); err != nil {
					f.add(path, "%s", err.Error())
				}
			}
		case UserSetRequestorManager:
			if u.ManagerLevel == 0 {
				u.ManagerLevel = 1
			}
			if u.ManagerLevel != 1 && u.ManagerLevel != 2 {
				f.add(path, "the manager level is 1 (manager) or 2 (manager's manager)")
			}
			u.ID, u.Description = "", ""
		default:
			u.ID, u.Description, u.ManagerLevel = "", "", 0
		}
		key := u.Type + "/" + u.ID + "/" + fmt.Sprint(u.ManagerLevel)
		if seen[key] {
			f.add(path, "%s is listed twice; remove one", userSetKindLabel(u.Type))
		}
		seen[key] = true
	}
}

func allowedLabel(allowed []string) string {
	labels := make([]string, len(allowed))
	for i, t := range allowed {
		labels[i] = userSetKindLabel(t)
	}
	return words.JoinOr(labels)
}

func userSetKindLabel(t string) string {
	switch t {
	case UserSetSingleUser:
		return "a user"
	case UserSetGroupMembers:
		return "a group"
	case UserSetConnectedOrgMembers:
		return "a connected organization"
	case UserSetRequestorManager:
		return "the requestor's manager"
	case UserSetInternalSponsors:
		return "internal sponsors"
	case UserSetExternalSponsors:
		return "external sponsors"
	case UserSetTargetManager:
		return "the manager of the person who gets access"
	}
	return fmt.Sprintf("a user set of type %q", t)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
