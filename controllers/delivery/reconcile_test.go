package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	ctrlevent "sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	nt "github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/internal/deliverytest"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/ledger"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/webhook"
)

// ntPolicyWith is nt.Policy naming the given destinations.
func ntPolicyWith(targets ...supportv1.NotifyTarget) *supportv1.ServicePolicy {
	return &supportv1.ServicePolicy{
		ObjectMeta: metav1.ObjectMeta{Name: nt.Policy, Namespace: nt.Namespace},
		Spec:       supportv1.ServicePolicySpec{Notify: targets},
	}
}

// reconcileUntil runs the delivery controller's passes as a manager would
// (again whenever an outcome is recorded, or shortly after) until done
// holds for the stored ledger; pass makes one pass.
func (h *ntHarness) reconcileUntil(what string, done func([]supportv1.Notification) bool, pass func(req reconcile.Request) (reconcile.Result, error)) reconcile.Result {
	h.t.Helper()
	req := reconcile.Request{NamespacedName: h.name}
	deadline := time.Now().Add(5 * time.Second)
	for {
		res, err := pass(req)
		if err != nil {
			h.t.Fatalf("Reconcile: %v", err)
		}
		if done(h.ledger()) {
			return res
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting until %s; ledger %+v", what, h.ledger())
		}
		select {
		case <-h.r.wake:
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (h *ntHarness) reconcile(req reconcile.Request) (reconcile.Result, error) {
	return h.r.Reconcile(context.Background(), req)
}

func allFailed(list []supportv1.Notification) bool { return len(list) > 0 && ledger.Pending(list) == 0 }

// ---------------------------------------------------------------- Reconcile

// A notification whose destination left the policy (or whose policy is
// gone) is failed without an attempt, and the next one to it follows.
func TestReconcileFailsNotificationsWhoseDestinationLeftThePolicy(t *testing.T) {
	rcv := ntNewReceiver(t, "", nil)
	tests := []struct {
		name   string
		policy *supportv1.ServicePolicy
	}{
		{"destination removed from the policy", ntPolicyWith(ntTarget("chat", rcv.URL))},
		{"destination kept without a webhook", ntPolicyWith(supportv1.NotifyTarget{Name: "crm", Events: []supportv1.EventType{supportv1.EventBreached}})},
		{"policy has no destinations at all", ntPolicyWith()},
		{"policy deleted", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var objs []client.Object
			if tt.policy != nil {
				objs = append(objs, tt.policy)
			}
			h := ntNewHarness(t, []supportv1.Notification{nt.Item("e1", "crm"), nt.Retrying("e2", "crm", 2, nt.Now, "HTTP 500")}, objs...)
			h.r.dispatcher = &Dispatcher{}
			before := len(rcv.received())

			res := h.reconcileUntil("both are failed", allFailed, h.reconcile)
			h.r.recorder.wg.Wait()

			if len(rcv.received()) != before {
				t.Errorf("something was sent")
			}
			list := h.ledger()
			for i, id := range []string{"e1", "e2"} {
				x := ntFind(t, list, id)
				if !x.Failed || x.Attempts != int32(2*i) || x.NextAttemptAt != nil ||
					x.LastError != "destination crm is no longer in policy "+nt.Policy {
					t.Errorf("%s = %+v, want failed with its attempt count, saying crm left the policy", id, x)
				}
			}
			if res != (reconcile.Result{}) {
				t.Errorf("last pass returned %+v, want nothing more to do", res)
			}
			if w := h.warnings(); len(w) != 2 || !strings.Contains(w[0], "e1 to crm failed") || !strings.Contains(w[1], "e2 to crm failed") {
				t.Errorf("events = %v, want a warning for e1, then e2", w)
			}
		})
	}
}

// controller-runtime cancels a Reconcile's context as soon as it returns
// (ReconciliationTimeout is set: SetupWithManager passes ReconcileTimeout).
// An outcome Reconcile itself records (Undeliverable) is written by the
// recorder after that: it must still be written.
func TestReconcileRecordsUndeliverableOutcomesAfterItsContextEnds(t *testing.T) {
	var gate sync.RWMutex
	var writeErrs atomic.Int32
	cl := ntClient(t, []supportv1.Notification{nt.Item("e1", "crm")}, func(b *fake.ClientBuilder) {
		b.WithInterceptorFuncs(interceptor.Funcs{
			SubResourceUpdate: func(ctx context.Context, c client.Client, sub string, obj client.Object, opts ...client.SubResourceUpdateOption) error {
				gate.RLock() // the write happens once the pass has returned, as it may in a manager
				defer gate.RUnlock()
				if err := ctx.Err(); err != nil { // like a real client
					writeErrs.Add(1)
					return err
				}
				return c.SubResource(sub).Update(ctx, obj, opts...)
			},
		})
	}, ntPolicyWith())
	h := ntHarnessOn(t, cl)
	h.r.dispatcher = &Dispatcher{}

	h.reconcileUntil("e1 is failed", allFailed, func(req reconcile.Request) (reconcile.Result, error) {
		gate.Lock()
		defer gate.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel() // what controller-runtime does once Reconcile returns
		return h.r.Reconcile(ctx, req)
	})
	if n := writeErrs.Load(); n > 0 {
		t.Errorf("%d status writes were made with the finished pass's context", n)
	}
}

// End to end on the fake client: the due heads go through the dispatcher,
// each is sent once, in order per destination; the outcomes are recorded,
// and a destination waiting for its retry is looked at again then.
func TestReconcileDeliversThroughTheDispatcher(t *testing.T) {
	crm := ntNewReceiver(t, ntSecretValue, nil)
	pager := ntNewReceiver(t, ntSecretValue, ntStatus(500, nil, "pager down"))
	policy := ntPolicyWith(ntTarget("crm", crm.URL), ntTarget("pager", pager.URL))
	h := ntNewHarness(t, []supportv1.Notification{nt.Item("c1", "crm"), nt.Item("p1", "pager"), nt.Item("c2", "crm"), nt.Item("c3", "crm")},
		policy, ntSecret(ntSecretKey, ntSecretValue))
	d := &Dispatcher{Workers: 4, PerDestination: 2, Clock: h.clock, Rand: func() float64 { return 0 }}
	h.r.dispatcher = d
	dpStart(t, d)

	settled := func(list []supportv1.Notification) bool {
		return len(list) == 1 && list[0].ID == "p1" && list[0].Attempts == 1
	}
	h.reconcileUntil("crm got everything and p1 failed once", settled, h.reconcile)
	h.r.recorder.wg.Wait()
	// More passes at the same instant send nothing again.
	var res reconcile.Result
	for range 3 {
		var err error
		if res, err = h.reconcile(reconcile.Request{NamespacedName: h.name}); err != nil {
			t.Fatal(err)
		}
	}

	if ids := crm.ids(); strings.Join(ids, ",") != "c1,c2,c3" {
		t.Errorf("crm got %v, want c1, c2, c3 in order, each once", ids)
	}
	for _, hit := range crm.received() {
		if hit.VerifyErr != nil {
			t.Errorf("%s: %v", hit.ID, hit.VerifyErr)
		}
	}
	if ids := pager.ids(); strings.Join(ids, ",") != "p1" {
		t.Errorf("pager got %v, want p1 once (its retry is not due)", ids)
	}
	p1 := h.ledger()[0]
	if p1.NextAttemptAt == nil || !p1.NextAttemptAt.Time.Equal(nt.At(12, 0, 6)) || !strings.Contains(p1.LastError, "pager down") {
		t.Errorf("p1 = %+v, want a retry at 12:00:06 saying why", p1)
	}
	if want := nt.At(12, 0, 6).Sub(nt.Now); res.RequeueAfter != want {
		t.Errorf("RequeueAfter = %v, want %v (p1's retry)", res.RequeueAfter, want)
	}
	if _, _, off := d.Stats(nt.Namespace + "/" + nt.Policy + "/pager"); off {
		t.Errorf("one failure backed the pager off")
	}
	h.r.track.mu.Lock()
	tracked := len(h.r.track.m)
	h.r.track.mu.Unlock()
	if tracked != 1 {
		t.Errorf("tracker holds %d objects, want the complaint (p1's recorded attempt)", tracked)
	}
}

// A destination's due notifications go out in one job, one after the
// other, each only once the one before was delivered, and one write
// records them all: the second does not wait for the first's outcome to be
// written. A notification not delivered ends the run; what follows it
// waits for its retry.
func TestReconcileSendsARunOfADestinationAndRecordsItInOneWrite(t *testing.T) {
	crm := ntNewReceiver(t, ntSecretValue, func(n int) (int, http.Header, string) {
		if n == 2 {
			return http.StatusServiceUnavailable, nil, "busy"
		}
		return http.StatusNoContent, nil, ""
	})
	var writes atomic.Int32
	cl := ntClient(t, []supportv1.Notification{nt.Item("c1", "crm"), nt.Item("c2", "crm"), nt.Item("c3", "crm"), nt.Item("c4", "crm")},
		func(b *fake.ClientBuilder) {
			b.WithInterceptorFuncs(interceptor.Funcs{
				SubResourceUpdate: func(ctx context.Context, c client.Client, sub string, obj client.Object, opts ...client.SubResourceUpdateOption) error {
					writes.Add(1)
					return c.SubResource(sub).Update(ctx, obj, opts...)
				},
			})
		}, ntPolicyWith(ntTarget("crm", crm.URL)), ntSecret(ntSecretKey, ntSecretValue))
	h := ntHarnessOn(t, cl)
	d := &Dispatcher{Workers: 4, PerDestination: 1, Clock: h.clock, Rand: func() float64 { return 0 }}
	h.r.dispatcher = d
	dpStart(t, d)

	if _, err := h.reconcile(reconcile.Request{NamespacedName: h.name}); err != nil {
		t.Fatal(err)
	}
	settled := func(list []supportv1.Notification) bool {
		return len(list) == 2 && list[0].ID == "c3" && list[0].Attempts == 1
	}
	deadline := time.Now().Add(5 * time.Second)
	for !settled(h.ledger()) {
		if time.Now().After(deadline) {
			t.Fatalf("the run was not recorded: ledger %+v", h.ledger())
		}
		time.Sleep(10 * time.Millisecond)
	}
	h.r.recorder.wg.Wait()
	if ids := crm.ids(); strings.Join(ids, ",") != "c1,c2,c3" {
		t.Errorf("crm got %v from one pass, want c1, c2, c3 in order (c4 waits behind c3's retry)", ids)
	}
	if n := writes.Load(); n != 1 {
		t.Errorf("%d status writes recorded the run, want 1", n)
	}
	if c4 := h.ledger()[1]; c4.ID != "c4" || c4.Attempts != 0 {
		t.Errorf("c4 = %+v, want it pending and never attempted", c4)
	}
}

// A notification sent inline whose outcome is held is not sent again as
// part of a run: the run stops before it.
func TestRunStopsAtAHeldOutcome(t *testing.T) {
	r := &deliveryReconciler{held: newHeldOutcomes(clocktesting.NewFakePassiveClock(nt.Now))}
	list := []supportv1.Notification{nt.Item("a1", "crm"), nt.Item("b1", "pager"), nt.Item("a2", "crm"), nt.Item("a3", "crm"), nt.Item("a4", "crm")}
	r.held.keep("uid", []ledger.Record{{ID: "a3", Target: "crm", Delivered: true}})
	later := nt.Item("a2", "crm")
	later.NextAttemptAt = &metav1.Time{Time: nt.Now.Add(time.Minute)}
	ids := func(items []supportv1.Notification) string {
		var out []string
		for _, n := range items {
			out = append(out, n.ID)
		}
		return strings.Join(out, ",")
	}
	for _, tc := range []struct {
		name string
		list []supportv1.Notification
		uid  types.UID
		want string
	}{
		{"up to the held one", list, "uid", "a1,a2"},
		{"another object's held outcome does not count", list, "other", "a1,a2,a3,a4"},
		{"up to one not due", []supportv1.Notification{nt.Item("a1", "crm"), later, nt.Item("a3", "crm")}, "other", "a1"},
	} {
		if got := ids(r.run(tc.uid, tc.list, tc.list[0], nt.Now)); got != tc.want {
			t.Errorf("%s: run = %s, want %s", tc.name, got, tc.want)
		}
	}
}

// ---------------------------------------------------------------- predicate

func TestLedgerChangedPredicate(t *testing.T) {
	r := &deliveryReconciler{src: complaintSource{}, track: tracker{m: map[types.UID]map[string]*trackState{}}}
	p := r.ledgerChanged()
	with := func(policy string, list ...supportv1.Notification) *supportv1.Complaint {
		c := nt.Complaint()
		c.Status.Policy, c.Status.Notifications = policy, list
		return c
	}
	e1, e2 := nt.Item("e1", "crm"), nt.Item("e2", "crm")
	e1retry := nt.Retrying("e1", "crm", 1, nt.At(12, 0, 6), "HTTP 500")
	tests := []struct {
		name string
		run  func() bool
		want bool
	}{
		{"created with work", func() bool { return p.Create(ctrlevent.CreateEvent{Object: with(nt.Policy, e1)}) }, true},
		{"created with only failed items", func() bool {
			return p.Create(ctrlevent.CreateEvent{Object: with(nt.Policy, nt.FailedItem("f", "crm"))})
		}, false},
		{"created without a ledger", func() bool { return p.Create(ctrlevent.CreateEvent{Object: with(nt.Policy)}) }, false},
		{"item appended", func() bool {
			return p.Update(ctrlevent.UpdateEvent{ObjectOld: with(nt.Policy, e1), ObjectNew: with(nt.Policy, e1, e2)})
		}, true},
		{"attempt recorded", func() bool {
			return p.Update(ctrlevent.UpdateEvent{ObjectOld: with(nt.Policy, e1, e2), ObjectNew: with(nt.Policy, e1retry, e2)})
		}, true},
		{"ledger unchanged (another field written)", func() bool {
			n := with(nt.Policy, e1)
			n.Spec.Summary = "changed"
			return p.Update(ctrlevent.UpdateEvent{ObjectOld: with(nt.Policy, e1), ObjectNew: n})
		}, false},
		{"ledger unchanged, policy changed", func() bool {
			return p.Update(ctrlevent.UpdateEvent{ObjectOld: with(nt.Policy, e1), ObjectNew: with("other", e1)})
		}, true},
		{"last item delivered: nothing left to do", func() bool {
			return p.Update(ctrlevent.UpdateEvent{ObjectOld: with(nt.Policy, e1), ObjectNew: with(nt.Policy)})
		}, false},
		{"generic (an outcome was recorded)", func() bool { return p.Generic(ctrlevent.GenericEvent{Object: with(nt.Policy)}) }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.run(); got != tt.want {
				t.Errorf("predicate = %v, want %v", got, tt.want)
			}
		})
	}

	t.Run("delete forgets what was tracked", func(t *testing.T) {
		c := with(nt.Policy, e1)
		r.track.set(c.UID, "crm", &trackState{id: "e1", attempts: 1})
		if p.Delete(ctrlevent.DeleteEvent{Object: c}) {
			t.Errorf("a deletion triggers a pass")
		}
		if len(r.track.m) != 0 {
			t.Errorf("tracker still holds %v", r.track.m)
		}
	})
}

// ---------------------------------------------------------------- tracker

// The tracker keeps a pass from sending a head again while it is on its
// way, or while the cache does not yet show its recorded outcome.
func TestTracker(t *testing.T) {
	const uid = types.UID("u1")
	head := func(id string, attempts int32) supportv1.Notification {
		n := nt.Item(id, "crm")
		n.Attempts = attempts
		return n
	}
	tests := []struct {
		name      string
		state     *trackState // nil: nothing known
		head      supportv1.Notification
		want      headState
		wantKeeps bool // the entry is still there afterwards
	}{
		{"nothing known", nil, head("e1", 0), headFree, false},
		{"on its way", &trackState{inFlight: true}, head("e1", 0), headBusy, true},
		{"retry recorded, cache behind", &trackState{id: "e1", attempts: 1}, head("e1", 0), headStale, true},
		{"retry recorded, cache caught up", &trackState{id: "e1", attempts: 1}, head("e1", 1), headFree, false},
		{"delivered, cache still shows it", &trackState{id: "e1", attempts: 1, finished: true}, head("e1", 0), headStale, true},
		{"failed, cache still shows it pending", &trackState{id: "e1", attempts: 3, finished: true}, head("e1", 3), headStale, true},
		{"finished, cache shows the next head", &trackState{id: "e1", attempts: 1, finished: true}, head("e2", 0), headFree, false},
		{"a run recorded, cache still shows its first", &trackState{id: "e2", attempts: 1, finished: true, earlier: []string{"e1"}}, head("e1", 0), headStale, true},
		{"a run recorded, cache shows what follows it", &trackState{id: "e2", attempts: 1, finished: true, earlier: []string{"e1"}}, head("e3", 0), headFree, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := tracker{m: map[types.UID]map[string]*trackState{}}
			if tt.state != nil {
				tr.set(uid, "crm", tt.state)
			}
			if got := tr.state(uid, tt.head); got != tt.want {
				t.Errorf("state = %v, want %v", got, tt.want)
			}
			if _, keeps := tr.m[uid]["crm"]; keeps != tt.wantKeeps {
				t.Errorf("entry kept %v, want %v", keeps, tt.wantKeeps)
			}
		})
	}

	t.Run("settle forgets settled destinations, keeps those in flight or pending", func(t *testing.T) {
		tr := tracker{m: map[types.UID]map[string]*trackState{}}
		tr.set(uid, "crm", &trackState{id: "e1", attempts: 1, finished: true}) // crm has nothing pending
		tr.set(uid, "chat", &trackState{inFlight: true})                       // on its way
		tr.set(uid, "pager", &trackState{id: "p1", attempts: 1})               // p1 pending
		tr.set(uid, "sms", &trackState{id: "s1", attempts: 1, finished: true}) // only failed left
		tr.settle(uid, []supportv1.Notification{nt.Item("p1", "pager"), nt.FailedItem("s1", "sms")})
		var kept []string
		for target := range tr.m[uid] {
			kept = append(kept, target)
		}
		if len(kept) != 2 || tr.m[uid]["chat"] == nil || tr.m[uid]["pager"] == nil {
			t.Errorf("kept %v, want chat and pager", kept)
		}
		tr.clear(uid, "chat")
		tr.clear(uid, "pager")
		if len(tr.m) != 0 {
			t.Errorf("tracker not empty after clearing everything: %v", tr.m)
		}
	})
}

