package demoidp

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

const (
	testClientID     = "steward"
	testClientSecret = "test-client-secret-4f1c"
	testStylesheet   = "/static/app.css?v=test"
)

var testUsers = []User{
	{
		Subject:     "demo-admin",
		Email:       "ada.admin@example.com",
		Name:        "Ada Admin",
		Description: "Administrator: configures everything",
		Groups:      []string{"steward-admins", "staff"},
	},
	{
		Subject:     "demo-requester",
		Email:       "rory.requester@example.com",
		Name:        "Rory Requester",
		Description: "Requests access for themselves",
	},
}

// TestMain silences zitadel, which logs refused requests to slog.Default; the refusals are what
// many of these tests are about.
func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.DiscardHandler))
	os.Exit(m.Run())
}

// testSigningKey is shared: a 2048-bit key takes long enough under -race to matter.
var testSigningKey = sync.OnceValues(GenerateSigningKey)

// fakeClock drives the storage's expiry; token signing still uses the real time.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// testEnv is the provider mounted under /idp on a real listener, as the web layer mounts it,
// plus a relying party configured against it.
type testEnv struct {
	base          string // http://127.0.0.1:port
	issuer        string // base + "/idp"
	redirectURI   string
	postLogoutURI string
	clock         *fakeClock
	provider      *oidc.Provider
	oauth         oauth2.Config
}

func newTestEnv(t *testing.T, mutate ...func(*Config)) *testEnv {
	t.Helper()
	key, err := testSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	// Listen first: the issuer must contain the port before the provider is built.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	e := &testEnv{
		base:          base,
		issuer:        base + "/idp",
		redirectURI:   base + "/auth/callback",
		postLogoutURI: base + "/signed-out",
		clock:         &fakeClock{t: time.Now()},
	}
	cfg := Config{
		Issuer: e.issuer,
		Users:  testUsers,
		Clients: []Client{{
			ID:                     testClientID,
			Secret:                 testClientSecret,
			RedirectURIs:           []string{e.redirectURI},
			PostLogoutRedirectURIs: []string{e.postLogoutURI},
		}},
		SigningKey:    key,
		CryptoKey:     [32]byte{1, 2, 3, 4, 5, 6, 7, 8, 9},
		StylesheetURL: testStylesheet,
		Logger:        slog.New(slog.DiscardHandler),
	}
	for _, m := range mutate {
		m(&cfg)
	}
	h, err := newHandler(t.Context(), cfg, e.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/idp/", http.StripPrefix("/idp", h))
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: mux}}
	srv.Start()
	t.Cleanup(srv.Close)

	e.provider, err = oidc.NewProvider(t.Context(), e.issuer)
	if err != nil {
		t.Fatalf("discover provider: %v", err)
	}
	e.oauth = oauth2.Config{
		ClientID:     testClientID,
		ClientSecret: testClientSecret,
		Endpoint:     e.provider.Endpoint(),
		RedirectURL:  e.redirectURI,
		Scopes:       []string{oidc.ScopeOpenID, "email", "profile", "groups"},
	}
	return e
}

// browser follows redirects like a browser, except the final one to the relying party, which a
// test wants to inspect.
func (e *testEnv) browser(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{
		Jar: jar,
		CheckRedirect: func(req *http.Request, _ []*http.Request) error {
			if req.URL.Host == "" || strings.HasPrefix(req.URL.String(), e.redirectURI) || strings.HasPrefix(req.URL.String(), e.postLogoutURI) {
				return http.ErrUseLastResponse
			}
			return nil
		},
	}
}

// flow is one sign-in's client-side secrets and outcome.
type flow struct {
	verifier, state, nonce string
	authRequestID          string
	loginPage              string
	code                   string
}

