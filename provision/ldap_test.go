package provision_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
	"github.com/stewardhq/steward/directory/slapdtest"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
	"github.com/stewardhq/steward/provision"
)

// ldapTenant is Steward's Engineering group linked to cn=engineering in a real slapd, with a
// package granting its membership.
type ldapTenant struct {
	*entitlementtest.Env
	slapd *slapdtest.Server
	disp  *provision.Dispatcher
	wk    *entitlement.Worker
	admin entitlement.User
	team  entitlement.Group
	res   entitlement.Resource
	pol   entitlement.AssignmentPolicy
}

func newLDAPTenant(tb testing.TB, settings map[string]string, people ...slapdtest.Person) *ldapTenant {
	e := entitlementtest.New(tb)
	l := &ldapTenant{Env: e, admin: e.User("Ada Admin")}
	l.slapd = slapdtest.Start(tb, slapdtest.Options{People: people, Groups: []slapdtest.Group{{CN: "engineering"}}})
	cat := e.Catalog("Engineering")
	l.team = e.Group("Engineering")
	l.res = e.GroupResource(cat, l.team)
	l.pol = e.Policy(e.Package(cat, "Engineering members", entitlementtest.Member(l.res)))
	in := entitlement.ConnectorInput{Kind: entitlement.ConnectorLDAP, Settings: map[string]string{
		"url": l.slapd.URL, "bindDn": l.slapd.BindDN, "baseDn": l.slapd.PeopleDN, "groupDn": l.slapd.GroupDN("engineering"),
	}, Secrets: map[string]string{"bindPassword": l.slapd.Password}}
	for k, v := range settings {
		in.Settings[k] = v
	}
	if err := e.Svc.SaveConnector(entitlementtest.AsAdmin(l.admin), l.res.ID, in); err != nil {
		tb.Fatal(err)
	}
	l.disp = provision.New(e.Svc, provision.Options{Log: entitlementtest.Quiet})
	tb.Cleanup(l.disp.Close)
	l.wk = e.Worker(entitlement.WorkerOptions{Provisioner: l.disp, RetryBase: time.Minute, MaxAttempts: 2})
	return l
}

// members reads the LDAP group's member DNs, without the placeholder.
func (l *ldapTenant) members(tb testing.TB) []string {
	tb.Helper()
	res, err := l.slapd.Conn(tb).Search(ldap.NewSearchRequest(l.slapd.GroupDN("engineering"), ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 0, false, "(objectClass=*)", []string{"member"}, nil))
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, m := range res.Entries[0].GetAttributeValues("member") {
		if !strings.EqualFold(m, l.slapd.BaseDN) {
			out = append(out, strings.ToLower(m))
		}
	}
	slices.Sort(out)
	return out
}

// The person found by mail is added to the linked LDAP group when access is granted and
// removed when it ends; Steward's own group changes at once as before, and the request is
// delivered only once LDAP has the member.
func TestLDAPGroupFollowsTheSteward(t *testing.T) {
	l := newLDAPTenant(t, nil)
	riley := l.User("Riley Chen")
	l.slapd.AddPeople(t, slapdtest.Person{UID: "rchen", CN: "Riley Chen", Mail: riley.Email})
	r := l.RequestAccess(riley, l.pol)
	if !l.IsMember(l.team, riley) {
		t.Fatal("Steward's own group waited for LDAP")
	}
	if got := l.Request(r.ID); got.RequestState != entitlement.StateDelivering {
		t.Fatalf("request %s before LDAP has the member", got.RequestState)
	}
	l.Drain(l.wk)
	if got := l.Request(r.ID); got.RequestState != entitlement.StateDelivered {
		t.Fatalf("request %s %q", got.RequestState, got.StatusDetail)
	}
	want := strings.ToLower(l.slapd.PersonDN("rchen"))
	if got := l.members(t); !slices.Equal(got, []string{want}) {
		t.Fatalf("LDAP members %v, want %s", got, want)
	}
	a := l.Assignment(l.Request(r.ID).AssignmentID)
	l.Submit(entitlementtest.AsAdmin(l.admin), entitlement.RequestInput{RequestType: entitlement.RequestAdminRemove, AssignmentID: a.ID})
	if l.IsMember(l.team, riley) {
		t.Error("Steward's own group kept the member")
	}
	l.Drain(l.wk)
	if got := l.members(t); len(got) != 0 {
		t.Fatalf("LDAP members after the removal %v", got)
	}
	var roles []entitlement.AssignmentResourceRole
	l.View(func(tx entitlement.Tx) error {
		var err error
		roles, err = tx.AssignmentRoles().BySubject(riley.ID)
		return err
	})
	if len(roles) != 0 {
		t.Errorf("roles left %+v", roles)
	}
	entitlementtest.CheckInvariants(t, l.Store)
}

