package web_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/store"
	"github.com/stewardhq/steward/web"
	"github.com/stewardhq/steward/web/demoidp"
	"github.com/stewardhq/steward/web/webtest"
)

// apiUsers are testUsers and someone who has never signed in to Steward.
var apiUsers = append(append([]demoidp.User{}, testUsers...),
	demoidp.User{Subject: "demo-nova", Email: "nova@example.com", Name: "Nova Newcomer", Description: "Never signed in"})

// apiCall sends a request to the API with the Authorization header, as a script would: no cookie
// jar, no CSRF token.
func apiCall(t *testing.T, env *webtest.Env, method, path, authorization string) (*http.Response, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, env.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var body map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &body); err != nil {
			t.Fatalf("%s %s: %d, not JSON: %.200s", method, path, res.StatusCode, raw)
		}
	}
	if c := res.Header.Values("Set-Cookie"); len(c) > 0 {
		t.Errorf("%s %s sets cookies: %v", method, path, c)
	}
	return res, body
}

// apiError checks Graph's error shape and returns its code and message.
func apiErrorOf(t *testing.T, what string, body map[string]any) (string, string) {
	t.Helper()
	e, _ := body["error"].(map[string]any)
	inner, _ := e["innerError"].(map[string]any)
	code, _ := e["code"].(string)
	msg, _ := e["message"].(string)
	if code == "" || msg == "" || inner["request-id"] == "" || inner["request-id"] == nil || inner["date"] == nil {
		t.Errorf("%s: error body %v, want {error:{code,message,innerError:{request-id,date}}}", what, body)
	}
	return code, msg
}

