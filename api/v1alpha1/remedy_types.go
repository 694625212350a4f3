package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Labels the operator puts on each Remedy, so a department's operator
// watches its own with a label selector.
const (
	// LabelComplaint names the Remedy's complaint.
	LabelComplaint = "support.servicedesk.dev/complaint"
	// LabelDepartment names the department that carries the Remedy out.
	LabelDepartment = "support.servicedesk.dev/department"
)

// RemedyKind is what a department is asked to do.
// +kubebuilder:validation:Enum=Reship;Refund;Voucher;Repair;Visit;Call;Other
type RemedyKind string

const (
	RemedyReship  RemedyKind = "Reship"
	RemedyRefund  RemedyKind = "Refund"
	RemedyVoucher RemedyKind = "Voucher"
	RemedyRepair  RemedyKind = "Repair"
	RemedyVisit   RemedyKind = "Visit"
	RemedyCall    RemedyKind = "Call"
	RemedyOther   RemedyKind = "Other"
)

// RemedyAction is one thing a department carries out for an agreed
// resolution; the operator turns it into a Remedy named
// <complaint>-<name>.
type RemedyAction struct {
	// name of the action, unique in the resolution, e.g. reship. The Remedy
	// is named <complaint>-<name>.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=40
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name"`
	// department that carries it out: a name of the policy's
	// recovery.departments, e.g. warehouse.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Department string `json:"department"`
	// kind of remedy: Reship, Refund, Voucher, Repair, Visit, Call or Other.
	// +required
	Kind RemedyKind `json:"kind"`
	// detail of what to do, e.g. "right item, overnight".
	// +optional
	// +kubebuilder:validation:MaxLength=512
	Detail string `json:"detail,omitempty"`
}

// FulfilmentOutcome is how a department's work ended.
// +kubebuilder:validation:Enum=Done;Failed
type FulfilmentOutcome string

const (
	// FulfilmentDone: the remedy was carried out.
	FulfilmentDone FulfilmentOutcome = "Done"
	// FulfilmentFailed: it could not be carried out (the note says why).
	FulfilmentFailed FulfilmentOutcome = "Failed"
)

// Fulfilment is the department's report of a remedy. It is final once
// recorded.
// +kubebuilder:validation:XValidation:rule="self.outcome != 'Failed' || has(self.note)",message="a Failed remedy needs a note saying why (spec.fulfilment.note)"
type Fulfilment struct {
	// outcome: Done or Failed.
	// +required
	Outcome FulfilmentOutcome `json:"outcome"`
	// by is who carried it out (a person, or the department's operator),
	// e.g. warehouse-bot.
	// +optional
	// +kubebuilder:validation:MaxLength=128
	By string `json:"by,omitempty"`
	// note, e.g. "shipped", or why it failed.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	Note string `json:"note,omitempty"`
	// reference in the department's system, e.g. a tracking or credit-note
	// number.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	Reference string `json:"reference,omitempty"`
}

// RemedySpec is what a department is asked to carry out, and its report.
// The operator writes everything but fulfilment, which is the department's.
// +kubebuilder:validation:XValidation:rule="has(self.detail) == has(oldSelf.detail)",message="detail is immutable; only spec.fulfilment is recorded"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.fulfilment) || (has(self.fulfilment) && self.fulfilment == oldSelf.fulfilment)",message="spec.fulfilment is final once recorded"
type RemedySpec struct {
	// complaintName is the Complaint (same namespace) the remedy is for.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="complaintName is immutable; only spec.fulfilment is recorded"
	ComplaintName string `json:"complaintName"`
	// action is the name of the resolution's action (spec.resolution.actions[].name).
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=40
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="action is immutable; only spec.fulfilment is recorded"
	Action string `json:"action"`
	// department that carries it out.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="department is immutable; only spec.fulfilment is recorded"
	Department string `json:"department"`
	// kind of remedy.
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="kind is immutable; only spec.fulfilment is recorded"
	Kind RemedyKind `json:"kind"`
	// detail of what to do.
	// +optional
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="detail is immutable; only spec.fulfilment is recorded"
	Detail string `json:"detail,omitempty"`
	// requestedAt is when the department was asked: the agreement (or the
	// approval, where no agreement is required). Its clock starts here.
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="requestedAt is immutable; only spec.fulfilment is recorded"
	RequestedAt metav1.Time `json:"requestedAt"`
	// fulfilment is the department's report: Done or Failed, by whom, with
	// a note and its reference. Final once recorded.
	// +optional
	Fulfilment *Fulfilment `json:"fulfilment,omitempty"`
}

// RemedyPhase is where a remedy is.
// +kubebuilder:validation:Enum=Pending;Done;Failed;Cancelled
type RemedyPhase string

const (
	// RemedyPending: the department has not reported yet.
	RemedyPending RemedyPhase = "Pending"
	// RemedyDone: carried out.
	RemedyDone RemedyPhase = "Done"
	// RemedyFailed: the department could not carry it out.
	RemedyFailed RemedyPhase = "Failed"
	// RemedyCancelled: no longer asked for: its resolution was set aside
	// (another remedy failed, or a new proposal replaced it) before the
	// department reported.
	RemedyCancelled RemedyPhase = "Cancelled"
)

// RemedyStatus is what the operator derives: the department's clock.
type RemedyStatus struct {
	// observedGeneration is the generation last reconciled.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// phase of the remedy.
	// +optional
	Phase RemedyPhase `json:"phase,omitempty"`
	// clock runs from spec.requestedAt for the department's fulfilWithin
	// (wall-clock time): due, at risk, breached, met.
	// +optional
	Clock ClockStatus `json:"clock,omitempty"`
	// fulfilledAt is when the department's report was recorded: the API
	// server's stamp of the write that set spec.fulfilment.
	// +optional
	FulfilledAt *metav1.Time `json:"fulfilledAt,omitempty"`
	// escalation is the Escalation (reason RemedyOverdue) created when the
	// department missed its target.
	// +optional
	Escalation string `json:"escalation,omitempty"`
	// conditions: Ready (True once Done), Reconciling (True while the
	// department works on it), Stalled (True when Failed), Breached.
	// +optional
	// +listType=atomic
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// Remedy condition types, beside Ready, Reconciling, Stalled and Breached.
const (
	// ConditionFulfilled: the department reported.
	ConditionFulfilled = "Fulfilled"
)

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=rem,categories=servicedesk
// +kubebuilder:printcolumn:name="Complaint",type=string,JSONPath=`.spec.complaintName`
// +kubebuilder:printcolumn:name="Department",type=string,JSONPath=`.spec.department`
// +kubebuilder:printcolumn:name="Kind",type=string,JSONPath=`.spec.kind`
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Due",type=string,JSONPath=`.status.clock.dueAt`
// +kubebuilder:printcolumn:name="Clock",type=string,JSONPath=`.status.clock.state`
// +kubebuilder:printcolumn:name="By",type=string,JSONPath=`.spec.fulfilment.by`,priority=1
// +kubebuilder:printcolumn:name="Reference",type=string,JSONPath=`.spec.fulfilment.reference`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`

// Remedy is what a department carries out for an agreed resolution: one
// per action, created by the operator and owned by its Complaint. The
// department (its operator, or a person with kubectl desk done/failed)
// records spec.fulfilment.
type Remedy struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is what is asked, and the department's report.
	// +required
	Spec RemedySpec `json:"spec"`
	// status is derived by the operator.
	// +optional
	Status RemedyStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// RemedyList is a list of Remedy.
type RemedyList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Remedy `json:"items"`
}

func init() {
	SchemeBuilder.Register(&Remedy{}, &RemedyList{})
}
