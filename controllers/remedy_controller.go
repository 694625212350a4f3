package controllers

import (
	"context"
	"fmt"
	"maps"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/internal/requeue"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/sla"
	"github.com/servicedesk-operator/servicedesk-operator/internal/text"
)

// RemedyReconciler runs a department's clock on each Remedy: it reads the
// department's report (spec.fulfilment), decides the remedy's status with
// sla.EvaluateRemedy, escalates a missed target once (an Escalation with
// reason RemedyOverdue, to the department's destinations) and writes the
// status, its one writer.
type RemedyReconciler struct {
	client.Client
	Clock    clock.PassiveClock
	Recorder events.EventRecorder
	Metrics  *Metrics
	// Workers bounds parallel reconciles; Timeout bounds one.
	Workers int
	Timeout time.Duration
}

// +kubebuilder:rbac:groups=support.servicedesk.dev,resources=remedies,verbs=get;list;watch;create;delete
// +kubebuilder:rbac:groups=support.servicedesk.dev,resources=remedies/status,verbs=get;update;patch

// Reconcile brings the remedy's status up to date and schedules the next look.
func (r *RemedyReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var rem supportv1.Remedy
	if err := r.Get(ctx, req.NamespacedName, &rem); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	in, complaint, err := r.gather(ctx, &rem)
	if err != nil {
		return ctrl.Result{}, err
	}
	res := sla.EvaluateRemedy(in)
	if res.Overdue && complaint != nil {
		name, err := r.escalate(ctx, &rem, complaint, res.Status.Clock.DueAt)
		if err != nil {
			return ctrl.Result{}, fmt.Errorf("escalate: %w", err)
		}
		res.Status.Escalation = name
	}
	if !equality.Semantic.DeepEqual(rem.Status, res.Status) {
		rem.Status = res.Status
		if err := r.Status().Update(ctx, &rem); err != nil {
			if apierrors.IsConflict(err) {
				return requeue.AfterConflict(), nil
			}
			return ctrl.Result{}, err
		}
		r.Metrics.observeRemedy(&rem, res)
		for _, t := range res.Transitions {
			typ := corev1.EventTypeNormal
			if t.Warning {
				typ = corev1.EventTypeWarning
			}
			r.Recorder.Eventf(&rem, nil, typ, t.Reason, t.Reason, "%s", t.Message)
		}
	}
	result := requeue.At(res.Next, r.Clock.Now())
	return result, nil
}

// gather reads what the remedy's status is decided from: its complaint
// (from the cache), whether the complaint still asks for it, and its
// department in the complaint's policy.
func (r *RemedyReconciler) gather(ctx context.Context, rem *supportv1.Remedy) (sla.RemedyInput, *supportv1.Complaint, error) {
	in := sla.RemedyInput{Remedy: rem, FulfilledAt: sla.FulfilmentRecordedAt(rem), Now: r.Clock.Now()}
	var c supportv1.Complaint
	err := r.Get(ctx, client.ObjectKey{Namespace: rem.Namespace, Name: rem.Spec.ComplaintName}, &c)
	if apierrors.IsNotFound(err) {
		return in, nil, nil
	} else if err != nil {
		return in, nil, err
	}
	if !metav1.IsControlledBy(rem, &c) {
		return in, nil, nil // another complaint of the same name
	}
	in.Current = sla.RemedyCurrent(&c, rem)
	if c.Status.Policy == "" {
		return in, &c, nil
	}
	var p supportv1.ServicePolicy
	if err := r.Get(ctx, client.ObjectKey{Namespace: rem.Namespace, Name: c.Status.Policy}, &p); err != nil {
		return in, &c, client.IgnoreNotFound(err)
	}
	in.Department = p.Spec.Recovery.Department(rem.Spec.Department).DeepCopy()
	in.AtRiskPercent = p.Spec.Targets.AtRiskPercent
	return in, &c, nil
}

