package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/metrics"
	"github.com/stewardhq/steward/store"
	"github.com/stewardhq/steward/web"
	"github.com/stewardhq/steward/web/demoidp"
)

// Bounds of a load run: it stays on this machine and ends.
const (
	maxDuration    = 2 * time.Minute
	maxConcurrency = 64
)

// page is one thing the load command loads: a path, as a persona.
type page struct {
	name, path, as string
	// api pages are called with the persona's API token instead of their session cookie.
	api bool
}

// personas are the generated tenant's people that the load signs in as.
var personas = []demoidp.User{
	{Subject: "bench-admin", Email: adminEmail, Name: "Bench Admin"},
	{Subject: "bench-requester", Email: requesterEmail, Name: "Riley Requester"},
	{Subject: "bench-approver", Email: approverEmail, Name: "Avery Approver"},
}

// portalPages are the pages of issue 16's table, over the generated tenant.
func portalPages(ids tenantIDs) []page {
	return []page{
		{"home / My access", "/", requesterEmail, false},
		{"find access (browse)", "/access/packages", requesterEmail, false},
		{"find access, search", "/access/packages?q=access", requesterEmail, false},
		{"admin audit log", "/admin/audit", adminEmail, false},
		{"admin package assignments (hot)", "/admin/packages/" + ids.hotPackage + "/assignments", adminEmail, false},
		{"admin catalogs", "/admin/catalogs", adminEmail, false},
		{"package detail", "/access/packages/" + ids.hotPackage, requesterEmail, false},
		{"approvals (busy approver)", "/approvals", approverEmail, false},
		{"admin users", "/admin/directory/users", adminEmail, false},
		{"admin users, search", "/admin/directory/users?q=user12", adminEmail, false},
	}
}

// apiCollections are the JSON API's main collections, called as a script would, with the
// persona's API token.
func apiCollections(ids tenantIDs) []page {
	const em = "/beta/identityGovernance/entitlementManagement"
	return []page{
		{"api catalogs", em + "/accessPackageCatalogs?$top=100", adminEmail, true},
		{"api packages", em + "/accessPackages?$top=100", adminEmail, true},
		{"api assignments of the hot package", em + "/accessPackageAssignments?$top=100&$filter=" +
			url.QueryEscape("accessPackage/id eq '"+ids.hotPackage+"'"), adminEmail, true},
		{"api requests", em + "/accessPackageAssignmentRequests?$top=100", adminEmail, true},
		{"api requests, an approver's", em + "/accessPackageAssignmentRequests?$top=100", approverEmail, true},
		{"api my assignments", em + "/accessPackageAssignments?$top=100", requesterEmail, true},
		{"api approvals waiting", em + "/accessPackageAssignmentApprovals?$top=100", approverEmail, true},
		{"api users", "/beta/users?$top=100", adminEmail, true},
	}
}

// tenantIDs are the ids of the generated tenant's records that pages name.
type tenantIDs struct {
	hotPackage string
}

