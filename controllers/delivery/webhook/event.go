package webhook

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
)

// ContentTypeCloudEventsJSON is the Content-Type of a structured-mode delivery.
const ContentTypeCloudEventsJSON = event.ApplicationCloudEventsJSON

// NewEvent builds a CloudEvents 1.0 event (event.Event is the type aliased as
// cloudevents.Event) with the given id, type, source (a URI-reference),
// subject, time and JSON data, and validates it.
// An empty subject or zero t omits that attribute. data is JSON-encoded with
// datacontenttype application/json; a []byte or json.RawMessage is taken as
// already-encoded JSON and must be valid; nil or empty data omits data.
func NewEvent(id, eventType, source, subject string, t time.Time, data any) (event.Event, error) {
	ev := event.New(event.CloudEventsVersionV1)
	ev.SetID(id)
	ev.SetType(eventType)
	ev.SetSource(source)
	ev.SetSubject(subject)
	ev.SetTime(t)
	if b, ok := data.([]byte); ok {
		data = json.RawMessage(b)
	}
	if raw, ok := data.(json.RawMessage); ok {
		if len(raw) == 0 {
			data = nil
		} else if !json.Valid(raw) {
			return event.Event{}, errors.New("delivery: event data is not valid JSON")
		}
	}
	if data != nil {
		if err := ev.SetData(event.ApplicationJSON, data); err != nil {
			return event.Event{}, fmt.Errorf("delivery: encoding event data: %w", err)
		}
	}
	if err := validate(ev); err != nil {
		return event.Event{}, err
	}
	return ev, nil
}

// validate runs ev.Validate and returns a one-line, deterministic error that
// still unwraps to the SDK's event.ValidationError.
func validate(ev event.Event) error {
	err := ev.Validate()
	if err == nil {
		return nil
	}
	msg := err.Error()
	if verr, ok := errors.AsType[event.ValidationError](err); ok {
		fields := make([]string, 0, len(verr))
		for field, ferr := range verr {
			fields = append(fields, field+": "+ferr.Error())
		}
		slices.Sort(fields)
		msg = strings.Join(fields, "; ")
	}
	return &invalidEventError{msg: msg, err: err}
}

type invalidEventError struct {
	msg string
	err error
}

func (e *invalidEventError) Error() string { return "delivery: invalid CloudEvent: " + e.msg }
func (e *invalidEventError) Unwrap() error { return e.err }

// EventID derives a stable idempotency key from parts (e.g. namespace,
// complaint UID, event type, occurrence number): the first 32 hex characters
// (128 bits) of SHA-256 over the parts, each prefixed by its length so that
// no two different part lists collide by concatenation ("a","bc" != "ab","c").
func EventID(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write(strconv.AppendInt(nil, int64(len(p)), 10))
		h.Write([]byte{':'})
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}
