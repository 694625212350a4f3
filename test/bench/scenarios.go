package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

const (
	nsOpen    = "bench-open"    // the open population: due in 24h
	nsBreach  = "bench-breach"  // steady breaches
	nsRestart = "bench-restart" // due during the restart outage
	hungDests = 10
	// breachTarget is the firstResponse target of the breaching complaints;
	// reportedAt = due − breachTarget places their due times.
	breachTarget = time.Hour
)

func nsDest(k int) string { return fmt.Sprintf("bench-dest-%d", k) }

// hungDest is the destination that never answers.
const hungDest = hungDests - 1

func (b *bench) setupNamespaces(ctx context.Context) error {
	type nsp struct {
		ns     string
		target time.Duration
		hung   bool
	}
	list := []nsp{{nsOpen, 24 * time.Hour, false}}
	if b.cfg.Scenarios["breaches"] {
		list = append(list, nsp{nsBreach, breachTarget, false})
	}
	if b.cfg.Scenarios["restart"] {
		list = append(list, nsp{nsRestart, breachTarget, false})
	}
	if b.cfg.Scenarios["hung"] {
		for k := range hungDests {
			list = append(list, nsp{nsDest(k), breachTarget, k == hungDest})
		}
	}
	for _, x := range list {
		if err := namespaceWithPolicy(ctx, b.cl.c, x.ns, b.secret, x.target, b.rcv.url(x.ns, x.hung)); err != nil {
			return fmt.Errorf("namespace %s: %w", x.ns, err)
		}
	}
	return nil
}

// mark is the counters at the start of a phase.
type mark struct {
	at     time.Time
	cpu2   cpuSnap
	api    apiCounts
	mm     managerMetrics
	mmOK   bool
	starts int
	cpu    time.Duration
}

func (b *bench) mark(ctx context.Context) (mark, error) {
	m := mark{at: time.Now(), starts: b.mgr.starts, cpu2: b.cpuSnap()}
	var err error
	if m.api, err = b.cl.counts(ctx); err != nil {
		return m, err
	}
	if m.mm, err = b.mgr.scrape(ctx); err == nil {
		m.mmOK = true
	}
	m.cpu, _, _, _ = b.mgr.usage()
	return m, nil
}

// phase is what happened since from; harness are the harness's own writes
// in it, taken out of the operator's.
func (b *bench) phase(ctx context.Context, from mark, harness counters) (Phase, error) {
	to, err := b.mark(ctx)
	if err != nil {
		return Phase{}, err
	}
	d := to.api.delta(from.api)
	ops := counters{}
	for k, v := range d.writes {
		if v -= harness[k]; v > 0.5 {
			ops[k] = v
		}
	}
	p := Phase{Seconds: to.at.Sub(from.at).Seconds(), OperatorWrites: ops, Requests: d.requests, Throttled: d.throttled,
		APIMeanMs: d.meanMs(), CPU: cores(from.cpu2, to.cpu2), CPUSeconds: (to.cpu - from.cpu).Seconds()}
	if to.mmOK {
		if from.mmOK && from.starts == to.starts {
			p.Manager = to.mm.counters.sub(from.mm.counters)
		} else {
			p.Manager = to.mm.counters.sub(counters{}) // a new process counts from zero
		}
	}
	p.MaxRSSMiB, p.MaxQueueDepth = b.peaks(from.at, to.at)
	if d.throttled > 0 {
		b.note("the API server answered %d requests with 429 (too many requests) in a phase of %.0fs", int(d.throttled), p.Seconds)
	}
	return p, nil
}

// ---- 1: intake burst -------------------------------------------------------

