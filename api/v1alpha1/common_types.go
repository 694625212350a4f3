package v1alpha1

import "strings"

// CustomerTier classifies customers: key accounts get tighter targets.
// +kubebuilder:validation:Enum=Key;Standard
type CustomerTier string

const (
	// TierKey is a key account: the 20% of customers that bring 80% of revenue.
	TierKey CustomerTier = "Key"
	// TierStandard is every other customer.
	TierStandard CustomerTier = "Standard"
)

// Category is the kind of service failure a complaint is about.
// +kubebuilder:validation:Enum=MissedDeadline;OrderError;UnprofessionalHandling;WrongInformation;Dissatisfaction;Other
type Category string

const (
	// CategoryMissedDeadline is a promised delivery, visit or call-back not kept.
	CategoryMissedDeadline Category = "MissedDeadline"
	// CategoryOrderError is a wrong item, quantity or address.
	CategoryOrderError Category = "OrderError"
	// CategoryUnprofessionalHandling is rude or ignorant handling, or no call-back.
	CategoryUnprofessionalHandling Category = "UnprofessionalHandling"
	// CategoryWrongInformation is wrong dosage, policy or address given.
	CategoryWrongInformation Category = "WrongInformation"
	// CategoryDissatisfaction is dissatisfaction with the product or service.
	CategoryDissatisfaction Category = "Dissatisfaction"
	// CategoryOther is anything else.
	CategoryOther Category = "Other"
)

// Severity says how badly the customer is affected.
// +kubebuilder:validation:Enum=Low;Medium;High;Critical
type Severity string

const (
	SeverityLow      Severity = "Low"
	SeverityMedium   Severity = "Medium"
	SeverityHigh     Severity = "High"
	SeverityCritical Severity = "Critical"
)

// WaitingOn names who the complaint is waiting on, if anyone.
// +kubebuilder:validation:Enum="";Customer;Vendor
type WaitingOn string

const (
	// WaitingOnNobody means the complaint is in the team's hands.
	WaitingOnNobody WaitingOn = ""
	// WaitingOnCustomer means the team waits for the customer.
	WaitingOnCustomer WaitingOn = "Customer"
	// WaitingOnVendor means the team waits for a supplier.
	WaitingOnVendor WaitingOn = "Vendor"
)

// EventType is a lifecycle event of a complaint that can be notified.
// Archived carries the complaint's full record, sent before the complaint
// leaves the cluster (deleted, or past its policy's retention).
// +kubebuilder:validation:Enum=Created;Acknowledged;AtRisk;Breached;Escalated;Resolved;FollowUpDue;Reopened;Closed;Archived;RemedyRequested;RemedyDone;RemedyFailed
type EventType string

const (
	EventCreated      EventType = "Created"
	EventAcknowledged EventType = "Acknowledged"
	EventAtRisk       EventType = "AtRisk"
	EventBreached     EventType = "Breached"
	EventEscalated    EventType = "Escalated"
	EventResolved     EventType = "Resolved"
	EventFollowUpDue  EventType = "FollowUpDue"
	EventReopened     EventType = "Reopened"
	EventClosed       EventType = "Closed"
	EventArchived     EventType = "Archived"
	// EventRemedyRequested: a department was asked to carry out an action.
	EventRemedyRequested EventType = "RemedyRequested"
	// EventRemedyDone: a department carried out its remedy.
	EventRemedyDone EventType = "RemedyDone"
	// EventRemedyFailed: a department could not carry out its remedy.
	EventRemedyFailed EventType = "RemedyFailed"
)

// EventTypes are all the event types, in the order of the schema's enum.
var EventTypes = []EventType{EventCreated, EventAcknowledged, EventAtRisk, EventBreached, EventEscalated,
	EventResolved, EventFollowUpDue, EventReopened, EventClosed, EventArchived,
	EventRemedyRequested, EventRemedyDone, EventRemedyFailed}

// ArchiveFinalizer holds a complaint's deletion until its Archived event is
// delivered to the destinations that ask for it (or given up). It is set
// only on complaints whose policy has such a destination.
const ArchiveFinalizer = "support.servicedesk.dev/archive"

// ClockName names one of a complaint's clocks.
// +kubebuilder:validation:Enum=FirstResponse;Update;Resolution;Assignment;Approval
type ClockName string

const (
	ClockFirstResponse ClockName = "FirstResponse"
	ClockUpdate        ClockName = "Update"
	ClockResolution    ClockName = "Resolution"
	ClockAssignment    ClockName = "Assignment"
	ClockApproval      ClockName = "Approval"
)

// Field is the clock's field name in targets and status.clocks, e.g.
// firstResponse: how messages name it.
func (n ClockName) Field() string {
	if n == "" {
		return ""
	}
	return strings.ToLower(string(n[:1])) + string(n[1:])
}

// Condition types shared by the kinds.
const (
	// ConditionReady is True when the object is fully reconciled and usable.
	ConditionReady = "Ready"
	// ConditionStalled is True when the object cannot be acted on until
	// somebody fixes it (kstatus reads it as Failed). Absent otherwise.
	ConditionStalled = "Stalled"
	// ConditionReconciling is True while the operator is still acting on
	// the object (kstatus reads it as InProgress). Absent otherwise.
	ConditionReconciling = "Reconciling"
)
