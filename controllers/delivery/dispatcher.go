package delivery

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"k8s.io/utils/clock"

	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/ledger"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/webhook"
)

// Defaults of the Dispatcher.
const (
	// DefaultWorkers bounds the requests in flight overall.
	DefaultWorkers = 32
	// DefaultPerDestination bounds the requests in flight to one destination.
	DefaultPerDestination = 4
	// DefaultOpenAfter is how many consecutive receiver failures back a
	// destination off as a whole.
	DefaultOpenAfter = 3
)

// Attempt is what a Job did.
type Attempt struct {
	// Record to record in the ledger.
	Record ledger.Record
	// Sent: a request reached for the receiver; only those tell about the
	// destination's health.
	Sent bool
	// ReceiverFailed: the receiver did not take it (network error, timeout,
	// 5xx, 429...). Consecutive ones back the destination off.
	ReceiverFailed bool
	// Aborted: nothing to record (shutdown, or the notification is no longer
	// pending); the ledger keeps it as it was.
	Aborted bool
}

// Job is one attempt at one notification, queued on its destination's lane.
type Job struct {
	// Lane names the destination (namespace/policy/target).
	Lane string
	// Run makes the attempt; it is called on a dispatcher worker, never on a
	// reconciler's.
	Run func(ctx context.Context) Attempt
	// Done receives what Run did (Aborted when the dispatcher stopped first).
	Done func(Attempt)
}

// Dispatcher sends webhook requests on its own workers, so no reconciler
// ever waits on a receiver. Each destination has a lane: at most
// PerDestination requests in flight, FIFO. A destination whose receiver
// failed OpenAfter times in a row is backed off as a whole: one probe at a
// time, spaced by Backoff, until one succeeds. At most Workers requests are
// in flight overall. It is a manager Runnable that runs on the leader.
type Dispatcher struct {
	// Workers bounds the requests in flight overall (default DefaultWorkers).
	Workers int
	// PerDestination bounds the requests in flight per lane (default DefaultPerDestination).
	PerDestination int
	// OpenAfter consecutive receiver failures back a lane off (default DefaultOpenAfter).
	OpenAfter int
	// Backoff spaces the probes of a backed-off lane.
	Backoff webhook.Backoff
	// Clock tells the time and wakes a backed-off lane (default the real clock).
	Clock clock.Clock
	// Rand returns a number in [0,1) for jitter.
	Rand func() float64

	once   sync.Once
	mu     sync.Mutex
	lanes  map[string]*lane
	slots  chan struct{}
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// lane is one destination's queue and health.
type lane struct {
	queue    []*Job
	inFlight int
	// failures counts consecutive receiver failures; retryAt is when a
	// backed-off lane may probe again.
	failures int
	retryAt  time.Time
	// timer wakes a backed-off lane (nil: none).
	timer *wakeTimer
	// took is how long its recent requests took (a moving average of the
	// jobs that sent; zero: none yet).
	took time.Duration
}

// wakeTimer is a lane's timer; stop stops it.
type wakeTimer struct{ stop func() }

func (d *Dispatcher) init() {
	d.once.Do(func() {
		if d.Workers <= 0 {
			d.Workers = DefaultWorkers
		}
		if d.PerDestination <= 0 {
			d.PerDestination = DefaultPerDestination
		}
		if d.OpenAfter <= 0 {
			d.OpenAfter = DefaultOpenAfter
		}
		if d.Clock == nil {
			d.Clock = clock.RealClock{}
		}
		if d.Rand == nil {
			d.Rand = rand.Float64
		}
		d.lanes = map[string]*lane{}
		d.slots = make(chan struct{}, d.Workers)
		d.ctx, d.cancel = context.WithCancel(context.Background())
	})
}

// Start runs until ctx ends, then cancels the requests in flight and waits
// for them (their jobs are Done as Aborted: the ledger keeps them pending).
func (d *Dispatcher) Start(ctx context.Context) error {
	d.init()
	<-ctx.Done()
	d.mu.Lock()
	d.cancel()
	var queued []*Job
	for key, l := range d.lanes {
		queued = append(queued, l.queue...)
		l.queue = nil
		if l.timer != nil {
			l.timer.stop()
		}
		delete(d.lanes, key)
	}
	d.mu.Unlock()
	for _, j := range queued {
		j.Done(Attempt{Aborted: true})
	}
	d.wg.Wait()
	return nil
}

// NeedLeaderElection: only the leader sends.
func (d *Dispatcher) NeedLeaderElection() bool { return true }

// Submit queues a job on its lane. It never blocks on the network.
func (d *Dispatcher) Submit(j *Job) {
	d.init()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ctx.Err() != nil {
		go j.Done(Attempt{Aborted: true})
		return
	}
	l := d.lanes[j.Lane]
	if l == nil {
		l = &lane{}
		d.lanes[j.Lane] = l
	}
	l.queue = append(l.queue, j)
	d.pump(j.Lane, l)
}

// SubmitIfFree queues j only when its lane is healthy (no receiver failure
// in a row), fast (its recent requests took at most fast on average) and
// would start it soon (fewer than PerDestination jobs waiting for a slot).
// It reports whether it did.
func (d *Dispatcher) SubmitIfFree(j *Job, fast time.Duration) bool {
	d.init()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ctx.Err() != nil {
		return false
	}
	l := d.lanes[j.Lane]
	if l == nil {
		l = &lane{}
		d.lanes[j.Lane] = l
	}
	if l.failures > 0 || len(l.queue) >= d.PerDestination || l.took > fast {
		d.pump(j.Lane, l) // forgets the lane if it was new and idle
		return false
	}
	l.queue = append(l.queue, j)
	d.pump(j.Lane, l)
	return true
}

// Stats reports a lane's requests in flight and queued, and whether it is
// backed off (for tests and metrics).
func (d *Dispatcher) Stats(laneKey string) (inFlight, queued int, backedOff bool) {
	d.init()
	d.mu.Lock()
	defer d.mu.Unlock()
	l := d.lanes[laneKey]
	if l == nil {
		return 0, 0, false
	}
	return l.inFlight, len(l.queue), l.failures >= d.OpenAfter
}

// pump starts the lane's queued jobs its health allows. d.mu is held.
func (d *Dispatcher) pump(key string, l *lane) {
	now := d.Clock.Now()
	limit := d.PerDestination
	if l.failures >= d.OpenAfter {
		limit = 1 // backed off: one probe at a time
		if now.Before(l.retryAt) {
			d.wakeAt(key, l, l.retryAt.Sub(now))
			return
		}
	}
	for len(l.queue) > 0 && l.inFlight < limit {
		j := l.queue[0]
		l.queue[0] = nil
		l.queue = l.queue[1:]
		l.inFlight++
		d.wg.Add(1)
		go d.run(key, l, j)
	}
	if len(l.queue) == 0 && l.inFlight == 0 && l.failures == 0 {
		delete(d.lanes, key) // idle and healthy: forget it (and how long it took)
	}
}

// wakeAt pumps a backed-off lane again once the clock has moved on by after.
func (d *Dispatcher) wakeAt(key string, l *lane, after time.Duration) {
	if l.timer != nil {
		l.timer.stop()
	}
	w := &wakeTimer{}
	l.timer = w
	w.stop = afterFunc(d.Clock, after, func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		if l.timer == w {
			l.timer = nil
		}
		if d.lanes[key] == l && d.ctx.Err() == nil {
			d.pump(key, l)
		}
	})
}

