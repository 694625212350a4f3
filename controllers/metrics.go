package controllers

import (
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

var (
	transitionsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "servicedesk_complaint_transitions_total",
		Help: "Complaint lifecycle transitions by reason.",
	}, []string{"reason"})
	escalationsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "servicedesk_escalations_created_total",
		Help: "Escalations created by the ladder, by level.",
	}, []string{"level"})
)

func init() {
	metrics.Registry.MustRegister(transitionsTotal, escalationsTotal)
}