// startSignIn sends the browser to the authorize endpoint and returns the login page it lands on.
func (e *testEnv) startSignIn(t *testing.T, c *http.Client, oauth oauth2.Config) *flow {
	t.Helper()
	f := &flow{verifier: oauth2.GenerateVerifier(), state: rand.Text(), nonce: rand.Text()}
	authURL := oauth.AuthCodeURL(f.state, oidc.Nonce(f.nonce), oauth2.S256ChallengeOption(f.verifier))
	res, body := get(t, c, authURL)
	if res.StatusCode != http.StatusOK || res.Request.URL.Path != "/idp/login" {
		t.Fatalf("authorize landed on %s with %d, want the login page with 200:\n%s", res.Request.URL, res.StatusCode, body)
	}
	f.authRequestID = res.Request.URL.Query().Get("authRequestID")
	f.loginPage = body
	return f
}

// pickUser submits the login form the way the page describes it and returns the code the
// relying party receives.
func (e *testEnv) pickUser(t *testing.T, c *http.Client, f *flow, subject string) {
	t.Helper()
	action := formAction(t, f.loginPage)
	hidden := regexp.MustCompile(`name="authRequestID" value="([^"]*)"`).FindStringSubmatch(f.loginPage)
	if hidden == nil {
		t.Fatalf("login page has no authRequestID field:\n%s", f.loginPage)
	}
	res := postForm(t, c, e.base+action, url.Values{"authRequestID": {html.UnescapeString(hidden[1])}, "subject": {subject}})
	if res.StatusCode != http.StatusFound {
		t.Fatalf("login POST ended with %d at %s, want a 302 to the redirect URI", res.StatusCode, res.Request.URL)
	}
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != e.redirectURI {
		t.Fatalf("redirected to %s, want %s", got, e.redirectURI)
	}
	if got := loc.Query().Get("state"); got != f.state {
		t.Fatalf("state = %q, want %q", got, f.state)
	}
	f.code = loc.Query().Get("code")
	if f.code == "" {
		t.Fatalf("no code in %s", loc)
	}
}

// signIn runs the browser part of a sign-in as subject.
func (e *testEnv) signIn(t *testing.T, oauth oauth2.Config, subject string) *flow {
	t.Helper()
	c := e.browser(t)
	f := e.startSignIn(t, c, oauth)
	e.pickUser(t, c, f, subject)
	return f
}

func (e *testEnv) verifier() *oidc.IDTokenVerifier {
	return e.provider.Verifier(&oidc.Config{ClientID: testClientID, SupportedSigningAlgs: []string{oidc.RS256}})
}

type tokenClaims struct {
	Email             string   `json:"email"`
	EmailVerified     *bool    `json:"email_verified"`
	Name              string   `json:"name"`
	PreferredUsername string   `json:"preferred_username"`
	Groups            []string `json:"groups"`
}

