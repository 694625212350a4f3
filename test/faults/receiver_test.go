//go:build faults

package faults

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/webhook"
)

// receiver is the webhook receiver on loopback. /d/<destination> verifies
// the Standard Webhooks signature (webhook.Verify) and records every
// request by (destination, webhook-id); a destination may be given a
// misbehaviour (slow, 5xx, reset, redirect, garbage) with behave.
type receiver struct {
	srv    *http.Server
	base   string
	secret []byte

	mu     sync.Mutex
	got    map[string]map[string]*hit // destination -> webhook-id -> hit
	behave map[string]behaviour
	raw    map[string]bool // behaviours that read the request themselves (no signature check)
	badSig int
	other  map[string]int // requests to paths that are not /d/...
}

// hit is what a destination saw of one webhook-id.
type hit struct {
	Event      string
	Complaint  string // namespace/name
	Detail     string
	OccurredAt time.Time
	Attempts   int       // requests with this id
	Delivered  int       // of them answered 2xx
	First      time.Time // first request
	Attempt    []time.Time
}

// behaviour answers a request instead of the default 204; it returns the
// status it answered (0 when the connection was broken).
type behaviour func(w http.ResponseWriter, r *http.Request, attempt int) int

func startReceiver() (*receiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &receiver{base: "http://" + ln.Addr().String(), secret: webhook.SecretBytes([]byte(hookSecret)),
		got: map[string]map[string]*hit{}, behave: map[string]behaviour{}, raw: map[string]bool{}, other: map[string]int{}}
	r.srv = &http.Server{Handler: http.HandlerFunc(r.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := r.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			panic(err)
		}
	}()
	return r, nil
}

func (r *receiver) close() { _ = r.srv.Close() }

func (r *receiver) url(dest string) string { return r.base + "/d/" + dest }

// setBehaviour gives dest a misbehaviour; raw ones get the request unread.
func (r *receiver) setBehaviour(dest string, raw bool, b behaviour) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.behave[dest], r.raw[dest] = b, raw
}

type cloudEvent struct {
	ID   string `json:"id"`
	Data struct {
		Event      string    `json:"event"`
		OccurredAt time.Time `json:"occurredAt"`
		Detail     string    `json:"detail"`
		Complaint  struct {
			Namespace string `json:"namespace"`
			Name      string `json:"name"`
		} `json:"complaint"`
	} `json:"data"`
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	now := time.Now()
	dest, ok := strings.CutPrefix(req.URL.Path, "/d/")
	if !ok {
		r.mu.Lock()
		r.other[req.URL.Path]++
		r.mu.Unlock()
		w.WriteHeader(http.StatusNotFound)
		return
	}
	r.mu.Lock()
	b, raw := r.behave[dest], r.raw[dest]
	r.mu.Unlock()
	var body []byte
	if !raw {
		var err error
		if body, err = io.ReadAll(io.LimitReader(req.Body, 1<<20)); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if err := webhook.Verify(r.secret, req.Header, body, now, 0); err != nil {
			r.mu.Lock()
			r.badSig++
			r.mu.Unlock()
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
	}
	id := req.Header.Get(webhook.HeaderID)
	r.mu.Lock()
	byID := r.got[dest]
	if byID == nil {
		byID = map[string]*hit{}
		r.got[dest] = byID
	}
	h := byID[id]
	if h == nil {
		h = &hit{First: now}
		byID[id] = h
	}
	h.Attempts++
	h.Attempt = append(h.Attempt, now)
	attempt := h.Attempts
	r.mu.Unlock()

	status := http.StatusNoContent
	if b != nil {
		status = b(w, req, attempt)
	} else {
		w.WriteHeader(status)
	}
	var ev cloudEvent
	_ = json.Unmarshal(body, &ev)
	r.mu.Lock()
	defer r.mu.Unlock()
	if ev.Data.Event != "" {
		h.Event, h.OccurredAt, h.Detail = ev.Data.Event, ev.Data.OccurredAt, ev.Data.Detail
		h.Complaint = ev.Data.Complaint.Namespace + "/" + ev.Data.Complaint.Name
	}
	if status >= 200 && status < 300 {
		h.Delivered++
	}
}

// snapshot copies what dest received.
func (r *receiver) snapshot(dest string) map[string]hit {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]hit, len(r.got[dest]))
	for id, h := range r.got[dest] {
		out[id] = *h
	}
	return out
}

func (r *receiver) badSignatures() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.badSig
}

func (r *receiver) otherHits(path string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.other[path]
}
