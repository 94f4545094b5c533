package web_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/web/webtest"
)

// syncBuffer is a log destination that the server's goroutines may share.
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

// recorder remembers every URL a client asked for and every cookie it was sent, so that a test
// knows the sign-in's state, nonce and code, and the session and CSRF cookies' values.
type recorder struct {
	mu      sync.Mutex
	urls    []*url.URL
	cookies []string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.urls = append(r.urls, req.URL)
	r.mu.Unlock()
	res, err := http.DefaultTransport.RoundTrip(req)
	if err == nil {
		r.mu.Lock()
		for _, c := range res.Cookies() {
			if c.Value != "" {
				r.cookies = append(r.cookies, c.Name+"="+c.Value)
			}
		}
		r.mu.Unlock()
	}
	return res, err
}

// secrets lists the values the journey's log must not hold: the OIDC state, nonce, PKCE
// challenge and authorization code seen in the URLs, and the values of every cookie set.
func (r *recorder) secrets(t *testing.T) map[string]string {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]string{}
	for _, u := range r.urls {
		for _, k := range []string{"state", "nonce", "code", "code_challenge"} {
			if v := u.Query().Get(k); v != "" {
				out[k+" in "+u.Path] = v
			}
		}
	}
	for _, c := range r.cookies {
		name, value, _ := strings.Cut(c, "=")
		out["cookie "+name] = value
	}
	for _, want := range []string{"state in /auth/callback", "code in /auth/callback", "cookie steward_session", "cookie steward_csrf"} {
		if out[want] == "" {
			t.Fatalf("the journey never saw the %s", want)
		}
	}
	return out
}

// TestLogsOfAJourney runs a whole journey with JSON logs at debug level: the requester signs in
// through the embedded provider and requests a package, the manager approves it, the worker
// delivers it, both sign out, and a metrics scraper reads /metrics with its token. Every line
// must parse as JSON; every line of a request must carry its request id, and those of signed-in
// requests the person's id; and no line may hold a cookie's value, the CSRF token, the sign-in's
// state, nonce, code or PKCE challenge, a bearer token or a JWT.
func TestLogsOfAJourney(t *testing.T) {
	var logs syncBuffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	// The OIDC provider library logs to the default logger.
	defer slog.SetDefault(slog.Default())
	slog.SetDefault(log)
	w := &world{}
	const metricsToken = "metrics-bearer-token-0123456789"
	env := webtest.Start(t, webtest.Options{
		Users: portalUsers, Admins: []string{"admin@example.com"}, Seed: seedPortal(w),
		Start: time.Date(2026, 3, 12, 9, 0, 0, 0, time.UTC), Logger: log, MetricsToken: metricsToken,
	})
	rec := &recorder{}
	signIn := func(email string) (*http.Client, string) {
		c := env.Client(t)
		c.Transport = rec
		return c, webtest.CSRF(t, env.SignIn(t, c, email))
	}

	requester, csrf := signIn("requester@example.com")
	res, _ := env.PostForm(t, requester, "/access/packages/"+w.travel.ID+"/request", csrf, url.Values{"policyId": {w.policies[w.travel.ID].ID}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("request: %d", res.StatusCode)
	}
	rs, err := env.Svc.MyRequests(w.as("requester@example.com"), entitlement.RequestFilter{}, entitlement.ListOptions{})
	if err != nil || len(rs.Items) != 1 {
		t.Fatalf("my requests: %v %v", rs.Items, err)
	}
	requestID := rs.Items[0].ID
	env.Get(t, requester, "/access/requests/"+requestID)

	manager, mcsrf := signIn("manager@example.com")
	env.Get(t, manager, "/approvals")
	if res, _ := env.PostForm(t, manager, "/approvals/"+requestID+"/decide", mcsrf, url.Values{"decision": {"approve"}, "stage": {"1"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d", res.StatusCode)
	}
	if _, err := env.Worker(t).Tick(context.Background()); err != nil {
		t.Fatalf("worker: %v", err)
	}
	env.Get(t, requester, "/access/assignments")
	scrape := &http.Client{Transport: rec}
	req, _ := http.NewRequest(http.MethodGet, env.URL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+metricsToken)
	if res, err := scrape.Do(req); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("metrics: %v %v", res, err)
	} else {
		_ = res.Body.Close()
	}
	for _, pair := range []struct {
		c    *http.Client
		csrf string
	}{{requester, csrf}, {manager, mcsrf}} {
		if res, _ := env.PostForm(t, pair.c, "/logout", pair.csrf, nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign out: %d", res.StatusCode)
		}
	}

	out := logs.String()
	secrets := rec.secrets(t)
	secrets["CSRF token of the requester"] = csrf
	secrets["CSRF token of the manager"] = mcsrf
	secrets["metrics token"] = metricsToken
	for what, v := range secrets {
		if strings.Contains(out, v) {
			t.Errorf("the log holds the %s", what)
		}
	}
	for _, re := range []*regexp.Regexp{
		regexp.MustCompile(`(?i)bearer\s+[A-Za-z0-9._~+/-]{8,}`),
		regexp.MustCompile(`eyJ[A-Za-z0-9_-]{10,}\.`), // a JWT: ID or access token
		regexp.MustCompile(`(?i)(access|id|refresh)_token`),
		regexp.MustCompile(`(?i)password|client_secret|code_verifier`),
	} {
		if m := re.FindString(out); m != "" {
			t.Errorf("the log holds %q", m)
		}
	}

	// Every line is one JSON object; lines of requests carry the request id, and the signed-in
	// pages' lines the person's id.
	users := map[string]bool{w.users["requester@example.com"].ID: true, w.users["manager@example.com"].ID: true}
	seen := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("not a JSON line: %s", sc.Text())
		}
		msg, _ := line["msg"].(string)
		reqID, _ := line["request_id"].(string)
		userID, _ := line["user_id"].(string)
		if _, job := line["job"]; job {
			seen["worker"]++
			continue
		}
		if reqID == "" {
			t.Errorf("a line without a request id: %s", sc.Text())
			continue
		}
		route, _ := line["route"].(string)
		signedIn := strings.HasPrefix(route, "/access") || strings.HasPrefix(route, "/approvals") || route == "/logout"
		if msg == "request" && signedIn {
			if !users[userID] {
				t.Errorf("a signed-in request's line without the person's id: %s", sc.Text())
			}
			seen["signed-in request"]++
		}
		seen[msg]++
	}
	if seen["signed-in request"] < 6 || seen["signed in"] != 2 || seen["demo sign-in"] != 2 || seen["worker"] == 0 {
		t.Errorf("the log lacks lines the journey must write: %v", seen)
	}
}