func TestDiscovery(t *testing.T) {
	e := newTestEnv(t)
	res, body := get(t, http.DefaultClient, e.issuer+"/.well-known/openid-configuration")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("discovery status %d", res.StatusCode)
	}
	var doc struct {
		Issuer                string   `json:"issuer"`
		AuthorizationEndpoint string   `json:"authorization_endpoint"`
		TokenEndpoint         string   `json:"token_endpoint"`
		UserinfoEndpoint      string   `json:"userinfo_endpoint"`
		EndSessionEndpoint    string   `json:"end_session_endpoint"`
		JWKSURI               string   `json:"jwks_uri"`
		CodeChallengeMethods  []string `json:"code_challenge_methods_supported"`
		SigningAlgs           []string `json:"id_token_signing_alg_values_supported"`
		Scopes                []string `json:"scopes_supported"`
		Claims                []string `json:"claims_supported"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct{ got, want string }{
		"issuer":                 {doc.Issuer, e.issuer},
		"authorization_endpoint": {doc.AuthorizationEndpoint, e.issuer + "/authorize"},
		"token_endpoint":         {doc.TokenEndpoint, e.issuer + "/oauth/token"},
		"userinfo_endpoint":      {doc.UserinfoEndpoint, e.issuer + "/userinfo"},
		"end_session_endpoint":   {doc.EndSessionEndpoint, e.issuer + "/end_session"},
		"jwks_uri":               {doc.JWKSURI, e.issuer + "/keys"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", name, c.got, c.want)
		}
	}
	if !slices.Equal(doc.CodeChallengeMethods, []string{"S256"}) {
		t.Errorf("code_challenge_methods_supported = %v, want [S256]", doc.CodeChallengeMethods)
	}
	if !slices.Contains(doc.SigningAlgs, "RS256") {
		t.Errorf("id_token_signing_alg_values_supported = %v, want RS256", doc.SigningAlgs)
	}
	if !slices.Contains(doc.Scopes, "groups") || !slices.Contains(doc.Claims, "groups") {
		t.Errorf("groups missing from scopes %v or claims %v", doc.Scopes, doc.Claims)
	}

	// The kid is the key's RFC 7638 thumbprint, so it does not change when Steward restarts.
	_, body = get(t, http.DefaultClient, doc.JWKSURI)
	var jwks struct {
		Keys []struct{ Kid, Kty, Alg, Use string } `json:"keys"`
	}
	if err := json.Unmarshal([]byte(body), &jwks); err != nil {
		t.Fatal(err)
	}
	key, _ := testSigningKey()
	if len(jwks.Keys) != 1 {
		t.Fatalf("JWKS has %d keys, want 1", len(jwks.Keys))
	}
	k := jwks.Keys[0]
	if k.Kty != "RSA" || k.Alg != "RS256" || k.Use != "sig" || k.Kid != thumbprint(t, &key.PublicKey) {
		t.Errorf("JWKS key = %+v, want an RS256 signing key with the thumbprint as kid", k)
	}
}

func TestAuthorizationCodeFlow(t *testing.T) {
	for _, u := range testUsers {
		t.Run(u.Subject, func(t *testing.T) {
			e := newTestEnv(t)
			c := e.browser(t)
			f := e.startSignIn(t, c, e.oauth)
			for _, want := range testUsers {
				if !strings.Contains(f.loginPage, "Sign in as "+want.Name) || !strings.Contains(f.loginPage, want.Email) {
					t.Errorf("login page does not offer %q", want.Name)
				}
			}
			e.pickUser(t, c, f, u.Subject)

			ctx := t.Context()
			tok, err := e.oauth.Exchange(ctx, f.code, oauth2.VerifierOption(f.verifier))
			if err != nil {
				t.Fatalf("exchange: %v", err)
			}
			rawIDToken, _ := tok.Extra("id_token").(string)
			idToken, err := e.verifier().Verify(ctx, rawIDToken)
			if err != nil {
				t.Fatalf("verify ID token: %v", err)
			}
			if idToken.Subject != u.Subject {
				t.Errorf("sub = %q, want %q", idToken.Subject, u.Subject)
			}
			if idToken.Nonce != f.nonce {
				t.Errorf("nonce = %q, want %q", idToken.Nonce, f.nonce)
			}
			var claims tokenClaims
			if err := idToken.Claims(&claims); err != nil {
				t.Fatal(err)
			}
			checkClaims(t, "ID token", claims, u)

			info, err := e.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
			if err != nil {
				t.Fatalf("userinfo: %v", err)
			}
			if info.Subject != u.Subject || info.Email != u.Email || !info.EmailVerified {
				t.Errorf("userinfo sub/email/verified = %q/%q/%v, want %q/%q/true", info.Subject, info.Email, info.EmailVerified, u.Subject, u.Email)
			}
			var infoClaims tokenClaims
			if err := info.Claims(&infoClaims); err != nil {
				t.Fatal(err)
			}
			checkClaims(t, "userinfo", infoClaims, u)
		})
	}
}

// TestAccessTokenIsAJWT: the access token is a JWT that a resource server (Steward's API)
// verifies with the provider's keys: issuer, audience (the client), expiry and signature.
func TestAccessTokenIsAJWT(t *testing.T) {
	e := newTestEnv(t)
	u := testUsers[0]
	f := e.signIn(t, e.oauth, u.Subject)
	ctx := t.Context()
	tok, err := e.oauth.Exchange(ctx, f.code, oauth2.VerifierOption(f.verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	at, err := e.verifier().Verify(ctx, tok.AccessToken)
	if err != nil {
		t.Fatalf("verify the access token as a JWT: %v", err)
	}
	if at.Subject != u.Subject || at.Issuer != e.issuer || !slices.Contains(at.Audience, testClientID) {
		t.Errorf("access token sub/iss/aud = %q/%q/%v", at.Subject, at.Issuer, at.Audience)
	}
	other := e.provider.Verifier(&oidc.Config{ClientID: "another-api", SupportedSigningAlgs: []string{oidc.RS256}})
	if _, err := other.Verify(ctx, tok.AccessToken); err == nil {
		t.Error("the access token verifies for another audience")
	}
	late := e.provider.Verifier(&oidc.Config{ClientID: testClientID, SupportedSigningAlgs: []string{oidc.RS256},
		Now: func() time.Time { return e.clock.Now().Add(accessTokenTTL + time.Minute) }})
	if _, err := late.Verify(ctx, tok.AccessToken); err == nil {
		t.Error("the access token verifies after it expired")
	}
}

func checkClaims(t *testing.T, where string, got tokenClaims, u User) {
	t.Helper()
	if got.Email != u.Email || got.EmailVerified == nil || !*got.EmailVerified {
		t.Errorf("%s: email = %q verified %v, want %q verified", where, got.Email, got.EmailVerified, u.Email)
	}
	if got.Name != u.Name || got.PreferredUsername != u.Email {
		t.Errorf("%s: name/preferred_username = %q/%q, want %q/%q", where, got.Name, got.PreferredUsername, u.Name, u.Email)
	}
	wantGroups := u.Groups
	if wantGroups == nil {
		wantGroups = []string{}
	}
	if got.Groups == nil || !slices.Equal(got.Groups, wantGroups) {
		t.Errorf("%s: groups = %#v, want %#v", where, got.Groups, wantGroups)
	}
}

func TestCodeExchangeRejections(t *testing.T) {
	tests := []struct {
		name     string
		wantCode string
		// exchange does whatever the case needs and returns the error of the exchange under test.
		exchange func(t *testing.T, e *testEnv, f *flow) error
	}{
		{
			name:     "wrong PKCE verifier",
			wantCode: "invalid_grant",
			exchange: func(t *testing.T, e *testEnv, f *flow) error {
				_, err := e.oauth.Exchange(t.Context(), f.code, oauth2.VerifierOption(oauth2.GenerateVerifier()))
				return err
			},
		},
		{
			name:     "missing PKCE verifier",
			wantCode: "invalid_request",
			exchange: func(t *testing.T, e *testEnv, f *flow) error {
				_, err := e.oauth.Exchange(t.Context(), f.code)
				return err
			},
		},
		{
			name:     "replayed code",
			wantCode: "invalid_grant",
			exchange: func(t *testing.T, e *testEnv, f *flow) error {
				tok, err := e.oauth.Exchange(t.Context(), f.code, oauth2.VerifierOption(f.verifier))
				if err != nil {
					t.Fatalf("first exchange: %v", err)
				}
				_, replayErr := e.oauth.Exchange(t.Context(), f.code, oauth2.VerifierOption(f.verifier))
				// A replay means the code leaked, so what it bought is revoked too.
				if _, err := e.provider.UserInfo(t.Context(), oauth2.StaticTokenSource(tok)); err == nil {
					t.Error("access token from the replayed code still works at userinfo")
				}
				return replayErr
			},
		},
		{
			name:     "wrong client secret",
			wantCode: "invalid_client",
			exchange: func(t *testing.T, e *testEnv, f *flow) error {
				wrong := e.oauth
				wrong.ClientSecret = "not-the-secret"
				_, err := wrong.Exchange(t.Context(), f.code, oauth2.VerifierOption(f.verifier))
				return err
			},
		},
		{
			name:     "expired code",
			wantCode: "invalid_grant",
			exchange: func(t *testing.T, e *testEnv, f *flow) error {
				e.clock.Advance(codeTTL + time.Second)
				_, err := e.oauth.Exchange(t.Context(), f.code, oauth2.VerifierOption(f.verifier))
				return err
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t)
			f := e.signIn(t, e.oauth, "demo-admin")
			err := tt.exchange(t, e, f)
			var re *oauth2.RetrieveError
			if !errors.As(err, &re) {
				t.Fatalf("exchange error = %v, want an OAuth error %s", err, tt.wantCode)
			}
			if re.ErrorCode != tt.wantCode {
				t.Errorf("error code = %q (%s), want %q", re.ErrorCode, re.ErrorDescription, tt.wantCode)
			}
		})
	}
}

// TestFailedExchangeKeepsCode: a client error must be reported as itself, not hidden behind an
// invalid_grant for a code the failed attempt burnt.
func TestFailedExchangeKeepsCode(t *testing.T) {
	e := newTestEnv(t)
	f := e.signIn(t, e.oauth, "demo-admin")
	if _, err := e.oauth.Exchange(t.Context(), f.code, oauth2.VerifierOption(oauth2.GenerateVerifier())); err == nil {
		t.Fatal("exchange with a wrong verifier succeeded")
	}
	if _, err := e.oauth.Exchange(t.Context(), f.code, oauth2.VerifierOption(f.verifier)); err != nil {
		t.Fatalf("exchange with the right verifier after a failed one: %v", err)
	}
}

func TestAuthorizeRejections(t *testing.T) {
	e := newTestEnv(t)
	verifier := oauth2.GenerateVerifier()
	tests := []struct {
		name string
		opts []oauth2.AuthCodeOption
		// wantError is the error the relying party receives; empty means the provider must answer
		// 400 itself instead of redirecting to an unverified URI.
		wantError string
	}{
		{"no PKCE", nil, "invalid_request"},
		{"plain PKCE", []oauth2.AuthCodeOption{
			oauth2.SetAuthURLParam("code_challenge", verifier),
			oauth2.SetAuthURLParam("code_challenge_method", "plain"),
		}, "invalid_request"},
		{"form_post response mode", []oauth2.AuthCodeOption{
			oauth2.S256ChallengeOption(verifier),
			oauth2.SetAuthURLParam("response_mode", "form_post"),
		}, "invalid_request"},
		{"prompt none", []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("prompt", "none")}, "login_required"},
		{"unregistered redirect URI", []oauth2.AuthCodeOption{
			oauth2.S256ChallengeOption(verifier),
			oauth2.SetAuthURLParam("redirect_uri", e.base+"/elsewhere"),
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := get(t, e.browser(t), e.oauth.AuthCodeURL("st", tt.opts...))
			if tt.wantError == "" {
				if res.StatusCode != http.StatusBadRequest {
					t.Errorf("status = %d, want 400:\n%s", res.StatusCode, body)
				}
				return
			}
			loc, err := url.Parse(res.Header.Get("Location"))
			if res.StatusCode != http.StatusFound || err != nil || !strings.HasPrefix(loc.String(), e.redirectURI) {
				t.Fatalf("status %d to %q, want a redirect to the client", res.StatusCode, res.Header.Get("Location"))
			}
			if got := loc.Query().Get("error"); got != tt.wantError {
				t.Errorf("error = %q (%s), want %q", got, loc.Query().Get("error_description"), tt.wantError)
			}
			if loc.Query().Get("state") != "st" {
				t.Errorf("state not passed back in %s", loc)
			}
		})
	}
}

func TestLoginPage(t *testing.T) {
	e := newTestEnv(t)
	c := e.browser(t)
	authURL := e.oauth.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))
	res, body := get(t, c, authURL)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	if got := res.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", got)
	}
	text := stripTags(html.UnescapeString(body))
	for _, want := range []string{
		"Demo sign-in — for trying Steward only.",
		"Configure STEWARD_OIDC_ISSUER to use your organisation's identity provider.",
		"Sign in as Ada Admin",
		"ada.admin@example.com",
		"Administrator: configures everything",
		"Sign in as Rory Requester",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("login page text lacks %q", want)
		}
	}
	for _, want := range []string{
		`<link rel="stylesheet" href="` + testStylesheet + `">`,
		`<form method="post" action="/idp/login"`,
		`<button type="submit" name="subject" value="demo-admin"`,
		`<input type="hidden" name="authRequestID"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("login page markup lacks %s", want)
		}
	}
	// The portal's CSP forbids inline scripts and styles.
	for _, banned := range []string{"<script", " style="} {
		if strings.Contains(body, banned) {
			t.Errorf("login page contains %q", banned)
		}
	}
}

