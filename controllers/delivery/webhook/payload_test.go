package webhook

import (
	"encoding/json"
	"strings"
	"testing"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	nt "github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/internal/deliverytest"
)

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
			c := nt.Complaint()
			n := nt.Item("0123456789abcdef0123456789abcdef", "crm")
			n.Event = tt.event

			ev, err := BuildEvent(c, nil, n, tt.hook)
			if err != nil {
				t.Fatalf("BuildEvent() error = %v", err)
			}
			if ev.Type() != tt.wantType || ev.ID() != n.ID {
				t.Errorf("type %q id %q, want %q %q", ev.Type(), ev.ID(), tt.wantType, n.ID)
			}
			if ev.Subject() != c.Name || !strings.Contains(ev.Source(), "/namespaces/"+nt.Namespace+"/complaints/"+c.Name) {
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
			hasContact := strings.Contains(raw, nt.Email) || strings.Contains(raw, nt.Phone)
			if hasContact != tt.wantContact {
				t.Errorf("contact in payload = %v, want %v: %s", hasContact, tt.wantContact, raw)
			}
			if tt.wantContact {
				cust := data.Complaint.Customer
				if cust == nil || cust.Name != "Jane Doe" || cust.Contact == nil || cust.Contact.Email != nt.Email {
					t.Errorf("customer = %+v, want name and contact", cust)
				}
			} else if data.Complaint.Customer != nil {
				t.Errorf("customer = %+v, want none without includeContact", data.Complaint.Customer)
			}
		})
	}
}

// A remedy's events carry what its department needs: the remedy, its
// action, and the report once made; the detail without the customer.
func TestBuildEventRemedy(t *testing.T) {
	c := nt.Complaint()
	c.Spec.Resolution = &supportv1.Resolution{Summary: "reship", Actions: []supportv1.RemedyAction{
		{Name: "reship", Department: "warehouse", Kind: supportv1.RemedyReship, Detail: "call " + c.Spec.Customer.Name + " before"}}}
	c.Status.Remedies = []supportv1.RemedySummary{{Name: c.Name + "-reship", Department: "warehouse", Kind: supportv1.RemedyReship,
		Outcome: supportv1.FulfilmentDone, By: "warehouse-bot", Reference: "TRACK-1"}}
	n := nt.Item("0123456789abcdef0123456789abcdef", "warehouse-queue")
	n.Event, n.Remedy = supportv1.EventRemedyDone, c.Name+"-reship"
	ev, err := BuildEvent(c, nil, n, &supportv1.Webhook{URL: "https://x"})
	if err != nil {
		t.Fatal(err)
	}
	var data Payload
	if err := json.Unmarshal(ev.Data(), &data); err != nil {
		t.Fatal(err)
	}
	want := RemedyRef{Name: c.Name + "-reship", Action: "reship", Department: "warehouse", Kind: supportv1.RemedyReship,
		Detail: "call [customer] before", Outcome: supportv1.FulfilmentDone, By: "warehouse-bot", Reference: "TRACK-1"}
	if data.Remedy == nil || *data.Remedy != want {
		t.Errorf("remedy = %+v, want %+v", data.Remedy, want)
	}
	if ev.Type() != "dev.servicedesk.complaint.remedydone" {
		t.Errorf("type = %q", ev.Type())
	}
	n.Remedy = ""
	if ev, _ := BuildEvent(c, nil, n, nil); strings.Contains(string(ev.Data()), `"remedy"`) {
		t.Errorf("an event about no remedy names one: %s", ev.Data())
	}
}
