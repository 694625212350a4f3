package controllers

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// Deadline Events are rationed per namespace: each is an API write that
// competes with the deadlines themselves, and the Escalation and the
// complaint's history already record every one.
const (
	// deadlineEventsPerSecond and deadlineEventsBurst: a namespace's
	// deadlines get an Event each while they fire slower than this.
	deadlineEventsPerSecond = 2
	deadlineEventsBurst     = 20
	// deadlineSummaryEvery: the deadlines past the budget are told in one
	// Event per policy and interval.
	deadlineSummaryEvery = 10 * time.Second
)

// isDeadlineEvent says whether a complaint Event is one the clock fires (a
// breach storm is many of them at once), as opposed to one a person caused.
func isDeadlineEvent(reason string) bool {
	switch supportv1.EventType(reason) {
	case supportv1.EventAtRisk, supportv1.EventBreached, supportv1.EventEscalated:
		return true
	}
	return false
}

// eventBudget rations the deadline Events of each namespace: within the
// budget every complaint gets its own; past it, the complaints are counted
// and one Warning Event on their policy per interval tells how many, by
// reason ("DeadlinesSummarized"). Safe for concurrent use; a Runnable that
// flushes the counts.
type eventBudget struct {
	clock    clock.Clock
	recorder events.EventRecorder
	every    time.Duration

	mu     sync.Mutex
	limits map[string]*rate.Limiter
	// held counts the Events not emitted, by namespace/policy then reason.
	held map[policyKey]*heldEvents
}

type policyKey struct{ namespace, name string }

type heldEvents struct {
	reasons map[string]int
	example string
}

func newEventBudget(clk clock.Clock, rec events.EventRecorder) *eventBudget {
	return &eventBudget{clock: clk, recorder: rec, every: deadlineSummaryEvery, limits: map[string]*rate.Limiter{}, held: map[policyKey]*heldEvents{}}
}

// allow says whether complaint c's deadline Event may be emitted now; when
// not, it is counted for its policy's summary (a complaint without a
// policy has no deadlines).
func (b *eventBudget) allow(c *supportv1.Complaint, policy, reason string) bool {
	if b == nil || !isDeadlineEvent(reason) || policy == "" {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	lim := b.limits[c.Namespace]
	if lim == nil {
		lim = rate.NewLimiter(deadlineEventsPerSecond, deadlineEventsBurst)
		b.limits[c.Namespace] = lim
	}
	if lim.AllowN(b.clock.Now(), 1) {
		return true
	}
	k := policyKey{c.Namespace, policy}
	h := b.held[k]
	if h == nil {
		h = &heldEvents{reasons: map[string]int{}, example: c.Name}
		b.held[k] = h
	}
	h.reasons[reason]++
	return false
}

// flush tells each policy's held Events in one Event.
func (b *eventBudget) flush() {
	b.mu.Lock()
	held := b.held
	b.held = map[policyKey]*heldEvents{}
	b.mu.Unlock()
	for k, h := range held {
		policy := &supportv1.ServicePolicy{ObjectMeta: metav1.ObjectMeta{Namespace: k.namespace, Name: k.name}}
		b.recorder.Eventf(policy, nil, corev1.EventTypeWarning, supportv1.ReasonDeadlinesSummarized, "Summarize", "%s", h.message(b.every))
	}
}

func (h *heldEvents) message(every time.Duration) string {
	var parts []string
	for _, r := range slices.Sorted(maps.Keys(h.reasons)) {
		parts = append(parts, fmt.Sprintf("%d %s", h.reasons[r], r))
	}
	return fmt.Sprintf("%s in the last %s without an Event of their own (more than %d per second in the namespace), e.g. complaint %s; "+
		"each complaint's history and its Escalations record them (kubectl get escalations)", strings.Join(parts, ", "), every, deadlineEventsPerSecond, h.example)
}

// Start flushes every interval until ctx ends, then once more.
func (b *eventBudget) Start(ctx context.Context) error {
	for {
		t := b.clock.NewTimer(b.every)
		select {
		case <-ctx.Done():
			t.Stop()
			b.flush()
			return nil
		case <-t.C():
			b.flush()
		}
	}
}

// NeedLeaderElection: only the leader emits Events.
func (b *eventBudget) NeedLeaderElection() bool { return true }
