package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strconv"
	"time"

	"github.com/stewardhq/steward/entitlement"
)

// parseAddress parses a single address, with or without a name.
func parseAddress(s string) (*mail.Address, error) {
	if s == "" {
		return nil, errors.New("empty")
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return nil, fmt.Errorf("%q: %w", s, err)
	}
	return a, nil
}

// send delivers one mail over SMTP in one connection. The whole exchange has a deadline (the
// context's or Timeout), so a server that stops answering cannot hold the worker.
func (m *Notifier) send(ctx context.Context, msg entitlement.Mail) error {
	s := m.cfg.SMTP
	from, _ := parseAddress(s.From) // checked in New
	to, err := parseAddress(msg.To)
	if err != nil {
		return fmt.Errorf("recipient address: %w", err)
	}
	data, err := m.mime(msg, from, &mail.Address{Name: msg.ToName, Address: to.Address})
	if err != nil {
		return err
	}

	ctx, cancel := context.WithTimeout(ctx, s.Timeout)
	defer cancel()
	addr := net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	tlsConfig := &tls.Config{ServerName: s.Host, MinVersion: tls.VersionTLS12}
	if s.TLSConfig != nil {
		tlsConfig = s.TLSConfig.Clone()
		if tlsConfig.ServerName == "" {
			tlsConfig.ServerName = s.Host
		}
	}
	var conn net.Conn
	if s.Security == TLS {
		conn, err = (&tls.Dialer{Config: tlsConfig}).DialContext(ctx, "tcp", addr)
	} else {
		conn, err = (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return fmt.Errorf("connect to %s: %w", addr, err)
	}
	deadline, _ := ctx.Deadline()
	// Errors of closing are not worth reporting: the message's fate is decided by then.
	if err := conn.SetDeadline(deadline); err != nil {
		_ = conn.Close()
		return fmt.Errorf("connect to %s: %w", addr, err)
	}
	// Closing the connection when the context ends interrupts a call that is waiting on it.
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()

	c, err := smtp.NewClient(conn, s.Host)
	if err != nil {
		_ = conn.Close()
		return fmt.Errorf("greeting of %s: %w", addr, err)
	}
	defer func() { _ = c.Close() }()
	if err := c.Hello(helloName(m.cfg.BaseURL)); err != nil {
		return fmt.Errorf("EHLO: %w", err)
	}
	if s.Security == StartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return fmt.Errorf("%s does not offer STARTTLS; set the security to tls or none if that is intended", addr)
		}
		if err := c.StartTLS(tlsConfig); err != nil {
			return fmt.Errorf("STARTTLS: %w", err)
		}
	}
	if s.Username != "" {
		// PlainAuth refuses to send the password over a connection without TLS (except to
		// localhost), which is the protection wanted.
		if err := c.Auth(smtp.PlainAuth("", s.Username, s.Password, s.Host)); err != nil {
			return fmt.Errorf("authenticate as %s: %w", s.Username, err)
		}
	}
	if err := c.Mail(from.Address); err != nil {
		return fmt.Errorf("MAIL FROM: %w", err)
	}
	if err := c.Rcpt(to.Address); err != nil {
		return fmt.Errorf("RCPT TO: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("write message: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("end of message: %w", err)
	}
	// The server has taken the message; a failing QUIT changes nothing about that.
	_ = c.Quit()
	return nil
}

// helloName is the name Steward gives itself in EHLO: its public host.
func helloName(base string) string {
	if u, err := url.Parse(base); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return "localhost"
}

// mime builds the message: headers and a multipart/alternative body with the plain text first
// and the HTML last, as clients pick the last part they can show.
func (m *Notifier) mime(msg entitlement.Mail, from, to *mail.Address) ([]byte, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, part := range []struct{ typ, content string }{
		{"text/plain; charset=utf-8", msg.Text},
		{"text/html; charset=utf-8", msg.HTML},
	} {
		pw, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {part.typ},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, fmt.Errorf("build message: %w", err)
		}
		qw := quotedprintable.NewWriter(pw)
		if _, err := qw.Write([]byte(part.content)); err != nil {
			return nil, fmt.Errorf("build message: %w", err)
		}
		if err := qw.Close(); err != nil {
			return nil, fmt.Errorf("build message: %w", err)
		}
	}
	if err := mw.Close(); err != nil {
		return nil, fmt.Errorf("build message: %w", err)
	}
	var out bytes.Buffer
	header := func(k, v string) { fmt.Fprintf(&out, "%s: %s\r\n", k, v) }
	header("From", from.String())
	header("To", to.String())
	header("Subject", mime.QEncoding.Encode("utf-8", msg.Subject))
	header("Date", msg.CreatedDateTime.UTC().Format(time.RFC1123Z))
	// The same id on every attempt lets a mail client recognise a copy sent again after a crash.
	header("Message-ID", "<"+msg.ID+"@"+helloName(m.cfg.BaseURL)+">")
	header("Auto-Submitted", "auto-generated")
	header("MIME-Version", "1.0")
	header("Content-Type", "multipart/alternative; boundary="+mw.Boundary())
	out.WriteString("\r\n")
	out.Write(body.Bytes())
	return out.Bytes(), nil
}