func TestLoginRejections(t *testing.T) {
	e := newTestEnv(t)
	tests := []struct {
		name       string
		do         func(t *testing.T, c *http.Client) (*http.Response, string)
		wantStatus int
		wantText   string
	}{
		{
			name: "unknown user",
			do: func(t *testing.T, c *http.Client) (*http.Response, string) {
				f := e.startSignIn(t, c, e.oauth)
				return postFormBody(t, c, e.issuer+"/login", url.Values{"authRequestID": {f.authRequestID}, "subject": {"demo-nobody"}})
			},
			wantStatus: http.StatusBadRequest,
			wantText:   "Unknown demo user",
		},
		{
			name: "unknown auth request on POST",
			do: func(t *testing.T, c *http.Client) (*http.Response, string) {
				return postFormBody(t, c, e.issuer+"/login", url.Values{"authRequestID": {"nope"}, "subject": {"demo-admin"}})
			},
			wantStatus: http.StatusBadRequest,
			wantText:   "This sign-in link has expired",
		},
		{
			name: "unknown auth request on GET",
			do: func(t *testing.T, c *http.Client) (*http.Response, string) {
				return get(t, c, e.issuer+"/login?authRequestID=nope")
			},
			wantStatus: http.StatusBadRequest,
			wantText:   "This sign-in link has expired",
		},
		{
			name: "missing auth request",
			do: func(t *testing.T, c *http.Client) (*http.Response, string) {
				return get(t, c, e.issuer+"/login")
			},
			wantStatus: http.StatusBadRequest,
			wantText:   "This sign-in link has expired",
		},
		{
			name: "expired auth request",
			do: func(t *testing.T, c *http.Client) (*http.Response, string) {
				f := e.startSignIn(t, c, e.oauth)
				e.clock.Advance(authRequestTTL + time.Second)
				defer e.clock.Advance(-authRequestTTL - time.Second)
				return postFormBody(t, c, e.issuer+"/login", url.Values{"authRequestID": {f.authRequestID}, "subject": {"demo-admin"}})
			},
			wantStatus: http.StatusBadRequest,
			wantText:   "This sign-in link has expired",
		},
		{
			name: "second pick for the same request",
			do: func(t *testing.T, c *http.Client) (*http.Response, string) {
				f := e.startSignIn(t, c, e.oauth)
				e.pickUser(t, c, f, "demo-requester")
				return postFormBody(t, c, e.issuer+"/login", url.Values{"authRequestID": {f.authRequestID}, "subject": {"demo-admin"}})
			},
			wantStatus: http.StatusBadRequest,
			wantText:   "This sign-in is already complete",
		},
		{
			name: "cross-origin POST",
			do: func(t *testing.T, c *http.Client) (*http.Response, string) {
				f := e.startSignIn(t, c, e.oauth)
				req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, e.issuer+"/login",
					strings.NewReader(url.Values{"authRequestID": {f.authRequestID}, "subject": {"demo-admin"}}.Encode()))
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Sec-Fetch-Site", "cross-site")
				return do(t, c, req)
			},
			wantStatus: http.StatusForbidden,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := tt.do(t, e.browser(t))
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d:\n%s", res.StatusCode, tt.wantStatus, body)
			}
			if !strings.Contains(html.UnescapeString(body), tt.wantText) {
				t.Errorf("body lacks %q:\n%s", tt.wantText, body)
			}
			if tt.wantStatus == http.StatusBadRequest && !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
				t.Errorf("Content-Type = %q, want an HTML page", res.Header.Get("Content-Type"))
			}
		})
	}
}

