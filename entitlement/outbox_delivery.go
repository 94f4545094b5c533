package entitlement

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"
)

// Provisioning operations.
const (
	ProvisionAdd    = "add"
	ProvisionRemove = "remove"
)

// ProvisionAction asks a connector to add or remove one role of one subject in an origin system
// other than Steward's own directory.
type ProvisionAction struct {
	Op           string `json:"op"` // ProvisionAdd or ProvisionRemove
	RoleID       string `json:"roleId"`
	SubjectID    string `json:"subjectId"`
	Email        string `json:"email"`
	ResourceID   string `json:"resourceId"`   // the catalog resource
	OriginSystem string `json:"originSystem"` // e.g. AadApplication, SharePointOnline
	OriginID     string `json:"originId"`     // the resource's id in the origin system
	RoleOriginID string `json:"roleOriginId"` // the role's id in the origin system
	// MessageID is the outbox message carrying the action, set by the worker for each call: the
	// same across retries, so targets can use it to recognise a repeat, and the id a later
	// confirmation names (ConfirmProvisioning).
	MessageID string `json:"-"`
	// SubjectName is the person's name as the directory has it, for targets that create users.
	SubjectName  string `json:"subjectName,omitempty"`
	ResourceName string `json:"resourceName,omitempty"`
	RoleName     string `json:"roleName,omitempty"`
}

// Provisioner carries out provisioning actions in origin systems. Calls happen outside any store
// transaction and may be repeated after a crash or a timeout, so implementations must be
// idempotent: adding a role the subject holds, or removing one they do not, succeeds. The context
// ends at the worker's call timeout (WorkerOptions.CallTimeout); a call still running then counts
// as failed and is tried again later.
type Provisioner interface {
	Provision(ctx context.Context, a ProvisionAction) error
}

// ProvisionerFunc is a function that is a Provisioner.
type ProvisionerFunc func(ctx context.Context, a ProvisionAction) error

// Provision calls f.
func (f ProvisionerFunc) Provision(ctx context.Context, a ProvisionAction) error { return f(ctx, a) }

// ManualProvisioner is the connector used when none is configured. It changes nothing in any
// system: it answers ErrManualFulfilment, so the role waits for someone and the resource's owners
// get a task to carry the change out by hand and mark it done.
type ManualProvisioner struct {
	Log *slog.Logger
}

// Provision logs the action and hands it to a person.
func (m ManualProvisioner) Provision(ctx context.Context, a ProvisionAction) error {
	LoggerFrom(ctx, m.Log).InfoContext(ctx, "manual provisioning: a task waits for the resource's owners", "op", a.Op, "subject", a.SubjectID,
		"originSystem", a.OriginSystem, "resource", a.OriginID, "role", a.RoleOriginID)
	return ErrManualFulfilment
}

// Notification events.
const (
	NotifyRequestSubmitted   = "request.submitted"
	NotifyApprovalNeeded     = "request.approvalNeeded"
	NotifyRequestEscalated   = "request.escalated"
	NotifyRequestApproved    = "request.approved"
	NotifyRequestDenied      = "request.denied"
	NotifyRequestTimedOut    = "request.timedOut"
	NotifyRequestDelivered   = "request.delivered"
	NotifyRequestCanceled    = "request.canceled"
	NotifyAssignmentExpiring = "assignment.expiring"
	NotifyAssignmentExpired  = "assignment.expired"
	NotifyAssignmentRemoved  = "assignment.removed"
	NotifyGuestBlocked       = "user.guestBlocked"
	// NotifyReviewOpened tells the reviewers of a new review what waits for them.
	NotifyReviewOpened = "review.opened"
	// NotifyReviewReminder reminds the reviewers who have not decided everything before it closes.
	NotifyReviewReminder = "review.reminder"
	// NotifyReviewCompleted tells the reviewers and whoever started the review its results.
	NotifyReviewCompleted = "review.completed"
	// NotifyTargetDrift tells a catalog's owners that a scheduled comparison found a resource's
	// target out of step with Steward's grants.
	NotifyTargetDrift = "connector.drift"
)

// Roles of a notification's recipient in the request it is about.
const (
	RecipientRequestor = "requestor" // asked for the access (for themselves or someone else)
	RecipientTarget    = "target"    // gets or holds the access
	RecipientApprover  = "approver"  // is or was asked to decide
)

