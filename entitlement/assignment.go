package entitlement

import "time"

// AssignmentState is whether an assignment is being delivered, grants access, or has ended
// (assignmentState).
type AssignmentState string

// Assignment states.
const (
	AssignmentDelivering AssignmentState = "Delivering"
	AssignmentDelivered  AssignmentState = "Delivered"
	AssignmentExpired    AssignmentState = "Expired"
)

// Assignment statuses (assignmentStatus): the finer detail, such as which reminder was sent.
const (
	StatusDelivering         = "Delivering"
	StatusDelivered          = "Delivered"
	StatusNearExpiry14Days   = "NearExpiry14DaysNotificationTriggered"
	StatusNearExpiry1Day     = "NearExpiry1DayNotificationTriggered"
	StatusExpired            = "ExpiredNotificationTriggered"
	StatusRemoved            = "Removed"
	StatusPartiallyDelivered = "PartiallyDelivered"
)

// Assignment is a subject's grant of one access package for a span of time. Assignments are made
// and ended only by requests.
type Assignment struct {
	ID               string          `json:"id"`
	CatalogID        string          `json:"catalogId"`
	AccessPackageID  string          `json:"accessPackageId"`
	PolicyID         string          `json:"assignmentPolicyId"`
	TargetID         string          `json:"targetId"`
	AssignmentState  AssignmentState `json:"assignmentState"`
	AssignmentStatus string          `json:"assignmentStatus"`
	IsExtended       bool            `json:"isExtended"`
	Schedule         Schedule        `json:"schedule"`
	ExpiredDateTime  *time.Time      `json:"expiredDateTime,omitempty"`
	RequestID        string          `json:"requestId"`
	ResourceRoleIDs  []string        `json:"resourceRoleIds,omitempty"`
	CreatedDateTime  time.Time       `json:"createdDateTime"`
	EndedDateTime    *time.Time      `json:"endedDateTime,omitempty"`
	// DueDateTime is the next moment the worker must look at the assignment (a reminder or the end).
	DueDateTime *time.Time `json:"dueDateTime,omitempty"`
}

// IsLive reports whether the assignment currently grants access or is being delivered.
func (a Assignment) IsLive() bool { return a.AssignmentState != AssignmentExpired }

// EndDateTime returns when the assignment ends, or nil when it does not.
func (a Assignment) EndDateTime() *time.Time { return a.Schedule.Expiration.EndDateTime }

// EndsBy reports whether the assignment is live and ends at t or before.
func (a Assignment) EndsBy(t time.Time) bool {
	end := a.EndDateTime()
	return a.IsLive() && end != nil && !end.After(t)
}

// EndsSoon reports whether the assignment ends within ReminderEarly of now: the window in which
// its holder is reminded, and in which the pages show it as ending soon.
func (a Assignment) EndsSoon(now time.Time) bool { return a.EndsBy(now.Add(ReminderEarly)) }

// RoleStatus is where a resource role a subject holds stands with its origin system.
type RoleStatus string

// Assignment resource role statuses.
const (
	RoleStatusPendingFulfillment RoleStatus = "PendingFulfillment"
	RoleStatusFulfilled          RoleStatus = "Fulfilled"
	RoleStatusPendingRemoval     RoleStatus = "PendingRemoval"
	RoleStatusFailed             RoleStatus = "Failed"
	// RoleStatusRemovalFailed marks a role whose removal from its origin system ran out of
	// attempts; it has no assignments left and waits for an administrator.
	RoleStatusRemovalFailed RoleStatus = "RemovalFailed"
	// RoleStatusPendingManual marks a role that no connector reaches: it waits for one of the
	// resource's owners to grant it by hand and close its task.
	RoleStatusPendingManual RoleStatus = "PendingManualFulfillment"
	// RoleStatusPendingManualRemoval marks a role whose last assignment ended and that waits for
	// an owner to take it away by hand.
	RoleStatusPendingManualRemoval RoleStatus = "PendingManualRemoval"
)

// AssignmentResourceRole is one concrete role a subject holds in a resource because of one or more
// assignments. The role is removed from the resource only when its last assignment ends.
type AssignmentResourceRole struct {
	ID               string     `json:"id"` // "<subjectId>_<roleScopeId>"
	SubjectID        string     `json:"subjectId"`
	ResourceID       string     `json:"resourceId"`
	RoleID           string     `json:"roleId"`
	ScopeID          string     `json:"scopeId"`
	OriginID         string     `json:"originId"` // the role's id in the origin system, e.g. Member_<groupId>
	OriginSystem     string     `json:"originSystem"`
	ResourceOriginID string     `json:"resourceOriginId"` // the resource's id there, e.g. the group id
	ResourceName     string     `json:"resourceName,omitempty"`
	RoleName         string     `json:"roleName,omitempty"`
	Status           RoleStatus `json:"status"`
	AssignmentIDs    []string   `json:"assignmentIds"`
	LastError        string     `json:"lastError,omitempty"`
	ModifiedDateTime time.Time  `json:"modifiedDateTime"`
}

// AssignmentResourceRoleID is the id of the role a subject holds through a role scope.
func AssignmentResourceRoleID(subjectID, roleScopeID string) string {
	return subjectID + "_" + roleScopeID
}