// ---------------------------------------------------------------- recorder

// On a write conflict (someone wrote the object first) the recorder reads
// it again and merges the outcome into the newer ledger: nothing is lost,
// theirs nor ours.
func TestRecorderMergesAgainAfterAWriteConflict(t *testing.T) {
	var updates atomic.Int32
	key := types.NamespacedName{Namespace: nt.Namespace, Name: nt.Complaint().Name}
	cl := ntClient(t, []supportv1.Notification{nt.Item("e1", "crm"), nt.Item("e2", "crm")}, func(b *fake.ClientBuilder) {
		b.WithInterceptorFuncs(interceptor.Funcs{
			SubResourceUpdate: func(ctx context.Context, c client.Client, sub string, obj client.Object, opts ...client.SubResourceUpdateOption) error {
				if updates.Add(1) == 1 {
					// A reconciler appends e3 just before our write.
					var cur supportv1.Complaint
					if err := c.Get(ctx, key, &cur); err != nil {
						return err
					}
					cur.Status.Notifications = append(cur.Status.Notifications, nt.Item("e3", "chat"))
					if err := c.Status().Update(ctx, &cur); err != nil {
						return err
					}
				}
				return c.SubResource(sub).Update(ctx, obj, opts...)
			},
		})
	})
	h := ntHarnessOn(t, cl)
	retry := ledger.Record{ID: "e1", Target: "crm", Event: supportv1.EventBreached, Attempts: 1, NextAttemptAt: nt.At(12, 0, 6), LastError: "HTTP 500"}

	record := func(o ledger.Record) []bool {
		var mu sync.Mutex
		var got []bool
		h.r.recorder.record(h.r.src, h.name, h.uid, o, func(written bool) {
			mu.Lock()
			got = append(got, written)
			mu.Unlock()
		})
		h.r.recorder.wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		return got
	}

	if got := record(retry); len(got) != 1 || !got[0] {
		t.Fatalf("after = %v, want one call, written", got)
	}
	if n := updates.Load(); n != 2 {
		t.Errorf("%d writes, want 2 (a conflict, then the merge)", n)
	}
	list := h.ledger()
	if keys := strings.Join(nt.Keys(list), " "); keys != "e1/crm e2/crm e3/chat" {
		t.Fatalf("ledger = %s, want e1, e2 and their e3", keys)
	}
	if e1 := list[0]; e1.Attempts != 1 || e1.LastError != "HTTP 500" || e1.NextAttemptAt == nil || !e1.NextAttemptAt.Time.Equal(nt.At(12, 0, 6)) {
		t.Errorf("e1 = %+v, want the retry recorded", e1)
	}

	// The same outcome again (a retried write) changes nothing and writes nothing.
	if got := record(retry); len(got) != 1 || got[0] {
		t.Errorf("after = %v, want one call, not written", got)
	}
	if n := updates.Load(); n != 2 {
		t.Errorf("%d writes, want still 2", n)
	}
}

