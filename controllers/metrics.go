package controllers

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/sla"
	"github.com/servicedesk-operator/servicedesk-operator/internal/version"
)

// Metric names are a contract: dashboards and alerts query them
// (docs/metrics.md, config/prometheus, config/grafana). Labels take values
// from bounded sets only: never a complaint's or a customer's name.

// serviceBuckets span the usual targets, from a minute to a week.
var serviceBuckets = []float64{60, 300, 900, 1800, 3600, 2 * 3600, 4 * 3600, 8 * 3600, 24 * 3600, 2 * 24 * 3600, 3 * 24 * 3600, 7 * 24 * 3600}

// Lateness stages: a breach recorded in status, an Escalation created.
const (
	stageBreach     = "breach"
	stageEscalation = "escalation"
)

// Metrics is the operator's one metrics recorder, made at setup
// (NewMetrics) and registered by the binary that runs the operator: the
// counters and histograms of what the reconcilers recorded, the gauges
// read from a manager's cache at scrape time, the build, and delivery's.
// Nothing is registered at init, so several managers in one process
// (tests, the sandbox) each count on their own.
type Metrics struct {
	transitionsTotal     *prometheus.CounterVec
	breachesTotal        *prometheus.CounterVec
	atRiskTotal          *prometheus.CounterVec
	receivedTotal        *prometheus.CounterVec
	escalationsTotal     *prometheus.CounterVec
	resolvedTotal        *prometheus.CounterVec
	reopenedTotal        *prometheus.CounterVec
	closedTotal          *prometheus.CounterVec
	archivedTotal        *prometheus.CounterVec
	deletedTotal         *prometheus.CounterVec
	firstResponseSeconds *prometheus.HistogramVec
	resolutionSeconds    *prometheus.HistogramVec
	satisfactionScore    *prometheus.HistogramVec
	deadlineLateness     *prometheus.HistogramVec
	remediesTotal        *prometheus.CounterVec
	remedyFulfilSeconds  *prometheus.HistogramVec
	remedyBreachesTotal  *prometheus.CounterVec
	// state reads the gauges from the cache of the manager set up with
	// these metrics.
	state *stateCollector
	build prometheus.Collector
	// delivery records the webhook deliveries.
	delivery *delivery.Metrics
}

