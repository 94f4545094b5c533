package entitlement_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

// stuckWorld is the request world with an administrator and a package that grants an
// application role (provisioned through the outbox) and the team's membership.
type stuckWorld struct {
	*world
	admin  entitlement.User
	appPkg entitlement.AssignmentPolicy // no approval: delivery starts at once and waits for the connector
}

func newStuckWorld(t *testing.T) *stuckWorld {
	w := &stuckWorld{world: newWorld(t)}
	w.admin = w.User("Ann Admin")
	pkg := w.Package(w.cat, "Ledger users", entitlementtest.Role(w.app, "User"), entitlementtest.Member(w.teamRes))
	w.appPkg = w.Policy(pkg, entitlementtest.Scope(entitlement.ScopeAllExistingDirectorySubjects))
	return w
}

// TestAdminCancelsAStuckRequest: an administrator cancels a request in each open state with a
// reason; nothing is left waiting on it (approver queues, the due index, the one-open-request
// index, a delivery under way, the external-user life cycle), and it is audited and told.
func TestAdminCancelsAStuckRequest(t *testing.T) {
	const reason = "the connector is being replaced; ask again next week"
	check := func(t *testing.T, w *stuckWorld, r entitlement.Request) entitlement.Request {
		t.Helper()
		if err := w.Svc.AdminCancelRequest(entitlementtest.AsAdmin(w.admin), r.ID, "  "+reason+" "); err != nil {
			t.Fatalf("cancel %s request: %v", r.RequestState, err)
		}
		got := w.Request(r.ID)
		if got.RequestState != entitlement.StateCanceled || got.RequestStatus != entitlement.RequestStatusCanceled || got.CompletedDate == nil || got.DueDateTime != nil {
			t.Errorf("after cancel: %s/%s completed %v due %v", got.RequestState, got.RequestStatus, got.CompletedDate, got.DueDateTime)
		}
		last := got.Events[len(got.Events)-1]
		if last.Kind != entitlement.EventCanceled || last.ActorID != w.admin.ID || last.Detail != reason {
			t.Errorf("last event %+v; want Canceled by the admin with the reason", last)
		}
		w.View(func(tx entitlement.Tx) error {
			if _, err := tx.Requests().Open(r.TargetID, r.AccessPackageID); !errors.Is(err, entitlement.ErrNotFound) {
				t.Errorf("the canceled request still holds the open-request index: %v", err)
			}
			if due, err := tx.Requests().Due(w.Clock.Now().Add(365*24*time.Hour), 10); err != nil || slices.ContainsFunc(due, func(d entitlement.Request) bool { return d.ID == r.ID }) {
				t.Errorf("the canceled request is still due: %v", err)
			}
			waiting, err := tx.Requests().WaitingFor(w.bob.ID, entitlement.ListOptions{})
			if err != nil || waiting.Total != 0 {
				t.Errorf("bob still has %d requests waiting (%v)", waiting.Total, err)
			}
			audit, err := tx.Audit().List(entitlement.AuditFilter{}, entitlement.ListOptions{Limit: entitlement.MaxPageSize})
			if err != nil || !slices.ContainsFunc(audit.Items, func(e entitlement.AuditEvent) bool {
				return e.Action == "request.cancel" && e.ObjectID == r.ID && e.ActorID == w.admin.ID && strings.Contains(e.Summary, reason)
			}) {
				t.Errorf("no audit event for the cancel (%v)", err)
			}
			return nil
		})
		// One message per person: the requestor is told once, with the reason.
		var told []string
		for _, m := range w.Notifications(entitlement.NotifyRequestCanceled) {
			if p := string(m.Payload); strings.Contains(p, r.ID) && strings.Contains(p, reason) && strings.Contains(p, `"recipients":["`+r.TargetID+`"]`) {
				told = append(told, p)
			}
		}
		if len(told) != 1 {
			t.Errorf("canceled notifications to the requestor %v; want one with the reason", told)
		}
		entitlementtest.CheckInvariants(t, w.Store)
		return got
	}

	t.Run("pending approval", func(t *testing.T) {
		w := newStuckWorld(t)
		r := w.RequestAccess(*w.ada, w.approved)
		if r.RequestState != entitlement.StatePendingApproval {
			t.Fatalf("state %s", r.RequestState)
		}
		got := check(t, w, r)
		if got.Stages[0].Status != entitlement.StageCanceled {
			t.Errorf("stage %s; want Canceled", got.Stages[0].Status)
		}
		if _, err := w.Svc.Decide(entitlementtest.As(*w.bob), r.ID, true, "late"); err == nil {
			t.Error("the approver could still approve the canceled request")
		}
		// The requestor may ask again.
		w.RequestAccess(*w.ada, w.approved)
	})
	t.Run("scheduled", func(t *testing.T) {
		w := newStuckWorld(t)
		start := w.Clock.Now().Add(48 * time.Hour)
		r := w.Submit(entitlementtest.As(*w.ada), entitlement.RequestInput{RequestType: entitlement.RequestUserAdd, AccessPackageID: w.teamPkg.ID, PolicyID: w.open.ID,
			Schedule: entitlement.Schedule{StartDateTime: &start}})
		if r.RequestState != entitlement.StateScheduled {
			t.Fatalf("state %s", r.RequestState)
		}
		check(t, w, r)
		w.Clock.Advance(72 * time.Hour)
		w.Drain(w.Worker(entitlement.WorkerOptions{}))
		if got := w.Request(r.ID); got.RequestState != entitlement.StateCanceled || got.AssignmentID != "" || w.IsMember(w.team, *w.ada) {
			t.Errorf("the scheduled start still ran: %s, assignment %q", got.RequestState, got.AssignmentID)
		}
	})
	t.Run("delivering", func(t *testing.T) {
		w := newStuckWorld(t)
		r := w.RequestAccess(*w.ada, w.appPkg)
		if r.RequestState != entitlement.StateDelivering || !w.IsMember(w.team, *w.ada) {
			t.Fatalf("state %s; want Delivering with the membership granted", r.RequestState)
		}
		check(t, w, r)
		a := w.Assignment(r.AssignmentID)
		if a.IsLive() || a.AssignmentStatus != entitlement.StatusRemoved {
			t.Errorf("assignment %s/%s; want ended", a.AssignmentState, a.AssignmentStatus)
		}
		if w.IsMember(w.team, *w.ada) {
			t.Error("the membership the canceled delivery granted stays")
		}
		prov := &flakyProvisioner{}
		w.Drain(w.Worker(entitlement.WorkerOptions{Provisioner: prov}))
		if len(prov.log) != 1 || prov.log[0].Op != entitlement.ProvisionRemove {
			t.Errorf("connector calls %+v; want only the removal", prov.log)
		}
		if got := w.Request(r.ID); got.RequestState != entitlement.StateCanceled {
			t.Errorf("the connector's answer moved the canceled request to %s", got.RequestState)
		}
		entitlementtest.CheckInvariants(t, w.Store)
	})
	t.Run("a guest's last delivery: the life cycle blocks them", func(t *testing.T) {
		w := newStuckWorld(t)
		w.Settings(func(s *entitlement.Settings) { s.ExternalUserLifecycleAction = entitlement.LifecycleBlockSignIn })
		r := w.RequestAccess(*w.eve, w.appPkg)
		if r.RequestState != entitlement.StateDelivering {
			t.Fatalf("state %s", r.RequestState)
		}
		check(t, w, r)
		if u, _ := w.UserRecord(w.eve.ID); u.AccountEnabled {
			t.Error("the guest left with nothing is not blocked")
		}
	})
	t.Run("refusals", func(t *testing.T) {
		w := newStuckWorld(t)
		r := w.RequestAccess(*w.ada, w.approved)
		stranger := w.User("Sam Stranger")
		for _, tc := range []struct {
			name     string
			who      entitlement.User
			admin    bool
			id, why  string
			sentinel error
			code     string
		}{
			{"no reason", w.admin, true, r.ID, " ", nil, "invalidReason"},
			{"a long reason", w.admin, true, r.ID, strings.Repeat("x", entitlement.MaxJustification+1), nil, "invalidReason"},
			{"unknown request", w.admin, true, entitlement.NewID(), reason, entitlement.ErrNotFound, "requestNotFound"},
			{"a catalog reader", *w.dan, false, r.ID, reason, entitlement.ErrForbidden, "forbidden"},
			{"someone who cannot see it", stranger, false, r.ID, reason, entitlement.ErrNotFound, "requestNotFound"},
		} {
			ctx := entitlementtest.As(tc.who)
			if tc.admin {
				ctx = entitlementtest.AsAdmin(tc.who)
			}
			err := w.Svc.AdminCancelRequest(ctx, tc.id, tc.why)
			if tc.sentinel != nil && !errors.Is(err, tc.sentinel) || entitlementtest.ErrCode(err) != tc.code {
				t.Errorf("%s: %v (%s); want %v %s", tc.name, err, entitlementtest.ErrCode(err), tc.sentinel, tc.code)
			}
		}
		if got := w.Request(r.ID); got.RequestState != entitlement.StatePendingApproval {
			t.Fatalf("a refused cancel changed the request: %s", got.RequestState)
		}
		// The catalog's assignment manager may: they can already add and remove its assignments.
		if err := w.Svc.AdminCancelRequest(entitlementtest.As(*w.carol), r.ID, reason); err != nil {
			t.Fatalf("assignment manager cancels: %v", err)
		}
		err := w.Svc.AdminCancelRequest(entitlementtest.AsAdmin(w.admin), r.ID, reason)
		if !errors.Is(err, entitlement.ErrConflict) || entitlementtest.ErrCode(err) != "notCancelable" {
			t.Errorf("cancel twice: %v (%s)", err, entitlementtest.ErrCode(err))
		}
	})
}

