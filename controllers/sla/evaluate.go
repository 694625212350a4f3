package sla

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// MaxHistory bounds status.history; MaxPreviousResolutions bounds
// status.previousResolutions.
const (
	MaxHistory             = 50
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
	// At is when it happened: a due time, when a fact was recorded (see
	// RecordedTimes), or now.
	At time.Time
}

// Result is the decision: the new status, what happened, and when to look again.
type Result struct {
	Status      supportv1.ComplaintStatus
	Transitions []Transition
	// Next is the next instant at which anything changes; zero for none.
	Next time.Time
}

// evaluation carries the work in progress.
type evaluation struct {
	in   Input
	c    *supportv1.Complaint
	p    *Policy
	prev *supportv1.ComplaintStatus
	st   *supportv1.ComplaintStatus
	now  time.Time
	// rec is when the API server recorded the spec facts.
	rec  Recorded
	out  []Transition
	next time.Time
}

// Evaluate decides the complaint's status at in.Now. It is deterministic:
// the same input gives the same result, so a restarted operator recomputes
// the same deadlines, and what already fired (recorded in status) never
// fires again.
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
	e.created()
	e.policy()
	e.acknowledgement()
	e.progressUpdate()
	e.resolution()
	e.feedback()
	pauseEnded := e.pause()
	e.clocks(pauseEnded)
	e.followUp()
	e.phase()
	e.conditions()
	e.history()
	return Result{Status: *e.st, Transitions: e.out, Next: e.next}
}

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

func (e *evaluation) schedule(t time.Time) {
	if t.After(e.now) && (e.next.IsZero() || t.Before(e.next)) {
		e.next = t
	}
}

