package webhook

import (
	"fmt"
	"strings"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/sla"
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
	// Record is set on Archived events: the complaint's full record.
	Record *ArchiveRecord `json:"record,omitempty"`
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
	if n.Event == supportv1.EventArchived {
		data.Record = archiveRecord(c, hook)
	}
	source := fmt.Sprintf("/apis/%s/namespaces/%s/complaints/%s", supportv1.GroupVersion.String(), c.Namespace, c.Name)
	return NewEvent(n.ID, EventTypePrefix+strings.ToLower(string(n.Event)), source, c.Name, n.OccurredAt.Time, data)
}

// EscalationRefOf describes an escalation for its Escalated event.
func EscalationRefOf(e *supportv1.Escalation) *EscalationRef {
	return &EscalationRef{Name: e.Name, Level: e.Spec.Level, LevelName: e.Spec.LevelName, Reason: e.Spec.Reason,
		RequestedBy: e.Spec.RequestedBy, Question: e.Spec.Question}
}

// ArchiveRecord is the complaint's full record, sent with the Archived
// event before the complaint leaves the cluster: what was reported, what
// was done and by whom, every deadline, the escalations and their
// decisions. Free text has the customer's identity replaced with
// [customer] unless the destination sets includeContact (which also adds
// complaint.customer).
type ArchiveRecord struct {
	// Spec is the complaint as reported and worked (customer identity
	// removed unless includeContact).
	Spec supportv1.ComplaintSpec `json:"spec"`
	// CreatedAt is when the complaint was recorded in the cluster.
	CreatedAt time.Time `json:"createdAt"`
	// Status milestones.
	AcknowledgedAt *time.Time `json:"acknowledgedAt,omitempty"`
	ResolvedAt     *time.Time `json:"resolvedAt,omitempty"`
	ClosedAt       *time.Time `json:"closedAt,omitempty"`
	BreachedAt     *time.Time `json:"breachedAt,omitempty"`
	// History is the complaint's story, oldest first.
	History []supportv1.HistoryEntry `json:"history,omitempty"`
	// PreviousResolutions are the resolutions the customer rejected.
	PreviousResolutions []supportv1.ResolutionRecord `json:"previousResolutions,omitempty"`
	// Escalations are every escalation of the complaint, with who
	// acknowledged each and the decision taken.
	Escalations []supportv1.EscalationSummary `json:"escalations,omitempty"`
	// Remedies are the current resolution's remedies: what each department
	// was asked, what it reported, by whom, with its reference (earlier
	// rounds are told in History).
	Remedies []supportv1.RemedySummary `json:"remedies,omitempty"`
}

// archiveRecord builds the record of c for a destination.
func archiveRecord(c *supportv1.Complaint, hook *supportv1.Webhook) *ArchiveRecord {
	r := &ArchiveRecord{
		Spec: *c.Spec.DeepCopy(), CreatedAt: c.CreationTimestamp.UTC(),
		AcknowledgedAt: timeOf(c.Status.AcknowledgedAt), ResolvedAt: timeOf(c.Status.ResolvedAt),
		ClosedAt: timeOf(c.Status.ClosedAt), BreachedAt: timeOf(c.Status.BreachedAt),
		History:             append([]supportv1.HistoryEntry(nil), c.Status.History...),
		PreviousResolutions: make([]supportv1.ResolutionRecord, len(c.Status.PreviousResolutions)),
		Escalations:         append([]supportv1.EscalationSummary(nil), c.Status.Escalations...),
	}
	for i := range c.Status.Remedies {
		r.Remedies = append(r.Remedies, *c.Status.Remedies[i].DeepCopy())
	}
	for i := range c.Status.PreviousResolutions {
		c.Status.PreviousResolutions[i].DeepCopyInto(&r.PreviousResolutions[i])
	}
	if hook != nil && hook.IncludeContact {
		return r
	}
	who := &c.Spec.Customer
	redact := func(s *string) { *s = sla.RedactCustomer(*s, who) }
	r.Spec.Customer = supportv1.Customer{Tier: c.Spec.Customer.Tier}
	redact(&r.Spec.Summary)
	redact(&r.Spec.Description)
	if a := r.Spec.Acknowledgement; a != nil {
		redact(&a.Note)
	}
	if u := r.Spec.LastUpdate; u != nil {
		redact(&u.Note)
	}
	redactResolution(r.Spec.Resolution, redact)
	if f := r.Spec.Feedback; f != nil {
		redact(&f.Comment)
	}
	for i := range r.History {
		redact(&r.History[i].Message)
	}
	for i := range r.PreviousResolutions {
		redactResolution(&r.PreviousResolutions[i].Resolution, redact)
		if f := r.PreviousResolutions[i].Feedback; f != nil {
			redact(&f.Comment)
		}
	}
	for i := range r.Escalations {
		redact(&r.Escalations[i].Decision)
	}
	return r
}

func redactResolution(r *supportv1.Resolution, redact func(*string)) {
	if r == nil {
		return
	}
	redact(&r.Summary)
	redact(&r.Remedy)
	if g := r.Gesture; g != nil {
		redact(&g.Detail)
	}
}

func timeOf(t *metav1.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
