package delivery

import (
	"sync/atomic"
	"time"

	"k8s.io/utils/clock"
)

// Deadline pressure: how late a due pass may be before bookkeeping yields,
// how long one late pass counts, and how long bookkeeping waits at most.
const (
	pressureLateness = 500 * time.Millisecond
	pressureHold     = time.Second
	maxYield         = 5 * time.Second
	yieldStep        = 100 * time.Millisecond
)

// Pressure tells the recorder when the deadline path is behind, so that
// delivery bookkeeping (outcome writes) waits and the API server serves
// the deadlines first: under overload lateness grows for the bookkeeping,
// not for the breaches. The complaint controller reports the lateness of
// each pass at a due time; a nil Pressure is never behind.
type Pressure struct {
	Clock clock.PassiveClock
	// until is when the latest report of a late pass stops counting
	// (Unix nanoseconds).
	until atomic.Int64
}

// Late reports a pass that ran lateness after the due time it was for.
func (p *Pressure) Late(lateness time.Duration) {
	if p == nil || lateness < pressureLateness {
		return
	}
	p.until.Store(p.Clock.Now().Add(pressureHold).UnixNano())
}

// Behind says whether a due pass ran late a moment ago.
func (p *Pressure) Behind() bool {
	return p != nil && p.Clock.Now().UnixNano() < p.until.Load()
}
