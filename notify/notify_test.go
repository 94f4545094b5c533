package notify_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
	"github.com/stewardhq/steward/notify"
)

const base = "https://steward.example.com"

// world is a tenant in which Riley requests a package that Morgan approves.
type world struct {
	*entitlementtest.Env
	riley, morgan, admin entitlement.User
	pol                  entitlement.AssignmentPolicy
}

func newWorld(t *testing.T, opt entitlementtest.Options) *world {
	t.Helper()
	e := entitlementtest.Open(t, opt)
	w := &world{Env: e}
	w.morgan = e.User("Morgan Manager")
	w.riley = e.User("Riley Requester", entitlementtest.ManagedBy(w.morgan))
	w.admin = e.User("Ada Admin")
	team := e.Group("Finance")
	cat := e.Catalog("General")
	res := e.GroupResource(cat, team)
	pkg := e.Package(cat, "Finance reports & ledgers", entitlementtest.Member(res))
	w.pol = e.Policy(pkg, entitlementtest.Approval(entitlementtest.ApprovalStage(7, entitlementtest.ManagerOf(1))),
		func(p *entitlement.AssignmentPolicy) { p.DurationInDays, p.CanExtend = 30, true })
	return w
}

func smtpNotifier(t *testing.T, in *inbox, change func(*notify.SMTP)) *notify.Notifier {
	t.Helper()
	cfg := notify.SMTP{Host: in.Addr, Port: in.Port, Security: notify.NoTLS, From: "Steward <steward@example.com>", Timeout: 5 * time.Second}
	if change != nil {
		change(&cfg)
	}
	n, err := notify.New(notify.Config{BaseURL: base + "/", SMTP: cfg, Log: entitlementtest.Quiet})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func byRecipient(mails []received, to string) []received {
	var out []received
	for _, m := range mails {
		if m.To == to {
			out = append(out, m)
		}
	}
	return out
}

// expectMail checks one message: its subject, and that both bodies carry the words and the
// absolute link.
func expectMail(t *testing.T, m received, subject, words, link string) {
	t.Helper()
	if m.Subject != subject {
		t.Errorf("subject = %q, want %q", m.Subject, subject)
	}
	for _, body := range []struct{ name, text, words string }{{"text", m.Text, words}, {"html", m.HTML, html.EscapeString(words)}} {
		if !strings.Contains(body.text, body.words) {
			t.Errorf("%s body of %q lacks %q:\n%s", body.name, subject, words, body.text)
		}
		if !strings.Contains(body.text, link) {
			t.Errorf("%s body of %q lacks the link %s:\n%s", body.name, subject, link, body.text)
		}
	}
	if !strings.Contains(m.HTML, `href="`+link+`"`) {
		t.Errorf("html of %q does not link to %s", subject, link)
	}
	if strings.Contains(m.Text, "&amp;") || strings.Contains(m.Text, "<p") {
		t.Errorf("text body of %q has HTML in it:\n%s", subject, m.Text)
	}
}

// TestMailOverSMTP follows a request through the real SMTP server: who gets which mail, with
// what subject, words and link.
func TestMailOverSMTP(t *testing.T) {
	w := newWorld(t, entitlementtest.Options{})
	in := startInbox(t, serverOptions{})
	wk := w.Worker(entitlement.WorkerOptions{Notifier: smtpNotifier(t, in, nil)})

	r := w.RequestAccess(w.riley, w.pol)
	w.Drain(wk)
	mails := in.Mails()
	if len(mails) != 2 {
		t.Fatalf("after the request %d mails, want 2 (submitted, approval needed): %+v", len(mails), mails)
	}
	approval := byRecipient(mails, w.morgan.Email)
	if len(approval) != 1 {
		t.Fatalf("Morgan got %d mails", len(approval))
	}
	expectMail(t, approval[0], "Approval needed: Riley Requester asks for access to Finance reports & ledgers",
		"Riley Requester asks for access to Finance reports & ledgers", base+"/approvals/"+r.ID)
	if strings.Contains(approval[0].Text, "/profile") {
		t.Error("an approval request offers to turn itself off")
	}
	submitted := byRecipient(mails, w.riley.Email)
	if len(submitted) != 1 {
		t.Fatalf("Riley got %d mails", len(submitted))
	}
	expectMail(t, submitted[0], "Request received: Finance reports & ledgers", "Your request for Finance reports & ledgers was received", base+"/access/requests/"+r.ID)
	if !strings.Contains(submitted[0].Text, base+"/profile") {
		t.Error("an optional mail does not say where to turn it off")
	}
	if submitted[0].From != "steward@example.com" || submitted[0].MessageID == "" {
		t.Errorf("envelope from %q, message id %q", submitted[0].From, submitted[0].MessageID)
	}

	w.Decide(w.morgan, r, true)
	w.Drain(wk)
	rest := byRecipient(in.Mails()[2:], w.riley.Email)
	if len(rest) != 2 || len(in.Mails()) != 4 {
		t.Fatalf("after approval Riley got %+v", rest)
	}
	expectMail(t, rest[0], "Approved: Finance reports & ledgers", "Approved by Morgan Manager", base+"/access/requests/"+r.ID)
	expectMail(t, rest[1], "Access ready: Finance reports & ledgers", "was delivered", base+"/access/assignments")

	// 14 days before the end: the reminder with the extend link.
	w.Clock.Advance(16*24*time.Hour + time.Minute)
	w.Drain(wk)
	reminders := in.Mails()[4:]
	if len(reminders) != 1 {
		t.Fatalf("reminders %+v", reminders)
	}
	expectMail(t, reminders[0], "Your access to Finance reports & ledgers ends in 14 days", "ask for more time", base+"/access/assignments/"+r.ID+"/extend")
}

// TestMailWithTLSAndPassword sends over STARTTLS and over implicit TLS with a user and password,
// and sees that a refused password fails the delivery without showing the password.
func TestMailWithTLSAndPassword(t *testing.T) {
	serverTLS, clientTLS := testCert(t)
	for _, tc := range []struct {
		name     string
		security notify.Security
		implicit bool
	}{
		{"STARTTLS", notify.StartTLS, false},
		{"implicit TLS", notify.TLS, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, entitlementtest.Options{})
			in := startInbox(t, serverOptions{tls: serverTLS, implicit: tc.implicit, user: "steward", password: "s3cret-pass"})
			good := smtpNotifier(t, in, func(s *notify.SMTP) {
				s.Security, s.TLSConfig, s.Username, s.Password = tc.security, clientTLS, "steward", "s3cret-pass"
			})
			bad := smtpNotifier(t, in, func(s *notify.SMTP) {
				s.Security, s.TLSConfig, s.Username, s.Password = tc.security, clientTLS, "steward", "wrong-pass"
			})
			w.RequestAccess(w.riley, w.pol)
			var n entitlement.Notification
			w.View(func(tx entitlement.Tx) error {
				ms, err := tx.Outbox().Due(w.Clock.Now(), 1)
				if err != nil || len(ms) != 1 {
					return fmt.Errorf("due %v: %w", ms, err)
				}
				return json.Unmarshal(ms[0].Payload, &n)
			})
			err := bad.Notify(context.Background(), n)
			if err == nil || strings.Contains(err.Error(), "wrong-pass") {
				t.Fatalf("wrong password: %v", err)
			}
			if err := good.Notify(context.Background(), n); err != nil {
				t.Fatal(err)
			}
			if got := in.Mails(); len(got) != 1 || got[0].To != n.Recipient.Email {
				t.Fatalf("received %+v", got)
			}
		})
	}
}

