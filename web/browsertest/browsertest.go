// Package browsertest drives Debian's headless Chromium with chromedp against a server started by
// package webtest, for the journey tests. A missing browser fails the test loudly: the journeys
// are the proof that the portal works, and a skipped journey proves nothing.
package browsertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// ExecPath is where Debian's chromium package installs the browser.
const ExecPath = "/usr/bin/chromium"

// Browser is one headless browser with one tab, for one test.
type Browser struct {
	t   testing.TB
	Ctx context.Context
	dir string
}

// New starts the browser; it is closed when the test ends. Each step of a test must finish
// within the test's timeout (set by the caller's context deadline of two minutes).
func New(t testing.TB) *Browser {
	t.Helper()
	path := ExecPath
	if p := os.Getenv("STEWARD_CHROMIUM"); p != "" {
		path = p
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("chromium not found at %s (install it with: apt-get install -y chromium): %v", path, err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.WindowSize(1280, 900),
	}
	ctx, cancelTimeout := context.WithTimeout(context.Background(), 2*time.Minute)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	tabCtx, cancelTab := chromedp.NewContext(allocCtx)
	b := &Browser{t: t, Ctx: tabCtx, dir: screenshotDir(t)}
	t.Cleanup(func() {
		if t.Failed() {
			b.Screenshot("failure")
		}
		cancelTab()
		cancelAlloc()
		cancelTimeout()
	})
	if err := chromedp.Do(tabCtx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return b
}

// screenshotDir is STEWARD_SCREENSHOTS when set (to keep pictures for a person to look at), or a
// directory of the test's own.
func screenshotDir(t testing.TB) string {
	if d := os.Getenv("STEWARD_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err == nil {
			return d
		}
	}
	return t.TempDir()
}

// Do runs steps and fails the test on the first error.
func (b *Browser) Do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.Ctx, steps...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// Viewport sets the page's size and waits for the page to settle at it.
func (b *Browser) Viewport(width, height int64) {
	b.t.Helper()
	b.Do(chromedp.EmulateViewport(width, height))
	if err := b.settle(); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// settle waits two frames, by which the page has run its resize handlers and laid itself out
// again: app.js shows or hides a table's scroll hint on resize, and a click aimed before that
// lands where the link used to be. A full-page screenshot resizes the page too.
func (b *Browser) settle() error {
	frames := `new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done(true))))`
	if _, err := chromedp.Run(b.Ctx, chromedp.Evaluate[bool](frames, chromedp.EvalAwaitPromise)); err != nil {
		return fmt.Errorf("wait for the page to settle: %w", err)
	}
	return nil
}

// Text returns the visible text of the first element the CSS selector matches.
func (b *Browser) Text(css string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.Ctx, chromedp.Text(chromedp.CSS(css), chromedp.NodeVisible))
	if err != nil {
		b.t.Fatalf("text of %s: %v", css, err)
	}
	return strings.TrimSpace(s)
}

// Location returns the current URL.
func (b *Browser) Location() string {
	b.t.Helper()
	s, err := chromedp.Run(b.Ctx, chromedp.Location())
	if err != nil {
		b.t.Fatalf("location: %v", err)
	}
	return s
}

var unsafeName = regexp.MustCompile(`[^a-zA-Z0-9_-]+`)

// Screenshot saves a full-page PNG named after the test and name, and returns its path.
func (b *Browser) Screenshot(name string) string {
	png, err := chromedp.Run(b.Ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return ""
	}
	if err := b.settle(); err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
	}
	file := filepath.Join(b.dir, unsafeName.ReplaceAllString(b.t.Name()+"-"+name, "_")+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return ""
	}
	b.t.Logf("screenshot: %s", file)
	return file
}

// SignIn signs in through the portal's Sign in link and the demo provider's pick-a-user page,
// and waits until the portal shows the signed-in person's name.
func (b *Browser) SignIn(baseURL, subject, name string) {
	b.t.Helper()
	b.Do(
		chromedp.Navigate(baseURL+"/"),
		chromedp.Click(chromedp.CSS(`header a[href="/login"]`), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="demo-banner"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="sign-in-`+subject+`"]`), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"] button`)),
	)
	if got := b.Text("header"); !strings.Contains(got, name) {
		b.t.Fatalf("after sign-in the header shows %q, want %q", got, name)
	}
}

// SignOut clicks the visible Sign out button and waits for the signed-out page.
func (b *Browser) SignOut() {
	b.t.Helper()
	b.Do(
		chromedp.Click(chromedp.CSS(`form[action="/logout"] button`), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.CSS(`header a[href="/login"]`)),
	)
}