func TestAPIAuthentication(t *testing.T) {
	env := webtest.Start(t, webtest.Options{Users: apiUsers, Admins: []string{"ada@example.com"}})
	ctx := context.Background()
	// Riley and Ada have signed in to the portal before; Nova never has.
	for _, email := range []string{"riley@example.com", "ada@example.com"} {
		env.SignIn(t, env.Client(t), email)
	}
	var riley, ada entitlement.User
	if err := env.Store.View(ctx, func(tx entitlement.Tx) error {
		var err error
		if riley, err = tx.Users().ByEmail("riley@example.com"); err != nil {
			return err
		}
		ada, err = tx.Users().ByEmail("ada@example.com")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	asRiley := entitlement.WithPrincipal(ctx, entitlement.Principal{UserID: riley.ID, Name: riley.DisplayName})
	rileyToken, _, err := env.Svc.CreateAPIToken(asRiley, entitlement.APITokenInput{Name: "script", Days: 30})
	if err != nil {
		t.Fatal(err)
	}
	root := entitlement.WithPrincipal(ctx, entitlement.Principal{UserID: ada.ID, Name: "Ada Admin", Email: "ada@example.com", IsAdmin: true})
	bot, err := env.Svc.CreateServiceAccount(root, entitlement.ServiceAccountInput{DisplayName: "CI deploy bot"})
	if err != nil {
		t.Fatal(err)
	}
	botToken, _, err := env.Svc.CreateServiceAccountToken(root, bot.ID, entitlement.APITokenInput{Name: "pipeline"})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("each kind of token reaches /beta/me", func(t *testing.T) {
		for _, tc := range []struct {
			name, token, id, displayName, mail, userType string
		}{
			{"a person's API token", rileyToken, riley.ID, "Riley Requester", "riley@example.com", "Member"},
			{"a service account's API token", botToken, bot.ID, "CI deploy bot", "", "ServiceAccount"},
			{"an access token of the identity provider", env.AccessToken(t, "demo-riley"), riley.ID, "Riley Requester", "riley@example.com", "Member"},
		} {
			res, body := apiCall(t, env, http.MethodGet, "/beta/me", "Bearer "+tc.token)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d %v", tc.name, res.StatusCode, body)
			}
			if body["id"] != tc.id || body["displayName"] != tc.displayName || body["userType"] != tc.userType ||
				!strings.HasSuffix(body["@odata.context"].(string), "/beta/$metadata#users/$entity") {
				t.Errorf("%s: /beta/me = %v", tc.name, body)
			}
			if mail, _ := body["mail"].(string); mail != tc.mail {
				t.Errorf("%s: mail = %v, want %q", tc.name, body["mail"], tc.mail)
			}
			if _, ok := body["userPrincipalName"]; !ok {
				t.Errorf("%s: no userPrincipalName", tc.name)
			}
		}
		// The scheme's case does not matter (RFC 7235).
		if res, _ := apiCall(t, env, http.MethodGet, "/beta/me", "bearer "+rileyToken); res.StatusCode != http.StatusOK {
			t.Errorf("lower-case bearer: %d", res.StatusCode)
		}
	})

	// Tokens forged with the provider's own key, and with another.
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
	now := time.Now()
	claims := func(k string, v any) map[string]any {
		m := map[string]any{"iss": env.URL + "/idp", "aud": web.DemoClientID, "sub": "demo-riley", "exp": now.Add(time.Hour).Unix(), "iat": now.Unix()}
		m[k] = v
		return m
	}
	if res, body := apiCall(t, env, http.MethodGet, "/beta/me", "Bearer "+sign(t, providerKey, claims("jti", "forged-but-valid"))); res.StatusCode != http.StatusOK {
		t.Fatalf("a well-formed access token signed by the provider: %d %v", res.StatusCode, body)
	}
	revoked, rec, err := env.Svc.CreateAPIToken(asRiley, entitlement.APITokenInput{Name: "revoked"})
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Svc.RevokeAPIToken(asRiley, rec.ID); err != nil {
		t.Fatal(err)
	}
	expiring, _, err := env.Svc.CreateAPIToken(asRiley, entitlement.APITokenInput{Name: "one day", Days: 1})
	if err != nil {
		t.Fatal(err)
	}
	blocked, err := env.Svc.CreateServiceAccount(root, entitlement.ServiceAccountInput{DisplayName: "Old bot"})
	if err != nil {
		t.Fatal(err)
	}
	blockedToken, _, err := env.Svc.CreateServiceAccountToken(root, blocked.ID, entitlement.APITokenInput{Name: "old"})
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Svc.SetServiceAccountEnabled(root, blocked.ID, false); err != nil {
		t.Fatal(err)
	}

	t.Run("anything wrong with the token is a 401 in JSON", func(t *testing.T) {
		for _, tc := range []struct {
			name, authorization, says string
		}{
			{"no header", "", "Bearer"},
			{"another scheme", "Basic cmlsZXk6c2VjcmV0", "Bearer"},
			{"no token", "Bearer ", "Bearer"},
			{"garbage", "Bearer garbage", "neither"},
			{"three dots of garbage", "Bearer a.b.c", "not accepted"},
			{"an unknown API token", "Bearer stw_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "unknown, revoked or expired"},
			{"a revoked API token", "Bearer " + revoked, "unknown, revoked or expired"},
			{"a disabled service account's token", "Bearer " + blockedToken, "unknown, revoked or expired"},
			{"an access token signed by another key", "Bearer " + sign(t, otherKey, claims("jti", "x")), "not accepted"},
			{"an access token for another audience", "Bearer " + sign(t, providerKey, claims("aud", "someone-else")), "not accepted"},
			{"an access token of another issuer", "Bearer " + sign(t, providerKey, claims("iss", "https://evil.example/idp")), "not accepted"},
			{"an expired access token", "Bearer " + sign(t, providerKey, claims("exp", now.Add(-time.Hour).Unix())), "expired"},
			{"an access token of someone who never signed in", "Bearer " + env.AccessToken(t, "demo-nova"), "never signed in"},
		} {
			res, body := apiCall(t, env, http.MethodGet, "/beta/me", tc.authorization)
			if res.StatusCode != http.StatusUnauthorized {
				t.Errorf("%s: %d, want 401", tc.name, res.StatusCode)
				continue
			}
			if !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
				t.Errorf("%s: WWW-Authenticate %q, Content-Type %q", tc.name, res.Header.Get("WWW-Authenticate"), res.Header.Get("Content-Type"))
			}
			if _, msg := apiErrorOf(t, tc.name, body); !strings.Contains(msg, tc.says) {
				t.Errorf("%s: message %q, want it to say %q", tc.name, msg, tc.says)
			}
		}
		// An API token stops at its expiry.
		env.Clock.Advance(24 * time.Hour)
		if res, _ := apiCall(t, env, http.MethodGet, "/beta/me", "Bearer "+expiring); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("an expired API token: %d, want 401", res.StatusCode)
		}
		if res, _ := apiCall(t, env, http.MethodGet, "/beta/me", "Bearer "+rileyToken); res.StatusCode != http.StatusOK {
			t.Errorf("a token with days left: %d, want 200", res.StatusCode)
		}
	})

	t.Run("the API takes no cookie and needs no CSRF; the portal still does", func(t *testing.T) {
		env.Server.API().POST("/test/echo", func(c echo.Context) error {
			p, _ := entitlement.PrincipalFrom(c.Request().Context())
			return c.JSON(http.StatusCreated, map[string]string{"by": p.Name})
		})
		env.Server.API().GET("/test/boom", func(echo.Context) error { return errors.New("bolt: page 7 corrupt at /var/secret") })
		res, body := apiCall(t, env, http.MethodPost, "/beta/test/echo", "Bearer "+botToken)
		if res.StatusCode != http.StatusCreated || body["by"] != "CI deploy bot (service account)" {
			t.Errorf("POST without CSRF: %d %v", res.StatusCode, body)
		}
		// A signed-in browser's cookie is no way into the API.
		c := env.Client(t)
		page := env.SignIn(t, c, "riley@example.com")
		req, _ := http.NewRequest(http.MethodGet, env.URL+"/beta/me", nil)
		if res, err := c.Do(req); err != nil || res.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET /beta/me with the session cookie: %v %v, want 401", res.StatusCode, err)
		}
		res2, _ := env.PostForm(t, c, "/profile/time-zone", "", url.Values{"timeZone": {"Europe/Paris"}})
		if res2.StatusCode != http.StatusForbidden {
			t.Errorf("portal POST without CSRF: %d, want 403", res2.StatusCode)
		}
		if res3, _ := env.PostForm(t, c, "/profile/time-zone", webtest.CSRF(t, page), url.Values{"timeZone": {"Europe/Paris"}}); res3.StatusCode >= 400 {
			t.Errorf("portal POST with CSRF: %d", res3.StatusCode)
		}
		// Errors of the API are JSON, never a page or a sign-in redirect, and tell nothing internal.
		for _, tc := range []struct {
			method, path string
			status       int
		}{
			{http.MethodGet, "/beta/no-such-thing", http.StatusNotFound},
			// The group's catch-all answers an unknown method of a known path, so it is a 404 too.
			{http.MethodDelete, "/beta/me", http.StatusNotFound},
			{http.MethodGet, "/beta/test/boom", http.StatusInternalServerError},
		} {
			res, body := apiCall(t, env, tc.method, tc.path, "Bearer "+rileyToken)
			if res.StatusCode != tc.status {
				t.Errorf("%s %s: %d, want %d", tc.method, tc.path, res.StatusCode, tc.status)
			}
			code, msg := apiErrorOf(t, tc.path, body)
			if strings.Contains(msg, "secret") || strings.Contains(msg, "bolt") || (tc.status == 500 && code != "generalException") {
				t.Errorf("%s %s: %s %q", tc.method, tc.path, code, msg)
			}
		}
	})
}

