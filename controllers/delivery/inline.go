package delivery

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/cache"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/ledger"
)

// DefaultInlineWait bounds how long a complaint's status write waits for
// the notifications it queued.
const DefaultInlineWait = 250 * time.Millisecond

// heldTTL is how long the outcomes of inline deliveries are kept: for the
// pass that writes again when a write failed, and for a pass that decides
// from a cache not yet showing the write (both decide the same
// notifications, with the same ids, and must not send them again).
const heldTTL = 2 * time.Minute

// Inline delivers a complaint's new notifications before the status write
// that records them, so that one write records both the transition and the
// outcomes: a breach told to two webhooks is one complaint write, not three.
//
// It only ever sends a destination's head (the notification the delivery
// controller would send next), on that destination's lane of the
// dispatcher, and only when the lane is healthy and has a free slot; it
// waits at most Wait. What has not finished by then is written pending, and
// its outcome goes to the recorder as any other. A crash before the write
// means the notifications are decided again, with the same ids, and sent
// again: at least once, as always. The deadline path never waits on it: the
// Escalations are created before, and a slow or failing destination is
// simply not sent inline.
//
// It never sends from a complaint read before this process's own last
// write of it (see Wrote), nor in the first Grace after the process starts
// leading: a pass deciding from such a read numbers its notifications anew
// (a webhook-id is the event and its number), its write is refused, and
// what it sent would be an event no ledger ever records.
type Inline struct {
	r *deliveryReconciler // the Complaint kind's
	// Wait bounds the wait for the receivers (0: nothing is sent inline).
	Wait time.Duration
	// Waiting bounds the passes waiting on receivers at once (default
	// DefaultInlineWaiting): the rest write at once and the delivery
	// controller sends after, so receivers never hold more than these of
	// the complaint workers.
	Waiting int

	// Grace is how long after this process starts leading nothing is sent
	// inline (0: no grace; SetupWithManager sets DefaultInlineGrace).
	Grace time.Duration

	once  sync.Once
	slots chan struct{}
	// wrote is the notificationSeq of the last status write this process
	// made of each complaint (types.UID: int64), until the cache shows it
	// (or heldTTL, or past heldMax).
	wrote *cache.LRUExpireCache
	// started is when Start ran (nil: not yet).
	started atomic.Pointer[time.Time]
}

// init makes the waiting slots and the written numbers' cache.
func (in *Inline) init() {
	in.once.Do(func() {
		in.slots = make(chan struct{}, cmp.Or(in.Waiting, DefaultInlineWaiting))
		in.wrote = cache.NewLRUExpireCacheWithClock(heldMax, in.r.clock)
	})
}

// DefaultInlineGrace is Inline.Grace's default: a restarted process's
// cache may not yet show the last writes of the one before it (a kill
// mid-write), and a pass deciding from it would send, under new ids,
// notifications that write then refuses.
const DefaultInlineGrace = 3 * time.Second

// Start marks the beginning of the grace and runs until ctx ends.
func (in *Inline) Start(ctx context.Context) error {
	now := in.r.clock.Now()
	in.started.Store(&now)
	<-ctx.Done()
	return nil
}

// NeedLeaderElection: the grace starts with leading.
func (in *Inline) NeedLeaderElection() bool { return true }

// inGrace says whether the grace after the start is still on.
func (in *Inline) inGrace(now time.Time) bool {
	if in.Grace <= 0 {
		return false
	}
	started := in.started.Load()
	return started == nil || now.Sub(*started) < in.Grace
}

// Wrote tells that this process wrote a complaint status whose
// notificationSeq is seq (a nil Inline ignores it).
func (in *Inline) Wrote(uid types.UID, seq int64) {
	if in == nil {
		return
	}
	in.init()
	in.wrote.Add(uid, seq, heldTTL)
}

// behind says whether c, as read, lacks notifications this process
// already wrote: a pass deciding from it numbers its notifications anew,
// and its write is refused (conflict). Nothing of it may be sent first.
func (in *Inline) behind(c *supportv1.Complaint) bool {
	in.init()
	seq, ok := in.wrote.Get(c.UID)
	if !ok {
		return false
	}
	if c.Status.NotificationSeq >= seq.(int64) {
		in.wrote.Remove(c.UID) // the cache caught up
		return false
	}
	return true
}

