package webhook

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// Fixtures of the payload tests. All names carry an "nt" prefix so they
// cannot clash with the package's own identifiers.

// ntNow is the fixed "now" of every attempt (the fake clock's start); the
// sub-second part exercises the rounding of NextAttemptAt to whole seconds.
var ntNow = time.Date(2026, 3, 1, 12, 0, 0, 250_000_000, time.UTC)

const (
	ntNamespace = "support"
	ntPolicy    = "standard"
	ntEmail     = "jane.doe@example.com"
	ntPhone     = "+31 20 555 0100"
)

// ntItem is a pending Breached notification with the given id and target.
func ntItem(id, target string) supportv1.Notification {
	return supportv1.Notification{
		ID: id, Target: target, Event: supportv1.EventBreached,
		OccurredAt: metav1.NewTime(ntNow.Add(-time.Minute).Truncate(time.Second)),
		Detail:     "resolution clock breached",
	}
}

// ntComplaint is governed by ntPolicy; its ledger is empty.
func ntComplaint() *supportv1.Complaint {
	return &supportv1.Complaint{
		ObjectMeta: metav1.ObjectMeta{Name: "broken-order", Namespace: ntNamespace, UID: types.UID("0b6a7c2e-uid")},
		Spec: supportv1.ComplaintSpec{
			Customer: supportv1.Customer{
				Name: "Jane Doe", Company: "Acme",
				Contact: &supportv1.Contact{Email: ntEmail, Phone: ntPhone},
			},
			Category: supportv1.CategoryOrderError,
			Severity: supportv1.SeverityHigh,
			Summary:  "Order arrived broken",
		},
		Status: supportv1.ComplaintStatus{Policy: ntPolicy},
	}
}

// ------------------------------------------------------------- BuildEvent

func TestBuildEvent(t *testing.T) {
	tests := []struct {
		name        string
		event       supportv1.EventType
		hook        *supportv1.Webhook
		wantType    string
		wantContact bool
	}{
		{"breached without a webhook", supportv1.EventBreached, nil, "dev.servicedesk.complaint.breached", false},
		{"follow-up due lower-cased", supportv1.EventFollowUpDue, &supportv1.Webhook{URL: "https://x"}, "dev.servicedesk.complaint.followupdue", false},
		{"at risk without includeContact", supportv1.EventAtRisk, &supportv1.Webhook{URL: "https://x", IncludeContact: false}, "dev.servicedesk.complaint.atrisk", false},
		{"created with includeContact", supportv1.EventCreated, &supportv1.Webhook{URL: "https://x", IncludeContact: true}, "dev.servicedesk.complaint.created", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ntComplaint()
			n := ntItem("0123456789abcdef0123456789abcdef", "crm")
			n.Event = tt.event

			ev, err := BuildEvent(c, nil, n, tt.hook)
			if err != nil {
				t.Fatalf("BuildEvent() error = %v", err)
			}
			if ev.Type() != tt.wantType || ev.ID() != n.ID {
				t.Errorf("type %q id %q, want %q %q", ev.Type(), ev.ID(), tt.wantType, n.ID)
			}
			if ev.Subject() != c.Name || !strings.Contains(ev.Source(), "/namespaces/"+ntNamespace+"/complaints/"+c.Name) {
				t.Errorf("subject %q source %q, want the complaint", ev.Subject(), ev.Source())
			}
			if !ev.Time().Equal(n.OccurredAt.Time) {
				t.Errorf("time = %v, want %v", ev.Time(), n.OccurredAt.Time)
			}
			var data Payload
			if err := json.Unmarshal(ev.Data(), &data); err != nil {
				t.Fatalf("data: %v", err)
			}
			if data.Event != tt.event || data.Detail != n.Detail || data.Complaint.Name != c.Name || data.Complaint.UID != string(c.UID) {
				t.Errorf("data = %+v", data)
			}
			if data.Complaint.Tier != supportv1.TierStandard {
				t.Errorf("tier = %q, want the Standard default", data.Complaint.Tier)
			}
			raw := string(ev.Data())
			hasContact := strings.Contains(raw, ntEmail) || strings.Contains(raw, ntPhone)
			if hasContact != tt.wantContact {
				t.Errorf("contact in payload = %v, want %v: %s", hasContact, tt.wantContact, raw)
			}
			if tt.wantContact {
				cust := data.Complaint.Customer
				if cust == nil || cust.Name != "Jane Doe" || cust.Contact == nil || cust.Contact.Email != ntEmail {
					t.Errorf("customer = %+v, want name and contact", cust)
				}
			} else if data.Complaint.Customer != nil {
				t.Errorf("customer = %+v, want none without includeContact", data.Complaint.Customer)
			}
		})
	}
}
