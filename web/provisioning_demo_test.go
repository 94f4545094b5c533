package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
	"github.com/stewardhq/steward/demo"
	"github.com/stewardhq/steward/directory/slapdtest"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/store"
	"github.com/stewardhq/steward/web/webtest"
)

// The walk-through of docs/provisioning.md: on the demo organisation, Owen links the Engineering
// group to an LDAP group in a real slapd from the resource page and tests the connection; Avery
// requests the Engineering starter kit in the portal and appears in the LDAP group; the package's
// GitHub role waits for Owen's task, and the request is delivered when he marks it done.
func TestDemoEngineeringGroupLinkedToLDAP(t *testing.T) {
	slapd := slapdtest.Start(t, slapdtest.Options{
		People: []slapdtest.Person{{UID: "avery", CN: "Avery Approver", Mail: "approver@example.com"}},
		Groups: []slapdtest.Group{{CN: "engineering"}},
	})
	env := webtest.Start(t, webtest.Options{Users: adminUsers, Admins: []string{"admin@example.com"},
		Seed: func(ctx context.Context, svc *entitlement.Service, st *store.Store) error {
			return demo.Seed(ctx, svc, st)
		}})
	root := entitlement.WithPrincipal(context.Background(), entitlement.Principal{UserID: "root", Name: "Root", IsAdmin: true})
	cats, err := env.Svc.ListCatalogs(root, entitlement.ListOptions{Search: "Engineering"})
	if err != nil || len(cats.Items) == 0 {
		t.Fatalf("catalogs: %v", err)
	}
	resources, err := env.Svc.ListResources(root, cats.Items[0].ID, entitlement.ListOptions{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	var group entitlement.Resource
	for _, r := range resources.Items {
		if r.DisplayName == "Engineering" && r.OriginSystem == entitlement.OriginGroup {
			group = r
		}
	}
	if group.ID == "" {
		t.Fatal("no Engineering group in the Engineering catalog")
	}

	owen := env.Client(t)
	csrf := webtest.CSRF(t, env.SignIn(t, owen, "owner@example.com"))
	path := "/admin/resources/" + group.ID
	if _, page := env.Get(t, owen, path+"?kind=ldap"); !strings.Contains(page, `name="setting.groupDn"`) {
		t.Fatal("the LDAP settings are not offered for the group")
	}
	res, _ := env.PostForm(t, owen, path+"/connector", csrf, url.Values{"kind": {"ldap"},
		"setting.url": {slapd.URL}, "setting.bindDn": {slapd.BindDN}, "secret.bindPassword": {slapd.Password},
		"setting.baseDn": {slapd.PeopleDN}, "setting.userAttribute": {"mail"}, "setting.groupDn": {slapd.GroupDN("engineering")}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", res.StatusCode)
	}
	res, _ = env.PostForm(t, owen, path+"/connector/test", csrf, nil)
	if _, page := env.Get(t, owen, res.Header.Get("Location")); !strings.Contains(page, "The connection works.") {
		t.Fatal("Test connection did not say it works")
	}

	avery := env.Client(t)
	acsrf := webtest.CSRF(t, env.SignIn(t, avery, "approver@example.com"))
	actx := principalOf(t, env, "approver@example.com")
	pkgs, err := env.Svc.RequestablePackages(actx, entitlement.RequestableFilter{}, entitlement.ListOptions{Search: "starter", Limit: 50})
	if err != nil {
		t.Fatalf("requestable: %v", err)
	}
	var kit entitlement.RequestablePackage
	for _, p := range pkgs.Items {
		if p.Package.DisplayName == "Engineering starter kit" {
			kit = p
		}
	}
	if kit.Package.ID == "" {
		t.Fatal("Avery cannot request the Engineering starter kit")
	}
	res, body := env.PostForm(t, avery, "/access/packages/"+kit.Package.ID+"/request", acsrf, url.Values{"policyId": {kit.Policies[0].ID}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("request: %d %s", res.StatusCode, visibleErrors(body))
	}
	for range 3 {
		if _, err := env.Worker(t).Tick(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	entry, err := slapd.Conn(t).Search(ldap.NewSearchRequest(slapd.GroupDN("engineering"), ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 0, false, "(objectClass=*)", []string{"member"}, nil))
	if err != nil {
		t.Fatal(err)
	}
	if ms := entry.Entries[0].GetAttributeValues("member"); !containsFold(ms, slapd.PersonDN("avery")) {
		t.Fatalf("LDAP members %v, want Avery", ms)
	}
	reqs, err := env.Svc.MyRequests(actx, entitlement.RequestFilter{}, entitlement.ListOptions{})
	if err != nil || len(reqs.Items) != 1 {
		t.Fatalf("requests: %v", err)
	}
	r := reqs.Items[0]
	if _, page := env.Get(t, avery, "/access/requests/"+r.ID); !strings.Contains(page, "Waiting for manual fulfilment") {
		t.Fatal("the request does not say it waits for the GitHub task")
	}
	_, page := env.Get(t, owen, "/admin/tasks")
	if !strings.Contains(html.UnescapeString(page), "Give Avery Approver the Member role in GitHub Enterprise") {
		t.Fatal("Owen has no GitHub task")
	}
	tasks, err := env.Svc.ProvisionTasks(principalOf(t, env, "owner@example.com"), entitlement.TaskFilter{})
	if err != nil || len(tasks.Items) != 1 {
		t.Fatalf("tasks: %v", err)
	}
	env.PostForm(t, owen, "/admin/tasks/"+tasks.Items[0].ID+"/close", csrf, url.Values{"outcome": {"done"}})
	if got, _ := env.Svc.RequestByID(actx, r.ID); got.RequestState != entitlement.StateDelivered {
		t.Fatalf("request %s after the task", got.RequestState)
	}
	if _, page := env.Get(t, owen, path); !strings.Contains(page, "Avery Approver") {
		t.Error("the resource page's recent calls do not show the grant")
	}
	// Comparing with LDAP finds it in step; after someone removes Avery there by hand, it says
	// so and the repair puts Avery back.
	if _, page := env.PostForm(t, owen, path+"/reconcile", csrf, nil); !strings.Contains(page, "In step: the target holds exactly the 1 grant Steward made.") {
		t.Fatal("the comparison does not say the group is in step")
	}
	mod := ldap.NewModifyRequest(slapd.GroupDN("engineering"), nil)
	mod.Delete("member", []string{slapd.PersonDN("avery")})
	if err := slapd.Conn(t).Modify(mod); err != nil {
		t.Fatal(err)
	}
	// Owen has it compared daily: a day later the worker finds Avery missing, keeps that for the
	// page and repairs nothing.
	if res, _ := env.PostForm(t, owen, path+"/reconcile/schedule", csrf, url.Values{"every": {"daily"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("schedule: %d", res.StatusCode)
	}
	if res, page := env.PostForm(t, owen, path+"/reconcile/schedule", csrf, url.Values{"every": {"hourly"}}); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Choose off, daily or weekly") {
		t.Fatalf("an unknown schedule: %d", res.StatusCode)
	}
	if _, page := env.Get(t, owen, path); !strings.Contains(page, `<option value="daily" selected`) || !strings.Contains(page, "Next comparison") {
		t.Fatal("the page does not show the daily schedule")
	}
	env.Clock.Advance(24*time.Hour + time.Minute)
	if res, err := env.Worker(t).Tick(context.Background()); err != nil || res.Reconciles != 1 {
		t.Fatalf("tick %+v %v, want one scheduled comparison", res, err)
	}
	entry, err = slapd.Conn(t).Search(ldap.NewSearchRequest(slapd.GroupDN("engineering"), ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 0, false, "(objectClass=*)", []string{"member"}, nil))
	if err != nil || containsFold(entry.Entries[0].GetAttributeValues("member"), slapd.PersonDN("avery")) {
		t.Fatalf("the scheduled comparison changed the group: %v", err)
	}
	owen = env.Client(t) // a day on, Owen signs in again
	csrf = webtest.CSRF(t, env.SignIn(t, owen, "owner@example.com"))
	_, page = env.Get(t, owen, path)
	if !strings.Contains(page, "0 not granted by Steward, 1 missing at the target") || !strings.Contains(page, `data-testid="last-compared"`) ||
		!strings.Contains(page, "Avery Approver (approver@example.com): Member") || !strings.Contains(page, `data-testid="repair"`) {
		t.Fatal("the page does not show the last scheduled comparison")
	}
	if !regexp.MustCompile(`Last compared <time [^>]+>[^<]+</time>: 0 not granted`).MatchString(page) {
		t.Fatalf("the last comparison's line: %s", page[strings.Index(page, `data-testid="last-compared"`):][:300])
	}
	for _, p := range a11yProblems(page) {
		t.Errorf("last comparison: %s", p)
	}
	_, page = env.PostForm(t, owen, path+"/reconcile", csrf, nil)
	if !strings.Contains(page, "Granted in Steward, missing at the target") || !strings.Contains(page, "Avery Approver (approver@example.com): Member") {
		t.Fatal("the comparison does not report Avery missing in LDAP")
	}
	for _, p := range a11yProblems(page) {
		t.Errorf("comparison: %s", p)
	}
	role := regexp.MustCompile(`name="role" value="([^"]+)"`).FindStringSubmatch(page)
	if role == nil {
		t.Fatal("no repair form")
	}
	if res, _ := env.PostForm(t, owen, path+"/reconcile/repair", csrf, url.Values{"role": {role[1]}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("repair: %d", res.StatusCode)
	}
	for range 2 {
		if _, err := env.Worker(t).Tick(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	entry, err = slapd.Conn(t).Search(ldap.NewSearchRequest(slapd.GroupDN("engineering"), ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 0, false, "(objectClass=*)", []string{"member"}, nil))
	if err != nil || !containsFold(entry.Entries[0].GetAttributeValues("member"), slapd.PersonDN("avery")) {
		t.Fatalf("after the repair: %v", err)
	}
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// principalOf is the signed-in context of the directory user with the address.
func principalOf(t *testing.T, env *webtest.Env, email string) context.Context {
	t.Helper()
	var u entitlement.User
	if err := env.Store.View(context.Background(), func(tx entitlement.Tx) error {
		var err error
		u, err = tx.Users().ByEmail(email)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return entitlement.WithPrincipal(context.Background(), entitlement.Principal{UserID: u.ID, Name: u.DisplayName, Email: u.Email})
}

// visibleErrors picks the text of the field errors out of a page, for a failure message.
func visibleErrors(page string) string {
	var out []string
	for _, m := range errorRe.FindAllStringSubmatch(page, -1) {
		out = append(out, strings.TrimSpace(tagRe.ReplaceAllString(m[1], "")))
	}
	return strings.Join(out, "; ")
}

var errorRe = regexp.MustCompile(`(?s)id="[^"]*-error"[^>]*>(.*?)</p>`)
