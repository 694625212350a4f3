package main

import (
	"context"
	"math"
	"time"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// intake is scenario 1, the intake burst: BENCH_N complaints created at
// once, due in 24h, timed from their create to their due times. They stay
// open as every later scenario's background.
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
