package web_test

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

// navTasksCount finds the admin navigation's Tasks item with a badge counting one.
var navTasksCount = regexp.MustCompile(`href="/admin/tasks"[^>]*>Tasks<span class="ml-2"><span[^>]*>\s*1\s*<span class="sr-only">waiting</span>`)

// ledgerPackage adds an application that no connector reaches to Owen's Finance catalog, with a
// package that grants its Maintainer role to anyone, without approval.
func ledgerPackage(t *testing.T, f *adminFixture) (entitlement.Resource, entitlement.AssignmentPolicy) {
	t.Helper()
	owner := f.ctxAs("owner@example.com")
	rr, err := f.env.Svc.AddResource(owner, f.finance.ID, entitlement.ResourceInput{OriginSystem: entitlement.OriginApplication, DisplayName: "Ledger", Roles: []string{"Maintainer"}})
	if err != nil {
		t.Fatal(err)
	}
	pkg, err := f.env.Svc.CreateAccessPackage(owner, entitlement.AccessPackageInput{CatalogID: f.finance.ID, DisplayName: "Ledger maintainers"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.env.Svc.AddRoleScope(owner, pkg.ID, rr.Resource.ID, rr.Resource.Roles[0].ID, ""); err != nil {
		t.Fatal(err)
	}
	pol, err := f.env.Svc.CreatePolicy(owner, entitlement.PolicyInput{
		AccessPackageID: pkg.ID, DisplayName: "Anyone", DurationInDays: 30,
		RequestorSettings: entitlement.RequestorSettings{ScopeType: entitlement.ScopeAllExistingDirectoryMembers, AcceptRequests: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	return rr.Resource, pol
}

// A manual role shows as waiting for manual fulfilment, the owner sees the task (with a badge),
// cannot mark it failed without a note, marks it done, and the request is delivered.
func TestManualTasksInThePortal(t *testing.T) {
	f := startAdmin(t)
	res, pol := ledgerPackage(t, f)
	riley := f.users["requester@example.com"]
	r, err := f.env.Svc.SubmitRequest(f.ctxAs("requester@example.com"), entitlement.RequestInput{RequestType: entitlement.RequestUserAdd, AccessPackageID: pol.AccessPackageID, PolicyID: pol.ID})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := f.env.Worker(t).Tick(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	rc, _ := f.signIn(t, "requester@example.com")
	if _, page := f.env.Get(t, rc, "/access/requests/"+r.ID); !strings.Contains(page, "Waiting for manual fulfilment") || strings.Contains(page, ">Delivered<") {
		t.Fatalf("the requestor's page does not say it waits for a person")
	}

	c, csrf := f.signIn(t, "owner@example.com")
	_, page := f.env.Get(t, c, "/admin")
	if !navTasksCount.MatchString(page) {
		t.Fatalf("the admin navigation has no Tasks item with its count")
	}
	_, page = f.env.Get(t, c, "/admin/tasks")
	sentence := "Give " + riley.DisplayName + " the Maintainer role in Ledger"
	if !strings.Contains(html.UnescapeString(page), sentence) {
		t.Fatalf("the tasks page lacks %q", sentence)
	}
	for _, p := range a11yProblems(page) {
		t.Errorf("tasks page: %s", p)
	}
	tasks, err := f.env.Svc.ProvisionTasks(f.ctxAs("owner@example.com"), entitlement.TaskFilter{})
	if err != nil || len(tasks.Items) != 1 {
		t.Fatalf("tasks %v %v", tasks.Items, err)
	}
	id := tasks.Items[0].ID
	back := "/admin/tasks?state=Open"
	resp, page := f.env.PostForm(t, c, "/admin/tasks/"+id+"/close", csrf, url.Values{"outcome": {"failed"}, "note": {""}, "return": {back}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Say why it could not be done") || !strings.Contains(page, `aria-invalid="true"`) {
		t.Fatalf("failed without a note: %d", resp.StatusCode)
	}
	resp, _ = f.env.PostForm(t, c, "/admin/tasks/"+id+"/close", csrf, url.Values{"outcome": {"done"}, "note": {"added by hand"}, "return": {back}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != back {
		t.Fatalf("done: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if got, _ := f.env.Svc.RequestByID(f.ctxAs("admin@example.com"), r.ID); got.RequestState != entitlement.StateDelivered {
		t.Fatalf("request %s after the task was done", got.RequestState)
	}
	// The resource's page links its tasks; someone without a role there gets no task list.
	if _, page := f.env.Get(t, c, "/admin/resources/"+res.ID); !strings.Contains(page, `href="/admin/tasks?resource=`+res.ID+`"`) {
		t.Error("the resource page does not link its tasks")
	}
	if resp, _ := f.env.Get(t, rc, "/admin/tasks"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a requester opened the tasks page: %d", resp.StatusCode)
	}
	// A catalog reader has admin pages but no Tasks link, and no tasks page by its address either.
	mona := f.users["manager@example.com"]
	if err := f.env.Svc.AddCatalogRoleMember(f.ctxAs("admin@example.com"), f.finance.ID, entitlement.CatalogRoleMember{Role: entitlement.RoleCatalogReader, PrincipalID: mona.ID, PrincipalType: entitlement.PrincipalUser}); err != nil {
		t.Fatal(err)
	}
	mc, _ := f.signIn(t, "manager@example.com")
	if resp, page := f.env.Get(t, mc, "/admin"); resp.StatusCode != http.StatusOK || strings.Contains(page, `href="/admin/tasks"`) {
		t.Errorf("a catalog reader's admin dashboard: %d, or it links the tasks", resp.StatusCode)
	}
	if resp, page := f.env.Get(t, mc, "/admin/tasks"); resp.StatusCode != http.StatusForbidden || !strings.Contains(page, "Tasks are for administrators and catalog owners.") {
		t.Errorf("a catalog reader opened the tasks page: %d", resp.StatusCode)
	}
}

// The owner configures a webhook connector on the resource page: a bad URL is a field error,
// the signing key is never shown again, and the callback route takes no cookie or CSRF token but
// refuses a wrong token.
func TestConnectorSettingsOnTheResourcePage(t *testing.T) {
	f := startAdmin(t)
	res, _ := ledgerPackage(t, f)
	c, csrf := f.signIn(t, "owner@example.com")
	path := "/admin/resources/" + res.ID
	_, page := f.env.Get(t, c, path+"?kind=webhook")
	if !strings.Contains(page, `name="setting.url"`) || !strings.Contains(page, `name="secret.hmacKey"`) {
		t.Fatal("the webhook settings are not offered")
	}
	for _, p := range a11yProblems(page) {
		t.Errorf("resource page: %s", p)
	}
	// The portal, not the browser, says what is missing: the form does not stop at the browser's
	// own checks, and a first webhook without its key comes back with a message at the field.
	if form := regexp.MustCompile(`<form[^>]*data-testid="connector-form"[^>]*>`).FindString(page); !strings.Contains(form, "novalidate") {
		t.Errorf("the connector form leaves the messages to the browser: %s", form)
	}
	if resp, page := f.env.PostForm(t, c, path+"/connector", csrf, url.Values{"kind": {"webhook"}, "setting.url": {"https://ledger.example.com/steward"}}); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `id="connector-hmacKey-error"`) {
		t.Errorf("a webhook without its key: %d", resp.StatusCode)
	}
	const key = "k3y-that-must-never-show-again"
	resp, page := f.env.PostForm(t, c, path+"/connector", csrf, url.Values{"kind": {"webhook"}, "setting.url": {"ftp://ledger"}, "secret.hmacKey": {key}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "full URL starting with https://") || strings.Contains(page, key) {
		t.Fatalf("bad URL: %d", resp.StatusCode)
	}
	resp, _ = f.env.PostForm(t, c, path+"/connector", csrf, url.Values{"kind": {"webhook"}, "setting.url": {"https://ledger.example.com/steward"}, "secret.hmacKey": {key}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", resp.StatusCode)
	}
	page = f.follow(t, c, resp)
	if strings.Contains(page, key) || !strings.Contains(page, "Saved; enter a new one to replace it.") || !strings.Contains(page, "https://ledger.example.com/steward") {
		t.Fatal("after saving, the page shows the key or does not say it is saved")
	}
	if rc, _ := f.signIn(t, "requester@example.com"); true {
		if resp, _ := f.env.Get(t, rc, path); resp.StatusCode != http.StatusForbidden {
			t.Errorf("a requester opened the resource page: %d", resp.StatusCode)
		}
	}
	cb, err := http.Post(f.env.URL+"/callbacks/provision/"+entitlement.NewID()+"?token=nope", "application/json", strings.NewReader(`{"status":"succeeded"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(cb.Body)
	cb.Body.Close()
	if cb.StatusCode != http.StatusForbidden || !strings.Contains(string(body), `"error"`) || !strings.Contains(cb.Header.Get("Content-Type"), "json") {
		t.Errorf("callback with a wrong token: %d %s", cb.StatusCode, body)
	}
}