func loadCommand(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	data := fs.String("data", "bench.db", "data file made by bench gen")
	duration := fs.Duration("duration", 15*time.Second, "how long to load each page (and its limit page)")
	concurrency := fs.Int("concurrency", 8, "requests in flight at once")
	only := fs.String("pages", "", "load only the pages whose names contain one of these comma-separated words")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run (server included) to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *duration <= 0 || *duration > maxDuration {
		return fmt.Errorf("--duration %s: use more than 0 and at most %s", *duration, maxDuration)
	}
	if *concurrency < 1 || *concurrency > maxConcurrency {
		return fmt.Errorf("--concurrency %d: use 1 to %d", *concurrency, maxConcurrency)
	}
	if _, err := os.Stat(*data); err != nil {
		return fmt.Errorf("--data: %w (make one with bench gen)", err)
	}

	start := time.Now()
	srv, err := startServer(ctx, *data)
	if err != nil {
		return err
	}
	defer srv.close()
	coldStart := time.Since(start)
	fmt.Fprintf(out, "server on %s: open and ready in %s (cold start)\n", srv.url, coldStart.Round(time.Millisecond))

	limit, err := startLimitServer()
	if err != nil {
		return err
	}
	defer limit.Close()

	cookies := map[string]string{}
	for _, p := range personas {
		c, err := signIn(srv.url, p.Subject)
		if err != nil {
			return fmt.Errorf("sign in as %s: %w", p.Email, err)
		}
		cookies[p.Email] = c
	}
	tokens := map[string]string{}
	for _, p := range personas {
		tok, err := srv.apiToken(ctx, p.Subject)
		if err != nil {
			return fmt.Errorf("API token for %s: %w", p.Email, err)
		}
		tokens[p.Email] = tok
	}
	credential := func(p page) http.Header {
		h := http.Header{}
		if p.api {
			h.Set("Authorization", "Bearer "+tokens[p.as])
		} else {
			h.Set("Cookie", cookies[p.as])
		}
		return h
	}
	pages := append(portalPages(srv.ids), apiCollections(srv.ids)...)
	if *only != "" {
		var keep []page
		for _, p := range pages {
			for _, w := range strings.Split(*only, ",") {
				if w = strings.TrimSpace(w); w != "" && strings.Contains(p.name, w) {
					keep = append(keep, p)
					break
				}
			}
		}
		pages = keep
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer func() { _ = f.Close() }()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}

	fmt.Fprintf(out, "loading each page for %s at concurrency %d, then a page of the same size rendered from memory (the limit)\n", *duration, *concurrency)
	const row = "%-34s %7s %9s %9s %7s %10s %10s %12s %6s %6s\n"
	fmt.Fprintf(out, row, "page", "size", "p50", "p99", "req/s", "limit p50", "limit p99", "limit req/s", "p50 ×", "p99 ×")
	for _, p := range pages {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		size, err := fetchSize(srv.url+p.path, credential(p))
		if err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
		m, err := attack(ctx, srv.url+p.path, credential(p), *duration, *concurrency)
		if err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
		limit.prepare(size)
		lm, err := attack(ctx, limit.URL+"/limit?size="+strconv.Itoa(size), nil, *duration, *concurrency)
		if err != nil {
			return fmt.Errorf("%s: limit: %w", p.name, err)
		}
		fmt.Fprintf(out, row, p.name, fmt.Sprintf("%.0f KB", float64(size)/1024),
			ms(m.Latencies.P50), ms(m.Latencies.P99), fmt.Sprintf("%.0f", m.Throughput), ms(lm.Latencies.P50), ms(lm.Latencies.P99),
			fmt.Sprintf("%.0f", lm.Throughput),
			fmt.Sprintf("%.1f", float64(m.Latencies.P50)/float64(lm.Latencies.P50)), fmt.Sprintf("%.1f", float64(m.Latencies.P99)/float64(lm.Latencies.P99)))
	}
	fmt.Fprintf(out, "memory of the process (server and load together): %s\n", memory())
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

// memory reads the process's resident set (Linux): the peak, and now the anonymous part (the
// heap) and the file part (pages of the data file mapped by bbolt, which the kernel may drop).
func memory() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	var parts []string
	for _, l := range strings.Split(string(b), "\n") {
		for _, k := range []string{"VmHWM", "RssAnon", "RssFile"} {
			if v, ok := strings.CutPrefix(l, k+":"); ok {
				parts = append(parts, k+" "+strings.Join(strings.Fields(v), " "))
			}
		}
	}
	return strings.Join(parts, ", ")
}

// attack loads one URL for the duration with a fixed number of requests in flight, as fast as the
// server answers, and returns vegeta's metrics. Any answer but 200 fails the run: a page that
// errors is not measured.
func attack(ctx context.Context, target string, h http.Header, d time.Duration, concurrency int) (vegeta.Metrics, error) {
	tr := vegeta.NewStaticTargeter(vegeta.Target{Method: http.MethodGet, URL: target, Header: h})
	a := vegeta.NewAttacker(vegeta.Workers(uint64(concurrency)), vegeta.MaxWorkers(uint64(concurrency)),
		vegeta.Connections(concurrency), vegeta.Redirects(vegeta.NoFollow), vegeta.Timeout(30*time.Second), vegeta.KeepAlive(true))
	var m vegeta.Metrics
	var bad error
	for res := range a.Attack(tr, vegeta.ConstantPacer{Freq: 0}, d, "load") {
		if ctx.Err() != nil {
			a.Stop()
		}
		if res.Code != http.StatusOK && bad == nil {
			bad = fmt.Errorf("GET %s answered %d %s", target, res.Code, res.Error)
			a.Stop()
		}
		m.Add(res)
	}
	m.Close()
	if bad != nil {
		return m, bad
	}
	return m, ctx.Err()
}

