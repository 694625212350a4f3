package main

import (
	"context"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/ledger"
)

// waitFor polls cond every 100 ms until it holds, ctx ends or wait passes.
func waitFor(ctx context.Context, wait time.Duration, cond func() bool) (bool, error) {
	deadline := time.Now().Add(wait)
	for {
		if cond() {
			return true, nil
		}
		if time.Now().After(deadline) {
			return false, nil
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// settle waits until the manager's work queues are empty and idle twice in
// a row, half a second apart, at most wait.
func (b *bench) settle(ctx context.Context, wait time.Duration) (bool, error) {
	calm := 0
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		mm, err := b.mgr.scrape(ctx)
		if err == nil && mm.depth == 0 && mm.busy == 0 {
			calm++
			if calm == 2 {
				return true, nil
			}
		} else {
			calm = 0
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
	return false, nil
}

// sleepUntil sleeps until t or ctx ends.
func sleepUntil(ctx context.Context, t time.Time) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Until(t)):
		return nil
	}
}

// pendingLeft counts the notifications still pending in the ledgers of
// ns's complaints (read from the API server, not a cache), or nil when they
// cannot be read.
func (b *bench) pendingLeft(ctx context.Context, ns string) *int {
	var list supportv1.ComplaintList
	if err := b.cl.c.List(ctx, &list, client.InNamespace(ns)); err != nil {
		logf("counting pending notifications in %s: %v", ns, err)
		return nil
	}
	n := 0
	for i := range list.Items {
		n += ledger.Pending(list.Items[i].Status.Notifications)
	}
	if n > 0 {
		b.note("%s: %d notifications still pending in the ledgers once the manager settled", ns, n)
	}
	return &n
}
