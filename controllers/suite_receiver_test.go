package controllers_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2/event"

	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/webhook"
)

// received is one verified delivery.
type received struct {
	ID      string
	Path    string
	Type    string
	Payload webhook.Payload
	Signed  bool
	Body    string
}

// receiver is a webhook receiver as a CRM would run it: it verifies the
// Standard Webhooks signature, decodes the CloudEvent, and can be told to fail.
type receiver struct {
	*httptest.Server
	secret []byte

	mu       sync.Mutex
	failWith int // 0: accept
	attempts int
	got      []received
	bad      []string
	// delay holds every answer this long; hang (when set) holds it until
	// closed. inFlight and maxInFlight count requests being answered.
	delay       time.Duration
	hang        chan struct{}
	inFlight    int
	maxInFlight int
}

func newReceiver(secret string) *receiver {
	r := &receiver{secret: webhook.SecretBytes([]byte(secret))}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.attempts++
	r.inFlight++
	r.maxInFlight = max(r.maxInFlight, r.inFlight)
	delay, hang := r.delay, r.hang
	r.mu.Unlock()
	if hang != nil {
		select {
		case <-hang:
		case <-req.Context().Done():
		}
	}
	time.Sleep(delay)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.inFlight--
	if r.failWith != 0 {
		w.WriteHeader(r.failWith)
		return
	}
	rec := received{Path: req.URL.Path, ID: req.Header.Get(webhook.HeaderID), Body: string(body)}
	if len(r.secret) > 0 {
		if err := webhook.Verify(r.secret, req.Header, body, time.Now(), time.Minute); err != nil {
			r.bad = append(r.bad, err.Error())
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		rec.Signed = true
	}
	var ev cloudevents.Event
	if err := json.Unmarshal(body, &ev); err != nil {
		r.bad = append(r.bad, "not a CloudEvent: "+err.Error())
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	rec.Type = ev.Type()
	if err := ev.DataAs(&rec.Payload); err != nil {
		r.bad = append(r.bad, "bad data: "+err.Error())
	}
	if ev.ID() != rec.ID {
		r.bad = append(r.bad, "webhook-id differs from the event id")
	}
	r.got = append(r.got, rec)
	w.WriteHeader(http.StatusNoContent)
}

func (r *receiver) fail(code int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failWith = code
}

// events returns the deliveries, deduplicated by id as a receiver should.
func (r *receiver) events() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	seen := map[string]bool{}
	var out []received
	for _, g := range r.got {
		key := g.ID + g.Path
		if !seen[key] {
			seen[key] = true
			out = append(out, g)
		}
	}
	return out
}

// eventsOn are the deliveries to path: a port freed by an earlier spec's
// receiver may be this one's, and retries to the old address land here.
func (r *receiver) eventsOn(path string) []received { return onPath(r.events(), path) }

// rawOn are the raw deliveries to path (see eventsOn).
func (r *receiver) rawOn(path string) []received { return onPath(r.raw(), path) }

// onPath are the deliveries of list to path, in order.
func onPath(list []received, path string) []received {
	var out []received
	for _, e := range list {
		if e.Path == path {
			out = append(out, e)
		}
	}
	return out
}

func (r *receiver) eventTypes(path string) []string {
	var out []string
	for _, e := range r.events() {
		if e.Path == path {
			out = append(out, string(e.Payload.Event))
		}
	}
	return out
}

func (r *receiver) problems() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.bad...)
}

func (r *receiver) attemptCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.attempts
}

// raw returns every request answered 2xx, duplicates included: where
// duplicates matter, count these, not the deduplicated events.
func (r *receiver) raw() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// concurrency returns the requests being answered now and the most at once.
func (r *receiver) concurrency() (now, most int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.inFlight, r.maxInFlight
}

// rawCounts counts raw deliveries by event id and path.
func rawCounts(r *receiver) map[string]int {
	counts := map[string]int{}
	for _, g := range r.raw() {
		counts[g.ID+g.Path]++
	}
	return counts
}
