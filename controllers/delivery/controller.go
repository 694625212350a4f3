package delivery

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/source"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/internal/requeue"
)

// Options configures the delivery subsystem.
type Options struct {
	// Clock tells the time (default the real clock).
	Clock clock.PassiveClock
	// Backoff spaces retries of a notification and probes of a backed-off
	// destination (default DefaultBackoff).
	Backoff Backoff
	// HTTPClient sends the requests (default: keep-alive, no redirects, no
	// proxy, and a dialer that enforces Destinations at connect time). A
	// client set here is used as is, for every webhook.
	HTTPClient *http.Client
	// Destinations decides which addresses requests may connect to.
	Destinations AddressPolicy
	// Workers bounds the requests in flight overall (default DefaultWorkers).
	Workers int
	// PerDestination bounds the requests in flight to one destination
	// (default DefaultPerDestination).
	PerDestination int
	// OnRefused, when set, is told of each attempt refused by Destinations,
	// with the namespace and name of the policy whose destination it was.
	// It must not block.
	OnRefused func(namespace, policy string)
	// ReconcileTimeout bounds one pass of a delivery controller.
	ReconcileTimeout time.Duration
	// Rand returns a number in [0,1) for jitter (tests pin it).
	Rand func() float64
}

// SetupWithManager registers the delivery subsystem: a Dispatcher that
// sends, and one small controller per ledger kind (Complaint, Escalation)
// that hands the due head of each destination's queue to it. The
// reconcilers of the lifecycle only ever append to the ledgers.
func SetupWithManager(mgr ctrl.Manager, opts Options) (*Dispatcher, error) {
	clk := opts.Clock
	if clk == nil {
		clk = clock.RealClock{}
	}
	if opts.Backoff.Base == 0 {
		opts.Backoff = DefaultBackoff
	}
	if opts.Rand == nil {
		opts.Rand = rand.Float64
	}
	hc := &clients{fixed: opts.HTTPClient, dial: &GuardedDialer{Policy: opts.Destinations}}
	d := &Dispatcher{Workers: opts.Workers, PerDestination: opts.PerDestination, Backoff: opts.Backoff, Clock: clk, Rand: opts.Rand}
	if err := mgr.Add(d); err != nil {
		return nil, err
	}
	rec := newRecorder(mgr.GetClient(), mgr.GetAPIReader())
	if err := mgr.Add(rec); err != nil {
		return nil, err
	}
	secrets := &secretCache{reader: mgr.GetAPIReader(), ttl: 10 * time.Second}
	sources := []ledgerKind{
		complaintSource{clock: clk, recorder: mgr.GetEventRecorder("complaint-delivery")},
		escalationSource{client: mgr.GetClient(), clock: clk, recorder: mgr.GetEventRecorder("escalation-delivery")},
	}
	for _, src := range sources {
		r := &deliveryReconciler{
			client: mgr.GetClient(), src: src, dispatcher: d, recorder: rec, secrets: secrets,
			sender: &Sender{}, clients: hc, onRefused: opts.OnRefused, clock: clk, backoff: opts.Backoff, rand: opts.Rand,
			track: tracker{m: map[types.UID]map[string]*trackState{}}, wake: make(chan event.GenericEvent, 1024),
		}
		obj := src.newObject()
		if err := ctrl.NewControllerManagedBy(mgr).
			For(obj, builder.WithPredicates(r.ledgerChanged())).
			WatchesRawSource(source.Channel(r.wake, &handler.EnqueueRequestForObject{})).
			WithOptions(controller.Options{MaxConcurrentReconciles: 2, ReconciliationTimeout: opts.ReconcileTimeout}).
			Named(lowerKind(src) + "-delivery").
			Complete(r); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func lowerKind(src ledgerKind) string {
	if src.kind() == "Complaint" {
		return "complaint"
	}
	return "escalation"
}

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
	sender    *Sender
	clients   *clients
	onRefused func(namespace, policy string)
	clock     clock.PassiveClock
	backoff   Backoff
	rand      func() float64
	track     tracker
	// wake re-runs an object's pass once an outcome is recorded.
	wake chan event.GenericEvent
}

// ledgerChanged passes the writes that change a ledger with work in it.
func (r *deliveryReconciler) ledgerChanged() predicate.Predicate {
	return predicate.Funcs{
		CreateFunc: func(e event.CreateEvent) bool { return Pending(r.src.ledger(e.Object)) > 0 },
		UpdateFunc: func(e event.UpdateEvent) bool {
			return Pending(r.src.ledger(e.ObjectNew)) > 0 &&
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
	heads, next := Heads(list, now)
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
		target := findTarget(policy.Spec.Notify, h.Target)
		r.track.set(uid, h.Target, &trackState{inFlight: true})
		if target == nil || target.Webhook == nil {
			why := fmt.Sprintf("destination %s is no longer in policy %s", h.Target, orNone(policyName))
			r.record(req.NamespacedName, uid, h.Target, Attempt{Record: Undeliverable(h, why)})
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

// attempt sends one notification, on a dispatcher worker. The object is read
// again from the cache at send time, so the payload is current and a
// notification that left the ledger meanwhile is not sent.
func (r *deliveryReconciler) attempt(ctx context.Context, name types.NamespacedName, uid types.UID, item supportv1.Notification, hook *supportv1.Webhook) Attempt {
	obj := r.src.newObject()
	if err := r.client.Get(ctx, name, obj); err != nil || obj.GetUID() != uid {
		return Attempt{Aborted: true}
	}
	if cur := find(r.src.ledger(obj), item.ID, item.Target); cur == nil || cur.Failed || cur.Attempts != item.Attempts {
		return Attempt{Aborted: true}
	}
	var secret []byte
	if ref := hook.SecretRef; ref != nil {
		v, err := r.secrets.get(ctx, obj.GetNamespace(), ref)
		if err != nil {
			// Nothing was sent: a failed attempt of ours, not the receiver's.
			return Attempt{Record: Decide(item, Result{Outcome: Retry, Message: err.Error()}, hook.MaxAttempts, r.backoff, r.clock.Now(), r.rand())}
		}
		secret = v
	}
	ev, err := r.src.event(ctx, obj, item, hook)
	if err != nil {
		// Sending again would not help: give up, loudly.
		return Attempt{Record: Decide(item, Result{Outcome: Gone, Message: "not sent: cannot build the event: " + err.Error()}, hook.MaxAttempts, r.backoff, r.clock.Now(), r.rand())}
	}
	var caPEM []byte
	if ref := hook.CASecretRef; ref != nil {
		v, err := r.secrets.getRaw(ctx, obj.GetNamespace(), ref)
		if err != nil {
			return Attempt{Record: Decide(item, Result{Outcome: Retry, Message: "caSecretRef: " + err.Error()}, hook.MaxAttempts, r.backoff, r.clock.Now(), r.rand())}
		}
		caPEM = v
	}
	hc, err := r.clients.get(caPEM)
	if err != nil {
		// The user may fix the Secret: a failed attempt of ours, retried.
		return Attempt{Record: Decide(item, Result{Outcome: Retry, Message: "caSecretRef: Secret " + hook.CASecretRef.Name + " key " + hook.CASecretRef.Key + ": " + err.Error()}, hook.MaxAttempts, r.backoff, r.clock.Now(), r.rand())}
	}
	sender := *r.sender
	sender.Client = hc
	if hook.Timeout != nil && hook.Timeout.Duration > 0 {
		sender.Timeout = hook.Timeout.Duration
	}
	// The signature's timestamp is taken as the request leaves, and the
	// retry instant as the attempt ends.
	started := time.Now()
	res, err := sender.Send(ctx, hook.URL, ev, secret, r.clock.Now())
	if err != nil {
		if ctx.Err() != nil {
			return Attempt{Aborted: true}
		}
		res = Result{Outcome: Retry, Message: err.Error()}
	}
	if res.Outcome == Refused {
		// Nothing left this process: the destination's health is not
		// concerned, and the policy is told so it can say why.
		if r.onRefused != nil {
			r.onRefused(obj.GetNamespace(), r.src.policy(obj))
		}
		return Attempt{Record: Decide(item, res, hook.MaxAttempts, r.backoff, r.clock.Now(), r.rand())}
	}
	requestDuration.WithLabelValues(outcomeLabel(res.Outcome)).Observe(time.Since(started).Seconds())
	o := Decide(item, res, hook.MaxAttempts, r.backoff, r.clock.Now(), r.rand())
	return Attempt{Record: o, Sent: true, ReceiverFailed: res.Outcome == Retry}
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

func find(list []supportv1.Notification, id, target string) *supportv1.Notification {
	if i := indexOf(list, id, target); i >= 0 {
		return &list[i]
	}
	return nil
}

func findTarget(notify []supportv1.NotifyTarget, name string) *supportv1.NotifyTarget {
	for i := range notify {
		if notify[i].Name == name {
			return &notify[i]
		}
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// tracker remembers, per object and destination, the head this process
// has on its way, and the last outcome it recorded: a pass that reads a
// cache not yet showing that outcome must not send the head again.
type tracker struct {
	mu sync.Mutex
	m  map[types.UID]map[string]*trackState
}

type trackState struct {
	inFlight bool
	// the last recorded outcome: its id, attempt count, and whether it
	// finished the notification (delivered or failed).
	id       string
	attempts int32
	finished bool
}

type headState int

const (
	headFree headState = iota
	headBusy
	headStale
)

func (t *tracker) state(uid types.UID, head supportv1.Notification) headState {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.m[uid][head.Target]
	switch {
	case s == nil:
		return headFree
	case s.inFlight:
		return headBusy
	case s.id == head.ID && (s.finished || head.Attempts < s.attempts):
		return headStale
	}
	t.delete(uid, head.Target) // the cache caught up
	return headFree
}

// settle forgets what the cache shows settled: destinations of uid with
// nothing pending in list and nothing in flight.
func (t *tracker) settle(uid types.UID, list []supportv1.Notification) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for target, s := range t.m[uid] {
		if !s.inFlight && !hasPending(list, target) {
			t.delete(uid, target)
		}
	}
}

func hasPending(list []supportv1.Notification, target string) bool {
	for _, n := range list {
		if n.Target == target && !n.Failed {
			return true
		}
	}
	return false
}

func (t *tracker) set(uid types.UID, target string, s *trackState) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m[uid] == nil {
		t.m[uid] = map[string]*trackState{}
	}
	t.m[uid][target] = s
}

// delete drops one entry; t.mu is held.
func (t *tracker) delete(uid types.UID, target string) {
	delete(t.m[uid], target)
	if len(t.m[uid]) == 0 {
		delete(t.m, uid)
	}
}

func (t *tracker) clear(uid types.UID, target string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.delete(uid, target)
}

func (t *tracker) forget(uid types.UID) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.m, uid)
}
