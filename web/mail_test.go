package web_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/notify"
	"github.com/stewardhq/steward/web/webtest"
)

// sendMail runs the worker with the notifier the server runs without SMTP: mail is kept.
func sendMail(t *testing.T, env *webtest.Env, n entitlement.Notifier) {
	t.Helper()
	if n == nil {
		kept, err := notify.New(notify.Config{BaseURL: env.URL, Keeper: env.Svc})
		if err != nil {
			t.Fatal(err)
		}
		n = kept
	}
	wk := entitlement.NewWorker(env.Svc, entitlement.WorkerOptions{Notifier: n, MaxAttempts: 1})
	// A tick's deliveries can queue mail of their own (delivered access), which the next sends.
	for range 5 {
		res, err := wk.Tick(context.Background())
		if err != nil {
			t.Fatalf("worker: %v", err)
		}
		if !res.More && res.OutboxDelivered == 0 {
			return
		}
	}
}

type failingNotifier struct{}

func (failingNotifier) Notify(context.Context, entitlement.Notification) error {
	return errors.New("dial tcp 10.0.0.25:587: connection refused")
}

func TestSentMailPage(t *testing.T) {
	env, w := startPortal(t)
	r := w.submit(t, env, "requester@example.com", w.finance, "quarter close")
	sendMail(t, env, nil)

	admin, adminCSRF := signedIn(t, env, "admin@example.com")
	res, page := env.Get(t, admin, "/admin/mail")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /admin/mail = %d", res.StatusCode)
	}
	body := text(page)
	for _, want := range []string{"Sent mail", "manager@example.com", "Approval needed: Riley Requester asks for access to Finance reports", "Request received: Finance reports"} {
		if !strings.Contains(body, want) {
			t.Errorf("Sent mail page lacks %q: %s", want, body)
		}
	}
	page2, err := env.Svc.SentMail(adminCtx(), entitlement.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var approval entitlement.Mail
	for _, m := range page2.Items {
		if m.To == "manager@example.com" {
			approval = m
		}
	}
	res, page = env.Get(t, admin, "/admin/mail/"+approval.ID)
	link := env.URL + "/approvals/" + r.ID
	if res.StatusCode != http.StatusOK || !strings.Contains(page, `href="`+link+`"`) || !strings.Contains(text(page), "Review the request: "+link) {
		t.Fatalf("mail page (%d) lacks the link %s: %s", res.StatusCode, link, text(page))
	}
	res, page = env.Get(t, admin, "/admin/mail/"+approval.ID+"/html")
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Content-Security-Policy"), "sandbox") || !strings.Contains(page, `href="`+link+`"`) {
		t.Fatalf("HTML version (%d, CSP %q): %s", res.StatusCode, res.Header.Get("Content-Security-Policy"), page)
	}

	// Only administrators read mail.
	requester, _ := signedIn(t, env, "requester@example.com")
	for _, path := range []string{"/admin/mail", "/admin/mail/" + approval.ID, "/admin/mail/" + approval.ID + "/html"} {
		if res, _ := env.Get(t, requester, path); res.StatusCode != http.StatusForbidden {
			t.Errorf("requester GET %s = %d, want 403", path, res.StatusCode)
		}
	}

	// A mail that fails shows with its error and goes out again when asked.
	if _, err := env.Svc.Decide(w.as("manager@example.com"), r.ID, false, "not this quarter"); err != nil {
		t.Fatal(err)
	}
	sendMail(t, env, failingNotifier{})
	_, page = env.Get(t, admin, "/admin/mail")
	if !strings.Contains(text(page), "Not sent yet") || !strings.Contains(text(page), "connection refused") || !strings.Contains(text(page), "Gave up") {
		t.Fatalf("failing mail not shown: %s", text(page))
	}
	failing, err := env.Svc.FailingMail(adminCtx(), entitlement.ListOptions{})
	if err != nil || len(failing.Items) != 1 {
		t.Fatalf("failing = %+v, %v", failing, err)
	}
	id := failing.Items[0].Message.ID
	if res, _ := env.PostForm(t, requester, "/admin/mail/"+id+"/retry", webtest.CSRF(t, pageOK(t, env, requester, "/")), nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("requester retry = %d, want 403", res.StatusCode)
	}
	res, _ = env.PostForm(t, admin, "/admin/mail/"+id+"/retry", adminCSRF, nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("retry = %d", res.StatusCode)
	}
	sendMail(t, env, nil)
	if failing, _ := env.Svc.FailingMail(adminCtx(), entitlement.ListOptions{}); len(failing.Items) != 0 {
		t.Fatalf("still failing after retry: %+v", failing.Items)
	}
	_, page = env.Get(t, admin, "/admin/mail")
	if !strings.Contains(text(page), "Denied: Finance reports") || strings.Contains(text(page), "Not sent yet") {
		t.Fatalf("the retried mail is not listed as kept: %s", text(page))
	}
}

