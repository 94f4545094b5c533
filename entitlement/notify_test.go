package entitlement_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

// mailWorld is a tenant for the recipients of each notification: Riley requests; Morgan is in
// both approver groups; Erin approves on escalation; Alex assigns others.
type mailWorld struct {
	*entitlementtest.Env
	riley, morgan, dana, erin, alex entitlement.User
	pkg                             entitlement.AccessPackage
	approval, open                  entitlement.AssignmentPolicy
}

func newMailWorld(t *testing.T) *mailWorld {
	e := entitlementtest.New(t)
	w := &mailWorld{Env: e}
	w.morgan, w.dana, w.erin, w.alex = e.User("Morgan"), e.User("Dana"), e.User("Erin"), e.User("Alex")
	w.riley = e.User("Riley", entitlementtest.ManagedBy(w.morgan))
	leads, finance := e.Group("Leads", w.morgan, w.dana), e.Group("Finance approvers", w.morgan)
	cat := e.Catalog("General", entitlementtest.WithCatalogRole(entitlement.RoleAssignmentManager, w.alex))
	res := e.GroupResource(cat, e.Group("Finance"))
	w.pkg = e.Package(cat, "Finance", entitlementtest.Member(res))
	stage := entitlementtest.ApprovalStage(3, entitlementtest.GroupSet(leads), entitlementtest.GroupSet(finance), entitlementtest.ManagerOf(1))
	stage.IsEscalationEnabled, stage.EscalationTimeInMinutes, stage.EscalationApprovers = true, 60, []entitlement.UserSet{entitlementtest.Single(w.erin)}
	w.approval = e.Policy(w.pkg, entitlementtest.Approval(stage), func(p *entitlement.AssignmentPolicy) { p.DurationInDays, p.CanExtend = 30, true })
	w.open = e.Policy(w.pkg, func(p *entitlement.AssignmentPolicy) { p.DurationInDays = 30 })
	return w
}

