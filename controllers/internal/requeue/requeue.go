// Package requeue turns the instants the decisions return into the
// controllers' next look.
package requeue

import (
	"time"

	ctrl "sigs.k8s.io/controller-runtime"
)

// MinDelay is the shortest requeue: a zero or negative delay would spin or
// be ignored.
const MinDelay = 10 * time.Millisecond

// At asks to be called again at next (zero: not at all).
func At(next, now time.Time) ctrl.Result {
	if next.IsZero() {
		return ctrl.Result{}
	}
	return ctrl.Result{RequeueAfter: max(next.Sub(now), MinDelay)}
}

// Earliest is the earlier of two instants, a zero one meaning none.
func Earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

// AfterConflict asks to be called again soon, through the queue's rate
// limiter, after a write refused for a stale view: the next pass decides
// from the latest object. A write conflict is expected between writers of
// one status, so it is not returned as an error (which would be logged).
func AfterConflict() ctrl.Result {
	//nolint:staticcheck // Requeue is the rate-limited requeue; RequeueAfter would drop the backoff.
	return ctrl.Result{Requeue: true}
}
