package web_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/static"
	"github.com/stewardhq/steward/web"
	"github.com/stewardhq/steward/web/demoidp"
	"github.com/stewardhq/steward/web/webtest"
)

var testUsers = []demoidp.User{
	{Subject: "demo-ada", Email: "ada@example.com", Name: "Ada Admin", Description: "Administrator", Groups: []string{"steward-admins"}},
	{Subject: "demo-riley", Email: "riley@example.com", Name: "Riley Requester", Description: "Requests access"},
}

func start(t *testing.T) *webtest.Env {
	t.Helper()
	return webtest.Start(t, webtest.Options{Users: testUsers, Admins: []string{"ada@example.com"}})
}

func TestSignInRoundTrip(t *testing.T) {
	env := start(t)
	c := env.Client(t)

	res, body := env.Get(t, c, "/")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `href="/login"`) {
		t.Fatalf("landing page: status %d, sign-in link missing", res.StatusCode)
	}

	loginURL, page, err := env.StartSignIn(c)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(loginURL.Path, "/idp/") {
		t.Fatalf("sign-in page at %s, want the demo provider under /idp", loginURL)
	}
	for _, want := range []string{"Demo sign-in", "Sign in as Ada Admin", "Sign in as Riley Requester"} {
		if !strings.Contains(page, want) {
			t.Errorf("provider page lacks %q", want)
		}
	}
	res, body, err = env.PickUser(c, page, "demo-riley")
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || res.Request.URL.Path != "/" {
		t.Fatalf("after sign-in: %d at %s", res.StatusCode, res.Request.URL)
	}
	if !strings.Contains(body, "Riley Requester") {
		t.Fatalf("home page does not show the signed-in user")
	}
	if strings.Contains(body, `href="/admin"`) {
		t.Errorf("a plain user sees the Admin navigation")
	}

	// The user was created in the store from the token's claims.
	err = env.Store.View(context.Background(), func(tx entitlement.Tx) error {
		u, err := tx.Users().ByEmail("riley@example.com")
		if err != nil {
			return err
		}
		if u.DisplayName != "Riley Requester" || u.Subject != "demo-riley" || u.Issuer != env.URL+"/idp" || u.LastSignInDateTime == nil {
			t.Errorf("stored user = %+v", u)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("user not stored from claims: %v", err)
	}

	// Sign-out clears the session.
	csrf := webtest.CSRF(t, body)
	res, _ = env.PostForm(t, c, "/logout", csrf, nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", res.StatusCode)
	}
	res, body = env.Get(t, c, "/")
	if res.StatusCode != http.StatusOK || strings.Contains(body, "Riley Requester") || !strings.Contains(body, "You are signed out") {
		t.Fatalf("after sign-out the home page still shows the user or no confirmation")
	}
}

func TestAdministratorSeesAdmin(t *testing.T) {
	env := start(t)
	c := env.Client(t)
	body := env.SignIn(t, c, "ada@example.com")
	if !strings.Contains(body, `href="/admin"`) {
		t.Fatalf("administrator does not see the Admin navigation")
	}
}

func TestSignInRefusals(t *testing.T) {
	env := start(t)

	t.Run("wrong state", func(t *testing.T) {
		c := env.Client(t)
		_, page, err := env.StartSignIn(c)
		if err != nil {
			t.Fatal(err)
		}
		cb, err := env.PickUserUntilCallback(c, page, "demo-riley")
		if err != nil {
			t.Fatal(err)
		}
		q := cb.Query()
		q.Set("state", "forged-"+q.Get("state"))
		cb.RawQuery = q.Encode()
		res, body := env.Follow(t, c, mustGet(t, cb.String()))
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "expired or was already used") {
			t.Fatalf("forged state: %d", res.StatusCode)
		}
		assertSignedOut(t, env, c)
	})

	t.Run("replayed code", func(t *testing.T) {
		c := env.Client(t)
		_, page, err := env.StartSignIn(c)
		if err != nil {
			t.Fatal(err)
		}
		first, err := env.PickUserUntilCallback(c, page, "demo-riley")
		if err != nil {
			t.Fatal(err)
		}
		if res, _ := env.Follow(t, c, mustGet(t, first.String())); res.StatusCode != http.StatusOK {
			t.Fatalf("first use of the code: %d", res.StatusCode)
		}
		// An attacker holding the old code starts a flow of their own and presents it.
		attacker := env.Client(t)
		_, page, err = env.StartSignIn(attacker)
		if err != nil {
			t.Fatal(err)
		}
		second, err := env.PickUserUntilCallback(attacker, page, "demo-riley")
		if err != nil {
			t.Fatal(err)
		}
		q := second.Query()
		q.Set("code", first.Query().Get("code"))
		second.RawQuery = q.Encode()
		res, body := env.Follow(t, attacker, mustGet(t, second.String()))
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "could not confirm your sign-in") {
			t.Fatalf("replayed code: %d", res.StatusCode)
		}
		assertSignedOut(t, env, attacker)
	})

	t.Run("provider error", func(t *testing.T) {
		c := env.Client(t)
		if _, _, err := env.StartSignIn(c); err != nil {
			t.Fatal(err)
		}
		res, body := env.Follow(t, c, mustGet(t, env.URL+"/auth/callback?error=access_denied&state=x"))
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "access_denied") {
			t.Fatalf("provider error: %d", res.StatusCode)
		}
	})
}

