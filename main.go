// Command steward is a self-hosted entitlement-management portal: catalogs, access packages,
// policies, requests, approvals and assignments, in one binary on an embedded bbolt file.
//
// Usage:
//
//	steward [serve] [flags]         start the portal (the default)
//	steward backup --out FILE       write a consistent copy of the data file (the portal must be
//	                                stopped; a running one serves the copy at /admin/backup)
//	steward restore --from FILE     replace the data file with a backup (the portal must be stopped)
//	steward compact                 give back the file's free pages (the portal must be stopped)
//	steward audit verify            check the audit trail's hash chain (the portal must be stopped)
//	steward token create --user E   print a new API token for a person (the portal must be stopped)
//
// Every flag also has an environment variable; see the README.
package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/stewardhq/steward/demo"
	"github.com/stewardhq/steward/directory/ldapsync"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/metrics"
	"github.com/stewardhq/steward/notify"
	"github.com/stewardhq/steward/provision"
	"github.com/stewardhq/steward/store"
	"github.com/stewardhq/steward/web"
	"github.com/stewardhq/steward/web/demoidp"
)

// config is the whole process configuration, from flags and STEWARD_* environment variables.
type config struct {
	Addr             string
	Data             string
	BaseURL          string
	OIDCIssuer       string
	OIDCClientID     string
	OIDCClientSecret string
	OIDCRedirectURL  string
	OIDCScopes       string
	OIDCAPIAudience  string
	Admins           string
	AdminGroup       string
	SessionKey       string
	SecretKey        string
	Demo             bool
	AllowDemoSignIn  bool
	LogLevel         string
	SMTP             notify.SMTP
	LogFormat        string
	MetricsToken     string
}