// fetchSize loads the page once and returns its size.
func fetchSize(target string, h http.Header) (int, error) {
	req, err := http.NewRequest(http.MethodGet, target, nil)
	if err != nil {
		return 0, err
	}
	req.Header = h.Clone()
	res, err := noRedirects(nil).Do(req)
	if err != nil {
		return 0, err
	}
	defer func() { _ = res.Body.Close() }()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, err
	}
	if res.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s answered %d", target, res.StatusCode)
	}
	return len(b), nil
}

type server struct {
	url   string
	svc   *entitlement.Service
	oidc  web.OIDCConfig
	st    *store.Store
	http  *http.Server
	ids   tenantIDs
	close func()
}

// startServer opens the data file and serves Steward on a loopback port with the embedded demo
// provider knowing the personas, as `go run .` does in demo mode.
func startServer(ctx context.Context, data string) (*server, error) {
	st, err := store.Open(data)
	if err != nil {
		return nil, err
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := entitlement.NewService(entitlement.Options{Store: st, Logger: log, Admins: entitlement.AdminRule{Emails: []string{adminEmail}}})
	ids, err := findIDs(ctx, st)
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	base := "http://" + ln.Addr().String()
	cfg := web.Config{BaseURL: base, SessionHashKey: randomKey(), SessionBlockKey: randomKey()}
	if err := web.ConfigureDemoIdP(ctx, &cfg, st, personas, log); err != nil {
		_ = st.Close()
		return nil, err
	}
	h, err := web.New(cfg, web.Deps{Service: svc, Ready: st.Ping, Logger: log, Metrics: metrics.New(svc.Backlog, log)})
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	s := &server{url: base, svc: svc, oidc: cfg.OIDC, st: st, http: hs, ids: ids}
	s.close = func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
		_ = st.Close()
	}
	res, err := http.Get(base + "/readyz")
	if err == nil {
		_ = res.Body.Close()
		if res.StatusCode != http.StatusOK {
			err = fmt.Errorf("/readyz answered %d", res.StatusCode)
		}
	}
	if err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

func randomKey() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return b
}

// findIDs finds the records that gen made for the pages to name.
func findIDs(ctx context.Context, st *store.Store) (tenantIDs, error) {
	var ids tenantIDs
	err := st.View(ctx, func(tx entitlement.Tx) error {
		p, err := tx.AccessPackages().List(entitlement.ListOptions{Search: "Hot package", Limit: 1})
		if err != nil {
			return err
		}
		if len(p.Items) == 0 {
			return errors.New("no hot package: is this a file made by bench gen?")
		}
		ids.hotPackage = p.Items[0].ID
		return nil
	})
	return ids, err
}

var (
	authRequestRe = regexp.MustCompile(`name="authRequestID" value="([^"]+)"`)
	formActionRe  = regexp.MustCompile(`<form method="post" action="([^"]+)"`)
)

