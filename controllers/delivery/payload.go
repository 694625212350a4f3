package delivery

import (
	"fmt"
	"strings"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// EventTypePrefix prefixes the CloudEvents type: dev.servicedesk.complaint.breached.
const EventTypePrefix = "dev.servicedesk.complaint."

// Payload is the data of every CloudEvent the operator sends.
// It is the webhook contract: receivers decode it, so fields are only added.
type Payload struct {
	// Event is the lifecycle event, e.g. Breached.
	Event supportv1.EventType `json:"event"`
	// OccurredAt is when it happened (a due time, or the transition).
	OccurredAt time.Time `json:"occurredAt"`
	// Detail is the human sentence also shown in the Kubernetes Event.
	Detail string `json:"detail,omitempty"`
	// Complaint is the complaint the event is about.
	Complaint ComplaintRef `json:"complaint"`
	// Escalation is set on Escalated events.
	Escalation *EscalationRef `json:"escalation,omitempty"`
}

// ComplaintRef identifies a complaint and what a receiver needs to act:
// identity, phase and policy, classification, owner, clocks and escalation
// level, as in the Complaint's spec and status.
type ComplaintRef struct {
	Namespace       string                 `json:"namespace"`
	Name            string                 `json:"name"`
	UID             string                 `json:"uid"`
	Phase           supportv1.Phase        `json:"phase,omitempty"`
	Policy          string                 `json:"policy,omitempty"`
	Tier            supportv1.CustomerTier `json:"tier"`
	Category        supportv1.Category     `json:"category"`
	Severity        supportv1.Severity     `json:"severity,omitempty"`
	Owner           string                 `json:"owner,omitempty"`
	Clocks          supportv1.Clocks       `json:"clocks"`
	EscalationLevel int32                  `json:"escalationLevel"`
	ReopenCount     int32                  `json:"reopenCount,omitempty"`
	Gesture         *supportv1.Gesture     `json:"gesture,omitempty"`
	Customer        *CustomerRef           `json:"customer,omitempty"`
}

// CustomerRef is who complains, and how to reach them; sent only to
// destinations with includeContact.
type CustomerRef struct {
	Name    string             `json:"name"`
	Company string             `json:"company,omitempty"`
	Contact *supportv1.Contact `json:"contact,omitempty"`
}

// EscalationRef describes an escalation in an Escalated event, as in the
// Escalation's spec (requestedBy and question for requests).
type EscalationRef struct {
	Name        string                     `json:"name"`
	Level       int32                      `json:"level"`
	LevelName   string                     `json:"levelName,omitempty"`
	Reason      supportv1.EscalationReason `json:"reason"`
	RequestedBy string                     `json:"requestedBy,omitempty"`
	Question    string                     `json:"question,omitempty"`
}

func complaintRef(c *supportv1.Complaint, hook *supportv1.Webhook) ComplaintRef {
	ref := ComplaintRef{
		Namespace: c.Namespace, Name: c.Name, UID: string(c.UID),
		Phase: c.Status.Phase, Policy: c.Status.Policy,
		Tier: c.Spec.Customer.Tier, Category: c.Spec.Category, Severity: c.Spec.Severity, Owner: c.Spec.Owner,
		Clocks: c.Status.Clocks, EscalationLevel: c.Status.EscalationLevel, ReopenCount: c.Status.ReopenCount,
		Gesture: c.Status.Gesture,
	}
	if ref.Tier == "" {
		ref.Tier = supportv1.TierStandard
	}
	if hook != nil && hook.IncludeContact {
		ref.Customer = &CustomerRef{Name: c.Spec.Customer.Name, Company: c.Spec.Customer.Company, Contact: c.Spec.Customer.Contact}
	}
	return ref
}

// BuildEvent makes the CloudEvent of a notification about complaint c (and,
// for Escalated, the escalation esc).
func BuildEvent(c *supportv1.Complaint, esc *EscalationRef, n supportv1.Notification, hook *supportv1.Webhook) (event.Event, error) {
	data := Payload{Event: n.Event, OccurredAt: n.OccurredAt.UTC(), Detail: n.Detail, Complaint: complaintRef(c, hook), Escalation: esc}
	source := fmt.Sprintf("/apis/%s/namespaces/%s/complaints/%s", supportv1.GroupVersion.String(), c.Namespace, c.Name)
	return NewEvent(n.ID, EventTypePrefix+strings.ToLower(string(n.Event)), source, c.Name, n.OccurredAt.Time, data)
}

// EscalationRefOf describes an escalation for its Escalated event.
func EscalationRefOf(e *supportv1.Escalation) *EscalationRef {
	return &EscalationRef{Name: e.Name, Level: e.Spec.Level, LevelName: e.Spec.LevelName, Reason: e.Spec.Reason,
		RequestedBy: e.Spec.RequestedBy, Question: e.Spec.Question}
}
