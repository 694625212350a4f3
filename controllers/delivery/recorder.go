package delivery

import (
	"context"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/ledger"
)

// maxConflicts bounds the re-reads of one outcome write.
const maxConflicts = 10

// recorder writes attempt outcomes into the ledgers, one writer per object:
// outcomes that arrive while a write is under way go out together in the
// next one. On a write conflict (a person edited the object meanwhile) it
// re-reads the object from the API server and merges again by (id, target),
// so no outcome is lost and nothing is sent twice because of the conflict.
type recorder struct {
	client client.Client // cache-backed reads, writes to the API server
	api    client.Reader // reads around the cache after a conflict
	// ctx lives as long as the manager: writes outlive the reconcile or the
	// request that produced their outcome.
	ctx    context.Context
	cancel context.CancelFunc
	// clock spaces the retries of a failed write (nil: the real clock).
	clock clock.Clock
	// metrics counts the conflicts (nil: not counted).
	metrics *Metrics
	// pressure holds the writes back while the deadline path is behind.
	pressure *Pressure

	mu      sync.Mutex
	pending map[recordKey][]recorded
	writing map[recordKey]bool
	wg      sync.WaitGroup
}

type recordKey struct {
	kind string
	name types.NamespacedName
}

// recorded is an outcome waiting for its write, and whom to tell once written.
type recorded struct {
	uid     types.UID
	outcome ledger.Record
	after   func(written bool)
}

func newRecorder(c client.Client, api client.Reader) *recorder {
	ctx, cancel := context.WithCancel(context.Background())
	return &recorder{client: c, api: api, ctx: ctx, cancel: cancel, pending: map[recordKey][]recorded{}, writing: map[recordKey]bool{}}
}

// Start runs until ctx ends, then stops the writes and waits for them.
func (r *recorder) Start(ctx context.Context) error {
	<-ctx.Done()
	r.cancel()
	r.wg.Wait()
	return nil
}

// NeedLeaderElection: only the leader records.
func (r *recorder) NeedLeaderElection() bool { return true }

// record queues an outcome for obj's ledger; after is called once it was
// written (true) or found nothing to apply to (false).
func (r *recorder) record(src ledgerKind, name types.NamespacedName, uid types.UID, o ledger.Record, after func(bool)) {
	r.recordAll(src, name, []recorded{{uid: uid, outcome: o, after: after}})
}

// recordAll queues outcomes for obj's ledger that go in the same write.
func (r *recorder) recordAll(src ledgerKind, name types.NamespacedName, batch []recorded) {
	ctx := r.ctx
	key := recordKey{src.kind(), name}
	r.mu.Lock()
	r.pending[key] = append(r.pending[key], batch...)
	if r.writing[key] {
		r.mu.Unlock()
		return
	}
	r.writing[key] = true
	r.mu.Unlock()
	r.wg.Add(1)
	go r.loop(ctx, src, key)
}

func (r *recorder) loop(ctx context.Context, src ledgerKind, key recordKey) {
	defer r.wg.Done()
	for {
		r.yield(ctx)
		r.mu.Lock()
		batch := r.pending[key]
		delete(r.pending, key)
		if len(batch) == 0 {
			delete(r.writing, key)
			r.mu.Unlock()
			return
		}
		r.mu.Unlock()
		written := r.writeUntilDone(ctx, src, key.name, batch)
		for _, b := range batch {
			b.after(written)
		}
	}
}

// writeUntilDone retries a failed write (API server unavailable) until it
// succeeds or the manager stops; at a stop the outcome is lost and the
// notification is sent again after the restart, with the same id.
func (r *recorder) writeUntilDone(ctx context.Context, src ledgerKind, name types.NamespacedName, batch []recorded) bool {
	delay := 100 * time.Millisecond
	for {
		written, err := r.write(ctx, src, name, batch)
		if err == nil {
			return written
		}
		logf.FromContext(ctx).Error(err, "recording delivery outcomes", "kind", src.kind(), "object", name)
		if !r.sleep(ctx, delay) {
			return false
		}
		delay = min(2*delay, 5*time.Second)
	}
}

func (r *recorder) write(ctx context.Context, src ledgerKind, name types.NamespacedName, batch []recorded) (bool, error) {
	var reader client.Reader = r.client
	for range maxConflicts {
		obj := src.newObject()
		if err := reader.Get(ctx, name, obj); apierrors.IsNotFound(err) {
			return false, nil
		} else if err != nil {
			return false, err
		}
		var outs []ledger.Record
		for _, b := range batch {
			if b.uid == obj.GetUID() {
				outs = append(outs, b.outcome)
			}
		}
		applied := src.apply(obj, outs)
		if len(applied) == 0 {
			return false, nil
		}
		obj.SetManagedFields(nil) // never send the cache's compacted copy back
		err := r.client.Status().Update(ctx, obj)
		switch {
		case err == nil:
			src.written(obj, applied)
			return true, nil
		case apierrors.IsNotFound(err):
			return false, nil
		case !apierrors.IsConflict(err):
			return false, err
		}
		r.metrics.conflict()
		reader = r.api // the cache is behind: read the latest
	}
	return false, apierrors.NewConflict(src.resource(), name.Name, nil)
}

// yield waits, at most maxYield, while the deadline path is behind:
// bookkeeping goes after the breaches. Outcomes that arrive meanwhile join
// the write.
func (r *recorder) yield(ctx context.Context) {
	for waited := time.Duration(0); waited < maxYield && r.pressure.Behind(); waited += yieldStep {
		if !r.sleep(ctx, yieldStep) {
			return
		}
	}
}

// sleep waits d on the recorder's clock; false: ctx ended first.
func (r *recorder) sleep(ctx context.Context, d time.Duration) bool {
	clk := r.clock
	if clk == nil {
		clk = clock.RealClock{}
	}
	t := clk.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C():
		return true
	}
}
