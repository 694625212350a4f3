package webhook_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"

	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/webhook"
)

// secretValue is what a Kubernetes Secret would hold; key is the HMAC key.
var (
	secretValue = "whsec_" + base64.StdEncoding.EncodeToString([]byte("very-private-hmac-key-0123456789"))
	key         = webhook.SecretBytes([]byte(secretValue))
)

// assertNoSecret fails if any form of the secret appears in s.
func assertNoSecret(t *testing.T, what, s string) {
	t.Helper()
	for _, leak := range []string{secretValue, strings.TrimPrefix(secretValue, "whsec_"), string(key)} {
		if strings.Contains(s, leak) {
			t.Errorf("%s %q contains the secret", what, s)
		}
	}
}

func testEvent(t *testing.T) event.Event {
	t.Helper()
	ev, err := webhook.NewEvent(webhook.EventID("crm", "uid-1", "Breached", "1"), "io.servicedesk.complaint.breached",
		"/namespaces/crm/complaints/c1", "c1", time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
		complaintData{Name: "c1", Severity: "Critical"})
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestSendDeliversSignedCloudEvent(t *testing.T) {
	ev := testEvent(t)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		body, _ := io.ReadAll(r.Body)
		switch {
		case r.Method != http.MethodPost:
			http.Error(w, "want POST", http.StatusMethodNotAllowed)
		case r.Header.Get("Content-Type") != "application/cloudevents+json":
			http.Error(w, "bad content type "+r.Header.Get("Content-Type"), http.StatusUnsupportedMediaType)
		case r.Header.Get("User-Agent") != "test-agent":
			http.Error(w, "bad user agent", http.StatusBadRequest)
		default:
			if err := webhook.Verify(webhook.SecretBytes([]byte(secretValue)), r.Header, body, time.Now(), time.Minute); err != nil {
				http.Error(w, err.Error(), http.StatusUnauthorized)
				return
			}
			var got event.Event
			if err := json.Unmarshal(body, &got); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			var data complaintData
			if err := got.DataAs(&data); err != nil || data.Severity != "Critical" {
				http.Error(w, "bad data", http.StatusBadRequest)
				return
			}
			if got.ID() != ev.ID() || r.Header.Get(webhook.HeaderID) != ev.ID() || got.Type() != ev.Type() ||
				got.Source() != ev.Source() || got.Subject() != "c1" || !got.Time().Equal(ev.Time()) {
				http.Error(w, "attributes differ: "+got.String(), http.StatusBadRequest)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	defer srv.Close()

	s := &webhook.Sender{Timeout: 5 * time.Second, UserAgent: "test-agent"}
	res, err := s.Send(context.Background(), srv.URL+"/hook", ev, key, time.Now())
	if err != nil {
		t.Fatalf("Send() error = %v", err)
	}
	if res.Outcome != webhook.Delivered || res.StatusCode != http.StatusNoContent {
		t.Fatalf("Send() = %+v, want Delivered 204", res)
	}
	if hits.Load() != 1 {
		t.Errorf("receiver hit %d times, want 1", hits.Load())
	}
}

func TestSendOutcomes(t *testing.T) {
	ev := testEvent(t)
	longBody := strings.Repeat("x", 1000)
	tests := []struct {
		name       string
		handler    http.HandlerFunc
		secret     []byte
		want       webhook.Outcome
		wantStatus int
		retryAfter time.Duration
		msgHas     string
		check      func(t *testing.T, r *http.Request)
	}{
		{
			name:       "500 is retried with body snippet",
			handler:    func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "db down", 500) },
			secret:     key,
			want:       webhook.Retry,
			wantStatus: 500,
			msgHas:     "HTTP 500 Internal Server Error: db down",
		},
		{
			name:       "410 stops",
			handler:    func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusGone) },
			secret:     key,
			want:       webhook.Gone,
			wantStatus: 410,
			msgHas:     "410",
		},
		{
			name: "429 honours Retry-After",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Retry-After", "7")
				w.WriteHeader(http.StatusTooManyRequests)
			},
			secret:     key,
			want:       webhook.Retry,
			wantStatus: 429,
			retryAfter: 7 * time.Second,
			msgHas:     "Retry-After 7s",
		},
		{
			name:       "long body is truncated",
			handler:    func(w http.ResponseWriter, _ *http.Request) { http.Error(w, longBody, 400) },
			secret:     key,
			want:       webhook.Retry,
			wantStatus: 400,
			msgHas:     "…",
		},
		{
			name: "secret echoed by receiver is redacted",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				http.Error(w, "bad key "+secretValue+" raw "+string(key), http.StatusUnauthorized)
			},
			secret:     key,
			want:       webhook.Retry,
			wantStatus: 401,
			msgHas:     "[redacted]",
		},
		{
			name: "redirect is not followed",
			handler: func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/moved" {
					t.Errorf("redirect followed to %s %s", r.Method, r.URL.Path)
				}
				http.Redirect(w, r, "/moved", http.StatusMovedPermanently)
			},
			secret:     key,
			want:       webhook.Retry,
			wantStatus: 301,
			msgHas:     "redirects are not followed",
		},
		{
			name:       "unsigned when secret is nil",
			handler:    func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(200) },
			secret:     nil,
			want:       webhook.Delivered,
			wantStatus: 200,
			check: func(t *testing.T, r *http.Request) {
				if _, ok := r.Header[http.CanonicalHeaderKey(webhook.HeaderSignature)]; ok {
					t.Errorf("unsigned request carries %s", webhook.HeaderSignature)
				}
				if r.Header.Get(webhook.HeaderID) == "" || r.Header.Get(webhook.HeaderTimestamp) == "" {
					t.Errorf("unsigned request lacks id/timestamp headers: %v", r.Header)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var seen *http.Request
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if seen == nil {
					seen = r.Clone(context.Background())
				}
				tt.handler(w, r)
			}))
			defer srv.Close()

			s := &webhook.Sender{Timeout: 5 * time.Second}
			res, err := s.Send(context.Background(), srv.URL+"/hook?token=url-token", ev, tt.secret, time.Now())
			if err != nil {
				t.Fatalf("Send() error = %v", err)
			}
			if res.Outcome != tt.want || res.StatusCode != tt.wantStatus || res.RetryAfter != tt.retryAfter {
				t.Errorf("Send() = %+v, want %s %d retryAfter %v", res, tt.want, tt.wantStatus, tt.retryAfter)
			}
			if !strings.Contains(res.Message, tt.msgHas) {
				t.Errorf("message %q does not contain %q", res.Message, tt.msgHas)
			}
			if len(res.Message) > 300 {
				t.Errorf("message is %d bytes, want <= 300", len(res.Message))
			}
			if strings.Contains(res.Message, "url-token") {
				t.Errorf("message %q leaks the URL", res.Message)
			}
			assertNoSecret(t, "message", res.Message)
			if tt.check != nil {
				tt.check(t, seen)
			}
		})
	}
}

