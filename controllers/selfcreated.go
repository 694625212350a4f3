package controllers

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// selfCreated remembers the objects a reconciler created itself until the
// watch reports them, so that report does not wake the reconciler again:
// it already knows the object, and a pass woken before its own status
// write reached the cache would only recompute from the stale copy and
// fail with a conflict. Entries the watch never reports (the object was
// deleted at once) are forgotten after selfCreatedTTL.
type selfCreated struct {
	mu   sync.Mutex
	uids map[types.UID]time.Time
}

const selfCreatedTTL = 5 * time.Minute

// add records uid as created at now.
func (s *selfCreated) add(uid types.UID, now time.Time) {
	if uid == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.uids == nil {
		s.uids = map[types.UID]time.Time{}
	}
	if len(s.uids) >= 1024 {
		for u, at := range s.uids {
			if now.Sub(at) > selfCreatedTTL {
				delete(s.uids, u)
			}
		}
	}
	s.uids[uid] = now
}

// take says whether uid was created here and not yet reported, and forgets it.
func (s *selfCreated) take(uid types.UID) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.uids[uid]
	delete(s.uids, uid)
	return ok
}
