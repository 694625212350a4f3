package webhook

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/cloudevents/sdk-go/v2/event"
)

// DefaultTimeout bounds a request when Sender.Timeout is zero or negative.
const DefaultTimeout = 10 * time.Second

// DefaultUserAgent is sent when Sender.UserAgent is empty.
const DefaultUserAgent = "servicedesk-operator-webhook/1"

const (
	maxBodySnippet = 200      // bytes of receiver body kept in Result.Message
	maxDrain       = 64 << 10 // bytes read to allow connection reuse
	maxErrText     = 200      // bytes of a transport error kept in Result.Message
)

// Sender posts events to webhook receivers. The zero value is usable.
type Sender struct {
	// Client sends the requests; nil means a client with Timeout. Redirects
	// are never followed (a shallow copy with CheckRedirect overridden is used),
	// so a signed POST is never replayed elsewhere or turned into a GET.
	Client *http.Client
	// Timeout bounds every request, including reading the response
	// (<= 0 means DefaultTimeout).
	Timeout time.Duration
	// UserAgent header; empty means DefaultUserAgent.
	UserAgent string
}

// Send marshals ev to structured JSON, signs it with secret at time now (a
// nil or empty secret sends it unsigned, without webhook-signature), POSTs
// it to url with Content-Type application/cloudevents+json and the
// webhook-* headers, and classifies the response with Classify (using now).
// now comes from the caller's clock: this package never reads one. Network
// errors and timeouts give a Retry result with StatusCode 0.
//
// The error is non-nil only when no meaningful attempt was made: url is not
// absolute http(s), ev is invalid or cannot be marshalled (zero Result), or
// ctx itself was cancelled (Result is Retry). A destination whose address
// the client's dialer refuses (GuardedDialer) gives a Refused result naming
// the address. Neither errors nor messages contain the secret or the URL.
func (s *Sender) Send(ctx context.Context, url string, ev event.Event, secret []byte, now time.Time) (Result, error) {
	if err := ValidateURL(url); err != nil {
		return Result{}, err
	}
	if err := validate(ev); err != nil {
		return Result{}, err
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return Result{}, fmt.Errorf("delivery: marshalling CloudEvent: %w", err)
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}

	reqCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(reqCtx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return Result{}, errors.New("delivery: cannot build request for webhook URL")
	}
	ua := s.UserAgent
	if ua == "" {
		ua = DefaultUserAgent
	}
	req.Header.Set("Content-Type", ContentTypeCloudEventsJSON)
	req.Header.Set("User-Agent", ua)
	req.Header.Set(HeaderID, ev.ID())
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	if len(secret) > 0 {
		req.Header.Set(HeaderSignature, Sign(secret, ev.ID(), now, body))
	}

	resp, err := s.client(timeout).Do(req)
	if err != nil {
		if refused, ok := errors.AsType[*RefusedError](err); ok {
			return Result{Outcome: Refused, Message: refused.Error()}, nil
		}
		if ctx.Err() != nil {
			return Result{Outcome: Retry, Message: "delivery cancelled"},
				fmt.Errorf("delivery: %w", context.Cause(ctx))
		}
		return Result{Outcome: Retry, Message: transportMessage(err, reqCtx, timeout, secret)}, nil
	}
	defer func() { _ = resp.Body.Close() }() // read to the snippet's end; nothing to do if closing fails

	res := Classify(resp.StatusCode, resp.Header, now)
	if res.Outcome != Delivered {
		if snippet := readSnippet(resp.Body, secret); snippet != "" {
			res.Message += ": " + snippet
		}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain))
	return res, nil
}

func (s *Sender) client(timeout time.Duration) *http.Client {
	var c http.Client
	if s.Client != nil {
		c = *s.Client
	} else {
		c.Timeout = timeout
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// transportMessage describes a failed round trip without the URL or the secret.
func transportMessage(err error, reqCtx context.Context, timeout time.Duration, secret []byte) string {
	if errors.Is(reqCtx.Err(), context.DeadlineExceeded) {
		return fmt.Sprintf("request timed out after %s", timeout)
	}
	if netErr, ok := errors.AsType[net.Error](err); ok && netErr.Timeout() {
		return "request timed out"
	}
	if uerr, ok := errors.AsType[*url.Error](err); ok { // url.Error embeds the URL, which may hold tokens
		err = uerr.Err
	}
	// Redact before cutting: no prefix of a secret may survive the cut.
	return "request failed: " + truncate(redact(sanitize(err.Error()), secret), maxErrText)
}

// readSnippet reads up to maxBodySnippet bytes of body as printable text,
// with the secret redacted. It reads past the cut by the longest form of the
// secret and redacts before cutting, so a secret straddling the cut leaves
// no prefix behind.
func readSnippet(body io.Reader, secret []byte) string {
	extra := 0
	for _, form := range secretForms(secret) {
		extra = max(extra, len(form))
	}
	buf, _ := io.ReadAll(io.LimitReader(body, int64(maxBodySnippet+extra+1)))
	text := redact(sanitize(strings.ToValidUTF8(string(buf), "")), secret)
	if len(buf) > maxBodySnippet || len(text) > maxBodySnippet {
		return truncate(text, maxBodySnippet)
	}
	return text
}

// sanitize collapses control characters and whitespace runs to single spaces.
func sanitize(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r)
	}), " ")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

// redact removes the key, raw or base64-encoded (its whsec_ form), from msg.
func redact(msg string, secret []byte) string {
	for _, form := range secretForms(secret) {
		msg = strings.ReplaceAll(msg, form, "[redacted]")
	}
	return msg
}

// secretForms are the spellings of a key that may show up in a message.
// Messages are sanitized (whitespace collapsed), so the sanitized form
// counts too: a value read from a file ends with a newline.
func secretForms(secret []byte) []string {
	if len(secret) == 0 {
		return nil
	}
	var forms []string
	for _, f := range []string{string(secret), sanitize(string(secret)), base64.StdEncoding.EncodeToString(secret)} {
		if f != "" {
			forms = append(forms, f)
		}
	}
	return forms
}

// ValidateURL reports whether raw is an absolute http or https URL with a
// host. Errors name the problem but never echo the URL, which may hold tokens.
func ValidateURL(raw string) error {
	if strings.TrimSpace(raw) == "" {
		return errors.New("delivery: webhook URL is empty")
	}
	u, err := url.Parse(raw)
	if err != nil {
		if uerr, ok := errors.AsType[*url.Error](err); ok {
			err = uerr.Err
		}
		return fmt.Errorf("delivery: webhook URL does not parse: %s", sanitize(err.Error()))
	}
	switch {
	case u.Scheme == "":
		return errors.New("delivery: webhook URL must be absolute (http:// or https://)")
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("delivery: webhook URL scheme %q is not http or https", u.Scheme)
	case u.Host == "" || u.Hostname() == "":
		return errors.New("delivery: webhook URL has no host")
	}
	return nil
}
