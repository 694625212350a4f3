package delivery

import "time"

// expiring is a map whose entries are dropped ttl after they were put. It
// sweeps at most once per ttl, so a put is O(1) amortized; an entry may
// outlive its ttl by up to another ttl, never less. The caller locks.
type expiring[K comparable, V any] struct {
	ttl   time.Duration
	m     map[K]expiringEntry[V]
	swept time.Time
}

type expiringEntry[V any] struct {
	v  V
	at time.Time
}

func (e *expiring[K, V]) put(k K, v V, now time.Time) {
	if e.m == nil {
		e.m = map[K]expiringEntry[V]{}
	}
	if now.Sub(e.swept) >= e.ttl {
		e.swept = now
		for k, x := range e.m {
			if now.Sub(x.at) > e.ttl {
				delete(e.m, k)
			}
		}
	}
	e.m[k] = expiringEntry[V]{v: v, at: now}
}

func (e *expiring[K, V]) get(k K) (V, bool) {
	x, ok := e.m[k]
	return x.v, ok
}

func (e *expiring[K, V]) delete(k K) { delete(e.m, k) }
