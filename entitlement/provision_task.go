package entitlement

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ErrManualFulfilment is what a Provisioner returns for a resource that no connector reaches: a
// person must carry the change out. The worker then records the role as waiting for someone and
// opens a task for the resource's owners, instead of calling the role delivered.
var ErrManualFulfilment = errors.New("carried out by a person")

// ErrAwaitingConfirmation is what a Provisioner returns when the target accepted an action and
// will confirm it later (a webhook receiver's 202): the message waits for ConfirmProvisioning
// until the worker's ConfirmWait passes, and is sent again after that.
var ErrAwaitingConfirmation = errors.New("accepted; the target confirms later")

// TaskState is where a provisioning task stands.
type TaskState string

// Provisioning task states.
const (
	TaskOpen   TaskState = "Open"
	TaskDone   TaskState = "Done"
	TaskFailed TaskState = "Failed"
	// TaskCanceled: the role changed (retried, removed, granted again) so the task no longer
	// applies.
	TaskCanceled TaskState = "Canceled"
)

// Why a task was opened.
const (
	// TaskManual: the resource has no connector; a person carries out every change.
	TaskManual = "manual"
	// TaskConnectorFailed: the resource's connector gave up after its last attempt; a person
	// retries it from the portal or fixes it by hand.
	TaskConnectorFailed = "connectorFailed"
)

// ProvisionTask asks the owners of a resource to carry out one change by hand: give a person a
// role, or take it away. The names are kept as they were when the task was opened, so the list
// reads the same after a rename.
type ProvisionTask struct {
	ID           string     `json:"id"`
	CatalogID    string     `json:"catalogId"`
	ResourceID   string     `json:"resourceId"`
	RoleID       string     `json:"roleId"` // the AssignmentResourceRole
	Op           string     `json:"op"`     // ProvisionAdd or ProvisionRemove
	Reason       string     `json:"reason"` // TaskManual or TaskConnectorFailed
	Detail       string     `json:"detail,omitempty"`
	SubjectID    string     `json:"subjectId"`
	SubjectName  string     `json:"subjectName"`
	SubjectEmail string     `json:"subjectEmail,omitempty"`
	ResourceName string     `json:"resourceName"`
	RoleName     string     `json:"roleName"`
	State        TaskState  `json:"state"`
	Note         string     `json:"note,omitempty"`
	Created      time.Time  `json:"createdDateTime"`
	Closed       *time.Time `json:"closedDateTime,omitempty"`
	ClosedBy     string     `json:"closedBy,omitempty"`
	ClosedByName string     `json:"closedByName,omitempty"`
}

// Sentence says what the task asks in plain words: "Give Riley Chen the Maintainer role in
// GitHub Enterprise".
func (t ProvisionTask) Sentence() string {
	if t.Op == ProvisionRemove {
		return fmt.Sprintf("Take the %s role in %s away from %s", t.RoleName, t.ResourceName, t.SubjectName)
	}
	return fmt.Sprintf("Give %s the %s role in %s", t.SubjectName, t.RoleName, t.ResourceName)
}

// MaxTaskNote bounds the note written when a task is closed.
const MaxTaskNote = 2000

// TaskFilter narrows the task list.
type TaskFilter struct {
	ResourceID string    // one resource; empty for every resource the caller owns
	State      TaskState // empty for TaskOpen
	ListOptions
}

// openTask records that a person must carry out the action, with the role waiting for them and
// the requests delivering it saying so. reason is TaskManual or TaskConnectorFailed.
func (s *Service) openTask(tx Tx, a ProvisionAction, reason, detail string) error {
	ar, err := tx.AssignmentRoles().Get(a.RoleID)
	if isNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	res, err := tx.Resources().Get(ar.ResourceID)
	if err != nil && !isNotFound(err) {
		return err
	}
	now := s.now()
	t := ProvisionTask{
		ID: NewID(), CatalogID: res.CatalogID, ResourceID: ar.ResourceID, RoleID: ar.ID, Op: a.Op,
		Reason: reason, Detail: detail, SubjectID: ar.SubjectID, SubjectName: userLabel(tx, ar.SubjectID), SubjectEmail: a.Email,
		ResourceName: ar.ResourceName, RoleName: ar.RoleName, State: TaskOpen, Created: now,
	}
	if reason == TaskManual {
		switch {
		case a.Op == ProvisionAdd && len(ar.AssignmentIDs) > 0:
			ar.Status = RoleStatusPendingManual
		case a.Op == ProvisionRemove && len(ar.AssignmentIDs) == 0:
			ar.Status = RoleStatusPendingManualRemoval
		default:
			return nil
		}
		ar.LastError, ar.ModifiedDateTime = "", now
		if err := tx.AssignmentRoles().Put(ar); err != nil {
			return err
		}
	}
	if err := tx.ProvisionTasks().Put(t); err != nil {
		return fmt.Errorf("open task for role %s: %w", ar.ID, err)
	}
	if err := s.audit(tx, system, "provisionTask.open", "provisionTask", t.ID, ar.ResourceName+" "+ar.RoleName, t.Sentence()); err != nil {
		return err
	}
	if a.Op == ProvisionAdd && reason == TaskManual {
		return s.markWaitingForPerson(tx, ar, res)
	}
	return nil
}