func TestRecorderSkipsOutcomesWithNothingToApply(t *testing.T) {
	delivered := ledger.Record{ID: "e1", Target: "crm", Event: supportv1.EventBreached, Attempts: 1, Delivered: true}
	tests := []struct {
		name   string
		uid    types.UID
		rec    ledger.Record
		delete bool
	}{
		{"object deleted", nt.Complaint().UID, delivered, true},
		{"object replaced by another of the same name", "older-uid", delivered, false},
		{"stale outcome", nt.Complaint().UID, ledger.Record{ID: "e1", Target: "crm", Attempts: 0, Delivered: true}, false},
		{"notification gone", nt.Complaint().UID, ledger.Record{ID: "e9", Target: "crm", Attempts: 1, Delivered: true}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var updates atomic.Int32
			cl := ntClient(t, []supportv1.Notification{nt.Item("e1", "crm")}, func(b *fake.ClientBuilder) {
				b.WithInterceptorFuncs(interceptor.Funcs{
					SubResourceUpdate: func(ctx context.Context, c client.Client, sub string, obj client.Object, opts ...client.SubResourceUpdateOption) error {
						updates.Add(1)
						return c.SubResource(sub).Update(ctx, obj, opts...)
					},
				})
			})
			h := ntHarnessOn(t, cl)
			if tt.delete {
				if err := cl.Delete(context.Background(), nt.Complaint()); err != nil {
					t.Fatal(err)
				}
			}
			var calls, written atomic.Int32
			h.r.recorder.record(h.r.src, h.name, tt.uid, tt.rec, func(w bool) {
				calls.Add(1)
				if w {
					written.Add(1)
				}
			})
			h.r.recorder.wg.Wait()
			if calls.Load() != 1 || written.Load() != 0 || updates.Load() != 0 {
				t.Errorf("after called %d times (%d written), %d writes; want once, not written, no write", calls.Load(), written.Load(), updates.Load())
			}
		})
	}
}

