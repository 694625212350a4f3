// Package controllers holds the reconcilers of the service desk: one per kind.
// Decisions live in pure sub-packages (sla, ladder, delivery); the
// reconcilers gather, call them, and act.
package controllers

import (
	"context"

	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
)

// Options configures the reconcilers.
type Options struct {
	// Clock tells the time; tests inject a fake one. Defaults to the real clock.
	Clock clock.PassiveClock
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
	if err := (&ServicePolicyReconciler{
		Client:    mgr.GetClient(),
		APIReader: mgr.GetAPIReader(),
		Clock:     opts.clock(),
	}).SetupWithManager(mgr); err != nil {
		return err
	}
	if err := (&ComplaintReconciler{
		Client:   mgr.GetClient(),
		Clock:    opts.clock(),
		Recorder: mgr.GetEventRecorder("complaint-controller"),
	}).SetupWithManager(mgr); err != nil {
		return err
	}
	return (&EscalationReconciler{
		Client:   mgr.GetClient(),
		Clock:    opts.clock(),
		Recorder: mgr.GetEventRecorder("escalation-controller"),
	}).SetupWithManager(mgr)
}
