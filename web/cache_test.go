package web_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/stewardhq/steward/static"
	"github.com/stewardhq/steward/web/browsertest"
)

// TestPagesAreNotStored: every page, error and redirect, signed in or not, is sent with
// Cache-Control: no-store, so nothing private stays in the browser's cache; the versioned
// assets keep their year-long cache.
func TestPagesAreNotStored(t *testing.T) {
	env := start(t)
	c := env.Client(t)
	check := func(who, path string) {
		t.Helper()
		res, err := c.Get(env.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if got := res.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s GET %s: %d with Cache-Control %q, want no-store", who, path, res.StatusCode, got)
		}
	}
	pages := []string{"/", "/access/packages", "/access/requests", "/access/assignments", "/approvals", "/approvals/history",
		"/admin", "/admin/catalogs", "/admin/directory/users", "/admin/settings", "/admin/audit", "/no-such-page", "/login"}
	for _, p := range pages {
		check("signed out", p)
	}
	env.SignIn(t, c, "ada@example.com")
	for _, p := range pages {
		check("signed in", p)
	}
	res, err := c.Get(env.URL + static.Path("app.css"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got := res.Header.Get("Cache-Control"); res.StatusCode != http.StatusOK || !strings.Contains(got, "immutable") || strings.Contains(got, "no-store") {
		t.Errorf("versioned stylesheet: %d with Cache-Control %q", res.StatusCode, got)
	}
}

// TestBackAfterSignOutShowsNothing: the administrator opens an admin page and signs out; Back
// must not bring the admin page back from the browser's cache.
func TestBackAfterSignOutShowsNothing(t *testing.T) {
	env := start(t)
	b := browsertest.New(t)
	b.SignIn(env.URL, "demo-ada", "Ada Admin")
	b.Do(chromedp.Navigate(env.URL+"/admin"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="dashboard-counts"]`)))
	b.SignOut()
	signedOut := b.Location()
	// Through history.back rather than chromedp.NavigateBack, which waits for a load event that a
	// page restored from the back-forward cache never fires.
	b.Do(chromedp.Evaluate[chromedp.Void](`history.back()`))
	left := time.Now().Add(10 * time.Second)
	for time.Now().Before(left) {
		if at, err := chromedp.Run(b.Ctx, chromedp.Evaluate[bool](`location.href !== `+strconv.Quote(signedOut)+` && document.readyState === "complete"`)); err == nil && at {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	shown, err := chromedp.Run(b.Ctx, chromedp.Evaluate[bool](`!!document.querySelector('[data-testid="dashboard-counts"], form[action="/logout"]')`))
	if err != nil {
		t.Fatal(err)
	}
	b.Screenshot("back-after-sign-out")
	if shown {
		t.Errorf("Back after signing out shows the admin page at %s", b.Location())
	}
}
