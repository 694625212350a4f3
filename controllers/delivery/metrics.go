package delivery

import (
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

var (
	deliveriesTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "servicedesk_webhook_deliveries_total",
		Help: "Webhook delivery attempts recorded, by lifecycle event and outcome (delivered, retry, failed).",
	}, []string{"event", "outcome"})

	// requestDuration times each request to a receiver, answered or not.
	requestDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "servicedesk_webhook_request_duration_seconds",
		Help:    "Time from sending a webhook request to its answer or failure, by outcome (delivered, retry, gone).",
		Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
	}, []string{"outcome"})

	// recordConflicts counts outcome writes that met a concurrent edit and
	// were merged into a fresh read.
	recordConflicts = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "servicedesk_webhook_record_conflicts_total",
		Help: "Delivery outcome writes that met a concurrent edit of the object and were merged into a fresh read.",
	})
)

// The outcome label values of deliveriesTotal.
const (
	outcomeDelivered = "delivered"
	outcomeRetry     = "retry"
	outcomeFailed    = "failed"
)

func init() {
	metrics.Registry.MustRegister(deliveriesTotal, requestDuration, recordConflicts)
	// A series born at 1 is no increase to increase() or rate(): without
	// its 0 the first failure of an event after a start would not raise
	// ServiceDeskDeliveriesFailing (increase of outcome="failed").
	for _, e := range supportv1.EventTypes {
		for _, o := range []string{outcomeDelivered, outcomeRetry, outcomeFailed} {
			deliveriesTotal.WithLabelValues(string(e), o)
		}
	}
}

// outcomeLabel is an attempt outcome as a metric label value.
func outcomeLabel(o Outcome) string { return strings.ToLower(string(o)) }
