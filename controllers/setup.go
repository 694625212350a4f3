// Package controllers holds the reconcilers of the service desk: one per kind.
// Decisions live in pure sub-packages (sla, ladder, delivery/ledger); the
// reconcilers gather, call them, and act. Sending webhooks is the delivery
// package's own subsystem: no reconciler here waits on a receiver.
package controllers

import (
	"context"
	"net/http"
	"time"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/event"

	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/webhook"
)

// Options configures the reconcilers and the delivery subsystem. Zero
// values take the defaults.
type Options struct {
	// Clock tells the time; tests inject a fake one. Defaults to the real clock.
	Clock clock.Clock
	// DeliveryBackoff spaces webhook retries (default 10s doubling to 5m, with jitter).
	DeliveryBackoff webhook.Backoff
	// HTTPClient sends webhooks (default: one with keep-alive and timeouts
	// whose dialer enforces WebhookDestinations). A client set here is used
	// as is: its transport must guard destinations itself.
	HTTPClient *http.Client
	// WebhookDestinations decides which addresses webhook requests may
	// connect to (--webhook-allowed-cidrs, --cluster-cidrs). The zero value
	// refuses every special-purpose range that is not globally reachable
	// (private, loopback, link-local, ...) and the cluster's ServiceCIDRs:
	// tests and the sandbox, whose receivers listen on loopback, allow
	// 127.0.0.0/8 and ::1.
	WebhookDestinations webhook.AddressPolicy
	// ComplaintWorkers, EscalationWorkers, PolicyWorkers and RemedyWorkers
	// bound each controller's parallel reconciles (defaults 8, 4, 2, 2).
	ComplaintWorkers, EscalationWorkers, PolicyWorkers, RemedyWorkers int
	// DeliveryWorkers bounds the webhook requests in flight overall, and
	// DeliveryPerDestination those to one destination (defaults 32 and 4).
	DeliveryWorkers, DeliveryPerDestination int
	// InlineDeliveryWait bounds how long a complaint's status write waits for
	// the webhooks it queued, sent just before it (default 250ms; negative:
	// none is sent inline).
	InlineDeliveryWait time.Duration
	// ReconcileTimeout bounds one reconcile of any controller (default 30s).
	ReconcileTimeout time.Duration
	// Metrics records what the operator does; nil: metrics of its own,
	// unregistered. The binary that runs the operator makes one
	// (NewMetrics) and registers its Collectors.
	Metrics *Metrics
	// Shard is the label selector of this replica's complaints and
	// escalations (--watch-label-selector); nil or empty: all of them. The
	// manager's cache must be built with CacheOptions(Shard).
	Shard labels.Selector
}

// Defaults of Options.
const (
	DefaultComplaintWorkers  = 8
	DefaultEscalationWorkers = 4
	DefaultPolicyWorkers     = 2
	DefaultRemedyWorkers     = 2
	DefaultReconcileTimeout  = 30 * time.Second
)

func (o Options) clock() clock.Clock {
	if o.Clock == nil {
		return clock.RealClock{}
	}
	return o.Clock
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// SetupWithManager registers every reconciler of the operator and the
// delivery subsystem with mgr. It is the one entry point used by
// cmd/main.go, the tests and the sandbox.
func SetupWithManager(mgr ctrl.Manager, opts Options) error {
	if err := setupIndexes(context.Background(), mgr); err != nil {
		return err
	}
	metrics := opts.Metrics
	if metrics == nil {
		metrics = NewMetrics()
	}
	metrics.state.use(mgr.GetCache(), opts.clock(), mgr.Elected())
	timeout := orDefault(opts.ReconcileTimeout, DefaultReconcileTimeout)
	policies := &policyCache{}
	refused := make(chan event.GenericEvent, 64)
	destinations := opts.WebhookDestinations
	if destinations.Discovered == nil {
		destinations.Discovered = &webhook.DiscoveredRanges{}
	}
	if err := setupServiceCIDRs(mgr, destinations.Discovered, refused); err != nil {
		return err
	}
	pressure := &delivery.Pressure{Clock: opts.clock()}
	_, inline, err := delivery.SetupWithManager(mgr, delivery.Options{
		Pressure: pressure,
		Clock:    opts.clock(), Backoff: opts.DeliveryBackoff, HTTPClient: opts.HTTPClient,
		Destinations: destinations, OnRefused: refusalNotifier(refused),
		Metrics: metrics.delivery, Workers: opts.DeliveryWorkers, PerDestination: opts.DeliveryPerDestination, ReconcileTimeout: timeout,
		InlineWait: opts.InlineDeliveryWait, InlineWaiting: max(orDefault(opts.ComplaintWorkers, DefaultComplaintWorkers)/2, 1),
	})
	if err != nil {
		return err
	}
	if err := (&ServicePolicyReconciler{
		Client:       mgr.GetClient(),
		APIReader:    mgr.GetAPIReader(),
		Policies:     policies,
		Destinations: destinations,
		Refused:      refused,
		Sharded:      opts.Shard != nil && !opts.Shard.Empty(),
		Workers:      orDefault(opts.PolicyWorkers, DefaultPolicyWorkers),
		Timeout:      timeout,
	}).SetupWithManager(mgr); err != nil {
		return err
	}
	budget := newEventBudget(opts.clock(), mgr.GetEventRecorder("complaint-controller"))
	if err := mgr.Add(budget); err != nil {
		return err
	}
	if err := (&ComplaintReconciler{
		Events:   budget,
		Inline:   inline,
		Pressure: pressure,
		Client:   mgr.GetClient(),
		Clock:    opts.clock(),
		Recorder: mgr.GetEventRecorder("complaint-controller"),
		Reader:   mgr.GetAPIReader(),
		Policies: policies,
		Metrics:  metrics,
		Workers:  orDefault(opts.ComplaintWorkers, DefaultComplaintWorkers),
		Timeout:  timeout,
	}).SetupWithManager(mgr); err != nil {
		return err
	}
	if err := (&RemedyReconciler{
		Client:   mgr.GetClient(),
		Clock:    opts.clock(),
		Recorder: mgr.GetEventRecorder("remedy-controller"),
		Metrics:  metrics,
		Workers:  orDefault(opts.RemedyWorkers, DefaultRemedyWorkers),
		Timeout:  timeout,
	}).SetupWithManager(mgr); err != nil {
		return err
	}
	return (&EscalationReconciler{
		Client:   mgr.GetClient(),
		Clock:    opts.clock(),
		Recorder: mgr.GetEventRecorder("escalation-controller"),
		Reader:   mgr.GetAPIReader(),
		Workers:  orDefault(opts.EscalationWorkers, DefaultEscalationWorkers),
		Timeout:  timeout,
	}).SetupWithManager(mgr)
}