// Recipient is the one person a notification goes to.
type Recipient struct {
	UserID string `json:"userId"`
	Name   string `json:"name"`
	Email  string `json:"email"`
	Role   string `json:"role"`
}

// Notification is an event for one person, written to the outbox as kind OutboxNotify. The
// domain fills in the names and dates a message needs as they stood when the event happened, so
// that sending needs no lookup and says what was true then.
type Notification struct {
	Event           string    `json:"event"`
	RequestID       string    `json:"requestId,omitempty"`
	AssignmentID    string    `json:"assignmentId,omitempty"`
	AccessPackageID string    `json:"accessPackageId,omitempty"`
	TargetID        string    `json:"targetId,omitempty"`
	ReviewID        string    `json:"reviewId,omitempty"`
	ResourceID      string    `json:"resourceId,omitempty"`
	Recipients      []string  `json:"recipients"`
	Detail          string    `json:"detail,omitempty"`
	At              time.Time `json:"at"`

	// ID and Recipient are set on every notification written since mail was added; older ones
	// only name their Recipients. ID stays the same across retries, so that a mail sent again
	// after a crash is recognisably the same message.
	ID            string     `json:"id,omitempty"`
	Recipient     *Recipient `json:"recipient,omitempty"`
	RequestType   string     `json:"requestType,omitempty"`
	PackageName   string     `json:"packageName,omitempty"`
	RequestorID   string     `json:"requestorId,omitempty"`
	RequestorName string     `json:"requestorName,omitempty"`
	TargetName    string     `json:"targetName,omitempty"`
	// EndDateTime is when the access ends, for the events about an assignment.
	EndDateTime *time.Time `json:"endDateTime,omitempty"`
	// CanExtend tells that the holder may ask for more time now (reminders only).
	CanExtend bool `json:"canExtend,omitempty"`
}

// Notifier delivers notifications. Like a Provisioner it runs outside transactions, within the
// worker's call timeout, and may be called again for the same notification after a crash or a
// timeout.
type Notifier interface {
	Notify(ctx context.Context, n Notification) error
}

// LogNotifier is the notifier used until mail is configured: it logs each notification at debug
// level and marks it delivered.
type LogNotifier struct {
	Log *slog.Logger
}

// Notify logs the notification.
func (l LogNotifier) Notify(ctx context.Context, n Notification) error {
	LoggerFrom(ctx, l.Log).DebugContext(ctx, "notification", "event", n.Event, "request", n.RequestID, "assignment", n.AssignmentID, "recipients", n.Recipients, "detail", n.Detail)
	return nil
}

// notify writes a notification to the outbox in the caller's transaction: one message per person,
// however many of the recipients' groups or roles name them, so that each gets one mail per
// event and a failure to reach one never repeats the mail of another. The system (empty id),
// people who no longer exist or have no e-mail address, and people who turned the message off
// are left out.
func (s *Service) notify(tx Tx, event string, r *Request, assignmentID string, recipients []string, detail string) error {
	base := Notification{Event: event, AssignmentID: assignmentID, Detail: detail, At: s.now()}
	if r != nil {
		base.RequestID, base.AccessPackageID, base.TargetID = r.ID, r.AccessPackageID, r.TargetID
		base.RequestType, base.RequestorID = r.RequestType, r.RequestorID
	}
	if base.AccessPackageID != "" {
		base.PackageName = packageName(tx, base.AccessPackageID)
	}
	people := &peopleReader{tx: tx}
	if base.TargetID != "" {
		base.TargetName = people.label(base.TargetID)
	}
	if base.RequestorID != "" {
		base.RequestorName = people.label(base.RequestorID)
	}
	if assignmentID != "" {
		a, err := tx.Assignments().Get(assignmentID)
		if err != nil && !isNotFound(err) {
			return fmt.Errorf("notify %s: %w", event, err)
		}
		if err == nil {
			base.EndDateTime = a.EndDateTime()
			if event == NotifyAssignmentExpiring {
				pol, err := tx.Policies().Get(a.PolicyID)
				if err != nil && !isNotFound(err) {
					return fmt.Errorf("notify %s: %w", event, err)
				}
				base.CanExtend = err == nil && pol.CanExtend && a.AssignmentState == AssignmentDelivered
			}
		}
	}
	return s.notifyPeople(tx, base, recipients, people)
}

