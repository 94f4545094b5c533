package ldapsync_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/directory/ldapsync"
	"github.com/stewardhq/steward/directory/slapdtest"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

var admin = entitlementtest.RootAdmin

// env is a Steward over a real data file whose LDAP import reads the slapd.
type env struct {
	*entitlementtest.Env
	ldap *slapdtest.Server
}

func newEnv(t testing.TB, srv *slapdtest.Server) *env {
	e := &env{Env: entitlementtest.Open(t, entitlementtest.Options{Directory: ldapsync.Source{}}), ldap: srv}
	if err := e.Svc.SaveLDAPSettings(admin, settingsFor(srv), srv.Password); err != nil {
		t.Fatalf("save settings: %v", err)
	}
	return e
}

// settingsFor reads the test server as its reader, who needs the paging control beyond 500
// entries, like a real service account.
func settingsFor(srv *slapdtest.Server) entitlement.LDAPSettings {
	c := entitlement.DefaultLDAPSettings()
	c.URL, c.BindDN = srv.URL, srv.ReaderDN
	c.PeopleBaseDN, c.GroupsBaseDN = srv.PeopleDN, srv.GroupsDN
	c.Attributes.DisplayName = "cn"
	return c
}

func (e *env) run(t testing.TB, opt entitlement.DirectorySyncOptions) entitlement.DirectorySyncReport {
	t.Helper()
	r, err := e.Svc.RunDirectorySync(admin, opt)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return r
}

func (e *env) user(t testing.TB, s *slapdtest.Server, uid string) entitlement.User {
	t.Helper()
	var u entitlement.User
	e.View(func(tx entitlement.Tx) error {
		var err error
		u, err = tx.Users().ByExternalID(entitlement.SourceLDAP, s.PersonDN(uid))
		return err
	})
	return u
}

func (e *env) group(t testing.TB, s *slapdtest.Server, cn string) entitlement.Group {
	t.Helper()
	var g entitlement.Group
	e.View(func(tx entitlement.Tx) error {
		var err error
		g, err = tx.Groups().ByExternalID(entitlement.SourceLDAP, s.GroupDN(cn))
		return err
	})
	return g
}

// auditCount is the length of the audit chain: any change a run makes appends to it.
func (e *env) auditCount(t testing.TB) uint64 {
	t.Helper()
	var n uint64
	e.View(func(tx entitlement.Tx) error {
		h, err := tx.Audit().Head()
		n = h.Count
		return err
	})
	return n
}

