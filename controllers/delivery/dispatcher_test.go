package delivery

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/ledger"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/webhook"
)

// The Dispatcher runs on real time: these tests use jobs whose Run blocks
// on channels the test controls, and poll with generous deadlines for what
// must happen; the counters kept inside Run catch anything that must not.

// dpWait polls cond until it holds, failing the test after a deadline far
// beyond anything a loaded machine needs.
func dpWait(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// dpStart runs d until the test ends (or stop is called) and returns stop
// and a channel closed once Start returned.
func dpStart(t *testing.T, d *Dispatcher) (stop func(), stopped <-chan struct{}) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		if err := d.Start(ctx); err != nil {
			t.Errorf("Start: %v", err)
		}
		close(done)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Errorf("the dispatcher did not stop")
		}
	})
	return cancel, done
}

// dpLog records what the jobs of a test did.
type dpLog struct {
	mu        sync.Mutex
	running   map[string]int // lane → Runs under way
	maxLane   map[string]int
	total     int
	maxTotal  int
	started   []string             // job names, in the order Run was called
	startedAt map[string]time.Time // job name → when Run was called
	concAt    map[string]int       // job name → Runs under way on its lane when it started (itself included)
	done      map[string]Attempt   // job name → what Done got
	doneOrder []string
}

func newDPLog() *dpLog {
	return &dpLog{running: map[string]int{}, maxLane: map[string]int{}, startedAt: map[string]time.Time{},
		concAt: map[string]int{}, done: map[string]Attempt{}}
}

// job is named name on lane; its Run waits for a token on release (nil:
// none) or for the dispatcher to stop, then returns res.
func (p *dpLog) job(lane, name string, release <-chan struct{}, res Attempt) *Job {
	return &Job{
		Lane: lane,
		Run: func(ctx context.Context) Attempt {
			p.begin(lane, name)
			defer p.end(lane)
			if release != nil {
				select {
				case <-release:
				case <-ctx.Done():
				}
			}
			return res
		},
		Done: func(a Attempt) { p.finish(name, a) },
	}
}

func (p *dpLog) begin(lane, name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.running[lane]++
	p.total++
	p.maxLane[lane] = max(p.maxLane[lane], p.running[lane])
	p.maxTotal = max(p.maxTotal, p.total)
	p.started = append(p.started, name)
	p.startedAt[name] = time.Now()
	p.concAt[name] = p.running[lane]
}

func (p *dpLog) end(lane string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.running[lane]--
	p.total--
}

func (p *dpLog) finish(name string, a Attempt) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, dup := p.done[name]; dup {
		panic("job " + name + " is Done twice")
	}
	p.done[name] = a
	p.doneOrder = append(p.doneOrder, name)
}

func (p *dpLog) runningOn(lane string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.running[lane]
}

func (p *dpLog) runningTotal() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.total
}

func (p *dpLog) isDone(names ...string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, n := range names {
		if _, ok := p.done[n]; !ok {
			return false
		}
	}
	return true
}

func (p *dpLog) doneWith(name string) Attempt {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.done[name]
}

func (p *dpLog) hasStarted(name string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.startedAt[name]
	return ok
}

func (p *dpLog) startTime(name string) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.startedAt[name]
}

func (p *dpLog) concurrencyAt(name string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.concAt[name]
}

func (p *dpLog) snapshot() (started []string, maxLane map[string]int, maxTotal int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.started), mapsClone(p.maxLane), p.maxTotal
}

func mapsClone(m map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

func names(prefix string, n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("%s%d", prefix, i))
	}
	return out
}

func dpStats(d *Dispatcher, lane string) [3]any {
	in, q, off := d.Stats(lane)
	return [3]any{in, q, off}
}

var delivered = Attempt{Sent: true, Record: ledger.Record{Delivered: true, Attempts: 1}}

