package controllers

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery"
)

// Bounds of the delivery ledgers kept in status.
const (
	maxPending    = 150
	maxFailedKept = 10
	// maxAttemptsPerPass bounds the deliveries one reconcile makes per destination.
	maxAttemptsPerPass = 10
	defaultMaxAttempts = 20
)

// Notifier delivers the notifications queued in an object's status: at least
// once, in order per destination, retried with backoff and jitter, signed.
type Notifier struct {
	// Reader reads webhook Secrets (uncached, values never logged).
	Reader  client.Reader
	Sender  *delivery.Sender
	Backoff delivery.Backoff
	// Rand returns a number in [0,1) for jitter.
	Rand func() float64
}

func (n *Notifier) rand() float64 {
	if n.Rand != nil {
		return n.Rand()
	}
	return rand.Float64()
}

// enqueue appends one notification per destination in targets, with the
// stable id of this complaint+event+occurrence.
func enqueue(list []supportv1.Notification, seq *int64, uid string, ev supportv1.EventType, detail string, at time.Time, targets []string) ([]supportv1.Notification, []string) {
	if len(targets) == 0 {
		return list, nil
	}
	*seq++
	id := delivery.EventID(uid, string(ev), strconv.FormatInt(*seq, 10))
	var dropped []string
	list = append([]supportv1.Notification(nil), list...) // never write into the caller's array
	for _, t := range targets {
		list = append(list, supportv1.Notification{ID: id, Target: t, Event: ev, OccurredAt: metav1.NewTime(at), Detail: detail})
	}
	// Bounded: drop the oldest pending ones, loudly, rather than grow without end.
	for pending(list) > maxPending {
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

func pending(list []supportv1.Notification) int {
	n := 0
	for _, x := range list {
		if !x.Failed {
			n++
		}
	}
	return n
}

// targetsFor lists the destinations of a policy that want an event.
func targetsFor(notify []supportv1.NotifyTarget, ev supportv1.EventType, extra []string) []string {
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

// nextDue reports whether any pending notification is due at now and, if
// none is, when the first one will be (zero: nothing pending).
func nextDue(list []supportv1.Notification, now time.Time) (bool, time.Time) {
	var next time.Time
	for _, n := range list {
		if n.Failed {
			continue
		}
		if n.NextAttemptAt == nil || !now.Before(n.NextAttemptAt.Time) {
			return true, time.Time{}
		}
		next = earliest(next, n.NextAttemptAt.Time)
	}
	return false, next
}

// deliveryOutcome reports what a Deliver pass did.
type deliveryOutcome struct {
	Delivered int
	// Failed lists the notifications that gave up in this pass.
	Failed []supportv1.Notification
	// Next is when the next attempt is due; zero for none.
	Next time.Time
}

// Deliver attempts, for each destination, its oldest pending notification
// when due (and the following ones while they succeed). build turns a
// notification into the CloudEvent to send.
func (n *Notifier) Deliver(ctx context.Context, namespace string, notify []supportv1.NotifyTarget, list []supportv1.Notification,
	build func(supportv1.Notification, *supportv1.Webhook) (event.Event, error), now time.Time) ([]supportv1.Notification, deliveryOutcome) {
	var out deliveryOutcome
	byName := map[string]*supportv1.NotifyTarget{}
	for i := range notify {
		byName[notify[i].Name] = &notify[i]
	}
	blocked := map[string]bool{}
	attempts := map[string]int{}
	keep := list[:0:0]
	for _, item := range list {
		if item.Failed || blocked[item.Target] {
			keep = append(keep, item)
			continue
		}
		target := byName[item.Target]
		if target == nil || target.Webhook == nil {
			item.Failed, item.LastError, item.NextAttemptAt = true, "destination "+item.Target+" is no longer in the policy", nil
			out.Failed = append(out.Failed, item)
			deliveriesTotal.WithLabelValues(string(item.Event), "failed").Inc()
			keep = append(keep, item)
			continue
		}
		if item.NextAttemptAt != nil && now.Before(item.NextAttemptAt.Time) {
			blocked[item.Target] = true
			out.Next = earliest(out.Next, item.NextAttemptAt.Time)
			keep = append(keep, item)
			continue
		}
		if attempts[item.Target] >= maxAttemptsPerPass {
			blocked[item.Target] = true
			out.Next = earliest(out.Next, now.Add(time.Second))
			keep = append(keep, item)
			continue
		}
		attempts[item.Target]++
		result := n.attempt(ctx, namespace, target.Webhook, item, build, now)
		item.Attempts++
		switch result.Outcome {
		case delivery.Delivered:
			out.Delivered++
			deliveriesTotal.WithLabelValues(string(item.Event), "delivered").Inc()
			continue // done: drop from the ledger
		case delivery.Gone:
			item.Failed, item.LastError = true, result.Message
		default:
			item.LastError = result.Message
			max := target.Webhook.MaxAttempts
			if max <= 0 {
				max = defaultMaxAttempts
			}
			if item.Attempts >= max {
				item.Failed = true
				item.LastError = fmt.Sprintf("gave up after %d attempts: %s", item.Attempts, result.Message)
			} else {
				t := metav1.NewTime(n.Backoff.NextAttempt(now, int(item.Attempts), result.RetryAfter, n.rand()))
				item.NextAttemptAt = &t
				out.Next = earliest(out.Next, t.Time)
				deliveriesTotal.WithLabelValues(string(item.Event), "retry").Inc()
			}
		}
		keep = append(keep, item)
		if item.Failed {
			// Given up: the next notification of this destination goes on.
			item.NextAttemptAt = nil
			keep[len(keep)-1] = item
			out.Failed = append(out.Failed, item)
			deliveriesTotal.WithLabelValues(string(item.Event), "failed").Inc()
			continue
		}
		blocked[item.Target] = true
	}
	return trimFailed(keep), out
}

// attempt sends one notification; problems before sending count as a
// failed attempt (retried), never as a silent drop.
func (n *Notifier) attempt(ctx context.Context, namespace string, hook *supportv1.Webhook, item supportv1.Notification,
	build func(supportv1.Notification, *supportv1.Webhook) (event.Event, error), now time.Time) delivery.Result {
	var secret []byte
	if ref := hook.SecretRef; ref != nil {
		var s corev1.Secret
		if err := n.Reader.Get(ctx, client.ObjectKey{Namespace: namespace, Name: ref.Name}, &s); err != nil {
			// API errors name the Secret, never its data.
			return delivery.Result{Outcome: delivery.Retry, Message: fmt.Sprintf("cannot read Secret %s: %v", ref.Name, err)}
		}
		v, ok := s.Data[ref.Key]
		if !ok || len(v) == 0 {
			return delivery.Result{Outcome: delivery.Retry, Message: fmt.Sprintf("Secret %s has no key %s", ref.Name, ref.Key)}
		}
		secret = delivery.SecretBytes(v)
	}
	ev, err := build(item, hook)
	if err != nil {
		// Nothing was sent, and sending again would not help: give up, loudly.
		return delivery.Result{Outcome: delivery.Gone, Message: "not sent: cannot build the event: " + err.Error()}
	}
	sender := *n.Sender
	if hook.Timeout != nil && hook.Timeout.Duration > 0 {
		sender.Timeout = hook.Timeout.Duration
	}
	res, err := sender.Send(ctx, hook.URL, ev, secret, now)
	if err != nil {
		return delivery.Result{Outcome: delivery.Retry, Message: err.Error()}
	}
	return res
}

func trimFailed(list []supportv1.Notification) []supportv1.Notification {
	failed := 0
	for _, x := range list {
		if x.Failed {
			failed++
		}
	}
	if failed <= maxFailedKept {
		return list
	}
	out := list[:0:0]
	for _, x := range list {
		if x.Failed && failed > maxFailedKept {
			failed--
			continue
		}
		out = append(out, x)
	}
	return out
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}