// TestStartTLSIsRequired refuses to send when the server offers no STARTTLS rather than sending
// in the clear.
func TestStartTLSIsRequired(t *testing.T) {
	w := newWorld(t, entitlementtest.Options{})
	in := startInbox(t, serverOptions{})
	n := smtpNotifier(t, in, func(s *notify.SMTP) { s.Security = notify.StartTLS })
	w.RequestAccess(w.riley, w.pol)
	wk := w.Worker(entitlement.WorkerOptions{Notifier: n, MaxAttempts: 1})
	if _, err := wk.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(in.Mails()) != 0 {
		t.Fatal("mail sent without TLS")
	}
	page, err := w.Svc.FailingMail(entitlementtest.AsAdmin(w.admin), entitlement.ListOptions{})
	if err != nil || page.Total != 2 || !strings.Contains(page.Items[0].Message.LastError, "STARTTLS") || !page.Items[0].GaveUp {
		t.Fatalf("failing mail = %+v, %v", page, err)
	}
}

// TestKeptWithoutSMTP keeps the mail for administrators when no server is configured, and
// keeping the same message again replaces it.
func TestKeptWithoutSMTP(t *testing.T) {
	w := newWorld(t, entitlementtest.Options{})
	n, err := notify.New(notify.Config{BaseURL: base, Keeper: w.Svc})
	if err != nil {
		t.Fatal(err)
	}
	r := w.RequestAccess(w.riley, w.pol)
	w.Drain(w.Worker(entitlement.WorkerOptions{Notifier: n}))
	page, err := w.Svc.SentMail(entitlementtest.AsAdmin(w.admin), entitlement.ListOptions{})
	if err != nil || page.Total != 2 {
		t.Fatalf("sent mail = %+v, %v", page, err)
	}
	var approval entitlement.Mail
	for _, m := range page.Items {
		if m.To == w.morgan.Email {
			approval = m
		}
	}
	if approval.Link != base+"/approvals/"+r.ID || !strings.Contains(approval.Text, approval.Link) || !strings.Contains(approval.HTML, approval.Link) {
		t.Fatalf("kept approval mail = %+v", approval)
	}
	if _, err := w.Svc.SentMail(entitlementtest.As(w.riley), entitlement.ListOptions{}); !errors.Is(err, entitlement.ErrForbidden) {
		t.Fatalf("a requester reads the sent mail: %v", err)
	}
	if err := w.Svc.KeepMail(entitlementtest.As(w.riley), approval); !errors.Is(err, entitlement.ErrForbidden) {
		t.Fatalf("a person keeps mail: %v", err)
	}
}