// peopleReader reads each person once for one notification, whose names and recipients are
// often one person several times (who asks for themselves is requestor, target and recipient).
// Only people found are kept: a failed read is tried again, as it was before.
type peopleReader struct {
	tx   Tx
	read []User
}

func (p *peopleReader) get(id string) (User, error) {
	for _, u := range p.read {
		if u.ID == id {
			return u, nil
		}
	}
	u, err := p.tx.Users().Get(id)
	if err == nil && u.ID == id {
		p.read = append(p.read, u)
	}
	return u, err
}

// label is userLabel through the reader.
func (p *peopleReader) label(id string) string {
	u, err := p.get(id)
	if err != nil {
		return id
	}
	return u.Label()
}

// sendNotification writes one outbox message per person of recipients, de-duplicated, for
// those who have an address and want the event; the system (empty id) and deleted people get
// nothing. base says what happened; each copy names its recipient and their role in it.
func (s *Service) sendNotification(tx Tx, base Notification, recipients []string) error {
	return s.notifyPeople(tx, base, recipients, &peopleReader{tx: tx})
}

// notifyPeople is sendNotification reading the recipients through people.
func (s *Service) notifyPeople(tx Tx, base Notification, recipients []string, people *peopleReader) error {
	event := base.Event
	if base.At.IsZero() {
		base.At = s.now()
	}
	var done []string
	for _, id := range recipients {
		if id == "" || slices.Contains(done, id) {
			continue
		}
		done = append(done, id)
		u, err := people.get(id)
		if isNotFound(err) {
			continue
		} else if err != nil {
			return fmt.Errorf("notify %s: %w", event, err)
		}
		role := RecipientApprover
		switch {
		case base.RequestorID != "" && id == base.RequestorID:
			role = RecipientRequestor
		case base.TargetID != "" && id == base.TargetID:
			role = RecipientTarget
		}
		if u.Email == "" || !u.NotificationPreferences.Wants(event, role) {
			continue
		}
		n := base
		n.ID, n.Recipients = NewID(), []string{id}
		n.Recipient = &Recipient{UserID: id, Name: u.Label(), Email: u.Email, Role: role}
		if err := s.enqueue(tx, OutboxNotify, event, n); err != nil {
			return err
		}
	}
	return nil
}

// outboxOutcome is what delivering one message came to.
type outboxOutcome int

// String names the outcome for a WorkerObserver.
func (o outboxOutcome) String() string {
	switch o {
	case outboxDelivered:
		return OutcomeDelivered
	case outboxRetry:
		return OutcomeRetry
	case outboxFailed:
		return OutcomeFailed
	}
	return "nothing"
}

const (
	outboxNothing   outboxOutcome = iota // not due, already done, or no longer relevant
	outboxDelivered                      // carried out
	outboxRetry                          // failed; tried again later
	outboxFailed                         // failed for the last time
)

// claim is an outbox message taken for an attempt, with what its call needs, read in the
// transaction that claimed it.
type claim struct {
	msg    OutboxMessage // as claimed: the attempt counted, NextAttempt past the backoff
	before OutboxMessage // as it was, to give the attempt back when it is never made
	action ProvisionAction
	note   Notification
	hook   HookCall
	ep     HookEndpoint
	called bool // the call was made (or begun): the attempt stands
}