// Found by uid (the part of the address before the @) when so configured; somebody LDAP does not
// know ends Failed with a reason that names what was searched, and a task for the owners.
func TestLDAPFindsPeopleByUIDAndSaysWhoIsMissing(t *testing.T) {
	l := newLDAPTenant(t, map[string]string{"userAttribute": "uid"})
	dana := l.User("Dana Lee")
	local, _, _ := strings.Cut(dana.Email, "@")
	l.slapd.AddPeople(t, slapdtest.Person{UID: local, CN: "Dana Lee", Mail: "someone-else@corp.example"})
	omar := l.User("Omar Diaz")
	rd := l.RequestAccess(dana, l.pol)
	ro := l.RequestAccess(omar, l.pol)
	l.Drain(l.wk)
	l.Clock.Advance(10 * time.Minute)
	l.Drain(l.wk)
	if got := l.Request(rd.ID); got.RequestState != entitlement.StateDelivered {
		t.Fatalf("Dana's request %s %q", got.RequestState, got.StatusDetail)
	}
	if got := l.members(t); !slices.Equal(got, []string{strings.ToLower(l.slapd.PersonDN(local))}) {
		t.Fatalf("LDAP members %v", got)
	}
	got := l.Request(ro.ID)
	omarLocal, _, _ := strings.Cut(omar.Email, "@")
	if got.RequestState != entitlement.StatePartiallyDelivered || !strings.Contains(got.StatusDetail, "nobody with uid="+omarLocal) {
		t.Fatalf("Omar's request %s %q", got.RequestState, got.StatusDetail)
	}
	tasks, err := l.Svc.ProvisionTasks(entitlementtest.AsAdmin(l.admin), entitlement.TaskFilter{ResourceID: l.res.ID})
	if err != nil || len(tasks.Items) != 1 {
		t.Fatalf("tasks %+v %v", tasks.Items, err)
	}
}

// Test connection binds and reads the group, and says which setting is wrong.
func TestLDAPTestConnection(t *testing.T) {
	l := newLDAPTenant(t, nil)
	c, err := l.Svc.TestableConnector(entitlementtest.AsAdmin(l.admin), l.res.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.disp.Test(context.Background(), c); err != nil {
		t.Fatalf("test: %v", err)
	}
	bad := c
	bad.Secrets = map[string]string{"bindPassword": "not-the-password"}
	if err := l.disp.Test(context.Background(), bad); err == nil || !strings.Contains(err.Error(), "bind DN or password is wrong") {
		t.Errorf("wrong password: %v", err)
	}
	missing := c
	missing.Settings = map[string]string{"url": c.Settings["url"], "bindDn": c.Settings["bindDn"], "groupDn": "cn=nope," + l.slapd.GroupsDN}
	if err := l.disp.Test(context.Background(), missing); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing group: %v", err)
	}
	calls, _ := l.Svc.ConnectorCalls(entitlementtest.AsAdmin(l.admin), l.res.ID)
	if len(calls) != 3 || calls[0].OK || !calls[2].OK {
		t.Errorf("connector log %+v", calls)
	}
	for _, call := range calls {
		if strings.Contains(call.Error, l.slapd.Password) {
			t.Errorf("the bind password reached the log: %q", call.Error)
		}
	}
}

