package delivery

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/ledger"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/webhook"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/internal/requeue"
	"github.com/servicedesk-operator/servicedesk-operator/internal/text"
)

// deliveryReconciler hands the due heads of one kind's ledgers to the
// dispatcher and never waits on a receiver itself.
type deliveryReconciler struct {
	client     client.Client
	src        ledgerKind
	dispatcher *Dispatcher
	recorder   *recorder
	secrets    *secretCache
	// sender is the template of each attempt's Sender (its Client comes
	// from clients).
	sender    *webhook.Sender
	clients   *webhook.Clients
	onRefused func(namespace, policy string)
	clock     clock.PassiveClock
	backoff   webhook.Backoff
	rand      func() float64
	// metrics times the requests (nil: not recorded).
	metrics *Metrics
	track   tracker
	// held are outcomes of inline deliveries not known to be written
	// (Complaint kind only; nil otherwise).
	held *heldOutcomes
	// wake re-runs an object's pass once an outcome is recorded.
	wake chan event.GenericEvent
}

// ledgerChanged passes the writes that change a ledger with work in it.
func (r *deliveryReconciler) ledgerChanged() predicate.Predicate {
	return predicate.Funcs{
		CreateFunc: func(e event.CreateEvent) bool { return ledger.Pending(r.src.ledger(e.Object)) > 0 },
		UpdateFunc: func(e event.UpdateEvent) bool {
			return ledger.Pending(r.src.ledger(e.ObjectNew)) > 0 &&
				(!equality.Semantic.DeepEqual(r.src.ledger(e.ObjectOld), r.src.ledger(e.ObjectNew)) || r.src.policy(e.ObjectOld) != r.src.policy(e.ObjectNew))
		},
		DeleteFunc: func(e event.DeleteEvent) bool {
			r.track.forget(e.Object.GetUID())
			return false
		},
		GenericFunc: func(event.GenericEvent) bool { return true },
	}
}

// staleRecheck is how soon an object is looked at again when the cache has
// not yet caught up with an outcome this process recorded.
const staleRecheck = 500 * time.Millisecond

// Reconcile submits each destination's due head that is not already on its
// way, and schedules the next look at the earliest retry.
func (r *deliveryReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	obj := r.src.newObject()
	if err := r.client.Get(ctx, req.NamespacedName, obj); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	now := r.clock.Now()
	list := r.src.ledger(obj)
	r.track.settle(obj.GetUID(), list)
	heads, next := ledger.Heads(list, now)
	if len(heads) == 0 {
		return requeue.At(next, now), nil
	}
	policyName := r.src.policy(obj)
	var policy supportv1.ServicePolicy
	if policyName != "" {
		if err := r.client.Get(ctx, client.ObjectKey{Namespace: obj.GetNamespace(), Name: policyName}, &policy); client.IgnoreNotFound(err) != nil {
			return ctrl.Result{}, err
		}
	}
	uid := obj.GetUID()
	for _, h := range heads {
		switch r.track.state(uid, h) {
		case headBusy:
			continue
		case headStale:
			next = requeue.Earliest(next, now.Add(staleRecheck))
			continue
		}
		r.track.set(uid, h.Target, &trackState{inFlight: true})
		if rec, ok := r.held.take(uid, h.ID, h.Target); ok {
			// Sent inline already: record it, never send it again.
			r.record(req.NamespacedName, uid, h.Target, Attempt{Record: rec})
			continue
		}
		target := findTarget(policy.Spec.Notify, h.Target)
		if target == nil || target.Webhook == nil {
			why := fmt.Sprintf("destination %s is no longer in policy %s", h.Target, text.OrNone(policyName))
			r.record(req.NamespacedName, uid, h.Target, Attempt{Record: ledger.Undeliverable(h, why)})
			continue
		}
		hook := target.Webhook.DeepCopy()
		item := h
		name := req.NamespacedName
		r.dispatcher.Submit(&Job{
			Lane: obj.GetNamespace() + "/" + policyName + "/" + h.Target,
			Run:  func(ctx context.Context) Attempt { return r.attempt(ctx, name, uid, item, hook) },
			Done: func(a Attempt) { r.record(name, uid, item.Target, a) },
		})
	}
	return requeue.At(next, now), nil
}

// record writes an attempt's outcome, then frees the destination's head and
// looks at the object again.
func (r *deliveryReconciler) record(name types.NamespacedName, uid types.UID, target string, a Attempt) {
	o := a.Record
	if a.Aborted {
		r.track.clear(uid, target)
		r.poke(name)
		return
	}
	r.recorder.record(r.src, name, uid, o, func(written bool) {
		if written {
			r.track.set(uid, o.Target, &trackState{id: o.ID, attempts: o.Attempts, finished: o.Delivered || o.Failed})
		} else {
			r.track.clear(uid, o.Target)
		}
		r.poke(name)
	})
}

func (r *deliveryReconciler) poke(name types.NamespacedName) {
	obj := r.src.newObject()
	obj.SetNamespace(name.Namespace)
	obj.SetName(name.Name)
	select {
	case r.wake <- event.GenericEvent{Object: obj}:
	default: // full: the watch event of the write wakes it anyway
	}
}

func findTarget(notify []supportv1.NotifyTarget, name string) *supportv1.NotifyTarget {
	for i := range notify {
		if notify[i].Name == name {
			return &notify[i]
		}
	}
	return nil
}
