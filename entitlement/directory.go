package entitlement

import (
	"net/mail"
	"slices"
	"strings"
	"time"
)

// User types, as in the directory.
const (
	UserTypeMember = "Member"
	UserTypeGuest  = "Guest"
)

// User is a person in Steward's directory. Users are created when they first sign in, by an
// administrator, or by import; guests are created for requestors from connected organizations.
type User struct {
	ID                      string     `json:"id"`
	DisplayName             string     `json:"displayName"`
	Email                   string     `json:"mail"`
	UserPrincipalName       string     `json:"userPrincipalName"`
	UserType                string     `json:"userType"`
	Department              string     `json:"department,omitempty"`
	JobTitle                string     `json:"jobTitle,omitempty"`
	ManagerID               string     `json:"managerId,omitempty"`
	ConnectedOrganizationID string     `json:"connectedOrganizationId,omitempty"`
	AccountEnabled          bool       `json:"accountEnabled"`
	BlockedDateTime         *time.Time `json:"blockedDateTime,omitempty"`
	Issuer                  string     `json:"issuer,omitempty"`
	Subject                 string     `json:"subject,omitempty"`
	ClaimGroups             []string   `json:"claimGroups,omitempty"`
	CreatedDateTime         time.Time  `json:"createdDateTime"`
	ModifiedDateTime        time.Time  `json:"modifiedDateTime"`
	LastSignInDateTime      *time.Time `json:"lastSignInDateTime,omitempty"`
	// Source is where the record came from and ExternalID its id there (a SCIM externalId, an
	// LDAP DN). Records written before sources were recorded have neither: they came from a
	// sign-in, the portal or a CSV import, and the portal edits them.
	Source         string `json:"source,omitempty"`
	ExternalID     string `json:"externalId,omitempty"`
	EmployeeNumber string `json:"employeeNumber,omitempty"`
	// LeftDateTime is when the directory source said the person left (removed or deactivated);
	// sync blocked them then and lifts only its own block when they come back.
	LeftDateTime *time.Time `json:"leftDateTime,omitempty"`
	// RemovedAtSource marks a leaver the source deleted: the record stays, blocked, for the
	// audit trail, but the source no longer sees it.
	RemovedAtSource bool `json:"removedAtSource,omitempty"`
	// NotificationPreferences are the optional messages the user turned off; records written
	// before they existed have none, which means everything is on.
	NotificationPreferences NotificationPreferences `json:"notificationPreferences,omitzero"`
	// TimeZone is the IANA zone the person's pages show times in ("Europe/Paris"), taken from
	// their browser or chosen on their profile; empty means UTC.
	TimeZone string `json:"timeZone,omitempty"`
	// Version counts the writes to the record (see version.go); the API sends it as @odata.etag.
	Version int64 `json:"version,omitempty"`
	// Kind is empty for a person and KindServiceAccount for a service account: a principal of
	// scripts that never signs in, holds no access packages, approves nothing, and stays out of
	// the people lists, counts and pickers (the store leaves it out of the name and search
	// indexes). It holds catalog roles like a person, and acts through API tokens.
	Kind        string `json:"kind,omitempty"`
	Description string `json:"description,omitempty"`
	// Administrator gives a service account administrator rights; people get them from the
	// configuration instead.
	Administrator bool `json:"administrator,omitempty"`
}

// KindServiceAccount is the User.Kind of service accounts.
const KindServiceAccount = "serviceAccount"

// IsServiceAccount reports whether the record is a service account rather than a person.
func (u User) IsServiceAccount() bool { return u.Kind == KindServiceAccount }

// IsSynced reports whether a directory source owns the record, which makes it read-only in the
// portal.
func (u User) IsSynced() bool { return IsSyncSource(u.Source) }

// IsGuest reports whether the user is an external (guest) user.
func (u User) IsGuest() bool { return u.UserType == UserTypeGuest }

// Label is how the user is shown: the display name, or the e-mail when there is none.
func (u User) Label() string {
	if u.DisplayName != "" {
		return u.DisplayName
	}
	return u.Email
}

// Group is a directory group. Groups are both sets of people (who may request or approve) and
// resources (membership is a role that access packages grant).
type Group struct {
	ID               string    `json:"id"`
	DisplayName      string    `json:"displayName"`
	Description      string    `json:"description,omitempty"`
	CreatedDateTime  time.Time `json:"createdDateTime"`
	ModifiedDateTime time.Time `json:"modifiedDateTime"`
	// Source and ExternalID are as for User.
	Source     string `json:"source,omitempty"`
	ExternalID string `json:"externalId,omitempty"`
	// RemovedAtSource marks a group the source deleted that Steward keeps because a catalog or
	// a policy still names it.
	RemovedAtSource bool `json:"removedAtSource,omitempty"`
	// Version counts the writes to the record (see version.go); the API sends it as @odata.etag.
	Version int64 `json:"version,omitempty"`
}

// IsSynced reports whether a directory source owns the group.
func (g Group) IsSynced() bool { return IsSyncSource(g.Source) }

// Sources of directory records.
const (
	SourceSignIn = "signIn"
	SourceCSV    = "csv"
	SourceSCIM   = "scim"
	SourceLDAP   = "ldap"
)

// IsSyncSource reports whether records from the source are kept by directory sync.
func IsSyncSource(source string) bool { return source == SourceSCIM || source == SourceLDAP }

