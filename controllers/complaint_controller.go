package controllers

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/priorityqueue"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/internal/requeue"
)

// ComplaintReconciler drives a complaint through its life: it gathers the
// complaint, its policy and escalations, lets the pure packages decide, and
// acts (status, Events, Escalations). Notifications are queued in the status
// ledger in the same write as their transition; the delivery subsystem sends
// them, so no pass here ever waits on a receiver.
type ComplaintReconciler struct {
	client.Client
	Clock    clock.PassiveClock
	Recorder events.EventRecorder
	// Reader reads around the cache (name clashes).
	Reader client.Reader
	// Policies compiles policies once per generation (shared).
	Policies *policyCache
	// Metrics records what the reconciles did.
	Metrics *Metrics
	// Workers bounds parallel reconciles; Timeout bounds one.
	Workers int
	Timeout time.Duration

	// Events rations the deadline Events (nil: every one is emitted).
	Events *eventBudget
	// Inline sends the notifications a write queues just before it, so the
	// write records their outcomes too (nil: the delivery controller sends
	// them after the write).
	Inline *delivery.Inline
	// Pressure hears how late the passes at a due time run.
	Pressure *delivery.Pressure

	// escalationsCreated are the Escalations created here whose creation
	// the watch has not reported yet.
	escalationsCreated selfCreated
}

// +kubebuilder:rbac:groups=support.servicedesk.dev,resources=complaints,verbs=get;list;watch;patch;delete
// +kubebuilder:rbac:groups=support.servicedesk.dev,resources=complaints/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=support.servicedesk.dev,resources=servicepolicies,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=support.servicedesk.dev,resources=escalations,verbs=get;list;watch;create;delete
// +kubebuilder:rbac:groups=support.servicedesk.dev,resources=complaints/finalizers,verbs=update
// +kubebuilder:rbac:groups=support.servicedesk.dev,resources=remedies,verbs=get;list;watch;create;delete

// Reconcile brings the complaint's status up to date and schedules the
// next look: it gathers the scope once and runs the phases in order.
func (r *ComplaintReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	s, err := r.gather(ctx, req)
	if s == nil || err != nil {
		return ctrl.Result{}, err
	}
	if due := s.complaint.Status.NextDueAt; due != nil && !s.now.Before(due.Time) {
		r.Pressure.Late(s.now.Sub(due.Time)) // bookkeeping yields while deadlines run late
	}
	for _, p := range complaintPhases {
		if err := p.run(r, ctx, s); err != nil {
			if apierrors.IsConflict(err) {
				// Decided from a stale view: decide again from the latest.
				return requeue.AfterConflict(), nil
			}
			return ctrl.Result{}, fmt.Errorf("%s: %w", p.name, err)
		}
		if s.done {
			break
		}
	}
	return s.result, nil
}

