package handlers

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views"
	"github.com/stewardhq/steward/views/components"
	"github.com/stewardhq/steward/words"
)

// AdminDirectory serves the directory: users and groups, a user's page with their access,
// group membership, and CSV imports. The directory is for administrators.
type AdminDirectory struct {
	*Base
}

const (
	usersURL  = "/admin/directory/users"
	groupsURL = "/admin/directory/groups"
)

// directoryPage is adminPage for the directory's pages, which are for administrators only.
func (h AdminDirectory) directoryPage(c echo.Context, title, nav string, crumbs ...views.NavItem) (views.Page, error) {
	p, caps, err := h.adminPage(c, title, nav, crumbs...)
	if err != nil {
		return p, err
	}
	if !caps.IsAdmin {
		return p, refused("Only administrators manage the directory.")
	}
	return p, nil
}

// Users renders GET /admin/directory/users.
func (h AdminDirectory) Users(c echo.Context) error {
	p, err := h.directoryPage(c, "Users", navUsers)
	if err != nil {
		return err
	}
	opt := adminListOptions(c)
	page, err := h.Svc.ListUsers(c.Request().Context(), opt)
	if err != nil {
		return err
	}
	return Render(c, http.StatusOK, views.UserListPage(views.UserListProps{Page: p, Query: opt.Search, Users: page.Items, Pager: pageLinks(c, usersURL, page, opt)}))
}

// userPageLimit is how many assignments and requests a user's page shows.
const userPageLimit = 50

