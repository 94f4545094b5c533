package metrics_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/metrics"
)

func scrape(t *testing.T, m *metrics.Metrics) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	return rec.Code, rec.Body.String()
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// TestCounters checks what each outbox outcome, job run and mail adds up to: provisioning and
// notifications count final results only, retries only as outbox attempts.
func TestCounters(t *testing.T) {
	m := metrics.New(func(context.Context) (entitlement.Backlog, error) {
		return entitlement.Backlog{OutboxUndelivered: 3, PendingApprovals: 2}, nil
	}, quiet)
	for _, o := range [][2]string{
		{entitlement.OutboxProvision, entitlement.OutcomeDelivered},
		{entitlement.OutboxProvision, entitlement.OutcomeRetry},
		{entitlement.OutboxProvision, entitlement.OutcomeDelivered},
		{entitlement.OutboxDeprovision, entitlement.OutcomeFailed},
		{entitlement.OutboxNotify, entitlement.OutcomeDelivered},
	} {
		m.OutboxAttempted(o[0], o[1])
	}
	m.JobRan("outbox", 20*time.Millisecond, nil)
	m.JobRan("outbox", time.Second, errors.New("store closed"))
	m.MailSent(nil)
	m.MailSent(nil)
	m.MailSent(errors.New("550 no such mailbox"))
	m.ObserveHTTP(http.MethodGet, "/access/requests/:id", http.StatusOK, 30*time.Millisecond)

	code, body := scrape(t, m)
	if code != http.StatusOK {
		t.Fatalf("scrape: %d", code)
	}
	for _, want := range []string{
		`steward_outbox_deliveries_total{kind="provision",outcome="delivered"} 2`,
		`steward_outbox_deliveries_total{kind="provision",outcome="retry"} 1`,
		`steward_provisioning_total{op="add",result="delivered"} 2`,
		`steward_provisioning_total{op="remove",result="failed"} 1`,
		`steward_notifications_total{result="delivered"} 1`,
		`steward_worker_job_runs_total{job="outbox",result="ok"} 1`,
		`steward_worker_job_runs_total{job="outbox",result="error"} 1`,
		`steward_worker_job_duration_seconds_count{job="outbox"} 2`,
		`steward_mails_total{result="sent"} 2`,
		`steward_mails_total{result="failed"} 1`,
		`steward_http_request_duration_seconds_bucket{method="GET",route="/access/requests/:id",status="200",le="0.05"} 1`,
		"steward_outbox_depth 3\n",
		"steward_pending_approvals 2\n",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(body, `result="retry"`) {
		t.Error("a retry counts as a provisioning result")
	}
}

// TestBacklogFailure checks that a store that cannot be read costs the scrape its backlog
// gauges only.
func TestBacklogFailure(t *testing.T) {
	m := metrics.New(func(context.Context) (entitlement.Backlog, error) {
		return entitlement.Backlog{}, errors.New("store closed")
	}, quiet)
	m.JobRan("requests", time.Millisecond, nil)
	code, body := scrape(t, m)
	if code != http.StatusOK || !strings.Contains(body, `steward_worker_job_runs_total{job="requests",result="ok"} 1`) {
		t.Errorf("scrape with a failing store: %d\n%s", code, body)
	}
	if strings.Contains(body, "steward_outbox_depth") {
		t.Error("an outbox depth without a store")
	}
}
