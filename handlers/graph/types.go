package graph

import (
	"encoding/json"
	"strings"
	"time"
)

// The API's own JSON shapes, with Graph's property names. Converters from the domain are in
// convert.go; the domain's types are never written to the wire, so either side can change
// without breaking the other. Navigation properties are pointers (nil: not expanded, left out).

// Time is a Graph DateTimeOffset: ISO-8601 in UTC with seven fractional digits, as Graph writes
// it; on input any RFC 3339 time.
type Time struct{ time.Time }

const timeLayout = "2006-01-02T15:04:05.0000000Z"

// MarshalJSON writes the time in UTC.
func (t Time) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, len(timeLayout)+2)
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, timeLayout)
	return append(b, '"'), nil
}

// UnmarshalJSON reads an RFC 3339 time (any offset) or null.
func (t *Time) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return errBody("a date and time must be a string such as \"2020-01-02T03:04:05Z\"")
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return errBody("%q is not a date and time; write it as 2020-01-02T03:04:05Z", s)
	}
	t.Time = v.UTC()
	return nil
}

// ts is the wire form of a time, null when it is unset.
func ts(t time.Time) *Time {
	if t.IsZero() {
		return nil
	}
	return &Time{t.UTC()}
}

func tsp(t *time.Time) *Time {
	if t == nil {
		return nil
	}
	return ts(*t)
}

func (t *Time) domain() *time.Time {
	if t == nil || t.IsZero() {
		return nil
	}
	v := t.Time
	return &v
}

// odataType is Graph's "#microsoft.graph.<name>"; on input the '#' and the namespace are optional.
func odataType(name string) string { return "#microsoft.graph." + name }

func typeName(s string) string {
	s = strings.TrimPrefix(s, "#")
	return strings.TrimPrefix(s, "microsoft.graph.")
}

// Catalog is an accessPackageCatalog.
type Catalog struct {
	ETag                string           `json:"@odata.etag,omitempty"`
	ID                  string           `json:"id"`
	DisplayName         string           `json:"displayName"`
	Description         string           `json:"description"`
	CatalogType         string           `json:"catalogType"`
	CatalogStatus       string           `json:"catalogStatus"`
	IsExternallyVisible bool             `json:"isExternallyVisible"`
	CreatedBy           string           `json:"createdBy"`
	CreatedDateTime     *Time            `json:"createdDateTime"`
	ModifiedBy          string           `json:"modifiedBy"`
	ModifiedDateTime    *Time            `json:"modifiedDateTime"`
	AccessPackages      *[]AccessPackage `json:"accessPackages,omitempty"`
	Resources           *[]Resource      `json:"accessPackageResources,omitempty"`
}

// AccessPackage is an accessPackage.
type AccessPackage struct {
	ETag                string       `json:"@odata.etag,omitempty"`
	ID                  string       `json:"id"`
	CatalogID           string       `json:"catalogId"`
	DisplayName         string       `json:"displayName"`
	Description         string       `json:"description"`
	IsHidden            bool         `json:"isHidden"`
	IsRoleScopesVisible bool         `json:"isRoleScopesVisible"`
	CreatedBy           string       `json:"createdBy"`
	CreatedDateTime     *Time        `json:"createdDateTime"`
	ModifiedBy          string       `json:"modifiedBy"`
	ModifiedDateTime    *Time        `json:"modifiedDateTime"`
	Policies            *[]Policy    `json:"accessPackageAssignmentPolicies,omitempty"`
	Catalog             *Catalog     `json:"accessPackageCatalog,omitempty"`
	RoleScopes          *[]RoleScope `json:"accessPackageResourceRoleScopes,omitempty"`
}

// RoleScope is an accessPackageResourceRoleScope.
type RoleScope struct {
	ID               string         `json:"id"`
	CreatedBy        string         `json:"createdBy"`
	CreatedDateTime  *Time          `json:"createdDateTime"`
	ModifiedBy       string         `json:"modifiedBy"`
	ModifiedDateTime *Time          `json:"modifiedDateTime"`
	Role             *ResourceRole  `json:"accessPackageResourceRole,omitempty"`
	Scope            *ResourceScope `json:"accessPackageResourceScope,omitempty"`
}

