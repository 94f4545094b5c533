// Package webtest boots the real Steward server for tests: a bbolt file in the test's temp dir,
// the domain service on a manual clock, the embedded demo OpenID Connect provider, and the web
// server on a loopback listener. HTTP tests sign in through the real authorization-code flow with
// SignIn; browser tests drive the same server with package browsertest.
package webtest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/metrics"
	"github.com/stewardhq/steward/provision"
	"github.com/stewardhq/steward/store"
	"github.com/stewardhq/steward/web"
	"github.com/stewardhq/steward/web/demoidp"
	"golang.org/x/oauth2"
)

// Env is a running server and what it runs on.
type Env struct {
	URL    string
	Store  *store.Store
	Svc    *entitlement.Service
	Clock  *entitlement.ManualClock
	Server *web.Server
	Users  []demoidp.User
	// Metrics are the server's, as main wires them; a worker reports to them as its Observer.
	Metrics *metrics.Metrics
	// OIDC is the identity provider the server signs people in with (the demo provider).
	OIDC web.OIDCConfig
	// Provisioner is the connectors' dispatcher, as main gives the worker.
	Provisioner *provision.Dispatcher

	providerOrigin string // where the last sign-in page came from
}

// Options adjust the environment.
type Options struct {
	// Users are the demo provider's users.
	Users []demoidp.User
	// Admins are administrators' e-mails.
	Admins []string
	// AdminGroup is a groups-claim value that makes its members administrators.
	AdminGroup string
	// External serves the provider on a listener of its own and configures Steward with its
	// issuer, client id and secret, as with STEWARD_OIDC_ISSUER, instead of mounting it at /idp.
	External bool
	// Seed, when set, fills the store before the server starts.
	Seed func(ctx context.Context, svc *entitlement.Service, st *store.Store) error
	// Start is the manual clock's initial time; default now.
	Start time.Time
	// Logger, when set, is the server's, the service's and the provider's logger; by default
	// they log nothing (warnings and errors in the test's log with -v).
	Logger *slog.Logger
	// MetricsToken is the bearer token /metrics asks for; empty leaves it open.
	MetricsToken string
	// Directory is the LDAP import's source, as main wires directory/ldapsync.
	Directory entitlement.DirectorySource
}

// Start boots a server for the test and stops it when the test ends.
func Start(t testing.TB, opt Options) *Env {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(filepath.Join(t.TempDir(), "steward.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if opt.Start.IsZero() {
		opt.Start = time.Now()
	}
	clock := entitlement.NewManualClock(opt.Start)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if opt.Logger != nil {
		log = opt.Logger
	} else if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	box, err := entitlement.NewAESBox(key)
	if err != nil {
		t.Fatal(err)
	}
	svc := entitlement.NewService(entitlement.Options{Store: st, Clock: clock, Logger: log, Secrets: box,
		Admins: entitlement.AdminRule{Emails: opt.Admins, Group: opt.AdminGroup}, Directory: opt.Directory})
	// Before the store closes (cleanups run last in, first out): background directory syncs stop.
	t.Cleanup(func() { _ = svc.Shutdown(context.Background()) })
	if opt.Seed != nil {
		if err := opt.Seed(ctx, svc, st); err != nil {
			t.Fatalf("seed: %v", err)
		}
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	base := "http://" + ln.Addr().String()
	cfg := web.Config{BaseURL: base, SessionHashKey: []byte(strings.Repeat("h", 32)), SessionBlockKey: []byte(strings.Repeat("b", 32)),
		MetricsToken: opt.MetricsToken}
	if opt.External {
		cfg.OIDC = startExternalProvider(t, base, opt.Users, log)
	} else if err := web.ConfigureDemoIdP(ctx, &cfg, st, opt.Users, log); err != nil {
		t.Fatalf("demo provider: %v", err)
	}
	m := metrics.New(svc.Backlog, log)
	disp := provision.New(svc, provision.Options{BaseURL: base, CallbackKey: key, Log: log})
	t.Cleanup(disp.Close)
	srv, err := web.New(cfg, web.Deps{Service: svc, Ready: st.Ping, Logger: log, Metrics: m, Connectors: disp, Callbacks: disp.CallbackHandler()})
	if err != nil {
		t.Fatalf("web.New: %v", err)
	}
	hs := &httptest.Server{Listener: ln, Config: &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}}
	hs.Start()
	t.Cleanup(hs.Close)
	return &Env{URL: base, Store: st, Svc: svc, Clock: clock, Server: srv, Users: opt.Users, Metrics: m, OIDC: cfg.OIDC, Provisioner: disp}
}

// startExternalProvider runs the demo provider as if it were an organisation's identity
// provider: on its own listener, with its own issuer, knowing Steward only as a registered client.
func startExternalProvider(t testing.TB, steward string, users []demoidp.User, log *slog.Logger) web.OIDCConfig {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	issuer := "http://" + ln.Addr().String()
	key, err := demoidp.GenerateSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	cfg := demoidp.Config{
		Issuer: issuer, Users: users, SigningKey: key, Logger: log,
		Clients: []demoidp.Client{{ID: "steward-external", Secret: "external-secret", RedirectURIs: []string{steward + "/auth/callback"}}},
	}
	copy(cfg.CryptoKey[:], strings.Repeat("k", 32))
	h, err := demoidp.New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("external provider: %v", err)
	}
	hs := &httptest.Server{Listener: ln, Config: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}}
	hs.Start()
	t.Cleanup(hs.Close)
	return web.OIDCConfig{Issuer: issuer, ClientID: "steward-external", ClientSecret: "external-secret",
		Scopes: []string{"openid", "email", "profile"}}
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// Client returns an HTTP client with its own cookie jar that does not follow redirects, so tests
// can check each hop.
func (e *Env) Client(t testing.TB) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 20 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
}

