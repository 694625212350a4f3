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
