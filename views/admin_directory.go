package views

import (
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views/components"
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
	Members []entitlement.User
	Total   int
	Pager   Pager
	Picker  PickerProps
	Error   string
}

// GroupFormProps configures GroupFormPage.
type GroupFormProps struct {
	Page      Page
	Editing   bool
	Values    entitlement.GroupInput
	Errors    map[string]string
	Action    string
	CancelURL string
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

func userDetails(p UserProps) []components.DescriptionItem {
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
		last = FormatDateTime(*u.LastSignInDateTime)
	}
	items = append(items,
		components.DescriptionItem{Term: "Last sign-in", Value: last},
		components.DescriptionItem{Term: "In Steward since", Value: FormatDate(u.CreatedDateTime)},
	)
	if u.BlockedDateTime != nil {
		items = append(items, components.DescriptionItem{Term: "Blocked", Value: FormatDateTime(*u.BlockedDateTime)})
	}
	return items
}
