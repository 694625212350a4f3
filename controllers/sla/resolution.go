package sla

import (
	"fmt"
	"strings"
	"time"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// The steps of the resolution and what follows it: accepting it, the
// customer's feedback (closing or reopening), the follow-up.

// resolution decides whether the proposed resolution is accepted.
func (e *evaluation) resolution() {
	res := e.c.Spec.Resolution
	e.st.Gesture = nil
	switch {
	case res.Declined():
		// A plain "no" offers nothing.
	case res != nil && res.Gesture != nil:
		e.st.Gesture = res.Gesture.DeepCopy()
	case e.p != nil:
		var fault supportv1.CompanyFault
		if res != nil && res.Assessment != nil {
			fault = res.Assessment.CompanyFault
		}
		e.st.Gesture = e.p.DefaultGesture(e.c.Spec.Category, fault)
	}
	if res == nil {
		e.approvalNotPending()
		e.st.AgreementRequestedAt = nil
		e.endRemedies()
		e.st.Remedies = nil
		return // ResolutionAccepted goes with the resolution
	}
	if e.st.ResolvedAt != nil {
		return
	}
	if !e.resolutionAcceptable(res) {
		e.st.AgreementRequestedAt = nil
		e.endRemedies()
		return
	}
	if e.st.RemediesRequestedAt != nil && Fingerprint(res.Actions) != e.st.Seen.Remedies {
		// What the departments are to do changed: a new round, agreed anew.
		e.endRemedies()
		e.st.AgreementRequestedAt = nil
	}
	at := e.factTime(e.rec.Resolution, e.restartedAt())
	switch {
	case e.st.RemediesRequestedAt != nil:
		at = e.st.RemediesRequestedAt.Time // agreed: carried out since
	case e.p.recovery().RequireAgreement:
		agreed, ok := e.agreement(res)
		if !ok {
			return
		}
		at = agreed
	}
	if CarriedOut(res) {
		done, ok := e.remedies(res, at)
		if !ok {
			return
		}
		at = done
	} else {
		e.endRemedies()
		e.st.Remedies = nil
	}
	e.st.ResolvedAt = metaTime(at)
	e.st.FollowUpNotified = false
	e.st.FollowUpAt = nil
	if e.p != nil && e.p.Spec.FollowUp != nil {
		e.st.FollowUpAt = metaTime(at.Add(e.p.Spec.FollowUp.After.Duration))
	}
	msg := "Resolved: " + res.Summary
	if res.Declined() {
		msg = fmt.Sprintf("Resolved, the demand declined: %s; reason: %s", res.Summary, res.Reason)
	}
	if g := e.st.Gesture; g != nil {
		msg += fmt.Sprintf("; gesture: %s", g.Kind)
		if g.Detail != "" {
			msg += " (" + g.Detail + ")"
		}
	}
	if res.ApprovedBy != "" {
		msg += "; approved by " + res.ApprovedBy
	}
	e.accepted = &verdict{true, supportv1.ReasonAccepted, "the resolution meets the policy"}
	e.emit(Transition{Event: supportv1.EventResolved, Reason: string(supportv1.EventResolved), Message: msg, By: res.ProposedBy, At: at})
}

// resolutionAcceptable says whether a proposed resolution meets the policy
// (one the customer rejected never does); when it does not, it says why in
// ResolutionAccepted, telling each new reason once.
func (e *evaluation) resolutionAcceptable(res *supportv1.Resolution) bool {
	rec := e.p.recovery()
	if Fingerprint(res) == e.st.Seen.RejectedResolution {
		e.approvalNotPending()
		e.accepted = &verdict{false, supportv1.ReasonCustomerUnsatisfied,
			"the customer did not accept this resolution; propose a new one"}
		return false
	}
	if Fingerprint(res) == e.st.Seen.FailedResolution {
		e.approvalNotPending()
		e.accepted = &verdict{false, supportv1.ReasonRemedyFailed, remedyFailedMessage}
		return false
	}
	prevAccepted := apimeta.FindStatusCondition(e.prev.Conditions, supportv1.ConditionResolutionAccepted)
	notAccepted := func(reason, msg string, warning bool) bool {
		if prevAccepted == nil || prevAccepted.Reason != reason {
			e.emit(Transition{Reason: reason, Warning: warning, Message: msg})
		}
		e.accepted = &verdict{false, reason, msg}
		return false
	}
	if res.Declined() && !rec.AllowDecline {
		e.approvalNotPending()
		return notAccepted(supportv1.ReasonDeclineNotAllowed,
			"Resolution not accepted: policy "+e.p.Name+" does not allow declining a demand (recovery.allowDecline); propose a remedy", true)
	}
	if rec.RequireApology && !res.Apologized {
		e.approvalNotPending()
		return notAccepted(supportv1.ReasonApologyMissing,
			"Resolution not accepted: the policy requires an apology (set spec.resolution.apologized: true once the customer got one)", true)
	}
	if needsApproval(rec, res, e.st.Gesture) && res.ApprovedBy == "" {
		if e.st.ApprovalRequestedAt == nil {
			// The approval clock runs from the proposal's write.
			e.st.ApprovalRequestedAt = metaTime(e.factTime(e.rec.Resolution, e.restartedAt()))
		}
		return notAccepted(supportv1.ReasonAwaitingApproval,
			"Resolution proposed; a lead's approval (spec.resolution.approvedBy) is needed before the customer is told", false)
	}
	return true
}

// needsApproval says whether a resolution waits for a lead's approval: the
// policy requires one, it declines the demand (a "no" is never one agent's
// alone), or its gesture is worth more than the policy's approvalAbove (a
// bigger gesture needs a bigger authority).
func needsApproval(rec supportv1.Recovery, res *supportv1.Resolution, gesture *supportv1.Gesture) bool {
	if rec.RequireApproval || res.Declined() {
		return true
	}
	return gesture != nil && rec.ApprovalAbove.Exceeded(gesture.Value)
}

// agreement decides a proposal that meets the policy and needs the
// customer's agreement: ok when the customer agreed, at the time the answer
// was recorded. Until an answer written after the proposal comes, the
// resolution waits (AwaitingAgreement); declined, the proposal is set
// aside like one the customer rejected after resolution, and the complaint
// is back in work.
func (e *evaluation) agreement(res *supportv1.Resolution) (at time.Time, ok bool) {
	if e.st.AgreementRequestedAt == nil {
		// From the write that completed the proposal (its approval, where
		// one is required).
		since := e.factTime(e.rec.Resolution, e.restartedAt())
		e.st.AgreementRequestedAt = metaTime(since)
		e.emit(Transition{Reason: supportv1.ReasonAwaitingAgreement, At: since,
			Message: "Resolution proposed to the customer: it is carried out once they agree (spec.agreement)"})
	}
	since := e.st.AgreementRequestedAt.Time
	a := e.c.Spec.Agreement
	if a == nil || Fingerprint(a) == e.st.Seen.Agreement || (!e.rec.Agreement.IsZero() && e.rec.Agreement.Truncate(time.Second).Before(since)) {
		e.accepted = &verdict{false, supportv1.ReasonAwaitingAgreement, "waiting for the customer's agreement (spec.agreement)"}
		return time.Time{}, false
	}
	e.st.Seen.Agreement = Fingerprint(a)
	answered := e.factTime(e.rec.Agreement, since)
	if a.Accepted {
		return answered, true
	}
	e.st.Seen.RejectedResolution = Fingerprint(res)
	e.st.AgreementRequestedAt = nil
	e.agreementDeclinedAt = answered
	msg := "The customer declined the proposed resolution"
	if a.Note != "" {
		msg += ": " + a.Note
	}
	e.emit(Transition{Reason: supportv1.ReasonAgreementDeclined, Warning: true, By: a.By, At: answered,
		Message: msg + "; propose another"})
	e.accepted = &verdict{false, supportv1.ReasonCustomerUnsatisfied, "the customer did not accept this resolution; propose a new one"}
	return time.Time{}, false
}

// approvalNotPending ends a wait for approval that ended without one (the
// resolution withdrawn or no longer ready for approval): the approval
// clock stops running. An accepted resolution keeps its stamp, so its
// approval clock tells whether it was approved in time.
func (e *evaluation) approvalNotPending() {
	if e.st.ResolvedAt == nil {
		e.st.ApprovalRequestedAt = nil
	}
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
		e.satisfied = &verdict{true, supportv1.ReasonCustomerSatisfied, feedbackSummary(fb)}
		if e.st.ClosedAt == nil {
			e.st.ClosedAt = metaTime(at)
			e.emit(Transition{Event: supportv1.EventClosed, Reason: supportv1.ReasonCustomerSatisfied, At: at,
				Message: "Closed: the customer is satisfied (" + feedbackSummary(fb) + ")"})
		}
		return
	}
	e.reopen(fb, metaTime(at))
}

