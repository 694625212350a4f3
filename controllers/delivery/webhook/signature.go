package webhook

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Standard Webhooks header names.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// SecretPrefix marks a Standard Webhooks secret whose remainder is base64.
const SecretPrefix = "whsec_"

// DefaultTolerance is the timestamp tolerance Verify uses when given <= 0.
const DefaultTolerance = 5 * time.Minute

// Errors returned by Verify. They never contain secrets or signatures.
var (
	ErrMissingHeaders     = errors.New("delivery: missing webhook-id, webhook-timestamp or webhook-signature header")
	ErrInvalidTimestamp   = errors.New("delivery: invalid webhook-timestamp header")
	ErrTimestampTolerance = errors.New("delivery: webhook-timestamp outside tolerance")
	ErrNoMatchingSig      = errors.New("delivery: no matching webhook signature")
	ErrEmptySecret        = errors.New("delivery: empty signing secret")
)

// ErrMalformedSecret is returned by SigningKey for a "whsec_" value whose
// remainder is not standard base64 of at least one byte: every Standard
// Webhooks receiver would reject what such a key signs.
var ErrMalformedSecret = errors.New("the value starts with whsec_ but the rest is not standard base64 of a key (the Standard Webhooks form)")

// SigningKey turns a Secret value into the HMAC key. A value starting with
// "whsec_" has the prefix stripped and the rest base64 (standard encoding,
// line breaks ignored) decoded, as the Standard Webhooks libraries do; if
// that fails, or leaves no key, it returns ErrMalformedSecret and no key.
// Any other value is used as raw bytes, unchanged (no whitespace
// trimming). The result never aliases v.
func SigningKey(v []byte) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	rest, ok := bytes.CutPrefix(v, []byte(SecretPrefix))
	if !ok {
		return bytes.Clone(v), nil
	}
	key := make([]byte, base64.StdEncoding.DecodedLen(len(rest)))
	n, err := base64.StdEncoding.Decode(key, rest)
	if err != nil || n == 0 {
		return nil, ErrMalformedSecret
	}
	return key[:n], nil
}

// SecretBytes is SigningKey for receivers and tests whose value is known to
// be well formed; a malformed "whsec_" value gives nil, which Verify
// refuses (ErrEmptySecret).
func SecretBytes(v []byte) []byte {
	key, _ := SigningKey(v)
	return key
}

// Sign returns the webhook-signature header value "v1,<base64>" for id,
// timestamp (truncated to Unix seconds) and body.
func Sign(secret []byte, id string, ts time.Time, body []byte) string {
	return "v1," + base64.StdEncoding.EncodeToString(mac(secret, id, strconv.FormatInt(ts.Unix(), 10), body))
}

func mac(secret []byte, id, ts string, body []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(id))
	h.Write([]byte{'.'})
	h.Write([]byte(ts))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Verify checks a webhook-signature header value (possibly several
// space-separated "v1,<base64>" entries; other versions are ignored) against
// the webhook-id and webhook-timestamp headers and body, and that the
// timestamp is within tolerance of now (tolerance <= 0 means
// DefaultTolerance). Headers are read with http.Header.Get. Comparison is
// constant-time. Intended for receivers and tests.
func Verify(secret []byte, headers http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	if len(secret) == 0 {
		return ErrEmptySecret
	}
	id, tsRaw, sigs := headers.Get(HeaderID), headers.Get(HeaderTimestamp), headers.Get(HeaderSignature)
	if id == "" || tsRaw == "" || sigs == "" {
		return ErrMissingHeaders
	}
	ts, err := strconv.ParseInt(tsRaw, 10, 64)
	if err != nil {
		return ErrInvalidTimestamp
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return ErrTimestampTolerance
	}
	want := mac(secret, id, tsRaw, body)
	for entry := range strings.FieldsSeq(sigs) {
		version, sig, ok := strings.Cut(entry, ",")
		if !ok || version != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(sig)
		if err != nil {
			continue
		}
		if hmac.Equal(got, want) {
			return nil
		}
	}
	return ErrNoMatchingSig
}
