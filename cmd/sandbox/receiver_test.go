package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/webhook"
)

func strconvUnix(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

const escalatedBody = `{"specversion":"1.0","data":{"event":"Escalated","complaint":{"namespace":"demo","name":"late-delivery"},"escalation":{"levelName":"manager"}}}`

func TestReceiverLogsVerifiedAndRejected(t *testing.T) {
	secret := []byte("key")
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	r, err := listenReceiver()
	if err != nil {
		t.Fatal(err)
	}
	var term bytes.Buffer
	logPath := filepath.Join(t.TempDir(), "webhooks.log")
	if err := r.serve(secret, logPath, &term); err != nil {
		t.Fatal(err)
	}
	defer r.close()
	r.now = func() time.Time { return now }

	post := func(id, sig string) int {
		req := httptest.NewRequest(http.MethodPost, "/managers", strings.NewReader(escalatedBody))
		req.Header.Set(webhook.HeaderID, id)
		req.Header.Set(webhook.HeaderTimestamp, strconvUnix(now))
		req.Header.Set(webhook.HeaderSignature, sig)
		w := httptest.NewRecorder()
		r.handle(w, req)
		return w.Code
	}
	good := webhook.Sign(secret, "e1", now, []byte(escalatedBody))
	if code := post("e2", webhook.Sign([]byte("other"), "e2", now, []byte(escalatedBody))); code != http.StatusUnauthorized {
		t.Errorf("badly signed delivery: %d", code)
	}
	select {
	case <-r.escalated:
		t.Errorf("a rejected Escalated delivery counted as the first escalation")
	default:
	}
	if code := post("e1", good); code != http.StatusNoContent {
		t.Errorf("signed delivery: %d", code)
	}
	select {
	case <-r.escalated:
	default:
		t.Errorf("a verified Escalated delivery did not close r.escalated (--until-escalated)")
	}
	if code := post("e1", good); code != http.StatusNoContent {
		t.Errorf("retried delivery: %d", code)
	}
	got, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	want := "2026-11-24T10:00:00Z rejected dest=managers id=e2 error=\"delivery: no matching webhook signature\"\n" +
		"2026-11-24T10:00:00Z verified Escalated(manager) demo/late-delivery dest=managers id=e1\n" +
		"2026-11-24T10:00:00Z verified Escalated(manager) demo/late-delivery dest=managers id=e1 retry\n"
	if string(got) != want {
		t.Errorf("webhooks.log:\n%s\nwant:\n%s", got, want)
	}
	if !strings.Contains(term.String(), "webhook Escalated(manager) demo/late-delivery -> managers (signature verified)") {
		t.Errorf("terminal:\n%s", term.String())
	}
}

// A department's overdue remedy is an Escalated event apart from the
// ladder: --until-escalated waits for the ladder's first escalation.
func TestDescribeEventLadder(t *testing.T) {
	for body, want := range map[string]struct {
		event  string
		ladder bool
	}{
		escalatedBody: {"Escalated(manager)", true},
		`{"data":{"event":"Escalated","complaint":{"namespace":"demo","name":"crushed-parcel"},"escalation":{"levelName":"billing","reason":"RemedyOverdue"}}}`: {"Escalated(billing)", false},
		`{"data":{"event":"RemedyDone","complaint":{"namespace":"demo","name":"crushed-parcel"}}}`:                                                              {"RemedyDone", false},
	} {
		event, complaint, ladder := describeEvent([]byte(body))
		if event != want.event || ladder != want.ladder || !strings.HasPrefix(complaint, "demo/") {
			t.Errorf("describeEvent(%s) = %s %s %v, want %s %v", body, event, complaint, ladder, want.event, want.ladder)
		}
	}
}

func TestEscalatedOnlyUntilEscalated(t *testing.T) {
	r := &receiver{escalated: make(chan struct{})}
	if ch := (&sandbox{recv: r}).escalated(); ch != nil {
		t.Error("without --until-escalated the sandbox stops at the first escalation")
	}
	if ch := (&sandbox{recv: r, opts: options{untilEscalated: time.Minute}}).escalated(); ch == nil {
		t.Error("with --until-escalated nothing stops the sandbox")
	}
}