func (e *env) auditActions(t testing.TB, objectID string) []string {
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

func TestFirstSyncThenNoChangeRunWritesNothing(t *testing.T) {
	people, groups := slapdtest.Generate(slapdtest.DefaultBaseDN, 3000, 60)
	srv := slapdtest.Start(t, slapdtest.Options{People: people, Groups: groups})
	e := newEnv(t, srv)

	r := e.run(t, entitlement.DirectorySyncOptions{})
	if r.Outcome != entitlement.RunCompleted || r.PeopleRead != 3000 || r.Created != 3000 || r.GroupsNew != 60 || r.MembersIn != 3000 || len(r.Errors) != 0 {
		t.Fatalf("first run = %+v", summary(r))
	}
	boss, p11 := e.user(t, srv, "p00002"), e.user(t, srv, "p00011")
	if p11.ManagerID != boss.ID || p11.Email != "p00011@example.test" || p11.DisplayName != "Person 11" || p11.EmployeeNumber != "100011" || !p11.IsSynced() {
		t.Fatalf("p00011 = %+v, want managed by p00002 (%s)", p11, boss.ID)
	}
	g := e.group(t, srv, "g0007")
	members := 0
	e.View(func(tx entitlement.Tx) error {
		for _, p := range groups[6].Members {
			uid := strings.TrimPrefix(strings.Split(p, ",")[0], "uid=")
			ok, err := tx.Groups().IsMember(g.ID, e.user(t, srv, uid).ID)
			if err != nil {
				return err
			}
			if ok {
				members++
			}
		}
		return nil
	})
	if members != 50 || g.DisplayName != "g0007" || g.Description != "Generated group 7" {
		t.Fatalf("g0007: %d of 50 members, %+v", members, g)
	}

	before := e.auditCount(t)
	again := e.run(t, entitlement.DirectorySyncOptions{})
	if again.Writes != 0 || again.Unchanged != 3000 || again.Created+again.Changed+again.Blocked+again.GroupsNew+again.GroupsMoved+again.GroupsGone != 0 {
		t.Fatalf("no-change run = %+v", summary(again))
	}
	if after := e.auditCount(t); after != before {
		t.Fatalf("no-change run appended %d audit events", after-before)
	}
	if u := e.user(t, srv, "p00011"); !u.ModifiedDateTime.Equal(p11.ModifiedDateTime) {
		t.Fatalf("no-change run touched p00011")
	}
	view, err := e.Svc.DirectorySync(admin)
	if err != nil {
		t.Fatal(err)
	}
	if len(view.Reports) != 2 || view.Reports[0].ID != again.ID || view.Reports[0].StartedBy != "Root Admin" || !view.HasPassword {
		t.Fatalf("kept reports = %d, newest %+v", len(view.Reports), view.Reports[0].ID)
	}
	entitlementtest.CheckInvariants(t, e.Store)
}

func summary(r entitlement.DirectorySyncReport) string {
	return fmt.Sprintf("%s %q read %d/%d created %d changed %d blocked %d unchanged %d groups +%d ~%d -%d members +%d -%d writes %d errors %q",
		r.Outcome, r.Message, r.PeopleRead, r.GroupsRead, r.Created, r.Changed, r.Blocked, r.Unchanged, r.GroupsNew, r.GroupsMoved, r.GroupsGone, r.MembersIn, r.MembersOut, r.Writes, r.Errors)
}

// A small directory: a boss, two managers and a few people, two groups.
func smallDirectory(t *testing.T, opts slapdtest.Options) (*slapdtest.Server, *env) {
	t.Helper()
	dn := func(uid string) string { return "uid=" + uid + ",ou=people," + slapdtest.DefaultBaseDN }
	opts.People = []slapdtest.Person{
		{UID: "boss", CN: "Boss", Mail: "boss@example.test"},
		{UID: "mia", CN: "Mia Manager", Mail: "mia@example.test", Manager: dn("boss")},
		{UID: "max", CN: "Max Manager", Mail: "max@example.test", Manager: dn("boss")},
		{UID: "ada", CN: "Ada Lovelace", Mail: "ada@example.test", Manager: dn("mia"), EmployeeNumber: "7"},
		{UID: "bo", CN: "Bo Berg", Mail: "bo@example.test", Manager: dn("mia")},
		{UID: "cy", CN: "Cy Chen", Mail: "cy@example.test", Manager: dn("max")},
		{UID: "di", CN: "Di Dunn", Mail: "di@example.test", Manager: dn("max")},
		{UID: "ed", CN: "Ed Eng", Mail: "ed@example.test", Manager: dn("max")},
		{UID: "fi", CN: "Fi Fox", Mail: "fi@example.test", Manager: dn("max")},
		{UID: "gus", CN: "Gus Gold", Mail: "gus@example.test", Manager: dn("max")},
		{UID: "hal", CN: "Hal Hart", Mail: "hal@example.test", Manager: dn("max")},
		{UID: "ivy", CN: "Ivy Ito", Mail: "ivy@example.test", Manager: dn("max")},
	}
	opts.Groups = []slapdtest.Group{
		{CN: "Engineering", Members: []string{dn("ada"), dn("bo"), dn("cy")}},
		{CN: "Finance", Description: "Money", Members: []string{dn("di")}},
	}
	srv := slapdtest.Start(t, opts)
	e := newEnv(t, srv)
	if r := e.run(t, entitlement.DirectorySyncOptions{}); r.Outcome != entitlement.RunCompleted || r.Created != 12 {
		t.Fatalf("first run: %s", summary(r))
	}
	return srv, e
}

func TestLeaverLosesAccessWithTheAuditTrail(t *testing.T) {
	srv, e := smallDirectory(t, slapdtest.Options{})
	ada := e.user(t, srv, "ada")
	cat := e.Catalog("General")
	app := e.AppResource(cat, "Wiki", "Reader")
	pol := e.Policy(e.Package(cat, "Wiki", entitlementtest.Role(app, "Reader")))
	req := e.RequestAccess(ada, pol)
	e.Drain(e.Worker(entitlement.WorkerOptions{}))
	if !e.Assignment(e.Request(req.ID).AssignmentID).IsLive() {
		t.Fatal("no live assignment to lose")
	}

	srv.RemoveMembers(t, "Engineering", srv.PersonDN("ada"))
	srv.Delete(t, srv.PersonDN("ada"))
	r := e.run(t, entitlement.DirectorySyncOptions{})
	if r.Outcome != entitlement.RunCompleted || r.Blocked != 1 || r.GroupsMoved != 1 || r.MembersOut != 1 {
		t.Fatalf("leaver run: %s", summary(r))
	}
	got, _ := e.UserRecord(ada.ID)
	if got.AccountEnabled || got.LeftDateTime == nil || !got.RemovedAtSource {
		t.Fatalf("leaver = %+v", got)
	}
	if a := e.Assignment(e.Request(req.ID).AssignmentID); a.IsLive() {
		t.Fatal("the leaver kept their access")
	}
	acts := e.auditActions(t, ada.ID)
	if !slices.ContainsFunc(acts, func(s string) bool {
		return strings.HasPrefix(s, "user.leave: LDAP import: left the organisation") && strings.Contains(s, "removed 1 assignment")
	}) {
		t.Fatalf("audit of the leaver = %q", acts)
	}
	if !slices.ContainsFunc(r.Details, func(s string) bool { return strings.Contains(s, "Ada Lovelace") && strings.Contains(s, "left") }) {
		t.Fatalf("details = %q", r.Details)
	}
	// Back in the directory: unblocked by the next run.
	srv.AddPeople(t, slapdtest.Person{UID: "ada", CN: "Ada Lovelace", Mail: "ada@example.test"})
	if r := e.run(t, entitlement.DirectorySyncOptions{}); r.Changed != 1 {
		t.Fatalf("rejoin run: %s", summary(r))
	}
	if got, _ := e.UserRecord(ada.ID); !got.AccountEnabled || got.LeftDateTime != nil {
		t.Fatalf("rejoined = %+v", got)
	}
	entitlementtest.CheckInvariants(t, e.Store)
}

func TestManagerChangeMovesWaitingApprovals(t *testing.T) {
	srv, e := smallDirectory(t, slapdtest.Options{})
	ada, mia, max := e.user(t, srv, "ada"), e.user(t, srv, "mia"), e.user(t, srv, "max")
	cat := e.Catalog("General")
	app := e.AppResource(cat, "Wiki", "Reader")
	pol := e.Policy(e.Package(cat, "Wiki", entitlementtest.Role(app, "Reader")),
		entitlementtest.Approval(entitlementtest.ApprovalStage(7, entitlementtest.ManagerOf(1))))
	req := e.RequestAccess(ada, pol)
	if got := req.PendingApprovers(); !slices.Equal(got, []string{mia.ID}) {
		t.Fatalf("approvers = %v, want Mia", got)
	}
	srv.Replace(t, srv.PersonDN("ada"), "manager", srv.PersonDN("max"))
	if r := e.run(t, entitlement.DirectorySyncOptions{}); r.Changed != 1 || r.Writes != 1 {
		t.Fatalf("mover run: %s", summary(r))
	}
	if got := e.Request(req.ID).PendingApprovers(); !slices.Equal(got, []string{max.ID}) {
		t.Fatalf("approvers after the move = %v, want Max", got)
	}
	e.Decide(max, req, true)
}

func TestGroupChangeAffectsScope(t *testing.T) {
	srv, e := smallDirectory(t, slapdtest.Options{})
	ada, cy := e.user(t, srv, "ada"), e.user(t, srv, "cy")
	eng := e.group(t, srv, "Engineering")
	cat := e.Catalog("General")
	app := e.AppResource(cat, "Build", "Runner")
	pol := e.Policy(e.Package(cat, "Build", entitlementtest.Role(app, "Runner")),
		entitlementtest.Scope(entitlement.ScopeSpecificDirectorySubjects, entitlementtest.GroupSet(eng)),
		func(p *entitlement.AssignmentPolicy) { p.RequestorSettings.RemoveWhenOutOfScope = true })
	adaReq, cyReq := e.RequestAccess(ada, pol), e.RequestAccess(cy, pol)
	e.Drain(e.Worker(entitlement.WorkerOptions{}))

	// Ed joins Engineering and may now request; Ada leaves it and loses the access.
	srv.AddMembers(t, "Engineering", srv.PersonDN("ed"))
	srv.RemoveMembers(t, "Engineering", srv.PersonDN("ada"))
	if r := e.run(t, entitlement.DirectorySyncOptions{}); r.GroupsMoved != 1 || r.MembersIn != 1 || r.MembersOut != 1 || r.Blocked != 0 {
		t.Fatalf("membership run: %s", summary(r))
	}
	if a := e.Assignment(e.Request(adaReq.ID).AssignmentID); a.IsLive() {
		t.Fatal("Ada kept the access after leaving the group")
	}
	if !e.Assignment(e.Request(cyReq.ID).AssignmentID).IsLive() {
		t.Fatal("Cy lost the access")
	}
	e.RequestAccess(e.user(t, srv, "ed"), pol)
	if _, err := e.Svc.SubmitRequest(entitlementtest.As(ada), entitlement.RequestInput{RequestType: entitlement.RequestUserAdd, AccessPackageID: pol.AccessPackageID, PolicyID: pol.ID}); err == nil {
		t.Fatal("Ada could still request after leaving the group")
	}
	// A group gone from the directory takes its synced members with it.
	srv.Delete(t, srv.GroupDN("Finance"))
	if r := e.run(t, entitlement.DirectorySyncOptions{}); r.GroupsGone != 1 {
		t.Fatalf("group removal run: %s", summary(r))
	}
	entitlementtest.CheckInvariants(t, e.Store)
}

func TestDryRunWritesNothing(t *testing.T) {
	srv, e := smallDirectory(t, slapdtest.Options{})
	srv.Delete(t, srv.PersonDN("ivy"))
	srv.Replace(t, srv.PersonDN("bo"), "cn", "Bo B. Berg")
	srv.AddPeople(t, slapdtest.Person{UID: "jo", CN: "Jo Jones", Mail: "jo@example.test"})
	before := e.auditCount(t)
	r := e.run(t, entitlement.DirectorySyncOptions{DryRun: true})
	if !r.DryRun || r.Created != 1 || r.Changed != 1 || r.Blocked != 1 || r.Writes != 0 {
		t.Fatalf("dry run: %s", summary(r))
	}
	if !slices.ContainsFunc(r.Details, func(s string) bool { return strings.Contains(s, `"Bo Berg" → "Bo B. Berg"`) }) {
		t.Fatalf("details = %q", r.Details)
	}
	if e.auditCount(t) != before {
		t.Fatal("the dry run wrote audit events")
	}
	if u := e.user(t, srv, "bo"); u.DisplayName != "Bo Berg" {
		t.Fatalf("the dry run renamed Bo: %q", u.DisplayName)
	}
	if u := e.user(t, srv, "ivy"); !u.AccountEnabled {
		t.Fatal("the dry run blocked Ivy")
	}
	view, _ := e.Svc.DirectorySync(admin)
	if len(view.Reports) != 1 {
		t.Fatalf("the dry run kept a report: %d reports", len(view.Reports))
	}
}

func TestGuardStopsARunThatBlocksTooMany(t *testing.T) {
	srv, e := smallDirectory(t, slapdtest.Options{})
	srv.Delete(t, srv.PersonDN("hal"), srv.PersonDN("ivy")) // 2 of 12: more than 10%
	before := e.auditCount(t)
	r := e.run(t, entitlement.DirectorySyncOptions{})
	if r.Outcome != entitlement.RunStopped || r.Writes != 0 || !strings.Contains(r.Message, "2 of the 12") {
		t.Fatalf("guarded run: %s", summary(r))
	}
	if e.auditCount(t) != before || !e.user(t, srv, "hal").AccountEnabled {
		t.Fatal("the stopped run changed something")
	}
	view, _ := e.Svc.DirectorySync(admin)
	if view.Reports[0].Outcome != entitlement.RunStopped {
		t.Fatalf("the stop is not reported: %+v", view.Reports[0].Outcome)
	}
	r = e.run(t, entitlement.DirectorySyncOptions{Force: true})
	if r.Outcome != entitlement.RunCompleted || r.Blocked != 2 || !r.Forced {
		t.Fatalf("forced run: %s", summary(r))
	}
	if e.user(t, srv, "hal").AccountEnabled {
		t.Fatal("Hal is not blocked after the forced run")
	}
}

func TestMemberOfAndLDAPS(t *testing.T) {
	srv, e := smallDirectory(t, slapdtest.Options{MemberOf: true, TLS: true})
	c := settingsFor(srv)
	c.URL = srv.LDAPSURL
	c.CACertificate = srv.CertificatePEM
	c.MembershipFrom = entitlement.MembershipMemberOf
	if err := e.Svc.SaveLDAPSettings(admin, c, ""); err != nil {
		t.Fatal(err)
	}
	srv.AddMembers(t, "Finance", srv.PersonDN("ada"))
	r := e.run(t, entitlement.DirectorySyncOptions{})
	if r.Outcome != entitlement.RunCompleted || r.GroupsMoved != 1 || r.MembersIn != 1 || r.Unchanged != 12 {
		t.Fatalf("memberOf over LDAPS: %s", summary(r))
	}
	if !e.IsMember(e.group(t, srv, "Finance"), e.user(t, srv, "ada")) {
		t.Fatal("Ada is not in Finance")
	}

	// StartTLS on the plain port works; without the CA certificate the connection is refused
	// with a message that says what to do.
	c.URL, c.StartTLS = srv.URL, true
	// The saved password goes only to the address it was saved for.
	if _, err := e.Svc.TestLDAPConnection(admin, c, ""); !strings.Contains(fieldMessage(err, "bindPassword"), "enter the bind password") {
		t.Fatalf("test of another address without a password: %v", err)
	}
	if res, err := e.Svc.TestLDAPConnection(admin, c, srv.Password); err != nil || len(res.People) != 5 || len(res.Groups) != 2 {
		t.Fatalf("StartTLS test = %+v, %v", res, err)
	}
	c.CACertificate = ""
	_, err := e.Svc.TestLDAPConnection(admin, c, srv.Password)
	if msg := fieldMessage(err, "caCertificate"); !strings.Contains(msg, "not trusted") {
		t.Fatalf("untrusted certificate: %v", err)
	}
}

func fieldMessage(err error, field string) string {
	var ve *entitlement.ValidationError
	if errors.As(err, &ve) {
		return ve.Fields[field]
	}
	return ""
}

func TestBadSettingsGiveClearErrors(t *testing.T) {
	srv := slapdtest.Start(t, slapdtest.Options{People: []slapdtest.Person{{UID: "ada", Mail: "ada@example.test"}}})
	e := newEnv(t, srv)
	good := settingsFor(srv)
	cases := []struct {
		name, field, want string
		edit              func(*entitlement.LDAPSettings)
		password          string
	}{
		{"wrong password", "bindPassword", "refused this bind DN and password", func(*entitlement.LDAPSettings) {}, "wrong"},
		{"no such base", "peopleBaseDN", "has no entry", func(c *entitlement.LDAPSettings) { c.PeopleBaseDN = "ou=nobody," + srv.BaseDN }, ""},
		{"bad filter", "peopleFilter", "filter", func(c *entitlement.LDAPSettings) { c.PeopleFilter = "(objectClass=inetOrgPerson" }, ""},
		{"not ldap", "url", "ldap://", func(c *entitlement.LDAPSettings) { c.URL = "http://example.test" }, ""},
		{"ldaps with StartTLS", "startTLS", "encrypted already", func(c *entitlement.LDAPSettings) { c.URL, c.StartTLS = "ldaps://127.0.0.1:1", true }, ""},
		{"StartTLS refused", "startTLS", "refused StartTLS", func(c *entitlement.LDAPSettings) { c.StartTLS = true }, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := good
			tc.edit(&c)
			_, err := e.Svc.TestLDAPConnection(admin, c, tc.password)
			if msg := fieldMessage(err, tc.field); !strings.Contains(msg, tc.want) {
				t.Fatalf("err = %v, want %s: %q", err, tc.field, tc.want)
			}
		})
	}

	// A saved password that the server refuses makes a failed run with the reason, not an error.
	bad := good
	if err := e.Svc.SaveLDAPSettings(admin, bad, "wrong"); err != nil {
		t.Fatal(err)
	}
	r := e.run(t, entitlement.DirectorySyncOptions{})
	if r.Outcome != entitlement.RunFailed || !strings.Contains(r.Message, "refused this bind DN and password") {
		t.Fatalf("run with a wrong password: %s", summary(r))
	}
	// An unreachable server: the same, in words rather than the dial's error.
	if err := e.Svc.SaveLDAPSettings(admin, good, srv.Password); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	r = e.run(t, entitlement.DirectorySyncOptions{})
	if r.Outcome != entitlement.RunFailed || !strings.Contains(r.Message, "could not connect") ||
		!strings.Contains(r.Message, "nothing answers at that address and port") || strings.Contains(r.Message, "dial tcp") {
		t.Fatalf("run against a stopped server: %s", summary(r))
	}
	// Only administrators run it.
	someone := e.User("Someone")
	if _, err := e.Svc.RunDirectorySync(entitlementtest.As(someone), entitlement.DirectorySyncOptions{}); !errors.Is(err, entitlement.ErrForbidden) {
		t.Fatalf("run by a non-admin: %v", err)
	}
}

