package v1alpha1

import (
	"iter"
	"slices"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Channel is how the complaint reached us.
// +kubebuilder:validation:Enum=Phone;Email;Web;Chat;InPerson;API
type Channel string

// Phase is where a complaint is in its life.
// +kubebuilder:validation:Enum=New;Acknowledged;Waiting;PendingApproval;AwaitingAgreement;Implementing;Resolved;Closed;Reopened
type Phase string

const (
	// PhaseNew: recorded, nobody has contacted the customer yet.
	PhaseNew Phase = "New"
	// PhaseAcknowledged: the customer was contacted; the complaint is being worked.
	PhaseAcknowledged Phase = "Acknowledged"
	// PhaseWaiting: waiting on the customer or a vendor.
	PhaseWaiting Phase = "Waiting"
	// PhasePendingApproval: a resolution is proposed and waits for a lead's approval.
	PhasePendingApproval Phase = "PendingApproval"
	// PhaseAwaitingAgreement: the resolution is proposed (and approved,
	// where approval is required) and waits for the customer's agreement
	// (spec.agreement), as the policy's recovery.requireAgreement asks.
	PhaseAwaitingAgreement Phase = "AwaitingAgreement"
	// PhaseImplementing: the agreed resolution's actions are carried out by
	// departments (Remedy objects); resolved once every one is Done.
	PhaseImplementing Phase = "Implementing"
	// PhaseResolved: the resolution is accepted; the follow-up is scheduled.
	PhaseResolved Phase = "Resolved"
	// PhaseClosed: the customer is satisfied, or did not answer in time.
	PhaseClosed Phase = "Closed"
	// PhaseReopened: the customer was not satisfied; back into work.
	PhaseReopened Phase = "Reopened"
)

// ClockState is the state of one clock.
// +kubebuilder:validation:Enum=Running;Paused;Met;Breached
type ClockState string

const (
	ClockRunning  ClockState = "Running"
	ClockPaused   ClockState = "Paused"
	ClockMet      ClockState = "Met"
	ClockBreached ClockState = "Breached"
)

// Complaint condition types.
const (
	ConditionAcknowledged = "Acknowledged"
	ConditionAtRisk       = "AtRisk"
	ConditionBreached     = "Breached"
	ConditionEscalated    = "Escalated"
	ConditionResolved     = "Resolved"
	ConditionSatisfied    = "Satisfied"
	// ConditionPolicyResolved is False when no policy governs the complaint.
	ConditionPolicyResolved = "PolicyResolved"
	// ConditionResolutionAccepted is False while a proposed resolution
	// misses what the policy requires (apology, approval).
	ConditionResolutionAccepted = "ResolutionAccepted"
	// ConditionNotificationFailed is True when a delivery gave up.
	ConditionNotificationFailed = "NotificationFailed"
)

// ComplaintSpec holds the facts people (or other operators) record.
type ComplaintSpec struct {
	// customer who complains. name, company and tier are immutable once set;
	// contact details may be corrected.
	// +required
	Customer Customer `json:"customer"`

	// category of service failure. Immutable once set.
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="category is immutable once set"
	Category Category `json:"category"`

	// severity of the impact on the customer.
	// +optional
	// +kubebuilder:default=Medium
	Severity Severity `json:"severity,omitempty"`

	// channel the complaint came in by.
	// +optional
	Channel Channel `json:"channel,omitempty"`

	// summary of the complaint in one line.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	Summary string `json:"summary"`

	// description: what happened and what the customer wants.
	// +optional
	// +kubebuilder:validation:MaxLength=8192
	Description string `json:"description,omitempty"`

	// product concerned, if any.
	// +optional
	Product *Product `json:"product,omitempty"`

	// recordedBy is who took the complaint down.
	// +optional
	// +kubebuilder:validation:MaxLength=128
	RecordedBy string `json:"recordedBy,omitempty"`

	// reportedAt is when the customer complained. The clocks start here when
	// it is earlier than the object's creation.
	// +optional
	ReportedAt *metav1.Time `json:"reportedAt,omitempty"`

	// owner is the one person responsible for the complaint.
	// +optional
	// +kubebuilder:validation:MaxLength=128
	Owner string `json:"owner,omitempty"`

	// policyName pins a ServicePolicy of this namespace instead of matching.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	PolicyName string `json:"policyName,omitempty"`

	// acknowledgement records the first response: the customer was contacted.
	// +optional
	Acknowledgement *Acknowledgement `json:"acknowledgement,omitempty"`

	// waitingOn says who the complaint waits on; the policy may pause the
	// clocks meanwhile.
	// +optional
	WaitingOn WaitingOn `json:"waitingOn,omitempty"`

	// lastUpdate is the latest progress update given to the customer. Each
	// new update restarts the update clock.
	// +optional
	LastUpdate *ProgressUpdate `json:"lastUpdate,omitempty"`

	// resolution proposed (and approved) for the customer.
	// +optional
	Resolution *Resolution `json:"resolution,omitempty"`

	// agreement is the customer's answer to the proposed resolution, before
	// anything is carried out (where the policy requires it). Declined, the
	// complaint goes back into work and a new proposal starts the round
	// again; each proposal needs an answer written after it.
	// +optional
	Agreement *Agreement `json:"agreement,omitempty"`

	// feedback of the customer after resolution.
	// +optional
	Feedback *Feedback `json:"feedback,omitempty"`
}

// Customer identifies who complains.
// +kubebuilder:validation:XValidation:rule="self.name == oldSelf.name",message="customer.name is immutable"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.company) || (has(self.company) && self.company == oldSelf.company)",message="customer.company is immutable once set"
// +kubebuilder:validation:XValidation:rule="self.tier == oldSelf.tier",message="customer.tier is immutable"
type Customer struct {
	// name of the customer (person or organisation).
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	Name string `json:"name"`

	// company the customer belongs to.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	Company string `json:"company,omitempty"`

	// tier of the customer: Key accounts get tighter targets.
	// +optional
	// +kubebuilder:default=Standard
	Tier CustomerTier `json:"tier,omitempty"`

	// contact details. They are never sent to webhooks unless the
	// destination opts in.
	// +optional
	Contact *Contact `json:"contact,omitempty"`
}

// Contact holds how to reach the customer.
type Contact struct {
	// email address.
	// +optional
	// +kubebuilder:validation:MaxLength=254
	Email string `json:"email,omitempty"`
	// phone number.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	Phone string `json:"phone,omitempty"`
	// address (postal).
	// +optional
	// +kubebuilder:validation:MaxLength=512
	Address string `json:"address,omitempty"`
}

// Product is the product the complaint concerns.
type Product struct {
	// name of the product.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	Name string `json:"name,omitempty"`
	// specification (size, strength, model).
	// +optional
	// +kubebuilder:validation:MaxLength=256
	Specification string `json:"specification,omitempty"`
	// batch or lot number.
	// +optional
	// +kubebuilder:validation:MaxLength=128
	Batch string `json:"batch,omitempty"`
	// producedOn is the production date, YYYY-MM-DD.
	// +optional
	// +kubebuilder:validation:Pattern=`^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$`
	ProducedOn string `json:"producedOn,omitempty"`
}

// Acknowledgement is the first response to the customer.
type Acknowledgement struct {
	// by is who contacted the customer.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	By string `json:"by"`
	// note on what was said or collected.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	Note string `json:"note,omitempty"`
}

// ProgressUpdate is a progress update given to the customer.
type ProgressUpdate struct {
	// note on what the customer was told.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2048
	Note string `json:"note"`
	// by is who gave the update.
	// +optional
	// +kubebuilder:validation:MaxLength=128
	By string `json:"by,omitempty"`
}

// Resolution is the handling proposed to the customer: apology, remedy and a
// tangible gesture.
// +kubebuilder:validation:XValidation:rule="!has(self.outcome) || self.outcome != 'Declined' || (has(self.reason) && !has(self.gesture))",message="a Declined resolution needs a reason (spec.resolution.reason) and offers no gesture"
// +kubebuilder:validation:XValidation:rule="!has(self.outcome) || self.outcome != 'Declined' || !has(self.actions) || size(self.actions) == 0",message="a Declined resolution carries out no actions (spec.resolution.actions)"
type Resolution struct {
	// summary of how the problem was solved.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	Summary string `json:"summary"`
	// apologized is true once the customer received an apology.
	// +optional
	Apologized bool `json:"apologized,omitempty"`
	// remedy: what was done to solve the problem.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Remedy string `json:"remedy,omitempty"`
	// gesture offered to show the failure will not recur. When absent, the
	// policy's default gesture for the category is offered (status.gesture).
	// +optional
	Gesture *Gesture `json:"gesture,omitempty"`
	// proposedBy is the agent who proposed the resolution.
	// +optional
	// +kubebuilder:validation:MaxLength=128
	ProposedBy string `json:"proposedBy,omitempty"`
	// approvedBy is the lead who approved it, when the policy requires approval.
	// +optional
	// +kubebuilder:validation:MaxLength=128
	ApprovedBy string `json:"approvedBy,omitempty"`
	// assessment answers the questions compensation is decided by: the
	// company's fault (the policy's default gesture may depend on it),
	// whether the demand is reasonable, a long-term relationship.
	// +optional
	Assessment *Assessment `json:"assessment,omitempty"`
	// outcome: Remedied (when absent: the problem is put right) or Declined
	// (a plain, reasoned "no" to an unreasonable demand, where the policy's
	// recovery.allowDecline permits it; it always needs a lead's approval).
	// +optional
	Outcome ResolutionOutcome `json:"outcome,omitempty"`
	// reason the demand is declined, told to the customer (outcome Declined).
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	Reason string `json:"reason,omitempty"`
	// actions the departments carry out once the resolution is agreed (or
	// approved, where no agreement is required): the operator creates one
	// Remedy per action, named <complaint>-<name>, and the complaint is
	// Implementing until every one is Done.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=10
	Actions []RemedyAction `json:"actions,omitempty"`
}

// ResolutionOutcome says whether a resolution remedies or declines.
// +kubebuilder:validation:Enum=Remedied;Declined
type ResolutionOutcome string

const (
	// OutcomeRemedied: the problem is put right (the default).
	OutcomeRemedied ResolutionOutcome = "Remedied"
	// OutcomeDeclined: the demand is declined, with a reason.
	OutcomeDeclined ResolutionOutcome = "Declined"
)

// Declined says whether the resolution declines the demand.
func (r *Resolution) Declined() bool { return r != nil && r.Outcome == OutcomeDeclined }

// Gesture is a tangible gesture of goodwill.
type Gesture struct {
	// kind of gesture.
	// +required
	Kind GestureKind `json:"kind"`
	// detail of what is offered.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	Detail string `json:"detail,omitempty"`
	// value of the gesture, where it has one: what the policy's
	// recovery.approvalAbove is weighed against.
	// +optional
	Value *GestureValue `json:"value,omitempty"`
}

// GestureValue is what a gesture is worth: a share of the order, or an amount.
// +kubebuilder:validation:XValidation:rule="has(self.percent) != has(self.amount)",message="a gesture's value is a percent or an amount, one of them"
// +kubebuilder:validation:XValidation:rule="!has(self.amount) || has(self.currency)",message="an amount needs its currency, e.g. EUR"
type GestureValue struct {
	// percent of the order's value, 0 to 100.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	Percent *int32 `json:"percent,omitempty"`
	// amount, in currency, e.g. "25" or "12.50".
	// +optional
	Amount *resource.Quantity `json:"amount,omitempty"`
	// currency of the amount (ISO 4217), e.g. EUR.
	// +optional
	// +kubebuilder:validation:Pattern=`^[A-Z]{3}$`
	Currency string `json:"currency,omitempty"`
}

// Assessment answers the questions compensation is decided by.
type Assessment struct {
	// companyFault: was the company at fault, and how much (None, Partial, Full)?
	// +optional
	CompanyFault CompanyFault `json:"companyFault,omitempty"`
	// demandReasonable: is what the customer asks for reasonable?
	// +optional
	DemandReasonable *bool `json:"demandReasonable,omitempty"`
	// longTermCustomer: is there a long-term relationship to keep?
	// +optional
	LongTermCustomer *bool `json:"longTermCustomer,omitempty"`
}

// CompanyFault is how much the company was at fault.
// +kubebuilder:validation:Enum=None;Partial;Full
type CompanyFault string

const (
	FaultNone    CompanyFault = "None"
	FaultPartial CompanyFault = "Partial"
	FaultFull    CompanyFault = "Full"
)

// Agreement is the customer's answer to a proposed resolution.
type Agreement struct {
	// accepted: the customer agrees to the proposal; false declines it.
	// +required
	Accepted bool `json:"accepted"`
	// by is who recorded the customer's answer, e.g. agent-bob.
	// +optional
	// +kubebuilder:validation:MaxLength=128
	By string `json:"by,omitempty"`
	// note, e.g. what the customer said.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Note string `json:"note,omitempty"`
}

// Feedback is the customer's answer to the follow-up.
type Feedback struct {
	// accepted is whether the customer accepts the resolution.
	// +optional
	Accepted *bool `json:"accepted,omitempty"`
	// satisfaction from 1 (very unhappy) to 5 (very happy).
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=5
	Satisfaction *int32 `json:"satisfaction,omitempty"`
	// comment of the customer.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	Comment string `json:"comment,omitempty"`
}

// ClockStatus is the state of one clock.
type ClockStatus struct {
	// target is the time allowed (open time, when business hours apply).
	// +optional
	Target *metav1.Duration `json:"target,omitempty"`
	// startedAt is when the clock started (or restarted).
	// +optional
	StartedAt *metav1.Time `json:"startedAt,omitempty"`
	// dueAt is when the target is missed, counting business hours and pauses.
	// +optional
	DueAt *metav1.Time `json:"dueAt,omitempty"`
	// atRiskAt is when the clock becomes at risk.
	// +optional
	AtRiskAt *metav1.Time `json:"atRiskAt,omitempty"`
	// state of the clock.
	// +optional
	State ClockState `json:"state,omitempty"`
	// pausedFor is the open time spent paused since the clock started.
	// +optional
	PausedFor *metav1.Duration `json:"pausedFor,omitempty"`
	// stoppedAt is when the clock was met or breached.
	// +optional
	StoppedAt *metav1.Time `json:"stoppedAt,omitempty"`
	// atRiskNotified is true once AtRisk was raised for this run of the clock.
	// +optional
	AtRiskNotified bool `json:"atRiskNotified,omitempty"`
}

// Clocks are the complaint's three clocks.
type Clocks struct {
	// firstResponse runs from the report until the acknowledgement.
	// +optional
	FirstResponse *ClockStatus `json:"firstResponse,omitempty"`
	// update runs from the acknowledgement and each progress update while open.
	// +optional
	Update *ClockStatus `json:"update,omitempty"`
	// resolution runs from the report (or reopening) until the resolution is accepted.
	// +optional
	Resolution *ClockStatus `json:"resolution,omitempty"`
	// assignment runs from the report until one named person owns the
	// complaint (spec.owner).
	// +optional
	Assignment *ClockStatus `json:"assignment,omitempty"`
	// approval runs while a proposed resolution waits for a lead's approval.
	// +optional
	Approval *ClockStatus `json:"approval,omitempty"`
}

// ClockNames are the clocks in their fixed order: first response, update,
// resolution, assignment, approval. Whatever is said of several clocks follows this order.
var ClockNames = []ClockName{ClockFirstResponse, ClockUpdate, ClockResolution, ClockAssignment, ClockApproval}

// Get is the status of the named clock; nil when it does not run.
func (c *Clocks) Get(name ClockName) *ClockStatus {
	switch name {
	case ClockFirstResponse:
		return c.FirstResponse
	case ClockUpdate:
		return c.Update
	case ClockResolution:
		return c.Resolution
	case ClockAssignment:
		return c.Assignment
	case ClockApproval:
		return c.Approval
	}
	return nil
}

// Set records the status of the named clock (nil: it does not run).
func (c *Clocks) Set(name ClockName, cs *ClockStatus) {
	switch name {
	case ClockFirstResponse:
		c.FirstResponse = cs
	case ClockUpdate:
		c.Update = cs
	case ClockResolution:
		c.Resolution = cs
	case ClockAssignment:
		c.Assignment = cs
	case ClockApproval:
		c.Approval = cs
	}
}

// Each yields the clocks that run, in ClockNames order.
func (c *Clocks) Each() iter.Seq2[ClockName, *ClockStatus] {
	return func(yield func(ClockName, *ClockStatus) bool) {
		for _, name := range ClockNames {
			if cs := c.Get(name); cs != nil && !yield(name, cs) {
				return
			}
		}
	}
}

// HistoryEntry is one step of the complaint's story.
type HistoryEntry struct {
	// time of the step.
	Time metav1.Time `json:"time"`
	// event is the lifecycle event or reason, e.g. Acknowledged.
	Event string `json:"event"`
	// message tells the step in a sentence.
	// +optional
	Message string `json:"message,omitempty"`
	// clock the step concerns (at risk, breached), if any.
	// +optional
	Clock ClockName `json:"clock,omitempty"`
	// escalation is the name of the Escalation the step concerns (a level
	// reached, a request for a decision, an acknowledgement), if any.
	// +optional
	Escalation string `json:"escalation,omitempty"`
	// level of the ladder the escalation is at, if the step concerns one.
	// +optional
	Level int32 `json:"level,omitempty"`
	// reason of the escalation the step concerns: the breached clock, or
	// Requested for an agent's request for a decision.
	// +optional
	Reason EscalationReason `json:"reason,omitempty"`
	// by is the person who took the step, when a person did (who contacted
	// the customer, gave the update, approved, asked, acknowledged).
	// +optional
	By string `json:"by,omitempty"`
	// remedy is the name of the Remedy the step concerns (requested, done,
	// failed), if any.
	// +optional
	Remedy string `json:"remedy,omitempty"`
}

// MaxHistory is the bound of status.history (its CRD maxItems).
const MaxHistory = 50

// AppendHistory is the one writer of status.history: it appends the
// entries and keeps the newest MaxHistory, so no status write is ever
// refused for a history too long.
func (s *ComplaintStatus) AppendHistory(entries ...HistoryEntry) {
	s.History = append(s.History, entries...)
	if n := len(s.History); n > MaxHistory {
		s.History = slices.Clone(s.History[n-MaxHistory:])
	}
}

// Tier is the customer's tier; Standard when the spec leaves it out.
func (c *Complaint) Tier() CustomerTier {
	if c.Spec.Customer.Tier == "" {
		return TierStandard
	}
	return c.Spec.Customer.Tier
}

// Severity is the complaint's severity; Medium when the spec leaves it out.
func (c *Complaint) Severity() Severity {
	if c.Spec.Severity == "" {
		return SeverityMedium
	}
	return c.Spec.Severity
}

// ResolutionRecord keeps a resolution that the customer did not accept.
type ResolutionRecord struct {
	// resolution as it was.
	Resolution Resolution `json:"resolution"`
	// resolvedAt is when it was accepted.
	// +optional
	ResolvedAt *metav1.Time `json:"resolvedAt,omitempty"`
	// feedback that reopened the complaint.
	// +optional
	Feedback *Feedback `json:"feedback,omitempty"`
	// reopenedAt is when the complaint was reopened.
	// +optional
	ReopenedAt *metav1.Time `json:"reopenedAt,omitempty"`
}

// Notification is a pending or finished delivery of one event to one destination.
type Notification struct {
	// id is the event id (webhook-id), the idempotency key.
	ID string `json:"id"`
	// target is the spec.notify entry of the policy.
	Target string `json:"target"`
	// event delivered.
	Event EventType `json:"event"`
	// occurredAt is when the event happened.
	OccurredAt metav1.Time `json:"occurredAt"`
	// detail is event-specific data, e.g. the breached clock.
	// +optional
	Detail string `json:"detail,omitempty"`
	// remedy is the Remedy the event is about (RemedyRequested, RemedyDone,
	// RemedyFailed), if any.
	// +optional
	Remedy string `json:"remedy,omitempty"`
	// escalation is the Escalation the event is about (Escalated, queued by
	// the complaint in the write that records the breach), if any.
	// +optional
	Escalation string `json:"escalation,omitempty"`
	// attempts made so far.
	// +optional
	Attempts int32 `json:"attempts,omitempty"`
	// nextAttemptAt is when the next attempt is due.
	// +optional
	NextAttemptAt *metav1.Time `json:"nextAttemptAt,omitempty"`
	// lastError of the latest failed attempt.
	// +optional
	LastError string `json:"lastError,omitempty"`
	// failed is true once the delivery gave up.
	// +optional
	Failed bool `json:"failed,omitempty"`
}

// EscalationSummary is one of the complaint's escalations, as seen by the operator.
type EscalationSummary struct {
	// name of the Escalation.
	Name string `json:"name"`
	// level of the Escalation.
	Level int32 `json:"level"`
	// reason of the Escalation.
	Reason EscalationReason `json:"reason"`
	// acknowledgedBy is who acknowledged it.
	// +optional
	AcknowledgedBy string `json:"acknowledgedBy,omitempty"`
	// decision taken.
	// +optional
	Decision string `json:"decision,omitempty"`
}

// RemedySummary is one of the complaint's remedies, as the operator last saw it.
type RemedySummary struct {
	// name of the Remedy.
	Name string `json:"name"`
	// department that carries it out.
	Department string `json:"department"`
	// kind of remedy.
	Kind RemedyKind `json:"kind"`
	// outcome the department reported; empty while it works on it.
	// +optional
	Outcome FulfilmentOutcome `json:"outcome,omitempty"`
	// by is who carried it out.
	// +optional
	By string `json:"by,omitempty"`
	// reference in the department's system.
	// +optional
	Reference string `json:"reference,omitempty"`
	// fulfilledAt is when the department reported.
	// +optional
	FulfilledAt *metav1.Time `json:"fulfilledAt,omitempty"`
}

// ComplaintStatus is derived by the operator; nobody needs to edit it.
type ComplaintStatus struct {
	// observedGeneration is the generation last reconciled.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// phase of the complaint.
	// +optional
	Phase Phase `json:"phase,omitempty"`
	// policy is the ServicePolicy that governs the complaint.
	// +optional
	Policy string `json:"policy,omitempty"`
	// clocks of the complaint.
	// +optional
	Clocks Clocks `json:"clocks,omitempty"`
	// nextDueAt is the earliest dueAt of the running clocks.
	// +optional
	NextDueAt *metav1.Time `json:"nextDueAt,omitempty"`
	// escalationLevel is the highest escalation level reached (0 = none).
	// +optional
	EscalationLevel int32 `json:"escalationLevel,omitempty"`
	// escalations of the complaint (bounded).
	// +optional
	// +kubebuilder:validation:MaxItems=20
	Escalations []EscalationSummary `json:"escalations,omitempty"`
	// breachedAt is when the latest standing breach happened (cleared by resolution).
	// +optional
	BreachedAt *metav1.Time `json:"breachedAt,omitempty"`
	// acknowledgedAt is when the acknowledgement was recorded: the API
	// server's stamp of the write that set spec.acknowledgement.
	// +optional
	AcknowledgedAt *metav1.Time `json:"acknowledgedAt,omitempty"`
	// owner is the owner the operator last saw (spec.owner), so a change
	// of owner is told in the history naming both.
	// +optional
	Owner string `json:"owner,omitempty"`
	// ownedAt is when the complaint got its first owner: the API server's
	// stamp of the write that set spec.owner.
	// +optional
	OwnedAt *metav1.Time `json:"ownedAt,omitempty"`
	// approvalRequestedAt is when the resolution now waiting for approval
	// was proposed (phase PendingApproval); the approval clock runs from it.
	// +optional
	ApprovalRequestedAt *metav1.Time `json:"approvalRequestedAt,omitempty"`
	// agreementRequestedAt is when the resolution began to wait for the
	// customer's agreement (phase AwaitingAgreement).
	// +optional
	AgreementRequestedAt *metav1.Time `json:"agreementRequestedAt,omitempty"`
	// remediesRequestedAt is when the departments were asked to carry out
	// the resolution's actions (phase Implementing): each Remedy's
	// spec.requestedAt.
	// +optional
	RemediesRequestedAt *metav1.Time `json:"remediesRequestedAt,omitempty"`
	// endedRemediesRequestedAt is the remediesRequestedAt of the latest
	// round of remedies that ended before it resolved the complaint (a
	// remedy failed; the resolution was withdrawn, changed or reopened):
	// its remedies still pending are Cancelled.
	// +optional
	EndedRemediesRequestedAt *metav1.Time `json:"endedRemediesRequestedAt,omitempty"`
	// remedies of the current resolution, as the operator last saw them:
	// what each department was asked and what it reported.
	// +optional
	// +kubebuilder:validation:MaxItems=10
	Remedies []RemedySummary `json:"remedies,omitempty"`
	// approvers may approve this complaint's resolution: the governing
	// policy's recovery.approvers, copied here for the admission policy
	// servicedesk-approvals, which checks who approves against them.
	// +optional
	Approvers *Approvers `json:"approvers,omitempty"`
	// lastUpdateAt is when the latest progress update was recorded (the API
	// server's stamp of the write that set it).
	// +optional
	LastUpdateAt *metav1.Time `json:"lastUpdateAt,omitempty"`
	// waitingSince is when the current pause began (the write that set
	// spec.waitingOn).
	// +optional
	WaitingSince *metav1.Time `json:"waitingSince,omitempty"`
	// resolvedAt is when the current resolution was accepted: the write
	// that completed what the policy requires.
	// +optional
	ResolvedAt *metav1.Time `json:"resolvedAt,omitempty"`
	// followUpAt is when the customer should get the follow-up call.
	// +optional
	FollowUpAt *metav1.Time `json:"followUpAt,omitempty"`
	// followUpNotified is true once FollowUpDue fired for this resolution.
	// +optional
	FollowUpNotified bool `json:"followUpNotified,omitempty"`
	// reopenedAt is when the complaint was last reopened.
	// +optional
	ReopenedAt *metav1.Time `json:"reopenedAt,omitempty"`
	// closedAt is when the complaint was closed.
	// +optional
	ClosedAt *metav1.Time `json:"closedAt,omitempty"`
	// archivedAt is when the complaint's record was taken and queued as the
	// Archived event, as it was being deleted (by somebody, or past its
	// policy's retention).
	// +optional
	ArchivedAt *metav1.Time `json:"archivedAt,omitempty"`
	// reopenCount counts reopenings.
	// +optional
	ReopenCount int32 `json:"reopenCount,omitempty"`
	// gesture is the gesture to offer: the resolution's, or the policy's
	// default for the category.
	// +optional
	Gesture *Gesture `json:"gesture,omitempty"`
	// seen holds fingerprints of spec parts already acted upon, so that a
	// restart never acts twice.
	// +optional
	Seen SeenFingerprints `json:"seen,omitempty"`
	// conditions: Acknowledged, AtRisk, Breached, Escalated, Resolved,
	// Satisfied, PolicyResolved, ResolutionAccepted, Ready.
	// Only the operator writes them, always all together: the list is
	// atomic, so the API server keeps no per-condition field ownership
	// (managedFields) to store and parse on every write.
	// +optional
	// +listType=atomic
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	// history tells the complaint's story, newest last (bounded).
	// +optional
	// +kubebuilder:validation:MaxItems=50
	History []HistoryEntry `json:"history,omitempty"`
	// previousResolutions the customer did not accept (bounded).
	// +optional
	// +kubebuilder:validation:MaxItems=10
	PreviousResolutions []ResolutionRecord `json:"previousResolutions,omitempty"`
	// notifications pending delivery, and the latest failed ones (bounded).
	// +optional
	// +kubebuilder:validation:MaxItems=200
	Notifications []Notification `json:"notifications,omitempty"`
	// announced is true once the complaint's Created event was queued for the
	// destinations of the first policy that governed it; it is never
	// announced again, whatever policy governs it later.
	// +optional
	Announced bool `json:"announced,omitempty"`
	// notificationSeq counts the events ever queued, in order.
	// +optional
	NotificationSeq int64 `json:"notificationSeq,omitempty"`
}

// SeenFingerprints are hashes of spec parts the operator has acted on.
type SeenFingerprints struct {
	// update is the fingerprint of the latest progress update seen.
	// +optional
	Update string `json:"update,omitempty"`
	// rejectedResolution is the fingerprint of the resolution reopened by feedback.
	// +optional
	RejectedResolution string `json:"rejectedResolution,omitempty"`
	// feedback is the fingerprint of the feedback already acted on.
	// +optional
	Feedback string `json:"feedback,omitempty"`
	// agreement is the fingerprint of the agreement already acted on.
	// +optional
	Agreement string `json:"agreement,omitempty"`
	// failedResolution is the fingerprint of the resolution set aside
	// because a remedy failed.
	// +optional
	FailedResolution string `json:"failedResolution,omitempty"`
	// remedies is the fingerprint of the actions the departments were asked
	// for in the current round (remediesRequestedAt): changed actions end
	// the round and need a new one.
	// +optional
	Remedies string `json:"remedies,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=cmp,categories=servicedesk
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Tier",type=string,JSONPath=`.spec.customer.tier`
// +kubebuilder:printcolumn:name="Severity",type=string,JSONPath=`.spec.severity`
// +kubebuilder:printcolumn:name="Policy",type=string,JSONPath=`.status.policy`
// +kubebuilder:printcolumn:name="Next Due",type=string,JSONPath=`.status.nextDueAt`
// +kubebuilder:printcolumn:name="Level",type=integer,JSONPath=`.status.escalationLevel`
// +kubebuilder:printcolumn:name="Customer",type=string,JSONPath=`.spec.customer.name`,priority=1
// +kubebuilder:printcolumn:name="Summary",type=string,JSONPath=`.spec.summary`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`

// Complaint is one customer's complaint, driven by the operator from record
// to follow-up.
type Complaint struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec holds the recorded facts.
	// +required
	Spec ComplaintSpec `json:"spec"`
	// status is derived by the operator.
	// +optional
	Status ComplaintStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// ComplaintList is a list of Complaint.
type ComplaintList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Complaint `json:"items"`
}

func init() {
	SchemeBuilder.Register(&Complaint{}, &ComplaintList{})
}
