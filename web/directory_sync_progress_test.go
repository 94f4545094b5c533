package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/web/browsertest"
	"github.com/stewardhq/steward/web/webtest"
)

// heldDirectory is a directory whose reads wait until the test lets them go, so that the page
// can be watched while a run is under way.
type heldDirectory struct {
	reading chan struct{} // receives when a read starts
	release chan struct{} // reads answer once it is closed
}

func newHeldDirectory() *heldDirectory {
	return &heldDirectory{reading: make(chan struct{}, 4), release: make(chan struct{})}
}

func (d *heldDirectory) Read(ctx context.Context, _ entitlement.LDAPSettings, _ string) (entitlement.DirectorySnapshot, error) {
	d.reading <- struct{}{}
	select {
	case <-d.release:
	case <-ctx.Done():
		return entitlement.DirectorySnapshot{}, ctx.Err()
	}
	var snap entitlement.DirectorySnapshot
	for i := 1; i <= 3; i++ {
		snap.People = append(snap.People, entitlement.DirectoryPerson{ExternalID: fmt.Sprintf("uid=held%d", i), Email: fmt.Sprintf("held%d@example.com", i), DisplayName: fmt.Sprintf("Held Person %d", i)})
	}
	return snap, nil
}

func (d *heldDirectory) Test(context.Context, entitlement.LDAPSettings, string) (entitlement.DirectoryTest, error) {
	return entitlement.DirectoryTest{}, nil
}

func (d *heldDirectory) waitReading(t *testing.T) {
	t.Helper()
	select {
	case <-d.reading:
	case <-time.After(10 * time.Second):
		t.Fatal("the run does not read the directory")
	}
}

// heldSyncEnv is Steward with the held directory and its settings saved through the page.
func heldSyncEnv(t *testing.T) (*webtest.Env, *heldDirectory, *http.Client, string) {
	t.Helper()
	dir := newHeldDirectory()
	env := webtest.Start(t, webtest.Options{Users: adminUsers, Admins: []string{"admin@example.com"}, Directory: dir})
	c := env.Client(t)
	csrf := webtest.CSRF(t, env.SignIn(t, c, "admin@example.com"))
	form := url.Values{
		"action": {"save"}, "url": {"ldap://ldap.example.com"}, "bindPassword": {"secret"},
		"peopleBaseDN": {"ou=people,dc=example,dc=com"}, "peopleFilter": {"(objectClass=inetOrgPerson)"}, "membershipFrom": {"member"},
		"attr.email": {"mail"}, "attr.displayName": {"cn"}, "maxBlockPercent": {"10"}, "intervalMinutes": {"0"},
	}
	if res, _ := env.PostForm(t, c, "/admin/directory-sync", csrf, form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save settings = %d", res.StatusCode)
	}
	return env, dir, c, csrf
}

// TestDirectorySyncRunsInTheBackground: Sync now answers at once; the page shows the run's
// progress and polls it; a second start says one is running; once the run ends the polling stops,
// the page reloads and lists the report.
func TestDirectorySyncRunsInTheBackground(t *testing.T) {
	env, dir, c, csrf := heldSyncEnv(t)

	res, _ := env.PostForm(t, c, "/admin/directory-sync/run", csrf, nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/directory-sync" {
		t.Fatalf("sync now = %d to %q, want an answer at once", res.StatusCode, res.Header.Get("Location"))
	}
	dir.waitReading(t)
	_, page := env.Get(t, c, "/admin/directory-sync")
	for _, want := range []string{"Sync started.", `data-testid="sync-progress"`, `hx-get="/admin/directory-sync/progress"`, `hx-trigger="every 2s"`, "Reading the directory…", "Started by Ada Admin", `<a href="/admin/directory-sync"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page during the run lacks %q", want)
		}
	}
	if strings.Contains(page, `data-testid="sync-report"`) {
		t.Error("a report is listed before the run ended")
	}

	// The fragment the page polls: the same progress, still polling.
	res, frag := syncProgress(t, env, c)
	if res.StatusCode != http.StatusOK || !strings.Contains(frag, "Reading the directory…") || !strings.Contains(frag, `hx-trigger="every 2s"`) || strings.Contains(frag, "<html") || strings.Contains(frag, "data-finished") {
		t.Fatalf("progress during the run = %d: %s", res.StatusCode, frag)
	}

	// One run at a time.
	res, page = env.PostForm(t, c, "/admin/directory-sync/run", csrf, nil)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "A directory sync is running already") {
		t.Fatalf("second sync now = %d", res.StatusCode)
	}

	close(dir.release)
	page = waitSyncEnded(t, env, c)
	if n := strings.Count(page, `data-testid="sync-report"`); n != 1 || !strings.Contains(page, "Read 3 people and 0 groups; people: 3 created") {
		t.Fatalf("%d reports after the run, or its summary is missing", n)
	}
}

// TestDirectorySyncProgressInTheBrowser: htmx polls the progress and, when the run ends, loads
// the Runs card afresh, which then lists the report; what is typed in the settings form stays.
func TestDirectorySyncProgressInTheBrowser(t *testing.T) {
	env, dir, c, csrf := heldSyncEnv(t)
	if res, _ := env.PostForm(t, c, "/admin/directory-sync/run", csrf, nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sync now = %d", res.StatusCode)
	}
	dir.waitReading(t)

	b := browsertest.New(t)
	b.SignIn(env.URL, "ada", "Ada Admin")
	b.Do(chromedp.Navigate(env.URL+"/admin/directory-sync"), chromedp.WaitVisible(`[data-testid="sync-progress"]`))
	if got := b.Text(`[data-testid="sync-step"]`); !strings.Contains(got, "Reading the directory") {
		t.Fatalf("progress shows %q", got)
	}
	b.CheckLayout("directory sync, run under way")
	const typed = "(objectClass=person)"
	b.Do(chromedp.SetValue(chromedp.CSS(`input[name="peopleFilter"]`), typed))
	close(dir.release)
	b.Do(chromedp.WaitVisible(`[data-testid="sync-report"]`))
	if got := b.Text(`[data-testid="sync-reports"]`); !strings.Contains(got, "3 created") || strings.Contains(got, "Reading the directory") {
		t.Fatalf("after the run the list shows %q", got)
	}
	if value, err := chromedp.Run(b.Ctx, chromedp.Value(chromedp.CSS(`input[name="peopleFilter"]`))); err != nil || value != typed {
		t.Fatalf("the settings form lost what was typed: %q, %v", value, err)
	}
}
