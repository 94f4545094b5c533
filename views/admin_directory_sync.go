package views

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views/components"
	"github.com/stewardhq/steward/words"
)

// DirectorySyncProps configures DirectorySyncPage: the LDAP import's settings and reports, and
// the SCIM tokens of the identity providers that provision.
type DirectorySyncProps struct {
	Page Page
	// Settings are the form's values: saved, or as typed when the form comes back.
	Settings entitlement.LDAPSettings
	// MaxBlock and Interval are the two numbers as typed.
	MaxBlock, Interval string
	HasPassword        bool
	Configured         bool
	Available          bool
	Errors             map[string]string
	// Test is what Test connection found, when it was asked and worked.
	Test *entitlement.DirectoryTest
	// DryRun is a dry run's report, shown once above the form.
	DryRun  *SyncReport
	NextRun Time
	Reports []SyncReport
	// Running is the run under way, nil when none.
	Running *SyncProgress

	SCIMURL    string
	Tokens     []SCIMTokenRow
	NewToken   string // a token just made: shown this once
	NewFor     string // whose it is
	TokenName  string // as typed, when the form comes back
	TokenError string
}

// SyncReport is one run's report as the page shows it.
type SyncReport struct {
	ID       string
	When     Time
	Who      string // "Scheduled", "Started by Ada Admin"
	Outcome  string
	Tone     components.Tone
	Summary  string
	Duration string
	Message  string
	Details  []string
	Errors   []string
	More     bool // the details or errors were cut short
	// RunAnyway offers to run again past the block guard (the newest report, when it stopped).
	RunAnyway bool
	DryRun    bool
}

// SCIMTokenRow is one SCIM token in the list.
type SCIMTokenRow struct {
	ID, Name string
	Created  Time
	LastUsed Time // zero when never used
}

// NewSyncReport describes a run's report for the page.
func NewSyncReport(ctx context.Context, now time.Time, r entitlement.DirectorySyncReport) SyncReport {
	out := SyncReport{
		ID: r.ID, When: At(ctx, now, r.StartedDateTime), Who: "Scheduled", Message: words.Sentence(r.Message),
		Details: r.Details, Errors: r.Errors, More: r.Truncated, DryRun: r.DryRun,
		Duration: runDuration(r.Duration),
	}
	if r.StartedBy != "" {
		out.Who = "Started by " + r.StartedBy
		if r.Forced {
			out.Who += ", who confirmed the blocks"
		}
	}
	switch r.Outcome {
	case entitlement.RunCompleted:
		out.Outcome, out.Tone = "Completed", components.ToneSuccess
	case entitlement.RunWithErrors:
		out.Outcome, out.Tone = "Completed with errors", components.TonePartial
	case entitlement.RunStopped:
		out.Outcome, out.Tone = "Waiting for confirmation", components.ToneWaiting
	default:
		out.Outcome, out.Tone = "Failed", components.ToneDanger
	}
	if r.DryRun {
		out.Outcome = "Dry run: " + words.Uncapitalize(out.Outcome)
	}
	out.Summary = syncSummary(r)
	return out
}

// syncSummary sums up a report in one sentence of counts.
func syncSummary(r entitlement.DirectorySyncReport) string {
	if r.Outcome == entitlement.RunFailed && r.PeopleRead == 0 {
		return "Nothing was read from the directory."
	}
	verb := func(now, dry string) string {
		if r.DryRun || r.Outcome == entitlement.RunStopped {
			return dry
		}
		return now
	}
	var people []string
	for _, c := range []struct {
		n    int
		what string
	}{{r.Created, verb("created", "to create")}, {r.Changed, verb("changed", "to change")}, {r.Blocked, verb("blocked as leavers", "to block as leavers")}} {
		if c.n > 0 {
			people = append(people, fmt.Sprintf("%d %s", c.n, c.what))
		}
	}
	s := fmt.Sprintf("Read %s and %s", words.Plural(r.PeopleRead, "person", "people"), words.Plural(r.GroupsRead, "group", "groups"))
	if len(people) == 0 {
		s += "; no one " + verb("changed", "to change")
	} else {
		s += "; people: " + strings.Join(people, ", ")
	}
	var groups []string
	for _, c := range []struct {
		n    int
		what string
	}{{r.GroupsNew, verb("created", "to create")}, {r.GroupsMoved, verb("changed", "to change")}, {r.GroupsGone, verb("removed", "to remove")}, {r.MembersIn, verb("memberships added", "memberships to add")}, {r.MembersOut, verb("memberships removed", "memberships to remove")}} {
		if c.n > 0 {
			groups = append(groups, fmt.Sprintf("%d %s", c.n, c.what))
		}
	}
	if len(groups) > 0 {
		s += "; groups: " + strings.Join(groups, ", ")
	}
	if len(r.Errors) > 0 {
		s += "; " + words.Plural(len(r.Errors), "record", "records") + " could not be synced"
	}
	return s + "."
}

var membershipOptions = []RadioOption{
	{entitlement.MembershipMember, "Groups list their members", "Read from the groups' member attribute (groupOfNames, Active Directory groups)."},
	{entitlement.MembershipMemberOf, "People list their groups", "Read from the people's memberOf attribute (the memberof overlay, Active Directory)."},
}