// factTime is when a fact counts: t, the API server's stamp of its write
// (zero: unknown, now), at second precision, never after now and never
// before notBefore, the fact it follows (which wins should the two cross).
func (e *evaluation) factTime(t, notBefore time.Time) time.Time {
	t = t.Truncate(time.Second)
	if t.IsZero() || t.After(e.now) {
		t = e.now
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

func (e *evaluation) created() {
	if e.prev.Phase != "" {
		return
	}
	e.emit(Created(e.c))
}

// Created is the transition of the complaint's recording, at its start; its
// Detail names no customer.
func Created(c *supportv1.Complaint) Transition {
	detail := fmt.Sprintf("Complaint recorded: %s (%s, %s)", c.Spec.Summary, c.Spec.Category, severityOf(c))
	msg := fmt.Sprintf("Complaint recorded: %s (%s, %s, customer %s)", c.Spec.Summary, c.Spec.Category, severityOf(c), c.Spec.Customer.Name)
	return Transition{Event: supportv1.EventCreated, Reason: string(supportv1.EventCreated), Message: msg,
		Detail: RedactCustomer(detail, &c.Spec.Customer), At: Start(c)}
}

func (e *evaluation) policy() {
	name := ""
	if e.p != nil {
		name = e.p.Name
	}
	if e.prev.Policy != "" && e.prev.Policy != name {
		msg := fmt.Sprintf("Policy changed from %s to %s", e.prev.Policy, orNone(name))
		e.emit(Transition{Reason: supportv1.ReasonPolicyChanged, Message: msg})
	}
	e.st.Policy = name
}

func (e *evaluation) acknowledgement() {
	ack := e.c.Spec.Acknowledgement
	if ack == nil || e.st.AcknowledgedAt != nil {
		return
	}
	at := e.factTime(e.rec.Acknowledgement, Start(e.c))
	e.st.AcknowledgedAt = metaTime(at)
	msg := fmt.Sprintf("Customer contacted by %s", ack.By)
	if ack.Note != "" {
		msg += ": " + ack.Note
	}
	e.emit(Transition{Event: supportv1.EventAcknowledged, Reason: string(supportv1.EventAcknowledged), Message: msg, At: at})
}

func (e *evaluation) progressUpdate() {
	u := e.c.Spec.LastUpdate
	if u == nil {
		return
	}
	fp := Fingerprint(u)
	if fp == e.st.Seen.Update {
		return
	}
	e.st.Seen.Update = fp
	// An update follows the acknowledgement (or the start) and the update before it.
	notBefore := Start(e.c)
	for _, t := range []*metav1.Time{e.st.AcknowledgedAt, e.st.LastUpdateAt} {
		if t != nil && t.Time.After(notBefore) {
			notBefore = t.Time
		}
	}
	at := e.factTime(e.rec.LastUpdate, notBefore)
	e.st.LastUpdateAt = metaTime(at)
	msg := "Progress update given: " + u.Note
	if u.By != "" {
		msg = fmt.Sprintf("Progress update given by %s: %s", u.By, u.Note)
	}
	e.emit(Transition{Reason: supportv1.ReasonProgressUpdate, Message: msg, At: at})
}

// resolution decides whether the proposed resolution is accepted.
func (e *evaluation) resolution() {
	res := e.c.Spec.Resolution
	rec := e.p.recovery()
	e.st.Gesture = nil
	if res != nil && res.Gesture != nil {
		e.st.Gesture = res.Gesture.DeepCopy()
	} else if e.p != nil {
		e.st.Gesture = e.p.DefaultGesture(e.c.Spec.Category)
	}
	if res == nil {
		apimeta.RemoveStatusCondition(&e.st.Conditions, supportv1.ConditionResolutionAccepted)
		return
	}
	if e.st.ResolvedAt != nil {
		return
	}
	if Fingerprint(res) == e.st.Seen.RejectedResolution {
		e.setCondition(supportv1.ConditionResolutionAccepted, false, supportv1.ReasonCustomerUnsatisfied,
			"the customer did not accept this resolution; propose a new one")
		return
	}
	prevAccepted := apimeta.FindStatusCondition(e.prev.Conditions, supportv1.ConditionResolutionAccepted)
	notAccepted := func(reason, msg string, warning bool) {
		if prevAccepted == nil || prevAccepted.Reason != reason {
			e.emit(Transition{Reason: reason, Warning: warning, Message: msg})
		}
		e.setCondition(supportv1.ConditionResolutionAccepted, false, reason, msg)
	}
	if rec.RequireApology && !res.Apologized {
		notAccepted(supportv1.ReasonApologyMissing,
			"Resolution not accepted: the policy requires an apology (set spec.resolution.apologized: true once the customer got one)", true)
		return
	}
	if rec.RequireApproval && res.ApprovedBy == "" {
		notAccepted(supportv1.ReasonAwaitingApproval,
			"Resolution proposed; a lead's approval (spec.resolution.approvedBy) is needed before the customer is told", false)
		return
	}
	notBefore := Start(e.c)
	if e.st.ReopenedAt != nil && e.st.ReopenedAt.Time.After(notBefore) {
		notBefore = e.st.ReopenedAt.Time
	}
	at := e.factTime(e.rec.Resolution, notBefore)
	e.st.ResolvedAt = metaTime(at)
	e.st.FollowUpNotified = false
	e.st.FollowUpAt = nil
	if e.p != nil && e.p.Spec.FollowUp != nil {
		e.st.FollowUpAt = metaTime(at.Add(e.p.Spec.FollowUp.After.Duration))
	}
	msg := "Resolved: " + res.Summary
	if g := e.st.Gesture; g != nil {
		msg += fmt.Sprintf("; gesture: %s", g.Kind)
		if g.Detail != "" {
			msg += " (" + g.Detail + ")"
		}
	}
	if res.ApprovedBy != "" {
		msg += "; approved by " + res.ApprovedBy
	}
	e.setCondition(supportv1.ConditionResolutionAccepted, true, supportv1.ReasonAccepted, "the resolution meets the policy")
	e.emit(Transition{Event: supportv1.EventResolved, Reason: string(supportv1.EventResolved), Message: msg, At: at})
}

// feedback closes a complaint whose customer is satisfied and reopens one
// whose customer is not.
func (e *evaluation) feedback() {
	fb := e.c.Spec.Feedback
	if fb == nil || e.st.ResolvedAt == nil || (fb.Accepted == nil && fb.Satisfaction == nil) {
		return
	}
	fp := Fingerprint(fb)
	if fp == e.st.Seen.Feedback {
		return
	}
	e.st.Seen.Feedback = fp
	at := e.factTime(e.rec.Feedback, e.st.ResolvedAt.Time)
	unhappy := (fb.Accepted != nil && !*fb.Accepted) || (fb.Satisfaction != nil && *fb.Satisfaction < e.p.ReopenBelow())
	if !unhappy {
		e.setCondition(supportv1.ConditionSatisfied, true, supportv1.ReasonCustomerSatisfied, feedbackSummary(fb))
		if e.st.ClosedAt == nil {
			e.st.ClosedAt = metaTime(at)
			e.emit(Transition{Event: supportv1.EventClosed, Reason: supportv1.ReasonCustomerSatisfied, At: at,
				Message: "Closed: the customer is satisfied (" + feedbackSummary(fb) + ")"})
		}
		return
	}
	record := supportv1.ResolutionRecord{ResolvedAt: e.st.ResolvedAt.DeepCopy(), Feedback: fb.DeepCopy(), ReopenedAt: metaTime(at)}
	if e.c.Spec.Resolution != nil {
		record.Resolution = *e.c.Spec.Resolution.DeepCopy()
		e.st.Seen.RejectedResolution = Fingerprint(e.c.Spec.Resolution)
	}
	e.st.PreviousResolutions = append(e.st.PreviousResolutions, record)
	if n := len(e.st.PreviousResolutions); n > MaxPreviousResolutions {
		e.st.PreviousResolutions = e.st.PreviousResolutions[n-MaxPreviousResolutions:]
	}
	e.st.ReopenCount++
	e.st.ReopenedAt = metaTime(at)
	e.st.ResolvedAt = nil
	e.st.FollowUpAt = nil
	e.st.FollowUpNotified = false
	e.st.ClosedAt = nil
	e.st.BreachedAt = nil
	e.setCondition(supportv1.ConditionSatisfied, false, supportv1.ReasonCustomerUnsatisfied, feedbackSummary(fb))
	e.setCondition(supportv1.ConditionResolutionAccepted, false, supportv1.ReasonCustomerUnsatisfied,
		"the customer did not accept this resolution; propose a new one")
	e.emit(Transition{Event: supportv1.EventReopened, Reason: string(supportv1.EventReopened), Warning: true, At: at,
		Message: fmt.Sprintf("Reopened (%d): the customer is not satisfied (%s); the resolution clock restarts", e.st.ReopenCount, feedbackSummary(fb))})
}

func feedbackSummary(fb *supportv1.Feedback) string {
	var parts []string
	if fb.Satisfaction != nil {
		parts = append(parts, fmt.Sprintf("satisfaction %d/5", *fb.Satisfaction))
	}
	if fb.Accepted != nil {
		parts = append(parts, fmt.Sprintf("accepted: %t", *fb.Accepted))
	}
	if fb.Comment != "" {
		parts = append(parts, fmt.Sprintf("%q", fb.Comment))
	}
	return strings.Join(parts, ", ")
}

// pause starts or ends a pause of the clocks; it returns the pause that
// ended in this evaluation, if any.
func (e *evaluation) pause() *[2]time.Time {
	open := e.st.ResolvedAt == nil && e.st.ClosedAt == nil
	pausing := open && e.p.pausesOn(e.c.Spec.WaitingOn)
	switch {
	case pausing && e.st.WaitingSince == nil:
		// A pause begins when waitingOn was written (not before the complaint
		// started or reopened), or now when a policy change began it.
		recorded := e.rec.WaitingOn
		if e.policyChanged() {
			recorded = time.Time{}
		}
		notBefore := Start(e.c)
		if e.st.ReopenedAt != nil && e.st.ReopenedAt.Time.After(notBefore) {
			notBefore = e.st.ReopenedAt.Time
		}
		at := e.factTime(recorded, notBefore)
		e.st.WaitingSince = metaTime(at)
		e.emit(Transition{Reason: supportv1.ReasonWaiting, At: at, Message: fmt.Sprintf("Waiting on %s: the clocks are paused", e.c.Spec.WaitingOn)})
	case !pausing && e.st.WaitingSince != nil:
		since := e.st.WaitingSince.Time
		var recorded time.Time
		switch {
		case !open && e.st.ResolvedAt != nil:
			// The resolution ended the pause.
			recorded = e.st.ResolvedAt.Time
		case e.c.Spec.WaitingOn != "" && !e.policyChanged() && e.rec.WaitingOn.After(since):
			// waitingOn changed to a value that does not pause: the change
			// made its writer the owner and was stamped.
			recorded = e.rec.WaitingOn
		default:
			// Removed (an update that only removes a field is not stamped),
			// or the policy no longer pauses: from now.
		}
		end := e.factTime(recorded, since)
		ended := [2]time.Time{since, end}
		e.st.WaitingSince = nil
		e.emit(Transition{Reason: supportv1.ReasonResumed, At: end, Message: fmt.Sprintf("Clocks resumed after waiting %s", end.Sub(since))})
		return &ended
	}
	return nil
}

// run is one run of a clock: from start until stop (nil: not stopped).
type run struct {
	start time.Time
	stop  *time.Time
}

func (e *evaluation) runs() map[supportv1.ClockName]*run {
	st := e.st
	runs := map[supportv1.ClockName]*run{}
	start := Start(e.c)
	// First response ends at the acknowledgement, or at the resolution
	// when nobody acknowledged (resolving means the customer was answered).
	fr := &run{start: start}
	if st.AcknowledgedAt != nil {
		fr.stop = &st.AcknowledgedAt.Time
	} else if st.ResolvedAt != nil {
		fr.stop = &st.ResolvedAt.Time
	}
	runs[supportv1.ClockFirstResponse] = fr

	res := &run{start: start}
	if st.ReopenedAt != nil {
		res.start = st.ReopenedAt.Time
	}
	if st.ResolvedAt != nil {
		res.stop = &st.ResolvedAt.Time
	}
	runs[supportv1.ClockResolution] = res

	if st.AcknowledgedAt != nil {
		up := &run{start: st.AcknowledgedAt.Time}
		for _, t := range []*metav1.Time{st.LastUpdateAt, st.ReopenedAt} {
			// An update given after the resolution does not restart the clock.
			if t != nil && t.Time.After(up.start) && (st.ResolvedAt == nil || !t.Time.After(st.ResolvedAt.Time)) {
				up.start = t.Time
			}
		}
		if st.ResolvedAt != nil && !st.ResolvedAt.Time.Before(up.start) {
			up.stop = &st.ResolvedAt.Time
		}
		runs[supportv1.ClockUpdate] = up
	}
	return runs
}

func (e *evaluation) clocks(pauseEnded *[2]time.Time) {
	runs := e.runs()
	slot := map[supportv1.ClockName]**supportv1.ClockStatus{
		supportv1.ClockFirstResponse: &e.st.Clocks.FirstResponse,
		supportv1.ClockUpdate:        &e.st.Clocks.Update,
		supportv1.ClockResolution:    &e.st.Clocks.Resolution,
	}
	var breachedAt time.Time
	e.st.NextDueAt = nil
	for _, name := range []supportv1.ClockName{supportv1.ClockFirstResponse, supportv1.ClockUpdate, supportv1.ClockResolution} {
		r := runs[name]
		target := e.p.target(name)
		if r == nil || target == 0 {
			*slot[name] = nil
			continue
		}
		cs := e.clock(name, target, r, *slot[name], pauseEnded)
		*slot[name] = cs
		// A breach stands until resolution; one from before a reopening is history.
		stands := e.st.ReopenedAt == nil || (cs.DueAt != nil && !cs.DueAt.Time.Before(e.st.ReopenedAt.Time))
		if cs.State == supportv1.ClockBreached && e.st.ResolvedAt == nil && stands && cs.DueAt != nil && cs.DueAt.Time.After(breachedAt) {
			breachedAt = cs.DueAt.Time
		}
		if cs.State == supportv1.ClockRunning && (e.st.NextDueAt == nil || cs.DueAt.Time.Before(e.st.NextDueAt.Time)) {
			e.st.NextDueAt = cs.DueAt.DeepCopy()
		}
	}
	if breachedAt.IsZero() {
		e.st.BreachedAt = nil
	} else {
		t := metav1.NewTime(breachedAt)
		e.st.BreachedAt = &t
	}
}

// clock decides one clock's status for its current run.
func (e *evaluation) clock(name supportv1.ClockName, target time.Duration, r *run, prev *supportv1.ClockStatus, pauseEnded *[2]time.Time) *supportv1.ClockStatus {
	cal := e.p.Calendar
	cs := &supportv1.ClockStatus{Target: &metav1.Duration{Duration: target}, StartedAt: &metav1.Time{Time: r.start}}
	var pausedFor time.Duration
	sameRun := prev != nil && prev.StartedAt != nil && prev.StartedAt.Time.Equal(r.start)
	if sameRun {
		if prev.PausedFor != nil {
			pausedFor = prev.PausedFor.Duration
		}
		cs.AtRiskNotified = prev.AtRiskNotified
	}
	end := e.now
	if r.stop != nil {
		end = *r.stop
	}
	wasBreached := sameRun && prev.State == supportv1.ClockBreached
	overlap := func(from, to time.Time) time.Duration {
		from, to = maxTime(from, r.start), minTime(to, end)
		if !to.After(from) {
			return 0
		}
		return cal.Between(from, to)
	}
	// A pause after the breach does not move the breach.
	if pauseEnded != nil && !wasBreached {
		pausedFor += overlap(pauseEnded[0], pauseEnded[1])
	}
	if pausedFor > 0 {
		cs.PausedFor = &metav1.Duration{Duration: pausedFor}
	}
	// A clock stopped during a pause that still lasts is judged with the
	// paused time up to its stop (recorded in pausedFor when the pause ends).
	ongoing := time.Duration(0)
	if r.stop != nil && e.st.WaitingSince != nil && !wasBreached {
		ongoing = overlap(e.st.WaitingSince.Time, *r.stop)
	}
	// Deadlines have the second precision of status timestamps.
	due := cal.Add(r.start, target+pausedFor+ongoing).Truncate(time.Second)
	cs.DueAt = &metav1.Time{Time: due}

	switch {
	case r.stop != nil:
		cs.StoppedAt = &metav1.Time{Time: *r.stop}
		if wasBreached || r.stop.After(due) {
			cs.State = supportv1.ClockBreached
		} else {
			cs.State = supportv1.ClockMet
		}
	case e.st.WaitingSince != nil:
		// Paused: the due time moves out by the pause; it is known again
		// when the pause ends.
		if wasBreached || !e.st.WaitingSince.Time.Before(due) {
			cs.State = supportv1.ClockBreached
		} else {
			cs.State = supportv1.ClockPaused
			cs.DueAt = nil
		}
	case !e.now.Before(due) || wasBreached:
		cs.State = supportv1.ClockBreached
	default:
		cs.State = supportv1.ClockRunning
		atRisk := cal.Add(r.start, time.Duration(int64(target)*e.p.atRiskPercent()/100)+pausedFor).Truncate(time.Second)
		cs.AtRiskAt = &metav1.Time{Time: atRisk}
		if !cs.AtRiskNotified {
			if !e.now.Before(atRisk) {
				cs.AtRiskNotified = true
				e.emit(Transition{Event: supportv1.EventAtRisk, Reason: string(supportv1.EventAtRisk), Warning: true, Clock: name,
					Message: fmt.Sprintf("%s clock at risk: %d%% of %s elapsed, due at %s", clockLabel(name), e.p.atRiskPercent(), target, due.UTC().Format(time.RFC3339))})
			} else {
				e.schedule(atRisk)
			}
		}
		e.schedule(due)
	}
	if cs.State == supportv1.ClockBreached {
		cs.AtRiskNotified = true
		if !wasBreached {
			e.emit(Transition{Event: supportv1.EventBreached, Reason: string(supportv1.EventBreached), Warning: true, Clock: name, At: due,
				Message: fmt.Sprintf("%s target of %s breached at %s", clockLabel(name), target, due.UTC().Format(time.RFC3339))})
		}
	}
	return cs
}

// followUp fires FollowUpDue and closes complaints without feedback.
func (e *evaluation) followUp() {
	st := e.st
	if st.ResolvedAt == nil || st.ClosedAt != nil {
		return
	}
	if st.FollowUpAt != nil && !st.FollowUpNotified {
		if !e.now.Before(st.FollowUpAt.Time) {
			st.FollowUpNotified = true
			e.emit(Transition{Event: supportv1.EventFollowUpDue, Reason: string(supportv1.EventFollowUpDue), At: st.FollowUpAt.Time,
				Message: fmt.Sprintf("Follow-up due: call %s to check the outcome", e.c.Spec.Customer.Name),
				Detail:  "Follow-up due: call the customer to check the outcome"})
		} else {
			e.schedule(st.FollowUpAt.Time)
		}
	}
	if e.p == nil || e.p.Spec.FollowUp == nil || e.p.Spec.FollowUp.CloseAfter == nil {
		return
	}
	closeAt := st.ResolvedAt.Time.Add(e.p.Spec.FollowUp.CloseAfter.Duration)
	if e.now.Before(closeAt) {
		e.schedule(closeAt)
		return
	}
	t := metav1.NewTime(closeAt)
	st.ClosedAt = &t
	e.emit(Transition{Event: supportv1.EventClosed, Reason: supportv1.ReasonNoFeedback, At: closeAt,
		Message: fmt.Sprintf("Closed as resolved: no feedback within %s of the resolution", e.p.Spec.FollowUp.CloseAfter.Duration)})
}

// Phase derives the phase from the stamped facts.
func (e *evaluation) phase() {
	st, spec := e.st, e.c.Spec
	switch {
	case st.ClosedAt != nil:
		st.Phase = supportv1.PhaseClosed
	case st.ResolvedAt != nil:
		st.Phase = supportv1.PhaseResolved
	case spec.Resolution != nil && Fingerprint(spec.Resolution) != st.Seen.RejectedResolution &&
		e.p.recovery().RequireApproval && spec.Resolution.ApprovedBy == "" &&
		(!e.p.recovery().RequireApology || spec.Resolution.Apologized):
		st.Phase = supportv1.PhasePendingApproval
	case spec.WaitingOn != "":
		st.Phase = supportv1.PhaseWaiting
	case st.ReopenedAt != nil:
		st.Phase = supportv1.PhaseReopened
	case st.AcknowledgedAt != nil:
		st.Phase = supportv1.PhaseAcknowledged
	default:
		st.Phase = supportv1.PhaseNew
	}
}

func (e *evaluation) conditions() {
	st := e.st
	gen := e.c.Generation

	if e.p != nil {
		e.setCondition(supportv1.ConditionPolicyResolved, true, e.in.PolicyReason, e.in.PolicyMessage)
	} else {
		e.setCondition(supportv1.ConditionPolicyResolved, false, e.in.PolicyReason, e.in.PolicyMessage)
	}

	if st.AcknowledgedAt != nil {
		by := ""
		if a := e.c.Spec.Acknowledgement; a != nil {
			by = a.By
		}
		e.setCondition(supportv1.ConditionAcknowledged, true, string(supportv1.EventAcknowledged), "customer contacted by "+orNone(by))
	} else {
		e.setCondition(supportv1.ConditionAcknowledged, false, supportv1.ReasonNotAcknowledged, "nobody has contacted the customer yet")
	}

	var atRisk, breached []string
	for _, c := range []struct {
		name supportv1.ClockName
		cs   *supportv1.ClockStatus
	}{{supportv1.ClockFirstResponse, st.Clocks.FirstResponse}, {supportv1.ClockUpdate, st.Clocks.Update}, {supportv1.ClockResolution, st.Clocks.Resolution}} {
		if c.cs == nil {
			continue
		}
		if c.cs.State == supportv1.ClockRunning && c.cs.AtRiskNotified {
			atRisk = append(atRisk, fmt.Sprintf("%s due at %s", clockLabel(c.name), c.cs.DueAt.UTC().Format(time.RFC3339)))
		}
		if c.cs.State == supportv1.ClockBreached && c.cs.DueAt != nil {
			breached = append(breached, fmt.Sprintf("%s breached at %s", clockLabel(c.name), c.cs.DueAt.UTC().Format(time.RFC3339)))
		}
	}
	if len(atRisk) > 0 {
		e.setCondition(supportv1.ConditionAtRisk, true, string(supportv1.EventAtRisk), strings.Join(atRisk, "; "))
	} else {
		e.setCondition(supportv1.ConditionAtRisk, false, supportv1.ReasonOnTrack, "no running clock is at risk")
	}
	switch {
	case st.BreachedAt != nil:
		e.setCondition(supportv1.ConditionBreached, true, string(supportv1.EventBreached), strings.Join(breached, "; "))
	case len(breached) > 0:
		reason := string(supportv1.EventResolved)
		if st.ResolvedAt == nil {
			reason = string(supportv1.EventReopened)
		}
		e.setCondition(supportv1.ConditionBreached, false, reason, strings.Join(breached, "; ")+"; no longer standing ("+strings.ToLower(reason)+" since)")
	default:
		e.setCondition(supportv1.ConditionBreached, false, supportv1.ReasonWithinTargets, "every clock is within its target")
	}

	if st.ResolvedAt != nil {
		e.setCondition(supportv1.ConditionResolved, true, string(supportv1.EventResolved), "resolved at "+st.ResolvedAt.UTC().Format(time.RFC3339))
	} else {
		e.setCondition(supportv1.ConditionResolved, false, supportv1.ReasonNotResolved, "no accepted resolution yet")
	}
	if st.ClosedAt != nil && apimeta.FindStatusCondition(st.Conditions, supportv1.ConditionSatisfied) == nil {
		e.setCondition(supportv1.ConditionSatisfied, false, supportv1.ReasonNoFeedback, "closed without feedback")
	}
	ready := metav1.Condition{Type: supportv1.ConditionReady, Status: metav1.ConditionTrue, Reason: supportv1.ReasonReconciled,
		Message: "phase " + string(st.Phase), ObservedGeneration: gen}
	if e.in.PolicyReason == supportv1.ReasonPolicyNotFound || e.in.PolicyReason == supportv1.ReasonInvalidPolicy {
		ready.Status, ready.Reason, ready.Message = metav1.ConditionFalse, e.in.PolicyReason, e.in.PolicyMessage
	}
	e.setConditionRaw(ready)
}

func (e *evaluation) setCondition(typ string, status bool, reason, msg string) {
	s := metav1.ConditionFalse
	if status {
		s = metav1.ConditionTrue
	}
	e.setConditionRaw(metav1.Condition{Type: typ, Status: s, Reason: reason, Message: msg, ObservedGeneration: e.c.Generation})
}

// setConditionRaw sets a condition; the transition time is now when the status changes.
func (e *evaluation) setConditionRaw(c metav1.Condition) {
	if c.Reason == "" {
		c.Reason = supportv1.ReasonReconciled
	}
	c.LastTransitionTime = metav1.NewTime(e.now)
	apimeta.SetStatusCondition(&e.st.Conditions, c)
}

func (e *evaluation) history() {
	AppendHistory(e.st, e.out...)
}

// AppendHistory is the one writer of status.history: it appends an entry
// per transition (at its time, to the second) and keeps the newest
// MaxHistory, the bound the CRD enforces. Whoever tells the complaint's
// story (the clocks, the escalations, the archive) goes through it, so no
// status write is ever refused for a history too long.
func AppendHistory(st *supportv1.ComplaintStatus, ts ...Transition) {
	for _, t := range ts {
		st.History = append(st.History, supportv1.HistoryEntry{Time: metav1.NewTime(t.At.Truncate(time.Second)), Event: t.Reason, Message: t.Message})
	}
	if n := len(st.History); n > MaxHistory {
		st.History = slices.Clone(st.History[n-MaxHistory:])
	}
}

// Fingerprint is a short stable hash of a spec part, to recognise it later.
func Fingerprint(v any) string {
	b, _ := json.Marshal(v)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

func clockLabel(c supportv1.ClockName) string {
	switch c {
	case supportv1.ClockFirstResponse:
		return "firstResponse"
	case supportv1.ClockUpdate:
		return "update"
	default:
		return "resolution"
	}
}

// RedactCustomer replaces, in a sentence bound for webhook receivers, every
// whole-word occurrence (any case) of the customer's name, company or contact
// details, which free-text fields such as notes and summaries may quote.
func RedactCustomer(s string, c *supportv1.Customer) string {
	secrets := []string{c.Name, c.Company}
	if c.Contact != nil {
		secrets = append(secrets, c.Contact.Email, c.Contact.Phone, c.Contact.Address)
	}
	// Longest first, so that a company inside an email address does not
	// leave the rest of the address behind.
	sort.SliceStable(secrets, func(i, j int) bool { return len(secrets[i]) > len(secrets[j]) })
	for _, secret := range secrets {
		secret = strings.TrimSpace(secret)
		if len(secret) < 2 {
			continue
		}
		s = replaceWord(s, secret, "[customer]")
	}
	return s
}

// replaceWord replaces the case-insensitive occurrences of word in s that
// are not part of a longer word (no letter or digit on either side).
func replaceWord(s, word, with string) string {
	re, err := regexp.Compile("(?i)" + regexp.QuoteMeta(word))
	if err != nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, m := range re.FindAllStringIndex(s, -1) {
		before, _ := utf8.DecodeLastRuneInString(s[:m[0]])
		after, _ := utf8.DecodeRuneInString(s[m[1]:])
		if isWordRune(before) || isWordRune(after) {
			continue
		}
		b.WriteString(s[last:m[0]])
		b.WriteString(with)
		last = m[1]
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