// markWaitingForPerson tells the requests delivering the role that they wait for a person.
func (s *Service) markWaitingForPerson(tx Tx, ar AssignmentResourceRole, res Resource) error {
	for _, aid := range ar.AssignmentIDs {
		asg, err := tx.Assignments().Get(aid)
		if isNotFound(err) || err == nil && asg.AssignmentState != AssignmentDelivering {
			continue
		} else if err != nil {
			return err
		}
		r, err := tx.Requests().Get(asg.RequestID)
		if isNotFound(err) || err == nil && r.RequestState != StateDelivering {
			continue
		} else if err != nil {
			return err
		}
		detail := ar.ResourceName + " " + ar.RoleName
		if r.RequestStatus != RequestStatusWaitingForPerson {
			r.RequestStatus = RequestStatusWaitingForPerson
		}
		s.addEvent(&r, EventWaitingForPerson, system, 0, detail)
		if err := tx.Requests().Put(r); err != nil {
			return err
		}
	}
	return nil
}

// ProvisionTasks lists the tasks of the resources the caller owns (catalog owners) or of every
// resource (administrators), open ones by default, oldest first.
func (s *Service) ProvisionTasks(ctx context.Context, f TaskFilter) (Page[ProvisionTask], error) {
	var out Page[ProvisionTask]
	if f.State == "" {
		f.State = TaskOpen
	}
	err := s.read(ctx, func(tx Tx, a *access) error {
		if f.ResourceID != "" {
			res, err := load("resource", f.ResourceID, tx.Resources().Get)
			if err != nil {
				return err
			}
			if !a.canManageCatalog(res.CatalogID) {
				return forbidden("only administrators and the catalog's owners can see its tasks")
			}
			out, err = tx.ProvisionTasks().ByResource(f.ResourceID, f.State, f.ListOptions)
			return err
		}
		if a.isAdmin() {
			var err error
			out, err = tx.ProvisionTasks().ByState(f.State, f.ListOptions)
			return err
		}
		// A catalog owner sees the tasks of each catalog they own, together; these lists are
		// short, so they come as one page.
		for catalogID := range a.catalogRoles {
			if !a.canManageCatalog(catalogID) {
				continue
			}
			p, err := tx.ProvisionTasks().ByCatalog(catalogID, f.State, ListOptions{Limit: MaxPageSize})
			if err != nil {
				return err
			}
			out.Items = append(out.Items, p.Items...)
			out.Total += p.Total
		}
		slices.SortFunc(out.Items, func(x, y ProvisionTask) int { return strings.Compare(x.ID, y.ID) })
		return nil
	})
	return out, err
}

// OpenTaskCount counts the open tasks the caller may carry out, for the navigation's badge.
func (s *Service) OpenTaskCount(ctx context.Context) (int, error) {
	n := 0
	err := s.read(ctx, func(tx Tx, a *access) error {
		if a.isAdmin() {
			var err error
			n, err = tx.ProvisionTasks().CountByState(TaskOpen)
			return err
		}
		for catalogID := range a.catalogRoles {
			if !a.canManageCatalog(catalogID) {
				continue
			}
			c, err := tx.ProvisionTasks().CountByCatalog(catalogID, TaskOpen)
			if err != nil {
				return err
			}
			n += c
		}
		return nil
	})
	return n, err
}