func TestSendTimeoutReturnsPromptly(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // lets the server notice the client hanging up
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}))
	defer srv.Close()

	// A caller-supplied client without its own timeout is still bounded.
	s := &webhook.Sender{Client: &http.Client{}, Timeout: 100 * time.Millisecond}
	start := time.Now()
	res, err := s.Send(context.Background(), srv.URL, testEvent(t), key, time.Now())
	elapsed := time.Since(start)
	if err != nil {
		t.Fatalf("Send() error = %v", err)
	}
	if res.Outcome != webhook.Retry || res.StatusCode != 0 || !strings.Contains(res.Message, "timed out") {
		t.Errorf("Send() = %+v, want Retry with timeout message", res)
	}
	if elapsed > 2*time.Second {
		t.Errorf("Send() took %v, want about 100ms", elapsed)
	}
	if s.Client.CheckRedirect != nil {
		t.Errorf("caller's client was modified")
	}
}

func TestSendNetworkErrorIsRetry(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL + "/hook?token=url-token"
	srv.Close() // nothing listens any more

	res, err := (&webhook.Sender{Timeout: 2 * time.Second}).Send(context.Background(), url, testEvent(t), key, time.Now())
	if err != nil {
		t.Fatalf("Send() error = %v", err)
	}
	if res.Outcome != webhook.Retry || res.StatusCode != 0 || !strings.HasPrefix(res.Message, "request failed") {
		t.Errorf("Send() = %+v, want Retry with request failed message", res)
	}
	if strings.Contains(res.Message, "url-token") {
		t.Errorf("message %q leaks the URL", res.Message)
	}
	assertNoSecret(t, "message", res.Message)
}

