package sla

import (
	"fmt"
	"time"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/internal/text"
)

// The Remedy's own clock: a department has its fulfilWithin from when it
// was asked (wall-clock time); missing it escalates to the department's
// destinations, once.

// RemedyInput is everything EvaluateRemedy decides from.
type RemedyInput struct {
	// Remedy with its previous status; not modified.
	Remedy *supportv1.Remedy
	// Department is the policy's department of the remedy; nil when the
	// complaint has no policy or the policy does not list it (no clock).
	Department *supportv1.Department
	// AtRiskPercent is the policy's targets.atRiskPercent (0: 75).
	AtRiskPercent int32
	// Current: the remedy is asked for by its complaint's current
	// resolution (not set aside, replaced, or gone).
	Current bool
	// FulfilledAt is when the API server recorded spec.fulfilment (zero:
	// unknown, now).
	FulfilledAt time.Time
	// Now is the current time.
	Now time.Time
}

// RemedyTransition is something that happened to the remedy: a Kubernetes
// Event on it, and for Overdue the escalation to create.
type RemedyTransition struct {
	Reason  string
	Warning bool
	Message string
}

// RemedyResult is the remedy's new status, what happened, and when to look again.
type RemedyResult struct {
	Status      supportv1.RemedyStatus
	Transitions []RemedyTransition
	// Overdue: the clock breached in this evaluation; escalate it.
	Overdue bool
	// Reported: the department's report was seen in this evaluation.
	Reported bool
	// Next is the next instant at which anything changes; zero for none.
	Next time.Time
}

// EvaluateRemedy decides the remedy's phase, clock and conditions at now.
// Like Evaluate it is deterministic, and what fired is in status.
func EvaluateRemedy(in RemedyInput) RemedyResult {
	r, now := in.Remedy, in.Now.Truncate(time.Second)
	st := r.Status.DeepCopy()
	st.ObservedGeneration = r.Generation
	var out RemedyResult
	say := func(reason string, warning bool, format string, args ...any) {
		out.Transitions = append(out.Transitions, RemedyTransition{reason, warning, fmt.Sprintf(format, args...)})
	}
	requested := r.Spec.RequestedAt.Time.Truncate(time.Second)
	c := &st.Clock
	if d := in.Department; d != nil && d.FulfilWithin != nil && c.StartedAt == nil {
		startRemedyClock(c, d.FulfilWithin.Duration, in.AtRiskPercent, requested)
	}
	f := r.Spec.Fulfilment
	switch {
	case f != nil:
		if st.FulfilledAt == nil {
			// A report counts from its write, never before the request.
			at := factTime(in.FulfilledAt, requested, now)
			st.FulfilledAt = metaTime(at)
			out.Reported = true
			if c.State == supportv1.ClockRunning && c.DueAt != nil && !at.Before(c.DueAt.Time) {
				// Reported after the due time, before the breach was seen
				// (the operator down or behind at the due time, or its
				// status write lost to the report): the target was missed
				// all the same, and is escalated once, as at the due time.
				out.Overdue = true
				say(string(supportv1.ReasonRemedyOverdue), true, "Overdue: %s did not carry it out within %s (due %s); escalated to its destinations",
					r.Spec.Department, c.Target.Duration, c.DueAt.UTC().Format(time.RFC3339))
			}
			if f.Outcome == supportv1.FulfilmentFailed {
				say(supportv1.ReasonRemedyFailed, true, "Failed (reported by %s): %s", text.OrNone(f.By), f.Note)
			} else {
				say(supportv1.ReasonRemedyDone, false, "Done by %s%s", text.OrNone(f.By), referenceSuffix(f.Reference))
			}
		}
		st.Phase = supportv1.RemedyDone
		if f.Outcome == supportv1.FulfilmentFailed {
			st.Phase = supportv1.RemedyFailed
		}
		stopClock(c, st.FulfilledAt.Time)
	case !in.Current:
		if st.Phase != supportv1.RemedyCancelled {
			say(supportv1.ReasonRemedyCancelled, false, "Cancelled: the complaint's resolution no longer asks for it")
		}
		st.Phase = supportv1.RemedyCancelled
		if c.State == supportv1.ClockRunning {
			c.StoppedAt = metaTime(now)
			c.State = ""
		}
	default:
		st.Phase = supportv1.RemedyPending
		if c.State == supportv1.ClockRunning && c.DueAt != nil {
			if !c.AtRiskNotified && c.AtRiskAt != nil && !now.Before(c.AtRiskAt.Time) && now.Before(c.DueAt.Time) {
				c.AtRiskNotified = true
				say(supportv1.ReasonRemedyAtRisk, true, "At risk: %s is to carry it out by %s", r.Spec.Department, c.DueAt.UTC().Format(time.RFC3339))
			}
			if !now.Before(c.DueAt.Time) {
				c.State, c.StoppedAt = supportv1.ClockBreached, c.DueAt.DeepCopy()
				out.Overdue = true
				say(string(supportv1.ReasonRemedyOverdue), true, "Overdue: %s did not carry it out within %s (due %s); escalated to its destinations",
					r.Spec.Department, c.Target.Duration, c.DueAt.UTC().Format(time.RFC3339))
			} else {
				out.Next = c.DueAt.Time
				if !c.AtRiskNotified && c.AtRiskAt != nil {
					out.Next = c.AtRiskAt.Time
				}
			}
		}
	}
	setRemedyConditions(st, r, in, now)
	out.Status = *st
	return out
}

