package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// breachWindow is one rate of scenario 2: count complaints, from index
// first on, falling due at rate a second from start on.
type breachWindow struct {
	rate, first, count int
	start              time.Time
}

// breaches is scenario 2, steady breaches: a window of BENCH_SECONDS for
// each rate of BENCH_RATES, complaints falling due at that rate, each timed
// from its due time to its Escalation and its webhooks.
func (b *bench) breaches(ctx context.Context) error {
	windows, dueOf, t0 := b.planBreaches()
	total := len(dueOf)
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
	marks, cpuAt, err := b.breachWindows(ctx, windows)
	if err != nil {
		return err
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
	br.PendingLeft = b.pendingLeft(ctx, nsBreach)
	br.Rates = b.rateResults(windows, dueOf, cpuAt, end)
	b.writeArrivals(windows, dueOf)
	to, err := b.mark(ctx)
	if err != nil {
		return err
	}
	br.Phase = b.between(marks[0], to, nil)
	b.windowWrites(br, append(marks, to))
	b.res.Breaches = br
	return nil
}

// windowWrites divides the operator's writes by the breaches, for the
// whole phase and for each window from its mark to the next (marks has one
// more than the windows: the end of the phase). Each breach creates
// exactly one Escalation: dividing by those created in the stretch keeps
// the figure right when a backlog was carried over.
func (b *bench) windowWrites(br *BreachResult, marks []mark) {
	br.Writes = *perBreach(br.Phase.OperatorWrites, br.PreCreate.Count)
	br.BreachesWritten, br.WritesPerBreach = br.Writes.Breaches, br.Writes.PerBreach
	for k := range br.Rates {
		w := operatorWrites(marks[k+1].api.delta(marks[k].api), nil)
		br.Rates[k].Writes = perBreach(w, br.Rates[k].Breaches)
		if from, to := marks[k], marks[k+1]; from.mmOK && to.mmOK && from.starts == to.starts {
			br.Rates[k].Manager = to.mm.counters.sub(from.mm.counters)
		}
		logf("2 breaches %d/s: operator writes per breach %s", br.Rates[k].Rate, br.Rates[k].Writes)
	}
}

// planBreaches lays out scenario 2: its windows, one a rate, BENCH_GAP
// apart from t0 on (a margin from now to create the complaints first), and
// the due time of each complaint.
func (b *bench) planBreaches() (windows []breachWindow, dueOf []time.Time, t0 time.Time) {
	total := 0
	for _, r := range b.cfg.Rates {
		windows = append(windows, breachWindow{rate: r, first: total, count: r * b.cfg.Seconds})
		total += r * b.cfg.Seconds
	}
	span := time.Duration(len(windows)*(b.cfg.Seconds+b.cfg.Gap)-b.cfg.Gap) * time.Second
	margin := b.margin(total, "breaches", span+20*time.Second)
	t0 = fullSecond(time.Now().Add(margin))
	for k := range windows {
		windows[k].start = t0.Add(time.Duration(k*(b.cfg.Seconds+b.cfg.Gap)) * time.Second)
	}
	dueOf = make([]time.Time, total)
	for _, w := range windows {
		for i := range w.count {
			dueOf[w.first+i] = w.start.Add(time.Duration(i/w.rate) * time.Second)
		}
	}
	return windows, dueOf, t0
}

// breachWindows waits out the windows, taking the API server's and the
// manager's counters half a second before each (a mark: the last breaches
// of a window and its gap count for it, the next window's for the next)
// and the CPU counters at the start and the end of each (2k and 2k+1).
// With BENCH_GAP=0 a window's mark comes at its start.
func (b *bench) breachWindows(ctx context.Context, windows []breachWindow) ([]mark, []cpuSnap, error) {
	marks := make([]mark, len(windows))
	cpuAt := make([]cpuSnap, 2*len(windows))
	for k, w := range windows {
		if err := sleepUntil(ctx, w.start.Add(-500*time.Millisecond)); err != nil {
			return nil, nil, err
		}
		var err error
		if marks[k], err = b.mark(ctx); err != nil {
			return nil, nil, err
		}
		if err := sleepUntil(ctx, w.start); err != nil {
			return nil, nil, err
		}
		cpuAt[2*k] = b.cpuSnap()
		logf("2 breaches: %d/s for %ds", w.rate, b.cfg.Seconds)
		if w.rate == b.cfg.ProfileRate {
			go b.profileAPIServer(ctx, w.rate)
		}
		if err := sleepUntil(ctx, w.start.Add(time.Duration(b.cfg.Seconds)*time.Second)); err != nil {
			return nil, nil, err
		}
		cpuAt[2*k+1] = b.cpuSnap()
	}
	return marks, cpuAt, nil
}

// rateResults times each window's complaints from their due times to their
// Escalations and webhooks, as seen by end.
func (b *bench) rateResults(windows []breachWindow, dueOf []time.Time, cpuAt []cpuSnap, end time.Time) []RateResult {
	var rates []RateResult
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
		rates = append(rates, rr)
		logf("2 breaches %d/s: escalation %s, webhooks %s", w.rate, rr.Escalation.triple(), rr.Webhook.triple())
	}
	return rates
}

// profileAPIServer saves a 10 s CPU profile of the API server (its own
// /debug/pprof, read as the admin) next to the JSON, for go tool pprof.
func (b *bench) profileAPIServer(ctx context.Context, rate int) {
	raw, err := b.cl.cs.RESTClient().Get().AbsPath("/debug/pprof/profile").Param("seconds", "10").DoRaw(ctx)
	if err != nil {
		logf("2 breaches %d/s: API server profile: %v", rate, err)
		return
	}
	path := filepath.Join(b.dir, fmt.Sprintf("apiserver-%s-%dps.pprof", started.UTC().Format("20060102T150405Z"), rate))
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		logf("2 breaches %d/s: API server profile: %v", rate, err)
		return
	}
	logf("2 breaches %d/s: API server CPU profile in %s (go tool pprof -top %s)", rate, path, path)
}

// writeArrivals saves, for each complaint of scenario 2, its window's rate
// and the milliseconds from its due time to its Escalation and to each
// webhook (-1: not seen) as bin/bench/arrivals-<timestamp>.csv: the tail
// of a figure, complaint by complaint.
func (b *bench) writeArrivals(windows []breachWindow, dueOf []time.Time) {
	var sb strings.Builder
	sb.WriteString("rate,complaint,due,escalationMs,breachedMs,escalatedMs\n")
	ms := func(due, t time.Time) int64 {
		if t.IsZero() {
			return -1
		}
		return t.Sub(due).Milliseconds()
	}
	for _, w := range windows {
		for i := w.first; i < w.first+w.count; i++ {
			e, a, c := b.escalated(nsBreach, i)
			fmt.Fprintf(&sb, "%d,%s,%s,%d,%d,%d\n", w.rate, complaintName(i), dueOf[i].UTC().Format(time.RFC3339), ms(dueOf[i], e), ms(dueOf[i], a), ms(dueOf[i], c))
		}
	}
	path := filepath.Join(b.dir, "arrivals-"+started.UTC().Format("20060102T150405Z")+".csv")
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		logf("2 breaches: %v", err)
	}
}