// Reconciliation reports who is in the LDAP group without a grant and which grants are missing
// there; repairing sends the missing ones again and removes nobody.
func TestLDAPReconcileReportsAndRepairsOnlyWhenAsked(t *testing.T) {
	l := newLDAPTenant(t, nil)
	riley := l.User("Riley Chen")
	l.slapd.AddPeople(t, slapdtest.Person{UID: "rchen", Mail: riley.Email}, slapdtest.Person{UID: "stranger", Mail: "stranger@corp.example"})
	l.RequestAccess(riley, l.pol)
	l.Drain(l.wk)
	admin := entitlementtest.AsAdmin(l.admin)
	c, err := l.Svc.TestableConnector(admin, l.res.ID)
	if err != nil {
		t.Fatal(err)
	}
	granted, err := l.Svc.GrantedMembers(admin, l.res.ID)
	if err != nil || len(granted) != 1 {
		t.Fatalf("granted %+v %v", granted, err)
	}
	if drift, err := l.disp.Reconcile(context.Background(), c, granted); err != nil || len(drift.Missing)+len(drift.Unknown) != 0 {
		t.Fatalf("drift when in step: %+v %v", drift, err)
	}
	// Someone changes the group by hand: Riley out, a stranger in.
	mod := ldap.NewModifyRequest(l.slapd.GroupDN("engineering"), nil)
	mod.Delete("member", []string{l.slapd.PersonDN("rchen")})
	mod.Add("member", []string{l.slapd.PersonDN("stranger")})
	if err := l.slapd.Conn(t).Modify(mod); err != nil {
		t.Fatal(err)
	}
	drift, err := l.disp.Reconcile(context.Background(), c, granted)
	if err != nil {
		t.Fatal(err)
	}
	if len(drift.Missing) != 1 || drift.Missing[0].SubjectID != riley.ID || !slices.Equal(drift.Unknown, []string{"stranger@corp.example"}) {
		t.Fatalf("drift %+v", drift)
	}
	// Reporting changed nothing; repairing sends Riley's grant again and leaves the stranger.
	if got := l.members(t); !slices.Equal(got, []string{strings.ToLower(l.slapd.PersonDN("stranger"))}) {
		t.Fatalf("members after the report %v", got)
	}
	n, err := l.Svc.ResendGrants(admin, l.res.ID, []string{drift.Missing[0].RoleRecordID})
	if err != nil || n != 1 {
		t.Fatalf("resend: %d %v", n, err)
	}
	l.Drain(l.wk)
	want := []string{strings.ToLower(l.slapd.PersonDN("rchen")), strings.ToLower(l.slapd.PersonDN("stranger"))}
	if got := l.members(t); !slices.Equal(got, want) {
		t.Fatalf("members after the repair %v, want %v", got, want)
	}
	if _, err := l.Svc.GrantedMembers(entitlementtest.As(riley), l.res.ID); err == nil {
		t.Error("someone without a role read the granted members")
	}
	entitlementtest.CheckInvariants(t, l.Store)
}

// A daily comparison against a real slapd: a day after it is turned on the worker finds the
// stranger someone added by hand, keeps that, and changes nothing; with slapd gone the next
// day's result is the error, and the schedule goes on.
func TestLDAPScheduledComparisonReportsWithoutRepairing(t *testing.T) {
	l := newLDAPTenant(t, nil)
	riley := l.User("Riley Chen")
	l.slapd.AddPeople(t, slapdtest.Person{UID: "rchen", Mail: riley.Email}, slapdtest.Person{UID: "stranger", Mail: "stranger@corp.example"})
	l.RequestAccess(riley, l.pol)
	wk := l.Worker(entitlement.WorkerOptions{Provisioner: l.disp, Reconciler: l.disp, RetryBase: time.Minute, MaxAttempts: 2})
	l.Drain(wk)
	admin := entitlementtest.AsAdmin(l.admin)
	if err := l.Svc.SetReconcileSchedule(admin, l.res.ID, entitlement.ReconcileDaily); err != nil {
		t.Fatal(err)
	}
	l.slapd.AddMembers(t, "engineering", l.slapd.PersonDN("stranger"))
	before := l.members(t)
	l.Clock.Advance(24 * time.Hour)
	res, err := wk.Tick(context.Background())
	if err != nil || res.Reconciles != 1 {
		t.Fatalf("tick %+v %v", res, err)
	}
	c, err := l.Svc.ResourceConnector(admin, l.res.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r := c.LastReconcile; r == nil || r.Error != "" || r.Missing != 0 || r.Unknown != 1 || !slices.Equal(r.Drift.Unknown, []string{"stranger@corp.example"}) {
		t.Fatalf("last result %+v", c.LastReconcile)
	}
	if got := l.members(t); !slices.Equal(got, before) {
		t.Fatalf("members %v, were %v: the comparison changed the group", got, before)
	}
	l.slapd.Stop()
	l.Clock.Advance(24 * time.Hour)
	if res, err := wk.Tick(context.Background()); err != nil || res.Reconciles != 1 {
		t.Fatalf("tick with slapd gone %+v %v", res, err)
	}
	if c, err = l.Svc.ResourceConnector(admin, l.res.ID); err != nil || c.LastReconcile.Error == "" || c.NextReconcile == nil || !c.NextReconcile.After(l.Clock.Now()) {
		t.Fatalf("with slapd gone: %+v %v", c.LastReconcile, err)
	}
}