// TestAdminRetriesFailedProvisioning: a role whose provisioning ran out of attempts is queued
// again through the outbox; once the connector succeeds the role is fulfilled and the assignment
// is no longer partially delivered.
func TestAdminRetriesFailedProvisioning(t *testing.T) {
	w := newStuckWorld(t)
	prov := &flakyProvisioner{always: true}
	wk := w.Worker(entitlement.WorkerOptions{Provisioner: prov, RetryBase: time.Second, MaxAttempts: 2})
	r := w.RequestAccess(*w.ada, w.appPkg)
	for range 5 {
		w.Clock.Advance(time.Minute)
		w.Drain(wk)
	}
	a := w.Assignment(r.AssignmentID)
	if a.AssignmentStatus != entitlement.StatusPartiallyDelivered {
		t.Fatalf("assignment %s/%s; want partially delivered", a.AssignmentState, a.AssignmentStatus)
	}
	roles, err := w.Svc.UserResourceRoles(entitlementtest.AsAdmin(w.admin), w.ada.ID)
	if err != nil || len(roles) != 2 {
		t.Fatalf("roles %+v, %v", roles, err)
	}
	var failed, member entitlement.AssignmentResourceRole
	for _, ar := range roles {
		if ar.Status == entitlement.RoleStatusFailed {
			failed = ar
		} else {
			member = ar
		}
	}
	if failed.ID == "" {
		t.Fatalf("no failed role in %+v", roles)
	}
	for _, tc := range []struct {
		name     string
		ctx      func() error
		sentinel error
		code     string
	}{
		{"not an administrator", func() error { return w.Svc.RetryAssignmentRole(entitlementtest.As(*w.carol), failed.ID) }, entitlement.ErrForbidden, "forbidden"},
		{"unknown role", func() error { return w.Svc.RetryAssignmentRole(entitlementtest.AsAdmin(w.admin), "nope") }, entitlement.ErrNotFound, "notFound"},
		{"a role that did not fail", func() error { return w.Svc.RetryAssignmentRole(entitlementtest.AsAdmin(w.admin), member.ID) }, entitlement.ErrConflict, "roleNotFailed"},
	} {
		if err := tc.ctx(); !errors.Is(err, tc.sentinel) || entitlementtest.ErrCode(err) != tc.code {
			t.Errorf("%s: %v (%s); want %v %s", tc.name, err, entitlementtest.ErrCode(err), tc.sentinel, tc.code)
		}
	}
	_, err = w.Svc.UserResourceRoles(entitlementtest.As(*w.carol), w.ada.ID)
	wantErr(t, err, entitlement.ErrForbidden)

	prov.always = false
	calls := len(prov.log)
	if err := w.Svc.RetryAssignmentRole(entitlementtest.AsAdmin(w.admin), failed.ID); err != nil {
		t.Fatalf("retry: %v", err)
	}
	var got entitlement.AssignmentResourceRole
	w.View(func(tx entitlement.Tx) error { got, err = tx.AssignmentRoles().Get(failed.ID); return err })
	if got.Status != entitlement.RoleStatusPendingFulfillment || got.LastError != "" {
		t.Errorf("after retry the role is %s %q; want pending", got.Status, got.LastError)
	}
	if err := w.Svc.RetryAssignmentRole(entitlementtest.AsAdmin(w.admin), failed.ID); entitlementtest.ErrCode(err) != "roleNotFailed" {
		t.Errorf("retry twice: %v", err)
	}
	entitlementtest.CheckInvariants(t, w.Store)
	w.Drain(wk)
	if len(prov.log) != calls+1 || prov.log[calls].Op != entitlement.ProvisionAdd || prov.log[calls].RoleID != failed.ID {
		t.Fatalf("connector calls after retry %+v", prov.log[calls:])
	}
	w.View(func(tx entitlement.Tx) error { got, err = tx.AssignmentRoles().Get(failed.ID); return err })
	if got.Status != entitlement.RoleStatusFulfilled {
		t.Errorf("role %s after the connector succeeded", got.Status)
	}
	if a := w.Assignment(r.AssignmentID); a.AssignmentState != entitlement.AssignmentDelivered || a.AssignmentStatus != entitlement.StatusDelivered {
		t.Errorf("assignment %s/%s; want delivered in full", a.AssignmentState, a.AssignmentStatus)
	}
	audit, err := auditActions(w.Env)
	if err != nil || !slices.Contains(audit, "assignmentRole.retry") {
		t.Errorf("audit %v, %v", audit, err)
	}
	entitlementtest.CheckInvariants(t, w.Store)
}

