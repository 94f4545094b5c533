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

var scim = entitlement.WithSyncAgent(context.Background(), entitlement.SyncAgent{Source: entitlement.SourceSCIM, Name: "SCIM (Okta)"})

func syncUser(t *testing.T, e *entitlementtest.Env, in entitlement.SyncUserInput) (entitlement.User, entitlement.SyncOutcome) {
	t.Helper()
	u, o, err := e.Svc.SyncUser(scim, in)
	if err != nil {
		t.Fatalf("sync %s: %v", in.UserName, err)
	}
	return u, o
}

func auditOf(t *testing.T, e *entitlementtest.Env, objectID string) []string {
	t.Helper()
	var out []string
	e.View(func(tx entitlement.Tx) error {
		evs, err := entitlement.CollectAll(func(o entitlement.ListOptions) (entitlement.Page[entitlement.AuditEvent], error) {
			return tx.Audit().List(entitlement.AuditFilter{ObjectID: objectID}, o)
		})
		for _, ev := range evs {
			out = append(out, ev.Action+": "+ev.ActorName+": "+ev.Summary)
		}
		return err
	})
	return out
}

func TestSyncNeedsAnAgent(t *testing.T) {
	e := entitlementtest.New(t)
	admin := e.User("Admin")
	if _, _, err := e.Svc.SyncUser(entitlementtest.AsAdmin(admin), entitlement.SyncUserInput{UserName: "x@corp.example", Active: true}); !errors.Is(err, entitlement.ErrUnauthorized) {
		t.Fatalf("sync as a signed-in admin: err = %v, want ErrUnauthorized", err)
	}
}

func TestSyncedUserIsIdempotentAndReadOnly(t *testing.T) {
	e := entitlementtest.New(t)
	admin := e.User("Admin")
	in := entitlement.SyncUserInput{ExternalID: "okta-1", UserName: "ada@corp.example", DisplayName: "Ada", EmployeeNumber: "42", Active: true}
	u, o := syncUser(t, e, in)
	if o != entitlement.SyncCreated || u.Source != entitlement.SourceSCIM || u.ExternalID != "okta-1" || !u.IsSynced() {
		t.Fatalf("created = %+v, %s", u, o)
	}
	if _, o := syncUser(t, e, in); o != entitlement.SyncUnchanged {
		t.Fatalf("second sync = %s, want unchanged", o)
	}
	_, err := e.Svc.UpdateUser(entitlementtest.AsAdmin(admin), u.ID, entitlement.UserInput{DisplayName: "Ada L", Email: u.Email})
	if entitlementtest.ErrCode(err) != entitlement.CodeSyncedRecord || !strings.Contains(err.Error(), "SCIM provisioning") {
		t.Fatalf("portal edit of a synced user: %v", err)
	}
	ldap := entitlement.WithSyncAgent(context.Background(), entitlement.SyncAgent{Source: entitlement.SourceLDAP, Name: "LDAP import"})
	if _, _, err := e.Svc.SyncUser(ldap, entitlement.SyncUserInput{UserName: "ada@corp.example", DisplayName: "Ada", Active: true}); entitlementtest.ErrCode(err) != entitlement.CodeSyncedRecord {
		t.Fatalf("another source taking the user: %v", err)
	}
}