// NewMetrics makes the operator's metrics, unregistered.
func NewMetrics() *Metrics {
	return &Metrics{
		transitionsTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "servicedesk_complaint_transitions_total",
			Help: "Complaint lifecycle transitions recorded in status, by reason.",
		}, []string{"reason"}),
		breachesTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "servicedesk_sla_breaches_total",
			Help: "Clocks that passed their due time, by namespace, policy and clock.",
		}, []string{"namespace", "policy", "clock"}),
		atRiskTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "servicedesk_sla_at_risk_total",
			Help: "Clocks that passed their at-risk point, by namespace, policy and clock.",
		}, []string{"namespace", "policy", "clock"}),
		receivedTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "servicedesk_complaints_received_total",
			Help: "Complaints recorded, by namespace, policy (empty: none governs), category, customer tier and channel (Unknown: none recorded).",
		}, []string{"namespace", "policy", "category", "tier", "channel"}),
		escalationsTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "servicedesk_escalations_total",
			Help: "Escalations created by the ladder, by namespace, level and reason.",
		}, []string{"namespace", "level", "reason"}),
		resolvedTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "servicedesk_complaints_resolved_total",
			Help: "Resolutions accepted, by namespace, policy and outcome (Remedied, Declined).",
		}, []string{"namespace", "policy", "outcome"}),
		reopenedTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "servicedesk_complaints_reopened_total",
			Help: "Complaints reopened because the customer was not satisfied, by namespace and policy.",
		}, []string{"namespace", "policy"}),
		closedTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "servicedesk_complaints_closed_total",
			Help: "Complaints closed, by namespace, policy and reason (CustomerSatisfied, NoFeedback).",
		}, []string{"namespace", "policy", "reason"}),
		archivedTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "servicedesk_complaints_archived_total",
			Help: "Complaints whose record was queued as the Archived event before they left the cluster, by namespace and policy.",
		}, []string{"namespace", "policy"}),
		deletedTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "servicedesk_complaints_deleted_total",
			Help: "Complaints that left the cluster, by namespace, policy and reason (retention: past the policy's retention; deleted: somebody deleted it).",
		}, []string{"namespace", "policy", "reason"}),
		firstResponseSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "servicedesk_first_response_seconds",
			Help:    "Time from a complaint's report to its acknowledgement (wall time), by namespace, policy and tier.",
			Buckets: serviceBuckets,
		}, []string{"namespace", "policy", "tier"}),
		resolutionSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "servicedesk_resolution_seconds",
			Help:    "Time from a complaint's report to an accepted resolution (wall time), by namespace, policy and tier.",
			Buckets: serviceBuckets,
		}, []string{"namespace", "policy", "tier"}),
		satisfactionScore: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "servicedesk_satisfaction_score",
			Help:    "Satisfaction scores (1 to 5) given in feedback, by namespace and policy.",
			Buckets: []float64{1, 2, 3, 4, 5},
		}, []string{"namespace", "policy"}),
		deadlineLateness: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "servicedesk_deadline_lateness_seconds",
			Help:    "The operator's own promise: time from a due time to the breach recorded in status (stage=breach) and to the Escalation created (stage=escalation).",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300},
		}, []string{"stage"}),
		remediesTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "servicedesk_remedies_total",
			Help: "Remedies the departments reported, by namespace, department and outcome (Done, Failed).",
		}, []string{"namespace", "department", "outcome"}),
		remedyFulfilSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "servicedesk_remedy_fulfil_seconds",
			Help:    "Time from a department being asked to its report (done or failed), by namespace and department.",
			Buckets: serviceBuckets,
		}, []string{"namespace", "department"}),
		remedyBreachesTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "servicedesk_remedy_breaches_total",
			Help: "Remedies not carried out within their department's fulfilWithin, by namespace and department.",
		}, []string{"namespace", "department"}),
		state:    newStateCollector(),
		build:    newBuildInfo(version.Get()),
		delivery: delivery.NewMetrics(),
	}
}

// Collectors are the metrics to register, e.g. with controller-runtime's
// metrics.Registry, which the manager serves on /metrics.
func (m *Metrics) Collectors() []prometheus.Collector {
	return append([]prometheus.Collector{m.transitionsTotal, m.breachesTotal, m.atRiskTotal, m.receivedTotal, m.escalationsTotal, m.resolvedTotal, m.reopenedTotal, m.closedTotal, m.archivedTotal, m.deletedTotal, m.firstResponseSeconds, m.resolutionSeconds, m.satisfactionScore, m.deadlineLateness, m.remediesTotal, m.remedyFulfilSeconds, m.remedyBreachesTotal, m.state, m.build}, m.delivery.Collectors()...)
}