func (b *bench) intake(ctx context.Context) error {
	n := b.cfg.N
	logf("1 intake: creating %d complaints in %s with %d goroutines", n, nsOpen, b.cfg.Workers)
	due := newSeenTimes()
	w, err := watchDueTimes(ctx, b.cl, b.scheme, []string{nsOpen}, due)
	if err != nil {
		return err
	}
	defer w.stop()
	from, err := b.mark(ctx)
	if err != nil {
		return err
	}
	cr := createComplaints(ctx, b.cl.c, n, b.cfg.Workers, func(i int) *supportv1.Complaint {
		return newComplaint(nsOpen, i, time.Time{})
	})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	created := n - cr.failed
	createSecs := cr.last.Sub(cr.first).Seconds()
	logf("1 intake: %d created in %.1fs (%.0f/s); waiting for their due times", created, createSecs, float64(created)/createSecs)
	wait := b.capped(3*time.Minute, "intake")
	all, err := waitFor(ctx, wait, func() bool { return int(due.count.Load()) >= created })
	if err != nil {
		return err
	}
	end := time.Now()
	samples := make([]sample, 0, n)
	var lastDue time.Time
	for i := range n {
		if cr.created[i].IsZero() {
			continue
		}
		s := due.get(nsOpen + "/" + complaintName(i))
		samples = append(samples, sample{ref: cr.created[i], seen: s})
		if s.After(lastDue) {
			lastDue = s
		}
	}
	in := &IntakeResult{Count: n, Created: created, Failed: cr.failed, CreateSeconds: createSecs,
		CreatesPerSecond: float64(created) / math.Max(createSecs, 0.001), CreateToDue: summarize(samples, end),
		ObservedMs: ms(end.Sub(cr.last))}
	if all {
		v := ms(lastDue.Sub(cr.last))
		in.LastCreateToAll = &v
		in.DueTimesPerSecond = float64(created) / lastDue.Sub(cr.first).Seconds()
		logf("1 intake: every complaint has its due times %.1fs after the last create", v/1000)
	} else {
		in.DueTimesPerSecond = float64(due.count.Load()) / end.Sub(cr.first).Seconds()
		logf("1 intake: %d of %d still without due times after %s", created-int(due.count.Load()), created, wait)
	}
	b.createRate, b.dueRate, b.open = in.CreatesPerSecond, in.DueTimesPerSecond, created
	if ok, err := b.settle(ctx, b.capped(30*time.Second, "intake")); err != nil {
		return err
	} else if !ok {
		b.note("intake: the manager's queues were not empty at the end of the phase")
	}
	if in.Phase, err = b.phase(ctx, from, counters{"complaints POST": float64(n)}); err != nil {
		return err
	}
	in.WritesPerComplain = in.Phase.OperatorWrites.total() / float64(max(created, 1))
	b.res.Intake = in
	return nil
}

// ---- 4: resources at N open, idle -------------------------------------------

func (b *bench) idle(ctx context.Context) error {
	logf("4 resources: manager idle with %d open complaints (5s rest, then 10s)", b.open)
	if err := sleepUntil(ctx, time.Now().Add(5*time.Second)); err != nil {
		return err
	}
	cpu0, _, _, _ := b.mgr.usage()
	snap0 := b.cpuSnap()
	t0 := time.Now()
	var rssSum, rssMax float64
	var k int
	for range 10 {
		if err := sleepUntil(ctx, time.Now().Add(time.Second)); err != nil {
			return err
		}
		_, rss, _, _ := b.mgr.usage()
		rssSum += mib(rss)
		rssMax = max(rssMax, mib(rss))
		k++
	}
	cpu1, rss, _, _ := b.mgr.usage()
	secs := time.Since(t0).Seconds()
	b.res.Idle = &Window{OpenComplaints: b.open, Seconds: secs, RSSMiB: mib(rss), MaxRSSMiB: rssMax,
		CPUCores: (cpu1 - cpu0).Seconds() / secs, CPU: cores(snap0, b.cpuSnap())}
	logf("4 resources: idle RSS %.0f MiB (mean %.0f), CPU %.3f cores", mib(rss), rssSum/float64(k), b.res.Idle.CPUCores)
	return nil
}

// ---- pre-creation of complaints due later ------------------------------------