// A lane never has more than PerDestination requests in flight, keeps the
// rest queued in order, and another lane's jobs go on meanwhile.
func TestDispatcherBoundsEachLaneAndOtherLanesProceed(t *testing.T) {
	for _, perDest := range []int{1, 2, 4} {
		t.Run(fmt.Sprintf("PerDestination %d", perDest), func(t *testing.T) {
			d := &Dispatcher{Workers: 16, PerDestination: perDest}
			dpStart(t, d)
			p := newDPLog()
			release := make(chan struct{}, 64)
			busy := names("a", 2*perDest+1)
			for _, n := range busy {
				d.Submit(p.job("ns/pol/busy", n, release, delivered))
			}
			dpWait(t, fmt.Sprintf("%d jobs run on the busy lane", perDest), func() bool { return p.runningOn("ns/pol/busy") == perDest })
			if got, want := dpStats(d, "ns/pol/busy"), [3]any{perDest, perDest + 1, false}; got != want {
				t.Errorf("Stats(busy) = %v, want %v", got, want)
			}

			other := names("b", 3)
			for _, n := range other {
				d.Submit(p.job("ns/pol/other", n, nil, delivered))
			}
			dpWait(t, "the other lane's jobs are done", func() bool { return p.isDone(other...) })
			if p.runningOn("ns/pol/busy") != perDest || p.isDone(busy[0]) {
				t.Errorf("the busy lane moved while it was not released")
			}

			for range busy {
				release <- struct{}{}
			}
			dpWait(t, "the busy lane's jobs are done", func() bool { return p.isDone(busy...) })
			started, maxLane, _ := p.snapshot()
			if maxLane["ns/pol/busy"] != perDest {
				t.Errorf("%d jobs ran at once on the busy lane, want exactly PerDestination = %d", maxLane["ns/pol/busy"], perDest)
			}
			var order []string
			for _, n := range started {
				if n[0] == 'a' {
					order = append(order, n)
				}
			}
			if len(order) != len(busy) {
				t.Errorf("busy lane ran %v, want each of %v once", order, busy)
			}
			if perDest == 1 && !slices.Equal(order, busy) {
				t.Errorf("with one request in flight the lane ran %v, want FIFO %v", order, busy)
			}
			for _, n := range append(busy, other...) {
				if a := p.doneWith(n); a != delivered {
					t.Errorf("%s Done with %+v, want what Run returned", n, a)
				}
			}
			dpWait(t, "the idle lanes are forgotten", func() bool {
				return dpStats(d, "ns/pol/busy") == [3]any{0, 0, false} && dpStats(d, "ns/pol/other") == [3]any{0, 0, false}
			})
		})
	}
}

// Never more than Workers requests are made at once, whatever the lanes.
func TestDispatcherBoundsWorkersOverall(t *testing.T) {
	d := &Dispatcher{Workers: 3, PerDestination: 4}
	dpStart(t, d)
	p := newDPLog()
	release := make(chan struct{}, 64)
	var all []string
	for l := range 4 {
		lane := fmt.Sprintf("ns/pol/t%d", l)
		for _, n := range names(fmt.Sprintf("t%d-", l), 2) {
			all = append(all, n)
			d.Submit(p.job(lane, n, release, delivered))
		}
	}
	dpWait(t, "all workers are busy", func() bool { return p.runningTotal() == 3 })
	// The lanes hold their jobs as in flight, waiting for a worker.
	inFlight := 0
	for l := range 4 {
		in, queued, off := d.Stats(fmt.Sprintf("ns/pol/t%d", l))
		if queued != 0 || off {
			t.Errorf("lane t%d: %d queued, backed off %v; want none and false", l, queued, off)
		}
		inFlight += in
	}
	if inFlight != 8 {
		t.Errorf("%d jobs in flight on the lanes, want all 8 (3 running, 5 waiting for a worker)", inFlight)
	}
	time.Sleep(50 * time.Millisecond) // give a wrong dispatcher the chance to start a 4th
	if n := p.runningTotal(); n != 3 {
		t.Errorf("%d jobs running, want Workers = 3", n)
	}

	for range all {
		release <- struct{}{}
	}
	dpWait(t, "every job is done", func() bool { return p.isDone(all...) })
	started, _, maxTotal := p.snapshot()
	if maxTotal != 3 || len(started) != 8 {
		t.Errorf("%d ran at once and %d in all, want exactly 3 at most and 8", maxTotal, len(started))
	}
}

