package provision

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/stewardhq/steward/entitlement"
)

// Webhook headers. The signature is "v1=" and the hex HMAC-SHA256, under the connector's
// signing key, of the timestamp header's value, a ".", and the body as sent.
const (
	HeaderTimestamp = "Steward-Timestamp" // Unix seconds when the call was signed
	HeaderSignature = "Steward-Signature"
	HeaderDelivery  = "Steward-Delivery" // the outbox message id: the same on every retry of one action
)

// ReplayWindow is how far a receiver should let a signed call's timestamp be from its own clock:
// a captured call replayed later than that is refused (Verify).
const ReplayWindow = 5 * time.Minute

// Webhook events.
const (
	EventGranted = "assignment.granted"
	EventRemoved = "assignment.removed"
	EventTest    = "connection.test"
)

// WebhookCall is the JSON body of a webhook call.
type WebhookCall struct {
	ID          string         `json:"id"` // the delivery id: the same on every retry
	Event       string         `json:"event"`
	Subject     WebhookSubject `json:"subject"`
	Resource    WebhookObject  `json:"resource"`
	Role        WebhookObject  `json:"role"`
	CallbackURL string         `json:"callbackUrl,omitempty"`
	Time        time.Time      `json:"time"`
}

// WebhookSubject is the person a call is about.
type WebhookSubject struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
}

// WebhookObject names a resource or role, with its id in the target system.
type WebhookObject struct {
	ID       string `json:"id,omitempty"`
	Name     string `json:"name"`
	OriginID string `json:"originId,omitempty"`
}

// CallbackAnswer is what a receiver POSTs to a callback URL after answering 202.
type CallbackAnswer struct {
	Status  string `json:"status"` // "succeeded" or "failed"
	Message string `json:"message,omitempty"`
}

// Sign returns the signature header value for a body signed at ts.
func Sign(key []byte, ts time.Time, body []byte) (timestamp, signature string) {
	timestamp = strconv.FormatInt(ts.Unix(), 10)
	m := hmac.New(sha256.New, key)
	m.Write([]byte(timestamp))
	m.Write([]byte("."))
	m.Write(body)
	return timestamp, "v1=" + hex.EncodeToString(m.Sum(nil))
}

// Verify is what a receiver written in Go does with a call: the signature must match the body and
// the timestamp, and the timestamp must be within window of now (ReplayWindow), so that a call
// captured on the way cannot be replayed later. Receivers should also drop a delivery id they
// have already carried out.
func Verify(key []byte, h http.Header, body []byte, now time.Time, window time.Duration) error {
	ts, sig := h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errors.New("no valid timestamp")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > window || d < -window {
		return fmt.Errorf("timestamp %s is outside the replay window of %s", ts, window)
	}
	_, want := Sign(key, time.Unix(sec, 0), body)
	if !hmac.Equal([]byte(want), []byte(sig)) {
		return errors.New("signature does not match")
	}
	return nil
}

func (d *Dispatcher) webhook(ctx context.Context, c entitlement.Connector, a entitlement.ProvisionAction) error {
	ev := EventGranted
	if a.Op == entitlement.ProvisionRemove {
		ev = EventRemoved
	}
	call := WebhookCall{
		ID: a.MessageID, Event: ev, Time: time.Now().UTC(),
		Subject:     WebhookSubject{ID: a.SubjectID, Email: a.Email, Name: a.SubjectName},
		Resource:    WebhookObject{ID: a.ResourceID, Name: a.ResourceName, OriginID: a.OriginID},
		Role:        WebhookObject{Name: a.RoleName, OriginID: a.RoleOriginID},
		CallbackURL: d.callbackURL(a.MessageID),
	}
	status, err := d.post(ctx, c, call.ID, call)
	if err != nil {
		return err
	}
	if status == http.StatusAccepted {
		if call.CallbackURL == "" {
			return nil // no way to confirm: accepted is the answer
		}
		return entitlement.ErrAwaitingConfirmation
	}
	return nil
}