// ldapAttributeFields are the attribute mapping's fields: form name, label, help.
var ldapAttributeFields = []struct{ Name, Label, Help string }{
	{"attr.id", "External id", "An attribute that never changes, such as entryUUID or objectGUID; empty uses the DN."},
	{"attr.email", "E-mail", "Such as mail."},
	{"attr.displayName", "Display name", "Such as displayName or cn; empty uses given name and surname."},
	{"attr.givenName", "Given name", "Such as givenName."},
	{"attr.surname", "Surname", "Such as sn."},
	{"attr.manager", "Manager", "Holds the manager's DN, such as manager."},
	{"attr.employeeNumber", "Employee id", "Such as employeeNumber or employeeID."},
	{"attr.department", "Department", "Such as departmentNumber or department."},
	{"attr.jobTitle", "Job title", "Such as title."},
	{"attr.groupId", "Group external id", "Such as entryUUID or objectGUID; empty uses the DN."},
	{"attr.groupName", "Group name", "Such as cn."},
	{"attr.groupDescription", "Group description", "Such as description."},
	{"attr.member", "Group members", "Such as member or uniqueMember."},
	{"attr.memberOf", "Person's groups", "Such as memberOf."},
}

// LDAPAttributeValue returns the mapping's value for a form field name of ldapAttributeFields.
func LDAPAttributeValue(a entitlement.LDAPAttributes, name string) string {
	if p := LDAPAttributePtr(&a, name); p != nil {
		return *p
	}
	return ""
}

// LDAPAttributePtr points at the mapping's field for a form field name, nil for another name.
func LDAPAttributePtr(a *entitlement.LDAPAttributes, name string) *string {
	switch name {
	case "attr.id":
		return &a.ID
	case "attr.email":
		return &a.Email
	case "attr.displayName":
		return &a.DisplayName
	case "attr.givenName":
		return &a.GivenName
	case "attr.surname":
		return &a.Surname
	case "attr.manager":
		return &a.Manager
	case "attr.employeeNumber":
		return &a.EmployeeNumber
	case "attr.department":
		return &a.Department
	case "attr.jobTitle":
		return &a.JobTitle
	case "attr.groupId":
		return &a.GroupID
	case "attr.groupName":
		return &a.GroupName
	case "attr.groupDescription":
		return &a.GroupDescription
	case "attr.member":
		return &a.Member
	case "attr.memberOf":
		return &a.MemberOf
	}
	return nil
}

// LDAPAttributeNames are the form names of the attribute mapping, in form order.
func LDAPAttributeNames() []string {
	out := make([]string, len(ldapAttributeFields))
	for i, f := range ldapAttributeFields {
		out[i] = f.Name
	}
	return out
}

// errorKey is the form field a domain error names: "attributes.email" → "attr.email".
func errorKey(field string) string {
	if rest, ok := strings.CutPrefix(field, "attributes."); ok {
		return "attr." + rest
	}
	return field
}

func (p DirectorySyncProps) err(field string) string { return p.Errors[field] }

func (p DirectorySyncProps) passwordHelp() string {
	if p.HasPassword {
		return "A password is saved; it is never shown. Leave this empty to keep it."
	}
	return "Leave empty to bind without a password."
}

func (p DirectorySyncProps) testSummary() string {
	if p.Test == nil {
		return ""
	}
	s := "Connected and signed in. "
	if len(p.Test.People) == 0 {
		s += "The people filter finds no one under the base DN."
	} else {
		s += "People found include " + words.JoinAnd(p.Test.People) + "."
	}
	if p.Settings.GroupsBaseDN != "" {
		if len(p.Test.Groups) == 0 {
			s += " The groups filter finds no group."
		} else {
			s += " Groups found include " + words.JoinAnd(p.Test.Groups) + "."
		}
	}
	return s
}

// ErrorKeys maps a validation error's fields to the form's names.
func ErrorKeys(fields map[string]string) map[string]string {
	out := make(map[string]string, len(fields))
	for k, v := range fields {
		out[errorKey(k)] = v
	}
	return out
}

// runDuration says how long a run took: "less than a second", "2.4 seconds", "3 minutes 5 seconds".
func runDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return "less than a second"
	case d < time.Minute:
		return fmt.Sprintf("%.1f seconds", d.Seconds())
	}
	d = d.Round(time.Second)
	return words.Plural(int(d/time.Minute), "minute", "minutes") + " " + words.Plural(int(d%time.Minute/time.Second), "second", "seconds")
}

// SyncProgressPath answers the progress of the run under way, for the page to poll.
const SyncProgressPath = "/admin/directory-sync/progress"

// SyncProgress is the run under way as the page shows it; Finished (with nothing else set) says
// the run the page was polling has ended.
type SyncProgress struct {
	Finished bool
	Since    Time
	Who      string // "Scheduled", "Started by Ada Admin"
	Step     string // what it does now, with its counts
	// Done of Total records applied, for the progress bar; Total is 0 before the run applies.
	Done, Total int
}

// NewSyncProgress describes the run under way.
func NewSyncProgress(ctx context.Context, now time.Time, p entitlement.DirectorySyncProgress) SyncProgress {
	out := SyncProgress{Since: At(ctx, now, p.StartedDateTime), Who: "Scheduled", Done: p.Done, Total: p.Total}
	if p.StartedBy != "" {
		out.Who = "Started by " + p.StartedBy
	}
	if p.DryRun {
		out.Who = "Dry run · " + words.Uncapitalize(out.Who)
	}
	read := words.Plural(p.PeopleRead, "person", "people") + " and " + words.Plural(p.GroupsRead, "group", "groups")
	switch p.Phase {
	case entitlement.PhaseReading:
		out.Step = "Reading the directory…"
	case entitlement.PhasePlanning:
		out.Step = "Read " + read + "; comparing them with Steward…"
	default:
		out.Step = fmt.Sprintf("Read %s; applying changes: %d of %d done", read, p.Done, p.Total)
		if p.Errors > 0 {
			out.Step += ", " + words.Plural(p.Errors, "record", "records") + " could not be synced"
		}
		out.Step += "."
	}
	return out
}
