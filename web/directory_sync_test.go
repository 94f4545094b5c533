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

	"github.com/chromedp/chromedp"
	"github.com/stewardhq/steward/directory/ldapsync"
	"github.com/stewardhq/steward/directory/slapdtest"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/store"
	"github.com/stewardhq/steward/web/browsertest"
	"github.com/stewardhq/steward/web/webtest"
)

// syncDirectory is a small LDAP directory: ten people in one group.
func syncDirectory(t *testing.T) *slapdtest.Server {
	t.Helper()
	people, groups := slapdtest.Generate(slapdtest.DefaultBaseDN, 10, 1)
	return slapdtest.Start(t, slapdtest.Options{People: people, Groups: groups})
}

func startDirectorySync(t *testing.T) *webtest.Env {
	t.Helper()
	return webtest.Start(t, webtest.Options{
		Users: adminUsers, Admins: []string{"admin@example.com"}, Directory: ldapsync.Source{},
		Seed: func(ctx context.Context, svc *entitlement.Service, _ *store.Store) error {
			_, err := svc.SignIn(ctx, entitlement.Claims{Issuer: "seed", Subject: "seed-riley", Email: "requester@example.com", Name: "Riley Requester"})
			return err
		},
	})
}

// ldapForm is the settings form filled in for the test directory.
func ldapForm(srv *slapdtest.Server, action, password string) url.Values {
	return url.Values{
		"action": {action}, "url": {srv.URL}, "bindDN": {srv.ReaderDN}, "bindPassword": {password},
		"peopleBaseDN": {srv.PeopleDN}, "peopleFilter": {"(objectClass=inetOrgPerson)"},
		"groupsBaseDN": {srv.GroupsDN}, "groupsFilter": {"(objectClass=groupOfNames)"}, "membershipFrom": {"member"},
		"attr.email": {"mail"}, "attr.displayName": {"cn"}, "attr.manager": {"manager"}, "attr.employeeNumber": {"employeeNumber"},
		"attr.groupName": {"cn"}, "attr.groupDescription": {"description"}, "attr.member": {"member"},
		"maxBlockPercent": {"10"}, "intervalMinutes": {"0"},
	}
}

var syncFieldErrorRe = regexp.MustCompile(`(?s)id="([\w.]+)-error"[^>]*>.*?<span>([^<]*)</span>`)

// fieldError returns the message shown under a field.
func syncFieldError(page, field string) string {
	for _, m := range syncFieldErrorRe.FindAllStringSubmatch(page, -1) {
		if m[1] == field {
			return html.UnescapeString(m[2])
		}
	}
	return ""
}

// syncProgress asks for the run's progress as the page's htmx polling does.
func syncProgress(t *testing.T, env *webtest.Env, c *http.Client) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, env.URL+"/admin/directory-sync/progress", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("HX-Request", "true")
	return env.Follow(t, c, req)
}

// waitSyncEnded polls the progress as the page does until the run has ended, then returns the
// page as loaded afresh (the ended run's fragment loads its Runs card).
func waitSyncEnded(t *testing.T, env *webtest.Env, c *http.Client) string {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		res, frag := syncProgress(t, env, c)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("progress = %d", res.StatusCode)
		}
		if strings.Contains(frag, `data-finished="true"`) {
			if strings.Contains(frag, "every 2s") || !strings.Contains(frag, `hx-select="#sync-runs"`) || !strings.Contains(frag, `hx-trigger="load"`) {
				t.Fatalf("the ended run's fragment still polls, or does not load the Runs card: %s", frag)
			}
			_, page := env.Get(t, c, "/admin/directory-sync")
			if strings.Contains(page, `data-testid="sync-progress"`) {
				t.Fatal("the page shows a run under way after it ended")
			}
			return page
		}
	}
	t.Fatal("the run did not end")
	return ""
}

