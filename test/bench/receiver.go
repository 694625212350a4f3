package main

import (
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/webhook"
)

// receiver is the webhook receiver on loopback. /hook/<namespace> answers
// 204 at once and records when each (complaint, event) first arrived;
// /hang/<namespace> never answers: it holds the request until the sender
// gives up (its timeout) or the run ends.
type receiver struct {
	srv    *http.Server
	ln     net.Listener
	base   string
	secret []byte // the HMAC key (the Secret's whsec_ value, decoded)
	stop   chan struct{}

	mu  sync.Mutex
	got map[string]*arrival // namespace/complaint
	// dupes counts the duplicates by namespace (a scenario's own), under mu.
	dupes map[string]int64

	requests, duplicates, badSignature, malformed, misrouted atomic.Int64
	hungNow, hungTotal                                       atomic.Int64
}

type arrival struct{ breached, escalated time.Time }

func startReceiver(secretValue string) (*receiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &receiver{ln: ln, base: "http://" + ln.Addr().String(), secret: webhook.SecretBytes([]byte(secretValue)),
		stop: make(chan struct{}), got: map[string]*arrival{}, dupes: map[string]int64{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/hook/", r.hook)
	mux.HandleFunc("/hang/", r.hang)
	r.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	go func() {
		if err := r.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logf("webhook receiver: %v", err)
		}
	}()
	return r, nil
}

func (r *receiver) url(ns string, hung bool) string {
	if hung {
		return r.base + "/hang/" + ns
	}
	return r.base + "/hook/" + ns
}

func (r *receiver) close() {
	if r == nil {
		return
	}
	close(r.stop)
	_ = r.srv.Close()
}

type cloudEvent struct {
	Data struct {
		Event     supportv1.EventType `json:"event"`
		Complaint struct {
			Namespace string `json:"namespace"`
			Name      string `json:"name"`
		} `json:"complaint"`
	} `json:"data"`
}

func (r *receiver) hook(w http.ResponseWriter, req *http.Request) {
	now := time.Now()
	r.requests.Add(1)
	body, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	if err != nil {
		r.malformed.Add(1)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	// Standard Webhooks signature, checked with the module's own verifier.
	if err := webhook.Verify(r.secret, req.Header, body, now, 0); err != nil {
		r.badSignature.Add(1)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var ev cloudEvent
	if err := json.Unmarshal(body, &ev); err != nil || ev.Data.Complaint.Name == "" {
		r.malformed.Add(1)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	key := ev.Data.Complaint.Namespace + "/" + ev.Data.Complaint.Name
	if want := strings.TrimPrefix(req.URL.Path, "/hook/"); want != ev.Data.Complaint.Namespace {
		// A destination received another namespace's event: a leak.
		r.misrouted.Add(1)
	}
	r.mu.Lock()
	a := r.got[key]
	if a == nil {
		a = &arrival{}
		r.got[key] = a
	}
	var slot *time.Time
	switch ev.Data.Event {
	case supportv1.EventBreached:
		slot = &a.breached
	case supportv1.EventEscalated:
		slot = &a.escalated
	}
	if slot != nil {
		if slot.IsZero() {
			*slot = now
		} else {
			r.duplicates.Add(1)
			r.dupes[ev.Data.Complaint.Namespace]++
		}
	}
	r.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (r *receiver) hang(w http.ResponseWriter, req *http.Request) {
	r.hungNow.Add(1)
	r.hungTotal.Add(1)
	defer r.hungNow.Add(-1)
	_, _ = io.Copy(io.Discard, io.LimitReader(req.Body, 1<<20))
	select {
	case <-req.Context().Done():
	case <-r.stop:
	}
}

// arrivals returns when each event of the complaint first arrived (zero: not yet).
func (r *receiver) arrivals(key string) (breached, escalated time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if a := r.got[key]; a != nil {
		return a.breached, a.escalated
	}
	return time.Time{}, time.Time{}
}

// duplicatesByNamespace is a copy of the duplicates counted by namespace.
func (r *receiver) duplicatesByNamespace() map[string]int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.dupes)
}
