package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/store"
	bolt "go.etcd.io/bbolt"
)

func TestParseConfig(t *testing.T) {
	cases := []struct {
		name    string
		env     map[string]string
		args    []string
		check   func(t *testing.T, c config)
		wantErr string
	}{
		{name: "defaults", check: func(t *testing.T, c config) {
			if c.Addr != ":8080" || c.Data != "./data/steward.db" || c.BaseURL != "http://localhost:8080" || !c.Demo {
				t.Fatalf("defaults = %+v", c)
			}
		}},
		{name: "environment", env: map[string]string{"STEWARD_ADDR": "127.0.0.1:9090", "STEWARD_DATA": "/tmp/x.db", "STEWARD_ADMINS": "a@example.com"},
			check: func(t *testing.T, c config) {
				if c.Addr != "127.0.0.1:9090" || c.Data != "/tmp/x.db" || c.BaseURL != "http://localhost:9090" || c.Admins != "a@example.com" {
					t.Fatalf("config = %+v", c)
				}
			}},
		{name: "flags win over environment", env: map[string]string{"STEWARD_ADDR": ":1"}, args: []string{"--addr", ":2", "--base-url", "https://steward.example.com/", "--allow-demo-sign-in"},
			check: func(t *testing.T, c config) {
				if c.Addr != ":2" || c.BaseURL != "https://steward.example.com" {
					t.Fatalf("config = %+v", c)
				}
			}},
		{name: "demo data off", env: map[string]string{"STEWARD_DEMO_DATA": "false"}, check: func(t *testing.T, c config) {
			if c.Demo {
				t.Fatal("demo data still on")
			}
		}},
		{name: "demo sign-in refused on a public URL", args: []string{"--base-url", "https://steward.example.com"}, wantErr: "no identity provider is configured"},
		{name: "demo sign-in allowed on a public URL when asked", args: []string{"--base-url", "https://steward.example.com", "--allow-demo-sign-in"},
			check: func(t *testing.T, c config) {
				if !c.AllowDemoSignIn {
					t.Fatal("not allowed")
				}
			}},
		{name: "text logs on localhost, JSON elsewhere", check: func(t *testing.T, c config) {
			if c.LogFormat != "text" {
				t.Fatalf("log format on localhost = %q, want text", c.LogFormat)
			}
		}},
		{name: "JSON logs on a public URL", args: []string{"--base-url", "https://steward.example.com", "--allow-demo-sign-in"},
			check: func(t *testing.T, c config) {
				if c.LogFormat != "json" {
					t.Fatalf("log format = %q, want json", c.LogFormat)
				}
			}},
		{name: "log format and metrics token from the environment", env: map[string]string{"STEWARD_LOG_FORMAT": "json", "STEWARD_METRICS_TOKEN": "scrape-me"},
			check: func(t *testing.T, c config) {
				if c.LogFormat != "json" || c.MetricsToken != "scrape-me" {
					t.Fatalf("config = %+v", c)
				}
			}},
		{name: "unknown log format", args: []string{"--log-format", "xml"}, wantErr: `log format "xml"`},
		{name: "issuer without client id", env: map[string]string{"STEWARD_OIDC_ISSUER": "https://login.example.com"}, wantErr: "STEWARD_OIDC_CLIENT_ID is required"},
		{name: "short session key", args: []string{"--session-key", "short"}, wantErr: "at least 32 characters"},
		{name: "smtp from environment", env: map[string]string{"STEWARD_SMTP_HOST": "mail.example.com", "STEWARD_SMTP_PORT": "2525", "STEWARD_SMTP_SECURITY": "tls",
			"STEWARD_SMTP_USER": "steward", "STEWARD_SMTP_PASSWORD": "pw", "STEWARD_SMTP_FROM": "Steward <steward@example.com>"},
			check: func(t *testing.T, c config) {
				s := c.SMTP
				if s.Host != "mail.example.com" || s.Port != 2525 || s.Security != "tls" || s.Username != "steward" || s.Password != "pw" || s.From != "Steward <steward@example.com>" {
					t.Fatalf("smtp = %+v", s)
				}
			}},
		{name: "smtp without sender", env: map[string]string{"STEWARD_SMTP_HOST": "mail.example.com"}, wantErr: "STEWARD_SMTP_FROM is required"},
		{name: "smtp port not a number", args: []string{"--smtp-port", "x"}, wantErr: "give a port number"},
		{name: "stray argument", args: []string{"extra"}, wantErr: `unexpected argument "extra"`},
		{name: "unknown flag", args: []string{"--nope"}, wantErr: "flag provided but not defined"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []string{"STEWARD_ADDR", "STEWARD_DATA", "STEWARD_BASE_URL", "STEWARD_OIDC_ISSUER", "STEWARD_OIDC_CLIENT_ID", "STEWARD_ADMINS", "STEWARD_DEMO_DATA", "STEWARD_SESSION_KEY", "STEWARD_ALLOW_DEMO_SIGN_IN",
				"STEWARD_SMTP_HOST", "STEWARD_SMTP_PORT", "STEWARD_SMTP_SECURITY", "STEWARD_SMTP_USER", "STEWARD_SMTP_PASSWORD", "STEWARD_SMTP_FROM", "STEWARD_LOG_FORMAT", "STEWARD_METRICS_TOKEN"} {
				t.Setenv(k, "")
			}
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			c, err := parseConfig(tc.args, io.Discard)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, c)
		})
	}
}

