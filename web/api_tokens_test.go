package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/web/webtest"
)

var newTokenRe = regexp.MustCompile(`data-testid="new-token-value"[^>]*value="(stw_[^"]+)"|value="(stw_[^"]+)"[^>]*data-testid="new-token-value"`)

// shownToken returns the token a page shows once, or "".
func shownToken(page string) string {
	m := newTokenRe.FindStringSubmatch(page)
	if m == nil {
		return ""
	}
	return m[1] + m[2]
}

func TestProfileAPITokens(t *testing.T) {
	env := webtest.Start(t, webtest.Options{Users: apiUsers, Admins: []string{"ada@example.com"}})
	c := env.Client(t)
	env.SignIn(t, c, "riley@example.com")
	_, profile := env.Get(t, c, "/profile")
	if !strings.Contains(profile, `href="/profile/tokens"`) {
		t.Fatal("the profile does not lead to the API tokens")
	}
	res, page := env.Get(t, c, "/profile/tokens")
	if res.StatusCode != http.StatusOK || !strings.Contains(page, "No API tokens") {
		t.Fatalf("GET /profile/tokens: %d", res.StatusCode)
	}
	// The way back to the profile that links here.
	_, crumbs, _ := strings.Cut(page, `aria-label="Breadcrumb"`)
	if crumbs, _, _ = strings.Cut(crumbs, "</nav>"); !strings.Contains(crumbs, `href="/profile"`) {
		t.Error("the page has no breadcrumb back to the profile")
	}
	csrf := webtest.CSRF(t, page)

	if res, _ := env.PostForm(t, c, "/profile/tokens", "", url.Values{"name": {"deploy"}, "days": {"30"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("POST without CSRF: %d, want 403", res.StatusCode)
	}
	for _, tc := range []struct {
		form url.Values
		says string
	}{
		{url.Values{"name": {" "}, "days": {"30"}}, "Name the token"},
		{url.Values{"name": {"deploy"}, "days": {"forever"}}, "Choose how long the token lasts"},
		{url.Values{"name": {"deploy"}, "days": {"400"}}, "from 1 to 365 days"},
	} {
		res, page := env.PostForm(t, c, "/profile/tokens", csrf, tc.form)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, tc.says) || shownToken(page) != "" {
			t.Errorf("POST %v: %d, want 422 saying %q", tc.form, res.StatusCode, tc.says)
		}
		if !strings.Contains(page, `value="`+tc.form.Get("name")+`"`) {
			t.Errorf("POST %v: the form lost what was typed", tc.form)
		}
	}

	res, page = env.PostForm(t, c, "/profile/tokens", csrf, url.Values{"name": {"deploy script"}, "days": {"30"}})
	token := shownToken(page)
	if res.StatusCode != http.StatusCreated || token == "" || !strings.Contains(page, "only time Steward shows it") {
		t.Fatalf("POST a token: %d, token %q", res.StatusCode, token)
	}
	if res, body := apiCall(t, env, http.MethodGet, "/beta/me", "Bearer "+token); res.StatusCode != http.StatusOK || body["displayName"] != "Riley Requester" {
		t.Fatalf("the new token on /beta/me: %d %v", res.StatusCode, body)
	}
	_, page = env.Get(t, c, "/profile/tokens")
	if strings.Contains(page, token) || shownToken(page) != "" {
		t.Error("the token is shown a second time")
	}
	if !strings.Contains(page, "deploy script") || strings.Contains(page, ">Never<") {
		t.Error("the list lacks the token, or says it was never used")
	}
	var id string
	if err := env.Store.View(context.Background(), func(tx entitlement.Tx) error {
		u, err := tx.Users().ByEmail("riley@example.com")
		if err != nil {
			return err
		}
		ts, err := tx.APITokens().ByUser(u.ID)
		if err == nil && len(ts) == 1 {
			id = ts[0].ID
		}
		return err
	}); err != nil || id == "" {
		t.Fatalf("Riley's token: %v", err)
	}
	if !strings.Contains(page, `action="/profile/tokens/`+id+`/revoke"`) || !strings.Contains(page, "Revoke the token deploy script?") {
		t.Error("no confirmed revoke for the token")
	}
	// Someone else cannot revoke it (administrators could).
	other := env.Client(t)
	otherPage := env.SignIn(t, other, "nova@example.com")
	if res, _ := env.PostForm(t, other, "/profile/tokens/"+id+"/revoke", webtest.CSRF(t, otherPage), nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("revoke by another person: %d, want 404", res.StatusCode)
	}
	res, _ = env.PostForm(t, c, "/profile/tokens/"+id+"/revoke", csrf, nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/profile/tokens" {
		t.Fatalf("revoke: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	_, page = env.Get(t, c, "/profile/tokens")
	if !strings.Contains(flashText(page), "revoked") || !strings.Contains(page, "No API tokens") {
		t.Errorf("after revoking: flash %q", flashText(page))
	}
	if res, _ := apiCall(t, env, http.MethodGet, "/beta/me", "Bearer "+token); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("the revoked token: %d, want 401", res.StatusCode)
	}
}

func TestAdminServiceAccounts(t *testing.T) {
	env := start(t)
	admin := env.Client(t)
	env.SignIn(t, admin, "ada@example.com")
	riley := env.Client(t)
	env.SignIn(t, riley, "riley@example.com")
	if res, _ := env.Get(t, riley, "/admin/service-accounts"); res.StatusCode != http.StatusForbidden {
		t.Errorf("a requester on the service accounts: %d, want 403", res.StatusCode)
	}

	_, page := env.Get(t, admin, "/admin")
	if !strings.Contains(page, `href="/admin/service-accounts"`) {
		t.Error("the admin navigation lacks the service accounts")
	}
	res, page := env.Get(t, admin, "/admin/service-accounts")
	if res.StatusCode != http.StatusOK || !strings.Contains(page, "No service accounts yet") {
		t.Fatalf("GET /admin/service-accounts: %d", res.StatusCode)
	}
	csrf := webtest.CSRF(t, page)
	res, page = env.PostForm(t, admin, "/admin/service-accounts/new", csrf, url.Values{"displayName": {""}, "description": {"deploys"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Name the service account") || !strings.Contains(page, ">deploys</textarea>") {
		t.Fatalf("create without a name: %d", res.StatusCode)
	}
	res, _ = env.PostForm(t, admin, "/admin/service-accounts/new", csrf, url.Values{"displayName": {"CI deploy bot"}, "description": {"deploys"}})
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/admin/service-accounts/") {
		t.Fatalf("create: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	detail := res.Header.Get("Location")
	_, page = env.Get(t, admin, detail)
	if !strings.Contains(flashText(page), "CI deploy bot was created") || !strings.Contains(page, "No roles yet") || !strings.Contains(page, "No API tokens") {
		t.Errorf("the new account's page: flash %q", flashText(page))
	}
	if !strings.Contains(page, "Its catalog roles go with it;") {
		t.Error("the delete dialog of an account without tokens does not say what goes")
	}
	_, users := env.Get(t, admin, "/admin/directory/users")
	if strings.Contains(users, "CI deploy bot") {
		t.Error("the service account is listed among the users")
	}
	res, page = env.PostForm(t, admin, "/admin/service-accounts/new", csrf, url.Values{"displayName": {"ci deploy bot"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "A service account named &#34;ci deploy bot&#34; already exists; choose another name.") {
		t.Errorf("a second account of the same name: %d, the message as a sentence with the name quoted", res.StatusCode)
	}

	res, page = env.PostForm(t, admin, detail+"/tokens", csrf, url.Values{"name": {"pipeline"}, "days": {"90"}})
	token := shownToken(page)
	if res.StatusCode != http.StatusCreated || token == "" {
		t.Fatalf("make a token: %d", res.StatusCode)
	}
	// On a phone the cards stack: the token shown once comes first, with the focus.
	if i, j := strings.Index(page, `data-testid="new-token"`), strings.Index(page, `data-testid="service-account-roles"`); i < 0 || j < i || !strings.Contains(page, "readonly autofocus") {
		t.Error("the new token is not at the top of the account's page with the focus")
	}
	if _, page := env.Get(t, admin, detail); !strings.Contains(page, "Its 1 token and its catalog roles go with it;") {
		t.Error("the delete dialog does not count the token in words")
	}
	if res, body := apiCall(t, env, http.MethodGet, "/beta/me", "Bearer "+token); res.StatusCode != http.StatusOK || body["userType"] != "ServiceAccount" {
		t.Fatalf("the service account's token: %d %v", res.StatusCode, body)
	}

	// A catalog role through the catalog's own picker.
	ctx := context.Background()
	cat, err := env.Svc.CreateCatalog(entitlement.WithPrincipal(ctx, entitlement.Principal{UserID: entitlement.NewID(), Name: "Root", IsAdmin: true}), entitlement.CatalogInput{DisplayName: "Tools"})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, env.URL+"/admin/people?kinds=user,group,service&q=deploy", nil)
	req.Header.Set("HX-Request", "true")
	_, found := env.Follow(t, admin, req)
	botID := strings.TrimPrefix(detail, "/admin/service-accounts/")
	if !strings.Contains(found, "CI deploy bot") || !strings.Contains(found, "user:"+botID) {
		t.Fatalf("the catalog role picker does not offer the service account: %s", found)
	}
	_, rolesPage := env.Get(t, admin, "/admin/catalogs/"+cat.ID+"/roles")
	if !strings.Contains(rolesPage, "user,group,service") {
		t.Error("the catalog roles picker does not search service accounts")
	}
	res, _ = env.PostForm(t, admin, "/admin/catalogs/"+cat.ID+"/roles", csrf, url.Values{"role": {string(entitlement.RoleCatalogReader)}, "pick": {"user:" + botID}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("give the bot a catalog role: %d", res.StatusCode)
	}
	_, rolesPage = env.Get(t, admin, "/admin/catalogs/"+cat.ID+"/roles")
	if !strings.Contains(rolesPage, "CI deploy bot (service account)") {
		t.Error("the catalog's roles do not name the service account as one")
	}
	_, page = env.Get(t, admin, detail)
	if !strings.Contains(page, `href="/admin/catalogs/`+cat.ID+`/roles"`) || !strings.Contains(page, "Tools") {
		t.Error("the account's page does not list its catalog role")
	}

	// Its user id, which the audit log links, leads to its own page.
	if res, err := admin.Get(env.URL + "/admin/directory/users/" + botID); err != nil || res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != detail {
		t.Errorf("the service account as a directory user: %v, want a redirect to %s", err, detail)
	} else {
		res.Body.Close()
	}

	// Edit: administrator rights.
	res, _ = env.PostForm(t, admin, detail+"/edit", csrf, url.Values{"displayName": {"CI deploy bot"}, "description": {"deploys"}, "administrator": {"true"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: %d", res.StatusCode)
	}
	_, page = env.Get(t, admin, detail)
	if !strings.Contains(page, "Administrator: it may do everything.") {
		t.Error("the account's page does not say it is an administrator")
	}

	// The account's revoke address takes its own tokens only.
	var rileyID string
	if err := env.Store.View(ctx, func(tx entitlement.Tx) error {
		u, err := tx.Users().ByEmail("riley@example.com")
		rileyID = u.ID
		return err
	}); err != nil {
		t.Fatal(err)
	}
	_, rileys, err := env.Svc.CreateAPIToken(entitlement.WithPrincipal(ctx, entitlement.Principal{UserID: rileyID}), entitlement.APITokenInput{Name: "mine"})
	if err != nil {
		t.Fatal(err)
	}
	if res, _ := env.PostForm(t, admin, detail+"/tokens/"+rileys.ID+"/revoke", csrf, nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("revoke another person's token through the account: %d, want 404", res.StatusCode)
	}

	// Disable, enable, delete: each confirmed, each with a flash.
	for _, step := range []struct {
		path, flash string
		status      int
	}{
		{"/disable", "disabled", http.StatusUnauthorized},
		{"/enable", "enabled", http.StatusOK},
	} {
		res, _ := env.PostForm(t, admin, detail+step.path, csrf, nil)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST %s: %d", step.path, res.StatusCode)
		}
		_, page := env.Get(t, admin, detail)
		if !strings.Contains(flashText(page), step.flash) {
			t.Errorf("after %s: flash %q", step.path, flashText(page))
		}
		if res, _ := apiCall(t, env, http.MethodGet, "/beta/me", "Bearer "+token); res.StatusCode != step.status {
			t.Errorf("the token after %s: %d, want %d", step.path, res.StatusCode, step.status)
		}
	}
	_, page = env.Get(t, admin, detail)
	if !strings.Contains(page, "Delete CI deploy bot?") || !strings.Contains(page, "Disable CI deploy bot?") {
		t.Error("delete and disable are not confirmed")
	}
	res, _ = env.PostForm(t, admin, detail+"/delete", csrf, nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/service-accounts" {
		t.Fatalf("delete: %d", res.StatusCode)
	}
	if res, _ := apiCall(t, env, http.MethodGet, "/beta/me", "Bearer "+token); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("the deleted account's token: %d", res.StatusCode)
	}
	if res, _ := env.Get(t, admin, detail); res.StatusCode != http.StatusNotFound {
		t.Errorf("the deleted account's page: %d", res.StatusCode)
	}
}
