package main

import (
	"context"
	"time"
)

// idle is scenario 4's idle window: the manager's memory and CPU with the
// intake's complaints open and nothing due.
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

// finish derives the figures of scenarios 3 (capacity), 4 (resources)
// and the target of 5 (restart) from what the scenarios measured.
func (b *bench) finish() {
	r := b.res
	if b.cfg.Scenarios["capacity"] && r.Breaches != nil {
		r.Capacity = capacityOf(r)
	}
	if b.cfg.Scenarios["resources"] {
		cpu, _, hwm, _ := b.mgr.usage()
		rs := &ResourcesResult{Idle: r.Idle, PeakRSSMiB: mib(hwm), CPUSeconds: cpu.Seconds()}
		if r.Breaches != nil {
			for _, x := range r.Breaches.Rates {
				rs.LoadMaxRSSMiB = max(rs.LoadMaxRSSMiB, x.MaxRSSMiB)
				if x.Rate == 100 {
					v := x.MaxRSSMiB
					rs.At100MaxRSSMiB = &v
				}
			}
		}
		r.Resources = rs
	}
	if r.Restart != nil && r.Ceiling != nil && r.Ceiling.UpdatesPerSecond > 0 {
		v := restartBound(r.Restart.Overdue, r.Ceiling.UpdatesPerSecond).Seconds() * 1000
		r.Restart.AllEscalatedBoundMs = &v
	}
}

// capacityOf is scenario 3 from scenario 2, the probes, the intake and
// the write ceiling.
func capacityOf(r *Result) *CapacityResult {
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
	if c.WriteCeiling > 0 {
		c.ThirdOfCeiling = c.WriteCeiling / 3
		c.ThirdRatio = float64(c.HighestRate) / c.ThirdOfCeiling
	}
	return c
}

// restartBound is the target of restart → every overdue Escalation: 1.25
// × the time the overdue complaints' writes take at the write ceiling
// (status updates/s), three writes each.
func restartBound(overdue int, ceiling float64) time.Duration {
	return time.Duration(1.25 * float64(overdue) * 3 / ceiling * float64(time.Second))
}
