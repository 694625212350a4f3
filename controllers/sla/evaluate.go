package sla

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// MaxHistory bounds status.history (the CRD's bound); MaxPreviousResolutions
// bounds status.previousResolutions.
const (
	MaxHistory             = supportv1.MaxHistory
	MaxPreviousResolutions = 10
)

// Input is everything Evaluate decides from.
type Input struct {
	// Complaint with its previous status; Evaluate does not modify it.
	Complaint *supportv1.Complaint
	// Policy governing the complaint; nil when none.
	Policy *Policy
	// PolicyReason and PolicyMessage say why Policy (or none) governs.
	PolicyReason, PolicyMessage string
	// Remedies are the complaint's Remedy objects (any round).
	Remedies []RemedyFact
	// Now is the current time.
	Now time.Time
}

// Transition is something that happened in this evaluation: it becomes a
// Kubernetes Event, a history entry and, for notifiable events, deliveries.
type Transition struct {
	// Event is the notifiable lifecycle event, or "" for one that is not.
	Event supportv1.EventType
	// Reason is the Kubernetes Event reason.
	Reason string
	// Warning marks transitions that call for attention.
	Warning bool
	// Message is a human sentence.
	Message string
	// Detail is the sentence sent to webhook receivers: like Message, but
	// never with the customer's name or contact (those go only to
	// destinations with includeContact). It is set when Event is.
	Detail string
	// Clock is the clock concerned, if any.
	Clock supportv1.ClockName
	// Escalation, Level and EscalationReason name the escalation concerned,
	// if any: a level reached, a request, an acknowledgement.
	Escalation       string
	Level            int32
	EscalationReason supportv1.EscalationReason
	// By is the person who took the step, when a person did.
	By string
	// Remedy names the Remedy concerned, if any.
	Remedy string
	// Notify names spec.notify entries told of the event whatever their
	// events (a department's destinations).
	Notify []string
	// At is when it happened: a due time, when a fact was recorded (see
	// RecordedTimes), or now.
	At time.Time
	// FellDue is, for AtRisk and Breached, the instant the clock reached
	// its at-risk share or its due time (AtRisk's At is when it was seen).
	FellDue time.Time
}

// Result is the decision: the new status, what happened, and when to look again.
type Result struct {
	Status      supportv1.ComplaintStatus
	Transitions []Transition
	// Next is the next instant at which anything changes; zero for none.
	Next time.Time
}

// evaluation carries the work in progress: the steps read in, prev and rec,
// and write st, out and next.
type evaluation struct {
	in   Input
	c    *supportv1.Complaint
	p    *Policy
	prev *supportv1.ComplaintStatus
	st   *supportv1.ComplaintStatus
	now  time.Time
	// rec is when the API server recorded the spec facts.
	rec Recorded
	// pauseEnded is the pause that ended in this evaluation, if any: from
	// the pause step to the clocks.
	pauseEnded *[2]time.Time
	// agreementDeclinedAt is when the customer declined the proposal in
	// this evaluation (zero: they did not): the wait it ends stops there.
	agreementDeclinedAt time.Time
	// accepted and satisfied are what the resolution and feedback steps
	// found (nil: nothing new), for the conditions step to set.
	accepted, satisfied *verdict
	out                 []Transition
	next                time.Time
}

// verdict is a condition's new value, found by a step.
type verdict struct {
	status          bool
	reason, message string
}

// evaluationStep is one named part of the decision.
type evaluationStep struct {
	name string
	run  func(*evaluation)
}

