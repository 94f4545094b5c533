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
)

func liveAssignment(f *engineFixture, u entitlement.User, pkg entitlement.AccessPackage) entitlement.Assignment {
	f.t.Helper()
	var a entitlement.Assignment
	f.view(func(tx entitlement.Tx) error {
		var err error
		a, err = tx.Assignments().Live(u.ID, pkg.ID)
		return err
	})
	return a
}

func removeAs(f *engineFixture, u entitlement.User, a entitlement.Assignment) {
	f.t.Helper()
	if _, err := f.svc.SubmitRequest(f.as(u), entitlement.RequestInput{RequestType: entitlement.RequestUserRemove, AssignmentID: a.ID}); err != nil {
		f.t.Fatalf("remove: %v", err)
	}
}

// TestRefCountedGroupRoles: two packages of one catalog grant the same group membership (one
// role record, two assignments), and a package of another catalog that onboarded the same group
// grants it too (another role record). The membership goes only with the last of them.
func TestRefCountedGroupRoles(t *testing.T) {
	f := newEngineFixture(t)
	ada := f.user("Ada")
	shared := f.group("Shared")
	other := f.group("Other")
	c1 := f.catalog("One")
	c2 := f.catalog("Two")
	r1 := f.groupResource(c1, shared)
	r1o := f.groupResource(c1, other)
	r2 := f.groupResource(c2, shared)
	a := f.pkg(c1, "A", member(r1), member(r1o))
	b := f.pkg(c1, "B", member(r1))
	c := f.pkg(c2, "C", member(r2))
	pa, pb, pc := f.policy(a), f.policy(b), f.policy(c)
	f.requestAccess(ada, pa)
	f.requestAccess(ada, pb)
	f.requestAccess(ada, pc)
	if !f.isMember(shared, ada) || !f.isMember(other, ada) {
		t.Fatal("not a member after delivery")
	}
	var roles []entitlement.AssignmentResourceRole
	f.view(func(tx entitlement.Tx) error {
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
	checkInvariants(t, f.st)

	removeAs(f, ada, liveAssignment(f, ada, a))
	if !f.isMember(shared, ada) {
		t.Fatal("removing A took the membership B and C still grant")
	}
	if f.isMember(other, ada) {
		t.Fatal("removing A left the membership only A granted")
	}
	checkInvariants(t, f.st)

	removeAs(f, ada, liveAssignment(f, ada, b))
	if !f.isMember(shared, ada) {
		t.Fatal("removing B took the membership C (another catalog) still grants")
	}
	checkInvariants(t, f.st)

	// C expires.
	f.clock.Advance(31 * 24 * time.Hour)
	f.drain(f.worker(entitlement.WorkerOptions{}))
	if f.isMember(shared, ada) {
		t.Fatal("membership left after the last assignment expired")
	}
	f.view(func(tx entitlement.Tx) error {
		roles, _ := tx.AssignmentRoles().BySubject(ada.ID)
		if len(roles) != 0 {
			t.Errorf("%d role records left", len(roles))
		}
		return nil
	})
	checkInvariants(t, f.st)
}

func TestExpiryAndReminders(t *testing.T) {
	w := newWorld(t)
	wk := w.worker(entitlement.WorkerOptions{})
	r := w.requestAccess(*w.ada, w.open)
	a := w.assignment(r.AssignmentID)
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
		w.clock.Set(s.at)
		res, err := wk.Tick(ctxBG)
		if err != nil {
			t.Fatal(err)
		}
		if res.Assignments != s.n {
			t.Fatalf("at %v: processed %d; want %d", s.at, res.Assignments, s.n)
		}
		a = w.assignment(r.AssignmentID)
		if a.AssignmentStatus != s.status || a.AssignmentState != s.state {
			t.Fatalf("at %v: %s/%s; want %s/%s", s.at, a.AssignmentState, a.AssignmentStatus, s.state, s.status)
		}
	}
	if w.isMember(w.team, *w.ada) {
		t.Fatal("still a member after expiry")
	}
	if len(w.notifications(entitlement.NotifyAssignmentExpiring)) != 2 || len(w.notifications(entitlement.NotifyAssignmentExpired)) != 1 {
		t.Fatal("reminder and expiry notifications missing")
	}
	// Expiry is recorded as a SystemRemove request.
	mine, err := w.svc.MyRequests(w.as(*w.ada), entitlement.RequestFilter{}, entitlement.ListOptions{})
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
	checkInvariants(t, w.st)

	// A short assignment gets only the reminder whose time is still ahead.
	short := w.policy(w.teamPkg, func(p *entitlement.AssignmentPolicy) { p.DurationInDays = 5 })
	r2 := w.requestAccess(*w.bob, short)
	if a2 := w.assignment(r2.AssignmentID); !a2.DueDateTime.Equal(w.clock.Now().AddDate(0, 0, 5).Add(-24 * time.Hour)) {
		t.Fatalf("short assignment due %v; want 1 day before its end", a2.DueDateTime)
	}
}

func TestExtension(t *testing.T) {
	t.Run("without approval", func(t *testing.T) {
		w := newWorld(t)
		pol := w.policy(w.teamPkg, func(p *entitlement.AssignmentPolicy) { p.CanExtend = true })
		add := w.requestAccess(*w.ada, pol)
		w.clock.Advance(20 * 24 * time.Hour)
		w.drain(w.worker(entitlement.WorkerOptions{})) // the 14-day reminder goes out
		r, err := w.svc.ExtendAssignment(w.as(*w.ada), add.AssignmentID, "still needed", entitlement.Schedule{})
		if err != nil {
			t.Fatal(err)
		}
		if r.RequestType != entitlement.RequestUserExtend || r.RequestState != entitlement.StateDelivered {
			t.Fatalf("extension request %s %s", r.RequestType, r.RequestState)
		}
		a := w.assignment(add.AssignmentID)
		wantEnd := w.clock.Now().AddDate(0, 0, 30)
		if !a.IsExtended || !a.EndDateTime().Equal(wantEnd) || !a.ExpiredDateTime.Equal(wantEnd) || a.AssignmentStatus != entitlement.StatusDelivered {
			t.Fatalf("after extension: extended=%v end=%v status=%s", a.IsExtended, a.EndDateTime(), a.AssignmentStatus)
		}
		if !a.DueDateTime.Equal(wantEnd.Add(-14 * 24 * time.Hour)) {
			t.Fatalf("due %v; reminders should start over", a.DueDateTime)
		}
		if got := eventKinds(r); !slices.Equal(got, []string{"Submitted", "Extended", "Delivered"}) {
			t.Fatalf("events %v", got)
		}
		// Nothing more to add right away.
		if _, err := w.svc.ExtendAssignment(w.as(*w.ada), add.AssignmentID, "", entitlement.Schedule{}); errCode(err) != "nothingToExtend" {
			t.Fatalf("second extension: %v", err)
		}
		checkInvariants(t, w.st)
	})
	t.Run("with approval", func(t *testing.T) {
		w := newWorld(t)
		pol := w.policy(w.teamPkg, approval(approvalStage(3, single(*w.bob))), func(p *entitlement.AssignmentPolicy) {
			p.CanExtend = true
			p.RequestApprovalSettings.IsApprovalRequiredForExtension = true
		})
		add := w.requestAccess(*w.ada, pol)
		add = w.decide(*w.bob, add, true)
		oldEnd := *w.assignment(add.AssignmentID).EndDateTime()
		w.clock.Advance(10 * 24 * time.Hour)
		r, err := w.svc.ExtendAssignment(w.as(*w.ada), add.AssignmentID, "more", entitlement.Schedule{Expiration: entitlement.Expiration{Type: entitlement.ExpirationAfterDuration, Duration: "P25D"}})
		if err != nil {
			t.Fatal(err)
		}
		if r.RequestState != entitlement.StatePendingApproval {
			t.Fatalf("extension state %s", r.RequestState)
		}
		if a := w.assignment(add.AssignmentID); a.IsExtended || !a.EndDateTime().Equal(oldEnd) {
			t.Fatal("extended before approval")
		}
		// A second extension while one waits is a duplicate; so is a new request for the package.
		if _, err := w.svc.ExtendAssignment(w.as(*w.ada), add.AssignmentID, "", entitlement.Schedule{}); errCode(err) != "duplicateRequest" {
			t.Fatalf("second extension: %v", err)
		}
		r = w.decide(*w.bob, r, true)
		a := w.assignment(add.AssignmentID)
		if r.RequestState != entitlement.StateDelivered || !a.IsExtended || !a.EndDateTime().Equal(w.clock.Now().AddDate(0, 0, 25)) {
			t.Fatalf("after approval: %s extended=%v end=%v", r.RequestState, a.IsExtended, a.EndDateTime())
		}
		checkInvariants(t, w.st)
	})
	t.Run("pending extension ends with the assignment", func(t *testing.T) {
		w := newWorld(t)
		pol := w.policy(w.teamPkg, approval(approvalStage(3, single(*w.bob))), func(p *entitlement.AssignmentPolicy) {
			p.CanExtend = true
			p.RequestApprovalSettings.IsApprovalRequiredForExtension = true
		})
		add := w.decide(*w.bob, w.requestAccess(*w.ada, pol), true)
		w.clock.Advance(24 * time.Hour)
		ext, err := w.svc.ExtendAssignment(w.as(*w.ada), add.AssignmentID, "", entitlement.Schedule{})
		if err != nil {
			t.Fatal(err)
		}
		removeAs(w.engineFixture, *w.ada, w.assignment(add.AssignmentID))
		if got := w.request(ext.ID); got.RequestState != entitlement.StateCanceled || len(got.PendingApprovers()) != 0 {
			t.Fatalf("extension after removal: %s", got.RequestState)
		}
		checkInvariants(t, w.st)
	})
	t.Run("refusals", func(t *testing.T) {
		w := newWorld(t)
		noExtend := w.requestAccess(*w.ada, w.open)
		other := w.pkg(w.cat, "Forever")
		forever := w.policy(other, func(p *entitlement.AssignmentPolicy) { p.CanExtend = true; p.DurationInDays = 0 })
		foreverA := w.requestAccess(*w.ada, forever)
		third := w.pkg(w.cat, "Extendable")
		ext := w.policy(third, func(p *entitlement.AssignmentPolicy) { p.CanExtend = true })
		extA := w.requestAccess(*w.ada, ext)
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
			{"earlier than now", *w.ada, extA.AssignmentID, entitlement.Schedule{Expiration: entitlement.Expiration{Type: entitlement.ExpirationAfterDuration, Duration: "P10D"}}, "nothingToExtend"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := w.svc.ExtendAssignment(w.as(tc.as), tc.id, "", tc.s)
				if errCode(err) != tc.code {
					t.Fatalf("err %v; want %s", err, tc.code)
				}
			})
		}
		// Still being delivered: the application role waits in the outbox.
		appPkg := w.pkg(w.cat, "Ledger", grant{w.app, "User"})
		appA := w.requestAccess(*w.ada, w.policy(appPkg, func(p *entitlement.AssignmentPolicy) { p.CanExtend = true }))
		if _, err := w.svc.ExtendAssignment(w.as(*w.ada), appA.AssignmentID, "", entitlement.Schedule{}); errCode(err) != "assignmentNotDelivered" {
			t.Fatalf("extension while delivering: %v", err)
		}
		// A reason the policy asks for.
		reasonPkg := w.pkg(w.cat, "Reasoned")
		reasonPol := w.policy(reasonPkg, func(p *entitlement.AssignmentPolicy) {
			p.CanExtend = true
			p.RequestApprovalSettings.IsRequestorJustificationRequired = true
		})
		reasonA := w.submit(w.as(*w.ada), entitlement.RequestInput{RequestType: entitlement.RequestUserAdd, AccessPackageID: reasonPkg.ID, PolicyID: reasonPol.ID, Justification: "because"})
		w.clock.Advance(time.Hour)
		if _, err := w.svc.ExtendAssignment(w.as(*w.ada), reasonA.AssignmentID, " ", entitlement.Schedule{}); errCode(err) != "justificationRequired" {
			t.Fatalf("extension without the reason: %v", err)
		}
		// The policy is gone.
		w.update(func(tx entitlement.Tx) error { return tx.Policies().Delete(ext.ID) })
		if _, err := w.svc.ExtendAssignment(w.as(*w.ada), extA.AssignmentID, "", entitlement.Schedule{}); errCode(err) != "policyDeleted" {
			t.Fatalf("extension through a deleted policy: %v", err)
		}
		// A guest holding access, directly assigned, in a catalog closed to external users.
		internal := w.catalog("Internal", func(c *entitlement.Catalog) { c.IsExternallyVisible = false }, withCatalogRole(entitlement.RoleAssignmentManager, *w.carol))
		inPkg := w.pkg(internal, "Internal")
		inPol := w.policy(inPkg, scope(entitlement.ScopeAllExistingDirectorySubjects), func(p *entitlement.AssignmentPolicy) { p.CanExtend = true })
		inA := w.submit(w.as(*w.carol), entitlement.RequestInput{RequestType: entitlement.RequestAdminAdd, AccessPackageID: inPkg.ID, PolicyID: inPol.ID, TargetID: w.eve.ID})
		w.clock.Advance(time.Hour)
		if _, err := w.svc.ExtendAssignment(w.as(*w.eve), inA.AssignmentID, "", entitlement.Schedule{}); errCode(err) != "externalNotAllowed" {
			t.Fatalf("guest extension in an internal catalog: %v", err)
		}
		// Out of scope now: Ada is no longer a member but a guest.
		ada := *w.ada
		ada.UserType = entitlement.UserTypeGuest
		w.update(func(tx entitlement.Tx) error { return tx.Users().Put(ada) })
		if _, err := w.svc.ExtendAssignment(w.as(ada), reasonA.AssignmentID, "still needed", entitlement.Schedule{}); errCode(err) != "notInScope" {
			t.Fatalf("out of scope: %v", err)
		}
	})
}

