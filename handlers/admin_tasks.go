package handlers

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views"
	"github.com/stewardhq/steward/words"
)

// AdminTasks serves the tasks page: grants and removals that wait for a person, because no
// connector reaches the resource or its connector gave up.
type AdminTasks struct {
	*Base
}

const navTasks = "tasks"

// errNoTasks is what people who may carry out no task get on the tasks page.
var errNoTasks = refused("Tasks are for administrators and catalog owners.")

// tasksReturn keeps a form's way back on Steward's admin pages.
func tasksReturn(v string) string {
	if strings.HasPrefix(v, "/admin/") && !strings.HasPrefix(v, "//") && !strings.Contains(v, "\\") {
		return v
	}
	return "/admin/tasks"
}

// List renders GET /admin/tasks?state=&resource=.
func (h AdminTasks) List(c echo.Context) error {
	return h.list(c, http.StatusOK, "", "", "")
}

func (h AdminTasks) list(c echo.Context, status int, failedID, note, msg string) error {
	ctx := c.Request().Context()
	state := entitlement.TaskState(c.QueryParam("state"))
	switch state {
	case entitlement.TaskOpen, entitlement.TaskDone, entitlement.TaskFailed, entitlement.TaskCanceled:
	default:
		state = entitlement.TaskOpen
	}
	f := entitlement.TaskFilter{State: state, ResourceID: c.QueryParam("resource"),
		ListOptions: entitlement.ListOptions{After: c.QueryParam("after"), Before: c.QueryParam("before")}}
	var res *entitlement.Resource
	crumbs := []views.NavItem{{Label: "Tasks"}}
	if f.ResourceID != "" {
		r, err := h.Svc.ResourceByID(ctx, f.ResourceID)
		if err != nil {
			return err
		}
		res = &r
		crumbs = []views.NavItem{{Label: "Catalogs", URL: "/admin/catalogs"}, {Label: r.DisplayName, URL: resourceURL(r)}, {Label: "Tasks"}}
	}
	p, caps, err := h.adminPage(c, "Tasks", navTasks, crumbs...)
	if err != nil {
		return err
	}
	if !canHaveTasks(caps) {
		return errNoTasks // the navigation has no Tasks link for them either
	}
	page, err := h.Svc.ProvisionTasks(ctx, f)
	if err != nil {
		return err
	}
	props := views.TasksProps{Page: p, State: state, Resource: res}
	props.Pager = pageLinks(c, "/admin/tasks", page, f.ListOptions)
	now := h.Svc.Clock().Now()
	for _, t := range page.Items {
		row := views.TaskRow{Task: t, Asked: views.At(ctx, now, t.Created), Return: props.URL(), ResourceURL: "/admin/resources/" + t.ResourceID}
		if t.Closed != nil {
			row.Closed = views.At(ctx, now, *t.Closed)
		}
		if t.ID == failedID {
			row.Note, row.Error = note, msg
		}
		props.Rows = append(props.Rows, row)
	}
	return Render(c, status, views.TasksPage(props))
}

// Close handles POST /admin/tasks/:id/close with outcome=done|failed and a note.
func (h AdminTasks) Close(c echo.Context) error {
	id, note, back := c.Param("id"), c.FormValue("note"), tasksReturn(c.FormValue("return"))
	done := c.FormValue("outcome") == "done"
	if !done && c.FormValue("outcome") != "failed" {
		return echo.NewHTTPError(http.StatusBadRequest, "Choose Mark done or Could not do it.")
	}
	err := h.Svc.CloseProvisionTask(c.Request().Context(), id, done, note)
	if fields, ok := FieldErrors(err); ok {
		// The list the form came from comes back, with the note kept and the error under it.
		if _, rest, ok := strings.Cut(back, "?"); ok {
			c.Request().URL.RawQuery = rest
		}
		return h.list(c, http.StatusUnprocessableEntity, id, note, fieldMessages(fields)["note"])
	}
	if msg, ok := ruleRefusal(err, entitlement.ErrConflict); ok {
		if err := h.flashError(c, "Nothing changed: "+words.Finish(msg)); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, back)
	}
	if err != nil {
		return err
	}
	flash := "Marked done."
	if !done {
		flash = "Marked as not possible; the requestor sees your note."
	}
	return h.SeeOther(c, back, flash)
}

// Retry handles POST /admin/tasks/:id/retry: the connector tries the role again (the admin
// "retry failed roles" action), which closes the task.
func (h AdminTasks) Retry(c echo.Context) error {
	back := tasksReturn(c.FormValue("return"))
	err := h.Svc.RetryAssignmentRole(c.Request().Context(), c.FormValue("role"))
	if msg, ok := ruleRefusal(err, entitlement.ErrConflict); ok {
		if err := h.flashError(c, "Nothing was retried: "+words.Finish(msg)); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, back)
	}
	if err != nil {
		return err
	}
	return h.SeeOther(c, back, "Steward is trying the connector again.")
}

// resourceURL is a resource's own page.
func resourceURL(r entitlement.Resource) string { return "/admin/resources/" + r.ID }
