package delivery

import (
	"slices"
	"sync"

	"k8s.io/apimachinery/pkg/types"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// tracker remembers, per object and destination, the head this process
// has on its way, and the last outcome it recorded: a pass that reads a
// cache not yet showing that outcome must not send the head again.
type tracker struct {
	mu sync.Mutex
	m  map[types.UID]map[string]*trackState
}

type trackState struct {
	inFlight bool
	// the last recorded outcome: its id, attempt count, and whether it
	// finished the notification (delivered or failed).
	id       string
	attempts int32
	finished bool
	// earlier are the notifications delivered before id in the same run
	// (one write recorded them all): a cache that still shows one of them
	// is behind too.
	earlier []string
}

type headState int

const (
	headFree headState = iota
	headBusy
	headStale
)

func (t *tracker) state(uid types.UID, head supportv1.Notification) headState {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.m[uid][head.Target]
	switch {
	case s == nil:
		return headFree
	case s.inFlight:
		return headBusy
	case s.id == head.ID && (s.finished || head.Attempts < s.attempts), slices.Contains(s.earlier, head.ID):
		return headStale
	}
	t.delete(uid, head.Target) // the cache caught up
	return headFree
}

// settle forgets what the cache shows settled: destinations of uid with
// nothing pending in list and nothing in flight.
func (t *tracker) settle(uid types.UID, list []supportv1.Notification) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for target, s := range t.m[uid] {
		if !s.inFlight && !hasPending(list, target) {
			t.delete(uid, target)
		}
	}
}

func hasPending(list []supportv1.Notification, target string) bool {
	for _, n := range list {
		if n.Target == target && !n.Failed {
			return true
		}
	}
	return false
}

// busy says whether this process has anything on its way, or recorded and
// not yet seen in the cache, for uid's destination target.
func (t *tracker) busy(uid types.UID, target string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.m[uid][target] != nil
}

func (t *tracker) set(uid types.UID, target string, s *trackState) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m[uid] == nil {
		t.m[uid] = map[string]*trackState{}
	}
	t.m[uid][target] = s
}

// delete drops one entry; t.mu is held.
func (t *tracker) delete(uid types.UID, target string) {
	delete(t.m[uid], target)
	if len(t.m[uid]) == 0 {
		delete(t.m, uid)
	}
}

func (t *tracker) clear(uid types.UID, target string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.delete(uid, target)
}

func (t *tracker) forget(uid types.UID) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.m, uid)
}