// margin is how long before their first due time complaints to be created
// are: enough to create them and for the manager to give them their due
// times, sized by what the intake burst measured.
func (b *bench) margin(count int, name string, after time.Duration) time.Duration {
	cr, dr := b.createRate, b.dueRate
	if cr <= 0 {
		cr = 300
	}
	if dr <= 0 {
		dr = 100
	}
	// Creating and giving due times overlap; the slower of the two, with
	// half more for safety (creates and status writes compete).
	est := time.Duration((1.5*max(float64(count)/cr, float64(count)/dr) + 10) * float64(time.Second))
	limit := b.left() - b.reserveAfter(name) - after
	return max(15*time.Second, min(est, 4*time.Minute, limit))
}

// precreate creates count complaints (build), due from firstDue on, and
// waits until each has its due times and the manager's queues are empty,
// at most until a second before firstDue.
func (b *bench) precreate(ctx context.Context, namespaces []string, count int, firstDue time.Time, build func(i int) *supportv1.Complaint) (PreCreate, error) {
	p := PreCreate{Count: count, MarginSecond: time.Until(firstDue).Seconds()}
	if mm, err := b.mgr.scrape(ctx); err == nil {
		p.BacklogAtStart = mm.depth
	}
	due := newSeenTimes()
	w, err := watchDueTimes(ctx, b.cl, b.scheme, namespaces, due)
	if err != nil {
		return p, err
	}
	defer w.stop()
	t0 := time.Now()
	cr := createComplaints(ctx, b.cl.c, count, b.cfg.Workers, build)
	if ctx.Err() != nil {
		return p, ctx.Err()
	}
	p.Failed, p.CreateSecond = cr.failed, cr.last.Sub(cr.first).Seconds()
	created := count - cr.failed
	limit := time.Until(firstDue) - time.Second
	all, err := waitFor(ctx, limit, func() bool { return int(due.count.Load()) >= created })
	if err != nil {
		return p, err
	}
	calm := false
	if all {
		if calm, err = b.settle(ctx, time.Until(firstDue)-time.Second); err != nil {
			return p, err
		}
	}
	p.Settled = all && calm
	p.SettledSeconds = time.Since(t0).Seconds()
	if !p.Settled {
		b.note("%d complaints created %.0fs before their first due time were not settled by then (%d of %d had due times): intake work overlapped the measurement",
			count, p.MarginSecond, due.count.Load(), created)
	}
	b.open += created
	return p, nil
}

// fullSecond is t rounded up to a whole second (due times have second precision).
func fullSecond(t time.Time) time.Time { return t.Truncate(time.Second).Add(time.Second) }

// escalated returns when the complaint's Escalation was first seen and when
// its two webhooks (Breached, Escalated) first arrived.
func (b *bench) escalated(ns string, i int) (esc, breached, escWebhook time.Time) {
	name := complaintName(i)
	esc = b.escs.get(ns + "/" + name + "-" + levelName)
	breached, escWebhook = b.rcv.arrivals(ns + "/" + name)
	return esc, breached, escWebhook
}

// allEscalated says whether each of the first count complaints of ns has
// its Escalation and both webhooks.
func (b *bench) allEscalated(ns string, count int) func() bool {
	return func() bool {
		for i := range count {
			if esc, a, c := b.escalated(ns, i); esc.IsZero() || a.IsZero() || c.IsZero() {
				return false
			}
		}
		return true
	}
}

func later(a, c time.Time) time.Time {
	if a.IsZero() || c.IsZero() {
		return time.Time{}
	}
	if a.After(c) {
		return a
	}
	return c
}

// ---- 2: steady breaches ------------------------------------------------------

