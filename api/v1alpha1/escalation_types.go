package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// EscalationReason says why an escalation exists.
// +kubebuilder:validation:Enum=FirstResponseBreached;UpdateBreached;ResolutionBreached;AssignmentBreached;ApprovalBreached;Requested;RequestUndecided;AckTimedOut;RemedyOverdue
type EscalationReason string

const (
	ReasonFirstResponseBreached EscalationReason = "FirstResponseBreached"
	ReasonUpdateBreached        EscalationReason = "UpdateBreached"
	ReasonResolutionBreached    EscalationReason = "ResolutionBreached"
	// ReasonAssignmentBreached: nobody owned the complaint in time.
	ReasonAssignmentBreached EscalationReason = "AssignmentBreached"
	// ReasonApprovalBreached: a proposed resolution waited too long for approval.
	ReasonApprovalBreached EscalationReason = "ApprovalBreached"
	// ReasonRequested: an agent asks for a decision beyond their authority.
	ReasonRequested EscalationReason = "Requested"
	// ReasonRequestUndecided: a request was not decided at the level below
	// within the ladder's decideWithin; it carries the question and who asked.
	ReasonRequestUndecided EscalationReason = "RequestUndecided"
	// ReasonAckTimedOut: the level below acknowledged, then the complaint
	// made no progress within the ladder's ackTimeout.
	ReasonAckTimedOut EscalationReason = "AckTimedOut"
	// ReasonRemedyOverdue: a department did not carry out its remedy within
	// its fulfilWithin; the escalation goes to that department's notify
	// destinations (levelName is the department) and stands apart from
	// the ladder.
	ReasonRemedyOverdue EscalationReason = "RemedyOverdue"
)

// IsRequest says whether the escalation puts an agent's question to its
// level (Requested, or climbed undecided) rather than a breach.
func (r EscalationReason) IsRequest() bool {
	return r == ReasonRequested || r == ReasonRequestUndecided
}

// IsRemedy says whether the escalation is a department's overdue remedy:
// it stands apart from the ladder (no level reached, nothing superseded).
func (r EscalationReason) IsRemedy() bool { return r == ReasonRemedyOverdue }

// EscalationPhase is where an escalation is.
// +kubebuilder:validation:Enum=Open;Acknowledged;Superseded;Closed
type EscalationPhase string

const (
	// EscalationOpen waits for somebody at its level to acknowledge it.
	EscalationOpen EscalationPhase = "Open"
	// EscalationAcknowledged: somebody with authority took it.
	EscalationAcknowledged EscalationPhase = "Acknowledged"
	// EscalationSuperseded: a higher level was reached.
	EscalationSuperseded EscalationPhase = "Superseded"
	// EscalationClosed: the complaint was resolved or is gone.
	EscalationClosed EscalationPhase = "Closed"
)

// Escalation condition types.
const (
	ConditionNotified = "Notified"
)

// EscalationSpec puts a breach or a request in front of a level of authority.
// +kubebuilder:validation:XValidation:rule="!(self.reason in ['Requested', 'RequestUndecided']) || (has(self.requestedBy) && has(self.question))",message="a Requested escalation needs requestedBy and question"
type EscalationSpec struct {
	// complaintName is the Complaint (same namespace) escalated. Immutable.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="complaintName is immutable"
	ComplaintName string `json:"complaintName"`

	// level of the ladder, from 1.
	// +required
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	Level int32 `json:"level"`

	// levelName is the name of the level in the policy's ladder.
	// +optional
	// +kubebuilder:validation:MaxLength=40
	LevelName string `json:"levelName,omitempty"`

	// reason for the escalation.
	// +required
	Reason EscalationReason `json:"reason"`

	// requestedBy is the agent asking, for reason Requested.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	RequestedBy string `json:"requestedBy,omitempty"`

	// question to decide, for reason Requested.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2048
	Question string `json:"question,omitempty"`

	// follows is the escalation (same complaint) this one climbed from:
	// a request not decided in time (RequestUndecided), or an
	// acknowledgement without progress (AckTimedOut). Set by the operator.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	Follows string `json:"follows,omitempty"`

	// remedyName is the overdue Remedy (reason RemedyOverdue); set by the operator.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	RemedyName string `json:"remedyName,omitempty"`

	// breachedAt is the breach this escalation is about; set by the operator
	// on the escalations it creates.
	// +optional
	BreachedAt *metav1.Time `json:"breachedAt,omitempty"`

	// acknowledgement by someone with authority; stops the climb.
	// +optional
	Acknowledgement *EscalationAcknowledgement `json:"acknowledgement,omitempty"`
}