// escalate creates the remedy's RemedyOverdue escalation once
// (<remedy>-overdue), owned by its complaint and carrying its labels (a
// shard's selector keeps them together).
func (r *RemedyReconciler) escalate(ctx context.Context, rem *supportv1.Remedy, c *supportv1.Complaint, due *metav1.Time) (string, error) {
	esc := &supportv1.Escalation{
		ObjectMeta: metav1.ObjectMeta{Name: text.JoinName(rem.Name, "overdue"), Namespace: rem.Namespace, Labels: maps.Clone(c.Labels)},
		Spec: supportv1.EscalationSpec{
			ComplaintName: c.Name, Level: 1, LevelName: rem.Spec.Department, Reason: supportv1.ReasonRemedyOverdue,
			RemedyName: rem.Name, BreachedAt: due,
		},
	}
	if err := controllerutil.SetControllerReference(c, esc, r.Scheme()); err != nil {
		return "", err
	}
	if err := r.Create(ctx, esc); err != nil && !apierrors.IsAlreadyExists(err) {
		return "", err
	}
	return esc.Name, nil
}

// SetupWithManager registers the reconciler and its watches: its remedies'
// spec (the department's report), their complaint's round (set aside,
// replaced, resolved), and their departments' targets in the policies.
func (r *RemedyReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&supportv1.Remedy{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&supportv1.Complaint{}, handler.EnqueueRequestsFromMapFunc(r.remediesOfComplaint), builder.WithPredicates(complaintRemedyRound())).
		Watches(&supportv1.ServicePolicy{}, handler.EnqueueRequestsFromMapFunc(r.pendingRemediesOfNamespace), builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		WithOptions(controller.Options{MaxConcurrentReconciles: r.Workers, ReconciliationTimeout: r.Timeout}).
		Named("remedy").
		Complete(r)
}

// complaintRemedyRound passes the complaint changes a remedy's status
// depends on: a new round, a resolution set aside or reopened, its policy,
// its spec, and its going.
func complaintRemedyRound() predicate.Predicate {
	return predicate.Funcs{
		CreateFunc: func(event.CreateEvent) bool { return false },
		UpdateFunc: func(e event.UpdateEvent) bool {
			o, n := e.ObjectOld.(*supportv1.Complaint), e.ObjectNew.(*supportv1.Complaint)
			return o.Generation != n.Generation || o.Status.Policy != n.Status.Policy ||
				!o.Status.RemediesRequestedAt.Equal(n.Status.RemediesRequestedAt) ||
				!o.Status.ReopenedAt.Equal(n.Status.ReopenedAt) ||
				o.Status.Seen.FailedResolution != n.Status.Seen.FailedResolution ||
				o.Status.Seen.RejectedResolution != n.Status.Seen.RejectedResolution
		},
		DeleteFunc:  func(event.DeleteEvent) bool { return true },
		GenericFunc: func(event.GenericEvent) bool { return false },
	}
}

// remediesOfComplaint maps a complaint to its remedies not yet settled.
func (r *RemedyReconciler) remediesOfComplaint(ctx context.Context, o client.Object) []reconcile.Request {
	var list supportv1.RemedyList
	if err := r.List(ctx, &list, client.InNamespace(o.GetNamespace()), client.MatchingFields{indexRemedyComplaint: o.GetName()}, client.UnsafeDisableDeepCopy); err != nil {
		return nil
	}
	return pendingRemedies(list.Items)
}

// pendingRemediesOfNamespace maps a policy to the remedies of its
// namespace still pending: their department's target may have changed.
func (r *RemedyReconciler) pendingRemediesOfNamespace(ctx context.Context, o client.Object) []reconcile.Request {
	var list supportv1.RemedyList
	if err := r.List(ctx, &list, client.InNamespace(o.GetNamespace()), client.UnsafeDisableDeepCopy); err != nil {
		return nil
	}
	return pendingRemedies(list.Items)
}

func pendingRemedies(items []supportv1.Remedy) []reconcile.Request {
	var reqs []reconcile.Request
	for i := range items {
		if p := items[i].Status.Phase; p == "" || p == supportv1.RemedyPending {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&items[i])})
		}
	}
	return reqs
}
