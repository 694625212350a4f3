package main

import (
	"context"
	"time"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// hung is scenario 6: breaches spread over ten destinations, one of which
// never answers; the other nine are timed as if it did not exist.
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
	from, err := b.markAt(ctx, t0.Add(-500*time.Millisecond))
	if err != nil {
		return err
	}
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
	if hr.Writes, err = b.writesSince(ctx, from, count); err != nil {
		return err
	}
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
	logf("6 hung: others' escalations %s, webhooks %s; hung one's escalations %s; operator writes per breach %s",
		hr.Healthy.triple(), hr.HealthyWebhook.triple(), hr.HungEscalation.triple(), hr.Writes)
	b.res.Hung = hr
	return nil
}