func TestRefreshTokenRotation(t *testing.T) {
	e := newTestEnv(t)
	oauth := e.oauth
	oauth.Scopes = append(slices.Clone(oauth.Scopes), oidc.ScopeOfflineAccess)
	f := e.signIn(t, oauth, "demo-admin")
	ctx := t.Context()
	tok, err := oauth.Exchange(ctx, f.code, oauth2.VerifierOption(f.verifier))
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken == "" {
		t.Fatal("no refresh token for offline_access")
	}
	refreshed, err := oauth.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if refreshed.RefreshToken == "" || refreshed.RefreshToken == tok.RefreshToken {
		t.Error("refresh did not rotate the refresh token")
	}
	if _, err := e.verifier().Verify(ctx, refreshed.Extra("id_token").(string)); err != nil {
		t.Errorf("refreshed ID token: %v", err)
	}
	if _, err := e.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err == nil {
		t.Error("access token replaced by the refresh still works")
	}
	_, err = oauth.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" {
		t.Errorf("reusing a rotated refresh token: %v, want invalid_grant", err)
	}
}

func TestEndSession(t *testing.T) {
	e := newTestEnv(t)
	f := e.signIn(t, e.oauth, "demo-admin")
	ctx := t.Context()
	tok, err := e.oauth.Exchange(ctx, f.code, oauth2.VerifierOption(f.verifier))
	if err != nil {
		t.Fatal(err)
	}
	idToken := tok.Extra("id_token").(string)

	endSession := func(postLogout string) *http.Response {
		q := url.Values{"id_token_hint": {idToken}, "post_logout_redirect_uri": {postLogout}, "state": {"bye"}}
		res, _ := get(t, e.browser(t), e.issuer+"/end_session?"+q.Encode())
		return res
	}
	if res := endSession(e.base + "/not-registered"); res.StatusCode != http.StatusBadRequest {
		t.Errorf("unregistered post_logout_redirect_uri: status %d, want 400", res.StatusCode)
	}
	res := endSession(e.postLogoutURI)
	if got, want := res.Header.Get("Location"), e.postLogoutURI+"?state=bye"; res.StatusCode != http.StatusFound || got != want {
		t.Fatalf("end_session answered %d to %q, want 302 to %q", res.StatusCode, got, want)
	}
	if _, err := e.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err == nil {
		t.Error("access token still works after sign-out")
	}
}