// The breaker counts consecutive receiver failures: a success resets it,
// an aborted attempt (nothing to record) neither resets nor counts.
func TestDispatcherCountsConsecutiveReceiverFailures(t *testing.T) {
	fail := Attempt{Sent: true, ReceiverFailed: true, Record: ledger.Record{Attempts: 1}}
	aborted := Attempt{Aborted: true}
	notSent := Attempt{Record: ledger.Record{Attempts: 1, LastError: "cannot read Secret crm-hook"}}
	tests := []struct {
		name          string
		outcomes      []Attempt
		wantBackedOff bool
		wantForgotten bool // healthy and idle: the lane is dropped
	}{
		{"one failure", []Attempt{fail}, false, false},
		{"OpenAfter failures in a row", []Attempt{fail, fail}, true, false},
		{"a success in between resets", []Attempt{fail, delivered, fail}, false, false},
		{"an abort in between does not reset", []Attempt{fail, aborted, fail}, true, false},
		{"a request never sent (Secret missing) does not reset", []Attempt{fail, notSent, fail}, true, false},
		{"a success after a failure", []Attempt{fail, delivered}, false, true},
		{"aborts only", []Attempt{aborted, aborted}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &Dispatcher{Workers: 4, PerDestination: 1, OpenAfter: 2, Backoff: webhook.Backoff{Base: 100 * time.Millisecond, Max: 200 * time.Millisecond}}
			dpStart(t, d)
			p := newDPLog()
			for i, o := range tt.outcomes {
				n := fmt.Sprint(i)
				d.Submit(p.job("ns/pol/x", n, nil, o))
				dpWait(t, "job "+n+" is done", func() bool { return p.isDone(n) })
			}
			in, queued, off := d.Stats("ns/pol/x")
			if in != 0 || queued != 0 || off != tt.wantBackedOff {
				t.Errorf("Stats = %d in flight, %d queued, backed off %v; want 0, 0, %v", in, queued, off, tt.wantBackedOff)
			}
			d.mu.Lock()
			_, known := d.lanes["ns/pol/x"]
			d.mu.Unlock()
			if known == tt.wantForgotten {
				t.Errorf("lane known %v, want %v", known, !tt.wantForgotten)
			}
		})
	}
}

// After OpenAfter receiver failures in a row a lane is backed off: one
// probe at a time, each only after the lane's retryAt, until one succeeds;
// then PerDestination requests may be in flight again.
func TestDispatcherBacksOffAFailingLaneToOneProbe(t *testing.T) {
	const lane = "ns/pol/flaky"
	d := &Dispatcher{Workers: 8, PerDestination: 3, OpenAfter: 2,
		Backoff: webhook.Backoff{Base: 100 * time.Millisecond, Max: 200 * time.Millisecond}, Rand: func() float64 { return 0 }}
	dpStart(t, d)
	p := newDPLog()
	fail := Attempt{Sent: true, ReceiverFailed: true, Record: ledger.Record{Attempts: 1}}
	retryAt := func() time.Time {
		d.mu.Lock()
		defer d.mu.Unlock()
		return d.lanes[lane].retryAt
	}

	for i, n := range []string{"f0", "f1"} {
		d.Submit(p.job(lane, n, nil, fail))
		dpWait(t, n+" is done", func() bool { return p.isDone(n) })
		if _, _, off := d.Stats(lane); off != (i == 1) {
			t.Fatalf("after %d failures backed off = %v, want %v", i+1, off, i == 1)
		}
	}
	first := retryAt()

	// Probes: p0 fails, p1 succeeds; then q0..q2 may run together.
	rel := map[string]chan struct{}{}
	for _, n := range []string{"p0", "p1", "q0", "q1", "q2"} {
		rel[n] = make(chan struct{})
		res := delivered
		if n == "p0" {
			res = fail
		}
		d.Submit(p.job(lane, n, rel[n], res))
	}
	// Only checked when still early: the lane may open on a slow machine.
	if got := dpStats(d, lane); time.Now().Before(first) && got != [3]any{0, 5, true} {
		t.Errorf("before retryAt Stats = %v, want nothing in flight, 5 queued, backed off", got)
	}

	dpWait(t, "the first probe runs", func() bool { return p.hasStarted("p0") })
	if at := p.startTime("p0"); at.Before(first) {
		t.Errorf("first probe at %v, before the lane's retryAt %v", at, first)
	}
	if got := dpStats(d, lane); got != [3]any{1, 4, true} {
		t.Errorf("during the first probe Stats = %v, want 1 in flight, 4 queued, backed off", got)
	}
	close(rel["p0"]) // fails: still backed off, the next probe waits again
	dpWait(t, "the first probe is done", func() bool { return p.isDone("p0") })
	second := retryAt()
	if !second.After(first) {
		t.Errorf("retryAt after a failed probe %v, want later than %v", second, first)
	}

	dpWait(t, "the second probe runs", func() bool { return p.hasStarted("p1") })
	if at := p.startTime("p1"); at.Before(second) {
		t.Errorf("second probe at %v, before the lane's retryAt %v", at, second)
	}
	if got := dpStats(d, lane); got != [3]any{1, 3, true} {
		t.Errorf("during the second probe Stats = %v, want 1 in flight, 3 queued, backed off", got)
	}
	close(rel["p1"]) // succeeds: the lane is healthy again

	dpWait(t, "PerDestination jobs run together again", func() bool { return p.runningOn(lane) == 3 })
	if got := dpStats(d, lane); got != [3]any{3, 0, false} {
		t.Errorf("after a successful probe Stats = %v, want 3 in flight, none queued, not backed off", got)
	}
	for _, n := range []string{"q0", "q1", "q2"} {
		close(rel[n])
	}
	dpWait(t, "every job is done", func() bool { return p.isDone("q0", "q1", "q2") })
	started, _, _ := p.snapshot()
	if !slices.Equal(started[:4], []string{"f0", "f1", "p0", "p1"}) {
		t.Errorf("start order %v, want f0 f1 p0 p1 first", started)
	}
	for _, n := range []string{"p0", "p1"} {
		if c := p.concurrencyAt(n); c != 1 {
			t.Errorf("probe %s ran with %d jobs on its lane, want alone", n, c)
		}
	}
	if a := p.doneWith("p0"); a != fail {
		t.Errorf("p0 Done with %+v, want its failure", a)
	}
}

