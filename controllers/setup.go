// Package controllers holds the reconcilers of the service desk: one per kind.
// Decisions live in pure sub-packages (sla, ladder, delivery); the
// reconcilers gather, call them, and act.
package controllers

import (
	"context"
	"net/http"
	"time"

	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery"
)

// Options configures the reconcilers.
type Options struct {
	// Clock tells the time; tests inject a fake one. Defaults to the real clock.
	Clock clock.PassiveClock
	// DeliveryBackoff spaces webhook retries (default 10s doubling to 5m, with jitter).
	DeliveryBackoff delivery.Backoff
	// HTTPClient sends webhooks (default: one with keep-alive and timeouts).
	HTTPClient *http.Client
	// MaxConcurrentReconciles of the complaint controller (default 4).
	MaxConcurrentReconciles int
}

func (o Options) clock() clock.PassiveClock {
	if o.Clock == nil {
		return clock.RealClock{}
	}
	return o.Clock
}

// SetupWithManager registers every reconciler of the operator with mgr. It is
// the one entry point used by cmd/main.go, the tests and the sandbox.
func SetupWithManager(mgr ctrl.Manager, opts Options) error {
	if err := setupIndexes(context.Background(), mgr); err != nil {
		return err
	}
	backoff := opts.DeliveryBackoff
	if backoff.Base == 0 {
		backoff = delivery.DefaultBackoff
	}
	httpClient := opts.HTTPClient
	if httpClient == nil {
		httpClient = &http.Client{Timeout: 60 * time.Second}
	}
	notifier := &Notifier{
		Reader:  mgr.GetAPIReader(),
		Sender:  &delivery.Sender{Client: httpClient, Timeout: delivery.DefaultTimeout},
		Backoff: backoff,
	}
	if err := (&ServicePolicyReconciler{
		Client:    mgr.GetClient(),
		APIReader: mgr.GetAPIReader(),
	}).SetupWithManager(mgr); err != nil {
		return err
	}
	if err := (&ComplaintReconciler{
		Client:                  mgr.GetClient(),
		Clock:                   opts.clock(),
		Recorder:                mgr.GetEventRecorder("complaint-controller"),
		Notifier:                notifier,
		Reader:                  mgr.GetAPIReader(),
		MaxConcurrentReconciles: opts.MaxConcurrentReconciles,
	}).SetupWithManager(mgr); err != nil {
		return err
	}
	return (&EscalationReconciler{
		Client:   mgr.GetClient(),
		Clock:    opts.clock(),
		Recorder: mgr.GetEventRecorder("escalation-controller"),
		Notifier: notifier,
		Reader:   mgr.GetAPIReader(),
	}).SetupWithManager(mgr)
}
