package entitlementtest

import (
	"context"
	"errors"

	"github.com/stewardhq/steward/entitlement"
)

// Request reads a request.
func (e *Env) Request(id string) entitlement.Request {
	e.T.Helper()
	var r entitlement.Request
	e.View(func(tx entitlement.Tx) error {
		var err error
		r, err = tx.Requests().Get(id)
		return err
	})
	return r
}

// Assignment reads an assignment.
func (e *Env) Assignment(id string) entitlement.Assignment {
	e.T.Helper()
	var a entitlement.Assignment
	e.View(func(tx entitlement.Tx) error {
		var err error
		a, err = tx.Assignments().Get(id)
		return err
	})
	return a
}

// UserRecord reads a user, and whether there is one.
func (e *Env) UserRecord(id string) (entitlement.User, bool) {
	e.T.Helper()
	var u entitlement.User
	found := true
	e.View(func(tx entitlement.Tx) error {
		var err error
		u, err = tx.Users().Get(id)
		if errors.Is(err, entitlement.ErrNotFound) {
			found = false
			return nil
		}
		return err
	})
	return u, found
}

// IsMember reports whether the user is a member of the group.
func (e *Env) IsMember(g entitlement.Group, u entitlement.User) bool {
	e.T.Helper()
	var ok bool
	e.View(func(tx entitlement.Tx) error {
		var err error
		ok, err = tx.Groups().IsMember(g.ID, u.ID)
		return err
	})
	return ok
}

// CountRequests counts every request.
func (e *Env) CountRequests() int {
	e.T.Helper()
	var n int
	e.View(func(tx entitlement.Tx) error {
		p, err := tx.Requests().List(entitlement.RequestFilter{}, entitlement.ListOptions{Limit: 1})
		n = p.Total
		return err
	})
	return n
}

// Worker returns a worker over the Env's service.
func (e *Env) Worker(opt entitlement.WorkerOptions) *entitlement.Worker {
	return entitlement.NewWorker(e.Svc, opt)
}

// Drain ticks until a tick changes nothing, and fails when that takes too many ticks.
func (e *Env) Drain(w *entitlement.Worker) {
	e.T.Helper()
	for i := 0; i < 50; i++ {
		res, err := w.Tick(context.Background())
		if err != nil {
			e.T.Fatalf("tick: %v", err)
		}
		if res == (entitlement.TickResult{}) {
			return
		}
	}
	e.T.Fatalf("the worker did not settle in 50 ticks")
}

// Submit submits a request and fails the test on error.
func (e *Env) Submit(ctx context.Context, in entitlement.RequestInput) entitlement.Request {
	e.T.Helper()
	r, err := e.Svc.SubmitRequest(ctx, in)
	if err != nil {
		e.T.Fatalf("submit %s: %v", in.RequestType, err)
	}
	return r
}

// RequestAccess submits the user's own request for the policy's package.
func (e *Env) RequestAccess(u entitlement.User, pol entitlement.AssignmentPolicy) entitlement.Request {
	e.T.Helper()
	return e.Submit(As(u), entitlement.RequestInput{RequestType: entitlement.RequestUserAdd, AccessPackageID: pol.AccessPackageID, PolicyID: pol.ID})
}

// Decide approves or denies the request as the user.
func (e *Env) Decide(u entitlement.User, r entitlement.Request, approve bool) entitlement.Request {
	e.T.Helper()
	out, err := e.Svc.Decide(As(u), r.ID, approve, "ok")
	if err != nil {
		e.T.Fatalf("decide by %s: %v", u.DisplayName, err)
	}
	return out
}

// OutboxMessages lists every outbox message, in id order.
func (e *Env) OutboxMessages() []entitlement.OutboxMessage {
	e.T.Helper()
	var out []entitlement.OutboxMessage
	e.View(func(tx entitlement.Tx) error {
		opt := entitlement.ListOptions{Limit: entitlement.MaxPageSize}
		for {
			p, err := tx.Outbox().List(opt)
			if err != nil {
				return err
			}
			out = append(out, p.Items...)
			if p.Next == "" {
				return nil
			}
			opt.After = p.Next
		}
	})
	return out
}

// Notifications lists the notification messages of the event.
func (e *Env) Notifications(event string) []entitlement.OutboxMessage {
	var out []entitlement.OutboxMessage
	for _, m := range e.OutboxMessages() {
		if m.Kind == entitlement.OutboxNotify && m.Topic == event {
			out = append(out, m)
		}
	}
	return out
}

// ErrCode returns the code of a ValidationError or RuleError, or "" for other errors.
func ErrCode(err error) string {
	var ve *entitlement.ValidationError
	if errors.As(err, &ve) {
		return ve.Code
	}
	var re *entitlement.RuleError
	if errors.As(err, &re) {
		return re.Code
	}
	return ""
}

// EventKinds lists the kinds of the request's events in order.
func EventKinds(r entitlement.Request) []string {
	var out []string
	for _, e := range r.Events {
		out = append(out, e.Kind)
	}
	return out
}