// Resource is an accessPackageResource.
type Resource struct {
	ID                  string           `json:"id"`
	DisplayName         string           `json:"displayName"`
	Description         string           `json:"description"`
	URL                 string           `json:"url"`
	ResourceType        string           `json:"resourceType"`
	OriginID            string           `json:"originId"`
	OriginSystem        string           `json:"originSystem"`
	IsPendingOnboarding bool             `json:"isPendingOnboarding"`
	AddedBy             string           `json:"addedBy"`
	AddedOn             *Time            `json:"addedOn"`
	Roles               *[]ResourceRole  `json:"accessPackageResourceRoles,omitempty"`
	Scopes              *[]ResourceScope `json:"accessPackageResourceScopes,omitempty"`
}

// ResourceRole is an accessPackageResourceRole.
type ResourceRole struct {
	ID           string    `json:"id"`
	DisplayName  string    `json:"displayName"`
	Description  string    `json:"description"`
	OriginID     string    `json:"originId"`
	OriginSystem string    `json:"originSystem"`
	Resource     *Resource `json:"accessPackageResource,omitempty"`
}

// ResourceScope is an accessPackageResourceScope.
type ResourceScope struct {
	ID           string `json:"id"`
	DisplayName  string `json:"displayName"`
	Description  string `json:"description"`
	IsRootScope  bool   `json:"isRootScope"`
	OriginID     string `json:"originId"`
	OriginSystem string `json:"originSystem"`
	RoleOriginID string `json:"roleOriginId"`
	URL          string `json:"url"`
}

// ResourceRequest is an accessPackageResourceRequest.
type ResourceRequest struct {
	ID                 string    `json:"id"`
	CatalogID          string    `json:"catalogId"`
	RequestType        string    `json:"requestType"`
	RequestState       string    `json:"requestState"`
	RequestStatus      string    `json:"requestStatus"`
	IsValidationOnly   bool      `json:"isValidationOnly"`
	Justification      string    `json:"justification"`
	ExpirationDateTime *Time     `json:"expirationDateTime"`
	ExecuteImmediately bool      `json:"executeImmediately"`
	Resource           *Resource `json:"accessPackageResource,omitempty"`
	Requestor          *Subject  `json:"requestor,omitempty"`
}

// UserSet is one entry of a userSet collection, with its @odata.type.
type UserSet struct {
	Type         string `json:"@odata.type"`
	IsBackup     bool   `json:"isBackup"`
	ID           string `json:"id,omitempty"`
	Description  string `json:"description,omitempty"`
	ManagerLevel int    `json:"managerLevel,omitempty"`
}

// RequestorSettings is a policy's requestorSettings.
type RequestorSettings struct {
	ScopeType         string    `json:"scopeType"`
	AcceptRequests    bool      `json:"acceptRequests"`
	AllowedRequestors []UserSet `json:"allowedRequestors"`
}

// ApprovalSettings is a policy's requestApprovalSettings.
type ApprovalSettings struct {
	IsApprovalRequired               bool            `json:"isApprovalRequired"`
	IsApprovalRequiredForExtension   bool            `json:"isApprovalRequiredForExtension"`
	IsRequestorJustificationRequired bool            `json:"isRequestorJustificationRequired"`
	ApprovalMode                     string          `json:"approvalMode"`
	ApprovalStages                   []ApprovalStage `json:"approvalStages"`
}

// ApprovalStage is one approvalStage.
type ApprovalStage struct {
	ApprovalStageTimeOutInDays      int       `json:"approvalStageTimeOutInDays"`
	IsApproverJustificationRequired bool      `json:"isApproverJustificationRequired"`
	IsEscalationEnabled             bool      `json:"isEscalationEnabled"`
	EscalationTimeInMinutes         int       `json:"escalationTimeInMinutes"`
	PrimaryApprovers                []UserSet `json:"primaryApprovers"`
	EscalationApprovers             []UserSet `json:"escalationApprovers"`
}

// ReviewSettings is a policy's accessReviewSettings.
type ReviewSettings struct {
	IsEnabled      bool      `json:"isEnabled"`
	RecurrenceType string    `json:"recurrenceType"`
	ReviewerType   string    `json:"reviewerType"`
	StartDateTime  *Time     `json:"startDateTime"`
	DurationInDays int       `json:"durationInDays"`
	Reviewers      []UserSet `json:"reviewers"`
}

