package delivery

import (
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/webhook"
)

// Metrics are the Prometheus collectors of the delivery subsystem. Nothing
// registers them at init: whoever runs the subsystem registers Collectors
// where they are scraped (cmd/main.go: controller-runtime's
// metrics.Registry), so several managers in one process never collide. A
// nil *Metrics records nothing.
type Metrics struct {
	// deliveries counts the attempt outcomes recorded in the ledgers.
	deliveries *prometheus.CounterVec
	// requestDuration times each request to a receiver, answered or not.
	requestDuration *prometheus.HistogramVec
	// recordConflicts counts outcome writes that met a concurrent edit and
	// were merged into a fresh read.
	recordConflicts prometheus.Counter
	// inlineOutcomes counts the outcomes of notifications sent just before
	// the complaint write that queued them, by where they were recorded.
	inlineOutcomes *prometheus.CounterVec
}

// Where an inline delivery's outcome was recorded.
const (
	// inlineSameWrite: in the write that queued it (one write for both).
	inlineSameWrite = "same-write"
	// inlineNextWrite: that write failed; the pass that wrote again did.
	inlineNextWrite = "next-write"
	// inlineRecorder: it ended after the wait; the recorder wrote it.
	inlineRecorder = "recorder"
)

// The outcome label values of the deliveries counter.
const (
	outcomeDelivered = "delivered"
	outcomeRetry     = "retry"
	outcomeFailed    = "failed"
)

// NewMetrics makes the delivery metrics, registered nowhere, with a 0
// series for every event and outcome.
func NewMetrics() *Metrics {
	m := &Metrics{
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "servicedesk_webhook_deliveries_total",
			Help: "Webhook delivery attempts recorded, by lifecycle event and outcome (delivered, retry, failed).",
		}, []string{"event", "outcome"}),
		requestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "servicedesk_webhook_request_duration_seconds",
			Help:    "Time from sending a webhook request to its answer or failure, by outcome (delivered, retry, gone).",
			Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
		}, []string{"outcome"}),
		recordConflicts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "servicedesk_webhook_record_conflicts_total",
			Help: "Delivery outcome writes that met a concurrent edit of the object and were merged into a fresh read.",
		}),
		inlineOutcomes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "servicedesk_webhook_inline_outcomes_total",
			Help: "Outcomes of webhooks sent just before the complaint status write that queued them, by where they were recorded: same-write (no write of their own), next-write (that write failed; the next pass recorded them), recorder (they ended after the wait).",
		}, []string{"recorded"}),
	}
	for _, w := range []string{inlineSameWrite, inlineNextWrite, inlineRecorder} {
		m.inlineOutcomes.WithLabelValues(w)
	}
	// A series born at 1 is no increase to increase() or rate(): without
	// its 0 the first failure of an event after a start would not raise
	// ServiceDeskDeliveriesFailing (increase of outcome="failed").
	for _, e := range supportv1.EventTypes {
		for _, o := range []string{outcomeDelivered, outcomeRetry, outcomeFailed} {
			m.deliveries.WithLabelValues(string(e), o)
		}
	}
	return m
}

// Collectors are the collectors to register.
func (m *Metrics) Collectors() []prometheus.Collector {
	return []prometheus.Collector{m.deliveries, m.requestDuration, m.recordConflicts, m.inlineOutcomes}
}

// recorded counts an outcome of ev written into a ledger.
func (m *Metrics) recorded(ev supportv1.EventType, outcome string) {
	if m != nil {
		m.deliveries.WithLabelValues(string(ev), outcome).Inc()
	}
}

// requestDone times a request to a receiver that ended with outcome.
func (m *Metrics) requestDone(outcome webhook.Outcome, took time.Duration) {
	if m != nil {
		m.requestDuration.WithLabelValues(outcomeLabel(outcome)).Observe(took.Seconds())
	}
}

// conflict counts an outcome write that met a concurrent edit.
func (m *Metrics) conflict() {
	if m != nil {
		m.recordConflicts.Inc()
	}
}

// inline counts n inline outcomes recorded where.
func (m *Metrics) inline(where string, n int) {
	if m != nil && n > 0 {
		m.inlineOutcomes.WithLabelValues(where).Add(float64(n))
	}
}

// outcomeLabel is an attempt outcome as a metric label value.
func outcomeLabel(o webhook.Outcome) string { return strings.ToLower(string(o)) }
