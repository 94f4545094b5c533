package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stewardhq/steward/web/browsertest"
)

// layoutAtBoth checks the current page's layout at 1280 px and at 360 px wide, with a screenshot
// of each, and returns to 1280 px.
func layoutAtBoth(t *testing.T, b *browsertest.Browser, name string) {
	t.Helper()
	b.CheckLayout(name)
	b.Screenshot(name)
	b.Viewport(360, 740)
	b.CheckLayout(name)
	b.Screenshot(name + "-phone")
	b.Viewport(1280, 900)
}

// TestJourneyAPIToken: Riley makes an API token on their profile, sees it once in a field to copy,
// and it works on the API; after a reload it is listed but never shown again, and revoking it
// (confirmed in a dialog) ends it. Then an administrator makes a service account and its token.
// Every page is checked at desktop and phone width.
func TestJourneyAPIToken(t *testing.T) {
	env := start(t)
	b := browsertest.New(t)
	b.SignIn(env.URL, "demo-riley", "Riley Requester")
	step(t, b, "open tokens",
		chromedp.Navigate(env.URL+"/profile"),
		click(`[data-testid="api-tokens"]`),
		waitFor(`[data-testid="token-form"]`),
	)
	layoutAtBoth(t, b, "tokens-empty")
	step(t, b, "make token",
		typeInto(`#name`, "Deploy script"),
		click(`[data-testid="create-token"]`),
		waitFor(`[data-testid="new-token-value"]`),
	)
	token, err := chromedp.Run(b.Ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="new-token-value"]').value`))
	if err != nil || !strings.HasPrefix(token, "stw_") {
		t.Fatalf("the shown token = %q, %v", token, err)
	}
	if !strings.Contains(b.Text(`[data-testid="new-token"]`), "only time Steward shows it") {
		t.Error("no warning that the token is shown once")
	}
	layoutAtBoth(t, b, "token-made")
	if res, body := apiCall(t, env, http.MethodGet, "/beta/me", "Bearer "+token); res.StatusCode != http.StatusOK || body["displayName"] != "Riley Requester" {
		t.Fatalf("the token on the API: %d %v", res.StatusCode, body)
	}

	// A reload shows the list, not the token, and posts nothing again.
	b.Do(chromedp.Reload(), waitFor(`[data-testid="token-row"]`))
	if !strings.HasSuffix(b.Location(), "/profile/tokens") {
		t.Errorf("after the reload the address is %s", b.Location())
	}
	html, err := chromedp.Run(b.Ctx, chromedp.Evaluate[string](`document.body.innerHTML`))
	if err != nil || strings.Contains(html, token) || strings.Count(html, `data-testid="token-row"`) != 1 {
		t.Fatalf("after the reload: the token shown again, or not one row (%v)", err)
	}
	step(t, b, "revoke",
		click(`[data-testid="token-row"] button[data-dialog-open]`),
		waitFor(`dialog[open]`),
		click(`dialog[open] button[type="submit"]:not([formmethod])`),
		waitFor(`[data-testid="flashes"]`),
	)
	if !strings.Contains(flashOf(b), "revoked") {
		t.Errorf("flash after revoking: %q", flashOf(b))
	}
	if res, _ := apiCall(t, env, http.MethodGet, "/beta/me", "Bearer "+token); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("the revoked token: %d", res.StatusCode)
	}

	b.SignOut()
	b.SignIn(env.URL, "demo-ada", "Ada Admin")
	step(t, b, "service accounts",
		chromedp.Navigate(env.URL+"/admin"),
		click(`nav a[href="/admin/service-accounts"]`),
		waitFor(`[data-testid="service-accounts"]`),
	)
	layoutAtBoth(t, b, "service-accounts-empty")
	step(t, b, "new service account",
		click(`[data-testid="new-service-account"]`),
		waitFor(`[data-testid="service-account-form"]`),
		typeInto(`#displayName`, "CI deploy bot"),
		typeInto(`#description`, "Deploys the main branch"),
	)
	layoutAtBoth(t, b, "service-account-new")
	step(t, b, "create it",
		click(`[data-testid="save"]`),
		waitFor(`[data-testid="service-account-roles"]`),
		typeInto(`#name`, "Pipeline"),
		click(`[data-testid="create-token"]`),
		waitFor(`[data-testid="new-token-value"]`),
	)
	layoutAtBoth(t, b, "service-account-token")
	bot, err := chromedp.Run(b.Ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="new-token-value"]').value`))
	if err != nil {
		t.Fatal(err)
	}
	if res, body := apiCall(t, env, http.MethodGet, "/beta/me", "Bearer "+bot); res.StatusCode != http.StatusOK || body["displayName"] != "CI deploy bot" {
		t.Fatalf("the service account's token on the API: %d %v", res.StatusCode, body)
	}
}
