package controllers_test

import (
	"sync"

	"github.com/go-logr/logr"
)

// reconciles counts the reconciles each controller ran, per object, from
// the "Reconciling" line controller-runtime logs at V(5) for every request.
// The process-wide controller_runtime_reconcile_total cannot tell one spec's
// object from the leftovers of earlier specs.
var reconciles = &reconcileCounts{counts: map[reconcileKey]int{}}

type reconcileKey struct{ controller, namespace, name string }

type reconcileCounts struct {
	mu     sync.Mutex
	counts map[reconcileKey]int
}

// of returns how many reconciles controller ran for namespace/name so far.
func (r *reconcileCounts) of(controller, namespace, name string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.counts[reconcileKey{controller, namespace, name}]
}

// logger wraps base: everything it logs still reaches base.
func (r *reconcileCounts) logger(base logr.Logger) logr.Logger {
	return logr.New(&countingSink{LogSink: base.GetSink(), counts: r})
}

type countingSink struct {
	logr.LogSink
	counts *reconcileCounts
	key    reconcileKey
}

func (s *countingSink) Enabled(level int) bool { return level <= 5 || s.LogSink.Enabled(level) }

func (s *countingSink) Info(level int, msg string, kv ...any) {
	if level == 5 && msg == "Reconciling" {
		s.counts.mu.Lock()
		s.counts.counts[s.key]++
		s.counts.mu.Unlock()
	}
	if s.LogSink.Enabled(level) {
		s.LogSink.Info(level, msg, kv...)
	}
}

func (s *countingSink) WithValues(kv ...any) logr.LogSink {
	next := &countingSink{LogSink: s.LogSink.WithValues(kv...), counts: s.counts, key: s.key}
	for i := 0; i+1 < len(kv); i += 2 {
		v, _ := kv[i+1].(string)
		switch kv[i] {
		case "controller":
			next.key.controller = v
		case "namespace":
			next.key.namespace = v
		case "name":
			next.key.name = v
		}
	}
	return next
}

func (s *countingSink) WithName(name string) logr.LogSink {
	return &countingSink{LogSink: s.LogSink.WithName(name), counts: s.counts, key: s.key}
}

// WithCallDepth keeps base's caller reporting right.
func (s *countingSink) WithCallDepth(depth int) logr.LogSink {
	if d, ok := s.LogSink.(logr.CallDepthLogSink); ok {
		return &countingSink{LogSink: d.WithCallDepth(depth), counts: s.counts, key: s.key}
	}
	return s
}
