//go:build faults

package faults

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/ledger"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/webhook"
)

// A workload is N complaints of one namespace living their whole life,
// driven by people (merge patches of spec fields, as kubectl desk does),
// each step waiting until the operator has acted on the previous one.
//
// Classes (by index modulo 6), and the phase their inputs call for:
//
//	0 happy:    ack, wait on the customer, stop waiting, update, resolve, approve, feedback 5 -> Closed
//	1 reopen:   as happy, feedback 2 -> Reopened, resolve again, approve, feedback 5 -> Closed (reopenCount 1)
//	2 breach:   a key account nobody acknowledges: breaches (3s), climbs to level 2 (4s later);
//	            then ack, resolve, approve, feedback 5 -> Closed, exactly one Escalation per level
//	3 timeout:  ack, resolve, approve, no feedback -> Closed by followUp.closeAfter
//	4 pending:  ack, resolve, no approval -> PendingApproval
//	5 waiting:  ack, wait on the vendor -> Waiting
//
// With remedies (withRemedies, remedies_test.go) half the happy and half
// the timeout complaints resolve with two actions for two departments: the
// approval asks the departments (Implementing), the departments report
// each remedy Done, the complaint is Resolved at the last report, then
// as its class says.
const classes = 6

var classNames = []string{"happy", "reopen", "breach", "timeout", "pending", "waiting"}

var finalPhase = []supportv1.Phase{supportv1.PhaseClosed, supportv1.PhaseClosed, supportv1.PhaseClosed,
	supportv1.PhaseClosed, supportv1.PhasePendingApproval, supportv1.PhaseWaiting}

// dests are the destinations of every workload policy: each wants every event.
var dests = []string{"crm", "chat"}

var allEvents = []supportv1.EventType{supportv1.EventCreated, supportv1.EventAcknowledged, supportv1.EventAtRisk,
	supportv1.EventBreached, supportv1.EventEscalated, supportv1.EventResolved, supportv1.EventFollowUpDue,
	supportv1.EventReopened, supportv1.EventClosed}

func dur(d time.Duration) *metav1.Duration { return &metav1.Duration{Duration: d} }

// destName is the receiver path of a namespace's destination.
func destName(ns, d string) string { return ns + "-" + d }

// workloadPolicies: "standard" (targets far away: nothing breaches) and
// "fast" for key accounts (first response 3s, level 2 four seconds later).
// With remedies both also have the departments (withDepartments).
func workloadPolicies(ns string, remedies bool) []*supportv1.ServicePolicy {
	var notify []supportv1.NotifyTarget
	for _, d := range dests {
		notify = append(notify, supportv1.NotifyTarget{Name: d, Events: allEvents, Webhook: &supportv1.Webhook{
			URL: rcv.url(destName(ns, d)), SecretRef: &supportv1.SecretKeyRef{Name: "hook", Key: "hmac"}}})
	}
	spec := func(first time.Duration) supportv1.ServicePolicySpec {
		return supportv1.ServicePolicySpec{
			Targets:    supportv1.Targets{FirstResponse: dur(first), Update: dur(10 * time.Minute), Resolution: dur(10 * time.Minute)},
			PauseWhile: []supportv1.WaitingOn{supportv1.WaitingOnCustomer, supportv1.WaitingOnVendor},
			Escalation: &supportv1.EscalationPolicy{Levels: []supportv1.EscalationLevel{
				{Name: "team-lead", Notify: dests}, {Name: "manager", After: metav1.Duration{Duration: 4 * time.Second}, Notify: dests}}},
			Recovery: &supportv1.Recovery{RequireApology: true, RequireApproval: true},
			FollowUp: &supportv1.FollowUp{After: metav1.Duration{Duration: 2 * time.Second}, ReopenBelow: 3, CloseAfter: dur(45 * time.Second)},
			Notify:   notify,
		}
	}
	std := &supportv1.ServicePolicy{ObjectMeta: metav1.ObjectMeta{Name: "standard", Namespace: ns}, Spec: spec(5 * time.Minute)}
	fast := &supportv1.ServicePolicy{ObjectMeta: metav1.ObjectMeta{Name: "fast", Namespace: ns}, Spec: spec(3 * time.Second)}
	fast.Spec.Precedence = 100
	fast.Spec.Match.Tiers = []supportv1.CustomerTier{supportv1.TierKey}
	if remedies {
		withDepartments(std)
		withDepartments(fast)
	}
	return []*supportv1.ServicePolicy{std, fast}
}

