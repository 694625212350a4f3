package controllers

import (
	"context"
	"fmt"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/ladder"
)

// EscalationReconciler owns an escalation's notification and acknowledgement:
// it tells the level's destinations, and tracks the phase (Open,
// Acknowledged, Superseded, Closed).
type EscalationReconciler struct {
	client.Client
	Clock    clock.PassiveClock
	Recorder events.EventRecorder
	Notifier *Notifier
	// Reader reads around the cache before delivering.
	Reader client.Reader
}

// +kubebuilder:rbac:groups=support.servicedesk.dev,resources=escalations,verbs=get;list;watch;create
// +kubebuilder:rbac:groups=support.servicedesk.dev,resources=escalations/status,verbs=get;update;patch

// Reconcile notifies and tracks one escalation.
func (r *EscalationReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var esc supportv1.Escalation
	if err := r.Get(ctx, req.NamespacedName, &esc); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	// Gather: the complaint, its policy, the sibling escalations.
	var complaint supportv1.Complaint
	gone := false
	if err := r.Get(ctx, client.ObjectKey{Namespace: esc.Namespace, Name: esc.Spec.ComplaintName}, &complaint); apierrors.IsNotFound(err) {
		gone = true
	} else if err != nil {
		return ctrl.Result{}, err
	}
	var siblings supportv1.EscalationList
	if err := r.List(ctx, &siblings, client.InNamespace(esc.Namespace), client.MatchingFields{indexEscalationComplaint: esc.Spec.ComplaintName}); err != nil {
		return ctrl.Result{}, err
	}
	var notify []supportv1.NotifyTarget
	var levelTargets []string
	if !gone && complaint.Status.Policy != "" {
		var policy supportv1.ServicePolicy
		if err := r.Get(ctx, client.ObjectKey{Namespace: esc.Namespace, Name: complaint.Status.Policy}, &policy); err == nil {
			notify = policy.Spec.Notify
			levelTargets = levelNotify(&policy, &esc)
		} else if !apierrors.IsNotFound(err) {
			return ctrl.Result{}, err
		}
	}

	// Decide.
	views := make([]ladder.Escalation, 0, len(siblings.Items))
	for i := range siblings.Items {
		views = append(views, ladderView(&siblings.Items[i]))
	}
	phase := ladder.Phase(ladder.PhaseInput{
		Escalation:        ladderView(&esc),
		ComplaintGone:     gone,
		ComplaintResolved: !gone && (complaint.Status.ResolvedAt != nil || complaint.Status.ClosedAt != nil),
		Siblings:          views,
	})
	now := r.Clock.Now()
	st, transitions := nextEscalationStatus(&esc, phase, targetsFor(notify, supportv1.EventEscalated, levelTargets), now)

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
	if gone {
		return ctrl.Result{}, nil
	}
	if due, next := nextDue(esc.Status.Notifications, now); !due {
		return requeueAt(next, now), nil
	}
	// Deliver from the latest ledger, not a possibly stale cached copy.
	if err := r.Reader.Get(ctx, client.ObjectKeyFromObject(&esc), &esc); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	build := func(n supportv1.Notification, hook *supportv1.Webhook) (event.Event, error) {
		return buildEvent(&complaint, escalationRef(&esc), n, hook)
	}
	list, out := r.Notifier.Deliver(ctx, esc.Namespace, notify, esc.Status.Notifications, build, now)
	before := esc.Status.DeepCopy()
	recordDeliveries(&esc.Status, esc.Generation, list, out.Delivered, now)
	if !equality.Semantic.DeepEqual(*before, esc.Status) {
		if err := r.Status().Update(ctx, &esc); err != nil {
			if apierrors.IsConflict(err) {
				return ctrl.Result{Requeue: true}, nil
			}
			return ctrl.Result{}, err
		}
	}
	for _, f := range out.Failed {
		r.Recorder.Eventf(&esc, nil, corev1.EventTypeWarning, supportv1.ReasonDeliveryFailed, "Notify",
			"%s notification %s to %s failed: %s", f.Event, f.ID, f.Target, f.LastError)
	}
	return requeueAt(out.Next, r.Clock.Now()), nil
}

// levelNotify is the notify list of the escalation's level in the policy.
func levelNotify(p *supportv1.ServicePolicy, esc *supportv1.Escalation) []string {
	if p.Spec.Escalation == nil {
		return nil
	}
	levels := p.Spec.Escalation.Levels
	for _, l := range levels {
		if esc.Spec.LevelName != "" && l.Name == esc.Spec.LevelName {
			return l.Notify
		}
	}
	if i := int(esc.Spec.Level) - 1; i >= 0 && i < len(levels) {
		return levels[i].Notify
	}
	return nil
}

func escalationRef(e *supportv1.Escalation) *EscalationRef {
	return &EscalationRef{Name: e.Name, Level: e.Spec.Level, LevelName: e.Spec.LevelName, Reason: e.Spec.Reason,
		RequestedBy: e.Spec.RequestedBy, Question: e.Spec.Question}
}

func describe(e *supportv1.Escalation) string {
	if e.Spec.Reason == supportv1.ReasonRequested {
		return fmt.Sprintf("%s asks: %s", e.Spec.RequestedBy, e.Spec.Question)
	}
	return string(e.Spec.Reason)
}

func decisionSuffix(e *supportv1.Escalation) string {
	if e.Spec.Acknowledgement.Decision == "" {
		return ""
	}
	return "; decision: " + e.Spec.Acknowledgement.Decision
}

func setEscalationConditions(st *supportv1.EscalationStatus, gen int64, now time.Time) {
	notified := metav1.Condition{Type: supportv1.ConditionNotified, ObservedGeneration: gen, LastTransitionTime: metav1.NewTime(now)}
	switch {
	case st.NotifiedAt != nil:
		notified.Status, notified.Reason, notified.Message = metav1.ConditionTrue, supportv1.ReasonDelivered, "the level's destinations were told"
	case pending(st.Notifications) == 0 && len(st.Notifications) > 0:
		notified.Status, notified.Reason, notified.Message = metav1.ConditionFalse, supportv1.ReasonDeliveryFailed, "every delivery gave up: "+st.Notifications[0].LastError
	default:
		notified.Status, notified.Reason, notified.Message = metav1.ConditionFalse, "Pending", "deliveries are pending"
	}
	apimeta.SetStatusCondition(&st.Conditions, notified)
	apimeta.SetStatusCondition(&st.Conditions, metav1.Condition{Type: supportv1.ConditionReady, Status: metav1.ConditionTrue,
		Reason: supportv1.ReasonReconciled, Message: "phase " + string(st.Phase), ObservedGeneration: gen, LastTransitionTime: metav1.NewTime(now)})
}

// SetupWithManager registers the reconciler and its watches.
func (r *EscalationReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&supportv1.Escalation{}).
		Watches(&supportv1.Complaint{}, handler.EnqueueRequestsFromMapFunc(r.escalationsOfComplaint)).
		Named("escalation").
		Complete(r)
}

// escalationsOfComplaint maps a complaint (and, through For, a sibling) to
// its escalations.
func (r *EscalationReconciler) escalationsOfComplaint(ctx context.Context, o client.Object) []reconcile.Request {
	var list supportv1.EscalationList
	if err := r.List(ctx, &list, client.InNamespace(o.GetNamespace()), client.MatchingFields{indexEscalationComplaint: o.GetName()}); err != nil {
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(list.Items))
	for _, e := range list.Items {
		if e.Status.Phase == supportv1.EscalationOpen || e.Status.Phase == "" {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&e)})
		}
	}
	return reqs
}