// TestAPIWithTheProviderDown: an access token cannot be checked while the identity provider is
// unreachable; the API says so with a 503 (never a 500), and API tokens keep working.
func TestAPIWithTheProviderDown(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "steward.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := entitlement.NewService(entitlement.Options{Store: st, Logger: quiet})
	// Nothing listens on a port that was just closed.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://" + ln.Addr().String()
	ln.Close()
	srv, err := web.New(web.Config{BaseURL: "http://steward.test", SessionHashKey: []byte(strings.Repeat("h", 32)), SessionBlockKey: []byte(strings.Repeat("b", 32)),
		OIDC: web.OIDCConfig{Issuer: issuer, ClientID: "steward"}}, web.Deps{Service: svc, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	u := entitlement.User{ID: entitlement.NewID(), DisplayName: "Riley", Email: "riley@example.com", UserType: entitlement.UserTypeMember, AccountEnabled: true}
	if err := st.Update(context.Background(), func(tx entitlement.Tx) error { return tx.Users().Put(u) }); err != nil {
		t.Fatal(err)
	}
	token, _, err := svc.CreateAPIToken(entitlement.WithPrincipal(context.Background(), entitlement.Principal{UserID: u.ID}), entitlement.APITokenInput{Name: "script"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		token  string
		status int
	}{
		{"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyaWxleSJ9.c2lnbmF0dXJl", http.StatusServiceUnavailable},
		{token, http.StatusOK},
	} {
		req := httptest.NewRequest(http.MethodGet, "/beta/me", nil)
		req.Header.Set("Authorization", "Bearer "+tc.token)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != tc.status || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
			t.Errorf("%.12s…: %d %s, want %d in JSON", tc.token, rec.Code, rec.Body, tc.status)
		}
		if tc.status == http.StatusServiceUnavailable && !strings.Contains(rec.Body.String(), "identity provider cannot be reached") {
			t.Errorf("the 503 does not say why: %s", rec.Body)
		}
	}
}