func (b *bench) breaches(ctx context.Context) error {
	type window struct {
		rate, first, count int
		start              time.Time
	}
	var windows []window
	total := 0
	for _, r := range b.cfg.Rates {
		windows = append(windows, window{rate: r, first: total, count: r * b.cfg.Seconds})
		total += r * b.cfg.Seconds
	}
	span := time.Duration(len(windows)*(b.cfg.Seconds+b.cfg.Gap)-b.cfg.Gap) * time.Second
	margin := b.margin(total, "breaches", span+20*time.Second)
	t0 := fullSecond(time.Now().Add(margin))
	for k := range windows {
		windows[k].start = t0.Add(time.Duration(k*(b.cfg.Seconds+b.cfg.Gap)) * time.Second)
	}
	dueOf := make([]time.Time, total)
	for _, w := range windows {
		for i := range w.count {
			dueOf[w.first+i] = w.start.Add(time.Duration(i/w.rate) * time.Second)
		}
	}
	logf("2 breaches: creating %d complaints in %s due from %s on (in %.0fs) at %v/s for %ds each",
		total, nsBreach, t0.Format("15:04:05"), time.Until(t0).Seconds(), b.cfg.Rates, b.cfg.Seconds)
	pre, err := b.precreate(ctx, []string{nsBreach}, total, t0, func(i int) *supportv1.Complaint {
		return newComplaint(nsBreach, i, dueOf[i].Add(-breachTarget))
	})
	if err != nil {
		return err
	}
	br := &BreachResult{OpenComplaints: b.open, PreCreate: pre}
	logf("2 breaches: %d open complaints; pre-created in %.1fs, settled=%v; first window at %s", b.open, pre.CreateSecond, pre.Settled, t0.Format("15:04:05"))
	if err := sleepUntil(ctx, t0.Add(-500*time.Millisecond)); err != nil {
		return err
	}
	from, err := b.mark(ctx)
	if err != nil {
		return err
	}
	cpuAt := make([]cpuSnap, 2*len(windows))
	for k, w := range windows {
		if err := sleepUntil(ctx, w.start); err != nil {
			return err
		}
		cpuAt[2*k] = b.cpuSnap()
		logf("2 breaches: %d/s for %ds", w.rate, b.cfg.Seconds)
		if err := sleepUntil(ctx, w.start.Add(time.Duration(b.cfg.Seconds)*time.Second)); err != nil {
			return err
		}
		cpuAt[2*k+1] = b.cpuSnap()
	}
	lastEnd := windows[len(windows)-1].start.Add(time.Duration(b.cfg.Seconds) * time.Second)
	drain := b.capped(90*time.Second, "breaches")
	logf("2 breaches: windows over; waiting up to %s for every escalation and webhook", drain)
	done, err := waitFor(ctx, drain, b.allEscalated(nsBreach, total))
	if err != nil {
		return err
	}
	end := time.Now()
	br.DrainComplete, br.DrainSeconds = done, end.Sub(lastEnd).Seconds()
	// What is left (deliveries, summaries) is let finish, within the
	// budget, so the next scenario starts from a quiet manager.
	if ok, err := b.settle(ctx, b.capped(45*time.Second, "breaches")); err != nil {
		return err
	} else if !ok {
		b.note("breaches: the manager's queues were still not empty %.0fs after the last window", time.Since(lastEnd).Seconds())
	}
	for k, w := range windows {
		var esc, hb, he, both []sample
		for i := w.first; i < w.first+w.count; i++ {
			e, a, c := b.escalated(nsBreach, i)
			esc = append(esc, sample{dueOf[i], e})
			hb = append(hb, sample{dueOf[i], a})
			he = append(he, sample{dueOf[i], c})
			both = append(both, sample{dueOf[i], later(a, c)})
		}
		wEnd := w.start.Add(time.Duration(b.cfg.Seconds) * time.Second)
		rr := RateResult{Rate: w.rate, Breaches: w.count, WindowStart: w.start,
			Escalation: summarize(esc, end), WebhookBreached: summarize(hb, end), WebhookEscalated: summarize(he, end), Webhook: summarize(both, end),
			CPU: cores(cpuAt[2*k], cpuAt[2*k+1])}
		rr.CPUCores = rr.CPU["manager"]
		rr.MaxRSSMiB, rr.MaxQueueDepth = b.peaks(w.start, wEnd)
		br.Rates = append(br.Rates, rr)
		logf("2 breaches %d/s: escalation %s, webhooks %s", w.rate, rr.Escalation.triple(), rr.Webhook.triple())
	}
	if br.Phase, err = b.phase(ctx, from, nil); err != nil {
		return err
	}
	// Each breach creates exactly one Escalation: dividing by those created
	// in the phase keeps the figure right when a backlog was left over.
	br.BreachesWritten = int(br.Phase.OperatorWrites["escalations POST"])
	br.WritesPerBreach = br.Phase.OperatorWrites.total() / float64(max(br.BreachesWritten, 1))
	if br.BreachesWritten == 0 {
		br.WritesPerBreach = br.Phase.OperatorWrites.total() / float64(total)
	}
	b.res.Breaches = br
	return nil
}