func (d *Dispatcher) testWebhook(ctx context.Context, c entitlement.Connector) error {
	id := entitlement.NewID()
	_, err := d.post(ctx, c, id, WebhookCall{ID: id, Event: EventTest, Time: time.Now().UTC()})
	return err
}

// post sends one signed call and returns the 2xx status; anything else is an error that says
// what the receiver answered.
func (d *Dispatcher) post(ctx context.Context, c entitlement.Connector, id string, call any) (int, error) {
	body, err := json.Marshal(call)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Settings["url"], bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("webhook URL: %w", err)
	}
	ts, sig := Sign([]byte(c.Secrets["hmacKey"]), time.Now(), body)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, sig)
	req.Header.Set(HeaderDelivery, id)
	res, err := d.opt.HTTP.Do(req)
	if err != nil {
		return 0, unreachable("the webhook at "+c.Settings["url"], err)
	}
	defer func() { _ = res.Body.Close() }()
	snippet, _ := io.ReadAll(io.LimitReader(res.Body, 300))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		msg := strings.TrimSpace(string(snippet))
		if msg != "" {
			msg = ": " + msg
		}
		return res.StatusCode, fmt.Errorf("webhook answered %s%s", res.Status, msg)
	}
	return res.StatusCode, nil
}

// CallbackPath is where webhook receivers confirm an accepted call: CallbackPath + message id,
// with ?token=<one-time token>.
const CallbackPath = "/callbacks/provision/"

// CallbackHandler answers POST CallbackPath{id}?token=… with a CallbackAnswer body: the token
// proves the caller got the callback URL from Steward, and a settled call refuses a second
// answer. It takes no cookie and no CSRF token; errors are JSON.
func (d *Dispatcher) CallbackHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fail := func(status int, msg string) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
		}
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			fail(http.StatusMethodNotAllowed, "use POST")
			return
		}
		id := strings.TrimPrefix(r.URL.Path, CallbackPath)
		if id == "" || strings.Contains(id, "/") {
			fail(http.StatusNotFound, "no such call")
			return
		}
		if !d.tokenOK(id, r.URL.Query().Get("token")) {
			fail(http.StatusForbidden, "the token does not match this call")
			return
		}
		var ans CallbackAnswer
		if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&ans); err != nil {
			fail(http.StatusBadRequest, `send {"status":"succeeded"} or {"status":"failed","message":"why"}`)
			return
		}
		if ans.Status != "succeeded" && ans.Status != "failed" {
			fail(http.StatusBadRequest, `status must be "succeeded" or "failed"`)
			return
		}
		err := d.svc.ConfirmProvisioning(r.Context(), id, ans.Status == "succeeded", ans.Message)
		switch {
		case errors.Is(err, entitlement.ErrNotFound):
			fail(http.StatusNotFound, "no such call")
		case errors.Is(err, entitlement.ErrConflict):
			fail(http.StatusConflict, "this call is not waiting for an answer (already answered, or sent again since)")
		case err != nil:
			d.opt.Log.ErrorContext(r.Context(), "provision: callback", "id", id, "error", err)
			fail(http.StatusInternalServerError, "the answer could not be recorded; try again")
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	})
}

// CallHook sends a policy's custom-extension call (entitlement.HookCall as the body), signed
// like a connector's calls with the hook's own key. Any 2xx is delivered; a 202 needs no
// callback, since a stage hook only tells and waits for nothing.
func (d *Dispatcher) CallHook(ctx context.Context, ep entitlement.HookEndpoint, call entitlement.HookCall) error {
	c := entitlement.Connector{Settings: map[string]string{"url": ep.URL}, Secrets: map[string]string{"hmacKey": ep.Key}}
	_, err := d.post(ctx, c, call.ID, call)
	if err != nil {
		return errors.New(redact(err.Error(), c))
	}
	return nil
}