func TestSendCancelledContext(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(200) }))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	res, err := (&webhook.Sender{}).Send(ctx, srv.URL, testEvent(t), key, time.Time{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Send() error = %v, want context.Canceled", err)
	}
	if res.Outcome != webhook.Retry {
		t.Errorf("Send() = %+v, want Retry", res)
	}
}

func TestSendRejectsBadInputBeforeSending(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hits.Add(1) }))
	defer srv.Close()
	hostPort := strings.TrimPrefix(srv.URL, "http://")

	tests := []struct {
		name string
		url  string
		ev   event.Event
	}{
		{"ftp URL", "ftp://" + hostPort + "/hook", testEvent(t)},
		{"file URL", "file:///etc/passwd", testEvent(t)},
		{"relative URL", hostPort + "/hook", testEvent(t)},
		{"empty URL", "", testEvent(t)},
		{"invalid event", srv.URL, event.New()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := (&webhook.Sender{}).Send(context.Background(), tt.url, tt.ev, key, time.Now())
			if err == nil {
				t.Fatalf("Send() = %+v, want error", res)
			}
			assertNoSecret(t, "error", err.Error())
		})
	}
	if hits.Load() != 0 {
		t.Errorf("receiver hit %d times, want 0", hits.Load())
	}
}

func TestValidateURL(t *testing.T) {
	tests := []struct {
		name    string
		url     string
		wantErr string
	}{
		{"https URL", "https://crm.example.com/hooks/complaints", ""},
		{"http URL with port and query", "http://10.0.0.1:8080/hook?token=abc", ""},
		{"uppercase scheme", "HTTPS://crm.example.com/hook", ""},
		{"empty", "  ", "empty"},
		{"no scheme", "crm.example.com/hook", "absolute"},
		{"ftp scheme", "ftp://user:pass@crm.example.com/hook", `"ftp" is not http or https`},
		{"javascript scheme", "javascript:alert(1)", "not http or https"},
		{"no host", "http:///hook", "no host"},
		{"opaque http", "http:crm.example.com", "no host"},
		{"port only", "http://:8080/hook", "no host"},
		{"unparsable", "http://[::1/hook?token=abc", "does not parse"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := webhook.ValidateURL(tt.url)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ValidateURL(%q) = %v, want nil", tt.url, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("ValidateURL(%q) = %v, want error containing %q", tt.url, err, tt.wantErr)
			}
			for _, leak := range []string{"pass", "token=abc", "/hook"} {
				if strings.Contains(err.Error(), leak) {
					t.Errorf("error %q echoes URL part %q", err, leak)
				}
			}
		})
	}
}

// TestSendRedactsBeforeCutting: a secret echoed across the cut of the kept
// body snippet leaves no prefix of itself behind.
func TestSendRedactsBeforeCutting(t *testing.T) {
	ev := testEvent(t)
	forms := []string{secretValue, strings.TrimPrefix(secretValue, "whsec_"), string(key)}
	for _, form := range forms {
		for offset := 150; offset <= 205; offset++ {
			body := strings.Repeat("x", offset) + form + strings.Repeat("y", 50)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(http.StatusBadRequest)
				_, _ = io.WriteString(w, body)
			}))
			res, err := (&webhook.Sender{Timeout: 5 * time.Second}).Send(context.Background(), srv.URL, ev, key, time.Now())
			srv.Close()
			if err != nil {
				t.Fatalf("Send() error = %v", err)
			}
			for _, f := range forms {
				if prefix := f[:8]; strings.Contains(res.Message, prefix) {
					t.Fatalf("secret at offset %d: message %q keeps the prefix %q", offset, res.Message, prefix)
				}
			}
		}
	}
}