// TestMetrics reads /metrics after some requests and a worker run: latency is labelled with the
// route's pattern, never an id; the backlog gauges and the worker's and outbox's counters are
// there; and the metrics token is required when one is set.
func TestMetrics(t *testing.T) {
	w := &world{}
	const token = "scrape-token-9876543210"
	env := webtest.Start(t, webtest.Options{
		Users: portalUsers, Admins: []string{"admin@example.com"}, Seed: seedPortal(w),
		Start: time.Date(2026, 3, 12, 9, 0, 0, 0, time.UTC), MetricsToken: token,
	})
	scrape := func(auth string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, env.URL+"/metrics", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}
	for _, auth := range []string{"", "Bearer wrong", "Bearer " + token + "x", "Basic " + token, token} {
		if code, body := scrape(auth); code != http.StatusUnauthorized || strings.Contains(body, "steward_") {
			t.Errorf("/metrics with Authorization %q: %d", auth, code)
		}
	}

	r := w.submit(t, env, "requester@example.com", w.travel, "")
	c, _ := signedIn(t, env, "requester@example.com")
	for range 3 {
		if res, _ := env.Get(t, c, "/access/requests/"+r.ID); res.StatusCode != http.StatusOK {
			t.Fatalf("request page: %d", res.StatusCode)
		}
	}
	env.Get(t, c, "/access/requests/no-such-request")
	env.Get(t, c, "/no/such/page")
	if _, err := env.Worker(t).Tick(context.Background()); err != nil {
		t.Fatal(err)
	}

	code, body := scrape("Bearer " + token)
	if code != http.StatusOK {
		t.Fatalf("/metrics with the token: %d", code)
	}
	for _, want := range []string{
		`steward_http_request_duration_seconds_count{method="GET",route="/access/requests/:id",status="200"} 3`,
		`steward_http_request_duration_seconds_count{method="GET",route="/access/requests/:id",status="404"} 1`,
		`steward_http_request_duration_seconds_count{method="POST",route="/idp/*",status="303"}`,
		`route="unmatched",status="404"`,
		"steward_pending_approvals 1\n",
		"steward_outbox_depth 0\n",
		`steward_worker_job_runs_total{job="outbox",result="ok"} 1`,
		`steward_worker_job_duration_seconds_count{job="requests"} 1`,
		`steward_outbox_deliveries_total{kind="notify",outcome="delivered"}`,
		`steward_notifications_total{result="delivered"}`,
		"go_goroutines ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	for _, raw := range []string{r.ID, "no-such-request", "/no/such/page"} {
		if strings.Contains(body, raw) {
			t.Errorf("/metrics holds the raw %q", raw)
		}
	}
}

