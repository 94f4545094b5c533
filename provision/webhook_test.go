package provision_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
	"github.com/stewardhq/steward/provision"
)

const hookKey = "whsec-9f2c71d0a6b84e37"

// receiver is a webhook receiver as a target system would write it: it checks the signature
// over timestamp + "." + body with its own HMAC code, refuses calls outside the replay window,
// and answers with the statuses the test scripts (200 once the script runs out).
type receiver struct {
	t       *testing.T
	mu      sync.Mutex
	answers []int
	calls   []provision.WebhookCall
	raw     []capturedCall
	refused []string
	now     func() time.Time
}

type capturedCall struct {
	header http.Header
	body   []byte
}

func (rc *receiver) check(h http.Header, body []byte) string {
	ts := h.Get("Steward-Timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return "no timestamp"
	}
	if d := rc.now().Sub(time.Unix(sec, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return "outside the replay window"
	}
	m := hmac.New(sha256.New, []byte(hookKey))
	m.Write([]byte(ts + "."))
	m.Write(body)
	if want := "v1=" + hex.EncodeToString(m.Sum(nil)); !hmac.Equal([]byte(want), []byte(h.Get("Steward-Signature"))) {
		return "bad signature"
	}
	return ""
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if why := rc.check(r.Header, body); why != "" {
		rc.refused = append(rc.refused, why)
		http.Error(w, why, http.StatusUnauthorized)
		return
	}
	var call provision.WebhookCall
	if err := json.Unmarshal(body, &call); err != nil {
		rc.t.Errorf("body: %v", err)
	}
	rc.calls = append(rc.calls, call)
	rc.raw = append(rc.raw, capturedCall{header: r.Header.Clone(), body: body})
	status := http.StatusOK
	if len(rc.answers) > 0 {
		status, rc.answers = rc.answers[0], rc.answers[1:]
	}
	w.WriteHeader(status)
}

// hookTenant is a catalog whose GitHub application is connected by webhook, with a package for
// its Maintainer role; the dispatcher is the worker's provisioner.
type hookTenant struct {
	*entitlementtest.Env
	rc    *receiver
	srv   *httptest.Server
	disp  *provision.Dispatcher
	wk    *entitlement.Worker
	admin entitlement.User
	riley entitlement.User
	app   entitlement.Resource
	pol   entitlement.AssignmentPolicy
}

func newHookTenant(t *testing.T, answers ...int) *hookTenant {
	e := entitlementtest.New(t)
	h := &hookTenant{Env: e, rc: &receiver{t: t, answers: answers, now: time.Now}, admin: e.User("Ada Admin"), riley: e.User("Riley Chen")}
	h.srv = httptest.NewServer(h.rc)
	t.Cleanup(h.srv.Close)
	cat := e.Catalog("Engineering")
	h.app = e.AppResource(cat, "GitHub", "Maintainer")
	h.pol = e.Policy(e.Package(cat, "Maintainers", entitlementtest.Role(h.app, "Maintainer")))
	if err := e.Svc.SaveConnector(entitlementtest.AsAdmin(h.admin), h.app.ID, entitlement.ConnectorInput{
		Kind: entitlement.ConnectorWebhook, Settings: map[string]string{"url": h.srv.URL + "/hooks/steward"}, Secrets: map[string]string{"hmacKey": hookKey},
	}); err != nil {
		t.Fatal(err)
	}
	h.disp = provision.New(e.Svc, provision.Options{BaseURL: "https://steward.example.com", CallbackKey: []byte("callback-key-for-tests-000000000"), Log: entitlementtest.Quiet})
	h.wk = e.Worker(entitlement.WorkerOptions{Provisioner: h.disp, RetryBase: time.Minute, MaxAttempts: 3})
	return h
}

func (h *hookTenant) remove(t *testing.T, r entitlement.Request) {
	t.Helper()
	a := h.Assignment(h.Request(r.ID).AssignmentID)
	h.Submit(entitlementtest.AsAdmin(h.admin), entitlement.RequestInput{RequestType: entitlement.RequestAdminRemove, AssignmentID: a.ID})
}

// The receiver sees a signed grant and a signed revoke; the access is delivered and then gone.
func TestWebhookGrantAndRevokeAreSigned(t *testing.T) {
	h := newHookTenant(t)
	r := h.RequestAccess(h.riley, h.pol)
	h.Drain(h.wk)
	if got := h.Request(r.ID); got.RequestState != entitlement.StateDelivered {
		t.Fatalf("request %s, want Delivered", got.RequestState)
	}
	h.remove(t, r)
	h.Drain(h.wk)
	if len(h.rc.refused) > 0 {
		t.Fatalf("the receiver refused calls: %v", h.rc.refused)
	}
	if len(h.rc.calls) != 2 || h.rc.calls[0].Event != provision.EventGranted || h.rc.calls[1].Event != provision.EventRemoved {
		t.Fatalf("calls %+v, want a grant then a removal", h.rc.calls)
	}
	g := h.rc.calls[0]
	if g.Subject.Email != h.riley.Email || g.Subject.Name != "Riley Chen" || g.Role.Name != "Maintainer" || g.Resource.Name != "GitHub" || g.ID == "" {
		t.Errorf("grant body %+v", g)
	}
	calls, err := h.Svc.ConnectorCalls(entitlementtest.AsAdmin(h.admin), h.app.ID)
	if err != nil || len(calls) != 2 || !calls[0].OK || calls[0].Op != entitlement.ProvisionRemove {
		t.Fatalf("connector log %+v, %v", calls, err)
	}
	// A call captured on the way and replayed after the window is refused by the receiver.
	h.rc.now = func() time.Time { return time.Now().Add(6 * time.Minute) }
	captured := h.rc.raw[0]
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/hooks/steward", bytes.NewReader(captured.body))
	req.Header = captured.header
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized || len(h.rc.refused) != 1 || h.rc.refused[0] != "outside the replay window" {
		t.Errorf("replayed call: %d, refused %v", res.StatusCode, h.rc.refused)
	}
	// Verify, the helper for receivers in Go, agrees.
	if err := provision.Verify([]byte(hookKey), captured.header, captured.body, time.Now(), provision.ReplayWindow); err != nil {
		t.Errorf("Verify of a fresh call: %v", err)
	}
	if err := provision.Verify([]byte(hookKey), captured.header, captured.body, time.Now().Add(6*time.Minute), provision.ReplayWindow); err == nil {
		t.Error("Verify accepted a call outside the window")
	}
	if err := provision.Verify([]byte(hookKey), captured.header, append([]byte(" "), captured.body...), time.Now(), provision.ReplayWindow); err == nil {
		t.Error("Verify accepted a changed body")
	}
	entitlementtest.CheckInvariants(t, h.Store)
}

// A receiver that fails (503) is called again after the backoff with the same delivery id, and
// the access is delivered once it answers; after the last attempt the role is Failed, the request
// partially delivered and the owners have a task.
func TestWebhookRetriesThenGivesUp(t *testing.T) {
	h := newHookTenant(t, http.StatusServiceUnavailable)
	r := h.RequestAccess(h.riley, h.pol)
	h.Drain(h.wk)
	if got := h.Request(r.ID); got.RequestState != entitlement.StateDelivering {
		t.Fatalf("request %s after a 503, want still Delivering", got.RequestState)
	}
	h.Clock.Advance(2 * time.Minute)
	h.Drain(h.wk)
	if got := h.Request(r.ID); got.RequestState != entitlement.StateDelivered {
		t.Fatalf("request %s after the retry, want Delivered", got.RequestState)
	}
	if len(h.rc.calls) != 2 || h.rc.calls[0].ID != h.rc.calls[1].ID {
		t.Errorf("calls %+v, want the same delivery twice", h.rc.calls)
	}
	calls, _ := h.Svc.ConnectorCalls(entitlementtest.AsAdmin(h.admin), h.app.ID)
	if len(calls) != 2 || calls[1].OK || !strings.Contains(calls[1].Error, "503") || !calls[0].OK {
		t.Errorf("connector log %+v, want the 503 then the success", calls)
	}

	down := newHookTenant(t, 500, 500, 500)
	r = down.RequestAccess(down.riley, down.pol)
	for range 3 {
		down.Drain(down.wk)
		down.Clock.Advance(10 * time.Minute)
	}
	got := down.Request(r.ID)
	if got.RequestState != entitlement.StatePartiallyDelivered || !strings.Contains(got.StatusDetail, "500") {
		t.Fatalf("request %s %q after three 500s", got.RequestState, got.StatusDetail)
	}
	tasks, err := down.Svc.ProvisionTasks(entitlementtest.AsAdmin(down.admin), entitlement.TaskFilter{ResourceID: down.app.ID})
	if err != nil || len(tasks.Items) != 1 || tasks.Items[0].Reason != entitlement.TaskConnectorFailed {
		t.Fatalf("tasks %+v %v", tasks.Items, err)
	}
	for _, c := range mustCalls(t, down) {
		if strings.Contains(c.Error, hookKey) {
			t.Errorf("the signing key reached the call log: %q", c.Error)
		}
	}
}

func mustCalls(t *testing.T, h *hookTenant) []entitlement.ConnectorCall {
	calls, err := h.Svc.ConnectorCalls(entitlementtest.AsAdmin(h.admin), h.app.ID)
	if err != nil {
		t.Fatal(err)
	}
	return calls
}

// A receiver that answers 202 confirms later through the callback URL: the request waits until
// then; a wrong token is refused, the right one works once.
func TestWebhookAcceptedThenConfirmedByCallback(t *testing.T) {
	h := newHookTenant(t, http.StatusAccepted)
	cb := httptest.NewServer(h.disp.CallbackHandler())
	defer cb.Close()
	r := h.RequestAccess(h.riley, h.pol)
	h.Drain(h.wk)
	if got := h.Request(r.ID); got.RequestState != entitlement.StateDelivering {
		t.Fatalf("request %s after a 202, want Delivering until confirmed", got.RequestState)
	}
	u := h.rc.calls[0].CallbackURL
	if !strings.HasPrefix(u, "https://steward.example.com/callbacks/provision/"+h.rc.calls[0].ID+"?token=") {
		t.Fatalf("callback URL %q", u)
	}
	local := cb.URL + strings.TrimPrefix(u, "https://steward.example.com")
	post := func(url, body string) int {
		res, err := http.Post(url, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := post(local[:len(local)-4]+"0000", `{"status":"succeeded"}`); code != http.StatusForbidden {
		t.Errorf("wrong token: %d", code)
	}
	if code := post(local, `{"status":"maybe"}`); code != http.StatusBadRequest {
		t.Errorf("bad status: %d", code)
	}
	if code := post(local, `{"status":"succeeded"}`); code != http.StatusNoContent {
		t.Fatalf("confirm: %d", code)
	}
	if got := h.Request(r.ID); got.RequestState != entitlement.StateDelivered {
		t.Fatalf("request %s after the confirmation", got.RequestState)
	}
	if code := post(local, `{"status":"succeeded"}`); code != http.StatusConflict {
		t.Errorf("second use of the token: %d, want 409", code)
	}
	h.Drain(h.wk)
	if len(h.rc.calls) != 1 {
		t.Errorf("the confirmed call was sent again: %d calls", len(h.rc.calls))
	}
	entitlementtest.CheckInvariants(t, h.Store)
}

// Test connection sends a signed test event; secrets stay sealed in the store and out of sight.
func TestWebhookTestConnectionAndSealedSecret(t *testing.T) {
	h := newHookTenant(t)
	c, err := h.Svc.TestableConnector(entitlementtest.AsAdmin(h.admin), h.app.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.disp.Test(context.Background(), c); err != nil {
		t.Fatalf("test: %v", err)
	}
	if len(h.rc.calls) != 1 || h.rc.calls[0].Event != provision.EventTest {
		t.Fatalf("calls %+v", h.rc.calls)
	}
	stored, err := h.Svc.ResourceConnector(entitlementtest.AsAdmin(h.admin), h.app.ID)
	if err != nil || stored.Secrets["hmacKey"] == "" || strings.Contains(stored.Secrets["hmacKey"], hookKey) {
		t.Fatalf("the page's connector carries %q", stored.Secrets["hmacKey"])
	}
	var raw []byte
	h.View(func(tx entitlement.Tx) error {
		c, err := tx.Connectors().Get(h.app.ID)
		raw, _ = json.Marshal(c)
		return err
	})
	if bytes.Contains(raw, []byte(hookKey)) {
		t.Error("the signing key is stored in the clear")
	}
	// Saving again without a key keeps the saved one.
	if err := h.Svc.SaveConnector(entitlementtest.AsAdmin(h.admin), h.app.ID, entitlement.ConnectorInput{Kind: entitlement.ConnectorWebhook, Settings: map[string]string{"url": h.srv.URL + "/x"}}); err != nil {
		t.Fatal(err)
	}
	if c, _ := h.Svc.TestableConnector(entitlementtest.AsAdmin(h.admin), h.app.ID); c.Secrets["hmacKey"] != hookKey {
		t.Errorf("the key was not kept: %q", c.Secrets["hmacKey"])
	}
	if err := h.Svc.SaveConnector(entitlementtest.As(h.riley), h.app.ID, entitlement.ConnectorInput{Kind: entitlement.ConnectorManual}); err == nil {
		t.Error("someone without a role changed the connector")
	}
}

// TestWebhookUnreachableIsSaidInWords: a receiver nobody listens at fails the test with what a
// person can act on, not the dial's Go error, and the call log keeps the same words.
func TestWebhookUnreachableIsSaidInWords(t *testing.T) {
	h := newHookTenant(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/hook"
	ln.Close()
	if err := h.Svc.SaveConnector(entitlementtest.AsAdmin(h.admin), h.app.ID, entitlement.ConnectorInput{Kind: entitlement.ConnectorWebhook, Settings: map[string]string{"url": closed}}); err != nil {
		t.Fatal(err)
	}
	c, err := h.Svc.TestableConnector(entitlementtest.AsAdmin(h.admin), h.app.ID)
	if err != nil {
		t.Fatal(err)
	}
	err = h.disp.Test(context.Background(), c)
	want := "could not reach the webhook at " + closed + ": nothing answers at that address and port"
	if err == nil || err.Error() != want {
		t.Fatalf("test = %v, want %q", err, want)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Error("the error no longer unwraps to its cause")
	}
	calls, err := h.Svc.ConnectorCalls(entitlementtest.AsAdmin(h.admin), h.app.ID)
	if err != nil || len(calls) == 0 || strings.Contains(calls[0].Error, "dial tcp") || !strings.Contains(calls[0].Error, "nothing answers") {
		t.Fatalf("calls %+v (%v)", calls, err)
	}
}