// A write that fails for another reason (the API server is unavailable) is
// retried until it is made.
func TestRecorderRetriesAFailedWrite(t *testing.T) {
	var updates atomic.Int32
	cl := ntClient(t, []supportv1.Notification{nt.Item("e1", "crm")}, func(b *fake.ClientBuilder) {
		b.WithInterceptorFuncs(interceptor.Funcs{
			SubResourceUpdate: func(ctx context.Context, c client.Client, sub string, obj client.Object, opts ...client.SubResourceUpdateOption) error {
				if updates.Add(1) == 1 {
					return apierrors.NewServiceUnavailable("etcd is down")
				}
				return c.SubResource(sub).Update(ctx, obj, opts...)
			},
		})
	})
	h := ntHarnessOn(t, cl)
	var written atomic.Bool
	h.r.recorder.record(h.r.src, h.name, h.uid,
		ledger.Record{ID: "e1", Target: "crm", Attempts: 1, Delivered: true}, func(w bool) { written.Store(w) })
	h.r.recorder.wg.Wait()
	if !written.Load() || updates.Load() != 2 || len(h.ledger()) != 0 {
		t.Errorf("written %v after %d writes, ledger %v; want written on the 2nd write and e1 gone", written.Load(), updates.Load(), nt.IDs(h.ledger()))
	}
}