// claimMessage claims a message read in tx for an attempt: it counts the attempt and pushes
// NextAttempt out by the backoff, so that a crash during the call means a retry later and not a
// lost message. A message that is not due or is done is left alone; one that is no longer
// relevant (a role removed before it was provisioned, or granted again before it was removed)
// is closed without a call; one that can never be carried out is given up on. Only a claimed
// message comes back as a claim; gaveUp tells the last case.
func (w *Worker) claimMessage(tx Tx, m OutboxMessage, now time.Time) (c *claim, gaveUp bool, err error) {
	if m.DeliveredAt != nil || m.FailedAt != nil || m.NextAttempt.After(now) {
		return nil, false, nil
	}
	stored := m
	skip := func(why string) (*claim, bool, error) {
		m.DeliveredAt, m.LastError = &now, "skipped: "+why
		return nil, false, tx.Outbox().Replace(stored, m)
	}
	giveUp := func(why string) (*claim, bool, error) {
		return nil, true, w.giveUp(tx, &m, now, why)
	}
	c = &claim{before: m}
	switch m.Kind {
	case OutboxProvision, OutboxDeprovision:
		if err := json.Unmarshal(m.Payload, &c.action); err != nil {
			return giveUp("the message cannot be read: " + err.Error())
		}
		if m.Kind == OutboxDeprovision {
			dropped, err := dropSharedRemoval(tx, c.action)
			if err != nil {
				return nil, false, err
			}
			if dropped {
				return skip("another grant of the same role began before the removal went out")
			}
		}
		relevant, why, err := provisionStillWanted(tx, c.action)
		if err != nil {
			return nil, false, err
		}
		if !relevant {
			return skip(why)
		}
	case OutboxNotify:
		if err := json.Unmarshal(m.Payload, &c.note); err != nil {
			return giveUp("the message cannot be read: " + err.Error())
		}
	case OutboxHook:
		if err := json.Unmarshal(m.Payload, &c.hook); err != nil {
			return giveUp("the message cannot be read: " + err.Error())
		}
		ep, ok, err := w.svc.hookEndpoint(tx, c.hook)
		if err != nil {
			return giveUp(err.Error())
		} else if !ok {
			return skip("the policy no longer calls a webhook at this stage")
		}
		c.ep, c.hook.ID = ep, m.ID
	default:
		return giveUp(fmt.Sprintf("unknown message kind %q", m.Kind))
	}
	m.Attempts++
	m.NextAttempt = now.Add(w.backoff(m.Attempts))
	c.msg = m
	c.action.MessageID = m.ID
	return c, false, tx.Outbox().Replace(stored, m)
}

// claimed is what a claiming transaction did.
type claimed struct {
	claims []*claim
	due    int      // messages read as due
	gaveUp []string // the kinds of the messages given up on
}

// claimDue claims the due messages, up to a batch, in one transaction: a transaction (and a
// commit) per batch rather than per message. It looks in a read transaction first, so that a
// run with nothing to do writes nothing (a commit would wake the worker again). When the
// claiming transaction fails, each message is claimed in a transaction of its own, so that one
// that cannot be claimed (its role record unreadable, say) holds back none of the others; errs
// has theirs.
func (w *Worker) claimDue(ctx context.Context) (out claimed, errs []error) {
	s := w.svc
	var ids []string
	if err := s.store.View(ctx, func(tx Tx) error {
		var err error
		ids, err = tx.Outbox().DueIDs(s.now(), w.opt.BatchSize)
		return err
	}); err != nil {
		return claimed{}, []error{fmt.Errorf("read outbox: %w", err)}
	}
	if len(ids) == 0 {
		return claimed{}, nil
	}
	err := s.store.Update(ctx, func(tx Tx) error {
		out = claimed{} // the store may run this function again
		now := s.now()
		due, err := tx.Outbox().Due(now, w.opt.BatchSize)
		if err != nil {
			return fmt.Errorf("read outbox: %w", err)
		}
		out.due = len(due)
		for _, m := range due {
			c, gaveUp, err := w.claimMessage(tx, m, now)
			if err != nil {
				return fmt.Errorf("claim outbox message %s: %w", m.ID, err)
			}
			out.add(c, gaveUp, m.Kind)
		}
		return nil
	})
	if err == nil || ctx.Err() != nil {
		if err != nil {
			errs = append(errs, err)
		}
		return out, errs
	}
	s.logger(ctx).WarnContext(ctx, "worker: claim outbox messages together failed; claiming one at a time", "error", err)
	out = claimed{due: len(ids)}
	for _, id := range ids {
		var (
			c      *claim
			gaveUp bool
			kind   string
		)
		err := s.store.Update(ctx, func(tx Tx) error {
			m, err := tx.Outbox().Get(id)
			if isNotFound(err) {
				c, gaveUp = nil, false
				return nil
			} else if err != nil {
				return err
			}
			kind = m.Kind
			c, gaveUp, err = w.claimMessage(tx, m, s.now())
			return err
		})
		if err != nil {
			if ctx.Err() != nil {
				return out, append(errs, ctx.Err())
			}
			s.logger(ctx).ErrorContext(ctx, "worker: claim outbox message", "id", id, "error", err)
			errs = append(errs, fmt.Errorf("claim outbox message %s: %w", id, err))
			continue
		}
		out.add(c, gaveUp, kind)
	}
	return out, errs
}

