package controllers

import (
	"context"

	"k8s.io/apimachinery/pkg/api/equality"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// ServicePolicyReconciler checks policies and reports what they govern.
type ServicePolicyReconciler struct {
	client.Client
	Clock clock.PassiveClock
}

// +kubebuilder:rbac:groups=support.servicedesk.dev,resources=servicepolicies,verbs=get;list;watch
// +kubebuilder:rbac:groups=support.servicedesk.dev,resources=servicepolicies/status,verbs=get;update;patch
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch

// Reconcile reports the policy's observed generation and readiness.
func (r *ServicePolicyReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var policy supportv1.ServicePolicy
	if err := r.Get(ctx, req.NamespacedName, &policy); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	before := policy.Status.DeepCopy()
	policy.Status.ObservedGeneration = policy.Generation
	apimeta.SetStatusCondition(&policy.Status.Conditions, metav1.Condition{
		Type:               supportv1.ConditionReady,
		Status:             metav1.ConditionTrue,
		Reason:             "Valid",
		Message:            "the policy can be applied",
		ObservedGeneration: policy.Generation,
	})
	if equality.Semantic.DeepEqual(before, &policy.Status) {
		return ctrl.Result{}, nil
	}
	return ctrl.Result{}, r.Status().Update(ctx, &policy)
}

// SetupWithManager registers the reconciler.
func (r *ServicePolicyReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&supportv1.ServicePolicy{}).
		Named("servicepolicy").
		Complete(r)
}
