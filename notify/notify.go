// Package notify turns the engine's notifications into mail: it renders each one with templ, as
// HTML and as plain text, and sends it over SMTP. Without an SMTP server (the demo) it keeps the
// rendered mail in the store instead, where administrators read it on the Sent mail page.
//
// The engine's outbox is the queue: the worker calls Notifier.Notify once per message and
// retries it with backoff when it fails, so this package sends exactly one mail per call and
// keeps no queue of its own. See docs/notifications.md for what a crash can do.
package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"strings"
	"time"

	"github.com/stewardhq/steward/entitlement"
)

// Security is how the connection to the SMTP server is protected.
type Security string

// Connection security modes.
const (
	StartTLS Security = "starttls" // plain connection upgraded with STARTTLS (port 587); required, never skipped
	TLS      Security = "tls"      // TLS from the first byte (port 465)
	NoTLS    Security = "none"     // no encryption, for a relay on the same host or network
)

// SMTP configures the mail server. Host empty means there is none.
type SMTP struct {
	Host     string
	Port     int
	Security Security
	Username string
	Password string
	// From is the sender's address, with an optional name: "Steward <steward@example.com>".
	From string
	// Timeout bounds one whole delivery: connect, TLS, authentication and the data. Default 30s.
	Timeout time.Duration
	// TLSConfig, when set, replaces the default (verify the server's name against the system's
	// roots), for a private CA.
	TLSConfig *tls.Config
}

// Keeper stores mail instead of sending it; entitlement.Service is one.
type Keeper interface {
	KeepMail(ctx context.Context, m entitlement.Mail) error
}

// Config configures a Notifier.
type Config struct {
	// BaseURL is the portal's external URL, for the links in the mail.
	BaseURL string
	SMTP    SMTP
	// Keeper receives the mail when SMTP has no host.
	Keeper Keeper
	Log    *slog.Logger
	// Sent, when set, hears of every SMTP attempt and its outcome (the metrics count them).
	Sent func(err error)
}

// Notifier implements entitlement.Notifier.
type Notifier struct {
	cfg Config
}

var _ entitlement.Notifier = (*Notifier)(nil)

// New checks the configuration and returns a Notifier.
func New(cfg Config) (*Notifier, error) {
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.BaseURL == "" {
		return nil, errors.New("notify: no base URL for the links in mail")
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	s := &cfg.SMTP
	if s.Host == "" {
		if cfg.Keeper == nil {
			return nil, errors.New("notify: no SMTP host and nowhere to keep mail")
		}
		return &Notifier{cfg: cfg}, nil
	}
	switch s.Security {
	case "":
		s.Security = StartTLS
	case StartTLS, TLS, NoTLS:
	default:
		return nil, fmt.Errorf("notify: SMTP security %q: use starttls, tls or none", s.Security)
	}
	if s.Port == 0 {
		s.Port = map[Security]int{StartTLS: 587, TLS: 465, NoTLS: 25}[s.Security]
	}
	if _, err := parseAddress(s.From); err != nil {
		return nil, fmt.Errorf("notify: SMTP from address: %w", err)
	}
	if s.Password != "" && s.Username == "" {
		return nil, errors.New("notify: an SMTP password needs a user name")
	}
	if s.Timeout <= 0 {
		s.Timeout = 30 * time.Second
	}
	return &Notifier{cfg: cfg}, nil
}

// Sends reports whether mail goes out over SMTP rather than being kept.
func (m *Notifier) Sends() bool { return m.cfg.SMTP.Host != "" }

// Notify renders the notification for its recipient and sends or keeps it.
func (m *Notifier) Notify(ctx context.Context, n entitlement.Notification) error {
	if n.Recipient == nil {
		// Written before mail existed, when notifications went to the log only; there is no
		// address to send it to.
		m.cfg.Log.InfoContext(ctx, "notification without a recipient: not mailed", "event", n.Event, "request", n.RequestID)
		return nil
	}
	letter := compose(n, m.cfg.BaseURL)
	text, body, err := render(ctx, letter)
	if err != nil {
		return fmt.Errorf("render %s mail: %w", n.Event, err)
	}
	mail := entitlement.Mail{
		ID: n.ID, Event: n.Event, ToUserID: n.Recipient.UserID, ToName: n.Recipient.Name, To: n.Recipient.Email,
		Subject: letter.Subject, Text: text, HTML: body, Link: letter.Action.URL, CreatedDateTime: n.At,
	}
	if !m.Sends() {
		if err := m.cfg.Keeper.KeepMail(ctx, mail); err != nil {
			return fmt.Errorf("keep %s mail to %s: %w", n.Event, mail.To, err)
		}
		return nil
	}
	err = m.send(ctx, mail)
	if m.cfg.Sent != nil {
		m.cfg.Sent(err)
	}
	if err != nil {
		return fmt.Errorf("send %s mail to %s: %w", n.Event, mail.To, err)
	}
	return nil
}

// render renders both bodies of a letter.
func render(ctx context.Context, l Letter) (text, body string, err error) {
	var hb, tb strings.Builder
	if err := htmlMail(l).Render(ctx, &hb); err != nil {
		return "", "", err
	}
	if err := textMail(l).Render(ctx, &tb); err != nil {
		return "", "", err
	}
	// templ escapes for HTML and puts a space where the template's layout broke a line; plain
	// text wants neither.
	lines := strings.Split(html.UnescapeString(tb.String()), "\n")
	for i, line := range lines {
		lines[i] = strings.TrimLeft(line, " ")
	}
	return strings.TrimSpace(strings.Join(lines, "\n")) + "\n", hb.String(), nil
}