// Once the manager stops, the recorder makes no more writes (a real client
// refuses a cancelled context): the outcome is not recorded and the
// notification is sent again after the restart, with the same id.
func TestRecorderStopsWithTheManager(t *testing.T) {
	var updates atomic.Int32
	cl := ntClient(t, []supportv1.Notification{nt.Item("e1", "crm")}, func(b *fake.ClientBuilder) {
		b.WithInterceptorFuncs(interceptor.Funcs{
			SubResourceUpdate: func(ctx context.Context, c client.Client, sub string, obj client.Object, opts ...client.SubResourceUpdateOption) error {
				if err := ctx.Err(); err != nil {
					return err
				}
				updates.Add(1)
				return c.SubResource(sub).Update(ctx, obj, opts...)
			},
		})
	})
	h := ntHarnessOn(t, cl)
	if !h.r.recorder.NeedLeaderElection() {
		t.Errorf("the recorder must run on the leader only")
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { _ = h.r.recorder.Start(ctx); close(stopped) }()
	cancel()
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("the recorder did not stop")
	}

	var calls, written atomic.Int32
	h.r.recorder.record(h.r.src, h.name, h.uid, ledger.Record{ID: "e1", Target: "crm", Attempts: 1, Delivered: true}, func(w bool) {
		calls.Add(1)
		if w {
			written.Add(1)
		}
	})
	h.r.recorder.wg.Wait()
	if calls.Load() != 1 || written.Load() != 0 || updates.Load() != 0 || len(h.ledger()) != 1 {
		t.Errorf("after %d calls (%d written), %d writes, ledger %v; want one call, nothing written, e1 kept", calls.Load(), written.Load(), updates.Load(), nt.IDs(h.ledger()))
	}
}

