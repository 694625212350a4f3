package delivery

import (
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

var deliveriesTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "servicedesk_webhook_deliveries_total",
	Help: "Webhook delivery attempts recorded, by lifecycle event and outcome (delivered, retry, failed).",
}, []string{"event", "outcome"})

// recordConflicts counts outcome writes that met a concurrent edit and were
// merged into a fresh read.
var recordConflicts = prometheus.NewCounter(prometheus.CounterOpts{
	Name: "servicedesk_webhook_record_conflicts_total",
	Help: "Delivery outcome writes that met a concurrent edit of the object and were merged into a fresh read.",
})

func init() {
	metrics.Registry.MustRegister(deliveriesTotal, recordConflicts)
}
