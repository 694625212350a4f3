package controllers

import (
	"context"
	"fmt"
	"strings"
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
	"github.com/servicedesk-operator/servicedesk-operator/controllers/internal/requeue"
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

// escalationPhases run in this order on the scope.
var escalationPhases = []struct {
	name string
	run  func(*EscalationReconciler, context.Context, *escalationScope) error
}{
	{"decide", (*EscalationReconciler).decide},   // ladder.Phase, nextEscalationStatus → status, transitions
	{"write", (*EscalationReconciler).write},     // the status → the API server (one update)
	{"observe", (*EscalationReconciler).observe}, // transitions → Events
}

// Reconcile tracks one escalation: it gathers the scope once and runs the
// phases in order.
func (r *EscalationReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	s, result, err := r.gather(ctx, req)
	if s == nil || err != nil {
		return result, err
	}
	for _, p := range escalationPhases {
		if err := p.run(r, ctx, s); err != nil {
			if apierrors.IsConflict(err) {
				return requeue.AfterConflict(), nil
			}
			return ctrl.Result{}, fmt.Errorf("%s: %w", p.name, err)
		}
	}
	return ctrl.Result{}, nil
}

// decide decides the escalation's phase among its siblings, then its status.
func (r *EscalationReconciler) decide(_ context.Context, s *escalationScope) error {
	views := make([]ladder.Escalation, 0, len(s.siblings))
	for i := range s.siblings {
		views = append(views, ladderView(&s.siblings[i]))
	}
	c := s.complaint
	s.facts.Phase = ladder.Phase(ladder.PhaseInput{
		Escalation:        ladderView(s.esc),
		ComplaintGone:     s.gone,
		ComplaintResolved: c != nil && (c.Status.ResolvedAt != nil || c.Status.ClosedAt != nil),
		RemedySettled:     s.remedySettled,
		Siblings:          views,
	})
	s.status, s.transitions = nextEscalationStatus(s.esc, s.facts, s.now)
	return nil
}

// write sends the status when it changed.
func (r *EscalationReconciler) write(ctx context.Context, s *escalationScope) error {
	if equality.Semantic.DeepEqual(s.esc.Status, s.status) || untouchedLevel(s.esc, s.status, s.transitions) {
		return nil
	}
	s.esc.Status = s.status
	return r.Status().Update(ctx, s.esc)
}

// observe tells the transitions in Events.
func (r *EscalationReconciler) observe(_ context.Context, s *escalationScope) error {
	for _, t := range s.transitions {
		r.Recorder.Eventf(s.esc, nil, corev1.EventTypeNormal, t.Reason, t.Reason, "%s", t.Message)
	}
	return nil
}

// SetupWithManager registers the reconciler and its watches.
func (r *EscalationReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&supportv1.Escalation{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&supportv1.Complaint{}, handler.EnqueueRequestsFromMapFunc(r.escalationsOfComplaint), builder.WithPredicates(complaintEscalationFacts())).
		Watches(&supportv1.Remedy{}, handler.EnqueueRequestsFromMapFunc(escalationOfRemedy), builder.WithPredicates(remedySettled())).
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
				len(o.Status.Escalations) != len(n.Status.Escalations) ||
				announcements(o.Status.Notifications) != announcements(n.Status.Notifications)
		},
	}
}

// announcements fingerprints the notifications a complaint queued about its
// ladder levels: what their Notified condition shows.
func announcements(list []supportv1.Notification) string {
	var b strings.Builder
	for _, n := range list {
		if n.Escalation != "" && (n.Attempts > 0 || n.Failed) {
			fmt.Fprintf(&b, "%s/%s/%d/%t;", n.ID, n.Target, n.Attempts, n.Failed)
		}
	}
	return b.String()
}

// remedySettled passes a remedy's move out of Pending: its overdue
// escalation closes.
func remedySettled() predicate.Predicate {
	return predicate.Funcs{
		CreateFunc: func(event.CreateEvent) bool { return false },
		UpdateFunc: func(e event.UpdateEvent) bool {
			o, n := e.ObjectOld.(*supportv1.Remedy), e.ObjectNew.(*supportv1.Remedy)
			return n.Status.Escalation != "" && o.Status.Phase != n.Status.Phase
		},
		DeleteFunc:  func(e event.DeleteEvent) bool { return e.Object.(*supportv1.Remedy).Status.Escalation != "" },
		GenericFunc: func(event.GenericEvent) bool { return false },
	}
}

// escalationOfRemedy maps a remedy to its overdue escalation, if any.
func escalationOfRemedy(_ context.Context, o client.Object) []reconcile.Request {
	if name := o.(*supportv1.Remedy).Status.Escalation; name != "" {
		return []reconcile.Request{{NamespacedName: client.ObjectKey{Namespace: o.GetNamespace(), Name: name}}}
	}
	return nil
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
