package webhook_test

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"

	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/webhook"
)

type complaintData struct {
	Name     string `json:"name"`
	Severity string `json:"severity"`
}

func TestNewEvent(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		id, typ   string
		source    string
		subject   string
		t         time.Time
		data      any
		wantErr   bool
		wantData  string
		wantNoTim bool
	}{
		{name: "struct data", id: "e1", typ: "io.servicedesk.complaint.created", source: "/namespaces/crm/complaints/c1", subject: "c1", t: at,
			data: complaintData{Name: "c1", Severity: "High"}, wantData: `{"name":"c1","severity":"High"}`},
		{name: "raw JSON bytes", id: "e2", typ: "io.servicedesk.complaint.closed", source: "urn:servicedesk", t: at,
			data: []byte(`{"a":1}`), wantData: `{"a":1}`},
		{name: "json.RawMessage", id: "e3", typ: "t", source: "s", t: at, data: json.RawMessage(`[1,2]`), wantData: `[1,2]`},
		{name: "nil data omitted", id: "e4", typ: "t", source: "s", t: at, data: nil},
		{name: "zero time omitted", id: "e5", typ: "t", source: "s", data: nil, wantNoTim: true},
		{name: "invalid JSON bytes rejected", id: "e6", typ: "t", source: "s", t: at, data: []byte(`{nope`), wantErr: true},
		{name: "unencodable data rejected", id: "e7", typ: "t", source: "s", t: at, data: make(chan int), wantErr: true},
		{name: "missing id rejected", typ: "t", source: "s", t: at, wantErr: true},
		{name: "missing type rejected", id: "e8", source: "s", t: at, wantErr: true},
		{name: "missing source rejected", id: "e9", typ: "t", t: at, wantErr: true},
		{name: "unparsable source rejected", id: "e10", typ: "t", source: "http://[::1", t: at, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := webhook.NewEvent(tt.id, tt.typ, tt.source, tt.subject, tt.t, tt.data)
			if (err != nil) != tt.wantErr {
				t.Fatalf("NewEvent() error = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil {
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("error %q is not one line", err)
				}
				return
			}
			if ev.SpecVersion() != "1.0" || ev.ID() != tt.id || ev.Type() != tt.typ || ev.Source() != tt.source || ev.Subject() != tt.subject {
				t.Errorf("attributes = %s", ev)
			}
			if tt.wantNoTim != ev.Time().IsZero() || (!tt.wantNoTim && !ev.Time().Equal(tt.t)) {
				t.Errorf("time = %v, want %v", ev.Time(), tt.t)
			}
			if string(ev.Data()) != tt.wantData {
				t.Errorf("data = %s, want %s", ev.Data(), tt.wantData)
			}
			if tt.wantData != "" && ev.DataContentType() != "application/json" {
				t.Errorf("datacontenttype = %q", ev.DataContentType())
			}
		})
	}
}

func TestNewEventErrorUnwrapsToValidationError(t *testing.T) {
	_, err := webhook.NewEvent("", "", "", "", time.Time{}, nil)
	if _, ok := errors.AsType[event.ValidationError](err); !ok {
		t.Fatalf("error %v does not unwrap to event.ValidationError", err)
	}
	const want = "delivery: invalid CloudEvent: id: MUST be a non-empty string; source: REQUIRED; type: MUST be a non-empty string"
	if err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
}

func TestEventID(t *testing.T) {
	id := webhook.EventID("crm", "uid-1", "Created", "1")
	if _, err := hex.DecodeString(id); err != nil || len(id) != 32 {
		t.Fatalf("EventID() = %q, want 32 hex chars", id)
	}
	if again := webhook.EventID("crm", "uid-1", "Created", "1"); again != id {
		t.Errorf("EventID not stable: %q then %q", id, again)
	}

	pairs := []struct {
		name string
		a, b []string
	}{
		{"naive concatenation collision", []string{"a", "bc"}, []string{"ab", "c"}},
		{"separator inside a part", []string{"a:b"}, []string{"a", "b"}},
		{"length-looking content", []string{"1:a"}, []string{"a"}},
		{"trailing empty part", []string{"a"}, []string{"a", ""}},
		{"no parts vs one empty part", nil, []string{""}},
		{"different occurrence", []string{"ns", "uid", "Reopened", "1"}, []string{"ns", "uid", "Reopened", "2"}},
		{"different event type", []string{"ns", "uid", "Created"}, []string{"ns", "uid", "Closed"}},
		{"order matters", []string{"x", "y"}, []string{"y", "x"}},
	}
	for _, p := range pairs {
		t.Run(p.name, func(t *testing.T) {
			if webhook.EventID(p.a...) == webhook.EventID(p.b...) {
				t.Errorf("EventID(%q) == EventID(%q)", p.a, p.b)
			}
		})
	}
}