// Policy is an accessPackageAssignmentPolicy.
type Policy struct {
	ETag                    string            `json:"@odata.etag,omitempty"`
	ID                      string            `json:"id"`
	AccessPackageID         string            `json:"accessPackageId"`
	DisplayName             string            `json:"displayName"`
	Description             string            `json:"description"`
	CanExtend               bool              `json:"canExtend"`
	DurationInDays          int               `json:"durationInDays"`
	ExpirationDateTime      *Time             `json:"expirationDateTime"`
	IsDenyPolicy            bool              `json:"isDenyPolicy"`
	RequestorSettings       RequestorSettings `json:"requestorSettings"`
	RequestApprovalSettings ApprovalSettings  `json:"requestApprovalSettings"`
	AccessReviewSettings    *ReviewSettings   `json:"accessReviewSettings"`
	CreatedBy               string            `json:"createdBy"`
	CreatedDateTime         *Time             `json:"createdDateTime"`
	ModifiedBy              string            `json:"modifiedBy"`
	ModifiedDateTime        *Time             `json:"modifiedDateTime"`
	AccessPackage           *AccessPackage    `json:"accessPackage,omitempty"`
}

// Expiration is an expirationPattern.
type Expiration struct {
	EndDateTime *Time  `json:"endDateTime,omitempty"`
	Duration    string `json:"duration,omitempty"`
	Type        string `json:"type,omitempty"`
}

// Schedule is a requestSchedule.
type Schedule struct {
	StartDateTime *Time       `json:"startDateTime"`
	Expiration    *Expiration `json:"expiration,omitempty"`
	Recurrence    any         `json:"recurrence"`
}

// AssignmentRef is the accessPackageAssignment inside a request: what an add asks for, or the id
// of the assignment a remove ends.
type AssignmentRef struct {
	ID                 string `json:"id,omitempty"`
	TargetID           string `json:"targetId,omitempty"`
	AssignmentPolicyID string `json:"assignmentPolicyId,omitempty"`
	AccessPackageID    string `json:"accessPackageId,omitempty"`
}

// Request is an accessPackageAssignmentRequest.
type Request struct {
	ID                 string         `json:"id"`
	RequestType        string         `json:"requestType"`
	RequestState       string         `json:"requestState"`
	RequestStatus      string         `json:"requestStatus"`
	IsValidationOnly   bool           `json:"isValidationOnly"`
	Justification      string         `json:"justification"`
	CreatedDateTime    *Time          `json:"createdDateTime"`
	CompletedDate      *Time          `json:"completedDate"`
	ExpirationDateTime *Time          `json:"expirationDateTime"`
	Schedule           *Schedule      `json:"schedule"`
	Assignment         *AssignmentRef `json:"accessPackageAssignment"`
	Requestor          *Subject       `json:"requestor,omitempty"`
	AccessPackage      *AccessPackage `json:"accessPackage,omitempty"`
}

// Assignment is an accessPackageAssignment.
type Assignment struct {
	ID                 string                    `json:"id"`
	CatalogID          string                    `json:"catalogId"`
	AccessPackageID    string                    `json:"accessPackageId"`
	AssignmentPolicyID string                    `json:"assignmentPolicyId"`
	TargetID           string                    `json:"targetId"`
	AssignmentState    string                    `json:"assignmentState"`
	AssignmentStatus   string                    `json:"assignmentStatus"`
	IsExtended         bool                      `json:"isExtended"`
	ExpiredDateTime    *Time                     `json:"expiredDateTime"`
	Schedule           *Schedule                 `json:"schedule"`
	AccessPackage      *AccessPackage            `json:"accessPackage,omitempty"`
	Policy             *Policy                   `json:"accessPackageAssignmentPolicy,omitempty"`
	Target             *Subject                  `json:"target,omitempty"`
	ResourceRoles      *[]AssignmentResourceRole `json:"accessPackageAssignmentResourceRoles,omitempty"`
}

// AssignmentResourceRole is an accessPackageAssignmentResourceRole.
type AssignmentResourceRole struct {
	ID           string         `json:"id"`
	OriginID     string         `json:"originId"`
	OriginSystem string         `json:"originSystem"`
	Status       string         `json:"status"`
	Subject      *Subject       `json:"accessPackageSubject,omitempty"`
	Role         *ResourceRole  `json:"accessPackageResourceRole,omitempty"`
	Scope        *ResourceScope `json:"accessPackageResourceScope,omitempty"`
	Assignments  *[]Assignment  `json:"accessPackageAssignments,omitempty"`
}

