package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

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
	from, err := b.markAt(ctx, t0.Add(-500*time.Millisecond))
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
	rr.PendingLeft = b.pendingLeft(ctx, ns)
	rr.Writes, err = b.writesSince(ctx, from, count)
	logf("3 capacity %d/s: operator writes per breach %s", rate, rr.Writes)
	return rr, err
}
