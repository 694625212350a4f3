package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/webhook"
)

// receiver is the demo's webhook receiver on loopback: it checks each
// delivery's Standard Webhooks signature and appends one line per delivery
// to its log (verified or rejected), echoing verified ones to the terminal.
type receiver struct {
	ln   net.Listener
	srv  *http.Server
	key  []byte
	log  *os.File
	echo io.Writer
	now  func() time.Time

	mu   sync.Mutex
	seen map[string]bool // webhook-id already verified

	escalated     chan struct{} // closed at the first verified Escalated delivery of a ladder
	escalatedOnce sync.Once
}

// listenReceiver takes a free port on 127.0.0.1; serve starts answering.
func listenReceiver() (*receiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	return &receiver{ln: ln, now: time.Now, seen: map[string]bool{}, escalated: make(chan struct{})}, nil
}

// base is the receiver's URL, e.g. http://127.0.0.1:41234.
func (r *receiver) base() string { return "http://" + r.ln.Addr().String() }

// serve answers deliveries signed with key, logging to logPath and echo.
func (r *receiver) serve(key []byte, logPath string, echo io.Writer) error {
	f, err := os.OpenFile(logPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	r.key, r.log, r.echo = key, f, echo
	r.srv = &http.Server{Handler: http.HandlerFunc(r.handle), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := r.srv.Serve(r.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintf(echo, "sandbox: webhook receiver stopped: %v\n", err)
		}
	}()
	return nil
}

// close stops the receiver (or releases its port if it never served).
func (r *receiver) close() {
	if r.srv == nil {
		_ = r.ln.Close()
		return
	}
	_ = r.srv.Close()
	_ = r.log.Close()
}

// webhookBody is the part of a delivery (a CloudEvent) the log shows.
type webhookBody struct {
	Data struct {
		Event     string `json:"event"`
		Complaint struct {
			Namespace string `json:"namespace"`
			Name      string `json:"name"`
		} `json:"complaint"`
		Escalation *struct {
			LevelName string                     `json:"levelName"`
			Reason    supportv1.EscalationReason `json:"reason"`
		} `json:"escalation"`
	} `json:"data"`
}

func (r *receiver) handle(w http.ResponseWriter, req *http.Request) {
	rec := record{at: r.now(), dest: strings.Trim(req.URL.Path, "/"), id: req.Header.Get(webhook.HeaderID)}
	body, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	if err == nil && req.Method != http.MethodPost {
		err = fmt.Errorf("method %s", req.Method)
	}
	if err == nil {
		err = webhook.Verify(r.key, req.Header, body, rec.at, 0)
	}
	if err != nil {
		rec.err = err
		r.write(rec)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var ladder bool
	rec.event, rec.complaint, ladder = describeEvent(body)
	rec.again = !r.firstTime(rec.id)
	r.write(rec)
	w.WriteHeader(http.StatusNoContent)
	if ladder {
		r.escalatedOnce.Do(func() { close(r.escalated) })
	}
}

// firstTime reports whether id is verified for the first time.
func (r *receiver) firstTime(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen[id] {
		return false
	}
	r.seen[id] = true
	return true
}

// record is one delivery as the receiver saw it.
type record struct {
	at               time.Time
	dest, id         string
	event, complaint string
	again            bool  // the id was verified before: a retry
	err              error // not verified
}

// describeEvent returns the event (with the escalation level, if any) and
// the namespace/name of the complaint a verified delivery is about, and
// whether it is an escalation of the complaint's ladder (not a
// department's overdue remedy, which stands apart from it).
func describeEvent(body []byte) (event, complaint string, ladder bool) {
	var b webhookBody
	_ = json.Unmarshal(body, &b)
	d := b.Data
	event = d.Event
	ladder = event == string(supportv1.EventEscalated)
	if e := d.Escalation; e != nil {
		if e.LevelName != "" {
			event += "(" + e.LevelName + ")"
		}
		ladder = ladder && !e.Reason.IsRemedy()
	}
	return event, d.Complaint.Namespace + "/" + d.Complaint.Name, ladder
}

// logLine is the record's line in webhooks.log, e.g.
// "2026-11-24T10:00:00Z verified Breached demo/late-delivery dest=leads id=…".
func (rec record) logLine() string {
	ts := rec.at.UTC().Format(time.RFC3339)
	if rec.err != nil {
		return fmt.Sprintf("%s rejected dest=%s id=%s error=%q", ts, rec.dest, rec.id, rec.err.Error())
	}
	line := fmt.Sprintf("%s verified %s %s dest=%s id=%s", ts, rec.event, rec.complaint, rec.dest, rec.id)
	if rec.again {
		line += " retry"
	}
	return line
}

// termLine is the record's short line on the terminal.
func (rec record) termLine() string {
	ts := rec.at.Format(time.TimeOnly)
	if rec.err != nil {
		return fmt.Sprintf("%s webhook REJECTED to %s: %v", ts, rec.dest, rec.err)
	}
	return fmt.Sprintf("%s webhook %s %s -> %s (signature verified)", ts, rec.event, rec.complaint, rec.dest)
}

func (r *receiver) write(rec record) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintln(r.log, rec.logLine())
	fmt.Fprintln(r.echo, rec.termLine())
}
