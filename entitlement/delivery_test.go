package entitlement_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

func liveAssignment(f *entitlementtest.Env, u entitlement.User, pkg entitlement.AccessPackage) entitlement.Assignment {
	f.T.Helper()
	var a entitlement.Assignment
	f.View(func(tx entitlement.Tx) error {
		var err error
		a, err = tx.Assignments().Live(u.ID, pkg.ID)
		return err
	})
	return a
}

func removeAs(f *entitlementtest.Env, u entitlement.User, a entitlement.Assignment) {
	f.T.Helper()
	if _, err := f.Svc.SubmitRequest(entitlementtest.As(u), entitlement.RequestInput{RequestType: entitlement.RequestUserRemove, AssignmentID: a.ID}); err != nil {
		f.T.Fatalf("remove: %v", err)
	}
}

// TestRefCountedGroupRoles: two packages of one catalog grant the same group membership (one
// role record, two assignments), and a package of another catalog that onboarded the same group
// grants it too (another role record). The membership goes only with the last of them.
func TestRefCountedGroupRoles(t *testing.T) {
	f := entitlementtest.New(t)
	ada := f.User("Ada")
	shared := f.Group("Shared")
	other := f.Group("Other")
	c1 := f.Catalog("One")
	c2 := f.Catalog("Two")
	r1 := f.GroupResource(c1, shared)
	r1o := f.GroupResource(c1, other)
	r2 := f.GroupResource(c2, shared)
	a := f.Package(c1, "A", entitlementtest.Member(r1), entitlementtest.Member(r1o))
	b := f.Package(c1, "B", entitlementtest.Member(r1))
	c := f.Package(c2, "C", entitlementtest.Member(r2))
	pa, pb, pc := f.Policy(a), f.Policy(b), f.Policy(c)
	f.RequestAccess(ada, pa)
	f.RequestAccess(ada, pb)
	f.RequestAccess(ada, pc)
	if !f.IsMember(shared, ada) || !f.IsMember(other, ada) {
		t.Fatal("not a member after delivery")
	}
	var roles []entitlement.AssignmentResourceRole
	f.View(func(tx entitlement.Tx) error {
		var err error
		roles, err = tx.AssignmentRoles().BySubject(ada.ID)
		return err
	})
	if len(roles) != 3 {
		t.Fatalf("%d role records; want 3 (shared in catalog one, other, shared in catalog two)", len(roles))
	}
	for _, r := range roles {
		if r.ResourceID == r1.ID && len(r.AssignmentIDs) != 2 {
			t.Fatalf("shared role of catalog one held by %d assignments; want 2", len(r.AssignmentIDs))
		}
		if r.Status != entitlement.RoleStatusFulfilled {
			t.Fatalf("role %s is %s", r.RoleName, r.Status)
		}
	}
	entitlementtest.CheckInvariants(t, f.Store)

	removeAs(f, ada, liveAssignment(f, ada, a))
	if !f.IsMember(shared, ada) {
		t.Fatal("removing A took the membership B and C still grant")
	}
	if f.IsMember(other, ada) {
		t.Fatal("removing A left the membership only A granted")
	}
	entitlementtest.CheckInvariants(t, f.Store)

	removeAs(f, ada, liveAssignment(f, ada, b))
	if !f.IsMember(shared, ada) {
		t.Fatal("removing B took the membership C (another catalog) still grants")
	}
	entitlementtest.CheckInvariants(t, f.Store)

	// C expires.
	f.Clock.Advance(31 * 24 * time.Hour)
	f.Drain(f.Worker(entitlement.WorkerOptions{}))
	if f.IsMember(shared, ada) {
		t.Fatal("membership left after the last assignment expired")
	}
	f.View(func(tx entitlement.Tx) error {
		roles, _ := tx.AssignmentRoles().BySubject(ada.ID)
		if len(roles) != 0 {
			t.Errorf("%d role records left", len(roles))
		}
		return nil
	})
	entitlementtest.CheckInvariants(t, f.Store)
}