func TestIDTokenVerification(t *testing.T) {
	env := start(t)
	ctx := context.Background()
	der, err := env.Store.Secret(ctx, "demo_idp_signing_key", nil)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		t.Fatal(err)
	}
	providerKey := parsed.(*rsa.PrivateKey)
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	issuer := env.URL + "/idp"
	now := time.Now()
	valid := map[string]any{
		"iss": issuer, "aud": web.DemoClientID, "sub": "demo-riley", "nonce": "n-123",
		"exp": now.Add(time.Hour).Unix(), "iat": now.Unix(), "email": "riley@example.com", "name": "Riley Requester", "tid": "tenant-1",
	}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for kk, vv := range valid {
			m[kk] = vv
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	cases := []struct {
		name   string
		key    *rsa.PrivateKey
		claims map[string]any
		nonce  string
		ok     bool
	}{
		{"valid", providerKey, valid, "n-123", true},
		{"another issuer", providerKey, with("iss", "https://evil.example/idp"), "n-123", false},
		{"another audience", providerKey, with("aud", "someone-else"), "n-123", false},
		{"missing nonce", providerKey, with("nonce", nil), "n-123", false},
		{"wrong nonce", providerKey, with("nonce", "n-999"), "n-123", false},
		{"no nonce in the flow", providerKey, valid, "", false},
		{"expired", providerKey, with("exp", now.Add(-time.Hour).Unix()), "n-123", false},
		{"signed by another key", otherKey, valid, "n-123", false},
		{"e-mail verified", providerKey, with("email_verified", true), "n-123", true},
		{"e-mail verified, as a string", providerKey, with("email_verified", "true"), "n-123", true},
		{"e-mail not verified", providerKey, with("email_verified", false), "n-123", false},
		{"e-mail not verified, as a string", providerKey, with("email_verified", "false"), "n-123", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw := sign(t, tc.key, tc.claims)
			claims, err := env.Server.VerifyIDToken(ctx, raw, tc.nonce)
			if tc.ok {
				if err != nil {
					t.Fatalf("valid token refused: %v", err)
				}
				if claims.Email != "riley@example.com" || claims.Subject != "demo-riley" || claims.Issuer != issuer || claims.TenantID != "tenant-1" {
					t.Fatalf("claims = %+v", claims)
				}
				return
			}
			if err == nil {
				t.Fatalf("token accepted, want refusal")
			}
		})
	}
}

func TestProbesAndErrors(t *testing.T) {
	env := start(t)
	c := env.Client(t)
	for _, tc := range []struct {
		path   string
		status int
		want   string
	}{
		{"/healthz", http.StatusOK, "ok"},
		{"/readyz", http.StatusOK, "ready"},
		{"/no-such-page", http.StatusNotFound, "Not found"},
	} {
		res, body := env.Get(t, c, tc.path)
		if res.StatusCode != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("GET %s: %d %q", tc.path, res.StatusCode, body)
		}
	}
	res, _ := env.Get(t, c, "/")
	h := res.Header
	if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP = %q", csp)
	}
	if h.Get("X-Frame-Options") != "DENY" || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
		t.Errorf("security headers missing: %v", h)
	}
	res, _ = env.Get(t, c, static.Path("app.css"))
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("versioned stylesheet: %d, Cache-Control %q", res.StatusCode, res.Header.Get("Cache-Control"))
	}
	// A state-changing request without a CSRF token is refused.
	body := env.SignIn(t, c, "riley@example.com")
	_ = body
	res, err := c.PostForm(env.URL+"/logout", url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("logout without CSRF token: %d, want 403", res.StatusCode)
	}
}

func TestSessionCookieAttributes(t *testing.T) {
	env := start(t)
	c := env.Client(t)
	_, page, err := env.StartSignIn(c)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := env.PickUserUntilCallback(c, page, "demo-riley")
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Get(cb.String())
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var found bool
	for _, ck := range res.Cookies() {
		if ck.Name == "steward_session" {
			found = true
			if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
				t.Errorf("session cookie HttpOnly=%v SameSite=%v", ck.HttpOnly, ck.SameSite)
			}
		}
	}
	if !found {
		t.Fatalf("callback set no session cookie")
	}
}

