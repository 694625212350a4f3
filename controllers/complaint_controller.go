package controllers

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
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
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/ledger"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/internal/requeue"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/ladder"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/sla"
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
	// Workers bounds parallel reconciles; Timeout bounds one.
	Workers int
	Timeout time.Duration

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

// Reconcile brings the complaint's status up to date and schedules the next look.
func (r *ComplaintReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	log := logf.FromContext(ctx)
	var complaint supportv1.Complaint
	if err := r.Get(ctx, req.NamespacedName, &complaint); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}

	// Gather.
	policy, reason, message, err := r.policyFor(ctx, &complaint)
	if err != nil {
		return ctrl.Result{}, err
	}
	if !complaint.DeletionTimestamp.IsZero() {
		return r.finalize(ctx, &complaint, policy)
	}
	if due, ok := retentionDue(&complaint, policy); ok && !r.Clock.Now().Before(due) {
		return ctrl.Result{}, r.retire(ctx, &complaint)
	}
	var escs supportv1.EscalationList
	// Read-only views of the cache: no deep copy on this hot path.
	if err := r.List(ctx, &escs, client.InNamespace(complaint.Namespace), client.MatchingFields{indexEscalationComplaint: complaint.Name}, client.UnsafeDisableDeepCopy); err != nil {
		return ctrl.Result{}, err
	}

	// Decide: clocks and lifecycle, then the ladder on the new status.
	now := r.Clock.Now()
	res := sla.Evaluate(sla.Input{Complaint: &complaint, Policy: policy, PolicyReason: reason, PolicyMessage: message, Now: now})
	st := &res.Status
	st.ObservedGeneration = complaint.Generation
	climb := ladder.Decide(ladderInput(&complaint, st, policy, escs.Items, now))
	next := requeue.Earliest(res.Next, climb.Next)

	// Act: create the levels reached (deterministic names: never twice).
	for _, c := range climb.Create {
		esc := newLevelEscalation(&complaint, c)
		if err := controllerutil.SetControllerReference(&complaint, esc, r.Scheme()); err != nil {
			return ctrl.Result{}, err
		}
		if err := r.createEscalation(ctx, esc); err != nil {
			return ctrl.Result{}, err
		}
		observeEscalation(esc, r.Clock.Now())
		escs.Items = append(escs.Items, *esc)
	}
	var escTransitions []sla.Transition
	st.Escalations, st.EscalationLevel, escTransitions = summarizeEscalations(complaint.Status.Escalations, escs.Items, now)
	setEscalatedCondition(st, complaint.Generation, now)
	sla.AppendHistory(st, escTransitions...)
	// Queued in the same write as the transitions: nothing fires twice,
	// nothing is lost.
	dropped := queueNotifications(&complaint, st, policy, res.Transitions)
	if err := r.writeStatus(ctx, &complaint, st); err != nil {
		if apierrors.IsConflict(err) {
			return ctrl.Result{Requeue: true}, nil
		}
		return ctrl.Result{}, err
	}
	if err := r.ensureArchiveFinalizer(ctx, &complaint, policy); err != nil {
		if apierrors.IsConflict(err) {
			return ctrl.Result{Requeue: true}, nil
		}
		return ctrl.Result{}, err
	}
	if due, ok := retentionDue(&complaint, policy); ok {
		next = requeue.Earliest(next, due)
	}
	observeTransitions(&complaint, st.Policy, res.Transitions, r.Clock.Now())
	for _, t := range complaintEvents(res.Transitions, escTransitions) {
		r.event(&complaint, t)
		log.V(1).Info("transition", "reason", t.Reason, "message", t.Message)
	}
	for _, d := range dropped {
		r.Recorder.Eventf(&complaint, nil, corev1.EventTypeWarning, supportv1.ReasonDeliveryFailed, "Notify", "notification dropped: more than %d pending: %s", ledger.MaxPending, d)
	}

	result := requeue.At(next, r.Clock.Now())
	if result.RequeueAfter > 0 {
		result.Priority = ptr.To(priorityDue) // the next look is a deadline
	}
	return result, nil
}

// createEscalation creates a level's escalation once. Should its name be
// taken by another complaint's escalation (complaint "a" at level "b-c" and
// complaint "a-b" at level "c"), a name qualified by the complaint's UID is used.
func (r *ComplaintReconciler) createEscalation(ctx context.Context, esc *supportv1.Escalation) error {
	err := r.Create(ctx, esc)
	if err == nil {
		r.escalationsCreated.add(esc.UID, r.Clock.Now())
	}
	if !apierrors.IsAlreadyExists(err) {
		return err
	}
	var other supportv1.Escalation
	if err := r.Reader.Get(ctx, client.ObjectKeyFromObject(esc), &other); err != nil {
		return err
	}
	if other.Spec.ComplaintName == esc.Spec.ComplaintName {
		return nil
	}
	esc.Name = ladder.Name(esc.Name, string(esc.OwnerReferences[0].UID)[:8])
	esc.ResourceVersion = ""
	if err := r.Create(ctx, esc); err == nil {
		r.escalationsCreated.add(esc.UID, r.Clock.Now())
	} else if !apierrors.IsAlreadyExists(err) {
		return err
	}
	return nil
}

