package notify_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http/httptest"
	"net/mail"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"
)

// received is one message as the SMTP server took it.
type received struct {
	From, To  string
	MessageID string
	Subject   string
	Text      string
	HTML      string
}

// inbox is an SMTP server in the test process that keeps what it receives.
type inbox struct {
	Addr string
	Port int

	mu    sync.Mutex
	mails []received
	auths []string // user:password pairs that authenticated
	// onData, when set, runs after a message is received and before the server answers.
	onData func(n int)
}

// serverOptions configure startInbox.
type serverOptions struct {
	tls      *tls.Config // offer STARTTLS with it
	implicit bool        // TLS from the first byte
	user     string      // require AUTH PLAIN with user and password
	password string
}

// startInbox runs an SMTP server on a loopback port until the test ends.
func startInbox(t *testing.T, opt serverOptions) *inbox {
	t.Helper()
	in := &inbox{}
	srv := gosmtp.NewServer(gosmtp.BackendFunc(func(*gosmtp.Conn) (gosmtp.Session, error) {
		return &session{in: in, opt: opt}, nil
	}))
	srv.Domain = "mail.test"
	srv.AllowInsecureAuth = false
	srv.TLSConfig = opt.tls
	var ln net.Listener
	var err error
	if opt.implicit {
		ln, err = tls.Listen("tcp", "127.0.0.1:0", opt.tls)
	} else {
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	in.Addr = "127.0.0.1"
	in.Port = ln.Addr().(*net.TCPAddr).Port
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return in
}

// testCert returns a server TLS config for 127.0.0.1 and a client config that trusts it.
func testCert(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	ts.StartTLS()
	defer ts.Close()
	pool := x509.NewCertPool()
	pool.AddCert(ts.Certificate())
	return &tls.Config{Certificates: ts.TLS.Certificates}, &tls.Config{RootCAs: pool}
}

// Mails returns what the server received so far.
func (in *inbox) Mails() []received {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]received(nil), in.mails...)
}

type session struct {
	in       *inbox
	opt      serverOptions
	authed   bool
	from, to string
}

func (s *session) AuthMechanisms() []string {
	if s.opt.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.opt.user || pass != s.opt.password {
			return errors.New("invalid credentials")
		}
		s.authed = true
		s.in.mu.Lock()
		s.in.auths = append(s.in.auths, user+":"+pass)
		s.in.mu.Unlock()
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *gosmtp.MailOptions) error {
	if s.opt.user != "" && !s.authed {
		return gosmtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	s.to = to
	return nil
}

func (s *session) Data(r io.Reader) error {
	m, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	got := received{From: s.from, To: s.to, MessageID: m.Header.Get("Message-ID")}
	got.Subject, err = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		return err
	}
	_, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		return err
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return err
		}
		// The multipart reader undoes the quoted-printable encoding itself.
		b, err := io.ReadAll(p)
		if err != nil {
			return err
		}
		switch {
		case strings.HasPrefix(p.Header.Get("Content-Type"), "text/plain"):
			got.Text = string(b)
		case strings.HasPrefix(p.Header.Get("Content-Type"), "text/html"):
			got.HTML = string(b)
		}
	}
	s.in.mu.Lock()
	s.in.mails = append(s.in.mails, got)
	n, hook := len(s.in.mails), s.in.onData
	s.in.mu.Unlock()
	if hook != nil {
		hook(n)
	}
	return nil
}

func (s *session) Reset()        { s.from, s.to = "", "" }
func (s *session) Logout() error { return nil }