func TestScheduledRunFollowsTheInterval(t *testing.T) {
	srv, e := smallDirectory(t, slapdtest.Options{})
	c := settingsFor(srv)
	c.IntervalMinutes = 60
	if err := e.Svc.SaveLDAPSettings(admin, c, ""); err != nil {
		t.Fatal(err)
	}
	srv.AddPeople(t, slapdtest.Person{UID: "jo", CN: "Jo Jones", Mail: "jo@example.test"})
	w := e.Worker(entitlement.WorkerOptions{})
	if res, err := w.Tick(context.Background()); err != nil || res.DirectorySyncs != 0 {
		t.Fatalf("tick before the interval: %+v, %v", res, err)
	}
	e.Clock.Advance(61 * time.Minute)
	if res, err := w.Tick(context.Background()); err != nil || res.DirectorySyncs != 1 {
		t.Fatalf("tick after the interval: %+v, %v", res, err)
	}
	view, _ := e.Svc.DirectorySync(admin)
	if r := view.Reports[0]; !r.Scheduled() || r.Created != 1 {
		t.Fatalf("scheduled report: %s", summary(r))
	}
}

// The bind password is sealed at rest: the store never holds it in plain text, and the run
// still binds with it.
func TestBindPasswordSealedAtRest(t *testing.T) {
	srv := slapdtest.Start(t)
	e := newEnv(t, srv)
	e.View(func(tx entitlement.Tx) error {
		st, err := tx.DirectorySync()
		if st.BindPassword == "" || strings.Contains(st.BindPassword, srv.Password) {
			t.Errorf("stored bind password = %q: not sealed", st.BindPassword)
		}
		return err
	})
	if r := e.run(t, entitlement.DirectorySyncOptions{}); r.Outcome != entitlement.RunCompleted {
		t.Fatalf("run with the sealed password: %s", summary(r))
	}
}