// ---- 5: restart, with the write ceiling measured during the outage ------------

func (b *bench) restart(ctx context.Context) error {
	outage := time.Duration(b.cfg.Outage) * time.Second
	count := b.cfg.RestartRate * (b.cfg.Outage - 2)
	margin := b.margin(count, "restart", outage+20*time.Second)
	kill := fullSecond(time.Now().Add(margin))
	firstDue := kill.Add(time.Second)
	dueOf := func(i int) time.Time { return firstDue.Add(time.Duration(i/b.cfg.RestartRate) * time.Second) }
	logf("5 restart: creating %d complaints in %s due during a %s outage from %s", count, nsRestart, outage, kill.Format("15:04:05"))
	pre, err := b.precreate(ctx, []string{nsRestart}, count, kill, func(i int) *supportv1.Complaint {
		return newComplaint(nsRestart, i, dueOf(i).Add(-breachTarget))
	})
	if err != nil {
		return err
	}
	rr := &RestartResult{Overdue: count, PreCreate: pre}
	if err := sleepUntil(ctx, kill); err != nil {
		return err
	}
	from, err := b.mark(ctx)
	if err != nil {
		return err
	}
	logf("5 restart: SIGKILL the manager (pid %d)", b.mgr.pid())
	rr.KilledAt = time.Now()
	b.mgr.kill(syscall.SIGKILL, 10*time.Second)
	harness := counters{}
	if b.cfg.Scenarios["capacity"] {
		c, err := b.ceilingFor(ctx, min(10*time.Second, outage-8*time.Second), "manager down during the restart outage")
		if err != nil {
			return err
		}
		harness["complaints/status PUT"] = float64(c.Updates + c.Errors)
	}
	if err := sleepUntil(ctx, kill.Add(outage)); err != nil {
		return err
	}
	logf("5 restart: starting the manager again")
	startedAt, readyAt, err := b.mgr.start(ctx, 60*time.Second)
	if err != nil {
		return err
	}
	rr.RestartedAt = startedAt
	rr.ReadyAfterMs = ms(readyAt.Sub(startedAt))
	wait := b.capped(90*time.Second, "restart")
	if _, err := waitFor(ctx, wait, b.allEscalated(nsRestart, count)); err != nil {
		return err
	}
	end := time.Now()
	var fromRestart, hooks, late []sample
	var last time.Time
	all := true
	for i := range count {
		e, a, c := b.escalated(nsRestart, i)
		fromRestart = append(fromRestart, sample{startedAt, e})
		hooks = append(hooks, sample{startedAt, later(a, c)})
		late = append(late, sample{dueOf(i), e})
		if e.IsZero() {
			all = false
		} else if e.After(last) {
			last = e
		}
	}
	rr.FromRestart, rr.WebhooksAfter, rr.Lateness = summarize(fromRestart, end), summarize(hooks, end), summarize(late, end)
	if all {
		v := ms(last.Sub(startedAt))
		rr.AllEscalated = &v
	}
	logf("5 restart: ready after %s; escalations from restart %s", secs(rr.ReadyAfterMs), rr.FromRestart.triple())
	if _, err := b.settle(ctx, b.capped(20*time.Second, "restart")); err != nil {
		return err
	}
	if rr.Phase, err = b.phase(ctx, from, harness); err != nil {
		return err
	}
	b.res.Restart = rr
	return nil
}

func (b *bench) ceiling(ctx context.Context, when string) error {
	_, err := b.ceilingFor(ctx, 10*time.Second, when)
	return err
}