// DefaultInlineWaiting is Inline.Waiting's default: half the default
// complaint workers.
const DefaultInlineWaiting = 4

// fast is how long a destination's recent requests may take on average
// for it to be sent inline: a slow receiver is told after the write.
func (in *Inline) fast() time.Duration { return in.Wait / 2 }

// acquire takes a waiting slot if one is free.
func (in *Inline) acquire() bool {
	in.init()
	select {
	case in.slots <- struct{}{}:
		return true
	default:
		return false
	}
}

// heldOutcomes are the outcomes of recent inline deliveries (heldTTL),
// whether their write succeeded or not: a pass that decides the same
// notifications again (its write failed, or its cache did not show the
// write yet) folds them instead of sending again, and, once a ledger shows
// such a notification pending (it ended after its write), the delivery
// controller records it instead of sending it again.
type heldOutcomes struct {
	m *cache.LRUExpireCache // inlineKey: ledger.Record
}

// heldMax bounds the outcomes held, and the written numbers remembered:
// at 100 breaches/s told to two destinations, heldTTL holds 24,000.
const heldMax = 1 << 16

func newHeldOutcomes(clk cache.Clock) *heldOutcomes {
	return &heldOutcomes{m: cache.NewLRUExpireCacheWithClock(heldMax, clk)}
}

type inlineKey struct {
	uid        types.UID
	id, target string
}

// InlineBatch is what one Send did; Written must be called once the status
// write it was folded into returned.
type InlineBatch struct {
	in   *Inline
	obj  *supportv1.Complaint
	jobs []*inlineJob
	// reused are outcomes held from an earlier pass, folded into this write.
	reused []ledger.Record
}

// inlineJob sends one destination's fresh notifications, in order.
type inlineJob struct {
	uid    types.UID
	name   types.NamespacedName
	target string
	items  []supportv1.Notification
	done   chan struct{}

	mu       sync.Mutex
	finished bool
	records  []ledger.Record
	// folded: the records went into the draft; committed/written: the
	// write returned (successfully).
	folded, committed, written bool
}

// escalationsKey carries the escalations of the pass to the payload.
type escalationsKey struct{}

// Send sends the notifications draft.Status queues that old.Status did not
// have, waits at most Wait, and merges the outcomes known by then into
// draft.Status (ledger and NotificationFailed). escs are the complaint's
// escalations of this pass (an Escalated names one created a moment ago).
// A nil Inline or batch is valid and does nothing.
func (in *Inline) Send(ctx context.Context, old, draft *supportv1.Complaint, policy *supportv1.ServicePolicySpec, escs []supportv1.Escalation) *InlineBatch {
	if in == nil || in.Wait <= 0 || policy == nil || in.inGrace(in.r.clock.Now()) || in.behind(old) {
		return nil
	}
	groups := freshHeads(old.Status.Notifications, draft.Status.Notifications)
	if len(groups) == 0 || !in.acquire() {
		return nil
	}
	defer func() { <-in.slots }()
	b := &InlineBatch{in: in, obj: draft}
	ctx = context.WithValue(context.WithoutCancel(ctx), escalationsKey{}, escs)
	for _, items := range groups {
		if recs := in.r.held.run(draft.UID, items); len(recs) > 0 {
			b.reused = append(b.reused, recs...)
			continue
		}
		if j := in.submit(ctx, draft, policy, items); j != nil {
			b.jobs = append(b.jobs, j)
		}
	}
	known := append(slices.Clone(b.reused), b.wait()...)
	if len(known) > 0 {
		in.r.src.apply(draft, known)
	}
	return b
}