// TestExternalUserLifecycle: a guest whose last assignment ends is blocked, and deleted
// daysUntilExternalUserDeletedAfterBlocked later; a new assignment lifts the block.
func TestExternalUserLifecycle(t *testing.T) {
	setup := func(t *testing.T, action string, days int) (*world, entitlement.User, entitlement.AssignmentPolicy, entitlement.AssignmentPolicy) {
		w := newWorld(t)
		w.settings(func(s *entitlement.Settings) {
			s.ExternalUserLifecycleAction = action
			s.DaysUntilExternalUserDeletedAfterBlocked = days
		})
		guestPol := w.policy(w.teamPkg, scope(entitlement.ScopeAllConfiguredConnectedOrgs), func(p *entitlement.AssignmentPolicy) { p.DurationInDays = 10 })
		second := w.pkg(w.cat, "Second", member(w.teamRes))
		secondPol := w.policy(second, scope(entitlement.ScopeSpecificConnectedOrgSubjects, orgSet(w.partner)), func(p *entitlement.AssignmentPolicy) { p.DurationInDays = 20 })
		return w, *w.eve, guestPol, secondPol
	}
	t.Run("block then delete", func(t *testing.T) {
		w, eve, pol, secondPol := setup(t, entitlement.LifecycleBlockSignInAndDelete, 30)
		wk := w.worker(entitlement.WorkerOptions{})
		w.requestAccess(eve, pol)
		w.requestAccess(eve, secondPol)
		w.clock.Advance(10 * 24 * time.Hour)
		w.drain(wk)
		if u, _ := w.userRecord(eve.ID); !u.AccountEnabled {
			t.Fatal("blocked while another assignment is live")
		}
		if !w.isMember(w.team, eve) {
			t.Fatal("membership lost while the second package still grants it")
		}
		w.clock.Advance(10 * 24 * time.Hour)
		w.drain(wk)
		blockedAt := w.clock.Now()
		u, ok := w.userRecord(eve.ID)
		if !ok || u.AccountEnabled || u.BlockedDateTime == nil || !u.BlockedDateTime.Equal(blockedAt) {
			t.Fatalf("after the last assignment: %+v", u)
		}
		if _, err := w.svc.PrincipalFor(context.Background(), eve.ID); !errors.Is(err, entitlement.ErrUnauthorized) {
			t.Fatalf("a blocked guest can still act: %v", err)
		}
		w.clock.Set(blockedAt.Add(30*24*time.Hour - time.Minute))
		if res, err := wk.Tick(ctxBG); err != nil || res.GuestsDeleted != 0 {
			t.Fatalf("deleted early: %+v %v", res, err)
		}
		w.clock.Set(blockedAt.Add(30 * 24 * time.Hour))
		if res, err := wk.Tick(ctxBG); err != nil || res.GuestsDeleted != 1 {
			t.Fatalf("not deleted: %+v %v", res, err)
		}
		if _, ok := w.userRecord(eve.ID); ok {
			t.Fatal("guest still exists")
		}
		if res, _ := wk.Tick(ctxBG); res.GuestsDeleted != 0 {
			t.Fatal("second tick deleted again")
		}
		audit, err := w.auditActions()
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(audit, "user.block") || !slices.Contains(audit, "user.delete") {
			t.Fatalf("audit %v lacks block and delete", audit)
		}
		checkInvariants(t, w.st)
	})
	t.Run("block only", func(t *testing.T) {
		w, eve, pol, _ := setup(t, entitlement.LifecycleBlockSignIn, 1)
		add := w.requestAccess(eve, pol)
		removeAs(w.engineFixture, eve, w.assignment(add.AssignmentID))
		if u, _ := w.userRecord(eve.ID); u.AccountEnabled {
			t.Fatal("not blocked")
		}
		w.clock.Advance(400 * 24 * time.Hour)
		w.drain(w.worker(entitlement.WorkerOptions{}))
		if _, ok := w.userRecord(eve.ID); !ok {
			t.Fatal("deleted although the setting only blocks")
		}
	})
	t.Run("none", func(t *testing.T) {
		w, eve, pol, _ := setup(t, entitlement.LifecycleNone, 1)
		add := w.requestAccess(eve, pol)
		removeAs(w.engineFixture, eve, w.assignment(add.AssignmentID))
		if u, _ := w.userRecord(eve.ID); !u.AccountEnabled {
			t.Fatal("blocked although the setting says none")
		}
	})
	t.Run("members are never blocked", func(t *testing.T) {
		w, _, _, _ := setup(t, entitlement.LifecycleBlockSignInAndDelete, 0)
		add := w.requestAccess(*w.ada, w.open)
		removeAs(w.engineFixture, *w.ada, w.assignment(add.AssignmentID))
		if u, _ := w.userRecord(w.ada.ID); !u.AccountEnabled {
			t.Fatal("a member was blocked")
		}
	})
	t.Run("a new assignment lifts the block", func(t *testing.T) {
		w, eve, pol, _ := setup(t, entitlement.LifecycleBlockSignInAndDelete, 5)
		add := w.requestAccess(eve, pol)
		removeAs(w.engineFixture, eve, w.assignment(add.AssignmentID))
		if u, _ := w.userRecord(eve.ID); u.AccountEnabled {
			t.Fatal("not blocked")
		}
		w.submit(w.as(*w.carol), entitlement.RequestInput{RequestType: entitlement.RequestAdminAdd, AccessPackageID: w.teamPkg.ID, PolicyID: w.direct.ID, TargetID: eve.ID})
		if u, _ := w.userRecord(eve.ID); !u.AccountEnabled || u.BlockedDateTime != nil {
			t.Fatalf("still blocked after a new assignment: %+v", u)
		}
		w.clock.Advance(6 * 24 * time.Hour)
		w.drain(w.worker(entitlement.WorkerOptions{}))
		if _, ok := w.userRecord(eve.ID); !ok {
			t.Fatal("deleted although unblocked")
		}
		checkInvariants(t, w.st)
	})
}