// evaluationSteps decide the status in this order: the facts the spec records, then
// the clocks they start and stop, then what the status says about itself.
// Each step reads the spec, the policy and what the steps before it wrote.
var evaluationSteps = []evaluationStep{
	{"created", (*evaluation).created},                 // prev.phase → Created, once
	{"policy", (*evaluation).policy},                   // the policy → policy, approvers; PolicyChanged
	{"owner", (*evaluation).owner},                     // spec.owner → owner, ownedAt; OwnerChanged
	{"acknowledgement", (*evaluation).acknowledgement}, // spec.acknowledgement → acknowledgedAt
	{"progressUpdate", (*evaluation).progressUpdate},   // spec.lastUpdate → lastUpdateAt, seen.update
	{"resolution", (*evaluation).resolution},           // spec.resolution, remedies → resolvedAt, gesture, followUpAt, accepted, approvalRequestedAt, remediesRequestedAt, remedies
	{"feedback", (*evaluation).feedback},               // spec.feedback → closedAt, or the reopening; satisfied, accepted
	{"pause", (*evaluation).pause},                     // spec.waitingOn → waitingSince, pauseEnded
	{"clocks", (*evaluation).clocks},                   // the stamps, pauseEnded → clocks, nextDueAt, breachedAt
	{"followUp", (*evaluation).followUp},               // resolvedAt, followUpAt → followUpNotified, closedAt
	{"phase", (*evaluation).phase},                     // the stamps → phase
	{"conditions", (*evaluation).conditions},           // the status → the conditions Evaluate owns
	{"history", (*evaluation).history},                 // the transitions → history
}

// Evaluate decides the complaint's status at in.Now by running the steps in
// order. It is deterministic: the same input gives the same result, so a
// restarted operator recomputes the same deadlines, and what already fired
// (recorded in status) never fires again.
func Evaluate(in Input) Result {
	e := &evaluation{
		in:   in,
		c:    in.Complaint,
		p:    in.Policy,
		prev: &in.Complaint.Status,
		st:   in.Complaint.Status.DeepCopy(),
		// Status timestamps have second precision; so does the decision.
		now: in.Now.Truncate(time.Second),
		rec: RecordedTimes(in.Complaint.ManagedFields),
	}
	for _, s := range evaluationSteps {
		s.run(e)
	}
	return Result{Status: *e.st, Transitions: e.out, Next: e.next}
}

// emit records a transition at now unless it says when; a notifiable one
// gets its Detail, with the customer redacted.
func (e *evaluation) emit(t Transition) {
	if t.At.IsZero() {
		t.At = e.now
	}
	if t.Event != "" {
		if t.Detail == "" {
			t.Detail = t.Message
		}
		t.Detail = RedactCustomer(t.Detail, &e.c.Spec.Customer)
	}
	e.out = append(e.out, t)
}

// schedule asks to look again at t, when t is the earliest such instant.
func (e *evaluation) schedule(t time.Time) {
	if t.After(e.now) && (e.next.IsZero() || t.Before(e.next)) {
		e.next = t
	}
}

// factTime is when a fact counts: t, the API server's stamp of its write
// (zero: unknown, now), at second precision, never after now and never
// before notBefore, the fact it follows (which wins should the two cross).
func (e *evaluation) factTime(t, notBefore time.Time) time.Time {
	return factTime(t, notBefore, e.now)
}

// factTime is when a fact stamped t counts at now (see the method).
func factTime(t, notBefore, now time.Time) time.Time {
	t = t.Truncate(time.Second)
	if t.IsZero() || t.After(now) {
		t = now
	}
	if nb := notBefore.Truncate(time.Second); t.Before(nb) {
		t = nb
	}
	return t
}

func metaTime(t time.Time) *metav1.Time { m := metav1.NewTime(t); return &m }

// policyChanged reports whether another policy (or none) governs the
// complaint than at the previous evaluation: what it changes counts from now.
func (e *evaluation) policyChanged() bool {
	name := ""
	if e.p != nil {
		name = e.p.Name
	}
	return e.prev.Phase != "" && e.prev.Policy != name
}

// Start is when the complaint's clocks start: spec.reportedAt when earlier
// than the object's creation, else the creation.
func Start(c *supportv1.Complaint) time.Time {
	start := c.CreationTimestamp.Time
	if r := c.Spec.ReportedAt; r != nil && (start.IsZero() || r.Time.Before(start)) {
		start = r.Time
	}
	return start.Truncate(time.Second)
}

// restartedAt is when the current run of the complaint began: its start,
// or its reopening.
func (e *evaluation) restartedAt() time.Time {
	at := Start(e.c)
	if e.st.ReopenedAt != nil && e.st.ReopenedAt.Time.After(at) {
		at = e.st.ReopenedAt.Time
	}
	return at
}
