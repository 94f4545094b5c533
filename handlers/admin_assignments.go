package handlers

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views"
	"github.com/stewardhq/steward/views/components"
	"github.com/stewardhq/steward/words"
)

// AdminAssignments serves a package's assignments and requests tabs, direct assignment
// (AdminAdd) and removal (AdminRemove).
type AdminAssignments struct {
	*Base
}

func assignmentStates(state string) []entitlement.AssignmentState {
	switch st := entitlement.AssignmentState(state); st {
	case "all":
		return nil
	case entitlement.AssignmentDelivered, entitlement.AssignmentDelivering, entitlement.AssignmentExpired:
		return []entitlement.AssignmentState{st}
	}
	return []entitlement.AssignmentState{entitlement.AssignmentDelivering, entitlement.AssignmentDelivered}
}

// List renders GET /admin/packages/:id/assignments?state=&q=.
func (h AdminAssignments) List(c echo.Context) error {
	pv, err := h.packageView(c, c.Param("id"), views.PackageTabAssignments)
	if err != nil {
		return err
	}
	pp, caps := pv.props, pv.caps
	ctx := c.Request().Context()
	state := c.QueryParam("state")
	if state == "" {
		state = "live"
	}
	opt := adminListOptions(c)
	f := entitlement.AssignmentFilter{States: assignmentStates(state)}
	page, err := h.Svc.PackageAssignments(ctx, pp.Package.ID, f, opt)
	if err != nil {
		return err
	}
	pols := make(map[string]string, len(pv.policies))
	for _, p := range pv.policies {
		pols[p.ID] = p.DisplayName
	}
	targets := make([]string, 0, len(page.Items))
	for _, a := range page.Items {
		targets = append(targets, a.TargetID)
	}
	people, err := h.Svc.UsersByID(ctx, targets)
	if err != nil {
		return err
	}
	props := views.PackageAssignmentsProps{PackageProps: pp, State: state, Query: opt.Search, Pager: pageLinks(c, pp.URL()+"/assignments", page, opt)}
	for _, a := range page.Items {
		who, email := personOf(people, a.TargetID)
		row := views.AdminAssignmentRow{Assignment: a, Who: who, Email: email, Policy: pols[a.PolicyID]}
		if caps.IsAdmin {
			row.UserURL = "/admin/directory/users/" + a.TargetID
		}
		props.Rows = append(props.Rows, row)
	}
	return Render(c, http.StatusOK, views.PackageAssignmentsPage(props))
}

// person names a user for a row; users the caller may not see stay anonymous but countable.
func (b *Base) person(ctx context.Context, id string) (string, string) {
	u, err := b.Svc.UserByID(ctx, id)
	if err != nil {
		return personGone, ""
	}
	return u.Label(), u.Email
}

// personOf names a user for a row from the users a list read at once (Service.UsersByID), as
// person does.
func personOf(people map[string]entitlement.User, id string) (string, string) {
	u, ok := people[id]
	if !ok {
		return personGone, ""
	}
	return u.Label(), u.Email
}

// personGone names a person the directory no longer holds, or whom the caller may not see.
const personGone = "Someone who left the directory"

// New renders GET /admin/packages/:id/assignments/new.
func (h AdminAssignments) New(c echo.Context) error {
	return h.form(c, http.StatusOK, assignForm{}, nil, nil, "", false)
}

// assignForm is the direct assignment form as posted.
type assignForm struct {
	users                             []string
	policy, start, end, justification string
}

func readAssignForm(c echo.Context) assignForm {
	form, _ := c.FormParams()
	f := assignForm{policy: c.FormValue("policy"), start: c.FormValue("start"), end: c.FormValue("end"), justification: c.FormValue("justification")}
	for _, u := range form["users"] {
		if u != "" && !slices.Contains(f.users, u) {
			f.users = append(f.users, u)
		}
	}
	return f
}

func (h AdminAssignments) form(c echo.Context, status int, f assignForm, errs map[string]string, failures []string, query string, searched bool) error {
	pp, err := h.packageProps(c, c.Param("id"), views.PackageTabAssignments)
	if err != nil {
		return err
	}
	if !pp.CanAssign {
		return refused("Only owners, access package managers and assignment managers of the catalog " + pp.Catalog.DisplayName + " can assign its packages.")
	}
	ctx := c.Request().Context()
	pp.Page.Title = "Assign " + pp.Package.DisplayName
	pp.Page.Breadcrumbs = append(pp.Page.Breadcrumbs[:len(pp.Page.Breadcrumbs)-1],
		views.NavItem{Label: pp.Package.DisplayName, URL: pp.URL() + "/assignments"}, views.NavItem{Label: "Assign"})
	props := views.AssignFormProps{PackageProps: pp, Policy: f.policy, Start: f.start, End: f.end, Justification: f.justification, Errors: fieldMessages(errs), Failures: failures}
	for _, id := range f.users {
		if u, err := h.Svc.UserByID(ctx, id); err == nil {
			props.Chosen = append(props.Chosen, views.Choice{Kind: "user", ID: u.ID, Label: u.Label(), Detail: u.Email})
		}
	}
	pols, err := h.Svc.PoliciesOfPackage(ctx, pp.Package.ID)
	if err != nil {
		return err
	}
	for _, p := range pols {
		props.Policies = append(props.Policies, components.SelectOption{Value: p.ID, Label: p.DisplayName})
	}
	if props.Policy == "" && len(pols) > 0 {
		props.Policy = pols[0].ID
	}
	props.Picker = views.PickerProps{
		ID: "assign-picker", Label: "Add a person", Kinds: "user", Query: query, Searched: searched,
		Name: "pick", SearchName: "search", SearchValue: "1", QueryName: "q", Help: "Type a name or an e-mail address, then choose. Add as many as you need.",
		Error: props.Errors["targetId"], // nobody chosen: the message sits by the picker, linked to its search box
	}
	if searched {
		if props.Picker.Results, err = searchPeople(ctx, h.Svc, "user", query); err != nil {
			return err
		}
	}
	return Render(c, status, views.AssignFormPage(props))
}

