// Package metrics keeps Steward's Prometheus metrics: HTTP latency by route, the worker's job runs,
// outbox deliveries by kind and outcome, provisioning and notification results, mails, and the
// engine's backlog (outbox depth, pending approvals), read from the store's indexes at each
// scrape. The web server serves them at /metrics; the worker reports to it as an
// entitlement.WorkerObserver, so the domain does not import Prometheus.
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/stewardhq/steward/entitlement"
)

// BacklogFunc reads the engine's backlog; entitlement.Service.Backlog is one.
type BacklogFunc func(ctx context.Context) (entitlement.Backlog, error)

// Metrics is one process's collectors in a registry of their own.
type Metrics struct {
	reg           *prometheus.Registry
	log           *slog.Logger
	httpDuration  *prometheus.HistogramVec
	jobRuns       *prometheus.CounterVec
	jobDuration   *prometheus.HistogramVec
	outbox        *prometheus.CounterVec
	provisioning  *prometheus.CounterVec
	notifications *prometheus.CounterVec
	mails         *prometheus.CounterVec
}

// backlogTimeout bounds the store read of one scrape, so that a stuck store cannot pile up
// scrapes.
const backlogTimeout = 5 * time.Second

// New returns the metrics, with the Go runtime's and the process's, and the backlog gauges read
// through backlog at each scrape.
func New(backlog BacklogFunc, log *slog.Logger) *Metrics {
	if log == nil {
		log = slog.Default()
	}
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		log: log,
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "steward_http_request_duration_seconds",
			Help: "Time to answer HTTP requests, by method, route pattern and status.",
			// From a cached page to a large import or backup.
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"method", "route", "status"}),
		jobRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "steward_worker_job_runs_total",
			Help: "Runs of the background worker's jobs, by job and result (ok or error).",
		}, []string{"job", "result"}),
		jobDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "steward_worker_job_duration_seconds",
			Help: "Time one run of a background worker job took, by job.",
			// A job's budget is two minutes by default.
			Buckets: []float64{.001, .005, .025, .1, .5, 1, 5, 15, 30, 60, 120},
		}, []string{"job"}),
		outbox: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "steward_outbox_deliveries_total",
			Help: "Attempts to carry out outbox messages, by kind (notify, provision, deprovision) and outcome (delivered, retry, failed).",
		}, []string{"kind", "outcome"}),
		provisioning: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "steward_provisioning_total",
			Help: "Roles added to or removed from target systems, by operation (add, remove) and result (delivered, failed for good).",
		}, []string{"op", "result"}),
		notifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "steward_notifications_total",
			Help: "Notification events handed to the notifier, by result (delivered, failed for good).",
		}, []string{"result"}),
		mails: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "steward_mails_total",
			Help: "Mails the notifier sent, by result (sent, failed).",
		}, []string{"result"}),
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.httpDuration, m.jobRuns, m.jobDuration, m.outbox, m.provisioning, m.notifications, m.mails,
		&backlogCollector{read: backlog, log: log},
	)
	return m
}

// Handler serves the metrics in the Prometheus text format. A failed backlog read leaves its
// gauges out of that scrape, not the rest.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// ObserveHTTP records one answered request. route is the route's pattern (e.g.
// "/access/requests/:id"), never the raw path, so that ids do not become label values.
func (m *Metrics) ObserveHTTP(method, route string, status int, took time.Duration) {
	m.httpDuration.WithLabelValues(method, route, strconv.Itoa(status)).Observe(took.Seconds())
}

// JobRan records a run of a worker job (entitlement.WorkerObserver).
func (m *Metrics) JobRan(job string, took time.Duration, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.jobRuns.WithLabelValues(job, result).Inc()
	m.jobDuration.WithLabelValues(job).Observe(took.Seconds())
}

// OutboxAttempted records an attempt to carry out an outbox message (entitlement.WorkerObserver),
// and the final result of provisioning and of notifications.
func (m *Metrics) OutboxAttempted(kind, outcome string) {
	m.outbox.WithLabelValues(kind, outcome).Inc()
	if outcome == entitlement.OutcomeRetry {
		return
	}
	switch kind {
	case entitlement.OutboxProvision:
		m.provisioning.WithLabelValues(entitlement.ProvisionAdd, outcome).Inc()
	case entitlement.OutboxDeprovision:
		m.provisioning.WithLabelValues(entitlement.ProvisionRemove, outcome).Inc()
	case entitlement.OutboxNotify:
		m.notifications.WithLabelValues(outcome).Inc()
	}
}

// MailSent records one mail the notifier sent, or failed to send when err is not nil. The
// notifier calls it once per mail, so a notification to three people counts three.
func (m *Metrics) MailSent(err error) {
	result := "sent"
	if err != nil {
		result = "failed"
	}
	m.mails.WithLabelValues(result).Inc()
}

var _ entitlement.WorkerObserver = (*Metrics)(nil)

// backlogCollector reads the backlog gauges at scrape time rather than keeping them up to date
// on every change: the counts come from index keys alone, so a scrape costs little.
type backlogCollector struct {
	read BacklogFunc
	log  *slog.Logger
}

var (
	outboxDepthDesc = prometheus.NewDesc("steward_outbox_depth",
		"Outbox messages neither delivered nor given up on.", nil, nil)
	pendingApprovalsDesc = prometheus.NewDesc("steward_pending_approvals",
		"Requests that someone may approve or deny now.", nil, nil)
)

func (b *backlogCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- outboxDepthDesc
	ch <- pendingApprovalsDesc
}

func (b *backlogCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), backlogTimeout)
	defer cancel()
	bl, err := b.read(ctx)
	if err != nil {
		b.log.ErrorContext(ctx, "metrics: read the backlog", "err", err)
		ch <- prometheus.NewInvalidMetric(outboxDepthDesc, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(outboxDepthDesc, prometheus.GaugeValue, float64(bl.OutboxUndelivered))
	ch <- prometheus.MustNewConstMetric(pendingApprovalsDesc, prometheus.GaugeValue, float64(bl.PendingApprovals))
}