type workload struct {
	ns, shard string
	n         int
	spread    time.Duration // creations spread over this long
	cache     cache.Cache
	dues      *dueLog
	remedies  *remedyLog // nil: no complaint has actions

	mu     sync.Mutex
	errs   []string
	done   int
	starts []time.Time
	// slowest is the longest wait for the operator's answer to a step's
	// write, and its step (timers' steps, written by nobody, are not timed).
	slowest     time.Duration
	slowestStep string
	stepMax     map[string]time.Duration // step -> its longest wait
}

// workloadOption changes a workload before it starts.
type workloadOption func(*workload)

// withRemedies gives some complaints a resolution with actions, carried out
// by departments (remedies_test.go).
func withRemedies() workloadOption { return func(w *workload) { w.remedies = newRemedyLog() } }

// newWorkload creates the namespace, its Secret and policies, and starts a
// watch (informer) of its complaints that records every due time seen (and
// with remedies one of its remedies, and the departments).
func newWorkload(ns, shard string, n int, spread time.Duration, opts ...workloadOption) *workload {
	GinkgoHelper()
	w := &workload{ns: ns, shard: shard, n: n, spread: spread, dues: newDueLog(), starts: make([]time.Time, n)}
	for _, o := range opts {
		o(w)
	}
	must(namespaceWithSecret(ns))
	for _, p := range workloadPolicies(ns, w.remedies != nil) {
		must(k8s.Create(ctx, p))
	}
	c, err := cache.New(cfg, cache.Options{Scheme: scheme, DefaultNamespaces: map[string]cache.Config{ns: {}}})
	must(err)
	inf, err := c.GetInformer(ctx, &supportv1.Complaint{})
	must(err)
	_, err = inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(o any) { w.observe(o.(*supportv1.Complaint)) },
		UpdateFunc: func(_, o any) { w.observe(o.(*supportv1.Complaint)) },
	})
	must(err)
	if _, err := c.GetInformer(ctx, &supportv1.Escalation{}); err != nil {
		must(err)
	}
	if w.remedies != nil {
		w.remedies.watch(c)
	}
	cctx, stop := context.WithCancel(ctx)
	go func() { _ = c.Start(cctx) }()
	DeferCleanup(stop)
	if !c.WaitForCacheSync(ctx) {
		Fail("workload cache did not sync")
	}
	w.cache = c
	if w.remedies != nil {
		w.startDepartments()
	}
	return w
}

// observe records what the watch of the complaints sees.
func (w *workload) observe(c *supportv1.Complaint) {
	w.dues.observe(c)
	if w.remedies != nil {
		w.remedies.observeComplaint(c)
	}
}

func must(err error) {
	GinkgoHelper()
	if err != nil {
		Fail(err.Error())
	}
}

func complaintName(i int) string { return fmt.Sprintf("c-%04d", i) }

// run drives every complaint through its script and returns when all are
// done or the deadline passed.
func (w *workload) run(deadline time.Duration) {
	rctx, cancel := context.WithTimeout(ctx, deadline)
	defer cancel()
	var wg sync.WaitGroup
	for i := range w.n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer GinkgoRecover()
			if w.n > 1 {
				select {
				case <-time.After(time.Duration(int64(w.spread) * int64(i) / int64(w.n))):
				case <-rctx.Done():
					return
				}
			}
			if err := w.life(rctx, i); err != nil {
				w.fail("%s (%s): %v", complaintName(i), classNames[i%classes], err)
				return
			}
			w.mu.Lock()
			w.done++
			w.mu.Unlock()
		}()
	}
	wg.Wait()
}

func (w *workload) fail(format string, args ...any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.errs = append(w.errs, fmt.Sprintf(format, args...))
}