// mails lists the notifications of the event as (recipient, notification), in the order written.
func (w *mailWorld) mails(event string) []entitlement.Notification {
	w.T.Helper()
	var out []entitlement.Notification
	for _, m := range w.Notifications(event) {
		var n entitlement.Notification
		if err := json.Unmarshal(m.Payload, &n); err != nil {
			w.T.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

// to lists who got the event's notifications, by name, sorted.
func (w *mailWorld) to(event string) []string {
	var names []string
	for _, n := range w.mails(event) {
		if n.Recipient == nil || len(n.Recipients) != 1 || n.Recipients[0] != n.Recipient.UserID || n.ID == "" {
			w.T.Fatalf("%s notification is not for one person: %+v", event, n)
		}
		names = append(names, n.Recipient.Name+"/"+n.Recipient.Role)
	}
	slices.Sort(names)
	return names
}

func (w *mailWorld) expect(t *testing.T, event string, want ...string) {
	t.Helper()
	slices.Sort(want)
	if got := w.to(event); !slices.Equal(got, want) {
		t.Errorf("%s went to %v, want %v", event, got, want)
	}
}

func TestNotificationRecipients(t *testing.T) {
	t.Run("request, escalation, approval, delivery, reminders and expiry", func(t *testing.T) {
		w := newMailWorld(t)
		r := w.RequestAccess(w.riley, w.approval)
		w.expect(t, entitlement.NotifyRequestSubmitted, "Riley/requestor")
		// Morgan is in both groups and Riley's manager: one mail.
		w.expect(t, entitlement.NotifyApprovalNeeded, "Dana/approver", "Morgan/approver")
		n := w.mails(entitlement.NotifyApprovalNeeded)[0]
		if n.PackageName != "Finance" || n.RequestorName != "Riley" || n.RequestID != r.ID {
			t.Errorf("approval notification = %+v", n)
		}

		// The test reads what was sent from the outbox weeks later: keep delivered messages.
		wk := w.Worker(entitlement.WorkerOptions{OutboxRetention: 365 * 24 * time.Hour})
		w.Clock.Advance(61 * time.Minute)
		w.Drain(wk)
		w.expect(t, entitlement.NotifyRequestEscalated, "Erin/approver")

		w.Decide(w.erin, r, true)
		w.expect(t, entitlement.NotifyRequestApproved, "Riley/requestor")
		w.expect(t, entitlement.NotifyRequestDelivered, "Riley/requestor")

		w.Clock.Advance(16 * 24 * time.Hour)
		w.Drain(wk)
		w.Clock.Advance(13 * 24 * time.Hour)
		w.Drain(wk)
		w.expect(t, entitlement.NotifyAssignmentExpiring, "Riley/target", "Riley/target")
		for _, n := range w.mails(entitlement.NotifyAssignmentExpiring) {
			if !n.CanExtend || n.EndDateTime == nil || n.AssignmentID != r.ID {
				t.Errorf("reminder = %+v, want the extend offer and the end", n)
			}
		}
		w.Clock.Advance(2 * 24 * time.Hour)
		w.Drain(wk)
		w.expect(t, entitlement.NotifyAssignmentExpired, "Riley/target")
	})

	t.Run("denied", func(t *testing.T) {
		w := newMailWorld(t)
		w.Decide(w.dana, w.RequestAccess(w.riley, w.approval), false)
		w.expect(t, entitlement.NotifyRequestDenied, "Riley/requestor")
	})

	t.Run("timed out", func(t *testing.T) {
		w := newMailWorld(t)
		w.RequestAccess(w.riley, w.approval)
		w.Clock.Advance(3*24*time.Hour + time.Minute)
		w.Drain(w.Worker(entitlement.WorkerOptions{}))
		w.expect(t, entitlement.NotifyRequestTimedOut, "Riley/requestor")
		w.expect(t, entitlement.NotifyRequestDenied)
	})

	t.Run("canceled tells the requester and the approvers it waited for", func(t *testing.T) {
		w := newMailWorld(t)
		r := w.RequestAccess(w.riley, w.approval)
		if err := w.Svc.CancelRequest(entitlementtest.As(w.riley), r.ID); err != nil {
			t.Fatal(err)
		}
		w.expect(t, entitlement.NotifyRequestCanceled, "Riley/requestor", "Dana/approver", "Morgan/approver")
	})

	t.Run("requested for someone else: requester and target", func(t *testing.T) {
		w := newMailWorld(t)
		w.Submit(entitlementtest.As(w.alex), entitlement.RequestInput{RequestType: entitlement.RequestAdminAdd, AccessPackageID: w.pkg.ID, PolicyID: w.open.ID, TargetID: w.riley.ID})
		w.expect(t, entitlement.NotifyRequestSubmitted, "Alex/requestor", "Riley/target")
		w.expect(t, entitlement.NotifyRequestDelivered, "Alex/requestor", "Riley/target")
	})

	t.Run("preferences: results and reminders off, approval requests still", func(t *testing.T) {
		w := newMailWorld(t)
		off := entitlement.NotificationPreferences{NoReminders: true, NoResults: true}
		for _, u := range []entitlement.User{w.riley, w.morgan} {
			if err := w.Svc.SetMyNotificationPreferences(entitlementtest.As(u), off); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := w.Svc.MyNotificationPreferences(entitlementtest.As(w.riley)); err != nil || got != off {
			t.Fatalf("preferences = %+v, %v", got, err)
		}
		r := w.RequestAccess(w.riley, w.approval)
		w.expect(t, entitlement.NotifyRequestSubmitted)
		w.expect(t, entitlement.NotifyApprovalNeeded, "Dana/approver", "Morgan/approver")
		w.Decide(w.morgan, r, true)
		w.expect(t, entitlement.NotifyRequestApproved)
		w.expect(t, entitlement.NotifyRequestDelivered)
		w.Clock.Advance(16*24*time.Hour + time.Minute)
		w.Drain(w.Worker(entitlement.WorkerOptions{}))
		w.expect(t, entitlement.NotifyAssignmentExpiring)
	})

	t.Run("guest blocked when their last access ends", func(t *testing.T) {
		w := newMailWorld(t)
		w.Settings(func(s *entitlement.Settings) { s.ExternalUserLifecycleAction = entitlement.LifecycleBlockSignIn })
		org := w.Org("Partner", entitlement.OrgConfigured, nil, nil)
		guest := w.User("Gus", entitlementtest.GuestOf(org.ID))
		pol := w.Policy(w.pkg, entitlementtest.Scope(entitlement.ScopeAllConfiguredConnectedOrgs), func(p *entitlement.AssignmentPolicy) { p.DurationInDays = 1 })
		w.RequestAccess(guest, pol)
		w.Clock.Advance(25 * time.Hour)
		w.Drain(w.Worker(entitlement.WorkerOptions{}))
		w.expect(t, entitlement.NotifyAssignmentExpired, "Gus/target")
		w.expect(t, entitlement.NotifyGuestBlocked, "Gus/target")
	})
}

// TestUserRecordsWithoutPreferences: a user written before preferences existed gets everything.
func TestUserRecordsWithoutPreferences(t *testing.T) {
	var u entitlement.User
	if err := json.Unmarshal([]byte(`{"id":"u1","displayName":"Old","mail":"old@example.com","accountEnabled":true}`), &u); err != nil {
		t.Fatal(err)
	}
	for _, ev := range []string{entitlement.NotifyAssignmentExpiring, entitlement.NotifyRequestSubmitted, entitlement.NotifyApprovalNeeded} {
		if !u.NotificationPreferences.Wants(ev, entitlement.RecipientRequestor) {
			t.Errorf("an old record does not want %s", ev)
		}
	}
	data, _ := json.Marshal(u)
	if strings.Contains(string(data), "notificationPreferences") {
		t.Errorf("an unchanged record gained preferences: %s", data)
	}
}
