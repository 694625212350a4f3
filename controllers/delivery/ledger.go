package delivery

import (
	"fmt"
	"strconv"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// Bounds of the delivery ledgers kept in status, and the default attempts.
const (
	MaxPending         = 150
	MaxFailedKept      = 10
	DefaultMaxAttempts = 20
)

// The ledger is the list of notifications in an object's status: the truth
// about what is still to be delivered. Reconcilers append to it (Enqueue) in
// the same write as the transition; the delivery side reads its heads (Heads)
// and merges attempt outcomes back into it (Apply). These functions are pure.

// Enqueue appends one notification per destination in targets, with the
// stable id of this object+event+occurrence, and returns the new list and the
// notifications dropped past MaxPending (oldest pending first).
func Enqueue(list []supportv1.Notification, seq *int64, uid string, ev supportv1.EventType, detail string, at time.Time, targets []string) ([]supportv1.Notification, []string) {
	if len(targets) == 0 {
		return list, nil
	}
	*seq++
	id := EventID(uid, string(ev), strconv.FormatInt(*seq, 10))
	var dropped []string
	list = append([]supportv1.Notification(nil), list...) // never write into the caller's array
	for _, t := range targets {
		list = append(list, supportv1.Notification{ID: id, Target: t, Event: ev, OccurredAt: metav1.NewTime(at), Detail: detail})
	}
	// Bounded: drop the oldest pending ones, loudly, rather than grow without end.
	for Pending(list) > MaxPending {
		for i := range list {
			if !list[i].Failed {
				dropped = append(dropped, fmt.Sprintf("%s %s to %s", list[i].ID, list[i].Event, list[i].Target))
				list = append(list[:i], list[i+1:]...)
				break
			}
		}
	}
	return list, dropped
}

// Pending counts the notifications not yet delivered nor given up.
func Pending(list []supportv1.Notification) int {
	n := 0
	for _, x := range list {
		if !x.Failed {
			n++
		}
	}
	return n
}

// TargetsFor lists the destinations of a policy that want an event, plus the
// named extra ones (an escalation level's notify list), in policy order.
func TargetsFor(notify []supportv1.NotifyTarget, ev supportv1.EventType, extra []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range notify {
		want := t.Wants(ev)
		for _, x := range extra {
			want = want || x == t.Name
		}
		if want && t.Webhook != nil && !seen[t.Name] {
			seen[t.Name] = true
			out = append(out, t.Name)
		}
	}
	return out
}

// Heads returns, per destination, the oldest pending notification when it is
// due at now: only a head is ever sent, so delivery is in order per object
// and destination. next is when the first head not yet due will be (zero:
// none).
func Heads(list []supportv1.Notification, now time.Time) (due []supportv1.Notification, next time.Time) {
	seen := map[string]bool{}
	for _, n := range list {
		if n.Failed || seen[n.Target] {
			continue
		}
		seen[n.Target] = true
		if n.NextAttemptAt == nil || !now.Before(n.NextAttemptAt.Time) {
			due = append(due, n)
			continue
		}
		if next.IsZero() || n.NextAttemptAt.Time.Before(next) {
			next = n.NextAttemptAt.Time
		}
	}
	return due, next
}

// Record is what one attempt at one notification (or the finding that it
// cannot be sent) writes into the ledger it came from.
type Record struct {
	// ID and Target identify the notification.
	ID, Target string
	// Event is the notification's event (for metrics and messages).
	Event supportv1.EventType
	// Attempts is the attempt count including this one.
	Attempts int32
	// Delivered: the receiver took it; the notification leaves the ledger.
	Delivered bool
	// Failed: given up (410 Gone, attempts exhausted, or not deliverable).
	Failed bool
	// NextAttemptAt is when to retry, for neither delivered nor failed.
	NextAttemptAt time.Time
	// LastError says why it was not delivered (short, redacted).
	LastError string
}

// Decide turns an attempt's result into the outcome to record: delivered,
// given up (410, or maxAttempts reached), or retried at the backoff instant
// counted from finished (when the attempt ended). rnd in [0,1) is the jitter.
func Decide(item supportv1.Notification, res Result, maxAttempts int32, b Backoff, finished time.Time, rnd float64) Record {
	if maxAttempts <= 0 {
		maxAttempts = DefaultMaxAttempts
	}
	o := Record{ID: item.ID, Target: item.Target, Event: item.Event, Attempts: item.Attempts + 1}
	switch {
	case res.Outcome == Delivered:
		o.Delivered = true
	case res.Outcome == Gone || res.Outcome == Refused:
		o.Failed, o.LastError = true, res.Message
	case o.Attempts >= maxAttempts:
		o.Failed, o.LastError = true, fmt.Sprintf("gave up after %d attempts: %s", o.Attempts, res.Message)
	default:
		o.LastError = res.Message
		o.NextAttemptAt = b.NextAttempt(finished, int(o.Attempts), res.RetryAfter, rnd)
	}
	return o
}

// Undeliverable is the outcome for a notification that cannot be sent at
// all (its destination left the policy): failed at once, without an attempt.
func Undeliverable(item supportv1.Notification, why string) Record {
	return Record{ID: item.ID, Target: item.Target, Event: item.Event, Attempts: item.Attempts, Failed: true, LastError: why}
}

// Apply merges outcomes into list by (id, target). An outcome whose
// notification is gone, already finished, or already holds as many attempts
// is skipped: applying the same outcomes again (after a write conflict and a
// fresh read) changes nothing. It returns the new list (the input is not
// modified) and the outcomes that took effect.
func Apply(list []supportv1.Notification, outcomes []Record) ([]supportv1.Notification, []Record) {
	out := append([]supportv1.Notification(nil), list...)
	var applied []Record
	for _, o := range outcomes {
		i := indexOf(out, o.ID, o.Target)
		if i < 0 || out[i].Failed {
			continue
		}
		n := &out[i]
		if o.Attempts < n.Attempts || (o.Attempts == n.Attempts && !o.Failed) {
			continue // stale: a later attempt is already recorded
		}
		applied = append(applied, o)
		if o.Delivered {
			out = append(out[:i], out[i+1:]...)
			continue
		}
		n.Attempts, n.LastError, n.Failed, n.NextAttemptAt = o.Attempts, o.LastError, o.Failed, nil
		if !o.Failed {
			t := metav1.NewTime(o.NextAttemptAt)
			n.NextAttemptAt = &t
		}
	}
	return TrimFailed(out), applied
}

func indexOf(list []supportv1.Notification, id, target string) int {
	for i := range list {
		if list[i].ID == id && list[i].Target == target {
			return i
		}
	}
	return -1
}

// TrimFailed keeps the newest MaxFailedKept failed notifications.
func TrimFailed(list []supportv1.Notification) []supportv1.Notification {
	failed := 0
	for _, x := range list {
		if x.Failed {
			failed++
		}
	}
	if failed <= MaxFailedKept {
		return list
	}
	out := list[:0:0]
	for _, x := range list {
		if x.Failed && failed > MaxFailedKept {
			failed--
			continue
		}
		out = append(out, x)
	}
	return out
}