func (c *claimed) add(cl *claim, gaveUp bool, kind string) {
	if cl != nil {
		c.claims = append(c.claims, cl)
	}
	if gaveUp {
		c.gaveUp = append(c.gaveUp, kind)
	}
}

// giveBack returns the attempts of claims whose call was never made (the run ended first) in
// one transaction, so that a message waits behind a slow target without using up its
// attempts. A message changed since its claim is left as it is.
func (w *Worker) giveBack(ctx context.Context, claims []*claim) error {
	var unsent []*claim
	for _, c := range claims {
		if !c.called {
			unsent = append(unsent, c)
		}
	}
	if len(unsent) == 0 {
		return nil
	}
	return w.svc.store.Update(context.WithoutCancel(ctx), func(tx Tx) error {
		for _, c := range unsent {
			m, err := tx.Outbox().Get(c.msg.ID)
			if isNotFound(err) {
				continue
			} else if err != nil {
				return err
			}
			if m.DeliveredAt != nil || m.FailedAt != nil || m.Attempts != c.msg.Attempts || !m.NextAttempt.Equal(c.msg.NextAttempt) {
				continue
			}
			stored := m
			m.Attempts, m.NextAttempt = c.before.Attempts, c.before.NextAttempt
			if err := tx.Outbox().Replace(stored, m); err != nil {
				return err
			}
		}
		return nil
	})
}

// send carries out a claimed message: the call to the provisioner, notifier or hook, outside
// any transaction and within the call timeout, then its result, recorded in a transaction of its
// own. Provisioning results update the role, its assignments and their requests.
func (w *Worker) send(ctx context.Context, c *claim) (outboxOutcome, error) {
	s := w.svc
	msg := c.msg
	c.called = true
	callErr := w.call(ctx, func(ctx context.Context) error {
		switch msg.Kind {
		case OutboxNotify:
			return w.opt.Notifier.Notify(ctx, c.note)
		case OutboxHook:
			return w.opt.Hooks.CallHook(ctx, c.ep, c.hook)
		}
		return w.opt.Provisioner.Provision(ctx, c.action)
	})
	action, hook, ep := c.action, c.hook, c.ep

	// The result is recorded even when the job's budget ran out during the call: what the
	// connector did must not be lost for want of a few milliseconds.
	outcome := outboxNothing
	err := s.store.Update(context.WithoutCancel(ctx), func(tx Tx) error {
		outcome = outboxNothing // the store may run this function again
		now := s.now()
		m, err := tx.Outbox().Get(msg.ID)
		if err != nil {
			return err
		}
		if m.DeliveredAt != nil || m.FailedAt != nil {
			return nil // another worker finished it while we were calling
		}
		stored := m
		m.AwaitingConfirmation = false
		if callErr == nil {
			m.DeliveredAt, m.LastError = &now, ""
			outcome = outboxDelivered
			if err := tx.Outbox().Replace(stored, m); err != nil {
				return err
			}
			switch msg.Kind {
			case OutboxProvision:
				return s.roleProvisioned(tx, action)
			case OutboxDeprovision:
				return s.roleDeprovisioned(tx, action)
			}
			return nil
		}
		isRole := msg.Kind == OutboxProvision || msg.Kind == OutboxDeprovision
		if isRole && errors.Is(callErr, ErrAwaitingConfirmation) {
			m.AwaitingConfirmation, m.LastError = true, ""
			m.NextAttempt = now.Add(w.opt.ConfirmWait)
			return tx.Outbox().Replace(stored, m)
		}
		if isRole && errors.Is(callErr, ErrManualFulfilment) {
			m.DeliveredAt, m.LastError = &now, ""
			outcome = outboxDelivered
			if err := tx.Outbox().Replace(stored, m); err != nil {
				return err
			}
			return s.openTask(tx, action, TaskManual, "")
		}
		m.LastError = callErr.Error()
		outcome = outboxRetry
		if m.Attempts >= w.opt.MaxAttempts {
			m.FailedAt = &now
			outcome = outboxFailed
		}
		if err := tx.Outbox().Replace(stored, m); err != nil {
			return err
		}
		if outcome == outboxFailed && isRole {
			return s.roleProvisionFailed(tx, action, m.LastError, m.Attempts)
		}
		if outcome == outboxFailed && msg.Kind == OutboxHook {
			// Fire and notify: the request goes on; the failure stays on the message and in the log.
			LoggerFrom(ctx, s.log).WarnContext(ctx, "custom extension failed after its last attempt", "stage", hook.Stage, "policy", hook.PolicyID, "url", ep.URL, "attempts", m.Attempts, "error", m.LastError)
		}
		return nil
	})
	return outcome, err
}