// TestNoSecretsInLogs runs sign-ins that succeed and fail with every log at debug level, then
// looks for the secrets in what was logged, including by zitadel, which logs to slog.Default.
func TestNoSecretsInLogs(t *testing.T) {
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	prev := slog.Default()
	slog.SetDefault(logger)
	t.Cleanup(func() { slog.SetDefault(prev) })

	e := newTestEnv(t, func(c *Config) { c.Logger = logger })
	secrets := []string{testClientSecret}
	for range 2 {
		f := e.signIn(t, e.oauth, "demo-admin")
		secrets = append(secrets, f.code, f.verifier)
		_, _ = e.oauth.Exchange(t.Context(), f.code, oauth2.VerifierOption(oauth2.GenerateVerifier()))
		tok, err := e.oauth.Exchange(t.Context(), f.code, oauth2.VerifierOption(f.verifier))
		if err == nil {
			secrets = append(secrets, tok.AccessToken, tok.Extra("id_token").(string))
		}
	}
	f := e.signIn(t, e.oauth, "demo-admin")
	tok, err := e.oauth.Exchange(t.Context(), f.code, oauth2.VerifierOption(f.verifier))
	if err != nil {
		t.Fatal(err)
	}
	secrets = append(secrets, f.code, f.verifier, tok.AccessToken, tok.Extra("id_token").(string))

	got := logs.String()
	for _, s := range secrets {
		if s != "" && strings.Contains(got, s) {
			t.Errorf("a secret appears in the logs:\n%s", got)
			break
		}
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	key, err := testSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	smallKey, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	valid := func() Config {
		return Config{
			Issuer:     "http://localhost:8080/idp",
			Users:      []User{{Subject: "demo-admin", Email: "a@example.com", Name: "Ada"}},
			Clients:    []Client{{ID: "steward", Secret: "s", RedirectURIs: []string{"http://localhost:8080/auth/callback"}}},
			SigningKey: key,
			CryptoKey:  [32]byte{1},
		}
	}
	if _, err := New(t.Context(), valid()); err != nil {
		t.Fatalf("valid config rejected: %v", err)
	}
	tests := []struct {
		name   string
		mutate func(*Config)
	}{
		{"relative issuer", func(c *Config) { c.Issuer = "/idp" }},
		{"issuer with trailing slash", func(c *Config) { c.Issuer = "http://localhost:8080/idp/" }},
		{"issuer with query", func(c *Config) { c.Issuer = "http://localhost:8080/idp?x=1" }},
		{"no signing key", func(c *Config) { c.SigningKey = nil }},
		{"small signing key", func(c *Config) { c.SigningKey = smallKey }},
		{"zero crypto key", func(c *Config) { c.CryptoKey = [32]byte{} }},
		{"no users", func(c *Config) { c.Users = nil }},
		{"user without subject", func(c *Config) { c.Users[0].Subject = "" }},
		{"subject with colon", func(c *Config) { c.Users[0].Subject = "demo:admin" }},
		{"duplicate subject", func(c *Config) { c.Users = append(c.Users, c.Users[0]) }},
		{"user without email", func(c *Config) { c.Users[0].Email = "" }},
		{"no clients", func(c *Config) { c.Clients = nil }},
		{"client without secret", func(c *Config) { c.Clients[0].Secret = "" }},
		{"client without redirect URI", func(c *Config) { c.Clients[0].RedirectURIs = nil }},
		{"duplicate client", func(c *Config) { c.Clients = append(c.Clients, c.Clients[0]) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid()
			tt.mutate(&cfg)
			if _, err := New(t.Context(), cfg); err == nil {
				t.Error("New accepted the config")
			}
		})
	}
}

func TestInitials(t *testing.T) {
	for name, want := range map[string]string{
		"Ada Admin":           "AA",
		"Rory":                "R",
		"émile van der Berg":  "ÉV",
		"  spaced   out  ":    "SO",
		"":                    "",
		"(Ops) Olga Operator": "OO",
	} {
		if got := initials(name); got != want {
			t.Errorf("initials(%q) = %q, want %q", name, got, want)
		}
	}
}

// --- helpers ---

func get(t *testing.T, c *http.Client, rawURL string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, c, req)
}

