package main

import (
	"context"
	"fmt"
	"time"
)

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

// markAt waits until t, then marks.
func (b *bench) markAt(ctx context.Context, t time.Time) (mark, error) {
	if err := sleepUntil(ctx, t); err != nil {
		return mark{}, err
	}
	return b.mark(ctx)
}

// writesSince is the operator's API writes since from per breach; due is
// how many fell due (used when no Escalation was created).
func (b *bench) writesSince(ctx context.Context, from mark, due int) (*PerBreach, error) {
	to, err := b.cl.counts(ctx)
	if err != nil {
		return nil, err
	}
	return perBreach(operatorWrites(to.delta(from.api), nil), due), nil
}

// phase is what happened since from; harness are the harness's own writes
// in it, taken out of the operator's.
func (b *bench) phase(ctx context.Context, from mark, harness counters) (Phase, error) {
	to, err := b.mark(ctx)
	if err != nil {
		return Phase{}, err
	}
	return b.between(from, to, harness), nil
}

// between is what happened from one mark to another.
func (b *bench) between(from, to mark, harness counters) Phase {
	d := to.api.delta(from.api)
	p := Phase{Seconds: to.at.Sub(from.at).Seconds(), OperatorWrites: operatorWrites(d, harness), Requests: d.requests, Throttled: d.throttled,
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
	return p
}

// operatorWrites are the writes of d less the harness's own.
func operatorWrites(d apiCounts, harness counters) counters {
	ops := counters{}
	for k, v := range d.writes {
		if v -= harness[k]; v > 0.5 {
			ops[k] = v
		}
	}
	return ops
}

// perBreach divides the operator's writes by the Escalations they created
// (each breach creates exactly one), or by due, the breaches due, when
// they created none.
func perBreach(writes counters, due int) *PerBreach {
	n := int(writes["escalations POST"])
	per := float64(max(n, 1))
	if n == 0 {
		per = float64(max(due, 1))
	}
	p := &PerBreach{Breaches: n, Writes: writes.total(), By: counters{}}
	p.PerBreach = round3(p.Writes / per)
	for k, v := range writes {
		p.By[k] = round3(v / per)
	}
	return p
}

// String prints the figure with its largest series, e.g. "2.02
// (complaints/status PUT 1.00, escalations POST 1.00, events POST 0.02)".
func (p *PerBreach) String() string {
	if p == nil {
		return "not measured"
	}
	return fmt.Sprintf("%.2f (%s)", p.PerBreach, describe(p.By, 1, 6))
}