// TestServeStartsAndStops runs the real command: it opens a fresh data file, seeds the demo
// organisation, answers the probes and the home page, and shuts down cleanly on cancel.
func TestServeStartsAndStops(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	data := filepath.Join(t.TempDir(), "steward.db")
	ctx, cancel := context.WithCancel(context.Background())
	var out, errs bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--addr", addr, "--data", data, "--log-level", "warn", "--metrics-token", "scrape-token"}, &out, &errs)
	}()

	base := "http://" + addr
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, err := http.Get(base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("not ready: %v\n%s", err, errs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	res, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "Sign in") {
		t.Fatalf("home: %d", res.StatusCode)
	}
	res, err = http.Get(base + "/idp/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("demo provider discovery: %d", res.StatusCode)
	}
	// The metrics are wired to the worker and the store, behind the token.
	for _, tc := range []struct {
		token string
		want  int
	}{{"", http.StatusUnauthorized}, {"scrape-token", http.StatusOK}} {
		req, _ := http.NewRequest(http.MethodGet, base+"/metrics", nil)
		if tc.token != "" {
			req.Header.Set("Authorization", "Bearer "+tc.token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != tc.want {
			t.Fatalf("/metrics with token %q: %d, want %d", tc.token, res.StatusCode, tc.want)
		}
		if tc.want == http.StatusOK && !strings.Contains(string(body), "steward_pending_approvals ") {
			t.Errorf("/metrics has no pending approvals gauge:\n%s", body)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v\n%s", err, errs.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no shutdown within 20s")
	}
	if !strings.Contains(out.String(), "Steward is listening on http://localhost:") || !strings.Contains(out.String(), "demo provider") {
		t.Fatalf("start-up message = %q", out.String())
	}
}

func TestBackupAndRestoreCommands(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "steward.db")
	backupFile := filepath.Join(dir, "backup.db")
	var out bytes.Buffer
	// Create a data file by opening it through the backup command itself.
	if err := run(context.Background(), []string{"backup", "--data", data, "--out", backupFile}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"restore", "--data", data, "--from", backupFile}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	notABackup := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notABackup, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := run(context.Background(), []string{"restore", "--data", data, "--from", notABackup}, &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "not a usable Steward backup") {
		t.Fatalf("restore of a text file: %v", err)
	}
	if err := run(context.Background(), []string{"backup", "--data", data}, &out, io.Discard); err == nil {
		t.Fatal("backup without --out succeeded")
	}
	if err := run(context.Background(), []string{"frobnicate"}, &out, io.Discard); err == nil {
		t.Fatal("unknown command succeeded")
	}
}

// TestAuditVerifyCommand checks a stopped store's audit trail: intact with its count and head,
// an exported head found in it, a locked file refused with the way out, and an altered event
// named with a non-zero exit.
func TestAuditVerifyCommand(t *testing.T) {
	data := filepath.Join(t.TempDir(), "steward.db")
	st, err := store.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range 3 {
		e := entitlement.AuditEvent{ID: entitlement.NewID(), At: time.Date(2026, 3, 2, 9, i, 0, 0, time.UTC), Action: "catalog.update", Summary: "renamed"}
		ids = append(ids, e.ID)
		if err := st.Update(context.Background(), func(tx entitlement.Tx) error { return tx.Audit().Append(e) }); err != nil {
			t.Fatal(err)
		}
	}
	var chain []entitlement.AuditEvent
	if err := st.View(context.Background(), func(tx entitlement.Tx) error {
		return tx.Audit().Chain(func(e entitlement.AuditEvent) error { chain = append(chain, e); return nil })
	}); err != nil {
		t.Fatal(err)
	}
	verify := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), append([]string{"audit", "verify", "--data", data}, args...), &out, io.Discard)
		return out.String(), err
	}

	if _, err := verify(); err == nil || !strings.Contains(err.Error(), "stop Steward first") {
		t.Fatalf("verify while the store is open: %v", err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	out, err := verify()
	if want := fmt.Sprintf("The audit trail of %s is intact: 3 events, head hash %s.\n", data, chain[2].Hash); err != nil || out != want {
		t.Fatalf("verify = %q, %v; want %q", out, err, want)
	}
	out, err = verify("--head", chain[1].Hash)
	if err != nil || !strings.Contains(out, "The exported head "+chain[1].Hash+" is event 2: the trail has only grown since.") {
		t.Fatalf("verify --head = %q, %v", out, err)
	}
	if out, err = verify("--head", strings.Repeat("0", 64)); !errors.Is(err, errChainBroken) || !strings.Contains(out, "It does not hold the exported head") {
		t.Fatalf("verify --head of another chain = %q, %v", out, err)
	}

	// Alter the second event's summary in the file, as a bbolt tool could: the store packs its
	// events, but still reads one written back as plain JSON.
	db, err := bolt.Open(data, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("audit"))
		e := chain[1]
		e.Summary = "nothing happened"
		raw, err := json.Marshal(e)
		if err != nil {
			return err
		}
		return b.Put([]byte(ids[1]), raw)
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	out, err = verify()
	if !errors.Is(err, errChainBroken) || !strings.Contains(out, "broken at event 2 (altered): event 2 ("+ids[1]+", catalog.update at 2026-03-02T09:01:00Z) was altered") ||
		!strings.Contains(out, "Events 1 to 1 check out; the last good hash is "+chain[0].Hash) {
		t.Fatalf("verify of an altered trail = %q, %v", out, err)
	}
	if _, err := verify("extra"); err == nil {
		t.Fatal("a stray argument was accepted")
	}
}

// TestHelpHidesSMTPPassword: the usage text shows defaults, and the password must not be one.
func TestHelpHidesSMTPPassword(t *testing.T) {
	t.Setenv("STEWARD_SMTP_PASSWORD", "hunter2-secret")
	var out bytes.Buffer
	if _, err := parseConfig([]string{"-h"}, &out); err == nil {
		t.Fatal("-h did not stop")
	}
	if strings.Contains(out.String(), "hunter2-secret") || !strings.Contains(out.String(), "smtp-password") {
		t.Fatalf("usage:\n%s", out.String())
	}
}

// TestTokenCreateCommand: a token for a person on a stopped portal's data file, printed as the
// last line and accepted by the service; a running portal (the file locked) refused with the way
// out; mistakes in the arguments said plainly.
func TestTokenCreateCommand(t *testing.T) {
	data := filepath.Join(t.TempDir(), "steward.db")
	st, err := store.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	riley := entitlement.User{ID: entitlement.NewID(), DisplayName: "Riley Requester", Email: "riley@example.com", UserType: entitlement.UserTypeMember, AccountEnabled: true}
	if err := st.Update(context.Background(), func(tx entitlement.Tx) error { return tx.Users().Put(riley) }); err != nil {
		t.Fatal(err)
	}
	create := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), append([]string{"token", "create", "--data", data}, args...), &out, io.Discard)
		return out.String(), err
	}
	if _, err := create("--user", "riley@example.com"); err == nil || !strings.Contains(err.Error(), "stop Steward first, or make the token on your profile page") {
		t.Fatalf("create while the store is open: %v", err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		says string
	}{
		{nil, "--user EMAIL"},
		{[]string{"--user", "nobody@example.com"}, "nobody with the e-mail address nobody@example.com"},
		{[]string{"--user", "riley@example.com", "--expires", "soon"}, "give a number of days"},
		{[]string{"--user", "riley@example.com", "--expires", "400d"}, "from 1 to 365 days"},
		{[]string{"--user", "riley@example.com", "stray"}, "unexpected argument"},
	} {
		if _, err := create(tc.args...); err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("create %v: %v, want it to say %q", tc.args, err, tc.says)
		}
	}
	if err := run(context.Background(), []string{"token", "create", "--data", data + ".missing", "--user", "riley@example.com"}, io.Discard, io.Discard); err == nil {
		t.Error("a data file that does not exist was accepted")
	}
	if _, err := os.Stat(data + ".missing"); err == nil {
		t.Error("token create made a data file")
	}

	out, err := create("--user", "Riley@Example.com", "--name", "deploy script", "--expires", "30d")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	tok := lines[len(lines)-1]
	if !strings.HasPrefix(tok, entitlement.APITokenPrefix) || !strings.Contains(out, `"deploy script" for riley@example.com`) {
		t.Fatalf("output %q", out)
	}
	st, err = store.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := entitlement.NewService(entitlement.Options{Store: st})
	p, err := svc.AuthenticateAPIToken(context.Background(), tok)
	if err != nil || p.UserID != riley.ID {
		t.Fatalf("the printed token: %+v, %v", p, err)
	}
	list, err := svc.APITokens(entitlement.WithPrincipal(context.Background(), p))
	if err != nil || len(list) != 1 || list[0].ExpiresDateTime.Sub(list[0].CreatedDateTime) != 30*24*time.Hour {
		t.Fatalf("Riley's tokens = %+v, %v", list, err)
	}
}

// TestCompactCommand compacts a stopped portal's file and says by how much; with the portal
// running it refuses and says what to do.
func TestCompactCommand(t *testing.T) {
	data := filepath.Join(t.TempDir(), "steward.db")
	st, err := store.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	err = run(context.Background(), []string{"compact", "--data", data}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "stop Steward first") {
		t.Fatalf("compact of a file in use: %v", err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"compact", "--data", data}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^compacted .*steward\.db from [0-9.]+ MB to [0-9.]+ MB\n$`).MatchString(out.String()) {
		t.Fatalf("compact printed %q", out.String())
	}
}
