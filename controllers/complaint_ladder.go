package controllers

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/ladder"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/sla"
)

// ladderInput gathers the ladder's facts from the complaint's new status.
func ladderInput(c *supportv1.Complaint, st *supportv1.ComplaintStatus, policy *sla.Policy, escs []supportv1.Escalation, now time.Time) ladder.Input {
	in := ladder.Input{Complaint: c.Name, Now: now, Progress: progressOf(st), Resolved: st.ResolvedAt != nil || st.ClosedAt != nil}
	if policy != nil && policy.Spec.Escalation != nil {
		e := policy.Spec.Escalation
		in.Levels = e.Levels
		if e.DecideWithin != nil {
			in.DecideWithin = e.DecideWithin.Duration
		}
		if e.AckTimeout != nil {
			in.AckTimeout = e.AckTimeout.Duration
		}
	}
	if st.BreachedAt != nil && st.ResolvedAt == nil && st.ClosedAt == nil {
		in.BreachedAt = st.BreachedAt.Time
		in.Reason = breachReason(st.Clocks, in.BreachedAt)
	}
	for _, e := range escs {
		if !e.Spec.Reason.IsRemedy() { // a department's, apart from the ladder
			in.Existing = append(in.Existing, ladderView(&e))
		}
	}
	return in
}

// breachReason names the clock whose breach the ladder climbs from: the
// breached clock due at breachedAt (the standing breach), or else the
// breached clock due earliest; clocks due at the same instant are taken in
// the clocks' fixed order, so two clocks that breach together always give
// the same reason.
func breachReason(clocks supportv1.Clocks, breachedAt time.Time) supportv1.EscalationReason {
	var best *supportv1.ClockStatus
	reason := supportv1.ReasonResolutionBreached
	for name, cs := range clocks.Each() {
		if cs.State != supportv1.ClockBreached || cs.DueAt == nil {
			continue
		}
		if cs.DueAt.Time.Equal(breachedAt) {
			return ladder.ReasonFor(name)
		}
		if best == nil || cs.DueAt.Time.Before(best.DueAt.Time) {
			best, reason = cs, ladder.ReasonFor(name)
		}
	}
	return reason
}

// progressOf is the complaint's latest progress an acknowledged level is
// waited on for: an update, a pause, a proposed or accepted resolution.
func progressOf(st *supportv1.ComplaintStatus) time.Time {
	var latest time.Time
	for _, t := range []*metav1.Time{st.LastUpdateAt, st.WaitingSince, st.ApprovalRequestedAt, st.ResolvedAt} {
		if t != nil && t.Time.After(latest) {
			latest = t.Time
		}
	}
	return latest
}

func ladderView(e *supportv1.Escalation) ladder.Escalation {
	v := ladder.Escalation{Name: e.Name, Level: e.Spec.Level, Reason: e.Spec.Reason, Acknowledged: e.Spec.Acknowledgement != nil,
		CreatedAt: e.CreationTimestamp.Time, Follows: e.Spec.Follows, RequestedBy: e.Spec.RequestedBy, Question: e.Spec.Question}
	if e.Spec.BreachedAt != nil {
		v.BreachedAt = e.Spec.BreachedAt.Time
	}
	if a := e.Spec.Acknowledgement; a != nil {
		v.Decided = a.Decision != ""
	}
	if e.Status.AcknowledgedAt != nil {
		v.AcknowledgedAt = e.Status.AcknowledgedAt.Time
	}
	return v
}