// EscalationAcknowledgement records who took the escalation and what they decided.
type EscalationAcknowledgement struct {
	// by is who acknowledged.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	By string `json:"by"`
	// decision taken, if any.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	Decision string `json:"decision,omitempty"`
}

// AnnotationAnnouncedBy, on an Escalation, names who announces it: "complaint"
// on the ladder levels the operator opens, whose Escalated notification is
// queued in the complaint's ledger in the write that records the breach.
// Without it the escalation announces itself (a request, an overdue remedy).
const AnnotationAnnouncedBy = "support.servicedesk.dev/announced-by"

// AnnouncedByComplaint is AnnotationAnnouncedBy's value on a ladder level.
const AnnouncedByComplaint = "complaint"

// IsAnnouncedByComplaint says whether e's complaint announces it.
func (e *Escalation) IsAnnouncedByComplaint() bool {
	return e.Annotations[AnnotationAnnouncedBy] == AnnouncedByComplaint
}

// EscalationStatus is what the operator did with the escalation.
type EscalationStatus struct {
	// observedGeneration is the generation last reconciled.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// phase of the escalation. A ladder level reads Open from its creation:
	// its complaint announced it in the write that recorded the breach, and
	// the operator writes its status only once it changes (acknowledged,
	// superseded, closed), so a breach costs no write here.
	// +optional
	// +kubebuilder:default=Open
	Phase EscalationPhase `json:"phase,omitempty"`
	// complaintUID is the uid of the complaint this escalation was first seen
	// with. Until it is set the complaint was never seen (it may be applied
	// after the escalation); a complaint gone after it was seen closes the
	// escalation.
	// +optional
	ComplaintUID string `json:"complaintUID,omitempty"`
	// policy is the ServicePolicy whose destinations were (or are being)
	// told of this escalation. Empty while the complaint has no policy: the
	// escalation is announced once one governs it, and only once.
	// +optional
	Policy string `json:"policy,omitempty"`
	// notifiedAt is when the level's contacts were notified.
	// +optional
	NotifiedAt *metav1.Time `json:"notifiedAt,omitempty"`
	// acknowledgedAt is when the acknowledgement was first seen.
	// +optional
	AcknowledgedAt *metav1.Time `json:"acknowledgedAt,omitempty"`
	// closedAt is when it was closed or superseded.
	// +optional
	ClosedAt *metav1.Time `json:"closedAt,omitempty"`
	// notifications pending delivery to the level's destinations, and the
	// latest failed ones (bounded).
	// +optional
	// +kubebuilder:validation:MaxItems=50
	Notifications []Notification `json:"notifications,omitempty"`
	// conditions: Ready (False while the complaint is not found); Notified
	// (whether the level's destinations were told); Reconciling, True only
	// while that telling is under way (pending deliveries, or waiting for the
	// complaint's policy), so kstatus shows the escalation InProgress until
	// then.
	// Only the operator writes them, always all together: the list is
	// atomic, so the API server keeps no per-condition field ownership
	// (managedFields) to store and parse on every write.
	// +optional
	// +listType=atomic
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=esc,categories=servicedesk
// +kubebuilder:printcolumn:name="Complaint",type=string,JSONPath=`.spec.complaintName`
// +kubebuilder:printcolumn:name="Level",type=integer,JSONPath=`.spec.level`
// +kubebuilder:printcolumn:name="Level Name",type=string,JSONPath=`.spec.levelName`,priority=1
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.spec.reason`
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`

// Escalation puts a breach, or an agent's request for a decision beyond their
// authority, in front of the next level of the ladder.
type Escalation struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec says what is escalated to whom.
	// +required
	Spec EscalationSpec `json:"spec"`
	// status is what the operator did.
	// +optional
	// +kubebuilder:default={}
	Status EscalationStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// EscalationList is a list of Escalation.
type EscalationList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Escalation `json:"items"`
}

func init() {
	SchemeBuilder.Register(&Escalation{}, &EscalationList{})
}

// String returns the reason.
func (r EscalationReason) String() string { return string(r) }