// afterFunc calls f on its own goroutine once clk has moved on by after,
// unless the returned stop is called first. Unlike a fake clock's
// AfterFunc, f never runs under the clock's lock, so it may read the clock.
func afterFunc(clk clock.Clock, after time.Duration, f func()) (stop func()) {
	t := clk.NewTimer(after)
	quit := make(chan struct{})
	go func() {
		select {
		case <-t.C():
			f()
		case <-quit:
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			t.Stop()
			close(quit)
		})
	}
}

func (d *Dispatcher) run(key string, l *lane, j *Job) {
	defer d.wg.Done()
	var a Attempt
	var took time.Duration
	select {
	case d.slots <- struct{}{}:
		began := d.Clock.Now()
		a = j.Run(d.ctx)
		took = d.Clock.Since(began)
		<-d.slots
	case <-d.ctx.Done():
		a = Attempt{Aborted: true}
	}
	if d.ctx.Err() != nil {
		a = Attempt{Aborted: true}
	}
	d.mu.Lock()
	l.inFlight--
	switch {
	case !a.Sent || a.Aborted:
	case l.took == 0:
		l.took = took
	default:
		l.took = (3*l.took + took) / 4 // the last few requests weigh most
	}
	switch {
	case a.Aborted || !a.Sent:
	case a.ReceiverFailed:
		l.failures++
		if l.failures >= d.OpenAfter {
			l.retryAt = d.Backoff.NextAttempt(d.Clock.Now(), l.failures-d.OpenAfter+1, 0, d.Rand())
		}
	default:
		l.failures, l.retryAt = 0, time.Time{}
	}
	if d.ctx.Err() == nil {
		d.pump(key, l)
	}
	d.mu.Unlock()
	j.Done(a)
}