func (w *workload) life(ctx context.Context, i int) error {
	name := complaintName(i)
	class := i % classes
	tier := supportv1.TierStandard
	if class == 2 {
		tier = supportv1.TierKey
	}
	c := &supportv1.Complaint{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: w.ns, Labels: map[string]string{controllers.ShardLabel: w.shard}},
		Spec: supportv1.ComplaintSpec{Customer: supportv1.Customer{Name: "Customer " + strconv.Itoa(i), Tier: tier},
			Category: supportv1.CategoryMissedDeadline, Summary: "fault suite complaint " + strconv.Itoa(i)},
	}
	if err := retry(ctx, func() error {
		err := k8s.Create(ctx, c)
		if apierrors.IsAlreadyExists(err) {
			return nil
		}
		return err
	}); err != nil {
		return fmt.Errorf("create: %w", err)
	}
	w.mu.Lock()
	w.starts[i] = time.Now()
	w.mu.Unlock()
	step := func(what string, patch string, until func(*supportv1.Complaint) bool) error {
		if patch != "" {
			if err := retry(ctx, func() error {
				return k8s.Patch(ctx, &supportv1.Complaint{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: w.ns}},
					client.RawPatch(types.MergePatchType, []byte(`{"spec":`+patch+`}`)), client.FieldOwner("faults-agent"))
			}); err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
		}
		t := time.Now()
		if err := w.waitFor(ctx, name, until); err != nil {
			return fmt.Errorf("%s: waiting for the operator: %w", what, err)
		}
		w.mu.Lock()
		if took := time.Since(t); patch != "" { // the operator's answer to a person's write
			if took > w.slowest {
				w.slowest, w.slowestStep = took, name+" "+what
			}
			if w.stepMax == nil {
				w.stepMax = map[string]time.Duration{}
			}
			w.stepMax[what] = max(w.stepMax[what], took)
		}
		w.mu.Unlock()
		return nil
	}
	in := func(p supportv1.Phase) func(*supportv1.Complaint) bool {
		return func(c *supportv1.Complaint) bool { return c.Status.Phase == p }
	}
	const (
		ack      = `{"acknowledgement":{"by":"agent-bob","note":"called back"}}`
		approve  = `{"resolution":{"approvedBy":"lead-carol"}}`
		happy    = `{"feedback":{"accepted":true,"satisfaction":5,"comment":"thanks"}}`
		unhappy  = `{"feedback":{"accepted":false,"satisfaction":2,"comment":"still broken"}}`
		resolve1 = `{"feedback":null,"resolution":{"summary":"delivered by courier","apologized":true,"proposedBy":"agent-bob","approvedBy":null}}`
		resolve2 = `{"feedback":null,"resolution":{"summary":"replaced again and called","apologized":true,"proposedBy":"agent-bob","approvedBy":null}}`
	)
	var steps []func() error
	add := func(what, patch string, until func(*supportv1.Complaint) bool) {
		steps = append(steps, func() error { return step(what, patch, until) })
	}
	add("intake", "", in(supportv1.PhaseNew))
	if class == 2 {
		add("climb to level 2", "", func(c *supportv1.Complaint) bool { return c.Status.EscalationLevel >= 2 })
	}
	add("ack", ack, in(supportv1.PhaseAcknowledged))
	switch class {
	case 0, 1:
		add("wait on customer", `{"waitingOn":"Customer"}`, in(supportv1.PhaseWaiting))
		add("stop waiting", `{"waitingOn":null}`, in(supportv1.PhaseAcknowledged))
		add("update", `{"lastUpdate":{"note":"replacement ships tonight"}}`, func(c *supportv1.Complaint) bool { return c.Status.LastUpdateAt != nil })
	case 5:
		add("wait on vendor", `{"waitingOn":"Vendor"}`, in(supportv1.PhaseWaiting))
	}
	remedied := w.hasActions(i)
	if remedied {
		add("resolve with actions", resolve1[:len(resolve1)-2]+`,"actions":`+resolutionActionsJSON()+`}}`, in(supportv1.PhasePendingApproval))
	} else if class != 5 {
		add("resolve", resolve1, in(supportv1.PhasePendingApproval))
	}
	// Resolved may turn into Closed by the follow-up timer before the
	// harness looks (a manager down for longer than closeAfter): both are
	// what the approval calls for.
	resolvedOrClosed := func(c *supportv1.Complaint) bool {
		return c.Status.Phase == supportv1.PhaseResolved || c.Status.Phase == supportv1.PhaseClosed
	}
	if remedied {
		// The approval asks the departments; they report on their own.
		add("approve", approve, func(c *supportv1.Complaint) bool { return c.Status.RemediesRequestedAt != nil || resolvedOrClosed(c) })
		add("carried out by the departments", "", resolvedOrClosed)
	} else if class <= 3 {
		add("approve", approve, resolvedOrClosed)
	}
	switch class {
	case 0, 2:
		add("feedback", happy, in(supportv1.PhaseClosed))
	case 1:
		add("unhappy feedback", unhappy, in(supportv1.PhaseReopened))
		add("resolve again", resolve2, in(supportv1.PhasePendingApproval))
		add("approve again", approve, resolvedOrClosed)
		add("feedback", happy, in(supportv1.PhaseClosed))
	case 3:
		add("close after silence", "", in(supportv1.PhaseClosed))
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return err
		}
	}
	return nil
}

