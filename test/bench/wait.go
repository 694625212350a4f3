package main

import (
	"context"
	"time"
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