func (f *engineFixture) auditActions() ([]string, error) {
	var out []string
	err := f.st.View(context.Background(), func(tx entitlement.Tx) error {
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
		pkg := w.pkg(w.cat, "Ledger users", grant{w.app, "User"}, member(w.teamRes))
		return w, pkg, w.policy(pkg)
	}
	t.Run("retried with backoff, then delivered", func(t *testing.T) {
		w, _, pol := setup(t)
		prov := &flakyProvisioner{failFor: 2}
		wk := w.worker(entitlement.WorkerOptions{Provisioner: prov, RetryBase: time.Minute, MaxAttempts: 5})
		r := w.requestAccess(*w.ada, pol)
		if r.RequestState != entitlement.StateDelivering {
			t.Fatalf("state %s; want Delivering while the application role is provisioned", r.RequestState)
		}
		if !w.isMember(w.team, *w.ada) {
			t.Fatal("the group membership waited for the application")
		}
		checkInvariants(t, w.st)
		res, err := wk.Tick(ctxBG)
		if err != nil || res.OutboxRetried != 1 {
			t.Fatalf("first tick %+v %v", res, err)
		}
		var msg entitlement.OutboxMessage
		for _, m := range w.outboxMessages() {
			if m.Kind == entitlement.OutboxProvision {
				msg = m
			}
		}
		if msg.Attempts != 1 || !strings.Contains(msg.LastError, "connector unavailable") || !msg.NextAttempt.Equal(w.clock.Now().Add(time.Minute)) {
			t.Fatalf("after one failure %+v", msg)
		}
		// Not due yet: nothing happens.
		if res, _ := wk.Tick(ctxBG); res.OutboxRetried+res.OutboxDelivered != 0 {
			t.Fatal("retried before the backoff")
		}
		w.clock.Advance(time.Minute)
		if res, _ := wk.Tick(ctxBG); res.OutboxRetried != 1 {
			t.Fatal("second attempt did not run")
		}
		w.clock.Advance(time.Minute) // second backoff is 2 minutes
		if res, _ := wk.Tick(ctxBG); res.OutboxRetried+res.OutboxDelivered != 0 {
			t.Fatal("backoff did not double")
		}
		w.clock.Advance(time.Minute)
		if res, _ := wk.Tick(ctxBG); res.OutboxDelivered < 1 {
			t.Fatal("third attempt did not deliver")
		}
		r = w.request(r.ID)
		a := w.assignment(r.AssignmentID)
		if r.RequestState != entitlement.StateDelivered || a.AssignmentState != entitlement.AssignmentDelivered {
			t.Fatalf("after provisioning: %s / %s", r.RequestState, a.AssignmentState)
		}
		roles, err := w.svc.AssignmentRolesOf(w.as(*w.ada), a.ID)
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
		checkInvariants(t, w.st)

		// Removal deprovisions through the outbox too; the role goes once that succeeds.
		removeAs(w.engineFixture, *w.ada, a)
		checkInvariants(t, w.st)
		for range 3 { // the removal fails twice too, then succeeds
			w.clock.Advance(10 * time.Minute)
			w.drain(wk)
		}
		var left []entitlement.AssignmentResourceRole
		w.view(func(tx entitlement.Tx) error { left, err = tx.AssignmentRoles().BySubject(w.ada.ID); return err })
		if len(left) != 0 {
			t.Fatalf("roles left after deprovisioning: %+v", left)
		}
		if last := prov.log[len(prov.log)-1]; last.Op != entitlement.ProvisionRemove {
			t.Fatalf("last call %+v", last)
		}
		checkInvariants(t, w.st)
	})
	t.Run("gives up: partially delivered with the reason", func(t *testing.T) {
		w, _, pol := setup(t)
		prov := &flakyProvisioner{always: true}
		wk := w.worker(entitlement.WorkerOptions{Provisioner: prov, RetryBase: time.Second, MaxAttempts: 3})
		r := w.requestAccess(*w.ada, pol)
		for range 10 {
			w.clock.Advance(time.Minute)
			if _, err := wk.Tick(ctxBG); err != nil {
				t.Fatal(err)
			}
		}
		r = w.request(r.ID)
		if r.RequestState != entitlement.StatePartiallyDelivered || !strings.Contains(r.StatusDetail, "gave up after 3 attempts: connector unavailable") {
			t.Fatalf("request %s %q", r.RequestState, r.StatusDetail)
		}
		a := w.assignment(r.AssignmentID)
		if a.AssignmentState != entitlement.AssignmentDelivered || a.AssignmentStatus != entitlement.StatusPartiallyDelivered {
			t.Fatalf("assignment %s/%s", a.AssignmentState, a.AssignmentStatus)
		}
		if prov.calls[entitlement.ProvisionAdd+a.ResourceRoleIDs[0]] != 3 {
			t.Fatalf("calls %v", prov.calls)
		}
		var failed int
		for _, m := range w.outboxMessages() {
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
		if !w.isMember(w.team, *w.ada) {
			t.Fatal("the group role should still be delivered")
		}
		checkInvariants(t, w.st)
	})
	t.Run("removed before provisioned: the add stands down", func(t *testing.T) {
		w, _, pol := setup(t)
		prov := &flakyProvisioner{}
		wk := w.worker(entitlement.WorkerOptions{Provisioner: prov})
		r := w.requestAccess(*w.ada, pol)
		removeAs(w.engineFixture, *w.ada, w.assignment(r.AssignmentID))
		if got := w.request(r.ID); got.RequestState != entitlement.StatePartiallyDelivered {
			t.Fatalf("delivering request after removal: %s", got.RequestState)
		}
		w.drain(wk)
		if len(prov.log) != 1 || prov.log[0].Op != entitlement.ProvisionRemove {
			t.Fatalf("calls %+v; want only the removal", prov.log)
		}
		checkInvariants(t, w.st)
	})
	t.Run("default manual connector records success", func(t *testing.T) {
		w, _, pol := setup(t)
		r := w.requestAccess(*w.ada, pol)
		w.drain(w.worker(entitlement.WorkerOptions{}))
		if got := w.request(r.ID); got.RequestState != entitlement.StateDelivered {
			t.Fatalf("state %s", got.RequestState)
		}
		for _, m := range w.outboxMessages() {
			if m.DeliveredAt == nil {
				t.Fatalf("message %s %s not delivered", m.Kind, m.Topic)
			}
		}
	})
}