// A lane whose receiver hangs holds only its own PerDestination workers:
// other lanes' jobs are not delayed.
func TestDispatcherHungLaneDoesNotDelayOthers(t *testing.T) {
	d := &Dispatcher{Workers: 4, PerDestination: 2}
	dpStart(t, d)
	p := newDPLog()
	hang := make(chan struct{}) // never released: the jobs end when the dispatcher stops
	for _, n := range names("h", 5) {
		d.Submit(p.job("ns/pol/hung", n, hang, delivered))
	}
	dpWait(t, "the hung lane holds its workers", func() bool { return p.runningOn("ns/pol/hung") == 2 })

	quick := names("q", 20)
	start := time.Now()
	for _, n := range quick {
		d.Submit(p.job("ns/pol/quick", n, nil, delivered))
	}
	dpWait(t, "the quick lane's jobs are done", func() bool { return p.isDone(quick...) })
	t.Logf("20 jobs on a healthy lane took %v next to a hung one", time.Since(start))

	if got := dpStats(d, "ns/pol/hung"); got != [3]any{2, 3, false} {
		t.Errorf("Stats(hung) = %v, want 2 in flight, 3 queued, not backed off", got)
	}
	if p.isDone("h0") || p.runningOn("ns/pol/hung") != 2 {
		t.Errorf("the hung lane's jobs moved")
	}
}