func TestExpiryAndReminders(t *testing.T) {
	w := newWorld(t)
	// The test reads what was sent from the outbox weeks later: keep delivered messages.
	wk := w.Worker(entitlement.WorkerOptions{OutboxRetention: 365 * 24 * time.Hour})
	r := w.RequestAccess(*w.ada, w.open)
	a := w.Assignment(r.AssignmentID)
	end := t0.AddDate(0, 0, 30)
	if !a.DueDateTime.Equal(end.Add(-14 * 24 * time.Hour)) {
		t.Fatalf("first due %v; want 14 days before the end", a.DueDateTime)
	}
	steps := []struct {
		at     time.Time
		status string
		state  entitlement.AssignmentState
		n      int // assignments processed by the tick
	}{
		{end.Add(-15 * 24 * time.Hour), entitlement.StatusDelivered, entitlement.AssignmentDelivered, 0},
		{end.Add(-14 * 24 * time.Hour), entitlement.StatusNearExpiry14Days, entitlement.AssignmentDelivered, 1},
		{end.Add(-2 * 24 * time.Hour), entitlement.StatusNearExpiry14Days, entitlement.AssignmentDelivered, 0},
		{end.Add(-24 * time.Hour), entitlement.StatusNearExpiry1Day, entitlement.AssignmentDelivered, 1},
		{end.Add(-time.Second), entitlement.StatusNearExpiry1Day, entitlement.AssignmentDelivered, 0},
		{end, entitlement.StatusExpired, entitlement.AssignmentExpired, 1},
		{end.Add(time.Hour), entitlement.StatusExpired, entitlement.AssignmentExpired, 0},
	}
	for _, s := range steps {
		w.Clock.Set(s.at)
		res, err := wk.Tick(bg)
		if err != nil {
			t.Fatal(err)
		}
		if res.Assignments != s.n {
			t.Fatalf("at %v: processed %d; want %d", s.at, res.Assignments, s.n)
		}
		a = w.Assignment(r.AssignmentID)
		if a.AssignmentStatus != s.status || a.AssignmentState != s.state {
			t.Fatalf("at %v: %s/%s; want %s/%s", s.at, a.AssignmentState, a.AssignmentStatus, s.state, s.status)
		}
	}
	if w.IsMember(w.team, *w.ada) {
		t.Fatal("still a member after expiry")
	}
	if len(w.Notifications(entitlement.NotifyAssignmentExpiring)) != 2 || len(w.Notifications(entitlement.NotifyAssignmentExpired)) != 1 {
		t.Fatal("reminder and expiry notifications missing")
	}
	// Expiry is recorded as a SystemRemove request.
	mine, err := w.Svc.MyRequests(entitlementtest.As(*w.ada), entitlement.RequestFilter{}, entitlement.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var sys []entitlement.Request
	for _, x := range mine.Items {
		if x.RequestType == entitlement.RequestSystemRemove {
			sys = append(sys, x)
		}
	}
	if len(sys) != 1 || sys[0].AssignmentID != a.ID || sys[0].RequestState != entitlement.StateDelivered || sys[0].RequestorID != "" {
		t.Fatalf("system remove requests %+v", sys)
	}
	if a.EndedDateTime == nil || !a.EndedDateTime.Equal(end) || !a.ExpiredDateTime.Equal(end) {
		t.Fatalf("ended %v expired %v", a.EndedDateTime, a.ExpiredDateTime)
	}
	entitlementtest.CheckInvariants(t, w.Store)

	// A short assignment gets only the reminder whose time is still ahead.
	short := w.Policy(w.teamPkg, func(p *entitlement.AssignmentPolicy) { p.DurationInDays = 5 })
	r2 := w.RequestAccess(*w.bob, short)
	if a2 := w.Assignment(r2.AssignmentID); !a2.DueDateTime.Equal(w.Clock.Now().AddDate(0, 0, 5).Add(-24 * time.Hour)) {
		t.Fatalf("short assignment due %v; want 1 day before its end", a2.DueDateTime)
	}
}

func TestExtension(t *testing.T) {
	t.Run("without approval", func(t *testing.T) {
		w := newWorld(t)
		pol := w.Policy(w.teamPkg, func(p *entitlement.AssignmentPolicy) { p.CanExtend = true })
		add := w.RequestAccess(*w.ada, pol)
		w.Clock.Advance(20 * 24 * time.Hour)
		w.Drain(w.Worker(entitlement.WorkerOptions{})) // the 14-day reminder goes out
		oldEnd := *w.Assignment(add.AssignmentID).EndDateTime()
		r, err := w.Svc.ExtendAssignment(entitlementtest.As(*w.ada), add.AssignmentID, "still needed", entitlement.Schedule{})
		if err != nil {
			t.Fatal(err)
		}
		if r.RequestType != entitlement.RequestUserExtend || r.RequestState != entitlement.StateDelivered {
			t.Fatalf("extension request %s %s", r.RequestType, r.RequestState)
		}
		a := w.Assignment(add.AssignmentID)
		wantEnd := oldEnd.AddDate(0, 0, 30) // the policy's 30 days, counted from the current end
		if !a.IsExtended || !a.EndDateTime().Equal(wantEnd) || !a.ExpiredDateTime.Equal(wantEnd) || a.AssignmentStatus != entitlement.StatusDelivered {
			t.Fatalf("after extension: extended=%v end=%v status=%s", a.IsExtended, a.EndDateTime(), a.AssignmentStatus)
		}
		if !a.DueDateTime.Equal(wantEnd.Add(-14 * 24 * time.Hour)) {
			t.Fatalf("due %v; reminders should start over", a.DueDateTime)
		}
		if got := entitlementtest.EventKinds(r); !slices.Equal(got, []string{"Submitted", "Extended", "Delivered"}) {
			t.Fatalf("events %v", got)
		}
		// The end is 40 days away now: the next extension opens 14 days before it.
		if _, err := w.Svc.ExtendAssignment(entitlementtest.As(*w.ada), add.AssignmentID, "", entitlement.Schedule{}); entitlementtest.ErrCode(err) != entitlement.CodeExtensionNotOpen {
			t.Fatalf("second extension: %v", err)
		}
		entitlementtest.CheckInvariants(t, w.Store)
	})
	t.Run("with approval", func(t *testing.T) {
		w := newWorld(t)
		pol := w.Policy(w.teamPkg, entitlementtest.Approval(entitlementtest.ApprovalStage(3, entitlementtest.Single(*w.bob))), func(p *entitlement.AssignmentPolicy) {
			p.CanExtend = true
			p.RequestApprovalSettings.IsApprovalRequiredForExtension = true
		})
		add := w.RequestAccess(*w.ada, pol)
		add = w.Decide(*w.bob, add, true)
		oldEnd := *w.Assignment(add.AssignmentID).EndDateTime()
		w.Clock.Advance(20 * 24 * time.Hour)
		r, err := w.Svc.ExtendAssignment(entitlementtest.As(*w.ada), add.AssignmentID, "more", entitlement.Schedule{Expiration: entitlement.Expiration{Type: entitlement.ExpirationAfterDuration, Duration: "P25D"}})
		if err != nil {
			t.Fatal(err)
		}
		if r.RequestState != entitlement.StatePendingApproval {
			t.Fatalf("extension state %s", r.RequestState)
		}
		if a := w.Assignment(add.AssignmentID); a.IsExtended || !a.EndDateTime().Equal(oldEnd) {
			t.Fatal("extended before approval")
		}
		// A second extension while one waits is a duplicate; so is a new request for the package.
		if _, err := w.Svc.ExtendAssignment(entitlementtest.As(*w.ada), add.AssignmentID, "", entitlement.Schedule{}); entitlementtest.ErrCode(err) != "duplicateRequest" {
			t.Fatalf("second extension: %v", err)
		}
		r = w.Decide(*w.bob, r, true)
		a := w.Assignment(add.AssignmentID)
		if r.RequestState != entitlement.StateDelivered || !a.IsExtended || !a.EndDateTime().Equal(oldEnd.AddDate(0, 0, 25)) {
			t.Fatalf("after approval: %s extended=%v end=%v", r.RequestState, a.IsExtended, a.EndDateTime())
		}
		entitlementtest.CheckInvariants(t, w.Store)
	})
	t.Run("pending extension ends with the assignment", func(t *testing.T) {
		w := newWorld(t)
		pol := w.Policy(w.teamPkg, entitlementtest.Approval(entitlementtest.ApprovalStage(3, entitlementtest.Single(*w.bob))), func(p *entitlement.AssignmentPolicy) {
			p.CanExtend = true
			p.RequestApprovalSettings.IsApprovalRequiredForExtension = true
		})
		add := w.Decide(*w.bob, w.RequestAccess(*w.ada, pol), true)
		w.Clock.Advance(20 * 24 * time.Hour)
		ext, err := w.Svc.ExtendAssignment(entitlementtest.As(*w.ada), add.AssignmentID, "", entitlement.Schedule{})
		if err != nil {
			t.Fatal(err)
		}
		removeAs(w.Env, *w.ada, w.Assignment(add.AssignmentID))
		if got := w.Request(ext.ID); got.RequestState != entitlement.StateCanceled || len(got.PendingApprovers()) != 0 {
			t.Fatalf("extension after removal: %s", got.RequestState)
		}
		entitlementtest.CheckInvariants(t, w.Store)
	})
	t.Run("refusals", func(t *testing.T) {
		w := newWorld(t)
		noExtend := w.RequestAccess(*w.ada, w.open)
		other := w.Package(w.cat, "Forever")
		forever := w.Policy(other, func(p *entitlement.AssignmentPolicy) { p.CanExtend = true; p.DurationInDays = 0 })
		foreverA := w.RequestAccess(*w.ada, forever)
		third := w.Package(w.cat, "Extendable")
		ext := w.Policy(third, func(p *entitlement.AssignmentPolicy) { p.CanExtend = true })
		extA := w.RequestAccess(*w.ada, ext)
		extEnd := *w.Assignment(extA.AssignmentID).EndDateTime()
		halfDayMore := extEnd.Add(12 * time.Hour)
		w.Clock.Advance(20 * 24 * time.Hour) // into the last 14 days, when extending opens
		for _, tc := range []struct {
			name string
			as   entitlement.User
			id   string
			s    entitlement.Schedule
			code string
		}{
			{"missing", *w.ada, entitlement.NewID(), entitlement.Schedule{}, "assignmentNotFound"},
			{"someone else's", *w.bob, extA.AssignmentID, entitlement.Schedule{}, "notYourAssignment"},
			{"policy forbids", *w.ada, noExtend.AssignmentID, entitlement.Schedule{}, "cannotExtend"},
			{"never ends", *w.ada, foreverA.AssignmentID, entitlement.Schedule{}, "noExpiration"},
			{"beyond the policy", *w.ada, extA.AssignmentID, entitlement.Schedule{Expiration: entitlement.Expiration{Type: entitlement.ExpirationAfterDuration, Duration: "P90D"}}, "scheduleBeyondPolicy"},
			{"no end on a limited policy", *w.ada, extA.AssignmentID, entitlement.Schedule{Expiration: entitlement.Expiration{Type: entitlement.ExpirationNone}}, "scheduleBeyondPolicy"},
			{"less than a day more", *w.ada, extA.AssignmentID, entitlement.Schedule{Expiration: entitlement.Expiration{Type: entitlement.ExpirationAfterDateTime, EndDateTime: &halfDayMore}}, "nothingToExtend"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := w.Svc.ExtendAssignment(entitlementtest.As(tc.as), tc.id, "", tc.s)
				if entitlementtest.ErrCode(err) != tc.code {
					t.Fatalf("err %v; want %s", err, tc.code)
				}
			})
		}
		// Still being delivered: the application role waits in the outbox.
		appPkg := w.Package(w.cat, "Ledger", entitlementtest.Role(w.app, "User"))
		appA := w.RequestAccess(*w.ada, w.Policy(appPkg, func(p *entitlement.AssignmentPolicy) { p.CanExtend = true }))
		if _, err := w.Svc.ExtendAssignment(entitlementtest.As(*w.ada), appA.AssignmentID, "", entitlement.Schedule{}); entitlementtest.ErrCode(err) != "assignmentNotDelivered" {
			t.Fatalf("extension while delivering: %v", err)
		}
		// A reason the policy asks for.
		reasonPkg := w.Package(w.cat, "Reasoned")
		reasonPol := w.Policy(reasonPkg, func(p *entitlement.AssignmentPolicy) {
			p.CanExtend = true
			p.RequestApprovalSettings.IsRequestorJustificationRequired = true
		})
		reasonA := w.Submit(entitlementtest.As(*w.ada), entitlement.RequestInput{RequestType: entitlement.RequestUserAdd, AccessPackageID: reasonPkg.ID, PolicyID: reasonPol.ID, Justification: "because"})
		w.Clock.Advance(20 * 24 * time.Hour)
		if _, err := w.Svc.ExtendAssignment(entitlementtest.As(*w.ada), reasonA.AssignmentID, " ", entitlement.Schedule{}); entitlementtest.ErrCode(err) != "justificationRequired" {
			t.Fatalf("extension without the reason: %v", err)
		}
		// The policy is gone.
		w.Update(func(tx entitlement.Tx) error { return tx.Policies().Delete(ext.ID) })
		if _, err := w.Svc.ExtendAssignment(entitlementtest.As(*w.ada), extA.AssignmentID, "", entitlement.Schedule{}); entitlementtest.ErrCode(err) != "policyDeleted" {
			t.Fatalf("extension through a deleted policy: %v", err)
		}
		// A guest holding access, directly assigned, in a catalog closed to external users.
		internal := w.Catalog("Internal", func(c *entitlement.Catalog) { c.IsExternallyVisible = false }, entitlementtest.WithCatalogRole(entitlement.RoleAssignmentManager, *w.carol))
		inPkg := w.Package(internal, "Internal")
		inPol := w.Policy(inPkg, entitlementtest.Scope(entitlement.ScopeAllExistingDirectorySubjects), func(p *entitlement.AssignmentPolicy) {
			p.CanExtend = true
			p.DurationInDays = 10 // extendable from the start
		})
		inA := w.Submit(entitlementtest.As(*w.carol), entitlement.RequestInput{RequestType: entitlement.RequestAdminAdd, AccessPackageID: inPkg.ID, PolicyID: inPol.ID, TargetID: w.eve.ID})
		w.Clock.Advance(time.Hour)
		if _, err := w.Svc.ExtendAssignment(entitlementtest.As(*w.eve), inA.AssignmentID, "", entitlement.Schedule{}); entitlementtest.ErrCode(err) != "externalNotAllowed" {
			t.Fatalf("guest extension in an internal catalog: %v", err)
		}
		// Out of scope now: Ada is no longer a member but a guest.
		ada := *w.ada
		ada.UserType = entitlement.UserTypeGuest
		w.Update(func(tx entitlement.Tx) error { return tx.Users().Put(ada) })
		if _, err := w.Svc.ExtendAssignment(entitlementtest.As(ada), reasonA.AssignmentID, "still needed", entitlement.Schedule{}); entitlementtest.ErrCode(err) != "notInScope" {
			t.Fatalf("out of scope: %v", err)
		}
	})
}

