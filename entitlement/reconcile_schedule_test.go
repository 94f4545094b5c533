package entitlement_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

// fakeReconciler stands in for the connectors' targets: it records the calls and answers with
// drift, or with err.
type fakeReconciler struct {
	mu      sync.Mutex
	calls   int
	granted []entitlement.GrantedMember
	unknown []string
	err     error
}

func (f *fakeReconciler) Reconcile(_ context.Context, c entitlement.Connector, granted []entitlement.GrantedMember) (entitlement.Drift, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	f.granted = granted
	if f.err != nil {
		return entitlement.Drift{}, f.err
	}
	if c.Secrets["bindPassword"] != "pw" {
		return entitlement.Drift{}, errors.New("the secret was not unsealed")
	}
	return entitlement.Drift{Unknown: f.unknown, Missing: granted}, nil
}

type scheduledTenant struct {
	*entitlementtest.Env
	admin entitlement.User
	owner entitlement.User
	res   entitlement.Resource
	pol   entitlement.AssignmentPolicy
}

func newScheduledTenant(t *testing.T) scheduledTenant {
	e := entitlementtest.New(t)
	st := scheduledTenant{Env: e, admin: e.User("Ada Admin"), owner: e.User("Owen Owner")}
	cat := e.Catalog("Engineering", func(c *entitlement.Catalog) {
		c.Roles = append(c.Roles, entitlement.CatalogRoleMember{Role: entitlement.RoleCatalogOwner, PrincipalID: st.owner.ID, PrincipalType: entitlement.PrincipalUser})
	})
	st.res = e.GroupResource(cat, e.Group("Engineering"))
	st.pol = e.Policy(e.Package(cat, "Engineering members", entitlementtest.Member(st.res)))
	in := entitlement.ConnectorInput{Kind: entitlement.ConnectorLDAP, Settings: map[string]string{
		"url": "ldap://ldap.corp.example", "bindDn": "cn=steward", "baseDn": "ou=people", "groupDn": "cn=engineering"},
		Secrets: map[string]string{"bindPassword": "pw"}}
	if err := e.Svc.SaveConnector(entitlementtest.AsAdmin(st.admin), st.res.ID, in); err != nil {
		t.Fatal(err)
	}
	return st
}

