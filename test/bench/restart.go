package main

import (
	"context"
	"syscall"
	"time"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// restart is scenario 5: the manager is killed (SIGKILL) as complaints are
// about to fall due and stays down BENCH_OUTAGE, the write ceiling being
// measured meanwhile; then the time from its restart to every overdue
// Escalation.
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
	rr.Writes = perBreach(rr.Phase.OperatorWrites, count)
	b.res.Restart = rr
	return nil
}