// ---------------------------------------------------------------- secrets

func TestSecretCacheReadsOncePerTTL(t *testing.T) {
	var gets atomic.Int32
	cl := ntClient(t, nil, func(b *fake.ClientBuilder) {
		b.WithInterceptorFuncs(interceptor.Funcs{
			Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
				if key.Name == ntSecretName {
					gets.Add(1)
				}
				return c.Get(ctx, key, obj, opts...)
			},
		})
	}, ntSecret(ntSecretKey, "whsec_"+"c2VjcmV0LWtleS1ieXRlcw=="))
	c := &secretCache{reader: cl, ttl: 200 * time.Millisecond}
	ref := &supportv1.SecretKeyRef{Name: ntSecretName, Key: ntSecretKey}

	for range 3 {
		v, err := c.get(context.Background(), nt.Namespace, ref)
		if err != nil || string(v) != "secret-key-bytes" {
			t.Fatalf("get = %q, %v; want the decoded whsec_ key", v, err)
		}
	}
	if n := gets.Load(); n != 1 {
		t.Errorf("%d reads within the ttl, want 1", n)
	}
	time.Sleep(250 * time.Millisecond) // past the ttl
	if _, err := c.get(context.Background(), nt.Namespace, ref); err != nil {
		t.Fatal(err)
	}
	if n := gets.Load(); n != 2 {
		t.Errorf("%d reads after the ttl, want 2", n)
	}

	_, err := c.get(context.Background(), nt.Namespace, &supportv1.SecretKeyRef{Name: ntSecretName, Key: "other"})
	if err == nil || !strings.Contains(err.Error(), "has no key other") || strings.Contains(err.Error(), "c2VjcmV0") {
		t.Errorf("missing key: %v, want an error naming the key and not the data", err)
	}
	_, err = c.get(context.Background(), "elsewhere", ref)
	if err == nil || !apierrors.IsNotFound(errors.Unwrap(err)) && !strings.Contains(err.Error(), "not found") {
		t.Errorf("other namespace: %v, want not found", err)
	}
}