func (st scheduledTenant) connector(t *testing.T) entitlement.Connector {
	t.Helper()
	c, err := st.Svc.ResourceConnector(entitlementtest.AsAdmin(st.admin), st.res.ID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A daily comparison runs only once a day has passed, keeps what it found on the connector,
// repairs nothing, and is due again a day later.
func TestScheduledComparisonRunsWhenDueAndOnlyReports(t *testing.T) {
	st := newScheduledTenant(t)
	riley := st.User("Riley Chen")
	st.RequestAccess(riley, st.pol)
	fake := &fakeReconciler{unknown: []string{"stranger@corp.example"}}
	wk := st.Worker(entitlement.WorkerOptions{Reconciler: fake})
	st.Drain(wk)
	if err := st.Svc.SetReconcileSchedule(entitlementtest.AsAdmin(st.admin), st.res.ID, entitlement.ReconcileDaily); err != nil {
		t.Fatal(err)
	}
	st.Clock.Advance(23 * time.Hour)
	st.Drain(wk)
	if fake.calls != 0 || st.connector(t).LastReconcile != nil {
		t.Fatalf("compared before the day was up: %d calls", fake.calls)
	}
	outboxBefore := len(st.OutboxMessages())
	before, err := st.Svc.GrantedMembers(entitlementtest.AsAdmin(st.admin), st.res.ID)
	if err != nil || len(before) != 1 {
		t.Fatalf("granted %+v %v", before, err)
	}
	st.Clock.Advance(time.Hour)
	res, err := wk.Tick(context.Background())
	if err != nil || res.Reconciles != 1 || fake.calls != 1 {
		t.Fatalf("tick %+v %v, %d calls", res, err, fake.calls)
	}
	c := st.connector(t)
	last := c.LastReconcile
	if last == nil || !last.At.Equal(st.Clock.Now()) || last.Unknown != 1 || last.Missing != 1 || last.Granted != 1 || last.Error != "" ||
		len(last.Drift.Missing) != 1 || last.Drift.Missing[0].SubjectID != riley.ID || last.Drift.Unknown[0] != "stranger@corp.example" {
		t.Fatalf("last result %+v", last)
	}
	if want := st.Clock.Now().Add(24 * time.Hour); c.NextReconcile == nil || !c.NextReconcile.Equal(want) {
		t.Fatalf("next %v, want %v", c.NextReconcile, want)
	}
	// Nothing was repaired: the one new message tells the catalog's owner, and the role is as
	// it was.
	msgs := st.OutboxMessages()
	drift := st.Notifications(entitlement.NotifyTargetDrift)
	if len(msgs) != outboxBefore+1 || len(drift) != 1 {
		t.Fatalf("outbox %d (was %d), %d drift notifications", len(msgs), outboxBefore, len(drift))
	}
	var n entitlement.Notification
	if err := json.Unmarshal(drift[0].Payload, &n); err != nil || n.Recipient == nil || n.Recipient.UserID != st.owner.ID ||
		n.ResourceID != st.res.ID || n.Detail != "Engineering: 1 not granted by Steward, 1 missing at the target" {
		t.Fatalf("notification %+v %v", n, err)
	}
	if g, err := st.Svc.GrantedMembers(entitlementtest.AsAdmin(st.admin), st.res.ID); err != nil || g[0] != before[0] {
		t.Fatalf("granted after %+v %v", g, err)
	}
	st.Drain(wk)
	if fake.calls != 1 {
		t.Fatalf("%d calls: compared again before the next day", fake.calls)
	}
	// Turning it off drops it from the due ones but keeps the last result on the page.
	if err := st.Svc.SetReconcileSchedule(entitlementtest.AsAdmin(st.admin), st.res.ID, ""); err != nil {
		t.Fatal(err)
	}
	st.Clock.Advance(48 * time.Hour)
	st.Drain(wk)
	if c := st.connector(t); fake.calls != 1 || c.NextReconcile != nil || c.LastReconcile == nil {
		t.Fatalf("after off: %d calls, %+v", fake.calls, c)
	}
}

// A target that cannot be read is the result kept, and the schedule goes on; drift lines are
// bounded while the counts stay whole.
func TestScheduledComparisonKeepsATargetErrorAndBoundsTheLines(t *testing.T) {
	st := newScheduledTenant(t)
	fake := &fakeReconciler{err: errors.New("ldap: connection refused")}
	wk := st.Worker(entitlement.WorkerOptions{Reconciler: fake})
	if err := st.Svc.SetReconcileSchedule(entitlementtest.AsAdmin(st.admin), st.res.ID, entitlement.ReconcileWeekly); err != nil {
		t.Fatal(err)
	}
	st.Clock.Advance(6 * 24 * time.Hour)
	st.Drain(wk)
	if fake.calls != 0 {
		t.Fatal("a weekly comparison ran after six days")
	}
	st.Clock.Advance(24 * time.Hour)
	st.Drain(wk)
	c := st.connector(t)
	if c.LastReconcile == nil || c.LastReconcile.Error != "ldap: connection refused" || c.LastReconcile.Unknown != 0 {
		t.Fatalf("last %+v", c.LastReconcile)
	}
	if n := len(st.Notifications(entitlement.NotifyTargetDrift)); n != 0 {
		t.Fatalf("%d drift notifications for a target that could not be read", n)
	}
	if want := st.Clock.Now().Add(7 * 24 * time.Hour); !c.NextReconcile.Equal(want) {
		t.Fatalf("next %v, want %v", c.NextReconcile, want)
	}
	fake.err = nil
	for i := range 30 {
		fake.unknown = append(fake.unknown, fmt.Sprintf("p%02d@corp.example", i))
	}
	st.Clock.Advance(7 * 24 * time.Hour)
	st.Drain(wk)
	last := st.connector(t).LastReconcile
	if last.Error != "" || last.Unknown != 30 || len(last.Drift.Unknown) != entitlement.MaxDriftLines {
		t.Fatalf("last %+v", last)
	}
}

// Only a connector that can list the target's members may be scheduled, with a known interval,
// by someone who manages the catalog; saving the settings again keeps the schedule.
func TestReconcileScheduleIsChecked(t *testing.T) {
	st := newScheduledTenant(t)
	admin := entitlementtest.AsAdmin(st.admin)
	if err := st.Svc.SetReconcileSchedule(admin, st.res.ID, "hourly"); entitlementtest.ErrCode(err) != "invalidSchedule" {
		t.Errorf("hourly: %v", err)
	}
	if err := st.Svc.SetReconcileSchedule(entitlementtest.As(st.User("Riley Chen")), st.res.ID, entitlement.ReconcileDaily); !errors.Is(err, entitlement.ErrForbidden) {
		t.Errorf("someone else: %v", err)
	}
	if err := st.Svc.SetReconcileSchedule(admin, st.res.ID, entitlement.ReconcileDaily); err != nil {
		t.Fatal(err)
	}
	in := entitlement.ConnectorInput{Kind: entitlement.ConnectorLDAP, Settings: map[string]string{
		"url": "ldap://ldap2.corp.example", "bindDn": "cn=steward", "baseDn": "ou=people", "groupDn": "cn=engineering"}}
	if err := st.Svc.SaveConnector(admin, st.res.ID, in); err != nil {
		t.Fatal(err)
	}
	if c := st.connector(t); c.ReconcileEvery != entitlement.ReconcileDaily || c.NextReconcile == nil {
		t.Fatalf("saving again dropped the schedule: %+v", c)
	}
	if err := st.Svc.SaveConnector(admin, st.res.ID, entitlement.ConnectorInput{Kind: entitlement.ConnectorManual}); err != nil {
		t.Fatal(err)
	}
	if c := st.connector(t); c.ReconcileEvery != "" || c.NextReconcile != nil {
		t.Fatalf("a manual connector kept the schedule: %+v", c)
	}
	if err := st.Svc.SetReconcileSchedule(admin, st.res.ID, entitlement.ReconcileDaily); entitlementtest.ErrCode(err) != "invalidSchedule" {
		t.Errorf("manual: %v", err)
	}
}