// A leaver is blocked and signed out, their open request is canceled, their access is removed as
// SystemRemove "left the organisation", and the approval waiting for them goes to the backup
// approver, all in one change the audit log shows.
func TestLeaverLosesEverythingInOneChange(t *testing.T) {
	e := entitlementtest.New(t)
	backup := e.User("Backup Approver")
	boss, _ := syncUser(t, e, entitlement.SyncUserInput{ExternalID: "boss", UserName: "boss@corp.example", DisplayName: "Boss", Active: true})
	ada, _ := syncUser(t, e, entitlement.SyncUserInput{ExternalID: "ada", UserName: "ada@corp.example", DisplayName: "Ada", ManagerExternalID: "boss", Active: true})
	bo, _ := syncUser(t, e, entitlement.SyncUserInput{ExternalID: "bo", UserName: "bo@corp.example", DisplayName: "Bo", ManagerExternalID: "boss", Active: true})
	if ada.ManagerID != boss.ID {
		t.Fatalf("manager by external id = %q, want %q", ada.ManagerID, boss.ID)
	}
	cat := e.Catalog("General")
	app := e.AppResource(cat, "Wiki", "Reader")
	open := e.Policy(e.Package(cat, "Wiki", entitlementtest.Role(app, "Reader")))
	backupSet := entitlementtest.Single(backup)
	backupSet.IsBackup = true
	approved := e.Policy(e.Package(cat, "Finance", entitlementtest.Role(app, "Reader")),
		entitlementtest.Approval(entitlementtest.ApprovalStage(7, entitlementtest.ManagerOf(1), backupSet)))

	e.RequestAccess(ada, open)
	pending := e.RequestAccess(ada, approved)
	waitingForBoss := e.RequestAccess(bo, approved)
	if !slices.Equal(waitingForBoss.PendingApprovers(), []string{boss.ID}) {
		t.Fatalf("approvers = %v, want the manager", waitingForBoss.PendingApprovers())
	}
	if _, err := e.Svc.StartSession(context.Background(), ada.ID); err != nil {
		t.Fatal(err)
	}

	if _, o := syncUser(t, e, entitlement.SyncUserInput{ExternalID: "ada", UserName: "ada@corp.example", DisplayName: "Ada", ManagerExternalID: "boss"}); o != entitlement.SyncBlocked {
		t.Fatalf("deactivation = %s, want blocked", o)
	}
	got, _ := e.UserRecord(ada.ID)
	if got.AccountEnabled || got.LeftDateTime == nil {
		t.Fatalf("leaver = %+v, want blocked and left", got)
	}
	e.View(func(tx entitlement.Tx) error {
		ss, err := tx.Sessions().ByUser(ada.ID)
		if len(ss) != 0 {
			t.Errorf("sessions left: %d", len(ss))
		}
		return err
	})
	if r := e.Request(pending.ID); r.RequestState != entitlement.StateCanceled {
		t.Errorf("open request state = %s, want canceled", r.RequestState)
	}
	var removal entitlement.Request
	e.View(func(tx entitlement.Tx) error {
		asgs, err := entitlement.CollectAll(func(o entitlement.ListOptions) (entitlement.Page[entitlement.Assignment], error) {
			return tx.Assignments().ByTarget(ada.ID, entitlement.AssignmentFilter{}, o)
		})
		for _, a := range asgs {
			if a.IsLive() {
				t.Errorf("assignment %s still live", a.ID)
			}
		}
		reqs, _ := entitlement.CollectAll(func(o entitlement.ListOptions) (entitlement.Page[entitlement.Request], error) {
			return tx.Requests().ByTarget(ada.ID, entitlement.RequestFilter{}, o)
		})
		for _, r := range reqs {
			if r.RequestType == entitlement.RequestSystemRemove {
				removal = r
			}
		}
		return err
	})
	if removal.Justification != entitlement.ReasonLeft {
		t.Errorf("removal = %+v, want SystemRemove %q", removal, entitlement.ReasonLeft)
	}
	if acts := auditOf(t, e, ada.ID); !slices.ContainsFunc(acts, func(s string) bool {
		return strings.HasPrefix(s, "user.leave: SCIM (Okta): left the organisation") && strings.Contains(s, "removed 1 assignment")
	}) {
		t.Errorf("audit of the leaver = %q", acts)
	}

	// The manager leaves: Bo's request goes to the backup approver.
	if err := e.Svc.SyncRemoveUser(scim, boss.ID); err != nil {
		t.Fatal(err)
	}
	if r := e.Request(waitingForBoss.ID); !slices.Equal(r.PendingApprovers(), []string{backup.ID}) || r.RequestState != entitlement.StatePendingApproval {
		t.Fatalf("after the manager left: %s, approvers %v, want the backup", r.RequestState, r.PendingApprovers())
	}
	if _, err := e.Svc.SyncedUser(scim, boss.ID); entitlementtest.ErrCode(err) != "userNotFound" {
		t.Errorf("removed user still visible to the source: %v", err)
	}
	entitlementtest.CheckInvariants(t, e.Store)
}

func TestNewManagerTakesOverApprovals(t *testing.T) {
	e := entitlementtest.New(t)
	old, _ := syncUser(t, e, entitlement.SyncUserInput{ExternalID: "m1", UserName: "m1@corp.example", DisplayName: "Old Boss", Active: true})
	nu, _ := syncUser(t, e, entitlement.SyncUserInput{ExternalID: "m2", UserName: "m2@corp.example", DisplayName: "New Boss", Active: true})
	ada, _ := syncUser(t, e, entitlement.SyncUserInput{ExternalID: "ada", UserName: "ada@corp.example", DisplayName: "Ada", ManagerID: old.ID, Active: true})
	cat := e.Catalog("General")
	app := e.AppResource(cat, "Wiki", "Reader")
	pol := e.Policy(e.Package(cat, "Wiki", entitlementtest.Role(app, "Reader")),
		entitlementtest.Approval(entitlementtest.ApprovalStage(7, entitlementtest.ManagerOf(1))))
	r := e.RequestAccess(ada, pol)
	syncUser(t, e, entitlement.SyncUserInput{ExternalID: "ada", UserName: "ada@corp.example", DisplayName: "Ada", ManagerID: nu.ID, Active: true})
	if got := e.Request(r.ID).PendingApprovers(); !slices.Equal(got, []string{nu.ID}) {
		t.Fatalf("approvers = %v, want the new manager", got)
	}
	if _, err := e.Svc.Decide(entitlementtest.As(old), r.ID, true, ""); err == nil {
		t.Fatal("the old manager could still decide")
	}
	e.Decide(nu, r, true)
}