func pageOK(t *testing.T, env *webtest.Env, c *http.Client, path string) string {
	t.Helper()
	res, page := env.Get(t, c, path)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d", path, res.StatusCode)
	}
	return page
}

func TestProfileMailSettings(t *testing.T) {
	env, w := startPortal(t)
	c, _ := signedIn(t, env, "requester@example.com")
	page := pageOK(t, env, c, "/")
	if !strings.Contains(page, `href="/profile"`) {
		t.Fatal("no link to the profile from the page")
	}
	page = pageOK(t, env, c, "/profile")
	for _, box := range []string{"reminders", "results"} {
		if !strings.Contains(page, `name="`+box+`"`) || !checked(page, box) {
			t.Errorf("%s box missing or not checked", box)
		}
	}
	res, _ := env.PostForm(t, c, "/profile", webtest.CSRF(t, page), url.Values{"reminders": {"true"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /profile = %d", res.StatusCode)
	}
	prefs, err := env.Svc.MyNotificationPreferences(w.as("requester@example.com"))
	if err != nil || prefs != (entitlement.NotificationPreferences{NoResults: true}) {
		t.Fatalf("preferences = %+v, %v", prefs, err)
	}
	page = pageOK(t, env, c, "/profile")
	if !checked(page, "reminders") || checked(page, "results") || !strings.Contains(text(page), "Your mail settings were saved") {
		t.Fatalf("profile after saving: %s", text(page))
	}
	// Results are off: a new request sends the requester nothing, the manager still their mail.
	w.submit(t, env, "requester@example.com", w.finance, "audit")
	sendMail(t, env, nil)
	kept, err := env.Svc.SentMail(adminCtx(), entitlement.ListOptions{})
	if err != nil || len(kept.Items) != 1 || kept.Items[0].To != "manager@example.com" {
		t.Fatalf("kept mail = %+v, %v", kept.Items, err)
	}
}

// checked reports whether the page's checkbox named name is checked.
func checked(page, name string) bool {
	i := strings.Index(page, `name="`+name+`"`)
	if i < 0 {
		return false
	}
	start := strings.LastIndex(page[:i], "<input")
	end := i + strings.Index(page[i:], ">")
	return strings.Contains(page[start:end], " checked")
}

// TestApprovalPageFromMail: the page approval mail links to has the decision form while the
// request waits, and tells an approver whom someone else beat to it who decided.
func TestApprovalPageFromMail(t *testing.T) {
	env, w := startPortal(t)
	r := w.submit(t, env, "requester@example.com", w.finance, "quarter close")
	// Dana is asked too, as if the stage named her besides the manager.
	err := env.Store.Update(context.Background(), func(tx entitlement.Tx) error {
		req, err := tx.Requests().Get(r.ID)
		if err != nil {
			return err
		}
		req.Stages[0].Approvers = append(req.Stages[0].Approvers, w.users["approver@example.com"].ID)
		return tx.Requests().Put(req)
	})
	if err != nil {
		t.Fatal(err)
	}
	dana, _ := signedIn(t, env, "approver@example.com")
	page := pageOK(t, env, dana, "/approvals/"+r.ID)
	if !strings.Contains(page, `action="/approvals/`+r.ID+`/decide"`) {
		t.Fatalf("no decision form while the request waits: %s", text(page))
	}
	if _, err := env.Svc.Decide(w.as("manager@example.com"), r.ID, true, "fine"); err != nil {
		t.Fatal(err)
	}
	page = pageOK(t, env, dana, "/approvals/"+r.ID)
	if strings.Contains(page, `/decide"`) || !strings.Contains(text(page), "Already decided by Manny Manager") {
		t.Fatalf("after the manager decided: %s", text(page))
	}
	// Someone never asked goes to the request's own page, which the service decides on.
	other, _ := signedIn(t, env, "other@example.com")
	if res, _ := env.Get(t, other, "/approvals/"+r.ID); res.StatusCode != http.StatusNotFound {
		t.Errorf("someone else's approval page = %d, want 404", res.StatusCode)
	}
}