// waitFor polls the watch cache until the operator has handled the
// complaint's current generation and until holds.
func (w *workload) waitFor(ctx context.Context, name string, until func(*supportv1.Complaint) bool) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	var last string
	for {
		c := &supportv1.Complaint{}
		if err := w.cache.Get(ctx, client.ObjectKey{Namespace: w.ns, Name: name}, c); err == nil {
			if c.Status.ObservedGeneration == c.Generation && until(c) {
				return nil
			}
			last = fmt.Sprintf("phase %q, generation %d observed %d, level %d", c.Status.Phase, c.Generation, c.Status.ObservedGeneration, c.Status.EscalationLevel)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last seen: %s)", ctx.Err(), last)
		case <-time.After(time.Duration(250+rand.IntN(250)) * time.Millisecond):
		}
	}
}

// retry repeats a write until it succeeds, the object is gone or ctx ends
// (the API server may be down for a while).
func retry(ctx context.Context, f func() error) error {
	for {
		err := f()
		if err == nil || apierrors.IsNotFound(err) || apierrors.IsInvalid(err) || apierrors.IsForbidden(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last error: %v)", ctx.Err(), err)
		case <-time.After(time.Duration(200+rand.IntN(300)) * time.Millisecond):
		}
	}
}

// ---- due times -------------------------------------------------------------

// dueLog records every due time seen in a complaint's status. A due time is
// a function of its clock's run (start, target, paused time, stop): for the
// same run it must never change, restarts or not; and the first response
// due time of a complaint never changes at all.
type dueLog struct {
	mu        sync.Mutex
	byRun     map[string]time.Time // ns/name/clock/run -> dueAt
	firstResp map[string]time.Time // ns/name -> firstResponse dueAt first seen
	moved     []string
	seen      int
}

func newDueLog() *dueLog {
	return &dueLog{byRun: map[string]time.Time{}, firstResp: map[string]time.Time{}}
}

func (d *dueLog) observe(c *supportv1.Complaint) {
	key := c.Namespace + "/" + c.Name
	d.mu.Lock()
	defer d.mu.Unlock()
	for name, cs := range map[string]*supportv1.ClockStatus{"firstResponse": c.Status.Clocks.FirstResponse,
		"update": c.Status.Clocks.Update, "resolution": c.Status.Clocks.Resolution} {
		if cs == nil || cs.DueAt == nil {
			continue
		}
		d.seen++
		run := fmt.Sprintf("%s/%s/%s/%s/%s/%s", key, name, ts(cs.StartedAt), durStr(cs.Target), durStr(cs.PausedFor), ts(cs.StoppedAt))
		if prev, ok := d.byRun[run]; ok && !prev.Equal(cs.DueAt.Time) {
			d.moved = append(d.moved, fmt.Sprintf("%s %s: due %s, then %s (resourceVersion %s)", key, name, prev.UTC().Format(time.RFC3339), cs.DueAt.UTC().Format(time.RFC3339), c.ResourceVersion))
		} else if !ok {
			d.byRun[run] = cs.DueAt.Time
		}
		if name == "firstResponse" {
			if prev, ok := d.firstResp[key]; !ok {
				d.firstResp[key] = cs.DueAt.Time
			} else if !prev.Equal(cs.DueAt.Time) {
				d.moved = append(d.moved, fmt.Sprintf("%s firstResponse: due %s first, now %s", key, prev.UTC().Format(time.RFC3339), cs.DueAt.UTC().Format(time.RFC3339)))
			}
		}
	}
}