// TestExternalUserLifecycle: a guest whose last assignment ends is blocked, and deleted
// daysUntilExternalUserDeletedAfterBlocked later; a new assignment lifts the block.
func TestExternalUserLifecycle(t *testing.T) {
	setup := func(t *testing.T, action string, days int) (*world, entitlement.User, entitlement.AssignmentPolicy, entitlement.AssignmentPolicy) {
		w := newWorld(t)
		w.Settings(func(s *entitlement.Settings) {
			s.ExternalUserLifecycleAction = action
			s.DaysUntilExternalUserDeletedAfterBlocked = days
		})
		guestPol := w.Policy(w.teamPkg, entitlementtest.Scope(entitlement.ScopeAllConfiguredConnectedOrgs), func(p *entitlement.AssignmentPolicy) { p.DurationInDays = 10 })
		second := w.Package(w.cat, "Second", entitlementtest.Member(w.teamRes))
		secondPol := w.Policy(second, entitlementtest.Scope(entitlement.ScopeSpecificConnectedOrgSubjects, entitlementtest.OrgSet(w.partner)), func(p *entitlement.AssignmentPolicy) { p.DurationInDays = 20 })
		return w, *w.eve, guestPol, secondPol
	}
	t.Run("block then delete", func(t *testing.T) {
		w, eve, pol, secondPol := setup(t, entitlement.LifecycleBlockSignInAndDelete, 30)
		wk := w.Worker(entitlement.WorkerOptions{})
		w.RequestAccess(eve, pol)
		w.RequestAccess(eve, secondPol)
		if _, _, err := w.Svc.CreateAPIToken(entitlementtest.As(eve), entitlement.APITokenInput{Name: "script"}); err != nil {
			t.Fatal(err)
		}
		w.Clock.Advance(10 * 24 * time.Hour)
		w.Drain(wk)
		if u, _ := w.UserRecord(eve.ID); !u.AccountEnabled {
			t.Fatal("blocked while another assignment is live")
		}
		if !w.IsMember(w.team, eve) {
			t.Fatal("membership lost while the second package still grants it")
		}
		w.Clock.Advance(10 * 24 * time.Hour)
		w.Drain(wk)
		blockedAt := w.Clock.Now()
		u, ok := w.UserRecord(eve.ID)
		if !ok || u.AccountEnabled || u.BlockedDateTime == nil || !u.BlockedDateTime.Equal(blockedAt) {
			t.Fatalf("after the last assignment: %+v", u)
		}
		if _, err := w.Svc.PrincipalFor(context.Background(), eve.ID); !errors.Is(err, entitlement.ErrUnauthorized) {
			t.Fatalf("a blocked guest can still act: %v", err)
		}
		w.Clock.Set(blockedAt.Add(30*24*time.Hour - time.Minute))
		if res, err := wk.Tick(bg); err != nil || res.GuestsDeleted != 0 {
			t.Fatalf("deleted early: %+v %v", res, err)
		}
		w.Clock.Set(blockedAt.Add(30 * 24 * time.Hour))
		if res, err := wk.Tick(bg); err != nil || res.GuestsDeleted != 1 {
			t.Fatalf("not deleted: %+v %v", res, err)
		}
		if _, ok := w.UserRecord(eve.ID); ok {
			t.Fatal("guest still exists")
		}
		w.View(func(tx entitlement.Tx) error {
			if ts, err := tx.APITokens().ByUser(eve.ID); err != nil || len(ts) != 0 {
				t.Errorf("the deleted guest's API tokens: %d, %v", len(ts), err)
			}
			return nil
		})
		if res, _ := wk.Tick(bg); res.GuestsDeleted != 0 {
			t.Fatal("second tick deleted again")
		}
		audit, err := auditActions(w.Env)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(audit, "user.block") || !slices.Contains(audit, "user.delete") {
			t.Fatalf("audit %v lacks block and delete", audit)
		}
		entitlementtest.CheckInvariants(t, w.Store)
	})
	t.Run("block only", func(t *testing.T) {
		w, eve, pol, _ := setup(t, entitlement.LifecycleBlockSignIn, 1)
		add := w.RequestAccess(eve, pol)
		removeAs(w.Env, eve, w.Assignment(add.AssignmentID))
		if u, _ := w.UserRecord(eve.ID); u.AccountEnabled {
			t.Fatal("not blocked")
		}
		w.Clock.Advance(400 * 24 * time.Hour)
		w.Drain(w.Worker(entitlement.WorkerOptions{}))
		if _, ok := w.UserRecord(eve.ID); !ok {
			t.Fatal("deleted although the setting only blocks")
		}
	})
	t.Run("none", func(t *testing.T) {
		w, eve, pol, _ := setup(t, entitlement.LifecycleNone, 1)
		add := w.RequestAccess(eve, pol)
		removeAs(w.Env, eve, w.Assignment(add.AssignmentID))
		if u, _ := w.UserRecord(eve.ID); !u.AccountEnabled {
			t.Fatal("blocked although the setting says none")
		}
	})
	t.Run("members are never blocked", func(t *testing.T) {
		w, _, _, _ := setup(t, entitlement.LifecycleBlockSignInAndDelete, 0)
		add := w.RequestAccess(*w.ada, w.open)
		removeAs(w.Env, *w.ada, w.Assignment(add.AssignmentID))
		if u, _ := w.UserRecord(w.ada.ID); !u.AccountEnabled {
			t.Fatal("a member was blocked")
		}
	})
	t.Run("a new assignment lifts the block", func(t *testing.T) {
		w, eve, pol, _ := setup(t, entitlement.LifecycleBlockSignInAndDelete, 5)
		add := w.RequestAccess(eve, pol)
		removeAs(w.Env, eve, w.Assignment(add.AssignmentID))
		if u, _ := w.UserRecord(eve.ID); u.AccountEnabled {
			t.Fatal("not blocked")
		}
		w.Submit(entitlementtest.As(*w.carol), entitlement.RequestInput{RequestType: entitlement.RequestAdminAdd, AccessPackageID: w.teamPkg.ID, PolicyID: w.direct.ID, TargetID: eve.ID})
		if u, _ := w.UserRecord(eve.ID); !u.AccountEnabled || u.BlockedDateTime != nil {
			t.Fatalf("still blocked after a new assignment: %+v", u)
		}
		w.Clock.Advance(6 * 24 * time.Hour)
		w.Drain(w.Worker(entitlement.WorkerOptions{}))
		if _, ok := w.UserRecord(eve.ID); !ok {
			t.Fatal("deleted although unblocked")
		}
		entitlementtest.CheckInvariants(t, w.Store)
	})
}

