package views

import (
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views/components"
)

// TasksProps configures TasksPage: the changes someone must carry out by hand.
type TasksProps struct {
	Page     Page
	State    entitlement.TaskState
	Resource *entitlement.Resource // when the list is one resource's
	Rows     []TaskRow
	Pager    Pager
}

// TaskRow is one task as the list shows it, with the note typed and its error after a refused
// close.
type TaskRow struct {
	Task        entitlement.ProvisionTask
	Asked       Time
	Closed      Time
	Note        string
	Error       string
	Return      string // where the forms come back to
	ResourceURL string
}

// URL is the list's own address.
func (p TasksProps) URL() string {
	u := "/admin/tasks?state=" + string(p.State)
	if p.Resource != nil {
		u += "&resource=" + p.Resource.ID
	}
	return u
}

func (p TasksProps) tabs() components.TabsProps {
	var items []components.NavLink
	for _, s := range []entitlement.TaskState{entitlement.TaskOpen, entitlement.TaskDone, entitlement.TaskFailed, entitlement.TaskCanceled} {
		u := "/admin/tasks?state=" + string(s)
		if p.Resource != nil {
			u += "&resource=" + p.Resource.ID
		}
		items = append(items, components.NavLink{Label: TaskStateLabel(s), URL: u, Current: s == p.State})
	}
	return components.TabsProps{Label: "Tasks", Items: items}
}

// TaskStateLabel names a task state for people.
func TaskStateLabel(s entitlement.TaskState) string {
	switch s {
	case entitlement.TaskDone:
		return "Done"
	case entitlement.TaskFailed:
		return "Could not be done"
	case entitlement.TaskCanceled:
		return "No longer needed"
	}
	return "To do"
}

func taskStateTone(s entitlement.TaskState) components.Tone {
	switch s {
	case entitlement.TaskDone:
		return components.ToneSuccess
	case entitlement.TaskFailed:
		return components.ToneDanger
	case entitlement.TaskCanceled:
		return components.ToneNeutral
	}
	return components.ToneWaiting
}

// taskWhy says why the task is a person's.
func taskWhy(t entitlement.ProvisionTask) string {
	if t.Reason == entitlement.TaskConnectorFailed {
		return "The connector could not do it: " + t.Detail
	}
	return "No connector reaches this resource, so a person carries the change out."
}
