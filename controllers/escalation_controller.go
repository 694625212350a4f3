package controllers

import (
	"context"
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
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/ladder"
)

// EscalationReconciler tracks an escalation's phase (Open, Acknowledged,
// Superseded, Closed) and queues its Escalated notification for the level's
// destinations once the complaint's policy is known. The delivery subsystem
// sends it.
type EscalationReconciler struct {
	client.Client
	Clock    clock.PassiveClock
	Recorder events.EventRecorder
	// Reader reads around the cache: is a complaint missing from the cache
	// really missing, or not cached yet?
	Reader client.Reader
	// Workers bounds parallel reconciles; Timeout bounds one.
	Workers int
	Timeout time.Duration
}

// +kubebuilder:rbac:groups=support.servicedesk.dev,resources=escalations,verbs=get;list;watch;create
// +kubebuilder:rbac:groups=support.servicedesk.dev,resources=escalations/status,verbs=get;update;patch

// cacheLagRecheck is how soon an escalation is looked at again when its
// complaint exists but has not reached the cache.
const cacheLagRecheck = time.Second

// Reconcile tracks one escalation.
func (r *EscalationReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var esc supportv1.Escalation
	if err := r.Get(ctx, req.NamespacedName, &esc); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	// Gather: the complaint, its policy, the sibling escalations.
	complaint, gone, err := r.complaintOf(ctx, &esc)
	if err != nil {
		return ctrl.Result{}, err
	}
	if complaint == nil && !gone {
		// In the API server but not yet in the cache: never judge from that.
		if err := r.Reader.Get(ctx, client.ObjectKey{Namespace: esc.Namespace, Name: esc.Spec.ComplaintName}, &supportv1.Complaint{}); err == nil {
			return ctrl.Result{RequeueAfter: cacheLagRecheck}, nil
		} else if !apierrors.IsNotFound(err) {
			return ctrl.Result{}, err
		}
	}
	facts := escalationFacts{}
	if complaint != nil {
		facts.ComplaintUID = string(complaint.UID)
		if name := complaint.Status.Policy; name != "" && esc.Status.Policy == "" {
			var policy supportv1.ServicePolicy
			if err := r.Get(ctx, client.ObjectKey{Namespace: esc.Namespace, Name: name}, &policy); err == nil {
				facts.Policy = name
				facts.Targets = policy.Spec.DestinationsFor(supportv1.EventEscalated, levelNotify(&policy, &esc))
			} else if !apierrors.IsNotFound(err) {
				return ctrl.Result{}, err
			}
		}
	}
	var siblings supportv1.EscalationList
	if err := r.List(ctx, &siblings, client.InNamespace(esc.Namespace), client.MatchingFields{indexEscalationComplaint: esc.Spec.ComplaintName}, client.UnsafeDisableDeepCopy); err != nil {
		return ctrl.Result{}, err
	}

	// Decide.
	views := make([]ladder.Escalation, 0, len(siblings.Items))
	for i := range siblings.Items {
		views = append(views, ladderView(&siblings.Items[i]))
	}
	facts.Phase = ladder.Phase(ladder.PhaseInput{
		Escalation:        ladderView(&esc),
		ComplaintGone:     gone,
		ComplaintResolved: complaint != nil && (complaint.Status.ResolvedAt != nil || complaint.Status.ClosedAt != nil),
		Siblings:          views,
	})
	st, transitions := nextEscalationStatus(&esc, facts, r.Clock.Now())

	// Act.
	if !equality.Semantic.DeepEqual(esc.Status, st) {
		esc.Status = st
		if err := r.Status().Update(ctx, &esc); err != nil {
			if apierrors.IsConflict(err) {
				return ctrl.Result{Requeue: true}, nil
			}
			return ctrl.Result{}, err
		}
	}
	for _, t := range transitions {
		r.Recorder.Eventf(&esc, nil, corev1.EventTypeNormal, t.Reason, t.Reason, "%s", t.Message)
	}
	return ctrl.Result{}, nil
}

// complaintOf returns the escalation's complaint from the cache, judged by
// judgeComplaint.
func (r *EscalationReconciler) complaintOf(ctx context.Context, esc *supportv1.Escalation) (*supportv1.Complaint, bool, error) {
	var c supportv1.Complaint
	err := r.Get(ctx, client.ObjectKey{Namespace: esc.Namespace, Name: esc.Spec.ComplaintName}, &c)
	if apierrors.IsNotFound(err) {
		current, gone := judgeComplaint(esc, nil)
		return current, gone, nil
	} else if err != nil {
		return nil, false, err
	}
	current, gone := judgeComplaint(esc, &c)
	return current, gone, nil
}

// SetupWithManager registers the reconciler and its watches.
func (r *EscalationReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&supportv1.Escalation{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&supportv1.Complaint{}, handler.EnqueueRequestsFromMapFunc(r.escalationsOfComplaint), builder.WithPredicates(complaintEscalationFacts())).
		WithOptions(controller.Options{MaxConcurrentReconciles: r.Workers, ReconciliationTimeout: r.Timeout}).
		Named("escalation").
		Complete(r)
}

// complaintEscalationFacts passes the complaint changes an escalation's
// status depends on: existence, policy, resolution, the ladder's level.
func complaintEscalationFacts() predicate.Predicate {
	return predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			o, n := e.ObjectOld.(*supportv1.Complaint), e.ObjectNew.(*supportv1.Complaint)
			return o.Status.Policy != n.Status.Policy ||
				(o.Status.ResolvedAt == nil) != (n.Status.ResolvedAt == nil) ||
				(o.Status.ClosedAt == nil) != (n.Status.ClosedAt == nil) ||
				o.Status.EscalationLevel != n.Status.EscalationLevel ||
				len(o.Status.Escalations) != len(n.Status.Escalations)
		},
	}
}

// escalationsOfComplaint maps a complaint to its escalations still open.
func (r *EscalationReconciler) escalationsOfComplaint(ctx context.Context, o client.Object) []reconcile.Request {
	var list supportv1.EscalationList
	if err := r.List(ctx, &list, client.InNamespace(o.GetNamespace()), client.MatchingFields{indexEscalationComplaint: o.GetName()}, client.UnsafeDisableDeepCopy); err != nil {
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(list.Items))
	for _, e := range list.Items {
		// Open ones follow their complaint; any not yet announced waits for
		// the complaint's policy, whatever its phase.
		if e.Status.Phase == supportv1.EscalationOpen || e.Status.Phase == "" || e.Status.Policy == "" {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&e)})
		}
	}
	return reqs
}
