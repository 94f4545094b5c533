package web_test

import (
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

// The owner sets a policy's webhooks on its page, signed in through OIDC: a plain-http address
// elsewhere than this machine is a field error, keys are never shown again, an empty key keeps
// the saved one, and a requester cannot open the page.
func TestPolicyHooksPage(t *testing.T) {
	f := startAdmin(t)
	_, pol := ledgerPackage(t, f)
	c, csrf := f.signIn(t, "owner@example.com")
	path := "/admin/policies/" + pol.ID + "/hooks"
	if _, page := f.env.Get(t, c, "/admin/packages/"+pol.AccessPackageID+"/policies"); !strings.Contains(page, `href="`+path+`"`) {
		t.Fatal("the policy card does not link its webhooks")
	}
	_, page := f.env.Get(t, c, path)
	if !strings.Contains(page, "Notify a webhook when…") {
		t.Fatal("the page lacks its section")
	}
	for _, st := range entitlement.CustomExtensionStages {
		if !strings.Contains(page, `name="url.`+st+`"`) || !strings.Contains(page, `name="key.`+st+`"`) {
			t.Errorf("no fields for %s", st)
		}
	}
	for _, p := range a11yProblems(page) {
		t.Errorf("hooks page: %s", p)
	}
	const key = "hook-key-never-shown-again"
	form := url.Values{"url." + entitlement.StageRequestGranted: {"http://hooks.example.com/granted"}, "key." + entitlement.StageRequestGranted: {key}}
	resp, page := f.env.PostForm(t, c, path, csrf, form)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `id="hook-url-assignmentRequestGranted-error"`) ||
		!strings.Contains(page, "Use https") || strings.Contains(page, key) || !strings.Contains(page, "http://hooks.example.com/granted") {
		t.Fatalf("plain http elsewhere: %d", resp.StatusCode)
	}
	form.Set("url."+entitlement.StageRequestGranted, "https://hooks.example.com/granted")
	// The created stage goes to a port nobody listens on any more, so its calls fail.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + ln.Addr().String() + "/created"
	ln.Close()
	form.Set("url."+entitlement.StageRequestCreated, down)
	form.Set("key."+entitlement.StageRequestCreated, key+"-2")
	resp, _ = f.env.PostForm(t, c, path, csrf, form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", resp.StatusCode)
	}
	_, page = f.env.Get(t, c, path)
	if strings.Contains(page, key) || !strings.Contains(page, "https://hooks.example.com/granted") || !strings.Contains(page, "A key is saved and is never shown again") {
		t.Fatal("after saving, the page shows a key or not the saved address")
	}
	// Saved again with the keys left empty: the keys stay.
	resp, _ = f.env.PostForm(t, c, path, csrf, url.Values{"url." + entitlement.StageRequestGranted: {"https://hooks.example.com/granted2"}, "url." + entitlement.StageRequestCreated: {down}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save without keys: %d", resp.StatusCode)
	}
	got, err := f.env.Svc.PolicyByID(f.ctxAs("owner@example.com"), pol.ID)
	if err != nil {
		t.Fatal(err)
	}
	g, ok := got.CustomExtension(entitlement.StageRequestGranted)
	cr, ok2 := got.CustomExtension(entitlement.StageRequestCreated)
	if !ok || !ok2 || g.EndpointURL != "https://hooks.example.com/granted2" || g.SealedKey == "" || cr.SealedKey == "" || len(got.CustomExtensionStageSettings) != 2 {
		t.Fatalf("saved %+v", got.CustomExtensionStageSettings)
	}
	// A request through the policy: its "submitted" call fails, and the page says so.
	if _, err := f.env.Svc.SubmitRequest(f.ctxAs("requester@example.com"), entitlement.RequestInput{RequestType: entitlement.RequestUserAdd, AccessPackageID: pol.AccessPackageID, PolicyID: pol.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.env.Worker(t).Tick(t.Context()); err != nil {
		t.Fatal(err)
	}
	_, page = f.env.Get(t, c, path)
	if !strings.Contains(page, `data-testid="failing-hook"`) || !strings.Contains(page, "A request is submitted") || !strings.Contains(page, "1 attempt so far") {
		t.Error("the page does not show the failed call")
	}
	for _, p := range a11yProblems(page) {
		t.Errorf("hooks page with a failed call: %s", p)
	}
	rc, rcsrf := f.signIn(t, "requester@example.com")
	if resp, _ := f.env.Get(t, rc, path); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a requester opened the webhooks page: %d", resp.StatusCode)
	}
	if resp, _ := f.env.PostForm(t, rc, path, rcsrf, form); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a requester saved webhooks: %d", resp.StatusCode)
	}
}
