package webhook

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// FuzzBuildEvent builds the CloudEvent of arbitrary complaints (any unicode,
// control characters, huge strings) and checks: no panic, a body that is
// valid JSON, the customer's contact only where the destination asked for
// it, and a signature the receiver's check accepts.
func FuzzBuildEvent(f *testing.F) {
	f.Add("c-1", "Ada Lovelace", "ada@example.com", "late delivery", "insulin not delivered", "Breached", false)
	f.Add("x", "\u202e\x00\"}", "\xff\xfe", strings.Repeat("é", 3000), "", "Escalated", true)
	f.Fuzz(func(t *testing.T, name, customer, email, summary, detail, ev string, includeContact bool) {
		c := &supportv1.Complaint{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "support"},
			Spec: supportv1.ComplaintSpec{Customer: supportv1.Customer{Name: customer, Contact: &supportv1.Contact{Email: email}}, Summary: summary}}
		n := supportv1.Notification{ID: EventID("uid", ev, "1"), Target: "crm", Event: supportv1.EventType(ev), OccurredAt: metav1.NewTime(time.Unix(1790000000, 0)), Detail: detail}
		hook := &supportv1.Webhook{URL: "https://crm.example/hook", IncludeContact: includeContact}
		e, err := BuildEvent(c, &EscalationRef{Name: name + "-lead", Level: 1, Question: detail}, n, hook)
		if err != nil {
			return // refused with an error: the delivery gives up loudly
		}
		body, err := json.Marshal(e)
		if err != nil {
			t.Fatalf("event does not marshal: %v", err)
		}
		if !json.Valid(body) {
			t.Fatalf("body is not valid JSON: %q", body)
		}
		var got struct {
			Data Payload `json:"data"`
		}
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatalf("body does not read back: %v", err)
		}
		if !includeContact && got.Data.Complaint.Customer != nil {
			t.Fatalf("customer sent to a destination without includeContact: %+v", got.Data.Complaint.Customer)
		}
		secret := []byte("0123456789abcdef")
		h := http.Header{}
		h.Set("webhook-id", n.ID)
		ts := time.Unix(1790000000, 0)
		h.Set("webhook-timestamp", "1790000000")
		h.Set("webhook-signature", Sign(secret, n.ID, ts, body))
		if err := Verify(secret, h, body, ts, time.Minute); err != nil {
			t.Fatalf("own signature does not verify: %v", err)
		}
	})
}