// observeTransitions counts what a complaint's status write recorded. It
// runs once per transition: transitions come from the status, so a
// restart does not count them again.
func (m *Metrics) observeTransitions(c *supportv1.Complaint, policy string, ts []sla.Transition, now time.Time) {
	ns, tier := c.Namespace, string(c.Spec.Customer.Tier)
	for _, t := range ts {
		m.transitionsTotal.WithLabelValues(t.Reason).Inc()
		switch t.Event {
		case supportv1.EventCreated:
			m.receivedTotal.WithLabelValues(ns, policy, string(c.Spec.Category), tier, channelLabel(c.Spec.Channel)).Inc()
		case supportv1.EventBreached:
			m.breachesTotal.WithLabelValues(ns, policy, string(t.Clock)).Inc()
			m.deadlineLateness.WithLabelValues(stageBreach).Observe(lateness(t.At, now))
		case supportv1.EventAtRisk:
			m.atRiskTotal.WithLabelValues(ns, policy, string(t.Clock)).Inc()
		case supportv1.EventAcknowledged:
			m.firstResponseSeconds.WithLabelValues(ns, policy, tier).Observe(t.At.Sub(sla.Start(c)).Seconds())
		case supportv1.EventResolved:
			m.resolutionSeconds.WithLabelValues(ns, policy, tier).Observe(t.At.Sub(sla.Start(c)).Seconds())
			outcome := supportv1.OutcomeRemedied
			if c.Spec.Resolution.Declined() {
				outcome = supportv1.OutcomeDeclined
			}
			m.resolvedTotal.WithLabelValues(ns, policy, string(outcome)).Inc()
		case supportv1.EventReopened:
			m.reopenedTotal.WithLabelValues(ns, policy).Inc()
			m.observeSatisfaction(c, policy)
		case supportv1.EventClosed:
			m.closedTotal.WithLabelValues(ns, policy, t.Reason).Inc()
			if t.Reason == supportv1.ReasonCustomerSatisfied {
				m.observeSatisfaction(c, policy)
			}
		}
	}
}

// unknownChannel is the channel label of a complaint recorded without
// spec.channel (the schema has no default channel).
const unknownChannel = "Unknown"

// channelLabel is the channel label value: spec.channel, a value of the
// schema's enum (a bounded set), or unknownChannel.
func channelLabel(ch supportv1.Channel) string {
	if ch == "" {
		return unknownChannel
	}
	return string(ch)
}

func (m *Metrics) observeSatisfaction(c *supportv1.Complaint, policy string) {
	if fb := c.Spec.Feedback; fb != nil && fb.Satisfaction != nil {
		m.satisfactionScore.WithLabelValues(c.Namespace, policy).Observe(float64(*fb.Satisfaction))
	}
}

// observeEscalation counts an Escalation the ladder created.
func (m *Metrics) observeEscalation(esc *supportv1.Escalation, now time.Time) {
	m.escalationsTotal.WithLabelValues(esc.Namespace, strconv.Itoa(int(esc.Spec.Level)), string(esc.Spec.Reason)).Inc()
	if esc.Spec.BreachedAt != nil {
		m.deadlineLateness.WithLabelValues(stageEscalation).Observe(lateness(esc.Spec.BreachedAt.Time, now))
	}
}

// lateness is how long after due something happened; never negative.
func lateness(due, at time.Time) float64 {
	return max(at.Sub(due).Seconds(), 0)
}

// archived counts a complaint whose record was queued as the Archived event.
func (m *Metrics) archived(c *supportv1.Complaint) {
	m.archivedTotal.WithLabelValues(c.Namespace, c.Status.Policy).Inc()
}

// deleted counts a complaint that left the cluster, for reason.
func (m *Metrics) deleted(c *supportv1.Complaint, reason string) {
	m.deletedTotal.WithLabelValues(c.Namespace, c.Status.Policy, reason).Inc()
}

// observeRemedy counts what a remedy's status write recorded: the
// department's report, a missed target. Once each: both come from status.
func (m *Metrics) observeRemedy(r *supportv1.Remedy, res sla.RemedyResult) {
	ns, dept := r.Namespace, r.Spec.Department
	if res.Reported && r.Spec.Fulfilment != nil && res.Status.FulfilledAt != nil {
		m.remediesTotal.WithLabelValues(ns, dept, string(r.Spec.Fulfilment.Outcome)).Inc()
		m.remedyFulfilSeconds.WithLabelValues(ns, dept).Observe(max(res.Status.FulfilledAt.Sub(r.Spec.RequestedAt.Time).Seconds(), 0))
	}
	if res.Overdue {
		m.remedyBreachesTotal.WithLabelValues(ns, dept).Inc()
	}
}