// Follow performs a request and follows redirects, returning the final response (body read).
func (e *Env) Follow(t testing.TB, c *http.Client, req *http.Request) (*http.Response, string) {
	t.Helper()
	for i := 0; i < 10; i++ {
		res, err := c.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", req.Method, req.URL, err)
		}
		body, _ := io.ReadAll(res.Body)
		_ = res.Body.Close()
		if res.StatusCode < 300 || res.StatusCode >= 400 {
			return res, string(body)
		}
		loc, err := res.Location()
		if err != nil {
			t.Fatalf("redirect without location from %s", req.URL)
		}
		req, _ = http.NewRequest(http.MethodGet, loc.String(), nil)
	}
	t.Fatalf("too many redirects")
	return nil, ""
}

// Get follows a GET to the end.
func (e *Env) Get(t testing.TB, c *http.Client, path string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return e.Follow(t, c, req)
}

var (
	authRequestRe = regexp.MustCompile(`name="authRequestID" value="([^"]+)"`)
	formActionRe  = regexp.MustCompile(`<form method="post" action="([^"]+)"`)
	csrfRe        = regexp.MustCompile(`name="csrf-token" content="([^"]*)"`)
)

// SignIn signs the client in as the demo user with the e-mail, through the real flow: /login →
// the provider's authorize endpoint → its pick-a-user form → the callback. It returns the final
// page's body.
func (e *Env) SignIn(t testing.TB, c *http.Client, email string) string {
	t.Helper()
	subject := ""
	for _, u := range e.Users {
		if u.Email == email {
			subject = u.Subject
		}
	}
	if subject == "" {
		t.Fatalf("no demo user %s", email)
	}
	_, page, err := e.StartSignIn(c)
	if err != nil {
		t.Fatal(err)
	}
	res, body, err := e.PickUser(c, page, subject)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("sign in as %s ended with %d: %s", email, res.StatusCode, body)
	}
	return body
}

// StartSignIn follows /login to the provider's pick-a-user page and returns its URL and body.
func (e *Env) StartSignIn(c *http.Client) (*url.URL, string, error) {
	return e.startAt(c, e.URL+"/login")
}

// AccessToken signs the demo user with the subject in to the provider as a script would, with
// the portal's client in the code flow with PKCE, and returns the provider's access token.
func (e *Env) AccessToken(t testing.TB, subject string) string {
	t.Helper()
	ctx := context.Background()
	p, err := oidc.NewProvider(ctx, e.OIDC.Issuer)
	if err != nil {
		t.Fatalf("discover the provider: %v", err)
	}
	conf := oauth2.Config{ClientID: e.OIDC.ClientID, ClientSecret: e.OIDC.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: e.URL + "/auth/callback", Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}
	verifier := oauth2.GenerateVerifier()
	c := e.Client(t)
	_, page, err := e.startAt(c, conf.AuthCodeURL("state-of-a-script", oauth2.S256ChallengeOption(verifier)))
	if err != nil {
		t.Fatal(err)
	}
	callback, err := e.PickUserUntilCallback(c, page, subject)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := conf.Exchange(ctx, callback.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange the code: %v", err)
	}
	return tok.AccessToken
}