// Subject is an accessPackageSubject. Steward keeps no subject apart from the directory user, so
// id and objectId are both the user's id.
type Subject struct {
	ID            string `json:"id"`
	ObjectID      string `json:"objectId"`
	DisplayName   string `json:"displayName"`
	Email         string `json:"email"`
	PrincipalName string `json:"principalName"`
	Type          string `json:"type"`
}

// IdentitySource is one identitySource, with its @odata.type.
type IdentitySource struct {
	Type        string `json:"@odata.type"`
	DisplayName string `json:"displayName,omitempty"`
	TenantID    string `json:"tenantId,omitempty"`
	DomainName  string `json:"domainName,omitempty"`
	IssuerURI   string `json:"issuerUri,omitempty"`
}

// ConnectedOrganization is a connectedOrganization.
type ConnectedOrganization struct {
	ETag             string             `json:"@odata.etag,omitempty"`
	ID               string             `json:"id"`
	DisplayName      string             `json:"displayName"`
	Description      string             `json:"description"`
	State            string             `json:"state"`
	IdentitySources  []IdentitySource   `json:"identitySources"`
	CreatedBy        string             `json:"createdBy"`
	CreatedDateTime  *Time              `json:"createdDateTime"`
	ModifiedBy       string             `json:"modifiedBy"`
	ModifiedDateTime *Time              `json:"modifiedDateTime"`
	InternalSponsors *[]DirectoryObject `json:"internalSponsors,omitempty"`
	ExternalSponsors *[]DirectoryObject `json:"externalSponsors,omitempty"`
}

// DirectoryObject is a sponsor: a user or a group, with its @odata.type.
type DirectoryObject struct {
	Type        string `json:"@odata.type"`
	ID          string `json:"id"`
	DisplayName string `json:"displayName,omitempty"`
	Mail        string `json:"mail,omitempty"`
}

// Settings is the entitlementManagementSettings singleton.
type Settings struct {
	ETag                                     string `json:"@odata.etag,omitempty"`
	ExternalUserLifecycleAction              string `json:"externalUserLifecycleAction"`
	DaysUntilExternalUserDeletedAfterBlocked int    `json:"daysUntilExternalUserDeletedAfterBlocked"`
}

// User is a directory user, with the properties of Graph's user that Steward keeps.
type User struct {
	ETag              string `json:"@odata.etag,omitempty"`
	ID                string `json:"id"`
	DisplayName       string `json:"displayName"`
	Mail              string `json:"mail"`
	UserPrincipalName string `json:"userPrincipalName"`
	UserType          string `json:"userType"`
	AccountEnabled    bool   `json:"accountEnabled"`
	Department        string `json:"department"`
	JobTitle          string `json:"jobTitle"`
	CreatedDateTime   *Time  `json:"createdDateTime"`
}

// Group is a directory group.
type Group struct {
	ETag            string `json:"@odata.etag,omitempty"`
	ID              string `json:"id"`
	DisplayName     string `json:"displayName"`
	Description     string `json:"description"`
	Mail            string `json:"mail"`
	SecurityEnabled bool   `json:"securityEnabled"`
	CreatedDateTime *Time  `json:"createdDateTime"`
}

// Approval is the approval of one request (a Steward extension modelled on Graph's later
// accessPackageAssignmentApproval): its id is the request's, with one entry per stage.
type Approval struct {
	ID      string         `json:"id"`
	Stages  []ApprovalStep `json:"stages"`
	Request *Request       `json:"request,omitempty"`
}

// ApprovalStep is one stage of an Approval; its id is the stage number, from 1.
type ApprovalStep struct {
	ID               string    `json:"id"`
	Status           string    `json:"status"`
	ReviewResult     string    `json:"reviewResult"`
	ReviewedBy       *Identity `json:"reviewedBy"`
	ReviewedDateTime *Time     `json:"reviewedDateTime"`
	Justification    string    `json:"justification"`
	AssignedToMe     bool      `json:"assignedToMe"`
}

// Identity names who did something.
type Identity struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
}