// When Start's context ends, queued jobs and jobs waiting for a worker are
// Done as Aborted without running, running ones are cancelled and waited
// for (and Done as Aborted too: nothing is recorded), and later
// submissions are aborted at once.
func TestDispatcherStopAbortsQueuedAndWaitsForRunning(t *testing.T) {
	d := &Dispatcher{Workers: 1, PerDestination: 1}
	if !d.NeedLeaderElection() {
		t.Errorf("the dispatcher must run on the leader only")
	}
	stop, stopped := dpStart(t, d)
	p := newDPLog()

	// j1 holds the only worker and ignores cancellation until released.
	release := make(chan struct{})
	var sawCancel bool
	d.Submit(&Job{
		Lane: "ns/pol/a",
		Run: func(ctx context.Context) Attempt {
			p.begin("ns/pol/a", "j1")
			defer p.end("ns/pol/a")
			<-release
			sawCancel = ctx.Err() != nil
			return delivered
		},
		Done: func(a Attempt) { p.finish("j1", a) },
	})
	dpWait(t, "j1 runs", func() bool { return p.hasStarted("j1") })
	d.Submit(p.job("ns/pol/a", "j2", nil, delivered)) // queued behind j1
	d.Submit(p.job("ns/pol/b", "j3", nil, delivered)) // in flight on b, waiting for the worker
	dpWait(t, "j3 waits for a worker", func() bool { return dpStats(d, "ns/pol/b") == [3]any{1, 0, false} })
	if got := dpStats(d, "ns/pol/a"); got != [3]any{1, 1, false} {
		t.Errorf("Stats(a) = %v, want 1 in flight and 1 queued", got)
	}

	stop()
	dpWait(t, "the jobs that never ran are aborted", func() bool { return p.isDone("j2", "j3") })
	for _, n := range []string{"j2", "j3"} {
		if a := p.doneWith(n); a != (Attempt{Aborted: true}) {
			t.Errorf("%s Done with %+v, want Aborted", n, a)
		}
		if p.hasStarted(n) {
			t.Errorf("%s ran after the stop", n)
		}
	}
	select {
	case <-stopped:
		t.Fatalf("Start returned while j1 was still running")
	case <-time.After(100 * time.Millisecond):
	}

	close(release)
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatalf("Start did not return once j1 ended")
	}
	if a := p.doneWith("j1"); a != (Attempt{Aborted: true}) || !sawCancel {
		t.Errorf("j1 Done with %+v (saw cancel %v), want Aborted after its context was cancelled", a, sawCancel)
	}

	d.Submit(p.job("ns/pol/a", "late", nil, delivered))
	dpWait(t, "a job submitted after the stop is aborted", func() bool { return p.isDone("late") })
	if a := p.doneWith("late"); a != (Attempt{Aborted: true}) || p.hasStarted("late") {
		t.Errorf("late Done with %+v (ran %v), want Aborted without running", a, p.hasStarted("late"))
	}
	if got := dpStats(d, "ns/pol/a"); got != [3]any{0, 0, false} {
		t.Errorf("Stats(a) after the stop = %v, want empty", got)
	}
}

func TestDispatcherDefaults(t *testing.T) {
	d := &Dispatcher{}
	if got := dpStats(d, "ns/pol/none"); got != [3]any{0, 0, false} {
		t.Errorf("Stats of an unknown lane = %v", got)
	}
	if d.Workers != DefaultWorkers || d.PerDestination != DefaultPerDestination || d.OpenAfter != DefaultOpenAfter || d.Clock == nil || d.Rand == nil {
		t.Errorf("defaults not applied: %+v", d)
	}
	if r := d.Rand(); r < 0 || r >= 1 {
		t.Errorf("Rand() = %v, want [0,1)", r)
	}
}

// SubmitIfFree takes a job while the lane is healthy and fewer than
// PerDestination wait for a slot; never on a lane whose receiver just failed.
func TestDispatcherSubmitIfFree(t *testing.T) {
	d := &Dispatcher{Workers: 16, PerDestination: 2}
	dpStart(t, d)
	p := newDPLog()
	release := make(chan struct{}, 16)
	var taken []string
	for _, n := range names("a", 6) {
		if d.SubmitIfFree(p.job("ns/pol/x", n, release, delivered), time.Hour) {
			taken = append(taken, n)
		}
	}
	if len(taken) != 4 {
		t.Fatalf("took %v: 2 running and 2 waiting, want 4", taken)
	}
	for range taken {
		release <- struct{}{}
	}
	dpWait(t, "the taken jobs are done", func() bool { return p.isDone(taken...) })

	failing := Attempt{Sent: true, ReceiverFailed: true}
	d.Submit(p.job("ns/pol/y", "f1", nil, failing))
	dpWait(t, "the failure is done", func() bool { return p.isDone("f1") })
	if d.SubmitIfFree(p.job("ns/pol/y", "f2", nil, delivered), time.Hour) {
		t.Fatal("a lane whose receiver just failed takes no inline job")
	}

	slow, held := make(chan struct{}), make(chan struct{})
	d.Submit(p.job("ns/pol/z", "s1", slow, delivered))
	d.Submit(p.job("ns/pol/z", "s0", held, delivered)) // keeps the lane busy, so it is remembered
	time.Sleep(30 * time.Millisecond)
	close(slow)
	dpWait(t, "the slow one is done", func() bool { return p.isDone("s1") })
	defer close(held)
	if d.SubmitIfFree(p.job("ns/pol/z", "s2", nil, delivered), 10*time.Millisecond) {
		t.Fatal("a lane whose requests take longer than fast takes no inline job")
	}
	if !d.SubmitIfFree(p.job("ns/pol/z", "s3", nil, delivered), time.Hour) {
		t.Fatal("the same lane is fast enough for a longer bound")
	}
}