// envOr returns the environment variable's value, or def when it is unset or empty.
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func parseConfig(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("steward", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.Addr, "addr", envOr("STEWARD_ADDR", ":8080"), "address to listen on (STEWARD_ADDR)")
	fs.StringVar(&c.Data, "data", envOr("STEWARD_DATA", "./data/steward.db"), "path of the bbolt data file (STEWARD_DATA)")
	fs.StringVar(&c.BaseURL, "base-url", envOr("STEWARD_BASE_URL", ""), "external URL of the portal; default http://localhost:<port> (STEWARD_BASE_URL)")
	fs.StringVar(&c.OIDCIssuer, "oidc-issuer", envOr("STEWARD_OIDC_ISSUER", ""), "OpenID Connect issuer URL; empty runs the embedded demo provider (STEWARD_OIDC_ISSUER)")
	fs.StringVar(&c.OIDCClientID, "oidc-client-id", envOr("STEWARD_OIDC_CLIENT_ID", ""), "OIDC client id (STEWARD_OIDC_CLIENT_ID)")
	fs.StringVar(&c.OIDCClientSecret, "oidc-client-secret", envOr("STEWARD_OIDC_CLIENT_SECRET", ""), "OIDC client secret (STEWARD_OIDC_CLIENT_SECRET)")
	fs.StringVar(&c.OIDCRedirectURL, "oidc-redirect-url", envOr("STEWARD_OIDC_REDIRECT_URL", ""), "OIDC redirect URL; default <base-url>/auth/callback (STEWARD_OIDC_REDIRECT_URL)")
	fs.StringVar(&c.OIDCScopes, "oidc-scopes", envOr("STEWARD_OIDC_SCOPES", "openid email profile"), "space-separated OIDC scopes (STEWARD_OIDC_SCOPES)")
	fs.StringVar(&c.OIDCAPIAudience, "oidc-api-audience", envOr("STEWARD_OIDC_API_AUDIENCE", ""), "audience the provider's access tokens must name for the API; default the client id (STEWARD_OIDC_API_AUDIENCE)")
	fs.StringVar(&c.Admins, "admins", envOr("STEWARD_ADMINS", ""), "comma-separated e-mails of administrators (STEWARD_ADMINS)")
	fs.StringVar(&c.AdminGroup, "admin-group", envOr("STEWARD_ADMIN_GROUP", ""), "groups-claim value that makes a user an administrator (STEWARD_ADMIN_GROUP)")
	fs.StringVar(&c.SecretKey, "secret-key", envOr("STEWARD_SECRET_KEY", ""), "secret of at least 32 characters that encrypts connector secrets (bind passwords, tokens, signing keys) at rest; default: generated once and kept in the data file (STEWARD_SECRET_KEY)")
	fs.StringVar(&c.SessionKey, "session-key", envOr("STEWARD_SESSION_KEY", ""), "secret of at least 32 characters for session cookies; default: generated once and kept in the data file (STEWARD_SESSION_KEY)")
	fs.BoolVar(&c.Demo, "demo-data", envOr("STEWARD_DEMO_DATA", "") != "false", "with the demo provider, fill a new data file with a demo organisation (STEWARD_DEMO_DATA=false to start empty)")
	fs.BoolVar(&c.AllowDemoSignIn, "allow-demo-sign-in", envOr("STEWARD_ALLOW_DEMO_SIGN_IN", "") == "true", "run the demo sign-in on a base URL other than localhost, where anyone can sign in as an administrator (STEWARD_ALLOW_DEMO_SIGN_IN)")
	fs.StringVar(&c.LogLevel, "log-level", envOr("STEWARD_LOG_LEVEL", "info"), "debug, info, warn or error (STEWARD_LOG_LEVEL)")
	fs.StringVar(&c.SMTP.Host, "smtp-host", envOr("STEWARD_SMTP_HOST", ""), "SMTP server for mail; empty keeps mail for administrators to read instead (STEWARD_SMTP_HOST)")
	smtpPort := fs.String("smtp-port", envOr("STEWARD_SMTP_PORT", ""), "SMTP port; default 587 for starttls, 465 for tls, 25 for none (STEWARD_SMTP_PORT)")
	smtpSecurity := fs.String("smtp-security", envOr("STEWARD_SMTP_SECURITY", "starttls"), "starttls, tls (implicit, from the first byte) or none (STEWARD_SMTP_SECURITY)")
	fs.StringVar(&c.SMTP.Username, "smtp-user", envOr("STEWARD_SMTP_USER", ""), "SMTP user name, when the server wants one (STEWARD_SMTP_USER)")
	// The password's default is not taken from the environment here, so that -help never prints it.
	fs.StringVar(&c.SMTP.Password, "smtp-password", "", "SMTP password (STEWARD_SMTP_PASSWORD)")
	fs.StringVar(&c.SMTP.From, "smtp-from", envOr("STEWARD_SMTP_FROM", ""), `sender of mail, e.g. "Steward <steward@example.com>" (STEWARD_SMTP_FROM)`)
	fs.StringVar(&c.LogFormat, "log-format", envOr("STEWARD_LOG_FORMAT", ""), "json or text; default json unless the base URL is localhost (STEWARD_LOG_FORMAT)")
	fs.StringVar(&c.MetricsToken, "metrics-token", envOr("STEWARD_METRICS_TOKEN", ""), "bearer token that /metrics asks for; default: /metrics is open (STEWARD_METRICS_TOKEN)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if c.SMTP.Password == "" {
		c.SMTP.Password = os.Getenv("STEWARD_SMTP_PASSWORD")
	}
	c.SMTP.Security = notify.Security(*smtpSecurity)
	if *smtpPort != "" {
		port, err := strconv.Atoi(*smtpPort)
		if err != nil || port <= 0 || port > 65535 {
			return c, fmt.Errorf("STEWARD_SMTP_PORT %q: give a port number", *smtpPort)
		}
		c.SMTP.Port = port
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if c.BaseURL == "" {
		port := "8080"
		if _, p, err := net.SplitHostPort(c.Addr); err == nil && p != "" {
			port = p
		}
		c.BaseURL = "http://localhost:" + port
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	switch c.LogFormat {
	case "":
		// Text is for a person at a terminal; a server elsewhere feeds a log collector.
		c.LogFormat = "json"
		if isLocalURL(c.BaseURL) {
			c.LogFormat = "text"
		}
	case "json", "text":
	default:
		return c, fmt.Errorf("log format %q: use json or text", c.LogFormat)
	}
	if c.OIDCIssuer != "" && c.OIDCClientID == "" {
		return c, errors.New("STEWARD_OIDC_CLIENT_ID is required with STEWARD_OIDC_ISSUER")
	}
	if c.OIDCIssuer == "" && !c.AllowDemoSignIn && !isLocalURL(c.BaseURL) {
		return c, fmt.Errorf("no identity provider is configured for %s: set STEWARD_OIDC_ISSUER (and its client id and secret), "+
			"or STEWARD_ALLOW_DEMO_SIGN_IN=true to run the demo sign-in there, where anyone can sign in as an administrator", c.BaseURL)
	}
	if c.SMTP.Host != "" && c.SMTP.From == "" {
		return c, errors.New("STEWARD_SMTP_FROM is required with STEWARD_SMTP_HOST")
	}
	if c.SecretKey != "" && len(c.SecretKey) < 32 {
		return c, errors.New("STEWARD_SECRET_KEY must be at least 32 characters")
	}
	if c.SessionKey != "" && len(c.SessionKey) < 32 {
		return c, errors.New("STEWARD_SESSION_KEY must be at least 32 characters")
	}
	return c, nil
}

// isLocalURL reports whether the URL points at this machine only.
func isLocalURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	switch u.Hostname() {
	case "localhost", "127.0.0.1", "::1":
		return true
	}
	return false
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "steward:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, stdout, stderr)
	case "backup":
		return backup(args, stdout, stderr)
	case "restore":
		return restore(args, stdout, stderr)
	case "compact":
		return compact(args, stdout, stderr)
	case "audit":
		return audit(ctx, args, stdout, stderr)
	case "token":
		return token(ctx, args, stdout, stderr)
	}
	return fmt.Errorf("unknown command %q: use serve, backup, restore, compact, audit or token", cmd)
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig(args, stderr)
	if err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return fmt.Errorf("log level %q: use debug, info, warn or error", cfg.LogLevel)
	}
	log := newLogger(stderr, cfg.LogFormat, level)
	// Libraries that log to the default logger (the OIDC provider library does) write in the
	// same format, to the same place.
	defer slog.SetDefault(slog.Default())
	slog.SetDefault(log)

	st, err := store.Open(cfg.Data)
	if err != nil {
		return err
	}
	defer func() {
		if err := st.Close(); err != nil {
			log.Error("close store", "err", err)
		}
	}()

	demoMode := cfg.OIDCIssuer == ""
	admins := entitlement.AdminRule{Group: cfg.AdminGroup}
	for _, e := range strings.Split(cfg.Admins, ",") {
		if e = strings.TrimSpace(e); e != "" {
			admins.Emails = append(admins.Emails, e)
		}
	}
	if demoMode {
		for _, u := range demo.Users {
			if u.IsAdmin {
				admins.Emails = append(admins.Emails, u.Email)
			}
		}
	}
	box, callbackKey, err := secretKeys(ctx, st, cfg.SecretKey)
	if err != nil {
		return err
	}
	svc := entitlement.NewService(entitlement.Options{Store: st, Logger: log, Admins: admins, Secrets: box, Directory: ldapsync.Source{}})
	if _, err := svc.EnsureDefaultCatalog(ctx); err != nil {
		return err
	}
	if demoMode && cfg.Demo {
		if err := demo.Seed(ctx, svc, st); err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
	}

	hashKey, blockKey, err := sessionKeys(ctx, st, cfg.SessionKey)
	if err != nil {
		return err
	}
	webCfg := web.Config{
		BaseURL: cfg.BaseURL, SessionHashKey: hashKey, SessionBlockKey: blockKey,
		OIDC: web.OIDCConfig{
			Issuer: cfg.OIDCIssuer, ClientID: cfg.OIDCClientID, ClientSecret: cfg.OIDCClientSecret,
			RedirectURL: cfg.OIDCRedirectURL, Scopes: strings.Fields(cfg.OIDCScopes), APIAudience: cfg.OIDCAPIAudience,
		},
	}
	if demoMode {
		users := make([]demoidp.User, 0, len(demo.Users))
		for _, u := range demo.Users {
			users = append(users, demoidp.User{Subject: u.Subject, Email: u.Email, Name: u.Name, Description: u.Description, Groups: u.Groups})
		}
		if err := web.ConfigureDemoIdP(ctx, &webCfg, st, users, log); err != nil {
			return err
		}
	}
	webCfg.MetricsToken = cfg.MetricsToken
	m := metrics.New(svc.Backlog, log)
	dispatcher := provision.New(svc, provision.Options{BaseURL: cfg.BaseURL, CallbackKey: callbackKey, Log: log})
	defer dispatcher.Close()
	srv, err := web.New(webCfg, web.Deps{Service: svc, Ready: st.Ping, Logger: log, Metrics: m, Connectors: dispatcher, Callbacks: dispatcher.CallbackHandler()})
	if err != nil {
		return err
	}
	mailer, err := notify.New(notify.Config{BaseURL: cfg.BaseURL, SMTP: cfg.SMTP, Keeper: svc, Log: log, Sent: m.MailSent})
	if err != nil {
		return err
	}
	worker := entitlement.NewWorker(svc, entitlement.WorkerOptions{Notifier: mailer, Provisioner: dispatcher, Reconciler: dispatcher, Observer: m, Concurrency: 8, PerTarget: 2})

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	httpSrv := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	fmt.Fprintf(stdout, "Steward is listening on %s (data: %s)\n", cfg.BaseURL, cfg.Data)
	if demoMode {
		fmt.Fprintf(stdout, "Sign in at %s with the demo provider: pick a demo user such as admin@example.com or requester@example.com.\n", cfg.BaseURL)
		fmt.Fprintln(stdout, "The demo provider is for trying Steward only; set STEWARD_OIDC_ISSUER to use your own identity provider.")
	}
	if !mailer.Sends() {
		fmt.Fprintf(stdout, "No SMTP server is configured: mail is kept, and administrators read it at %s/admin/mail.\n", cfg.BaseURL)
	}

	errc := make(chan error, 2)
	go func() { errc <- httpSrv.Serve(ln) }()
	workerCtx, stopWorker := context.WithCancel(ctx)
	defer stopWorker()
	workerDone := make(chan struct{})
	go func() {
		defer close(workerDone)
		if err := worker.Run(workerCtx); err != nil && !errors.Is(err, context.Canceled) {
			errc <- fmt.Errorf("worker: %w", err)
		}
	}()

	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	}
	log.Info("shutting down")
	stopWorker()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err = httpSrv.Shutdown(shutdownCtx)
	// The store closes when serve returns; the worker and the background directory sync must be
	// done with it first. A sync that does not stop in time leaves its marker, which the next
	// start reports as cut short.
	<-workerDone
	if serr := svc.Shutdown(shutdownCtx); serr != nil {
		log.Warn("directory sync did not stop in time", "error", serr)
	}
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// newLogger returns the process's logger: JSON lines or text, at the level.
func newLogger(w io.Writer, format string, level slog.Level) *slog.Logger {
	opt := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opt))
	}
	return slog.New(slog.NewTextHandler(w, opt))
}