func auditActions(f *entitlementtest.Env) ([]string, error) {
	var out []string
	err := f.Store.View(context.Background(), func(tx entitlement.Tx) error {
		p, err := tx.Audit().List(entitlement.AuditFilter{}, entitlement.ListOptions{Limit: entitlement.MaxPageSize})
		for _, e := range p.Items {
			out = append(out, e.Action)
		}
		return err
	})
	return out, err
}

// flakyProvisioner fails the first n calls per role, then succeeds; it records every call.
type flakyProvisioner struct {
	mu      sync.Mutex
	failFor int
	calls   map[string]int
	log     []entitlement.ProvisionAction
	always  bool
}

func (p *flakyProvisioner) Provision(_ context.Context, a entitlement.ProvisionAction) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.calls == nil {
		p.calls = map[string]int{}
	}
	key := a.Op + a.RoleID
	p.calls[key]++
	p.log = append(p.log, a)
	if p.always || p.calls[key] <= p.failFor {
		return fmt.Errorf("connector unavailable (call %d)", p.calls[key])
	}
	return nil
}

func TestProvisioningThroughTheOutbox(t *testing.T) {
	setup := func(t *testing.T) (*world, entitlement.AccessPackage, entitlement.AssignmentPolicy) {
		w := newWorld(t)
		pkg := w.Package(w.cat, "Ledger users", entitlementtest.Role(w.app, "User"), entitlementtest.Member(w.teamRes))
		return w, pkg, w.Policy(pkg)
	}
	t.Run("retried with backoff, then delivered", func(t *testing.T) {
		w, _, pol := setup(t)
		prov := &flakyProvisioner{failFor: 2}
		wk := w.Worker(entitlement.WorkerOptions{Provisioner: prov, RetryBase: time.Minute, MaxAttempts: 5})
		r := w.RequestAccess(*w.ada, pol)
		if r.RequestState != entitlement.StateDelivering {
			t.Fatalf("state %s; want Delivering while the application role is provisioned", r.RequestState)
		}
		if !w.IsMember(w.team, *w.ada) {
			t.Fatal("the group membership waited for the application")
		}
		entitlementtest.CheckInvariants(t, w.Store)
		res, err := wk.Tick(bg)
		if err != nil || res.OutboxRetried != 1 {
			t.Fatalf("first tick %+v %v", res, err)
		}
		var msg entitlement.OutboxMessage
		for _, m := range w.OutboxMessages() {
			if m.Kind == entitlement.OutboxProvision {
				msg = m
			}
		}
		if msg.Attempts != 1 || !strings.Contains(msg.LastError, "connector unavailable") || !msg.NextAttempt.Equal(w.Clock.Now().Add(time.Minute)) {
			t.Fatalf("after one failure %+v", msg)
		}
		// Not due yet: nothing happens.
		if res, _ := wk.Tick(bg); res.OutboxRetried+res.OutboxDelivered != 0 {
			t.Fatal("retried before the backoff")
		}
		w.Clock.Advance(time.Minute)
		if res, _ := wk.Tick(bg); res.OutboxRetried != 1 {
			t.Fatal("second attempt did not run")
		}
		w.Clock.Advance(time.Minute) // second backoff is 2 minutes
		if res, _ := wk.Tick(bg); res.OutboxRetried+res.OutboxDelivered != 0 {
			t.Fatal("backoff did not double")
		}
		w.Clock.Advance(time.Minute)
		if res, _ := wk.Tick(bg); res.OutboxDelivered < 1 {
			t.Fatal("third attempt did not deliver")
		}
		r = w.Request(r.ID)
		a := w.Assignment(r.AssignmentID)
		if r.RequestState != entitlement.StateDelivered || a.AssignmentState != entitlement.AssignmentDelivered {
			t.Fatalf("after provisioning: %s / %s", r.RequestState, a.AssignmentState)
		}
		roles, err := w.Svc.AssignmentRolesOf(entitlementtest.As(*w.ada), a.ID)
		if err != nil || len(roles) != 2 {
			t.Fatalf("roles %v %v", roles, err)
		}
		for _, role := range roles {
			if role.Status != entitlement.RoleStatusFulfilled {
				t.Fatalf("role %s is %s", role.RoleName, role.Status)
			}
		}
		if prov.log[0].Op != entitlement.ProvisionAdd || prov.log[0].Email != w.ada.Email || prov.log[0].OriginID != w.app.OriginID || prov.log[0].RoleOriginID != "role-user" {
			t.Fatalf("provision action %+v", prov.log[0])
		}
		entitlementtest.CheckInvariants(t, w.Store)

		// Removal deprovisions through the outbox too; the role goes once that succeeds.
		removeAs(w.Env, *w.ada, a)
		entitlementtest.CheckInvariants(t, w.Store)
		for range 3 { // the removal fails twice too, then succeeds
			w.Clock.Advance(10 * time.Minute)
			w.Drain(wk)
		}
		var left []entitlement.AssignmentResourceRole
		w.View(func(tx entitlement.Tx) error { left, err = tx.AssignmentRoles().BySubject(w.ada.ID); return err })
		if len(left) != 0 {
			t.Fatalf("roles left after deprovisioning: %+v", left)
		}
		if last := prov.log[len(prov.log)-1]; last.Op != entitlement.ProvisionRemove {
			t.Fatalf("last call %+v", last)
		}
		entitlementtest.CheckInvariants(t, w.Store)
	})
	t.Run("gives up: partially delivered with the reason", func(t *testing.T) {
		w, _, pol := setup(t)
		prov := &flakyProvisioner{always: true}
		wk := w.Worker(entitlement.WorkerOptions{Provisioner: prov, RetryBase: time.Second, MaxAttempts: 3})
		r := w.RequestAccess(*w.ada, pol)
		for range 10 {
			w.Clock.Advance(time.Minute)
			if _, err := wk.Tick(bg); err != nil {
				t.Fatal(err)
			}
		}
		r = w.Request(r.ID)
		if r.RequestState != entitlement.StatePartiallyDelivered || !strings.Contains(r.StatusDetail, "gave up after 3 attempts: connector unavailable") {
			t.Fatalf("request %s %q", r.RequestState, r.StatusDetail)
		}
		a := w.Assignment(r.AssignmentID)
		if a.AssignmentState != entitlement.AssignmentDelivered || a.AssignmentStatus != entitlement.StatusPartiallyDelivered {
			t.Fatalf("assignment %s/%s", a.AssignmentState, a.AssignmentStatus)
		}
		if prov.calls[entitlement.ProvisionAdd+a.ResourceRoleIDs[0]] != 3 {
			t.Fatalf("calls %v", prov.calls)
		}
		var failed int
		for _, m := range w.OutboxMessages() {
			if m.FailedAt != nil {
				failed++
				if m.Attempts != 3 {
					t.Fatalf("failed message attempts %d", m.Attempts)
				}
			}
		}
		if failed != 1 {
			t.Fatalf("%d failed messages", failed)
		}
		if !w.IsMember(w.team, *w.ada) {
			t.Fatal("the group role should still be delivered")
		}
		entitlementtest.CheckInvariants(t, w.Store)
	})
	t.Run("removed before provisioned: the add stands down", func(t *testing.T) {
		w, _, pol := setup(t)
		prov := &flakyProvisioner{}
		wk := w.Worker(entitlement.WorkerOptions{Provisioner: prov})
		r := w.RequestAccess(*w.ada, pol)
		removeAs(w.Env, *w.ada, w.Assignment(r.AssignmentID))
		if got := w.Request(r.ID); got.RequestState != entitlement.StatePartiallyDelivered {
			t.Fatalf("delivering request after removal: %s", got.RequestState)
		}
		w.Drain(wk)
		if len(prov.log) != 1 || prov.log[0].Op != entitlement.ProvisionRemove {
			t.Fatalf("calls %+v; want only the removal", prov.log)
		}
		entitlementtest.CheckInvariants(t, w.Store)
	})
	t.Run("default manual connector delivers nothing by itself", func(t *testing.T) {
		w, _, pol := setup(t)
		r := w.RequestAccess(*w.ada, pol)
		w.Drain(w.Worker(entitlement.WorkerOptions{}))
		if got := w.Request(r.ID); got.RequestState != entitlement.StateDelivering || got.RequestStatus != entitlement.RequestStatusWaitingForPerson {
			t.Fatalf("state %s (%s), want Delivering and waiting for a person", got.RequestState, got.RequestStatus)
		}
		for _, m := range w.OutboxMessages() {
			if m.DeliveredAt == nil {
				t.Fatalf("message %s %s not handed over", m.Kind, m.Topic)
			}
		}
	})
}