func TestDirectorySyncPage(t *testing.T) {
	srv := syncDirectory(t)
	env := startDirectorySync(t)
	c := env.Client(t)
	csrf := webtest.CSRF(t, env.SignIn(t, c, "admin@example.com"))

	res, page := env.Get(t, c, "/admin/directory-sync")
	if res.StatusCode != http.StatusOK || !strings.Contains(page, `href="/admin/directory-sync"`) || !strings.Contains(page, "Not set up yet") {
		t.Fatalf("GET = %d, nav link or empty state missing", res.StatusCode)
	}

	// Test connection tries the values as typed, and says what is wrong beside the field.
	res, page = env.PostForm(t, c, "/admin/directory-sync", csrf, ldapForm(srv, "test", "wrong"))
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(syncFieldError(page, "bindPassword"), "The server refused this bind DN and password.") {
		t.Fatalf("test with a wrong password = %d, message %q", res.StatusCode, syncFieldError(page, "bindPassword"))
	}
	if strings.Contains(page, `value="wrong"`) {
		t.Fatal("the page shows the password that was typed")
	}
	res, page = env.PostForm(t, c, "/admin/directory-sync", csrf, ldapForm(srv, "test", srv.Password))
	if res.StatusCode != http.StatusOK || !strings.Contains(page, `data-testid="test-result"`) || !strings.Contains(page, "Person 1") {
		t.Fatalf("test = %d, no result", res.StatusCode)
	}
	bad := ldapForm(srv, "save", srv.Password)
	bad.Set("url", "ldap.example.com")
	bad.Set("maxBlockPercent", "lots")
	res, page = env.PostForm(t, c, "/admin/directory-sync", csrf, bad)
	if res.StatusCode != http.StatusUnprocessableEntity || syncFieldError(page, "maxBlockPercent") == "" || !strings.Contains(page, `value="ldap.example.com"`) {
		t.Fatalf("save with bad values = %d, %q", res.StatusCode, syncFieldError(page, "maxBlockPercent"))
	}
	bad.Set("maxBlockPercent", "10")
	res, page = env.PostForm(t, c, "/admin/directory-sync", csrf, bad)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(syncFieldError(page, "url"), "ldap://") {
		t.Fatalf("save with a bad address = %d, %q", res.StatusCode, syncFieldError(page, "url"))
	}
	if res, _ := env.PostForm(t, c, "/admin/directory-sync", csrf, ldapForm(srv, "save", srv.Password)); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save = %d", res.StatusCode)
	}
	_, page = env.Get(t, c, "/admin/directory-sync")
	if strings.Contains(page, srv.Password) || !strings.Contains(page, "A password is saved") {
		t.Fatal("the saved password shows, or the page does not say one is saved")
	}

	// Dry run, then Sync now.
	res, page = env.PostForm(t, c, "/admin/directory-sync/dry-run", csrf, nil)
	if res.StatusCode != http.StatusOK || !strings.Contains(page, `data-testid="dry-run-report"`) || !strings.Contains(page, "10 to create") {
		t.Fatalf("dry run = %d", res.StatusCode)
	}
	res, _ = env.PostForm(t, c, "/admin/directory-sync/run", csrf, nil)
	_, page = env.Get(t, c, res.Header.Get("Location"))
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(page, "Sync started.") {
		t.Fatalf("sync now = %d; flash missing", res.StatusCode)
	}
	page = waitSyncEnded(t, env, c)
	if !strings.Contains(page, "Read 10 people and 1 group; people: 10 created") {
		t.Fatal("the run's report is not listed")
	}
	if n := strings.Count(page, `data-testid="sync-report"`); n != 1 {
		t.Fatalf("%d reports, want 1", n)
	}

	// A synced person's page names the source and offers no edit.
	var ada entitlement.User
	_ = env.Store.View(context.Background(), func(tx entitlement.Tx) error {
		var err error
		ada, err = tx.Users().ByExternalID(entitlement.SourceLDAP, srv.PersonDN("p00002"))
		return err
	})
	_, page = env.Get(t, c, "/admin/directory/users/"+ada.ID)
	if !strings.Contains(page, `data-testid="synced-note"`) || !strings.Contains(page, "the LDAP directory") || strings.Contains(page, "/admin/directory/users/"+ada.ID+"/edit") {
		t.Fatal("the synced person's page has no note or offers an edit")
	}

	// Two of ten gone: the run stops and asks; Run anyway goes on.
	srv.Delete(t, srv.PersonDN("p00009"), srv.PersonDN("p00010"))
	if res, _ = env.PostForm(t, c, "/admin/directory-sync/run", csrf, nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sync now = %d", res.StatusCode)
	}
	page = waitSyncEnded(t, env, c)
	if !strings.Contains(page, "This run would block 2 of the 10 people") || !strings.Contains(page, `data-dialog-open="run-anyway"`) {
		t.Fatal("the stopped run does not explain itself or offer Run anyway")
	}
	if res, _ = env.PostForm(t, c, "/admin/directory-sync/run", csrf, url.Values{"force": {"1"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("run anyway = %d", res.StatusCode)
	}
	page = waitSyncEnded(t, env, c)
	if !strings.Contains(page, "2 blocked as leavers") || strings.Contains(page, `data-dialog-open="run-anyway"`) {
		t.Fatal("Run anyway did not block the leavers")
	}

	// SCIM tokens: shown once, listed with their use, revoked.
	res, page = env.PostForm(t, c, "/admin/directory-sync/scim-tokens", csrf, url.Values{"name": {""}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(syncFieldError(page, "name"), "Name the identity provider") {
		t.Fatalf("token without a name = %d %q", res.StatusCode, syncFieldError(page, "name"))
	}
	res, page = env.PostForm(t, c, "/admin/directory-sync/scim-tokens", csrf, url.Values{"name": {"Okta"}})
	token := regexp.MustCompile(`value="(scim_[\w-]+)"`).FindStringSubmatch(page)
	if res.StatusCode != http.StatusOK || token == nil {
		t.Fatalf("create token = %d, token not shown", res.StatusCode)
	}
	// Shown at the top, above the long settings form a phone stacks first, with the focus.
	if i, j := strings.Index(page, `data-testid="new-token"`), strings.Index(page, `data-testid="ldap-form"`); i < 0 || j < i || !strings.Contains(page, "readonly autofocus") {
		t.Error("the new SCIM token is not at the top of the page with the focus")
	}
	if _, err := env.Svc.AuthenticateSCIM(context.Background(), token[1]); err != nil {
		t.Fatalf("the shown token does not work: %v", err)
	}
	_, page = env.Get(t, c, "/admin/directory-sync")
	if strings.Contains(page, token[1]) || !strings.Contains(page, "Okta") || !strings.Contains(page, "last used") {
		t.Fatal("the token shows again, or the list lacks it and its last use")
	}
	id := regexp.MustCompile(`name="id" value="([\w-]+)"`).FindStringSubmatch(page)
	if id == nil {
		t.Fatal("no revoke form")
	}
	res, _ = env.PostForm(t, c, "/admin/directory-sync/scim-tokens/revoke", csrf, url.Values{"id": {id[1]}})
	_, page = env.Get(t, c, res.Header.Get("Location"))
	if !strings.Contains(page, "SCIM token revoked.") || strings.Contains(page, `data-testid="scim-token"`) {
		t.Fatal("the token is still listed after revoking")
	}

	// Only administrators.
	rc := env.Client(t)
	rcsrf := webtest.CSRF(t, env.SignIn(t, rc, "requester@example.com"))
	if res, _ := env.Get(t, rc, "/admin/directory-sync"); res.StatusCode != http.StatusForbidden {
		t.Fatalf("a plain user sees the page: %d", res.StatusCode)
	}
	if res, _ := env.PostForm(t, rc, "/admin/directory-sync/run", rcsrf, nil); res.StatusCode != http.StatusForbidden {
		t.Fatalf("a plain user runs the sync: %d", res.StatusCode)
	}
	if res, _ := syncProgress(t, env, rc); res.StatusCode != http.StatusForbidden {
		t.Fatalf("a plain user sees the sync's progress: %d", res.StatusCode)
	}
}

// TestDirectorySyncPageWithoutSettings: actions before the settings are saved say what to do.
func TestDirectorySyncPageWithoutSettings(t *testing.T) {
	env := startDirectorySync(t)
	c := env.Client(t)
	csrf := webtest.CSRF(t, env.SignIn(t, c, "admin@example.com"))
	for _, path := range []string{"/admin/directory-sync/run", "/admin/directory-sync/dry-run"} {
		res, page := env.PostForm(t, c, path, csrf, nil)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Save the LDAP settings first.") {
			t.Errorf("POST %s unconfigured = %d", path, res.StatusCode)
		}
	}
}

// TestDirectorySyncPageAtPhoneWidth: the page, with a report and a token, fits a phone.
func TestDirectorySyncPageAtPhoneWidth(t *testing.T) {
	srv := syncDirectory(t)
	env := startDirectorySync(t)
	c := env.Client(t)
	csrf := webtest.CSRF(t, env.SignIn(t, c, "admin@example.com"))
	env.PostForm(t, c, "/admin/directory-sync", csrf, ldapForm(srv, "save", srv.Password))
	env.PostForm(t, c, "/admin/directory-sync/run", csrf, nil)
	waitSyncEnded(t, env, c)
	env.PostForm(t, c, "/admin/directory-sync/scim-tokens", csrf, url.Values{"name": {"Entra ID"}})

	b := browsertest.New(t)
	b.SignIn(env.URL, "ada", "Ada Admin")
	b.Do(chromedp.EmulateViewport(360, 780), chromedp.Navigate(env.URL+"/admin/directory-sync"), chromedp.WaitVisible(`[data-testid="sync-report"]`))
	b.Screenshot("360-directory-sync")
	b.CheckLayout("directory sync")

	// A new token comes first, in view and with the focus, not below the long settings form.
	b.Do(chromedp.SendKeys(chromedp.CSS(`#name`), "Okta", chromedp.NodeVisible), chromedp.Click(chromedp.CSS(`[data-testid="create-token"]`), chromedp.NodeVisible),
		chromedp.WaitVisible(`[data-testid="new-token"]`))
	inView, err := chromedp.Run(b.Ctx, chromedp.Evaluate[bool](`document.activeElement.id === "new-token-value" && document.activeElement.getBoundingClientRect().bottom <= innerHeight`))
	if err != nil || !inView {
		t.Errorf("the new token has not the focus in view at 360 px: %v", err)
	}
	b.Screenshot("360-directory-sync-new-token")
	if got := b.Text(`[data-testid="scim-tokens"]`); !strings.Contains(got, "Entra ID") {
		t.Fatalf("tokens card = %q", got)
	}
}

// TestDirectorySyncPageWithoutTheImport: a Steward started without the LDAP import keeps saved
// settings, but promises no scheduled run and points to no dry run it cannot offer.
func TestDirectorySyncPageWithoutTheImport(t *testing.T) {
	env := webtest.Start(t, webtest.Options{Users: adminUsers, Admins: []string{"admin@example.com"}})
	c := env.Client(t)
	csrf := webtest.CSRF(t, env.SignIn(t, c, "admin@example.com"))
	form := url.Values{"action": {"save"}, "url": {"ldap://ldap.example.com"}, "peopleBaseDN": {"ou=people,dc=example,dc=com"},
		"peopleFilter": {"(objectClass=inetOrgPerson)"}, "membershipFrom": {"member"}, "attr.email": {"mail"}, "attr.displayName": {"cn"}, "intervalMinutes": {"60"}, "maxBlockPercent": {"10"}}
	if res, _ := env.PostForm(t, c, "/admin/directory-sync", csrf, form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save = %d", res.StatusCode)
	}
	_, page := env.Get(t, c, "/admin/directory-sync")
	for _, gone := range []string{"Next scheduled run", "Try a dry run", `data-testid="dry-run"`, `data-testid="sync-now"`} {
		if strings.Contains(page, gone) {
			t.Errorf("the page shows %q", gone)
		}
	}
	if !strings.Contains(page, "No run yet: this Steward was started without the LDAP import.") {
		t.Error("the runs card does not say why nothing runs")
	}
	if !strings.Contains(page, `name="name"`) || !strings.Contains(page, `maxlength="100"`) {
		t.Error("the SCIM token name field has no maxlength")
	}
	// Test connection says once that it cannot connect.
	form.Set("action", "test")
	res, page := env.PostForm(t, c, "/admin/directory-sync", csrf, form)
	if n := strings.Count(page, "started without the LDAP import"); res.StatusCode != http.StatusUnprocessableEntity || n != 2 || !strings.Contains(page, "This Steward was started without the LDAP import.") {
		t.Errorf("Test connection without the import = %d, says it %d times on the page (once in the form, once in the runs card)", res.StatusCode, n)
	}
}