func postForm(t *testing.T, c *http.Client, rawURL string, form url.Values) *http.Response {
	t.Helper()
	res, _ := postFormBody(t, c, rawURL, form)
	return res
}

func postFormBody(t *testing.T, c *http.Client, rawURL string, form url.Values) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, rawURL, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(t, c, req)
}

func do(t *testing.T, c *http.Client, req *http.Request) (*http.Response, string) {
	t.Helper()
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer func() { _ = res.Body.Close() }()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(body)
}

func formAction(t *testing.T, page string) string {
	t.Helper()
	m := regexp.MustCompile(`<form method="post" action="([^"]*)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no POST form on the login page:\n%s", page)
	}
	return html.UnescapeString(m[1])
}

var tagRE = regexp.MustCompile(`<[^>]*>`)

// stripTags reduces markup to its text, so assertions about wording survive markup changes.
func stripTags(s string) string {
	return strings.Join(strings.Fields(tagRE.ReplaceAllString(s, "")), " ")
}

func thumbprint(t *testing.T, pub *rsa.PublicKey) string {
	t.Helper()
	// RFC 7638: SHA-256 over the required members in lexicographic order, no whitespace.
	e := base64.RawURLEncoding.EncodeToString(bigEndian(pub.E))
	n := base64.RawURLEncoding.EncodeToString(pub.N.Bytes())
	sum := sha256.Sum256([]byte(`{"e":"` + e + `","kty":"RSA","n":"` + n + `"}`))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func bigEndian(v int) []byte {
	var b []byte
	for ; v > 0; v >>= 8 {
		b = append([]byte{byte(v)}, b...)
	}
	return b
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines and the test to share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