// ceilingFor measures the API server's write ceiling while the manager is
// down: status updates of the open complaints from one process, 16
// goroutines, each on its own complaints, for d. Each complaint's
// status.observedGeneration is moved and put back, so every update is a
// real write and every complaint ends as the operator left it (nothing for
// a restarted manager to redo).
func (b *bench) ceilingFor(ctx context.Context, d time.Duration, when string) (*CeilingResult, error) {
	var list supportv1.ComplaintList
	lctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := b.cl.c.List(lctx, &list, client.InNamespace(nsOpen)); err != nil {
		return nil, fmt.Errorf("listing for the write ceiling: %w", err)
	}
	var size int
	for i := range list.Items {
		if raw, err := json.Marshal(&list.Items[i]); err == nil {
			size += len(raw)
		}
	}
	const goroutines = 16
	const shift = 1_000_000
	logf("3 capacity: write ceiling: status updates of %d complaints, %d goroutines, %s", len(list.Items), goroutines, d)
	var updates, errs atomic.Int64
	var wg sync.WaitGroup
	snap0 := b.cpuSnap()
	t0 := time.Now()
	end := t0.Add(d)
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := g; k < len(list.Items) && time.Now().Before(end) && ctx.Err() == nil; k += goroutines {
				obj := &list.Items[k]
				orig := obj.Status.ObservedGeneration
				obj.ManagedFields = nil
				obj.Status.ObservedGeneration = orig + shift
				if err := b.cl.c.Status().Update(ctx, obj); err != nil {
					errs.Add(1)
					continue
				}
				updates.Add(1)
				// Put it back, however long that takes.
				for attempt := 0; attempt < 5; attempt++ {
					obj.ManagedFields = nil
					obj.Status.ObservedGeneration = orig
					err := b.cl.c.Status().Update(context.WithoutCancel(ctx), obj)
					if err == nil {
						updates.Add(1)
						break
					}
					errs.Add(1)
					_ = b.cl.c.Get(context.WithoutCancel(ctx), client.ObjectKeyFromObject(obj), obj)
				}
				if k+goroutines >= len(list.Items) {
					// Around again: each object kept the resourceVersion of
					// its last update.
					k = g - goroutines
				}
			}
		}()
	}
	wg.Wait()
	secs := time.Since(t0).Seconds()
	c := &CeilingResult{When: when, Goroutines: goroutines, Seconds: secs, Objects: len(list.Items),
		Updates: int(updates.Load()), Errors: int(errs.Load()), UpdatesPerSecond: float64(updates.Load()) / secs,
		ObjectBytes: size / max(len(list.Items), 1), CPU: cores(snap0, b.cpuSnap())}
	if b.res.Intake != nil {
		c.CreatesPerSecond = b.res.Intake.CreatesPerSecond
	}
	logf("3 capacity: write ceiling %.0f status updates/s (%d errors)", c.UpdatesPerSecond, c.Errors)
	b.res.Ceiling = c
	return c, ctx.Err()
}

// ---- 6: one hung destination among ten ----------------------------------------