func sign(t *testing.T, key *rsa.PrivateKey, claims map[string]any) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func mustGet(t *testing.T, u string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func assertSignedOut(t *testing.T, env *webtest.Env, c *http.Client) {
	t.Helper()
	_, body := env.Get(t, c, "/")
	if strings.Contains(body, "Riley Requester") {
		t.Fatalf("the refused sign-in left the client signed in")
	}
}

// TestExternalProvider signs in against a provider that is not mounted in Steward, configured by
// issuer, client id and secret as STEWARD_OIDC_ISSUER does, and makes administrators of the
// members of a groups-claim value as STEWARD_ADMIN_GROUP does.
func TestExternalProvider(t *testing.T) {
	env := webtest.Start(t, webtest.Options{Users: testUsers, AdminGroup: "steward-admins", External: true})
	c := env.Client(t)
	res, _ := env.Get(t, c, "/idp/.well-known/openid-configuration")
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("the demo provider is mounted although an external one is configured: %d", res.StatusCode)
	}
	loginURL, page, err := env.StartSignIn(c)
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasPrefix(loginURL.String(), env.URL) {
		t.Fatalf("sign-in page %s is served by Steward, want the external provider", loginURL)
	}
	res, body, err := env.PickUser(c, page, "demo-ada")
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Ada Admin") {
		t.Fatalf("after sign-in: %d", res.StatusCode)
	}
	if !strings.Contains(body, `href="/admin"`) {
		t.Fatalf("a member of the admin group does not see the Admin navigation")
	}

	other := env.Client(t)
	body = env.SignIn(t, other, "riley@example.com")
	if strings.Contains(body, `href="/admin"`) {
		t.Fatalf("a user outside the admin group sees the Admin navigation")
	}
}

// TestSignOutEndsTheSession replays the session cookie after sign-out, after blocking, and after
// the session's lifetime: each time the server treats it as signed out.
func TestSignOutEndsTheSession(t *testing.T) {
	env := start(t)
	ctx := context.Background()
	cookieOf := func(c *http.Client) *http.Cookie {
		u, _ := url.Parse(env.URL)
		for _, ck := range c.Jar.Cookies(u) {
			if ck.Name == "steward_session" {
				return ck
			}
		}
		t.Fatal("no session cookie")
		return nil
	}
	replay := func(ck *http.Cookie) string {
		req := mustGet(t, env.URL+"/")
		req.AddCookie(ck)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return string(body)
	}

	t.Run("sign-out", func(t *testing.T) {
		c := env.Client(t)
		body := env.SignIn(t, c, "riley@example.com")
		stolen := cookieOf(c)
		if !strings.Contains(replay(stolen), "Riley Requester") {
			t.Fatal("the cookie does not work while signed in")
		}
		if res, _ := env.PostForm(t, c, "/logout", webtest.CSRF(t, body), nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("logout: %d", res.StatusCode)
		}
		if strings.Contains(replay(stolen), "Riley Requester") {
			t.Fatal("a copy of the cookie still works after sign-out")
		}
	})

	t.Run("blocked", func(t *testing.T) {
		c := env.Client(t)
		env.SignIn(t, c, "riley@example.com")
		stolen := cookieOf(c)
		admin := env.Client(t)
		env.SignIn(t, admin, "ada@example.com")
		var riley entitlement.User
		_ = env.Store.View(ctx, func(tx entitlement.Tx) error {
			var err error
			riley, err = tx.Users().ByEmail("riley@example.com")
			return err
		})
		adminCtx := entitlement.WithPrincipal(ctx, entitlement.Principal{UserID: "root", Name: "Root", IsAdmin: true})
		if err := env.Svc.SetUserBlocked(adminCtx, riley.ID, true); err != nil {
			t.Fatal(err)
		}
		if err := env.Svc.SetUserBlocked(adminCtx, riley.ID, false); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(replay(stolen), "Riley Requester") {
			t.Fatal("blocking did not end the session: it works again after unblocking")
		}
	})

	t.Run("expired", func(t *testing.T) {
		c := env.Client(t)
		env.SignIn(t, c, "riley@example.com")
		stolen := cookieOf(c)
		env.Clock.Advance(entitlement.SessionLifetime)
		if strings.Contains(replay(stolen), "Riley Requester") {
			t.Fatal("the session outlived its lifetime")
		}
	})
}

// TestSignInRotatesTheCSRFToken: the CSRF token of the anonymous visit (one an attacker who
// planted the cookie, or read a page before sign-in, would know) no longer works once signed in.
func TestSignInRotatesTheCSRFToken(t *testing.T) {
	env := start(t)
	c := env.Client(t)
	_, page := env.Get(t, c, "/")
	before := webtest.CSRF(t, page)
	after := webtest.CSRF(t, env.SignIn(t, c, "riley@example.com"))
	if after == before {
		t.Fatal("the CSRF token is the same before and after sign-in")
	}
	if res, _ := env.PostForm(t, c, "/logout", before, nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("POST with the token from before sign-in: %d, want 403", res.StatusCode)
	}
	if res, _ := env.PostForm(t, c, "/logout", after, nil); res.StatusCode != http.StatusSeeOther {
		t.Errorf("POST with the new token: %d, want 303", res.StatusCode)
	}
}
