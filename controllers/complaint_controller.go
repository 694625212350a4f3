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

// ComplaintReconciler drives a complaint through its life.
type ComplaintReconciler struct {
	client.Client
	Clock    clock.PassiveClock
	Recorder events.EventRecorder
}

// +kubebuilder:rbac:groups=support.servicedesk.dev,resources=complaints,verbs=get;list;watch
// +kubebuilder:rbac:groups=support.servicedesk.dev,resources=complaints/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile reports the complaint's observed generation.
func (r *ComplaintReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var complaint supportv1.Complaint
	if err := r.Get(ctx, req.NamespacedName, &complaint); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	before := complaint.Status.DeepCopy()
	complaint.Status.ObservedGeneration = complaint.Generation
	if complaint.Status.Phase == "" {
		complaint.Status.Phase = supportv1.PhaseNew
	}
	if equality.Semantic.DeepEqual(before, &complaint.Status) {
		return ctrl.Result{}, nil
	}
	return ctrl.Result{}, r.Status().Update(ctx, &complaint)
}

// SetupWithManager registers the reconciler.
func (r *ComplaintReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&supportv1.Complaint{}).
		Named("complaint").
		Complete(r)
}