func (b *bench) hung(ctx context.Context) error {
	rate := b.cfg.HungRate
	count := rate * b.cfg.Seconds
	window := time.Duration(b.cfg.Seconds) * time.Second
	margin := b.margin(count, "hung", window+20*time.Second)
	t0 := fullSecond(time.Now().Add(margin))
	dueOf := func(i int) time.Time { return t0.Add(time.Duration(i/rate) * time.Second) }
	nsOf := func(i int) string { return nsDest(i % hungDests) }
	var namespaces []string
	for k := range hungDests {
		namespaces = append(namespaces, nsDest(k))
	}
	logf("6 hung: creating %d complaints over %d namespaces (one destination each, %s hung), due from %s at %d/s",
		count, hungDests, nsDest(hungDest), t0.Format("15:04:05"), rate)
	pre, err := b.precreate(ctx, namespaces, count, t0, func(i int) *supportv1.Complaint {
		return newComplaint(nsOf(i), i, dueOf(i).Add(-breachTarget))
	})
	if err != nil {
		return err
	}
	hr := &HungResult{Destinations: hungDests, Rate: rate, PreCreate: pre}
	heldBefore := b.rcv.hungTotal.Load()
	dupes, bad, malformed := b.rcv.duplicates.Load(), b.rcv.badSignature.Load(), b.rcv.malformed.Load()
	if err := sleepUntil(ctx, t0); err != nil {
		return err
	}
	snap0 := b.cpuSnap()
	if err := sleepUntil(ctx, t0.Add(window)); err != nil {
		return err
	}
	hr.CPU = cores(snap0, b.cpuSnap())
	hr.CPUCores = hr.CPU["manager"]
	wait := b.capped(60*time.Second, "hung")
	logf("6 hung: window over; waiting up to %s for the other destinations", wait)
	done, err := waitFor(ctx, wait, func() bool {
		for i := range count {
			esc, a, c := b.escalated(nsOf(i), i)
			if esc.IsZero() || (i%hungDests != hungDest && (a.IsZero() || c.IsZero())) {
				return false
			}
		}
		return true
	})
	if err != nil {
		return err
	}
	end := time.Now()
	hr.DrainComplete = done
	var healthy, hooks, hung []sample
	for i := range count {
		e, a, c := b.escalated(nsOf(i), i)
		if i%hungDests == hungDest {
			hung = append(hung, sample{dueOf(i), e})
			if !a.IsZero() || !c.IsZero() {
				hr.HungWebhooksSeen++
			}
			continue
		}
		healthy = append(healthy, sample{dueOf(i), e})
		hooks = append(hooks, sample{dueOf(i), later(a, c)})
	}
	hr.Healthy, hr.HealthyWebhook, hr.HungEscalation = summarize(healthy, end), summarize(hooks, end), summarize(hung, end)
	hr.HungRequests = b.rcv.hungTotal.Load() - heldBefore
	hr.ReceiverDupes = b.rcv.duplicates.Load() - dupes
	hr.ReceiverBadSig = b.rcv.badSignature.Load() - bad
	hr.ReceiverMalformed = b.rcv.malformed.Load() - malformed
	logf("6 hung: others' escalations %s, webhooks %s; hung one's escalations %s",
		hr.Healthy.triple(), hr.HealthyWebhook.triple(), hr.HungEscalation.triple())
	b.res.Hung = hr
	return nil
}

// ---- 3 and 4: derived figures ---------------------------------------------------

func (b *bench) finish() {
	r := b.res
	if b.cfg.Scenarios["capacity"] && r.Breaches != nil {
		c := &CapacityResult{WritesPerBreach: r.Breaches.WritesPerBreach}
		for _, x := range append(r.Breaches.Rates, r.Probes...) {
			if within(x.Escalation.P99Ms, x.Escalation.P99Bound, time.Second) && x.Rate > c.HighestRate {
				c.HighestRate = x.Rate
			}
		}
		if r.Intake != nil {
			c.WritesPerIntake = r.Intake.WritesPerComplain
		}
		if r.Ceiling != nil {
			c.WriteCeiling = r.Ceiling.UpdatesPerSecond
		}
		if c.WriteCeiling > 0 && c.WritesPerBreach > 0 {
			c.Bound = c.WriteCeiling / c.WritesPerBreach
			c.Ratio = float64(c.HighestRate) / c.Bound
		}
		r.Capacity = c
	}
	if b.cfg.Scenarios["resources"] {
		cpu, _, hwm, _ := b.mgr.usage()
		rs := &ResourcesResult{Idle: r.Idle, PeakRSSMiB: mib(hwm), CPUSeconds: cpu.Seconds()}
		if r.Breaches != nil {
			for _, x := range r.Breaches.Rates {
				rs.LoadMaxRSSMiB = max(rs.LoadMaxRSSMiB, x.MaxRSSMiB)
			}
		}
		r.Resources = rs
	}
}

// ---- 3: breach capacity, probed between the rates of scenario 2 -------------------