// call runs one outside call with the call timeout. A call that ignores its context is not
// waited for: it finishes on its own, and its message, claimed before the call, is tried again
// later (connectors are idempotent).
func (w *Worker) call(ctx context.Context, fn func(context.Context) error) error {
	callCtx, cancel := context.WithTimeout(ctx, w.opt.CallTimeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- fn(callCtx) }()
	select {
	case err := <-done:
		return err
	case <-callCtx.Done():
		if ctx.Err() != nil {
			return fmt.Errorf("call cut off by the end of the job's run: %w", ctx.Err())
		}
		return fmt.Errorf("no answer within %s: %w", w.opt.CallTimeout, callCtx.Err())
	}
}

// giveUp marks a message that can never be delivered as failed.
func (w *Worker) giveUp(tx Tx, m *OutboxMessage, now time.Time, why string) error {
	m.FailedAt, m.LastError = &now, why
	w.svc.log.Error("outbox message cannot be delivered", "id", m.ID, "kind", m.Kind, "error", why)
	return tx.Outbox().Put(*m)
}

// backoff is how long to wait after the given attempt: RetryBase doubled per attempt, at most
// RetryMax.
func (w *Worker) backoff(attempt int) time.Duration {
	d := w.opt.RetryBase
	for i := 1; i < attempt && d < w.opt.RetryMax; i++ {
		d *= 2
	}
	return min(d, w.opt.RetryMax)
}

// provisionStillWanted reports whether a provisioning action still matches the role record: an
// add only while some assignment holds the role, a removal only while none does.
func provisionStillWanted(tx Tx, a ProvisionAction) (bool, string, error) {
	ar, err := tx.AssignmentRoles().Get(a.RoleID)
	if isNotFound(err) {
		return false, "the role no longer exists", nil
	} else if err != nil {
		return false, "", err
	}
	if a.Op == ProvisionAdd && len(ar.AssignmentIDs) == 0 {
		return false, "the role was removed before it was provisioned", nil
	}
	if a.Op == ProvisionRemove && len(ar.AssignmentIDs) > 0 {
		return false, "the role was granted again before it was removed", nil
	}
	return true, "", nil
}

// dropSharedRemoval handles a removal whose role record has no assignment left but whose effect
// in the origin system another record of the subject (another catalog onboarding the same
// application) has granted again since the removal was queued: carrying it out would take away
// what that record holds. The waiting record is deleted, as revokeRole does when the role is
// shared at the time of the revocation, and the removal dropped.
func dropSharedRemoval(tx Tx, a ProvisionAction) (bool, error) {
	ar, err := tx.AssignmentRoles().Get(a.RoleID)
	if isNotFound(err) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	if len(ar.AssignmentIDs) > 0 {
		return false, nil
	}
	shared, err := stillGrantedElsewhere(tx, ar)
	if err != nil || !shared {
		return false, err
	}
	return true, tx.AssignmentRoles().Delete(ar.ID)
}

// roleProvisioned records a successful add: the role is Fulfilled and the assignments waiting for
// it may be settled.
func (s *Service) roleProvisioned(tx Tx, a ProvisionAction) error {
	ar, err := tx.AssignmentRoles().Get(a.RoleID)
	if isNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	if len(ar.AssignmentIDs) == 0 {
		return nil // removed meanwhile; the queued removal undoes the add
	}
	ar.Status, ar.LastError, ar.ModifiedDateTime = RoleStatusFulfilled, "", s.now()
	if err := tx.AssignmentRoles().Put(ar); err != nil {
		return err
	}
	if err := s.audit(tx, system, "assignmentRole.fulfill", "assignmentRole", ar.ID, ar.ResourceName+" "+ar.RoleName, "provisioned in "+OriginLabel(ar.OriginSystem)+" for "+userLabel(tx, ar.SubjectID)); err != nil {
		return err
	}
	return s.settleAssignmentsOf(tx, ar)
}