// writeStatus writes st when it differs from what the complaint has.
func (r *ComplaintReconciler) writeStatus(ctx context.Context, c *supportv1.Complaint, st *supportv1.ComplaintStatus) error {
	if equality.Semantic.DeepEqual(c.Status, *st) {
		return nil
	}
	c.Status = *st
	// The cache's managedFields are compacted; sent back, the API server
	// would take them for the object's. Sent empty, it keeps its own.
	c.ManagedFields = nil
	return r.Status().Update(ctx, c)
}

func (r *ComplaintReconciler) event(c *supportv1.Complaint, t sla.Transition) {
	typ := corev1.EventTypeNormal
	if t.Warning {
		typ = corev1.EventTypeWarning
	}
	r.Recorder.Eventf(c, nil, typ, t.Reason, actionOf(t), "%s", t.Message)
}

// newLevelEscalation is the Escalation of a ladder level for a complaint.
// It carries the complaint's labels, so a shard's label selector
// (--watch-label-selector) puts both in the same shard.
func newLevelEscalation(c *supportv1.Complaint, l ladder.Create) *supportv1.Escalation {
	breach := metav1.NewTime(l.BreachedAt)
	var lbls map[string]string
	if len(c.Labels) > 0 {
		lbls = make(map[string]string, len(c.Labels))
		maps.Copy(lbls, c.Labels)
	}
	return &supportv1.Escalation{
		ObjectMeta: metav1.ObjectMeta{Name: l.Name, Namespace: c.Namespace, Labels: lbls},
		Spec: supportv1.EscalationSpec{
			ComplaintName: c.Name, Level: l.Level, LevelName: l.LevelName, Reason: l.Reason, BreachedAt: &breach,
		},
	}
}

// worthAnEvent says which transitions become Kubernetes Events: those a
// person acts on. The recording of a complaint is not one (the object and
// its history tell it), and at intake it would double the API writes.
func worthAnEvent(t sla.Transition) bool {
	return t.Event != supportv1.EventCreated
}

// complaintEvents are the Kubernetes Events of one pass. Events are API
// writes, so a breach and the ladder levels it reached are one Event: the
// levels are told in the Breached Event's message. Levels reached in a pass
// without a breach (a later climb) are one Escalated Event. Requests and
// acknowledgements are told by the Escalation's own Events; history keeps
// them all.
func complaintEvents(ts, escTransitions []sla.Transition) []sla.Transition {
	var out []sla.Transition
	breached := -1
	for _, t := range ts {
		if !worthAnEvent(t) {
			continue
		}
		if t.Event == supportv1.EventBreached {
			breached = len(out)
		}
		out = append(out, t)
	}
	var levels []string
	for _, t := range escTransitions {
		if isLevelReached(t) {
			levels = append(levels, t.Message)
		}
	}
	switch {
	case len(levels) == 0:
	case breached >= 0:
		out[breached].Message += "; " + strings.Join(levels, "; ")
	default:
		out = append(out, sla.Transition{Reason: string(supportv1.EventEscalated), Warning: true, Message: strings.Join(levels, "; ")})
	}
	return out
}

func actionOf(t sla.Transition) string {
	if t.Event != "" {
		return string(t.Event)
	}
	return t.Reason
}

// policyFor selects and compiles the complaint's policy.
func (r *ComplaintReconciler) policyFor(ctx context.Context, c *supportv1.Complaint) (*sla.Policy, string, string, error) {
	var list supportv1.ServicePolicyList
	if err := r.List(ctx, &list, client.InNamespace(c.Namespace), client.UnsafeDisableDeepCopy); err != nil {
		return nil, "", "", err
	}
	chosen, reason, message := sla.Select(list.Items, c)
	if chosen == nil {
		return nil, reason, message, nil
	}
	compiledPolicy, err := r.Policies.get(chosen)
	if err != nil {
		return nil, supportv1.ReasonInvalidPolicy, fmt.Sprintf("policy %s cannot be applied: %v", chosen.Name, err), nil
	}
	return compiledPolicy, reason, message, nil
}

// SetupWithManager registers the reconciler and its watches.
func (r *ComplaintReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		// A complaint being deleted is looked at on every change: the
		// outcome of its Archived delivery lets it go.
		Watches(&supportv1.Complaint{}, r.enqueueByPriority(), builder.WithPredicates(predicate.Or[client.Object](predicate.GenerationChangedPredicate{}, predicate.LabelChangedPredicate{}, beingDeleted))).
		Watches(&supportv1.ServicePolicy{}, handler.EnqueueRequestsFromMapFunc(r.complaintsOfNamespace), builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		// Escalations created here are known to their complaint already.
		Watches(&supportv1.Escalation{}, handler.EnqueueRequestsFromMapFunc(complaintOfEscalation), builder.WithPredicates(predicate.GenerationChangedPredicate{}, r.notCreatedHere())).
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

func complaintOfEscalation(_ context.Context, o client.Object) []reconcile.Request {
	esc := o.(*supportv1.Escalation)
	return []reconcile.Request{{NamespacedName: client.ObjectKey{Namespace: esc.Namespace, Name: esc.Spec.ComplaintName}}}
}