// User renders GET /admin/directory/users/:id.
func (h AdminDirectory) User(c echo.Context) error {
	ctx := c.Request().Context()
	u, err := h.Svc.UserByID(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	if u.IsServiceAccount() {
		// Links from the audit log and catalog roles name it by its user id.
		return c.Redirect(http.StatusSeeOther, serviceAccountsURL+"/"+u.ID)
	}
	p, err := h.directoryPage(c, u.Label(), navUsers, views.NavItem{Label: "Users", URL: usersURL}, views.NavItem{Label: u.Label()})
	if err != nil {
		return err
	}
	props := views.UserProps{Page: p, User: u, Now: h.Svc.Clock().Now()}
	if who, ok := entitlement.PrincipalFrom(ctx); ok {
		props.IsSelf = who.UserID == u.ID
	}
	if u.ManagerID != "" {
		if m, err := h.Svc.UserByID(ctx, u.ManagerID); err == nil {
			props.Manager = &m
		}
	}
	if u.ConnectedOrganizationID != "" {
		if o, err := h.Svc.ConnectedOrganizationByID(ctx, u.ConnectedOrganizationID); err == nil {
			props.Org = o.DisplayName
		}
	}
	if props.Groups, err = h.Svc.GroupsOfUser(ctx, u.ID); err != nil {
		return err
	}
	if props.Reports, err = h.Svc.DirectReports(ctx, u.ID); err != nil {
		return err
	}
	assignments, err := h.Svc.UserAssignments(ctx, u.ID, entitlement.AssignmentFilter{}, entitlement.ListOptions{Limit: userPageLimit})
	if err != nil {
		return err
	}
	props.MoreAccess = assignments.Next != ""
	pkgNames := map[string]string{}
	pkgName := func(id string) string {
		if n, ok := pkgNames[id]; ok {
			return n
		}
		n := "A deleted access package"
		if pkg, err := h.Svc.AccessPackageByID(ctx, id); err == nil {
			n = pkg.DisplayName
		}
		pkgNames[id] = n
		return n
	}
	polNames := map[string]string{}
	polName := func(id string) string {
		if n, ok := polNames[id]; ok {
			return n
		}
		n := ""
		if pol, err := h.Svc.PolicyByID(ctx, id); err == nil {
			n = pol.DisplayName
		}
		polNames[id] = n
		return n
	}
	for _, a := range newestFirst(assignments.Items) {
		props.Assignments = append(props.Assignments, views.AdminAssignmentRow{
			Assignment: a, Package: pkgName(a.AccessPackageID), PackageURL: "/admin/packages/" + a.AccessPackageID, Policy: polName(a.PolicyID),
		})
	}
	requests, err := h.Svc.UserRequests(ctx, u.ID, entitlement.RequestFilter{}, entitlement.ListOptions{Limit: userPageLimit})
	if err != nil {
		return err
	}
	props.MoreRequests = requests.Next != ""
	if props.Requests, err = adminRequestRows(ctx, h.Base, newestFirst(requests.Items), false); err != nil {
		return err
	}
	for i, r := range props.Requests {
		if r.Request.IsOpen() {
			props.Requests[i].CancelURL, props.Requests[i].Return = cancelRequestURL(r.Request.ID), "user"
		}
	}
	if props.Roles, err = h.Svc.UserResourceRoles(ctx, u.ID); err != nil {
		return err
	}
	return Render(c, http.StatusOK, views.UserPage(props))
}

// newestFirst reverses a list that the store keeps oldest first.
func newestFirst[T any](items []T) []T {
	out := make([]T, len(items))
	for i, x := range items {
		out[len(items)-1-i] = x
	}
	return out
}

func readUserForm(c echo.Context) views.UserForm {
	return views.UserForm{
		DisplayName: c.FormValue("displayName"), Email: c.FormValue("mail"), UserType: c.FormValue("userType"),
		Department: c.FormValue("department"), JobTitle: c.FormValue("jobTitle"),
		ManagerEmail: strings.TrimSpace(c.FormValue("managerMail")), OrgID: c.FormValue("connectedOrganizationId"),
		Version: formVersion(c),
	}
}

// userInput turns the form into the domain's input, finding the manager by e-mail.
func (h AdminDirectory) userInput(ctx context.Context, f views.UserForm) (entitlement.UserInput, map[string]string, error) {
	in := entitlement.UserInput{
		DisplayName: f.DisplayName, Email: f.Email, UserType: f.UserType, Department: f.Department,
		JobTitle: f.JobTitle, ConnectedOrganizationID: f.OrgID, AccountEnabled: true, IfVersion: f.Version,
	}
	if f.ManagerEmail != "" {
		page, err := h.Svc.ListUsers(ctx, entitlement.ListOptions{Search: f.ManagerEmail, Limit: 10})
		if err != nil {
			return in, nil, err
		}
		for _, u := range page.Items {
			if strings.EqualFold(u.Email, f.ManagerEmail) {
				in.ManagerID = u.ID
			}
		}
		if in.ManagerID == "" {
			return in, map[string]string{"managerId": "nobody in the directory has this e-mail address"}, nil
		}
	}
	return in, nil, nil
}

func (h AdminDirectory) userForm(c echo.Context, status int, id string, f views.UserForm, errs map[string]string, stale *views.Stale) error {
	title, action, cancel := "New user", usersURL+"/new", usersURL
	crumbs := []views.NavItem{{Label: "Users", URL: usersURL}}
	if id != "" {
		// The breadcrumb names the user as saved, not as typed (which may be empty).
		u, err := h.Svc.UserByID(c.Request().Context(), id)
		if err != nil {
			return err
		}
		title, action, cancel = "Edit user", usersURL+"/"+id+"/edit", usersURL+"/"+id
		crumbs = append(crumbs, views.NavItem{Label: u.Label(), URL: cancel})
	}
	p, err := h.directoryPage(c, title, navUsers, append(crumbs, views.NavItem{Label: title})...)
	if err != nil {
		return err
	}
	orgs, err := entitlement.CollectAll(func(o entitlement.ListOptions) (entitlement.Page[entitlement.ConnectedOrganization], error) {
		return h.Svc.ListConnectedOrganizations(c.Request().Context(), o)
	})
	if err != nil {
		return err
	}
	props := views.UserFormProps{Page: p, Editing: id != "", Values: f, Errors: fieldMessages(errs), Action: action, CancelURL: cancel, Stale: stale}
	for _, o := range orgs {
		props.Orgs = append(props.Orgs, components.SelectOption{Value: o.ID, Label: o.DisplayName})
	}
	return Render(c, status, views.UserFormPage(props))
}

// NewUser renders GET /admin/directory/users/new.
func (h AdminDirectory) NewUser(c echo.Context) error {
	return h.userForm(c, http.StatusOK, "", views.UserForm{UserType: entitlement.UserTypeMember}, nil, nil)
}

// CreateUser handles POST /admin/directory/users/new.
func (h AdminDirectory) CreateUser(c echo.Context) error {
	ctx := c.Request().Context()
	f := readUserForm(c)
	in, errs, err := h.userInput(ctx, f)
	if err != nil {
		return err
	}
	if errs != nil {
		return h.userForm(c, http.StatusUnprocessableEntity, "", f, errs, nil)
	}
	u, err := h.Svc.CreateUser(ctx, in)
	if errs, ok := FieldErrors(err); ok {
		return h.userForm(c, http.StatusUnprocessableEntity, "", f, errs, nil)
	}
	if err != nil {
		return err
	}
	return h.SeeOther(c, usersURL+"/"+u.ID, u.Label()+" added to the directory.")
}

// userFormOf fills the user form with the saved values (the manager's e-mail apart).
func userFormOf(u entitlement.User) views.UserForm {
	return views.UserForm{DisplayName: u.DisplayName, Email: u.Email, UserType: u.UserType, Department: u.Department,
		JobTitle: u.JobTitle, OrgID: u.ConnectedOrganizationID, Version: u.Version}
}

// managerEmail is the e-mail address of the user's manager, empty when they have none.
func (h AdminDirectory) managerEmail(ctx context.Context, u entitlement.User) string {
	if u.ManagerID == "" {
		return ""
	}
	m, err := h.Svc.UserByID(ctx, u.ManagerID)
	if err != nil {
		return ""
	}
	return m.Email
}

// EditUser renders GET /admin/directory/users/:id/edit.
func (h AdminDirectory) EditUser(c echo.Context) error {
	ctx := c.Request().Context()
	u, err := h.Svc.UserByID(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	f := userFormOf(u)
	f.ManagerEmail = h.managerEmail(ctx, u)
	return h.userForm(c, http.StatusOK, u.ID, f, nil, nil)
}

// UpdateUser handles POST /admin/directory/users/:id/edit.
func (h AdminDirectory) UpdateUser(c echo.Context) error {
	ctx := c.Request().Context()
	id := c.Param("id")
	f := readUserForm(c)
	in, errs, err := h.userInput(ctx, f)
	if err != nil {
		return err
	}
	if errs != nil {
		return h.userForm(c, http.StatusUnprocessableEntity, id, f, errs, nil)
	}
	u, err := h.Svc.UpdateUser(ctx, id, in)
	if errs, ok := FieldErrors(err); ok {
		return h.userForm(c, http.StatusUnprocessableEntity, id, f, errs, nil)
	}
	if stale, ok := h.staleNotice(err, "this user"); ok {
		cur, err := h.Svc.UserByID(ctx, id)
		if err != nil {
			return err
		}
		stale.Current = []views.CurrentValue{
			{Label: "Name", Value: cur.DisplayName}, {Label: "E-mail", Value: cur.Email},
			{Label: "Type", Value: views.UserTypeLabel(cur.UserType)}, {Label: "Department", Value: cur.Department},
			{Label: "Job title", Value: cur.JobTitle}, {Label: "Manager's e-mail", Value: h.managerEmail(ctx, cur)},
		}
		f.Version = cur.Version
		return h.userForm(c, http.StatusConflict, id, f, nil, stale)
	}
	if err != nil {
		return err
	}
	return h.SeeOther(c, usersURL+"/"+u.ID, u.Label()+" saved.")
}

// Block handles POST /admin/directory/users/:id/block with blocked=true or false.
func (h AdminDirectory) Block(c echo.Context) error {
	ctx := c.Request().Context()
	id := c.Param("id")
	u, err := h.Svc.UserByID(ctx, id)
	if err != nil {
		return err
	}
	blocked := c.FormValue("blocked") == "true"
	if err := h.Svc.SetUserBlocked(ctx, id, blocked); err != nil {
		if msg, ok := ruleRefusal(err, entitlement.ErrConflict); ok {
			if err := h.flashError(c, words.Sentence(msg)); err != nil {
				return err
			}
			return c.Redirect(http.StatusSeeOther, usersURL+"/"+id)
		}
		return err
	}
	msg := u.Label() + " can sign in again."
	if blocked {
		msg = u.Label() + " is blocked from signing in."
	}
	return h.SeeOther(c, usersURL+"/"+id, msg)
}

// SignOut handles POST /admin/directory/users/:id/sign-out: every session of the person ends.
func (h AdminDirectory) SignOut(c echo.Context) error {
	ctx := c.Request().Context()
	u, err := h.Svc.UserByID(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	n, err := h.Svc.SignOutEverywhere(ctx, u.ID)
	if err != nil {
		return err
	}
	return h.SeeOther(c, usersURL+"/"+u.ID, views.SignedOutMessage(u.Label(), n))
}

// RetryRole handles POST /admin/directory/users/:id/roles/retry: a resource role (the form's
// role) whose provisioning failed is tried again.
func (h AdminDirectory) RetryRole(c echo.Context) error {
	ctx := c.Request().Context()
	u, err := h.Svc.UserByID(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	back := usersURL + "/" + u.ID
	err = h.Svc.RetryAssignmentRole(ctx, c.FormValue("role"))
	if msg, ok := ruleRefusal(err, entitlement.ErrConflict); ok {
		if err := h.flashError(c, "Nothing was retried: "+words.Finish(msg)); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, back)
	}
	if err != nil {
		return err
	}
	return h.SeeOther(c, back, "Steward is granting the role again.")
}

// Groups renders GET /admin/directory/groups.
func (h AdminDirectory) Groups(c echo.Context) error {
	p, err := h.directoryPage(c, "Groups", navGroups)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	opt := adminListOptions(c)
	page, err := h.Svc.ListGroups(ctx, opt)
	if err != nil {
		return err
	}
	props := views.GroupListProps{Page: p, Query: opt.Search, Pager: pageLinks(c, groupsURL, page, opt)}
	for _, g := range page.Items {
		members, err := h.Svc.GroupMembers(ctx, g.ID, entitlement.ListOptions{Limit: 1})
		if err != nil {
			return err
		}
		props.Groups = append(props.Groups, views.GroupRow{Group: g, Members: members.Total})
	}
	return Render(c, http.StatusOK, views.GroupListPage(props))
}

// Group renders GET /admin/directory/groups/:id: its members, searchable and paged.
func (h AdminDirectory) Group(c echo.Context) error {
	return h.group(c, http.StatusOK, "", false, "")
}

func (h AdminDirectory) group(c echo.Context, status int, query string, searched bool, msg string) error {
	ctx := c.Request().Context()
	g, err := h.Svc.GroupByID(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	p, err := h.directoryPage(c, g.DisplayName, navGroups, views.NavItem{Label: "Groups", URL: groupsURL}, views.NavItem{Label: g.DisplayName})
	if err != nil {
		return err
	}
	opt := adminListOptions(c)
	if c.Request().Method != http.MethodGet {
		opt = entitlement.ListOptions{}
	}
	page, err := h.Svc.GroupMembers(ctx, g.ID, opt)
	if err != nil {
		return err
	}
	total := page.Total
	if opt.Search != "" {
		all, err := h.Svc.GroupMembers(ctx, g.ID, entitlement.ListOptions{Limit: 1})
		if err != nil {
			return err
		}
		total = all.Total
	}
	props := views.GroupProps{Page: p, Group: g, Query: opt.Search, Members: page.Items, Total: total, Pager: pageLinks(c, groupsURL+"/"+g.ID, page, opt), Error: msg}
	if !g.IsSynced() || g.RemovedAtSource {
		if props.Use, err = h.Svc.GroupUse(ctx, g.ID); err != nil {
			return err
		}
	}
	props.Picker = views.PickerProps{ID: "member-picker", Label: "Person", Kinds: "user", Query: query, Searched: searched, Name: "pick", SearchName: "search", SearchValue: "1", QueryName: "q"}
	if searched {
		if props.Picker.Results, err = searchPeople(ctx, h.Svc, "user", query); err != nil {
			return err
		}
	}
	return Render(c, status, views.GroupPage(props))
}

// AddMember handles POST /admin/directory/groups/:id/members.
func (h AdminDirectory) AddMember(c echo.Context) error {
	id := c.Param("id")
	k, uid, ok := cutKind(c.FormValue("pick"))
	if !ok || k != "user" {
		return h.group(c, http.StatusOK, c.FormValue("q"), true, "")
	}
	ctx := c.Request().Context()
	err := h.Svc.AddGroupMember(ctx, id, uid)
	if msg, ok := ruleRefusal(err, entitlement.ErrConflict); ok {
		return h.group(c, http.StatusConflict, "", false, words.Sentence(msg))
	}
	if err != nil {
		return err
	}
	who, _ := h.person(ctx, uid)
	return h.SeeOther(c, groupsURL+"/"+id, who+" added to the group.")
}

// RemoveMember handles POST /admin/directory/groups/:id/members/remove. Someone who is no longer
// a member counts as removed; a group that does not exist is not found.
func (h AdminDirectory) RemoveMember(c echo.Context) error {
	ctx := c.Request().Context()
	g, err := h.Svc.GroupByID(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	uid := c.FormValue("userId")
	who, _ := h.person(ctx, uid)
	left, err := h.Svc.RemoveGroupMember(ctx, g.ID, uid)
	if msg, ok := ruleRefusal(err, entitlement.ErrConflict); ok {
		return h.group(c, http.StatusConflict, "", false, words.Sentence(msg))
	}
	if err != nil && !errors.Is(err, entitlement.ErrNotFound) {
		return err
	}
	return h.SeeOther(c, groupsURL+"/"+g.ID, views.MemberRemovedFlash(who, left))
}

func (h AdminDirectory) groupForm(c echo.Context, status int, id string, in entitlement.GroupInput, errs map[string]string, stale *views.Stale) error {
	title, action, cancel := "New group", groupsURL+"/new", groupsURL
	crumbs := []views.NavItem{{Label: "Groups", URL: groupsURL}}
	if id != "" {
		// The breadcrumb names the group as saved, not as typed (which may be empty).
		g, err := h.Svc.GroupByID(c.Request().Context(), id)
		if err != nil {
			return err
		}
		title, action, cancel = "Edit group", groupsURL+"/"+id+"/edit", groupsURL+"/"+id
		crumbs = append(crumbs, views.NavItem{Label: g.DisplayName, URL: cancel})
	}
	p, err := h.directoryPage(c, title, navGroups, append(crumbs, views.NavItem{Label: title})...)
	if err != nil {
		return err
	}
	return Render(c, status, views.GroupFormPage(views.GroupFormProps{Page: p, Editing: id != "", Values: in, Errors: fieldMessages(errs), Action: action, CancelURL: cancel, Stale: stale}))
}

// NewGroup renders GET /admin/directory/groups/new.
func (h AdminDirectory) NewGroup(c echo.Context) error {
	return h.groupForm(c, http.StatusOK, "", entitlement.GroupInput{}, nil, nil)
}

// CreateGroup handles POST /admin/directory/groups/new.
func (h AdminDirectory) CreateGroup(c echo.Context) error {
	in := entitlement.GroupInput{DisplayName: c.FormValue("displayName"), Description: c.FormValue("description")}
	g, err := h.Svc.CreateGroup(c.Request().Context(), in)
	if errs, ok := FieldErrors(err); ok {
		return h.groupForm(c, http.StatusUnprocessableEntity, "", in, errs, nil)
	}
	if err != nil {
		return err
	}
	return h.SeeOther(c, groupsURL+"/"+g.ID, "Group \""+g.DisplayName+"\" created. Add its members.")
}

// EditGroup renders GET /admin/directory/groups/:id/edit.
func (h AdminDirectory) EditGroup(c echo.Context) error {
	g, err := h.Svc.GroupByID(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return h.groupForm(c, http.StatusOK, g.ID, entitlement.GroupInput{DisplayName: g.DisplayName, Description: g.Description, IfVersion: g.Version}, nil, nil)
}

// UpdateGroup handles POST /admin/directory/groups/:id/edit.
func (h AdminDirectory) UpdateGroup(c echo.Context) error {
	id := c.Param("id")
	in := entitlement.GroupInput{DisplayName: c.FormValue("displayName"), Description: c.FormValue("description"), IfVersion: formVersion(c)}
	g, err := h.Svc.UpdateGroup(c.Request().Context(), id, in)
	if errs, ok := FieldErrors(err); ok {
		return h.groupForm(c, http.StatusUnprocessableEntity, id, in, errs, nil)
	}
	if stale, ok := h.staleNotice(err, "this group"); ok {
		cur, err := h.Svc.GroupByID(c.Request().Context(), id)
		if err != nil {
			return err
		}
		stale.Current = []views.CurrentValue{
			{Label: "Name", Value: cur.DisplayName}, {Label: "Description", Value: cur.Description},
		}
		in.IfVersion = cur.Version
		return h.groupForm(c, http.StatusConflict, id, in, nil, stale)
	}
	if err != nil {
		return err
	}
	return h.SeeOther(c, groupsURL+"/"+g.ID, "Group \""+g.DisplayName+"\" saved.")
}

// DeleteGroup handles POST /admin/directory/groups/:id/delete; a group in use is refused with
// the reason.
func (h AdminDirectory) DeleteGroup(c echo.Context) error {
	ctx := c.Request().Context()
	g, err := h.Svc.GroupByID(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	if err := h.Svc.DeleteGroup(ctx, g.ID, formVersion(c)); err != nil {
		if msg, ok := h.deleteRefusal(c, err, "this group"); ok {
			if err := h.flashError(c, "The group was not deleted: "+words.Finish(msg)); err != nil {
				return err
			}
			return c.Redirect(http.StatusSeeOther, groupsURL+"/"+g.ID)
		}
		return err
	}
	return h.SeeOther(c, groupsURL, "Group \""+g.DisplayName+"\" deleted.")
}

// importKinds describes the two imports.
var importKinds = map[string]struct {
	title, back, nav string
	columns          []views.ImportColumn
	example          string
}{
	"users": {
		title: "Import users", back: usersURL, nav: navUsers,
		columns: []views.ImportColumn{
			{Name: "displayName", Help: "The person's name.", Required: true},
			{Name: "mail", Help: "Their e-mail address; a person already in the directory is updated.", Required: true},
			{Name: "userType", Help: "Member or Guest; Member when empty for new people."},
			{Name: "department", Help: "Their department."},
			{Name: "jobTitle", Help: "Their job title."},
			{Name: "managerMail", Help: "Their manager's e-mail address; the manager may come later in the same file."},
		},
		example: "displayName,mail,userType,department,jobTitle,managerMail\nAda Lovelace,ada@example.com,Member,Engineering,Engineer,grace@example.com\nGrace Hopper,grace@example.com,Member,Engineering,Director,",
	},
	"groups": {
		title: "Import groups", back: groupsURL, nav: navGroups,
		columns: []views.ImportColumn{
			{Name: "group", Help: "The group's name; created when it does not exist.", Required: true},
			{Name: "description", Help: "Replaces the group's description when given."},
			{Name: "memberMail", Help: "One member per line, by e-mail; import the users first."},
		},
		example: "group,description,memberMail\nFinance,Finance and accounting,ada@example.com\nFinance,,grace@example.com",
	},
}

func (h AdminDirectory) importPage(c echo.Context, status int, kind string, rep *entitlement.ImportReport, fileName, msg string) error {
	k, ok := importKinds[kind]
	if !ok {
		return echo.ErrNotFound
	}
	crumb := "Users"
	if kind == "groups" {
		crumb = "Groups"
	}
	p, err := h.directoryPage(c, k.title, k.nav, views.NavItem{Label: crumb, URL: k.back}, views.NavItem{Label: k.title})
	if err != nil {
		return err
	}
	return Render(c, status, views.ImportPage(views.ImportProps{Page: p, Kind: kind, Columns: k.columns, Example: k.example, Report: rep, FileName: fileName, Error: msg}))
}

// ImportForm renders GET /admin/directory/users/import and /admin/directory/groups/import.
func (h AdminDirectory) ImportForm(kind string) echo.HandlerFunc {
	return func(c echo.Context) error { return h.importPage(c, http.StatusOK, kind, nil, "", "") }
}

// maxImportBytes bounds an uploaded import file.
const maxImportBytes = 10 << 20

// Import handles POST /admin/directory/{users,groups}/import: the file is imported as a whole or
// not at all, and the page shows the report, each problem by its line.
func (h AdminDirectory) Import(kind string) echo.HandlerFunc {
	return func(c echo.Context) error {
		fh, err := c.FormFile("file")
		if err != nil {
			return h.importPage(c, http.StatusUnprocessableEntity, kind, nil, "", "Choose a CSV file to import.")
		}
		if fh.Size > maxImportBytes {
			return h.importPage(c, http.StatusUnprocessableEntity, kind, nil, "", "The file is larger than 10 MB; split it into smaller files.")
		}
		f, err := fh.Open()
		if err != nil {
			return err
		}
		defer func() { _ = f.Close() }() // read-only upload; nothing to lose on close
		ctx := c.Request().Context()
		var rep entitlement.ImportReport
		if kind == "groups" {
			rep, err = h.Svc.ImportGroups(ctx, f)
		} else {
			rep, err = h.Svc.ImportUsers(ctx, f)
		}
		if _, ok := FieldErrors(err); ok || len(rep.Errors) > 0 {
			return h.importPage(c, http.StatusUnprocessableEntity, kind, &rep, fh.Filename, "")
		}
		if err != nil {
			return err
		}
		return h.importPage(c, http.StatusOK, kind, &rep, fh.Filename, "")
	}
}
