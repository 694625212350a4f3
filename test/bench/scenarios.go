package main

import (
	"context"
	"fmt"
	"time"

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
