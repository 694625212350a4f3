package webhook

import (
	"math"
	"time"
)

// DefaultBackoff supplies the values used for a zero Backoff.Base or Backoff.Max.
// A receiver that comes back is retried within five minutes.
var DefaultBackoff = Backoff{Base: 10 * time.Second, Max: 5 * time.Minute}

// Backoff is exponential backoff with "equal jitter".
// Base <= 0 and Max <= 0 take DefaultBackoff's values; Max < Base is raised to Base.
type Backoff struct {
	Base, Max time.Duration
}

// Delay says how long to wait before attempt n+1 after n failed attempts
// (n < 1 is treated as 1): with d = min(Max, Base*2^(n-1)) it returns
// ceil(d/2) + rnd*floor(d/2), i.e. a value in [d/2, d]. rnd is clamped to
// [0,1) (NaN counts as 0). Pure, overflow-safe, and never <= 0.
func (b Backoff) Delay(failedAttempts int, rnd float64) time.Duration {
	base, maxD := b.Base, b.Max
	if base <= 0 {
		base = DefaultBackoff.Base
	}
	if maxD <= 0 {
		maxD = DefaultBackoff.Max
	}
	maxD = max(maxD, base)

	d := base
	for i := 1; i < failedAttempts && d < maxD; i++ {
		if d > maxD/2 { // doubling would exceed Max (or overflow)
			d = maxD
			break
		}
		d *= 2
	}
	d = min(d, maxD)

	if math.IsNaN(rnd) || rnd < 0 {
		rnd = 0
	}
	if rnd >= 1 {
		rnd = math.Nextafter(1, 0)
	}
	half := d / 2
	fixed := d - half // >= 1 because d >= 1
	jitter := time.Duration(rnd * float64(half))
	jitter = min(max(jitter, 0), half) // guard float rounding
	return fixed + jitter
}

// NextAttempt is when to try again after failedAttempts failures at now: the
// jittered backoff, or the receiver's Retry-After when longer, rounded up to
// the next whole second (the precision of status timestamps).
func (b Backoff) NextAttempt(now time.Time, failedAttempts int, retryAfter time.Duration, rnd float64) time.Time {
	wait := b.Delay(failedAttempts, rnd)
	if retryAfter > wait {
		wait = retryAfter
	}
	return now.Add(wait).Truncate(time.Second).Add(time.Second)
}