// Assign handles POST /admin/packages/:id/assignments/new: choosing and removing people (the
// chips), a search without JavaScript, or the assignment itself (assign=1), one AdminAdd request
// per person.
func (h AdminAssignments) Assign(c echo.Context) error {
	id := c.Param("id")
	f := readAssignForm(c)
	if k, uid, ok := cutKind(c.FormValue("pick")); ok && k == "user" {
		if !slices.Contains(f.users, uid) {
			f.users = append(f.users, uid)
		}
		return h.form(c, http.StatusOK, f, nil, nil, "", false)
	}
	if r := c.FormValue("remove"); r != "" {
		f.users = slices.DeleteFunc(f.users, func(u string) bool { return u == r })
		return h.form(c, http.StatusOK, f, nil, nil, "", false)
	}
	if c.FormValue("assign") == "" {
		return h.form(c, http.StatusOK, f, nil, nil, c.FormValue("q"), true)
	}
	if len(f.users) == 0 {
		return h.form(c, http.StatusUnprocessableEntity, f, map[string]string{"targetId": "choose at least one person to assign"}, nil, "", false)
	}
	sched := entitlement.Schedule{}
	errs := map[string]string{}
	if f.start != "" {
		t, err := time.Parse(dateLayout, f.start)
		if err != nil {
			errs["schedule.startDateTime"] = "choose a start date"
		} else {
			sched.StartDateTime = &t
		}
	}
	if f.end != "" {
		if t, ok := endOfDay(f.end); ok {
			sched.Expiration = entitlement.Expiration{Type: entitlement.ExpirationAfterDateTime, EndDateTime: &t}
		} else {
			errs["schedule.expiration.endDateTime"] = "choose an end date"
		}
	}
	if len(errs) > 0 {
		return h.form(c, http.StatusUnprocessableEntity, f, errs, nil, "", false)
	}
	ctx := c.Request().Context()
	var failures, done []string
	var left []string
	for _, uid := range f.users {
		who, _ := h.person(ctx, uid)
		_, err := h.Svc.SubmitRequest(ctx, entitlement.RequestInput{
			RequestType: entitlement.RequestAdminAdd, AccessPackageID: id, PolicyID: f.policy, TargetID: uid,
			Justification: f.justification, Schedule: sched,
		})
		if fields, ok := FieldErrors(err); ok {
			// A problem with the form itself is the same for everyone: show it by its field.
			if _, personal := fields["targetId"]; !personal {
				return h.form(c, http.StatusUnprocessableEntity, f, fields, nil, "", false)
			}
			failures = append(failures, who+": "+words.Sentence(fields["targetId"]))
			left = append(left, uid)
			continue
		}
		var msg string
		if m, ok := ruleRefusal(err, entitlement.ErrConflict); ok {
			msg = m
		} else if m, ok := ruleRefusal(err, entitlement.ErrForbidden); ok {
			msg = m
		} else if m, ok := ruleRefusal(err, entitlement.ErrNotFound); ok {
			msg = m
		} else if err != nil {
			return err
		}
		if msg != "" {
			failures = append(failures, who+": "+words.Sentence(msg))
			left = append(left, uid)
			continue
		}
		done = append(done, who)
	}
	if len(failures) > 0 {
		if len(done) > 0 {
			if err := h.Flash(c, "success", assignedMessage(done)); err != nil {
				return err
			}
		}
		f.users = left
		return h.form(c, http.StatusConflict, f, nil, failures, "", false)
	}
	return h.SeeOther(c, "/admin/packages/"+id+"/assignments", assignedMessage(done))
}

// assignedMessage says who was assigned: by name for a few people, as a count for a team.
func assignedMessage(done []string) string {
	if len(done) > 5 {
		return fmt.Sprintf("Assigned to %d people.", len(done))
	}
	return "Assigned to " + words.JoinAnd(done) + "."
}

// Remove handles POST /admin/packages/:id/assignments/:aid/remove: an AdminRemove request.
func (h AdminAssignments) Remove(c echo.Context) error {
	id := c.Param("id")
	ctx := c.Request().Context()
	a, err := h.Svc.AssignmentByID(ctx, c.Param("aid"))
	if err != nil {
		return err
	}
	who, _ := h.person(ctx, a.TargetID)
	back := "/admin/packages/" + id + "/assignments"
	_, err = h.Svc.SubmitRequest(ctx, entitlement.RequestInput{
		RequestType: entitlement.RequestAdminRemove, AssignmentID: a.ID, Justification: strings.TrimSpace(c.FormValue("justification")),
	})
	if msg, ok := ruleRefusal(err, entitlement.ErrConflict); ok {
		if err := h.flashError(c, who+"'s access was not removed: "+words.Finish(msg)); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, back)
	}
	if err != nil {
		return err
	}
	return h.SeeOther(c, back, who+"'s access was removed.")
}