// crashable is a store whose process dies when told: from then on every call fails, and the
// transaction that was to record a send never commits.
type crashable struct {
	entitlement.Store
	dead atomic.Bool
}

var errCrash = errors.New("simulated crash: the process is gone")

func (c *crashable) View(ctx context.Context, fn func(entitlement.Tx) error) error {
	if c.dead.Load() {
		return errCrash
	}
	return c.Store.View(ctx, fn)
}

func (c *crashable) Update(ctx context.Context, fn func(entitlement.Tx) error) error {
	if c.dead.Load() {
		return errCrash
	}
	return c.Store.Update(ctx, fn)
}

// TestCrashBetweenSendAndRecord stops the sender in the middle of a batch, right after the SMTP
// server took a message and before the outbox recorded it, then starts again: every message
// arrives, none more than twice, and only the one caught in the middle twice.
func TestCrashBetweenSendAndRecord(t *testing.T) {
	for _, how := range []string{"process dies", "context canceled"} {
		t.Run(how, func(t *testing.T) {
			var store *crashable
			w := newWorld(t, entitlementtest.Options{Wrap: func(s entitlement.Store) entitlement.Store {
				store = &crashable{Store: s}
				return store
			}})
			// Six requests: a submitted and an approval mail each.
			for i := range 6 {
				u := w.User(fmt.Sprintf("Requester %d", i), entitlementtest.ManagedBy(w.morgan))
				w.RequestAccess(u, w.pol)
			}
			in := startInbox(t, serverOptions{})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			in.onData = func(n int) {
				if n == 5 {
					if how == "process dies" {
						store.dead.Store(true)
					} else {
						cancel()
					}
				}
			}
			wk := w.Worker(entitlement.WorkerOptions{Notifier: smtpNotifier(t, in, nil), RetryBase: time.Minute})
			if _, err := wk.Tick(ctx); err == nil {
				t.Fatal("the batch went through despite the crash")
			}
			if got := len(in.Mails()); got != 5 {
				t.Fatalf("%d mails before the crash, want 5", got)
			}

			// Start again on the same data file, after the claimed message's backoff.
			in.onData = nil
			w.Reopen()
			w.Clock.Advance(2 * time.Minute)
			w.Drain(w.Worker(entitlement.WorkerOptions{Notifier: smtpNotifier(t, in, nil)}))

			copies := map[string]int{}
			for _, m := range in.Mails() {
				copies[m.MessageID]++
			}
			var twice []string
			for id, n := range copies {
				if n > 2 {
					t.Errorf("%s arrived %d times", id, n)
				}
				if n == 2 {
					twice = append(twice, id)
				}
			}
			if len(copies) != 12 {
				t.Errorf("%d distinct mails arrived, want 12", len(copies))
			}
			if len(twice) > 1 {
				t.Errorf("sent twice: %v; only the message caught in the crash may be", twice)
			}
			undelivered := 0
			for _, m := range w.OutboxMessages() {
				if m.Kind == entitlement.OutboxNotify && m.DeliveredAt == nil {
					undelivered++
				}
			}
			if undelivered != 0 {
				t.Errorf("%d notifications not recorded as delivered", undelivered)
			}
		})
	}
}

