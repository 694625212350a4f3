package controllers

import (
	"context"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// EscalationReconciler notifies an escalation's level and tracks its acknowledgement.
type EscalationReconciler struct {
	client.Client
	Clock    clock.PassiveClock
	Recorder events.EventRecorder
}

// +kubebuilder:rbac:groups=support.servicedesk.dev,resources=escalations,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=support.servicedesk.dev,resources=escalations/status,verbs=get;update;patch

// Reconcile reports the escalation's observed generation.
func (r *EscalationReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var esc supportv1.Escalation
	if err := r.Get(ctx, req.NamespacedName, &esc); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	before := esc.Status.DeepCopy()
	esc.Status.ObservedGeneration = esc.Generation
	if esc.Status.Phase == "" {
		esc.Status.Phase = supportv1.EscalationOpen
	}
	if equality.Semantic.DeepEqual(before, &esc.Status) {
		return ctrl.Result{}, nil
	}
	return ctrl.Result{}, r.Status().Update(ctx, &esc)
}

// SetupWithManager registers the reconciler.
func (r *EscalationReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&supportv1.Escalation{}).
		Named("escalation").
		Complete(r)
}