// reopen keeps the resolution the customer did not accept and restarts
// the resolution clock.
func (e *evaluation) reopen(fb *supportv1.Feedback, at *metav1.Time) {
	record := supportv1.ResolutionRecord{ResolvedAt: e.st.ResolvedAt.DeepCopy(), Feedback: fb.DeepCopy(), ReopenedAt: at}
	if e.c.Spec.Resolution != nil {
		record.Resolution = *e.c.Spec.Resolution.DeepCopy()
		e.st.Seen.RejectedResolution = Fingerprint(e.c.Spec.Resolution)
	}
	e.st.PreviousResolutions = append(e.st.PreviousResolutions, record)
	if n := len(e.st.PreviousResolutions); n > MaxPreviousResolutions {
		e.st.PreviousResolutions = e.st.PreviousResolutions[n-MaxPreviousResolutions:]
	}
	e.st.ReopenCount++
	e.st.ReopenedAt = at
	e.st.ApprovalRequestedAt = nil // a new proposal waits anew
	e.st.AgreementRequestedAt = nil
	e.endRemedies()
	e.st.Remedies = nil
	e.st.ResolvedAt = nil
	e.st.FollowUpAt = nil
	e.st.FollowUpNotified = false
	e.st.ClosedAt = nil
	e.st.BreachedAt = nil
	e.satisfied = &verdict{false, supportv1.ReasonCustomerUnsatisfied, feedbackSummary(fb)}
	e.accepted = &verdict{false, supportv1.ReasonCustomerUnsatisfied,
		"the customer did not accept this resolution; propose a new one"}
	e.emit(Transition{Event: supportv1.EventReopened, Reason: string(supportv1.EventReopened), Warning: true, At: at.Time,
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
	st.ClosedAt = metaTime(closeAt)
	e.emit(Transition{Event: supportv1.EventClosed, Reason: supportv1.ReasonNoFeedback, At: closeAt,
		Message: fmt.Sprintf("Closed as resolved: no feedback within %s of the resolution", e.p.Spec.FollowUp.CloseAfter.Duration)})
}