// ---------------------------------------------------------------- escalations

func ntEscalation(list ...supportv1.Notification) *supportv1.Escalation {
	return &supportv1.Escalation{
		ObjectMeta: metav1.ObjectMeta{Name: "broken-order-l1", Namespace: nt.Namespace, UID: "esc-uid", Generation: 2},
		Spec: supportv1.EscalationSpec{ComplaintName: nt.Complaint().Name, Level: 1, LevelName: "team-lead",
			Reason: supportv1.ReasonRequested, RequestedBy: "agent-7", Question: "refund?"},
		Status: supportv1.EscalationStatus{Policy: nt.Policy, Notifications: list},
	}
}

// An escalation's level counts as told from the first destination that took
// the event (notifiedAt is that write's instant and never moves), and the
// Notified condition says truthfully what is pending or given up.
func TestEscalationSourceApply(t *testing.T) {
	ev := func(id, target string) supportv1.Notification {
		n := nt.Item(id, target)
		n.Event = supportv1.EventEscalated
		return n
	}
	delivered := func(target string) ledger.Record {
		return ledger.Record{ID: "x1", Target: target, Event: supportv1.EventEscalated, Attempts: 1, Delivered: true}
	}
	gone := func(target string) ledger.Record {
		return ledger.Record{ID: "x1", Target: target, Event: supportv1.EventEscalated, Attempts: 1, Failed: true, LastError: "HTTP 410 Gone"}
	}
	retry := func(target string) ledger.Record {
		return ledger.Record{ID: "x1", Target: target, Event: supportv1.EventEscalated, Attempts: 1, NextAttemptAt: nt.At(12, 0, 6), LastError: "HTTP 500"}
	}
	both := []string{"crm", "pager"}
	// Each write happens one second after the previous one, from 12:00:00.
	first, second := nt.At(12, 0, 0), nt.At(12, 0, 1)
	tests := []struct {
		name           string
		targets        []string
		writes         [][]ledger.Record
		wantNotifiedAt time.Time // zero: not told
		wantReason     string
		wantMsg        string
	}{
		{"the only destination took it", []string{"crm"}, [][]ledger.Record{{delivered("crm")}},
			first, supportv1.ReasonDelivered, "the level's destinations were told"},
		{"one of two took it, the other is pending", both, [][]ledger.Record{{delivered("crm")}},
			first, supportv1.ReasonDelivered, "the level's destinations were told; 1 deliveries still pending"},
		{"both took it, in separate writes: told at the first", both, [][]ledger.Record{{delivered("crm")}, {delivered("pager")}},
			first, supportv1.ReasonDelivered, "the level's destinations were told"},
		{"a retry is pending", []string{"crm"}, [][]ledger.Record{{retry("crm")}},
			time.Time{}, supportv1.ReasonPending, "1 deliveries pending"},
		{"the first took it after the other retried", both, [][]ledger.Record{{retry("crm")}, {delivered("pager")}},
			second, supportv1.ReasonDelivered, "the level's destinations were told; 1 deliveries still pending"},
		{"every destination gave up", both, [][]ledger.Record{{gone("crm")}, {gone("pager")}},
			time.Time{}, supportv1.ReasonDeliveryFailed, "every delivery gave up: crm: HTTP 410 Gone; pager: HTTP 410 Gone"},
		{"one took it and the other gave up, in one write", both, [][]ledger.Record{{delivered("crm"), gone("pager")}},
			first, supportv1.ReasonDelivered, "the level's destinations were told; gave up on pager: HTTP 410 Gone"},
		{"one took it and the other gave up later", both, [][]ledger.Record{{delivered("crm")}, {gone("pager")}},
			first, supportv1.ReasonDelivered, "the level's destinations were told; gave up on pager: HTTP 410 Gone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := clocktesting.NewFakeClock(nt.Now)
			src := escalationSource{clock: clk, recorder: events.NewFakeRecorder(10)}
			var list []supportv1.Notification
			for _, target := range tt.targets {
				list = append(list, ev("x1", target))
			}
			esc := ntEscalation(list...)
			for _, w := range tt.writes {
				if applied := src.apply(esc, w); len(applied) != len(w) {
					t.Fatalf("applied %+v of %+v", applied, w)
				}
				clk.Step(time.Second)
			}
			if got := esc.Status.NotifiedAt; (got == nil) != tt.wantNotifiedAt.IsZero() || got != nil && !got.Time.Equal(tt.wantNotifiedAt) {
				t.Errorf("notifiedAt = %v, want %v", got, tt.wantNotifiedAt)
			}
			cond := apimeta.FindStatusCondition(esc.Status.Conditions, supportv1.ConditionNotified)
			if cond == nil || cond.Reason != tt.wantReason || cond.Message != tt.wantMsg || cond.ObservedGeneration != 2 {
				t.Fatalf("Notified = %+v, want reason %s, message %q", cond, tt.wantReason, tt.wantMsg)
			}
			if (cond.Status == metav1.ConditionTrue) != !tt.wantNotifiedAt.IsZero() {
				t.Errorf("Notified status %s, want True %v", cond.Status, !tt.wantNotifiedAt.IsZero())
			}
			// Nothing new to apply: no change, so no status write.
			if again := src.apply(esc, tt.writes[len(tt.writes)-1]); len(again) != 0 {
				t.Errorf("the last write applied again: %+v", again)
			}
		})
	}
}