// CloseProvisionTask records that a person carried out a task (done) or could not (failed, with
// a note saying why). Done completes the role: a grant is fulfilled, and the requests waiting for
// it are delivered once all their roles are; a removal takes the role record away. Failed leaves
// a grant Failed with the note, so the request is partially delivered, and a removal
// RemovalFailed. A task opened after a connector gave up is retried from the role instead
// (RetryAssignmentRole), which closes it too. Administrators and the catalog's owners may.
func (s *Service) CloseProvisionTask(ctx context.Context, id string, done bool, note string) error {
	note = strings.TrimSpace(note)
	return s.write(ctx, func(tx Tx, a *access) error {
		t, err := load("task", id, tx.ProvisionTasks().Get)
		if err != nil {
			return err
		}
		if !a.canManageCatalog(t.CatalogID) {
			return forbidden("only administrators and the catalog's owners can close its tasks")
		}
		switch {
		case !done && note == "":
			return invalid("invalidNote", "note", "say why it could not be done; the requestor sees it")
		case len(note) > MaxTaskNote:
			return invalid("invalidNote", "note", "use at most %d characters", MaxTaskNote)
		}
		if t.State != TaskOpen {
			return conflict("taskClosed", "this task was already marked %s", strings.ToLower(string(t.State)))
		}
		now := s.now()
		t.State, t.Note, t.Closed, t.ClosedBy, t.ClosedByName = TaskDone, note, &now, a.p.UserID, a.p.Name
		if !done {
			t.State = TaskFailed
		}
		if err := tx.ProvisionTasks().Put(t); err != nil {
			return fmt.Errorf("close task %s: %w", t.ID, err)
		}
		summary := t.Sentence() + ": done"
		if !done {
			summary = t.Sentence() + ": could not be done: " + note
		} else if note != "" {
			summary += "; " + note
		}
		if err := s.audit(tx, a.p, "provisionTask.close", "provisionTask", t.ID, t.ResourceName+" "+t.RoleName, summary); err != nil {
			return err
		}
		return s.taskClosed(tx, t, done, note, a.p)
	})
}

// taskClosed carries a closed task's outcome to its role.
func (s *Service) taskClosed(tx Tx, t ProvisionTask, done bool, note string, by Principal) error {
	ar, err := tx.AssignmentRoles().Get(t.RoleID)
	if isNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	now := s.now()
	switch {
	case t.Op == ProvisionAdd && len(ar.AssignmentIDs) > 0:
		if done {
			ar.Status, ar.LastError = RoleStatusFulfilled, ""
		} else {
			ar.Status, ar.LastError = RoleStatusFailed, "could not be done by hand: "+note
		}
	case t.Op == ProvisionRemove && len(ar.AssignmentIDs) == 0:
		if done {
			return tx.AssignmentRoles().Delete(ar.ID)
		}
		ar.Status, ar.LastError = RoleStatusRemovalFailed, "could not be removed by hand: "+note
	default:
		// The role changed since (granted again, or removed): the task no longer decides it.
		return nil
	}
	ar.ModifiedDateTime = now
	if err := tx.AssignmentRoles().Put(ar); err != nil {
		return err
	}
	return s.settleAssignmentsOf(tx, ar)
}

// closeTasksOf closes the open tasks of a role that changed so that they no longer apply (a
// retry, or the opposite change), so nobody carries out a stale one.
func (s *Service) closeTasksOf(tx Tx, roleID, why string) error {
	ts, err := tx.ProvisionTasks().ByRole(roleID)
	if err != nil {
		return err
	}
	now := s.now()
	for _, t := range ts {
		if t.State != TaskOpen {
			continue
		}
		t.State, t.Note, t.Closed = TaskCanceled, why, &now
		if err := tx.ProvisionTasks().Put(t); err != nil {
			return err
		}
	}
	return nil
}

// ConfirmProvisioning records a target's later answer to an action it accepted
// (ErrAwaitingConfirmation): done carries the action out as a successful call would; not done
// counts as the action's last failure, with the target's message as the reason (the role is
// Failed and the owners get a task). The caller has checked that the target may answer for the
// message (the callback's one-time token); a message already settled refuses a second answer, so
// each token works once.
func (s *Service) ConfirmProvisioning(ctx context.Context, messageID string, done bool, message string) error {
	message = strings.TrimSpace(message)
	if len(message) > MaxTaskNote {
		message = message[:MaxTaskNote]
	}
	return s.store.Update(ctx, func(tx Tx) error {
		m, err := tx.Outbox().Get(messageID)
		if isNotFound(err) {
			return notFoundAs("messageNotFound", "provisioning call", messageID)
		} else if err != nil {
			return err
		}
		if (m.Kind != OutboxProvision && m.Kind != OutboxDeprovision) || m.DeliveredAt != nil || m.FailedAt != nil || !m.AwaitingConfirmation {
			return conflict("notAwaiting", "this call is not waiting for a confirmation")
		}
		var a ProvisionAction
		if err := json.Unmarshal(m.Payload, &a); err != nil {
			return fmt.Errorf("confirm %s: %w", m.ID, err)
		}
		now := s.now()
		m.AwaitingConfirmation = false
		if done {
			m.DeliveredAt, m.LastError = &now, ""
			if err := tx.Outbox().Put(m); err != nil {
				return err
			}
			if m.Kind == OutboxProvision {
				return s.roleProvisioned(tx, a)
			}
			return s.roleDeprovisioned(tx, a)
		}
		if message == "" {
			message = "the target reported a failure"
		}
		m.FailedAt, m.LastError = &now, message
		if err := tx.Outbox().Put(m); err != nil {
			return err
		}
		return s.roleProvisionFailed(tx, a, message, m.Attempts)
	})
}