// SourceName names a record's source for people: "SCIM provisioning", "LDAP".
func SourceName(source string) string {
	switch source {
	case SourceSCIM:
		return "SCIM provisioning"
	case SourceLDAP:
		return "the LDAP directory"
	case SourceSignIn:
		return "sign-in"
	case SourceCSV:
		return "a CSV import"
	}
	return "Steward"
}

// MemberSources is the set of reasons a user is in a group. A membership lasts while any source
// remains, so that ending an access package never takes away a membership an administrator gave,
// removing that direct membership leaves one a package still grants, and directory sync takes
// away only the memberships it made.
type MemberSources uint8

// Sources of a group membership.
const (
	// MemberDirect: an administrator or an import added the person.
	MemberDirect MemberSources = 1 << iota
	// MemberGranted: an access package assignment grants the group's membership role.
	MemberGranted
	// MemberSynced: the directory source (SCIM or LDAP) says the person is a member.
	MemberSynced
)

// Has reports whether every source in o is in m.
func (m MemberSources) Has(o MemberSources) bool { return o != 0 && m&o == o }

// Codes of refusals about group memberships.
const (
	CodeAlreadyMember     = "alreadyMember"
	CodeNotMember         = "notMember"
	CodeMembershipGranted = "membershipGranted"
	CodeMembershipSynced  = "membershipSynced"
	CodeSyncedRecord      = "syncedRecord"
)

// GroupMember is one member of a group with why they are one: directly, and through which
// assignments (each named by its access package).
type GroupMember struct {
	User    User
	Sources MemberSources
	// Grants are the live assignments whose package grants the membership, by package name.
	Grants []MembershipGrant
}

// GrantingPackages names the access packages that grant a membership, each once, in the order
// of grants.
func GrantingPackages(grants []MembershipGrant) []string {
	names := make([]string, 0, len(grants))
	for _, g := range grants {
		if !slices.Contains(names, g.AccessPackageName) {
			names = append(names, g.AccessPackageName)
		}
	}
	return names
}

// MembershipGrant is an assignment that grants a group membership.
type MembershipGrant struct {
	AssignmentID      string
	AccessPackageID   string
	AccessPackageName string
}

// UserInput is what an administrator or an import supplies for a user. Updates replace every
// field. AccountEnabled is not used by CreateUser and UpdateUser: new users are enabled, and
// SetUserBlocked blocks and unblocks (recording when).
type UserInput struct {
	DisplayName             string
	Email                   string
	UserType                string
	Department              string
	JobTitle                string
	ManagerID               string
	ConnectedOrganizationID string
	AccountEnabled          bool
	// IfVersion is the version the caller read; a record that moved on since refuses the write.
	// 0 does not check.
	IfVersion int64
}

// MaxEmailLength is the longest e-mail address Steward keeps (RFC 5321's limit on a path).
const MaxEmailLength = 254

// NormalizeEmail lower-cases and trims an e-mail address, the form every index uses.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// EmailDomain returns the part of an address after the @, lower-cased.
func EmailDomain(email string) string {
	i := strings.LastIndexByte(email, '@')
	if i < 0 {
		return ""
	}
	return strings.ToLower(email[i+1:])
}

func (in *UserInput) validate() error {
	f := fieldErrors{}
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	in.Email = NormalizeEmail(in.Email)
	if in.DisplayName == "" {
		f.add("displayName", "enter the person's name")
	} else if len(in.DisplayName) > 200 {
		f.add("displayName", "use at most 200 characters")
	}
	if in.Email == "" {
		f.add("mail", "enter an e-mail address")
	} else if len(in.Email) > MaxEmailLength {
		f.add("mail", "use at most %d characters", MaxEmailLength)
	} else if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email {
		f.add("mail", "enter an e-mail address such as ada@example.com")
	}
	switch in.UserType {
	case "":
		in.UserType = UserTypeMember
	case UserTypeMember, UserTypeGuest:
	default:
		f.add("userType", "choose Member or Guest")
	}
	in.Department = strings.TrimSpace(in.Department)
	in.JobTitle = strings.TrimSpace(in.JobTitle)
	if len(in.Department) > 200 {
		f.add("department", "use at most 200 characters")
	}
	if len(in.JobTitle) > 200 {
		f.add("jobTitle", "use at most 200 characters")
	}
	if in.ManagerID != "" && !validID(in.ManagerID) {
		f.add("managerId", "choose the manager from the directory")
	}
	if in.ConnectedOrganizationID != "" && !validID(in.ConnectedOrganizationID) {
		f.add("connectedOrganizationId", "choose the connected organization from the list")
	}
	return f.err("invalidUser")
}

// GroupInput is what an administrator or an import supplies for a group.
type GroupInput struct {
	DisplayName string
	Description string
	// IfVersion is the version the caller read; a record that moved on since refuses the write.
	// 0 does not check.
	IfVersion int64
}

func (in *GroupInput) validate() error {
	f := fieldErrors{}
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	in.Description = strings.TrimSpace(in.Description)
	if in.DisplayName == "" {
		f.add("displayName", "enter a name for the group")
	} else if len(in.DisplayName) > 200 {
		f.add("displayName", "use at most 200 characters")
	}
	if len(in.Description) > 2000 {
		f.add("description", "use at most 2000 characters")
	}
	return f.err("invalidGroup")
}