func noRedirects(jar http.CookieJar) *http.Client {
	return &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// signIn goes through the real authorization-code flow of the embedded provider as the subject
// (/login, the provider's pick-a-user form, the callback) and returns the session's Cookie header.
func signIn(base, subject string) (string, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return "", err
	}
	c := noRedirects(jar)
	u := base + "/login"
	var page string
	var at *url.URL
	for i := 0; ; i++ {
		if i == 10 {
			return "", errors.New("too many redirects before the sign-in page")
		}
		res, err := c.Get(u)
		if err != nil {
			return "", err
		}
		b, _ := io.ReadAll(res.Body)
		_ = res.Body.Close()
		if res.StatusCode == http.StatusOK {
			page, at = string(b), res.Request.URL
			break
		}
		loc, err := res.Location()
		if err != nil {
			return "", fmt.Errorf("GET %s: %d without a redirect", u, res.StatusCode)
		}
		u = loc.String()
	}
	m, a := authRequestRe.FindStringSubmatch(page), formActionRe.FindStringSubmatch(page)
	if m == nil || a == nil {
		return "", errors.New("the provider's page has no sign-in form")
	}
	res, err := c.PostForm(at.Scheme+"://"+at.Host+a[1], url.Values{"authRequestID": {m[1]}, "subject": {subject}})
	if err != nil {
		return "", err
	}
	for i := 0; res.StatusCode >= 300 && res.StatusCode < 400; i++ {
		_ = res.Body.Close()
		loc, err := res.Location()
		if err != nil {
			return "", fmt.Errorf("sign-in redirects: %w", err)
		}
		if i == 10 {
			return "", errors.New("too many redirects after the sign-in form")
		}
		if res, err = c.Get(loc.String()); err != nil {
			return "", err
		}
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return "", fmt.Errorf("sign-in ended with %d at %s", res.StatusCode, res.Request.URL)
	}
	bu, _ := url.Parse(base)
	var parts []string
	for _, ck := range jar.Cookies(bu) {
		parts = append(parts, ck.Name+"="+ck.Value)
	}
	return strings.Join(parts, "; "), nil
}

// limitServer serves the limit page: an Echo server rendering a templ list page of a prepared
// size from memory.
type limitServer struct {
	URL  string
	srv  *http.Server
	mu   sync.RWMutex
	rows map[int][]limitRow
}

func (l *limitServer) Close() { _ = l.srv.Close() }

// prepare builds the rows of a page of the size, before the load, so that the handler only renders.
func (l *limitServer) prepare(size int) {
	rows := rowsOfSize(size)
	l.mu.Lock()
	l.rows[size] = rows
	l.mu.Unlock()
}

func startLimitServer() (*limitServer, error) {
	l := &limitServer{rows: map[int][]limitRow{}}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.GET("/limit", func(c echo.Context) error {
		size, err := strconv.Atoi(c.QueryParam("size"))
		l.mu.RLock()
		rows, ok := l.rows[size]
		l.mu.RUnlock()
		if err != nil || !ok {
			return echo.NewHTTPError(http.StatusNotFound, "no page of that size is prepared")
		}
		c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
		c.Response().WriteHeader(http.StatusOK)
		return limitPage(rows).Render(c.Request().Context(), c.Response().Writer)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	l.URL = "http://" + ln.Addr().String()
	l.srv = &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = l.srv.Serve(ln) }()
	return l, nil
}

// rowsOfSize returns rows whose page is about size bytes.
func rowsOfSize(size int) []limitRow {
	row := func(i int) limitRow {
		return limitRow{URL: fmt.Sprintf("/items/%08d", i), Name: fmt.Sprintf("Item number %d of the list", i), Note: "a short note about the item"}
	}
	var rows []limitRow
	var sb strings.Builder
	for {
		sb.Reset()
		_ = limitPage(rows).Render(context.Background(), &sb)
		if sb.Len() >= size {
			return rows
		}
		// Add about the rows still missing, then measure again.
		per := 120
		need := max(1, (size-sb.Len())/per)
		for i := 0; i < need; i++ {
			rows = append(rows, row(len(rows)))
		}
	}
}

// apiToken makes an API token for the persona who signed in with subject, as they would on
// their profile page.
func (s *server) apiToken(ctx context.Context, subject string) (string, error) {
	p, err := s.svc.PrincipalForSubject(ctx, s.oidc.Issuer, subject)
	if err != nil {
		return "", err
	}
	ctx = entitlement.WithPrincipal(ctx, p)
	// A token from an earlier run on the same file keeps its name taken: revoke it first, so
	// that load runs again on the same file.
	old, err := s.svc.APITokens(ctx)
	if err != nil {
		return "", err
	}
	for _, t := range old {
		if t.Name == benchTokenName {
			if err := s.svc.RevokeAPIToken(ctx, t.ID); err != nil {
				return "", err
			}
		}
	}
	tok, _, err := s.svc.CreateAPIToken(ctx, entitlement.APITokenInput{Name: benchTokenName, Days: 1})
	return tok, err
}

// benchTokenName names the API tokens that load makes for its personas.
const benchTokenName = "bench load"
