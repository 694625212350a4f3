package webhook_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/webhook"
)

func TestSign(t *testing.T) {
	rawSecret := []byte("raw secret value\n") // raw Secret bytes are used verbatim
	rawTS := time.Unix(1700000000, 999_000_000)
	rawBody := []byte(`{"specversion":"1.0"}`)
	h := hmac.New(sha256.New, rawSecret)
	h.Write([]byte("evt-1.1700000000." + string(rawBody)))
	rawWant := "v1," + base64.StdEncoding.EncodeToString(h.Sum(nil))

	tests := []struct {
		name   string
		secret []byte
		id     string
		ts     time.Time
		body   []byte
		want   string
	}{
		{
			name:   "standard webhooks spec vector with whsec_ secret",
			secret: webhook.SecretBytes([]byte("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")),
			id:     "msg_p5jXN8AQM9LWM0D4loKWxJek",
			ts:     time.Unix(1614265330, 0),
			body:   []byte(`{"test": 2432232314}`),
			want:   "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
		},
		{
			name:   "raw secret computed independently, sub-second time truncated",
			secret: rawSecret,
			id:     "evt-1",
			ts:     rawTS,
			body:   rawBody,
			want:   rawWant,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := webhook.Sign(tt.secret, tt.id, tt.ts, tt.body); got != tt.want {
				t.Errorf("Sign() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSecretBytes(t *testing.T) {
	key := []byte{0x00, 0xff, 0x10, 'k'}
	tests := []struct {
		name string
		in   []byte
		want []byte
	}{
		{"nil stays nil", nil, nil},
		{"raw value used verbatim", []byte("s3cr3t\n"), []byte("s3cr3t\n")},
		{"whsec_ prefix stripped and base64-decoded", []byte("whsec_" + base64.StdEncoding.EncodeToString(key)), key},
		{"whsec_ with trailing newline still decodes", []byte("whsec_" + base64.StdEncoding.EncodeToString(key) + "\n"), key},
		{"whsec_ with invalid base64 gives no key", []byte("whsec_not*base64"), nil},
		{"whsec_ with nothing after it gives no key", []byte("whsec_"), nil},
		{"prefix elsewhere is not special", []byte("xwhsec_AAAA"), []byte("xwhsec_AAAA")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := webhook.SecretBytes(tt.in)
			if !bytes.Equal(got, tt.want) || (tt.want == nil) != (got == nil) {
				t.Errorf("SecretBytes(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}

	t.Run("result does not alias input", func(t *testing.T) {
		in := []byte("raw")
		out := webhook.SecretBytes(in)
		out[0] = 'X'
		if string(in) != "raw" {
			t.Errorf("input modified to %q", in)
		}
	})
}

func TestSigningKey(t *testing.T) {
	key := []byte{0x00, 0xff, 0x10, 'k'}
	for _, tt := range []struct {
		name    string
		in      string
		want    []byte
		wantErr bool
	}{
		{"raw value", "s3cr3t", []byte("s3cr3t"), false},
		{"whsec_ decoded", "whsec_" + base64.StdEncoding.EncodeToString(key), key, false},
		{"whsec_ with line breaks decoded", "whsec_" + base64.StdEncoding.EncodeToString(key) + "\r\n", key, false},
		{"whsec_ not base64", "whsec_not*base64", nil, true},
		{"whsec_ url-safe alphabet", "whsec_" + base64.URLEncoding.EncodeToString([]byte{0xfb, 0xff}), nil, true},
		{"whsec_ missing padding", "whsec_AAE", nil, true},
		{"whsec_ empty", "whsec_", nil, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := webhook.SigningKey([]byte(tt.in))
			if (err != nil) != tt.wantErr || !bytes.Equal(got, tt.want) {
				t.Fatalf("SigningKey(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
			if err != nil && (got != nil || !errors.Is(err, webhook.ErrMalformedSecret) || strings.Contains(err.Error(), tt.in[len("whsec_"):]) && len(tt.in) > len("whsec_")) {
				t.Fatalf("error %q must be ErrMalformedSecret, give no key and not echo the value", err)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	secret := []byte("receiver-secret")
	now := time.Unix(1_700_000_000, 0)
	body := []byte(`{"id":"1"}`)
	good := webhook.Sign(secret, "evt-1", now, body)

	headers := func(id string, ts time.Time, sig string) http.Header {
		h := http.Header{}
		if id != "" {
			h.Set(webhook.HeaderID, id)
		}
		if !ts.IsZero() {
			h.Set(webhook.HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
		}
		if sig != "" {
			h.Set(webhook.HeaderSignature, sig)
		}
		return h
	}

	tests := []struct {
		name      string
		secret    []byte
		headers   http.Header
		body      []byte
		tolerance time.Duration
		wantErr   error
	}{
		{"good signature", secret, headers("evt-1", now, good), body, time.Minute, nil},
		{"good signature with default tolerance", secret, headers("evt-1", now, good), body, 0, nil},
		{"tampered body", secret, headers("evt-1", now, good), []byte(`{"id":"2"}`), time.Minute, webhook.ErrNoMatchingSig},
		{"tampered id", secret, headers("evt-2", now, good), body, time.Minute, webhook.ErrNoMatchingSig},
		{"wrong secret", []byte("other"), headers("evt-1", now, good), body, time.Minute, webhook.ErrNoMatchingSig},
		{"multiple signatures one valid", secret, headers("evt-1", now, "v1,Zm9v v2,abc garbage v1,!!! "+good), body, time.Minute, nil},
		{"multiple signatures none valid", secret, headers("evt-1", now, "v1,Zm9v v1,YmFy"), body, time.Minute, webhook.ErrNoMatchingSig},
		{"valid mac under wrong version", secret, headers("evt-1", now, "v2,"+good[len("v1,"):]), body, time.Minute, webhook.ErrNoMatchingSig},
		{"stale timestamp", secret, headers("evt-1", now.Add(-2*time.Minute), webhook.Sign(secret, "evt-1", now.Add(-2*time.Minute), body)), body, time.Minute, webhook.ErrTimestampTolerance},
		{"future timestamp", secret, headers("evt-1", now.Add(2*time.Minute), webhook.Sign(secret, "evt-1", now.Add(2*time.Minute), body)), body, time.Minute, webhook.ErrTimestampTolerance},
		{"timestamp at tolerance edge", secret, headers("evt-1", now.Add(-time.Minute), webhook.Sign(secret, "evt-1", now.Add(-time.Minute), body)), body, time.Minute, nil},
		{"missing id header", secret, headers("", now, good), body, time.Minute, webhook.ErrMissingHeaders},
		{"missing timestamp header", secret, headers("evt-1", time.Time{}, good), body, time.Minute, webhook.ErrMissingHeaders},
		{"missing signature header", secret, headers("evt-1", now, ""), body, time.Minute, webhook.ErrMissingHeaders},
		{"no headers at all", secret, http.Header{}, body, time.Minute, webhook.ErrMissingHeaders},
		{"non-numeric timestamp", secret, http.Header{"Webhook-Id": {"evt-1"}, "Webhook-Timestamp": {"yesterday"}, "Webhook-Signature": {good}}, body, time.Minute, webhook.ErrInvalidTimestamp},
		{"empty secret rejected", nil, headers("evt-1", now, good), body, time.Minute, webhook.ErrEmptySecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := webhook.Verify(tt.secret, tt.headers, tt.body, now, tt.tolerance)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Verify() error = %v, want %v", err, tt.wantErr)
			}
			if err != nil && bytes.Contains([]byte(err.Error()), secret) {
				t.Errorf("error %q leaks the secret", err)
			}
		})
	}
}
