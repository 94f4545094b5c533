package entitlement_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

func TestSessions(t *testing.T) {
	env := entitlementtest.New(t)
	svc, clock, st := env.Svc, env.Clock, env.Store
	ada := entitlementtest.CreateUser(t, svc, "Ada")

	token, err := svc.StartSession(bg, ada.ID)
	if err != nil || len(token) != 64 {
		t.Fatalf("start: %q %v", token, err)
	}
	p, err := svc.SessionPrincipal(bg, token)
	if err != nil || p.UserID != ada.ID {
		t.Fatalf("principal: %+v %v", p, err)
	}
	// The store keeps the token's hash, never the token.
	_ = st.View(bg, func(tx entitlement.Tx) error {
		if _, err := tx.Sessions().Get(token); !errors.Is(err, entitlement.ErrNotFound) {
			t.Errorf("the raw token is a key in the store: %v", err)
		}
		ss, err := tx.Sessions().ByUser(ada.ID)
		if err != nil || len(ss) != 1 {
			t.Errorf("sessions of Ada: %d %v", len(ss), err)
		}
		return nil
	})

	for _, bad := range []string{"", "nope", token + "x"} {
		if _, err := svc.SessionPrincipal(bg, bad); !errors.Is(err, entitlement.ErrUnauthorized) {
			t.Errorf("token %q: %v, want ErrUnauthorized", bad, err)
		}
	}
	if _, err := svc.StartSession(bg, entitlement.NewID()); err == nil {
		t.Error("a session for an unknown user was started")
	}

	if err := svc.EndSession(bg, token); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SessionPrincipal(bg, token); !errors.Is(err, entitlement.ErrUnauthorized) {
		t.Fatalf("ended session: %v", err)
	}
	if err := svc.EndSession(bg, token); err != nil {
		t.Fatalf("ending an ended session: %v", err)
	}

	// Sessions expire, and the worker purges them.
	old, _ := svc.StartSession(bg, ada.ID)
	clock.Advance(entitlement.SessionLifetime - time.Minute)
	fresh, _ := svc.StartSession(bg, ada.ID)
	clock.Advance(time.Minute)
	if _, err := svc.SessionPrincipal(bg, old); !errors.Is(err, entitlement.ErrUnauthorized) {
		t.Fatalf("expired session: %v", err)
	}
	if _, err := svc.SessionPrincipal(bg, fresh); err != nil {
		t.Fatalf("fresh session: %v", err)
	}
	res, err := entitlement.NewWorker(svc, entitlement.WorkerOptions{}).Tick(bg)
	if err != nil || res.SessionsPurged != 1 {
		t.Fatalf("purge: %+v %v", res, err)
	}
	if res, _ := entitlement.NewWorker(svc, entitlement.WorkerOptions{}).Tick(bg); res.SessionsPurged != 0 {
		t.Fatalf("second purge: %+v", res)
	}

	// Blocking signs the person out everywhere.
	if err := svc.SetUserBlocked(rootAdmin, ada.ID, true); err != nil {
		t.Fatal(err)
	}
	if err := svc.SetUserBlocked(rootAdmin, ada.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SessionPrincipal(bg, fresh); !errors.Is(err, entitlement.ErrUnauthorized) {
		t.Fatalf("session after block and unblock: %v", err)
	}
	page, err := svc.ListAudit(rootAdmin, entitlement.AuditFilter{Action: "user.sign"}, entitlement.ListOptions{})
	if err != nil || page.Total != 4 {
		t.Fatalf("sign-in and sign-out audit events = %d (%v), want 3 sign-ins and 1 sign-out", page.Total, err)
	}
}