// secretKeys derives the key that seals connector secrets and the key of webhook callback tokens
// from the configured secret, or from one generated on first start and kept in the data file.
// A configured one keeps the sealing key out of the data file and its backups.
func secretKeys(ctx context.Context, st *store.Store, configured string) (*entitlement.AESBox, []byte, error) {
	secret := []byte(configured)
	if configured == "" {
		var err error
		secret, err = st.Secret(ctx, "secret_key", func() ([]byte, error) {
			b := make([]byte, 64)
			_, err := rand.Read(b)
			return b, err
		})
		if err != nil {
			return nil, nil, fmt.Errorf("secret key: %w", err)
		}
	}
	seal := sha256.Sum256(append([]byte("steward connector secrets\x00"), secret...))
	callbacks := sha256.Sum256(append([]byte("steward provision callbacks\x00"), secret...))
	box, err := entitlement.NewAESBox(seal[:])
	return box, callbacks[:], err
}

// sessionKeys derives the cookie keys from the configured secret, or from one generated on first
// start and kept in the data file so that restarts keep people signed in.
func sessionKeys(ctx context.Context, st *store.Store, configured string) (hashKey, blockKey []byte, err error) {
	secret := []byte(configured)
	if configured == "" {
		secret, err = st.Secret(ctx, "session_key", func() ([]byte, error) {
			b := make([]byte, 64)
			_, err := rand.Read(b)
			return b, err
		})
		if err != nil {
			return nil, nil, fmt.Errorf("session key: %w", err)
		}
	}
	h := sha256.Sum256(append([]byte("steward session hash\x00"), secret...))
	b := sha256.Sum256(append([]byte("steward session block\x00"), secret...))
	return h[:], b[:], nil
}
