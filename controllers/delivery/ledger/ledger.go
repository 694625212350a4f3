package ledger

import (
	"fmt"
	"strconv"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/webhook"
)

// Bounds of the delivery ledgers kept in status, and the default attempts.
const (
	MaxPending         = 150
	MaxFailedKept      = 10
	DefaultMaxAttempts = 20
)

// Enqueue appends one notification per destination in targets, with the
// stable id of this object+event+occurrence, and returns the new list and the
// notifications dropped past MaxPending (oldest pending first).
func Enqueue(list []supportv1.Notification, seq *int64, uid string, ev supportv1.EventType, detail string, at time.Time, targets []string) ([]supportv1.Notification, []string) {
	if len(targets) == 0 {
		return list, nil
	}
	*seq++
	return EnqueueID(list, eventID(uid, ev, *seq), ev, detail, at, targets)
}

// EscalatedID is the id of an escalation's Escalated event: the same
// whether the escalation announces itself or its complaint announces it.
func EscalatedID(escalationUID string) string {
	return eventID(escalationUID, supportv1.EventEscalated, 1)
}

// EnqueueID is Enqueue with the event's id given.
func EnqueueID(list []supportv1.Notification, id string, ev supportv1.EventType, detail string, at time.Time, targets []string) ([]supportv1.Notification, []string) {
	if len(targets) == 0 {
		return list, nil
	}
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

// NumberedFirst says whether one pass numbers ev before its other events:
// Created, then the deadline events (AtRisk, Breached) by the instant they
// fell due. A pass decided again from a newer read gives them the numbers
// they had: a newer read adds only deadlines that fell due later, and the
// reports of people and departments (which may be read late, with an
// earlier time) are numbered after them.
func NumberedFirst(ev supportv1.EventType) bool {
	switch ev {
	case supportv1.EventCreated, supportv1.EventAtRisk, supportv1.EventBreached:
		return true
	}
	return false
}

// eventID is the stable id (webhook-id) of the seq-th event ev of object uid.
func eventID(uid string, ev supportv1.EventType, seq int64) string {
	return webhook.EventID(uid, string(ev), strconv.FormatInt(seq, 10))
}

// About marks the notifications of the seq-th event ev of object uid (the
// one Enqueue just queued) as being about a remedy.
func About(list []supportv1.Notification, uid string, ev supportv1.EventType, seq int64, remedy string) {
	id := eventID(uid, ev, seq)
	for i := range list {
		if list[i].ID == id {
			list[i].Remedy = remedy
		}
	}
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

// Find returns the notification of list with id and target, or nil.
func Find(list []supportv1.Notification, id, target string) *supportv1.Notification {
	if i := indexOf(list, id, target); i >= 0 {
		return &list[i]
	}
	return nil
}

func indexOf(list []supportv1.Notification, id, target string) int {
	for i := range list {
		if list[i].ID == id && list[i].Target == target {
			return i
		}
	}
	return -1
}
