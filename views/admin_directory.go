package views

import (
	"context"
	"strconv"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views/components"
	"github.com/stewardhq/steward/words"
)

// UserListProps configures UserListPage.
type UserListProps struct {
	Page  Page
	Query string
	Users []entitlement.User
	Pager Pager
}

// UserProps configures UserPage: one person, their place in the directory and their access.
type UserProps struct {
	Page         Page
	User         entitlement.User
	Manager      *entitlement.User
	Org          string
	Groups       []entitlement.Group
	Reports      []entitlement.User
	Assignments  []AdminAssignmentRow
	Requests     []AdminRequestRow
	Roles        []entitlement.AssignmentResourceRole // what their access grants, with its delivery state
	IsSelf       bool
	Now          time.Time
	MoreAccess   bool // more assignments than shown
	MoreRequests bool
}

// UserForm is the user form as typed.
type UserForm struct {
	DisplayName, Email, UserType, Department, JobTitle string
	ManagerEmail                                       string
	OrgID                                              string
	Version                                            int64 // of the user the form edits
}

// UserFormProps configures UserFormPage (new and edit).
type UserFormProps struct {
	Page      Page
	Editing   bool
	Values    UserForm
	Orgs      []components.SelectOption
	Errors    map[string]string
	Action    string
	CancelURL string
	// Stale, when set, says that the save was refused because the user changed meanwhile.
	Stale *Stale
}

// GroupListProps configures GroupListPage.
type GroupListProps struct {
	Page   Page
	Query  string
	Groups []GroupRow
	Pager  Pager
}

// GroupRow is one group with its member count.
type GroupRow struct {
	Group   entitlement.Group
	Members int
}

// GroupProps configures GroupPage: a group and its members.
type GroupProps struct {
	Page    Page
	Group   entitlement.Group
	Query   string
	Members []entitlement.GroupMember
	Total   int
	Pager   Pager
	Picker  PickerProps
	Error   string
	Use     entitlement.GroupUse // what keeps the group from being deleted
}

// memberRemoval words the dialog that ends a direct membership: one that a package also grants
// stays, and the dialog says so before anyone confirms.
func memberRemoval(m entitlement.GroupMember, group string) (title, message, confirm string) {
	if m.Sources.Has(entitlement.MemberGranted) {
		return "End " + m.User.Label() + "'s direct membership of " + group + "?",
			"They stay a member through " + grantPackages(m.Grants) + " until that access ends.",
			"End direct membership"
	}
	return "Remove " + m.User.Label() + " from " + group + "?",
		"They lose what the group gives them: policies that name the group, approvals and roles through it.",
		"Remove member"
}

// MemberRemovedFlash says what removing a direct member did: removed, or still a member through a
// package.
func MemberRemovedFlash(who string, left entitlement.GroupMember) string {
	if left.Sources.Has(entitlement.MemberGranted) {
		return who + " is no longer a direct member, and stays a member through " + grantPackages(left.Grants) + " until that access ends."
	}
	return who + " removed from the group."
}

// grantPackages names the packages that grant a membership.
func grantPackages(grants []entitlement.MembershipGrant) string {
	names := entitlement.GrantingPackages(grants)
	if len(names) == 0 {
		return "an access package"
	}
	return words.JoinAnd(names)
}

// GroupFormProps configures GroupFormPage.
type GroupFormProps struct {
	Page      Page
	Editing   bool
	Values    entitlement.GroupInput
	Errors    map[string]string
	Action    string
	CancelURL string
	// Stale, when set, says that the save was refused because the group changed meanwhile.
	Stale *Stale
}

// ImportProps configures ImportPage: a CSV file of users or groups, and the report of the last
// import.
type ImportProps struct {
	Page     Page
	Kind     string // "users" or "groups"
	Columns  []ImportColumn
	Example  string
	Report   *entitlement.ImportReport
	Error    string
	FileName string
}

// ImportColumn explains one column of an import file.
type ImportColumn struct {
	Name, Help string
	Required   bool
}

func userTypeLabel(u entitlement.User) string {
	if u.IsGuest() {
		return "Guest"
	}
	return "Member"
}

var userTypeOptions = []components.SelectOption{
	{Value: entitlement.UserTypeMember, Label: "Member of your organization"},
	{Value: entitlement.UserTypeGuest, Label: "Guest from a connected organization"},
}

