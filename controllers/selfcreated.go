package controllers

import (
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/cache"
)

// selfCreated remembers the objects a reconciler created itself until the
// watch reports them, so that report does not wake the reconciler again:
// it already knows the object, and a pass woken before its own status
// write reached the cache would only recompute from the stale copy and
// fail with a conflict. Entries the watch never reports (the object was
// deleted at once) are forgotten after selfCreatedTTL, or past
// selfCreatedMax. The zero value remembers nothing.
type selfCreated struct {
	uids *cache.LRUExpireCache
}

const (
	selfCreatedTTL = 5 * time.Minute
	selfCreatedMax = 1 << 14
)

func newSelfCreated(clk cache.Clock) selfCreated {
	return selfCreated{uids: cache.NewLRUExpireCacheWithClock(selfCreatedMax, clk)}
}

// add records uid as created here.
func (s selfCreated) add(uid types.UID) {
	if s.uids != nil && uid != "" {
		s.uids.Add(uid, struct{}{}, selfCreatedTTL)
	}
}

// take says whether uid was created here and not yet reported, and forgets it.
func (s selfCreated) take(uid types.UID) bool {
	if s.uids == nil {
		return false
	}
	_, ok := s.uids.Get(uid)
	s.uids.Remove(uid)
	return ok
}
