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
		items := r.run(uid, list, h, now)
		name := req.NamespacedName
		var recs []ledger.Record // written by Run, read by Done after it
		r.dispatcher.Submit(&Job{
			Lane: obj.GetNamespace() + "/" + policyName + "/" + h.Target,
			Run:  func(ctx context.Context) Attempt { return r.attemptRun(ctx, name, uid, items, hook, &recs) },
			Done: func(a Attempt) { r.recordRun(name, uid, h.Target, recs, a) },
		})
	}
	return requeue.At(next, now), nil
}

// maxRun bounds the notifications one job sends to a destination.
const maxRun = 8

// run is the head h and the due notifications queued behind it for the
// same destination, in order (at most maxRun; none sent inline already):
// a breach's Breached and Escalated go out one after the other, without
// the second waiting for the first's outcome to be written.
func (r *deliveryReconciler) run(uid types.UID, list []supportv1.Notification, h supportv1.Notification, now time.Time) []supportv1.Notification {
	items := []supportv1.Notification{h}
	behind := false
	for _, n := range list {
		if len(items) == maxRun {
			break
		}
		if n.Target != h.Target || n.Failed {
			continue
		}
		if !behind {
			behind = n.ID == h.ID
			continue
		}
		if n.NextAttemptAt != nil && now.Before(n.NextAttemptAt.Time) || r.held.has(uid, n.ID, n.Target) {
			break
		}
		items = append(items, n)
	}
	return items
}

// attemptRun attempts items in order, stopping at the first not
// delivered; recs gets each attempt's outcome. Its Attempt tells the
// dispatcher about the destination (Sent by any, the last one's failure).
func (r *deliveryReconciler) attemptRun(ctx context.Context, name types.NamespacedName, uid types.UID, items []supportv1.Notification, hook *supportv1.Webhook, recs *[]ledger.Record) Attempt {
	var last Attempt
	for _, item := range items {
		a := r.attempt(ctx, name, uid, item, hook)
		if a.Aborted {
			break
		}
		*recs = append(*recs, a.Record)
		last.Sent = last.Sent || a.Sent
		last.ReceiverFailed, last.Record = a.ReceiverFailed, a.Record
		if !a.Record.Delivered {
			break
		}
	}
	last.Aborted = len(*recs) == 0
	return last
}

// recordRun writes a run's outcomes in one write, then frees the
// destination's head (as record does for one).
func (r *deliveryReconciler) recordRun(name types.NamespacedName, uid types.UID, target string, recs []ledger.Record, a Attempt) {
	if a.Aborted || len(recs) == 0 {
		r.record(name, uid, target, Attempt{Aborted: true})
		return
	}
	batch := make([]recorded, len(recs))
	for i, o := range recs {
		batch[i] = recorded{uid: uid, outcome: o, after: func(bool) {}}
	}
	earlier := make([]string, 0, len(recs)-1)
	for _, o := range recs[:len(recs)-1] {
		earlier = append(earlier, o.ID)
	}
	batch[len(batch)-1].after = r.afterRecord(name, uid, recs[len(recs)-1], earlier...)
	r.recorder.recordAll(r.src, name, batch)
}

// afterRecord is what follows the write of o (and of earlier, delivered
// before it in the same run): the tracker remembers them until the cache
// shows them (or forgets the head when nothing applied), and
// the object is looked at again.
func (r *deliveryReconciler) afterRecord(name types.NamespacedName, uid types.UID, o ledger.Record, earlier ...string) func(bool) {
	return func(written bool) {
		if written {
			r.track.set(uid, o.Target, &trackState{id: o.ID, attempts: o.Attempts, finished: o.Delivered || o.Failed, earlier: earlier})
		} else {
			r.track.clear(uid, o.Target)
		}
		r.poke(name)
	}
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
	r.recorder.record(r.src, name, uid, o, r.afterRecord(name, uid, o))
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