// startRemedyClock starts a remedy's clock at requested for target, at
// risk at pct percent of it (0: 75).
func startRemedyClock(c *supportv1.ClockStatus, target time.Duration, pct int32, requested time.Time) {
	if pct == 0 {
		pct = 75
	}
	c.Target = &metav1.Duration{Duration: target}
	c.StartedAt = metaTime(requested)
	c.DueAt = metaTime(requested.Add(target))
	c.AtRiskAt = metaTime(requested.Add(target * time.Duration(pct) / 100).Truncate(time.Second))
	c.State = supportv1.ClockRunning
}

// stopClock stops a running (or breached) clock at the report.
func stopClock(c *supportv1.ClockStatus, at time.Time) {
	switch c.State {
	case supportv1.ClockRunning:
		c.State, c.StoppedAt = supportv1.ClockMet, metaTime(at)
		if c.DueAt != nil && !at.Before(c.DueAt.Time) {
			c.State, c.StoppedAt = supportv1.ClockBreached, c.DueAt.DeepCopy()
		}
	}
}

func referenceSuffix(ref string) string {
	if ref == "" {
		return ""
	}
	return " (reference " + ref + ")"
}

// setRemedyConditions sets Ready, Reconciling, Stalled (kstatus: InProgress
// while the department works, Current once Done, Failed when it failed),
// Fulfilled and Breached.
func setRemedyConditions(st *supportv1.RemedyStatus, r *supportv1.Remedy, in RemedyInput, now time.Time) {
	set := func(typ string, status bool, reason, msg string) {
		s := metav1.ConditionFalse
		if status {
			s = metav1.ConditionTrue
		}
		apimeta.SetStatusCondition(&st.Conditions, metav1.Condition{Type: typ, Status: s, Reason: reason, Message: msg,
			ObservedGeneration: r.Generation, LastTransitionTime: metav1.NewTime(now)})
	}
	dept := r.Spec.Department
	switch st.Phase {
	case supportv1.RemedyDone:
		set(supportv1.ConditionReady, true, supportv1.ReasonRemedyDone, "carried out by "+text.OrNone(r.Spec.Fulfilment.By)+referenceSuffix(r.Spec.Fulfilment.Reference))
	case supportv1.RemedyFailed:
		set(supportv1.ConditionReady, false, supportv1.ReasonRemedyFailed, "failed: "+r.Spec.Fulfilment.Note)
	case supportv1.RemedyCancelled:
		// Final, with nothing left to do: kstatus and GitOps see it Current.
		set(supportv1.ConditionReady, true, supportv1.ReasonRemedyCancelled, "the complaint's resolution no longer asks for it")
	default:
		msg := "waiting for " + dept + " to carry it out (spec.fulfilment)"
		if in.Department == nil || in.Department.FulfilWithin == nil {
			msg += "; the policy sets no fulfilWithin for " + dept + ", so no clock runs"
		}
		set(supportv1.ConditionReady, false, supportv1.ReasonRemedyPending, msg)
	}
	set(supportv1.ConditionReconciling, st.Phase == supportv1.RemedyPending, string(st.Phase), "phase "+string(st.Phase))
	set(supportv1.ConditionStalled, st.Phase == supportv1.RemedyFailed, string(st.Phase), "phase "+string(st.Phase))
	set(supportv1.ConditionFulfilled, r.Spec.Fulfilment != nil, string(st.Phase), "phase "+string(st.Phase))
	if st.Clock.State == supportv1.ClockBreached {
		set(supportv1.ConditionBreached, true, string(supportv1.ReasonRemedyOverdue), fmt.Sprintf("%s missed its target (due %s)", dept, st.Clock.DueAt.UTC().Format(time.RFC3339)))
	} else {
		set(supportv1.ConditionBreached, false, supportv1.ReasonWithinTargets, "within the department's target")
	}
}