func ts(t *metav1.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func durStr(d *metav1.Duration) string {
	if d == nil {
		return "-"
	}
	return d.Duration.String()
}

// ---- the end: settle and check ------------------------------------------------

// settled waits until no complaint or escalation of ns has a delivery pending.
func settled(ns string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		pending, err := pendingDeliveries(ns)
		if err == nil && pending == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d deliveries still pending after %s (err %v)", pending, within, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func pendingDeliveries(ns string) (int, error) {
	var cl supportv1.ComplaintList
	if err := k8s.List(ctx, &cl, client.InNamespace(ns)); err != nil {
		return -1, err
	}
	var el supportv1.EscalationList
	if err := k8s.List(ctx, &el, client.InNamespace(ns)); err != nil {
		return -1, err
	}
	n := 0
	for _, c := range cl.Items {
		n += ledger.Pending(c.Status.Notifications)
	}
	for _, e := range el.Items {
		n += ledger.Pending(e.Status.Notifications)
	}
	return n, nil
}

// verdict is what the end of a workload found.
type verdict struct {
	Complaints, Done                int
	Escalations                     int
	Events, Requests, RawDuplicates int
	MaxCopies                       int
	DueTimesSeen                    int
	// SlowestStepSeconds is the longest wait for the operator's answer to
	// a person's write (SlowestStep: complaint and step).
	SlowestStepSeconds   float64
	SlowestStep          string
	StepMaxSeconds       map[string]float64
	Remedies             *remedyFigures // with remedies
	Problems             []string
	RawDuplicatesByEvent map[string]int
}

// check verifies the invariants of a workload whose complaints are settled:
// phases, escalations, due times, and webhooks (at least once; exactly
// once after dedupe by webhook-id, per event and destination).
func (w *workload) check() verdict {
	GinkgoHelper()
	v := verdict{Complaints: w.n, Done: w.done, RawDuplicatesByEvent: map[string]int{}}
	problem := func(format string, args ...any) { v.Problems = append(v.Problems, fmt.Sprintf(format, args...)) }
	w.mu.Lock()
	for _, e := range w.errs {
		problem("lifecycle: %s", e)
	}
	v.SlowestStepSeconds, v.SlowestStep = w.slowest.Seconds(), w.slowestStep
	v.StepMaxSeconds = map[string]float64{}
	for what, d := range w.stepMax {
		v.StepMaxSeconds[what] = d.Round(100 * time.Millisecond).Seconds()
	}
	w.mu.Unlock()

	var cl supportv1.ComplaintList
	must(k8s.List(ctx, &cl, client.InNamespace(w.ns)))
	var el supportv1.EscalationList
	must(k8s.List(ctx, &el, client.InNamespace(w.ns)))
	byName := map[string]*supportv1.Complaint{}
	for i := range cl.Items {
		byName[cl.Items[i].Name] = &cl.Items[i]
	}
	// Ladder escalations per complaint and level.
	ladder := map[string]map[int32]int{}
	for _, e := range el.Items {
		if e.Spec.Reason == supportv1.ReasonRequested || e.Spec.Reason == supportv1.ReasonRemedyOverdue {
			continue // not the ladder's (remedies: checkRemedies)
		}
		v.Escalations++
		if ladder[e.Spec.ComplaintName] == nil {
			ladder[e.Spec.ComplaintName] = map[int32]int{}
		}
		ladder[e.Spec.ComplaintName][e.Spec.Level]++
	}
	received := map[string]map[string]hit{}
	for _, d := range dests {
		received[d] = rcv.snapshot(destName(w.ns, d))
		for _, h := range received[d] {
			v.Requests += h.Attempts
			v.Events++
			if h.Delivered > 1 {
				v.RawDuplicates += h.Delivered - 1
				v.RawDuplicatesByEvent[h.Event] += h.Delivered - 1
			}
			v.MaxCopies = max(v.MaxCopies, h.Delivered)
		}
	}
	w.dues.mu.Lock()
	v.DueTimesSeen = w.dues.seen
	for _, m := range w.dues.moved {
		problem("due time moved: %s", m)
	}
	firstResp := w.dues.firstResp
	w.dues.mu.Unlock()

	for i := range w.n {
		name, class := complaintName(i), i%classes
		c := byName[name]
		if c == nil {
			problem("%s: missing", name)
			continue
		}
		key := w.ns + "/" + name
		if c.Status.Phase != finalPhase[class] {
			problem("%s (%s): phase %s, want %s", name, classNames[class], c.Status.Phase, finalPhase[class])
		}
		if wantReopen := int32(map[bool]int{true: 1}[class == 1]); c.Status.ReopenCount != wantReopen {
			problem("%s (%s): reopenCount %d, want %d", name, classNames[class], c.Status.ReopenCount, wantReopen)
		}
		levels := ladder[name]
		if class == 2 {
			// Exactly one per level reached, also when both levels fell due
			// while the manager was down (controllers/ladder creates each).
			if levels[1] != 1 || levels[2] != 1 || len(levels) > 2 {
				problem("%s (breach): escalations by level %v, want exactly one at level 1 and one at level 2", name, levels)
			}
		} else if len(levels) != 0 {
			problem("%s (%s): escalations by level %v, want none", name, classNames[class], levels)
		}
		if fr := c.Status.Clocks.FirstResponse; fr != nil && fr.DueAt != nil {
			if first, ok := firstResp[key]; ok && !first.Equal(fr.DueAt.Time) {
				problem("%s: first response due %s at the end, %s when first seen", name, fr.DueAt.UTC(), first.UTC())
			}
		}
		for _, n := range c.Status.Notifications {
			if n.Failed {
				problem("%s: delivery %s of %s to %s failed: %s", name, n.ID, n.Event, n.Target, n.LastError)
			}
		}
		// Every notification the complaint ever queued (ids are
		// EventID(uid, event, seq) for seq 1..notificationSeq) was received
		// by every destination, at least once.
		for _, d := range dests {
			counts := map[string]int{}
			seqs := map[string][]string{} // event: "seq@first request"
			for seq := int64(1); seq <= c.Status.NotificationSeq; seq++ {
				found := ""
				for _, ev := range append(allEvents, remedyEvents...) {
					id := webhook.EventID(string(c.UID), string(ev), strconv.FormatInt(seq, 10))
					if h, ok := received[d][id]; ok && h.Delivered > 0 {
						found = string(ev)
						seqs[found] = append(seqs[found], fmt.Sprintf("#%d@%s", seq, h.First.UTC().Format("15:04:05.000")))
						if !h.OccurredAt.IsZero() && ev == supportv1.EventBreached {
							if first, ok := firstResp[key]; ok && !h.OccurredAt.Equal(first) {
								problem("%s: Breached sent with occurredAt %s, the first response was due %s", name, h.OccurredAt.UTC(), first.UTC())
							}
						}
					}
				}
				if found == "" {
					problem("%s: notification #%d never received by %s", name, seq, d)
				}
				counts[found]++
			}
			// Exactly once per occurrence: no event queued twice under two ids.
			// A complaint is closed as many times as its history says: a
			// slow harness (2 busy cores, the manager down) may send the
			// unhappy feedback after followUp.closeAfter closed it for lack
			// of an answer; the feedback then reopens it.
			want := map[string]int{"Created": 1, "Reopened": int(c.Status.ReopenCount), "Closed": closings(c)}
			if class == 2 {
				want["Breached"] = 1
			} else {
				want["Breached"] = 0
			}
			for ev, n := range want {
				if counts[ev] != n {
					problem("%s: %d distinct %s events at %s (%s), want %d; history: %s", name, counts[ev], ev, d,
						strings.Join(seqs[ev], " "), n, historyLine(c))
				}
			}
		}
	}
	if w.remedies != nil {
		v.Remedies = w.checkRemedies(byName, el.Items, received, problem)
	} else {
		for _, e := range el.Items {
			if e.Spec.Reason == supportv1.ReasonRemedyOverdue {
				problem("escalation %s: RemedyOverdue in a workload without remedies", e.Name)
			}
		}
	}
	for _, e := range el.Items {
		for _, n := range e.Status.Notifications {
			if n.Failed {
				problem("escalation %s: delivery to %s failed: %s", e.Name, n.Target, n.LastError)
			}
		}
		if e.Spec.Reason == supportv1.ReasonRequested {
			continue
		}
		if e.Status.Policy == "" {
			problem("escalation %s: never announced", e.Name)
			continue
		}
		id := webhook.EventID(string(e.UID), string(supportv1.EventEscalated), "1")
		for _, d := range dests {
			if h, ok := received[d][id]; !ok || h.Delivered == 0 {
				problem("escalation %s: Escalated never received by %s", e.Name, d)
			}
		}
	}
	sort.Strings(v.Problems)
	return v
}

// report writes the verdict to GinkgoWriter and the spec's report.
func report(name string, v verdict, extra map[string]any) {
	fields := map[string]any{"complaints": v.Complaints, "lifecyclesCompleted": v.Done, "ladderEscalations": v.Escalations,
		"eventsReceived": v.Events, "requests": v.Requests, "rawDuplicates": v.RawDuplicates,
		"rawDuplicatesByEvent": v.RawDuplicatesByEvent, "maxCopiesOfOneEvent": v.MaxCopies, "dueTimesObserved": v.DueTimesSeen,
		"slowestStepSeconds": v.SlowestStepSeconds, "slowestStep": v.SlowestStep, "stepMaxSeconds": v.StepMaxSeconds, "problems": len(v.Problems)}
	if v.Remedies != nil {
		fields["remedies"] = v.Remedies
	}
	for k, x := range extra {
		fields[k] = x
	}
	raw, _ := json.Marshal(fields)
	GinkgoWriter.Printf("%s: %s\n", name, raw)
	AddReportEntry(name, string(raw))
	if len(v.Problems) > 0 {
		shown := v.Problems
		if len(shown) > 40 {
			shown = append(shown[:40:40], fmt.Sprintf("... and %d more", len(v.Problems)-40))
		}
		GinkgoWriter.Printf("%s problems:\n  %s\n", name, strings.Join(shown, "\n  "))
		keepProblems(name, len(v.Problems), shown)
	}
}

// keepProblems appends a scenario's problems to the file FAULTS_PROBLEMS
// names (make test-faults prints it last when the suite fails, where a
// truncated CI log still shows it).
func keepProblems(name string, total int, shown []string) {
	path := os.Getenv("FAULTS_PROBLEMS")
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		GinkgoWriter.Printf("keeping the problems in %s: %v\n", path, err)
		return
	}
	defer func() { _ = f.Close() }()
	_, _ = fmt.Fprintf(f, "%s: %d problems\n  %s\n", name, total, strings.Join(shown, "\n  "))
}

// historyLine is a complaint's history in one line, for a problem's text.
func historyLine(c *supportv1.Complaint) string {
	var b strings.Builder
	for _, h := range c.Status.History {
		fmt.Fprintf(&b, "%s@%s ", h.Event, h.Time.UTC().Format("15:04:05"))
	}
	return strings.TrimSpace(b.String())
}

// closings counts the times a complaint was closed, from its history.
func closings(c *supportv1.Complaint) int {
	n := 0
	for _, h := range c.Status.History {
		if h.Event == supportv1.ReasonCustomerSatisfied || h.Event == supportv1.ReasonNoFeedback {
			n++
		}
	}
	return n
}
