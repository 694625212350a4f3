package sla

import (
	"fmt"
	"strings"
	"time"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/internal/text"
)

// The steps that say where the complaint stands: its phase and the
// conditions Evaluate owns (PolicyResolved, Acknowledged, AtRisk, Breached,
// Resolved, Satisfied, ResolutionAccepted, Ready), each by one setter here.

// phase derives the phase from the stamped facts.
func (e *evaluation) phase() {
	st, spec := e.st, e.c.Spec
	switch {
	case st.ClosedAt != nil:
		st.Phase = supportv1.PhaseClosed
	case st.ResolvedAt != nil:
		st.Phase = supportv1.PhaseResolved
	case st.RemediesRequestedAt != nil:
		st.Phase = supportv1.PhaseImplementing
	case spec.Resolution != nil && !setAside(st, spec.Resolution) &&
		needsApproval(e.p.recovery(), spec.Resolution, st.Gesture) && spec.Resolution.ApprovedBy == "" &&
		(!spec.Resolution.Declined() || e.p.recovery().AllowDecline) &&
		(!e.p.recovery().RequireApology || spec.Resolution.Apologized):
		st.Phase = supportv1.PhasePendingApproval
	case spec.Resolution != nil && st.AgreementRequestedAt != nil:
		st.Phase = supportv1.PhaseAwaitingAgreement
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

// setAside says whether the resolution was set aside: the customer did not
// accept it, or a remedy of it failed.
func setAside(st *supportv1.ComplaintStatus, res *supportv1.Resolution) bool {
	fp := Fingerprint(res)
	return fp == st.Seen.RejectedResolution || fp == st.Seen.FailedResolution
}

// conditions sets the conditions Evaluate owns, each by its one setter,
// from the status and what the steps found.
func (e *evaluation) conditions() {
	st := e.st
	e.setCondition(supportv1.ConditionPolicyResolved, e.p != nil, e.in.PolicyReason, e.in.PolicyMessage)
	if st.AcknowledgedAt != nil {
		by := ""
		if a := e.c.Spec.Acknowledgement; a != nil {
			by = a.By
		}
		e.setCondition(supportv1.ConditionAcknowledged, true, string(supportv1.EventAcknowledged), "customer contacted by "+text.OrNone(by))
	} else {
		e.setCondition(supportv1.ConditionAcknowledged, false, supportv1.ReasonNotAcknowledged, "nobody has contacted the customer yet")
	}
	e.clockConditions()
	if st.ResolvedAt != nil {
		e.setCondition(supportv1.ConditionResolved, true, string(supportv1.EventResolved), "resolved at "+st.ResolvedAt.UTC().Format(time.RFC3339))
	} else {
		e.setCondition(supportv1.ConditionResolved, false, supportv1.ReasonNotResolved, "no accepted resolution yet")
	}
	e.setResolutionAccepted()
	e.setSatisfied()
	ready := metav1.Condition{Type: supportv1.ConditionReady, Status: metav1.ConditionTrue, Reason: supportv1.ReasonReconciled,
		Message: "phase " + string(st.Phase), ObservedGeneration: e.c.Generation}
	if e.in.PolicyReason == supportv1.ReasonPolicyNotFound || e.in.PolicyReason == supportv1.ReasonInvalidPolicy {
		ready.Status, ready.Reason, ready.Message = metav1.ConditionFalse, e.in.PolicyReason, e.in.PolicyMessage
	}
	e.setConditionRaw(ready)
}

// clockConditions sets AtRisk and Breached from the clocks.
func (e *evaluation) clockConditions() {
	st := e.st
	var atRisk, breached []string
	for name, cs := range st.Clocks.Each() {
		if cs.State == supportv1.ClockRunning && cs.AtRiskNotified {
			atRisk = append(atRisk, fmt.Sprintf("%s due at %s", name.Field(), cs.DueAt.UTC().Format(time.RFC3339)))
		}
		if cs.State == supportv1.ClockBreached && cs.DueAt != nil {
			breached = append(breached, fmt.Sprintf("%s breached at %s", name.Field(), cs.DueAt.UTC().Format(time.RFC3339)))
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
}

// setResolutionAccepted says whether the proposed resolution meets the
// policy; it goes with the resolution.
func (e *evaluation) setResolutionAccepted() {
	switch {
	case e.c.Spec.Resolution == nil:
		apimeta.RemoveStatusCondition(&e.st.Conditions, supportv1.ConditionResolutionAccepted)
	case e.accepted != nil:
		e.setCondition(supportv1.ConditionResolutionAccepted, e.accepted.status, e.accepted.reason, e.accepted.message)
	}
}

// setSatisfied tells the customer's feedback, or a closing without any.
func (e *evaluation) setSatisfied() {
	switch {
	case e.satisfied != nil:
		e.setCondition(supportv1.ConditionSatisfied, e.satisfied.status, e.satisfied.reason, e.satisfied.message)
	case e.st.ClosedAt != nil && apimeta.FindStatusCondition(e.st.Conditions, supportv1.ConditionSatisfied) == nil:
		e.setCondition(supportv1.ConditionSatisfied, false, supportv1.ReasonNoFeedback, "closed without feedback")
	}
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