// TestAdminSignsAUserOutEverywhere ends every session of a user, audited; only administrators may.
func TestAdminSignsAUserOutEverywhere(t *testing.T) {
	w := newStuckWorld(t)
	var tokens []string
	for range 2 {
		tok, err := w.Svc.StartSession(context.Background(), w.ada.ID)
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, tok)
	}
	other, err := w.Svc.StartSession(context.Background(), w.bob.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.Svc.SignOutEverywhere(entitlementtest.As(*w.carol), w.ada.ID)
	wantErr(t, err, entitlement.ErrForbidden)
	_, err = w.Svc.SignOutEverywhere(entitlementtest.AsAdmin(w.admin), entitlement.NewID())
	wantErr(t, err, entitlement.ErrNotFound)
	n, err := w.Svc.SignOutEverywhere(entitlementtest.AsAdmin(w.admin), w.ada.ID)
	if err != nil || n != 2 {
		t.Fatalf("signed out of %d sessions, %v; want 2", n, err)
	}
	for _, tok := range tokens {
		if _, err := w.Svc.SessionPrincipal(context.Background(), tok); !errors.Is(err, entitlement.ErrUnauthorized) {
			t.Errorf("a session survived: %v", err)
		}
	}
	if _, err := w.Svc.SessionPrincipal(context.Background(), other); err != nil {
		t.Errorf("someone else's session ended: %v", err)
	}
	audit, err := auditActions(w.Env)
	if err != nil || !slices.Contains(audit, "user.signOutEverywhere") {
		t.Errorf("audit %v, %v", audit, err)
	}
	if n, err := w.Svc.SignOutEverywhere(entitlementtest.AsAdmin(w.admin), w.ada.ID); err != nil || n != 0 {
		t.Errorf("again: %d, %v", n, err)
	}
}