func TestEscalationSourceEvent(t *testing.T) {
	n := nt.Item("x1", "crm")
	n.Event = supportv1.EventEscalated
	for _, withComplaint := range []bool{true, false} {
		name := "complaint present"
		if !withComplaint {
			name = "complaint deleted meanwhile"
		}
		t.Run(name, func(t *testing.T) {
			cl := ntClient(t, nil, nil)
			if !withComplaint {
				if err := cl.Delete(context.Background(), nt.Complaint()); err != nil {
					t.Fatal(err)
				}
			}
			src := escalationSource{client: cl}
			ev, err := src.event(context.Background(), ntEscalation(n), n, &supportv1.Webhook{URL: "https://x"})
			if err != nil {
				t.Fatal(err)
			}
			var data webhook.Payload
			if err := json.Unmarshal(ev.Data(), &data); err != nil {
				t.Fatal(err)
			}
			if ev.Type() != webhook.EventTypePrefix+"escalated" || ev.ID() != "x1" || data.Complaint.Name != nt.Complaint().Name {
				t.Errorf("event %s %s about %s", ev.Type(), ev.ID(), data.Complaint.Name)
			}
			if e := data.Escalation; e == nil || e.Name != "broken-order-l1" || e.Level != 1 || e.LevelName != "team-lead" || e.Question != "refund?" {
				t.Errorf("escalation = %+v", data.Escalation)
			}
			if wantUID := map[bool]string{true: string(nt.Complaint().UID), false: ""}[withComplaint]; data.Complaint.UID != wantUID {
				t.Errorf("complaint uid %q, want %q", data.Complaint.UID, wantUID)
			}
		})
	}
}
