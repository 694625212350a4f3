package main

import (
	"context"
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