// TestReviewMail: a review started now tells its reviewer, through the real SMTP server, what
// waits for them and where to decide.
func TestReviewMail(t *testing.T) {
	w := newWorld(t, entitlementtest.Options{})
	in := startInbox(t, serverOptions{})
	wk := w.Worker(entitlement.WorkerOptions{Notifier: smtpNotifier(t, in, nil)})
	w.Decide(w.morgan, w.RequestAccess(w.riley, w.pol), true)
	w.Drain(wk)
	before := len(in.Mails())
	_, err := w.Svc.StartReview(entitlementtest.AsAdmin(w.admin), entitlement.ReviewInput{
		AccessPackageID: w.pol.AccessPackageID, ReviewerType: entitlement.ReviewerSelf, DurationInDays: 7, TimeoutBehavior: entitlement.ReviewTimeoutKeep,
	})
	if err != nil {
		t.Fatal(err)
	}
	w.Drain(wk)
	opened := byRecipient(in.Mails()[before:], w.riley.Email)
	if len(opened) != 1 {
		t.Fatalf("Riley got %+v", opened)
	}
	expectMail(t, opened[0], "An access review waits for your decisions", "keep it or remove it", base+"/reviews")
}

// driftingTarget answers every comparison with one member nobody granted.
type driftingTarget struct{}

func (driftingTarget) Reconcile(context.Context, entitlement.Connector, []entitlement.GrantedMember) (entitlement.Drift, error) {
	return entitlement.Drift{Unknown: []string{"stranger@corp.example"}}, nil
}

// The catalog's owner gets a mail when a scheduled comparison finds drift, with a link to the
// resource's page, where the repair is.
func TestTargetDriftMail(t *testing.T) {
	e := entitlementtest.Open(t, entitlementtest.Options{})
	admin, owner := e.User("Ada Admin"), e.User("Owen Owner")
	cat := e.Catalog("Engineering", func(c *entitlement.Catalog) {
		c.Roles = append(c.Roles, entitlement.CatalogRoleMember{Role: entitlement.RoleCatalogOwner, PrincipalID: owner.ID, PrincipalType: entitlement.PrincipalUser})
	})
	res := e.GroupResource(cat, e.Group("Engineering"))
	in := entitlement.ConnectorInput{Kind: entitlement.ConnectorLDAP, Settings: map[string]string{
		"url": "ldap://ldap.corp.example", "bindDn": "cn=steward", "baseDn": "ou=people", "groupDn": "cn=engineering"},
		Secrets: map[string]string{"bindPassword": "pw"}}
	if err := e.Svc.SaveConnector(entitlementtest.AsAdmin(admin), res.ID, in); err != nil {
		t.Fatal(err)
	}
	if err := e.Svc.SetReconcileSchedule(entitlementtest.AsAdmin(admin), res.ID, entitlement.ReconcileWeekly); err != nil {
		t.Fatal(err)
	}
	inbox := startInbox(t, serverOptions{})
	wk := e.Worker(entitlement.WorkerOptions{Notifier: smtpNotifier(t, inbox, nil), Reconciler: driftingTarget{}})
	e.Clock.Advance(7 * 24 * time.Hour)
	e.Drain(wk)
	got := byRecipient(inbox.Mails(), owner.Email)
	if len(got) != 1 {
		t.Fatalf("Owen got %+v", got)
	}
	expectMail(t, got[0], "A resource's target differs from what Steward granted", "Engineering: 1 not granted by Steward, 0 missing at the target", base+"/admin/resources/"+res.ID)
}
