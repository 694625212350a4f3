package ledger

import (
	"fmt"
	"time"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/webhook"
)

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
func Decide(item supportv1.Notification, res webhook.Result, maxAttempts int32, b webhook.Backoff, finished time.Time, rnd float64) Record {
	if maxAttempts <= 0 {
		maxAttempts = DefaultMaxAttempts
	}
	o := Record{ID: item.ID, Target: item.Target, Event: item.Event, Attempts: item.Attempts + 1}
	switch {
	case res.Outcome == webhook.Delivered:
		o.Delivered = true
	case res.Outcome == webhook.Gone || res.Outcome == webhook.Refused:
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