// SetupWithManager registers the reconciler and its watches.
func (r *ComplaintReconciler) SetupWithManager(mgr ctrl.Manager) error {
	r.escalationsCreated = newSelfCreated(r.Clock)
	return ctrl.NewControllerManagedBy(mgr).
		// A complaint being deleted is looked at on every change: the
		// outcome of its Archived delivery lets it go.
		Watches(&supportv1.Complaint{}, r.enqueueByPriority(), builder.WithPredicates(predicate.Or[client.Object](predicate.GenerationChangedPredicate{}, predicate.LabelChangedPredicate{}, beingDeleted))).
		Watches(&supportv1.ServicePolicy{}, handler.EnqueueRequestsFromMapFunc(r.complaintsOfNamespace), builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		// Escalations created here are known to their complaint already.
		Watches(&supportv1.Escalation{}, handler.EnqueueRequestsFromMapFunc(complaintOfEscalation), builder.WithPredicates(predicate.Or[client.Object](predicate.GenerationChangedPredicate{}, acknowledgementStamped), r.notCreatedHere())).
		Watches(&supportv1.Remedy{}, handler.EnqueueRequestForOwner(mgr.GetScheme(), mgr.GetRESTMapper(), &supportv1.Complaint{}, handler.OnlyControllerOwner()), builder.WithPredicates(remedyReported())).
		WithOptions(controller.Options{MaxConcurrentReconciles: r.Workers, ReconciliationTimeout: r.Timeout}).
		Named("complaint").
		Complete(r)
}

// enqueueByPriority queues a complaint by queuePriority: overdue and new
// complaints before the rest.
func (r *ComplaintReconciler) enqueueByPriority() handler.EventHandler {
	add := func(q workqueue.TypedRateLimitingInterface[reconcile.Request], o client.Object, initialList bool) {
		req := reconcile.Request{NamespacedName: client.ObjectKeyFromObject(o)}
		pq, ok := q.(priorityqueue.PriorityQueue[reconcile.Request])
		c, isComplaint := o.(*supportv1.Complaint)
		if !ok || !isComplaint {
			q.Add(req)
			return
		}
		pq.AddWithOpts(priorityqueue.AddOpts{Priority: ptr.To(queuePriority(c, initialList, r.Clock.Now()))}, req)
	}
	return handler.Funcs{
		CreateFunc: func(_ context.Context, e event.CreateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			add(q, e.Object, e.IsInInitialList)
		},
		UpdateFunc: func(_ context.Context, e event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			add(q, e.ObjectNew, false)
		},
	}
}

// complaintsOfNamespace re-evaluates every complaint a policy may govern:
// a policy change can change which policy wins anywhere in its namespace.
func (r *ComplaintReconciler) complaintsOfNamespace(ctx context.Context, o client.Object) []reconcile.Request {
	var list supportv1.ComplaintList
	if err := r.List(ctx, &list, client.InNamespace(o.GetNamespace()), client.UnsafeDisableDeepCopy); err != nil {
		return nil
	}
	// Closed complaints matter only to a policy that retires them.
	retains := false
	if p, ok := o.(*supportv1.ServicePolicy); ok {
		retains = p.Spec.Retention != nil
	}
	reqs := make([]reconcile.Request, 0, len(list.Items))
	for _, c := range list.Items {
		if c.Status.Phase == supportv1.PhaseClosed && !retains {
			continue
		}
		reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&c)})
	}
	return reqs
}

// notCreatedHere passes every Escalation event but the report of one this
// reconciler created.
func (r *ComplaintReconciler) notCreatedHere() predicate.Predicate {
	return predicate.Funcs{CreateFunc: func(e event.CreateEvent) bool {
		return !r.escalationsCreated.take(e.Object.GetUID())
	}}
}

// acknowledgementStamped passes the status write that stamps an
// escalation's acknowledgement (status.acknowledgedAt): its complaint's
// ackTimeout counts from that stamp.
var acknowledgementStamped = predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
	o, okOld := e.ObjectOld.(*supportv1.Escalation)
	n, okNew := e.ObjectNew.(*supportv1.Escalation)
	return okOld && okNew && o.Status.AcknowledgedAt == nil && n.Status.AcknowledgedAt != nil
}, CreateFunc: func(event.CreateEvent) bool { return false }, DeleteFunc: func(event.DeleteEvent) bool { return false },
	GenericFunc: func(event.GenericEvent) bool { return false }}

func complaintOfEscalation(_ context.Context, o client.Object) []reconcile.Request {
	esc := o.(*supportv1.Escalation)
	return []reconcile.Request{{NamespacedName: client.ObjectKey{Namespace: esc.Namespace, Name: esc.Spec.ComplaintName}}}
}

// Queue priorities of the complaint controller: a deadline first, then a
// complaint waiting for its first due times, then people's edits, and last
// the resync of complaints that have nothing due (after a restart, the
// overdue ones are escalated before the thousands with nothing to do).
const (
	priorityDue    = 100
	priorityIntake = 50
	priorityEdit   = 0
	priorityResync = -100 // handler.LowPriority
)

// queuePriority is where a complaint seen by the watch goes in the queue.
func queuePriority(c *supportv1.Complaint, initialList bool, now time.Time) int {
	switch {
	case c.Status.Phase == "":
		return priorityIntake
	case c.Status.NextDueAt != nil && !now.Before(c.Status.NextDueAt.Time):
		return priorityDue
	case initialList:
		return priorityResync
	}
	return priorityEdit
}
