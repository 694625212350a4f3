package controllers

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/sla"
)

// ComplaintReconciler drives a complaint through its life: it gathers the
// complaint, its policy and escalations, lets the pure packages decide, and
// acts (status, Events, Escalations, deliveries).
type ComplaintReconciler struct {
	client.Client
	Clock    clock.PassiveClock
	Recorder events.EventRecorder
	// MaxConcurrentReconciles bounds parallel reconciles (default 4).
	MaxConcurrentReconciles int

	policies policyCache
}

// +kubebuilder:rbac:groups=support.servicedesk.dev,resources=complaints,verbs=get;list;watch
// +kubebuilder:rbac:groups=support.servicedesk.dev,resources=complaints/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=support.servicedesk.dev,resources=servicepolicies,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile brings the complaint's status up to date and schedules the next look.
func (r *ComplaintReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	log := logf.FromContext(ctx)
	var complaint supportv1.Complaint
	if err := r.Get(ctx, req.NamespacedName, &complaint); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !complaint.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, nil
	}

	// Gather.
	policy, reason, message, err := r.policyFor(ctx, &complaint)
	if err != nil {
		return ctrl.Result{}, err
	}

	// Decide.
	now := r.Clock.Now()
	res := sla.Evaluate(sla.Input{Complaint: &complaint, Policy: policy, PolicyReason: reason, PolicyMessage: message, Now: now})
	res.Status.ObservedGeneration = complaint.Generation

	// Act.
	if !equality.Semantic.DeepEqual(complaint.Status, res.Status) {
		complaint.Status = res.Status
		if err := r.Status().Update(ctx, &complaint); err != nil {
			if apierrors.IsConflict(err) {
				return ctrl.Result{Requeue: true}, nil
			}
			return ctrl.Result{}, err
		}
	}
	for _, t := range res.Transitions {
		typ := corev1.EventTypeNormal
		if t.Warning {
			typ = corev1.EventTypeWarning
		}
		r.Recorder.Eventf(&complaint, nil, typ, t.Reason, actionOf(t), "%s", t.Message)
		log.V(1).Info("transition", "reason", t.Reason, "message", t.Message)
	}
	return requeueAt(res.Next, r.Clock.Now()), nil
}

func actionOf(t sla.Transition) string {
	if t.Event != "" {
		return string(t.Event)
	}
	return t.Reason
}

// requeueAt asks to be called again at next (never with a zero or negative
// delay: that would spin or be ignored).
func requeueAt(next, now time.Time) ctrl.Result {
	if next.IsZero() {
		return ctrl.Result{}
	}
	d := next.Sub(now)
	if d < 10*time.Millisecond {
		d = 10 * time.Millisecond
	}
	return ctrl.Result{RequeueAfter: d}
}

// policyFor selects and compiles the complaint's policy.
func (r *ComplaintReconciler) policyFor(ctx context.Context, c *supportv1.Complaint) (*sla.Policy, string, string, error) {
	var list supportv1.ServicePolicyList
	if err := r.List(ctx, &list, client.InNamespace(c.Namespace)); err != nil {
		return nil, "", "", err
	}
	chosen, reason, message := sla.Select(list.Items, c)
	if chosen == nil {
		return nil, reason, message, nil
	}
	compiledPolicy, err := r.policies.get(chosen)
	if err != nil {
		return nil, supportv1.ReasonInvalidPolicy, fmt.Sprintf("policy %s cannot be applied: %v", chosen.Name, err), nil
	}
	return compiledPolicy, reason, message, nil
}

// SetupWithManager registers the reconciler and its watches.
func (r *ComplaintReconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.MaxConcurrentReconciles == 0 {
		r.MaxConcurrentReconciles = 4
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&supportv1.Complaint{}, builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, predicate.LabelChangedPredicate{}))).
		Watches(&supportv1.ServicePolicy{}, handler.EnqueueRequestsFromMapFunc(r.complaintsOfNamespace)).
		Watches(&supportv1.Escalation{}, handler.EnqueueRequestsFromMapFunc(complaintOfEscalation)).
		WithOptions(controller.Options{MaxConcurrentReconciles: r.MaxConcurrentReconciles}).
		Named("complaint").
		Complete(r)
}

// complaintsOfNamespace re-evaluates every complaint a policy may govern:
// a policy change can change which policy wins anywhere in its namespace.
func (r *ComplaintReconciler) complaintsOfNamespace(ctx context.Context, o client.Object) []reconcile.Request {
	var list supportv1.ComplaintList
	if err := r.List(ctx, &list, client.InNamespace(o.GetNamespace())); err != nil {
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(list.Items))
	for _, c := range list.Items {
		if c.Status.Phase == supportv1.PhaseClosed {
			continue
		}
		reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&c)})
	}
	return reqs
}

func complaintOfEscalation(_ context.Context, o client.Object) []reconcile.Request {
	esc := o.(*supportv1.Escalation)
	return []reconcile.Request{{NamespacedName: client.ObjectKey{Namespace: esc.Namespace, Name: esc.Spec.ComplaintName}}}
}