// Leaving a synced group takes the person out of the policy's scope: they cannot extend, and
// lose the access where the policy says so. Sync never takes a membership an administrator gave.
func TestGroupMembershipFollowsTheSource(t *testing.T) {
	e := entitlementtest.New(t)
	admin := e.User("Admin")
	ada, _ := syncUser(t, e, entitlement.SyncUserInput{ExternalID: "ada", UserName: "ada@corp.example", DisplayName: "Ada", Active: true})
	bo, _ := syncUser(t, e, entitlement.SyncUserInput{ExternalID: "bo", UserName: "bo@corp.example", DisplayName: "Bo", Active: true})
	g, o, err := e.Svc.SyncGroup(scim, entitlement.SyncGroupInput{ExternalID: "eng", DisplayName: "Engineering", Members: []string{ada.ID, bo.ID}})
	if err != nil || o != entitlement.SyncCreated {
		t.Fatalf("sync group: %v %s", err, o)
	}
	if err := e.Svc.AddGroupMember(entitlementtest.AsAdmin(admin), g.ID, bo.ID); err != nil {
		t.Fatal(err)
	}
	cat := e.Catalog("General")
	app := e.AppResource(cat, "Wiki", "Reader")
	keep := e.Policy(e.Package(cat, "Wiki", entitlementtest.Role(app, "Reader")),
		entitlementtest.Scope(entitlement.ScopeSpecificDirectorySubjects, entitlementtest.GroupSet(g)),
		func(p *entitlement.AssignmentPolicy) { p.CanExtend = true })
	drop := e.Policy(e.Package(cat, "Build", entitlementtest.Role(app, "Reader")),
		entitlementtest.Scope(entitlement.ScopeSpecificDirectorySubjects, entitlementtest.GroupSet(g)),
		func(p *entitlement.AssignmentPolicy) { p.RequestorSettings.RemoveWhenOutOfScope = true })
	kept := e.RequestAccess(ada, keep)
	dropped := e.RequestAccess(ada, drop)
	boDropped := e.RequestAccess(bo, drop)
	e.Drain(e.Worker(entitlement.WorkerOptions{Provisioner: entitlementtest.Connected}))

	if _, o, err := e.Svc.SyncGroup(scim, entitlement.SyncGroupInput{ExternalID: "eng", DisplayName: "Engineering", Members: []string{}}); err != nil || o != entitlement.SyncChanged {
		t.Fatalf("empty the group: %v %s", err, o)
	}
	if e.IsMember(g, ada) || !e.IsMember(g, bo) {
		t.Fatalf("members after sync: ada %v, bo %v; want bo only (direct)", e.IsMember(g, ada), e.IsMember(g, bo))
	}
	if !e.Assignment(e.Request(kept.ID).AssignmentID).IsLive() {
		t.Error("the policy without removal took the access")
	}
	if a := e.Assignment(e.Request(dropped.ID).AssignmentID); a.IsLive() {
		t.Error("the policy with removal kept the access")
	}
	if !e.Assignment(e.Request(boDropped.ID).AssignmentID).IsLive() {
		t.Error("a direct member lost access")
	}
	e.Clock.Advance(25 * 24 * time.Hour)
	if _, err := e.Svc.ExtendAssignment(entitlementtest.As(ada), e.Request(kept.ID).AssignmentID, "", entitlement.Schedule{}); entitlementtest.ErrCode(err) != "notInScope" {
		t.Errorf("extend out of scope: %v", err)
	}
	// The portal cannot end a membership only the source gives.
	if _, _, err := e.Svc.SyncGroup(scim, entitlement.SyncGroupInput{ExternalID: "eng", DisplayName: "Engineering", Members: []string{ada.ID}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Svc.RemoveGroupMember(entitlementtest.AsAdmin(admin), g.ID, ada.ID); entitlementtest.ErrCode(err) != entitlement.CodeMembershipSynced {
		t.Errorf("portal removal of a synced membership: %v", err)
	}
	if _, err := e.Svc.UpdateGroup(entitlementtest.AsAdmin(admin), g.ID, entitlement.GroupInput{DisplayName: "Eng"}); entitlementtest.ErrCode(err) != entitlement.CodeSyncedRecord {
		t.Errorf("portal rename of a synced group: %v", err)
	}
	entitlementtest.CheckInvariants(t, e.Store)
}