// TestDashboardChartsHaveTextAlternatives reads the admin dashboard after a request was approved
// and another is waiting: each chart is an SVG image named by its title and a summary in words,
// and its numbers are in a table.
func TestDashboardChartsHaveTextAlternatives(t *testing.T) {
	env, w := startPortal(t)
	approved := w.submit(t, env, "requester@example.com", w.travel, "")
	env.Clock.Advance(3 * time.Hour)
	if _, err := env.Svc.Decide(w.as("manager@example.com"), approved.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Worker(t).Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	w.submit(t, env, "other@example.com", w.travel, "")
	env.Clock.Advance(2 * 24 * time.Hour)

	c, _ := signedIn(t, env, "admin@example.com")
	res, body := env.Get(t, c, "/admin")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("/admin: %d", res.StatusCode)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	chart := func(id string) (summary string, rows map[string][]string) {
		t.Helper()
		fig := doc.Find(`[data-testid="` + id + `"]`)
		svg := fig.Find(`svg[role="img"]`)
		if svg.Length() != 1 {
			t.Fatalf("%s: no SVG image", id)
		}
		for _, ref := range strings.Fields(svg.AttrOr("aria-labelledby", "")) {
			if strings.TrimSpace(svg.Find("#"+ref).Text()) == "" {
				t.Errorf("%s: the SVG is labelled by %s, which says nothing", id, ref)
			}
		}
		rows = map[string][]string{}
		fig.Find("table tbody tr").Each(func(_ int, tr *goquery.Selection) {
			var cells []string
			tr.Find("td").Each(func(_ int, td *goquery.Selection) { cells = append(cells, strings.TrimSpace(td.Text())) })
			rows[strings.TrimSpace(tr.Find("th").Text())] = cells
		})
		return strings.TrimSpace(svg.Find("desc").Text()), rows
	}

	summary, rows := chart("chart-requests")
	if summary != "2 requests in 30 days: 1 approved, 0 denied, 0 canceled, 1 waiting." {
		t.Errorf("requests chart says %q", summary)
	}
	if got := rows["12 Mar 2026"]; strings.Join(got, " ") != "1 0 0 1 2" || len(rows) != 30 {
		t.Errorf("requests table: 12 Mar = %v, %d rows", got, len(rows))
	}
	summary, rows = chart("chart-decisions")
	if summary != "1 request was decided by approvers; the median took about 3 hours." || strings.Join(rows["1 hour – 8 hours"], " ") != "1" {
		t.Errorf("decisions chart says %q, table %v", summary, rows)
	}
	summary, rows = chart("chart-pending")
	if summary != "1 request is waiting for approval: 1 waiting 1 day – 3 days." || strings.Join(rows["1 day – 3 days"], " ") != "1" {
		t.Errorf("pending chart says %q, table %v", summary, rows)
	}
	summary, rows = chart("chart-ending")
	// Travel access lasts 180 days: nothing ends within 30.
	if summary != "0 assignments end in the next 30 days." || len(rows) != 30 {
		t.Errorf("ending chart says %q, %d rows", summary, len(rows))
	}
	for _, p := range a11yProblems(body) {
		t.Errorf("dashboard: %s", p)
	}
}