// freshHeads groups, by destination, the notifications of draft that old
// did not have, for the destinations where they come first (nothing older
// pending): those the delivery controller would send next. A group ends
// before the first notification that is not sentInline.
func freshHeads(old, draft []supportv1.Notification) [][]supportv1.Notification {
	byTarget := map[string]int{}
	var groups [][]supportv1.Notification
	blocked, cut := map[string]bool{}, map[string]bool{}
	for _, n := range draft {
		if n.Failed || blocked[n.Target] || cut[n.Target] {
			continue
		}
		if ledger.Find(old, n.ID, n.Target) != nil || n.Attempts > 0 {
			blocked[n.Target] = true // an older one goes first
			continue
		}
		if !sentInline(n.Event) {
			cut[n.Target] = true // it, and what follows, after the write
			continue
		}
		i, ok := byTarget[n.Target]
		if !ok {
			i = len(groups)
			byTarget[n.Target] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], n)
	}
	out := groups[:0]
	for _, g := range groups {
		if !blocked[g[0].Target] {
			out = append(out, g)
		}
	}
	return out
}

// sentInline says whether notifications of ev may be sent before the write
// that records them. A crash (or a refused write) between the send and the
// write means the pass is decided again, from a newer read, and numbered
// again (a webhook-id is the event and its number): only events whose
// number cannot change then may go first, those ledger.NumberedFirst, and
// Escalated (its id is its escalation's). The rest is sent after the
// write, from the ledger.
func sentInline(ev supportv1.EventType) bool {
	return ledger.NumberedFirst(ev) || ev == supportv1.EventEscalated
}

// submit queues the job of one destination's fresh notifications when its
// lane takes it at once; nil when it does not (the delivery controller
// sends them after the write).
func (in *Inline) submit(ctx context.Context, c *supportv1.Complaint, policy *supportv1.ServicePolicySpec, items []supportv1.Notification) *inlineJob {
	r := in.r
	target := findTarget(policy.Notify, items[0].Target)
	if target == nil || target.Webhook == nil {
		return nil
	}
	uid := c.UID
	if r.track.busy(uid, items[0].Target) {
		return nil
	}
	hook := target.Webhook.DeepCopy()
	j := &inlineJob{uid: uid, name: types.NamespacedName{Namespace: c.Namespace, Name: c.Name}, target: items[0].Target, items: items, done: make(chan struct{})}
	r.track.set(uid, j.target, &trackState{inFlight: true})
	payload := c.DeepCopy()
	ok := r.dispatcher.SubmitIfFree(&Job{
		Lane: c.Namespace + "/" + c.Status.Policy + "/" + j.target,
		Run:  func(jctx context.Context) Attempt { return in.run(ctx, jctx, payload, j, hook) },
		Done: func(Attempt) { in.finish(j) },
	}, in.fast())
	if !ok {
		r.track.clear(uid, j.target)
		return nil
	}
	return j
}

// run sends the job's notifications in order, stopping at the first not
// delivered.
func (in *Inline) run(vctx, jctx context.Context, c *supportv1.Complaint, j *inlineJob, hook *supportv1.Webhook) Attempt {
	r := in.r
	ctx, cancel := context.WithCancel(vctx)
	defer cancel()
	stop := context.AfterFunc(jctx, cancel)
	defer stop()
	var last Attempt
	var recs []ledger.Record
	for _, item := range j.items {
		req, unsent := r.prepare(ctx, c, item, hook)
		var a Attempt
		if unsent != nil {
			a = Attempt{Record: r.decide(item, *unsent, hook)}
		} else {
			a = r.send(ctx, c, item, hook, req)
		}
		if a.Aborted {
			break
		}
		recs = append(recs, a.Record)
		if a.Sent {
			last.Sent = true
		}
		last.ReceiverFailed, last.Record = a.ReceiverFailed, a.Record
		if !a.Record.Delivered {
			break
		}
	}
	j.mu.Lock()
	j.records = recs
	j.mu.Unlock()
	last.Aborted = len(recs) == 0
	return last
}

// finish is a job's end: within the wait it is folded into the write;
// after it, its outcomes are recorded as any other once the write returned.
func (in *Inline) finish(j *inlineJob) {
	j.mu.Lock()
	j.finished = true
	close(j.done)
	late := !j.folded && j.committed
	j.mu.Unlock()
	if late {
		in.settleLate(j)
	}
}