// probeRate is the next rate to try: the midpoint of the highest rate
// that met p99 ≤ 1 s and the lowest that did not (0 when there is no gap
// left to split).
func probeRate(pass, fail int) int {
	if fail == 0 || fail-pass <= 1 {
		return 0
	}
	return (pass + fail) / 2
}

// capacity bisects the gap between the first two rates of BENCH_RATES
// (10 and 50 by default: the first is expected on time, the second late),
// BENCH_PROBES times, each probe a window of BENCH_SECONDS in a namespace of
// its own. It runs before scenario 2, whose highest rates leave a backlog
// minutes long; a probe leaves little, and the next waits for it to clear.
func (b *bench) capacity(ctx context.Context) error {
	if len(b.cfg.Rates) < 2 {
		return nil
	}
	pass, fail := b.cfg.Rates[0], b.cfg.Rates[1]
	for range b.cfg.Probes {
		rate := probeRate(pass, fail)
		if rate == 0 || b.left() < b.minNeeded("capacity")/time.Duration(b.cfg.Probes)+b.reserveAfter("capacity") {
			break
		}
		rr, err := b.probe(ctx, rate)
		if err != nil {
			return err
		}
		b.res.Probes = append(b.res.Probes, rr)
		if within(rr.Escalation.P99Ms, rr.Escalation.P99Bound, time.Second) {
			pass = rate
		} else {
			fail = rate
		}
	}
	return nil
}

// probe runs one window of breaches at rate.
func (b *bench) probe(ctx context.Context, rate int) (RateResult, error) {
	ns := fmt.Sprintf("bench-probe-%d", rate)
	if err := namespaceWithPolicy(ctx, b.cl.c, ns, b.secret, breachTarget, b.rcv.url(ns, false)); err != nil {
		return RateResult{}, fmt.Errorf("namespace %s: %w", ns, err)
	}
	count := rate * b.cfg.Seconds
	t0 := fullSecond(time.Now().Add(b.margin(count, "capacity", time.Duration(b.cfg.Seconds+30)*time.Second)))
	dueOf := func(i int) time.Time { return t0.Add(time.Duration(i/rate) * time.Second) }
	logf("3 capacity: probing %d/s: %d complaints in %s due from %s on", rate, count, ns, t0.Format("15:04:05"))
	pre, err := b.precreate(ctx, []string{ns}, count, t0, func(i int) *supportv1.Complaint {
		return newComplaint(ns, i, dueOf(i).Add(-breachTarget))
	})
	if err != nil {
		return RateResult{}, err
	}
	if err := sleepUntil(ctx, t0); err != nil {
		return RateResult{}, err
	}
	before := b.cpuSnap()
	wEnd := t0.Add(time.Duration(b.cfg.Seconds) * time.Second)
	if err := sleepUntil(ctx, wEnd); err != nil {
		return RateResult{}, err
	}
	after := b.cpuSnap()
	if _, err := waitFor(ctx, b.capped(30*time.Second, "capacity"), b.allEscalated(ns, count)); err != nil {
		return RateResult{}, err
	}
	end := time.Now()
	var esc, both []sample
	for i := range count {
		e, a, c := b.escalated(ns, i)
		esc = append(esc, sample{dueOf(i), e})
		both = append(both, sample{dueOf(i), later(a, c)})
	}
	rr := RateResult{Rate: rate, Breaches: count, WindowStart: t0, Settled: pre.Settled,
		Escalation: summarize(esc, end), Webhook: summarize(both, end), CPU: cores(before, after)}
	rr.CPUCores = rr.CPU["manager"]
	rr.MaxRSSMiB, rr.MaxQueueDepth = b.peaks(t0, wEnd)
	logf("3 capacity %d/s: escalation %s, webhooks %s", rate, rr.Escalation.triple(), rr.Webhook.triple())
	if ok, err := b.settle(ctx, b.capped(30*time.Second, "capacity")); err != nil {
		return rr, err
	} else if !ok {
		b.note("capacity: the manager's queues were still not empty after the %d/s probe", rate)
	}
	return rr, nil
}