// startAt follows redirects from u to the provider's pick-a-user page.
func (e *Env) startAt(c *http.Client, u string) (*url.URL, string, error) {
	for i := 0; i < 10; i++ {
		res, err := c.Get(u)
		if err != nil {
			return nil, "", err
		}
		body, _ := io.ReadAll(res.Body)
		_ = res.Body.Close()
		if res.StatusCode == http.StatusOK {
			e.providerOrigin = res.Request.URL.Scheme + "://" + res.Request.URL.Host
			return res.Request.URL, string(body), nil
		}
		loc, err := res.Location()
		if err != nil {
			return nil, "", fmt.Errorf("GET %s: status %d without location", u, res.StatusCode)
		}
		u = loc.String()
	}
	return nil, "", errors.New("too many redirects before the sign-in page")
}

// PickUser submits the provider's form as the subject and follows the redirects back to Steward,
// the callback included (PickUserUntilCallback stops before it).
func (e *Env) PickUser(c *http.Client, loginPage, subject string) (*http.Response, string, error) {
	res, err := e.postPick(c, loginPage, subject)
	if err != nil {
		return nil, "", err
	}
	return e.followAll(c, res)
}

// PickUserUntilCallback submits the form and follows the provider's redirects until the browser
// would call Steward's callback, returning that callback URL without calling it.
func (e *Env) PickUserUntilCallback(c *http.Client, loginPage, subject string) (*url.URL, error) {
	res, err := e.postPick(c, loginPage, subject)
	if err != nil {
		return nil, err
	}
	for i := 0; i < 10; i++ {
		loc, err := res.Location()
		if err != nil {
			return nil, fmt.Errorf("provider answered %d without a redirect", res.StatusCode)
		}
		if strings.HasPrefix(loc.Path, "/auth/callback") {
			return loc, nil
		}
		res, err = c.Get(loc.String())
		if err != nil {
			return nil, err
		}
		_ = res.Body.Close()
	}
	return nil, errors.New("too many redirects before the callback")
}

func (e *Env) postPick(c *http.Client, loginPage, subject string) (*http.Response, error) {
	m := authRequestRe.FindStringSubmatch(loginPage)
	a := formActionRe.FindStringSubmatch(loginPage)
	if m == nil || a == nil {
		return nil, errors.New("the provider's page has no sign-in form")
	}
	form := url.Values{"authRequestID": {m[1]}, "subject": {subject}}
	res, err := c.PostForm(e.providerOrigin+a[1], form)
	if err != nil {
		return nil, err
	}
	_ = res.Body.Close()
	return res, nil
}

func (e *Env) followAll(c *http.Client, res *http.Response) (*http.Response, string, error) {
	for i := 0; i < 10; i++ {
		if res.StatusCode < 300 || res.StatusCode >= 400 {
			body, _ := io.ReadAll(res.Body)
			_ = res.Body.Close()
			return res, string(body), nil
		}
		loc, err := res.Location()
		if err != nil {
			return nil, "", err
		}
		res, err = c.Get(loc.String())
		if err != nil {
			return nil, "", err
		}
	}
	return nil, "", errors.New("too many redirects")
}

// CSRF returns the CSRF token a page carries for forms and htmx.
func CSRF(t testing.TB, page string) string {
	t.Helper()
	m := csrfRe.FindStringSubmatch(page)
	if m == nil || m[1] == "" {
		t.Fatalf("page has no CSRF token")
	}
	return m[1]
}

// PostForm posts a form with the CSRF token and returns the response without following it.
func (e *Env) PostForm(t testing.TB, c *http.Client, path, csrf string, form url.Values) (*http.Response, string) {
	t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("_csrf", csrf)
	res, err := c.PostForm(e.URL+path, form)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	body, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	return res, string(body)
}

// Worker returns a worker of the environment's service that reports to its metrics, as main
// wires it.
func (e *Env) Worker(t testing.TB) *entitlement.Worker {
	t.Helper()
	return entitlement.NewWorker(e.Svc, entitlement.WorkerOptions{Observer: e.Metrics, Provisioner: e.Provisioner, Reconciler: e.Provisioner})
}
