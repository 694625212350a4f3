package controllers

import (
	"time"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/ladder"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/sla"
)

// ladderInput gathers the ladder's facts from the complaint's new status.
func ladderInput(c *supportv1.Complaint, st *supportv1.ComplaintStatus, policy *sla.Policy, escs []supportv1.Escalation, now time.Time) ladder.Input {
	in := ladder.Input{Complaint: c.Name, Now: now}
	if policy != nil && policy.Spec.Escalation != nil {
		in.Levels = policy.Spec.Escalation.Levels
	}
	if st.BreachedAt != nil && st.ResolvedAt == nil && st.ClosedAt == nil {
		in.BreachedAt = st.BreachedAt.Time
		in.Reason = breachReason(st.Clocks, in.BreachedAt)
	}
	for _, e := range escs {
		in.Existing = append(in.Existing, ladderView(&e))
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

func ladderView(e *supportv1.Escalation) ladder.Escalation {
	v := ladder.Escalation{Name: e.Name, Level: e.Spec.Level, Reason: e.Spec.Reason, Acknowledged: e.Spec.Acknowledgement != nil}
	if e.Spec.BreachedAt != nil {
		v.BreachedAt = e.Spec.BreachedAt.Time
	}
	return v
}