func nonEmpty(items ...string) []string {
	var out []string
	for _, s := range items {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func userDetails(ctx context.Context, p UserProps) []components.DescriptionItem {
	u := p.User
	items := []components.DescriptionItem{
		{Term: "E-mail", Value: u.Email},
		{Term: "Type", Value: userTypeLabel(u)},
	}
	if p.Manager != nil {
		items = append(items, components.DescriptionItem{Term: "Manager", Content: link("/admin/directory/users/"+p.Manager.ID, p.Manager.Label())})
	} else {
		items = append(items, components.DescriptionItem{Term: "Manager", Value: "None"})
	}
	if p.Org != "" {
		items = append(items, components.DescriptionItem{Term: "Organization", Content: link("/admin/connected-organizations/"+u.ConnectedOrganizationID, p.Org)})
	}
	last := "Never"
	if u.LastSignInDateTime != nil {
		last = FormatDateTime(ctx, *u.LastSignInDateTime)
	}
	items = append(items,
		components.DescriptionItem{Term: "Last sign-in", Value: last},
		components.DescriptionItem{Term: "In Steward since", Value: FormatDate(ctx, u.CreatedDateTime)},
	)
	if u.BlockedDateTime != nil {
		items = append(items, components.DescriptionItem{Term: "Blocked", Value: FormatDateTime(ctx, *u.BlockedDateTime)})
	}
	return items
}

// RoleStatusBadge says where the delivery of a resource role stands.
func RoleStatusBadge(status entitlement.RoleStatus) components.BadgeProps {
	switch status {
	case entitlement.RoleStatusFulfilled:
		return components.BadgeProps{Label: "Delivered", Tone: components.ToneSuccess}
	case entitlement.RoleStatusPendingFulfillment:
		return components.BadgeProps{Label: "Being granted", Tone: components.ToneWaiting}
	case entitlement.RoleStatusPendingRemoval:
		return components.BadgeProps{Label: "Being removed", Tone: components.ToneWaiting}
	case entitlement.RoleStatusFailed:
		return components.BadgeProps{Label: "Failed", Tone: components.ToneDanger}
	case entitlement.RoleStatusRemovalFailed:
		return components.BadgeProps{Label: "Removal failed", Tone: components.ToneDanger}
	}
	return components.BadgeProps{Label: "Unknown", Tone: components.ToneNeutral}
}

// retryRoleConfirm asks to confirm provisioning a failed role again.
func retryRoleConfirm(p UserProps, r entitlement.AssignmentResourceRole) components.ConfirmProps {
	return components.ConfirmProps{
		ID: "retry-role-" + r.ID, Title: "Grant " + r.RoleName + " of " + r.ResourceName + " to " + p.User.Label() + " again?",
		Message: "Steward asks " + entitlement.OriginLabel(r.OriginSystem) + " again; the role shows as being granted until it answers. The retry is recorded in the audit log.",
		Action:  "/admin/directory/users/" + p.User.ID + "/roles/retry", CSRFToken: p.Page.CSRFToken,
		Hidden:       []components.HiddenField{{Name: "role", Value: r.ID}},
		ConfirmLabel: "Retry", ConfirmVariant: components.ButtonPrimary, TriggerLabel: "Retry", TriggerSize: components.ButtonSmall,
	}
}

// SignedOutMessage confirms signing someone out everywhere.
func SignedOutMessage(name string, sessions int) string {
	switch sessions {
	case 0:
		return name + " was not signed in anywhere."
	case 1:
		return name + " is signed out of 1 browser."
	}
	return name + " is signed out of " + strconv.Itoa(sessions) + " browsers."
}

// importProblems counts an import's problems and the lines that have them, which are fewer when
// a line has several: "3 problems on 2 of the 10 lines read".
func importProblems(r entitlement.ImportReport) string {
	lines := map[int]bool{}
	for _, e := range r.Errors {
		lines[e.Row] = true
	}
	return words.Plural(len(r.Errors), "problem", "problems") + " on " + strconv.Itoa(len(lines)) + " of the " + words.Plural(r.Rows, "line", "lines") + " read"
}

// groupPolicyUse says which policies keep a group from being deleted, and the way out.
func groupPolicyUse(u entitlement.GroupUse) string {
	if len(u.Policies) == 1 {
		return "Cannot be deleted: the policy " + u.Policies[0] + " names it as " + words.JoinAnd(u.As) + ". Change that policy first."
	}
	return "Cannot be deleted: the policies " + words.JoinAnd(u.Policies) + " name it as " + words.JoinAnd(u.As) + ". Change those policies first."
}

// UserTypeLabel names a user type as the user form offers it.
func UserTypeLabel(t string) string {
	for _, o := range userTypeOptions {
		if o.Value == t {
			return o.Label
		}
	}
	return t
}