// roleDeprovisioned records a successful removal: the role record goes, unless it was granted
// again meanwhile (then a new add is queued).
func (s *Service) roleDeprovisioned(tx Tx, a ProvisionAction) error {
	ar, err := tx.AssignmentRoles().Get(a.RoleID)
	if isNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	if len(ar.AssignmentIDs) > 0 {
		return nil
	}
	if err := tx.AssignmentRoles().Delete(ar.ID); err != nil {
		return err
	}
	return s.audit(tx, system, "assignmentRole.remove", "assignmentRole", ar.ID, ar.ResourceName+" "+ar.RoleName, "removed in "+OriginLabel(ar.OriginSystem)+" for "+userLabel(tx, ar.SubjectID))
}

// roleProvisionFailed records that an action ran out of attempts: an add marks the role Failed
// and its waiting assignments and requests partially delivered, with the reason; a removal marks
// the role RemovalFailed for an administrator to finish.
func (s *Service) roleProvisionFailed(tx Tx, a ProvisionAction, lastErr string, attempts int) error {
	ar, err := tx.AssignmentRoles().Get(a.RoleID)
	if isNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	reason := fmt.Sprintf("gave up after %d attempts: %s", attempts, lastErr)
	switch {
	case a.Op == ProvisionAdd && len(ar.AssignmentIDs) > 0:
		ar.Status = RoleStatusFailed
	case a.Op == ProvisionRemove && len(ar.AssignmentIDs) == 0:
		ar.Status = RoleStatusRemovalFailed
	default:
		return nil
	}
	ar.LastError, ar.ModifiedDateTime = reason, s.now()
	if err := tx.AssignmentRoles().Put(ar); err != nil {
		return err
	}
	if err := s.audit(tx, system, "assignmentRole.fail", "assignmentRole", ar.ID, ar.ResourceName+" "+ar.RoleName, a.Op+" in "+OriginLabel(ar.OriginSystem)+" failed: "+reason); err != nil {
		return err
	}
	if err := s.openTask(tx, a, TaskConnectorFailed, reason); err != nil {
		return err
	}
	if ar.Status == RoleStatusFailed {
		return s.settleAssignmentsOf(tx, ar)
	}
	return nil
}

// settleAssignmentsOf settles every assignment that holds the role. An assignment delivered in
// part is whole again once its failed roles, retried, are all fulfilled.
func (s *Service) settleAssignmentsOf(tx Tx, ar AssignmentResourceRole) error {
	for _, aid := range ar.AssignmentIDs {
		a, err := tx.Assignments().Get(aid)
		if isNotFound(err) {
			continue
		} else if err != nil {
			return err
		}
		if a.AssignmentState == AssignmentDelivered && a.AssignmentStatus == StatusPartiallyDelivered {
			whole, err := rolesFulfilled(tx, a)
			if err != nil {
				return err
			}
			if !whole {
				continue
			}
			a.AssignmentStatus = StatusDelivered
			if err := tx.Assignments().Put(a); err != nil {
				return err
			}
			continue
		}
		if a.AssignmentState != AssignmentDelivering {
			continue
		}
		if err := s.settleAssignment(tx, &a, nil); err != nil {
			return err
		}
		if a.AssignmentState != AssignmentDelivering {
			if err := tx.Assignments().Put(a); err != nil {
				return err
			}
		}
	}
	return nil
}

// rolesFulfilled reports whether every role the assignment holds is fulfilled.
func rolesFulfilled(tx Tx, a Assignment) (bool, error) {
	for _, id := range a.ResourceRoleIDs {
		role, err := tx.AssignmentRoles().Get(id)
		if isNotFound(err) {
			continue
		} else if err != nil {
			return false, err
		}
		if role.Status != RoleStatusFulfilled {
			return false, nil
		}
	}
	return true, nil
}