// wait waits at most Wait for the jobs, and returns the outcomes of those
// finished: they are folded into the write.
func (b *InlineBatch) wait() []ledger.Record {
	if len(b.jobs) == 0 {
		return nil
	}
	timer := time.NewTimer(b.in.Wait)
	defer timer.Stop()
	for _, j := range b.jobs {
		select {
		case <-j.done:
		case <-timer.C:
		}
	}
	var out []ledger.Record
	for _, j := range b.jobs {
		j.mu.Lock()
		if j.finished {
			j.folded = true
			out = append(out, j.records...)
		}
		j.mu.Unlock()
	}
	b.in.r.held.keep(b.obj.UID, out)
	return out
}

// Written tells the batch whether the status write it was folded into
// succeeded. Folded outcomes then count as recorded (metrics, Warning
// Events of given-up ones); either way they stay held a while (heldTTL),
// for a pass that writes again or one that decides from a stale cache.
// Outcomes of jobs still running follow when they end.
func (b *InlineBatch) Written(ok bool) {
	if b == nil {
		return
	}
	in := b.in
	if ok && len(b.reused) > 0 {
		in.r.src.written(b.obj, b.reused)
		in.r.metrics.inline(inlineNextWrite, len(b.reused))
	}
	var folded []ledger.Record
	for _, j := range b.jobs {
		j.mu.Lock()
		j.committed, j.written = true, ok
		isFolded, late := j.folded, !j.folded && j.finished
		recs := j.records
		j.mu.Unlock()
		switch {
		case isFolded:
			if ok {
				folded = append(folded, recs...)
			}
			in.r.track.clear(b.obj.UID, j.target)
		case late:
			in.settleLate(j)
		}
	}
	if len(folded) > 0 {
		in.r.src.written(b.obj, folded)
		in.r.metrics.inline(inlineSameWrite, len(folded))
	}
}

// settleLate records the outcomes of a job that ended after the wait.
// Whichever pass wrote the notifications (this one, or one after it when
// this write failed), the outcomes are held: the next pass folds them into
// its write, or the delivery controller records them once the ledger shows
// the notification, and never sends it again. When this write went through
// they also go to the recorder at once.
func (in *Inline) settleLate(j *inlineJob) {
	j.mu.Lock()
	recs, written := j.records, j.written
	j.mu.Unlock()
	in.r.held.keep(j.uid, recs)
	if !written || len(recs) == 0 {
		in.r.track.clear(j.uid, j.target)
		in.r.poke(j.name)
		return
	}
	in.r.metrics.inline(inlineRecorder, len(recs))
	for _, rec := range recs {
		in.r.record(j.name, j.uid, j.target, Attempt{Record: rec})
	}
}

// keep holds recs of object uid.
func (h *heldOutcomes) keep(uid types.UID, recs []ledger.Record) {
	for _, rec := range recs {
		h.m.Add(inlineKey{uid, rec.ID, rec.Target}, rec, heldTTL)
	}
}

// get is the held outcome of one notification.
func (h *heldOutcomes) get(uid types.UID, id, target string) (ledger.Record, bool) {
	v, ok := h.m.Get(inlineKey{uid, id, target})
	if !ok {
		return ledger.Record{}, false
	}
	return v.(ledger.Record), true
}

// take returns (and forgets) the held outcome of one notification.
func (h *heldOutcomes) take(uid types.UID, id, target string) (ledger.Record, bool) {
	if h == nil {
		return ledger.Record{}, false
	}
	rec, ok := h.get(uid, id, target)
	h.m.Remove(inlineKey{uid, id, target})
	return rec, ok
}

// has says whether an outcome of one notification is held (a nil h holds
// none).
func (h *heldOutcomes) has(uid types.UID, id, target string) bool {
	if h == nil {
		return false
	}
	_, ok := h.get(uid, id, target)
	return ok
}

// run returns the held outcomes of items, in order, up to the first
// without one; they stay held.
func (h *heldOutcomes) run(uid types.UID, items []supportv1.Notification) []ledger.Record {
	var out []ledger.Record
	for _, n := range items {
		rec, ok := h.get(uid, n.ID, n.Target)
		if !ok {
			break
		}
		out = append(out, rec)
	}
	return out
}
