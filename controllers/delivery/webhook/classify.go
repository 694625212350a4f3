package webhook

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MaxRetryAfter caps a receiver's Retry-After so absurd values cannot stall
// delivery for ever or overflow a time.Duration.
const MaxRetryAfter = 24 * time.Hour

// Outcome classifies one delivery attempt.
type Outcome string

// Attempt outcomes.
const (
	// Delivered: the receiver answered 2xx; the delivery is done.
	Delivered Outcome = "Delivered"
	// Retry: try again later (after RetryAfter if set, else Backoff.Delay).
	Retry Outcome = "Retry"
	// Gone: the receiver answered 410 Gone; stop retrying.
	Gone Outcome = "Gone"
	// Refused: the destination's address is refused by the AddressPolicy;
	// nothing was sent, and the notification is given up at once.
	Refused Outcome = "Refused"
)

// Result of one attempt.
type Result struct {
	// Outcome of the attempt.
	Outcome Outcome
	// StatusCode is the HTTP status code, 0 for network errors and timeouts.
	StatusCode int
	// RetryAfter is the receiver's Retry-After on a 429 or 503 (capped at
	// MaxRetryAfter), 0 if none, invalid or already in the past.
	RetryAfter time.Duration
	// Message is short and safe to show in status: no secret, no URL, and at
	// most ~200 bytes of the receiver's response body.
	Message string
}

// Classify maps an HTTP response status and headers to a Result. Pure: now
// is only used to turn an HTTP-date Retry-After into a duration.
// 2xx is Delivered, 410 is Gone, anything else (including 3xx, as redirects
// are not followed) is Retry.
func Classify(status int, header http.Header, now time.Time) Result {
	r := Result{StatusCode: status, Outcome: Retry}
	msg := statusLine(status)
	switch {
	case status >= 200 && status <= 299:
		r.Outcome = Delivered
	case status == http.StatusGone:
		r.Outcome = Gone
		msg += ": receiver is gone, delivery stopped"
	case status >= 300 && status <= 399:
		msg += ": redirects are not followed, update the webhook URL"
	case status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable:
		r.RetryAfter = parseRetryAfter(header.Get("Retry-After"), now)
		if r.RetryAfter > 0 {
			msg += fmt.Sprintf(" (Retry-After %s)", r.RetryAfter)
		}
	}
	r.Message = msg
	return r
}

func statusLine(status int) string {
	if text := http.StatusText(status); text != "" {
		return fmt.Sprintf("HTTP %d %s", status, text)
	}
	return fmt.Sprintf("HTTP %d", status)
}

// parseRetryAfter accepts delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs >= int64(MaxRetryAfter/time.Second) {
			return MaxRetryAfter
		}
		return time.Duration(secs) * time.Second
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0
	}
	d := t.Sub(now)
	if d <= 0 {
		return 0
	}
	return min(d, MaxRetryAfter)
}
