package controllers

import (
	"fmt"
	"sort"
	"time"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/ledger"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/ladder"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/sla"
)

const maxEscalationSummaries = 20

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
// a fixed order (first response, update, resolution), so two clocks that
// breach together always give the same reason.
func breachReason(clocks supportv1.Clocks, breachedAt time.Time) supportv1.EscalationReason {
	var best *supportv1.ClockStatus
	reason := supportv1.ReasonResolutionBreached
	for _, c := range []struct {
		name  supportv1.ClockName
		clock *supportv1.ClockStatus
	}{{supportv1.ClockFirstResponse, clocks.FirstResponse}, {supportv1.ClockUpdate, clocks.Update}, {supportv1.ClockResolution, clocks.Resolution}} {
		cs := c.clock
		if cs == nil || cs.State != supportv1.ClockBreached || cs.DueAt == nil {
			continue
		}
		if cs.DueAt.Time.Equal(breachedAt) {
			return ladder.ReasonFor(c.name)
		}
		if best == nil || cs.DueAt.Time.Before(best.DueAt.Time) {
			best, reason = cs, ladder.ReasonFor(c.name)
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

// summarizeEscalations records the complaint's escalations in its status,
// with the level reached by the ladder (requests are not breaches), and
// returns the history-worthy changes: new escalations and decisions.
func summarizeEscalations(prev []supportv1.EscalationSummary, escs []supportv1.Escalation, now time.Time) ([]supportv1.EscalationSummary, int32, []sla.Transition) {
	escs = append([]supportv1.Escalation(nil), escs...)
	sort.Slice(escs, func(i, j int) bool {
		if escs[i].Spec.Level != escs[j].Spec.Level {
			return escs[i].Spec.Level < escs[j].Spec.Level
		}
		return escs[i].Name < escs[j].Name
	})
	old := map[string]supportv1.EscalationSummary{}
	for _, s := range prev {
		old[s.Name] = s
	}
	var out []supportv1.EscalationSummary
	var level int32
	var ts []sla.Transition
	for _, e := range escs {
		s := supportv1.EscalationSummary{Name: e.Name, Level: e.Spec.Level, Reason: e.Spec.Reason}
		if a := e.Spec.Acknowledgement; a != nil {
			s.AcknowledgedBy, s.Decision = a.By, a.Decision
		}
		if s.Reason != supportv1.ReasonRequested && s.Level > level {
			level = s.Level
		}
		before, known := old[e.Name]
		if !known {
			msg := fmt.Sprintf("Escalated to level %d (%s): %s", e.Spec.Level, orDash(e.Spec.LevelName), e.Spec.Reason)
			if e.Spec.Reason == supportv1.ReasonRequested {
				msg = fmt.Sprintf("%s asks level %d for a decision: %s", e.Spec.RequestedBy, e.Spec.Level, e.Spec.Question)
			}
			ts = append(ts, sla.Transition{Reason: string(supportv1.EventEscalated), Warning: e.Spec.Reason != supportv1.ReasonRequested, Message: msg, At: now})
		}
		if s.AcknowledgedBy != "" && (before.AcknowledgedBy != s.AcknowledgedBy || before.Decision != s.Decision) {
			msg := fmt.Sprintf("Escalation %s acknowledged by %s", e.Name, s.AcknowledgedBy)
			if s.Decision != "" {
				msg += "; decision: " + s.Decision
			}
			ts = append(ts, sla.Transition{Reason: "EscalationAcknowledged", Message: msg, At: now})
		}
		out = append(out, s)
	}
	if len(out) > maxEscalationSummaries {
		out = out[len(out)-maxEscalationSummaries:]
	}
	return out, level, ts
}

// queueNotifications queues, in st, a delivery of each notifiable
// transition to the policy's destinations that want it, with the webhook
// text of the transition (never the customer's name). Created is announced
// once: when the first policy governs the complaint, which may be after it
// was recorded (a GitOps apply of complaints before their policy), and
// never again when another policy governs it later. It returns the
// notifications dropped past the ledger's bound.
func queueNotifications(c *supportv1.Complaint, st *supportv1.ComplaintStatus, policy *sla.Policy, ts []sla.Transition) []string {
	if policy == nil {
		return nil
	}
	// Before status.announced existed, a complaint with a policy had been announced.
	announced := c.Status.Announced || c.Status.Policy != ""
	if !announced && c.Status.Phase != "" {
		ts = append([]sla.Transition{sla.Created(c)}, ts...)
	}
	st.Announced = true
	var dropped []string
	for _, t := range ts {
		if t.Event == "" || (announced && t.Event == supportv1.EventCreated) {
			continue
		}
		var d []string
		st.Notifications, d = ledger.Enqueue(st.Notifications, &st.NotificationSeq, string(c.UID), t.Event, webhookDetail(t), t.At,
			policy.Spec.DestinationsFor(t.Event, nil))
		dropped = append(dropped, d...)
	}
	return dropped
}

// webhookDetail is the text a receiver gets for a transition: never the
// customer's name or contact.
func webhookDetail(t sla.Transition) string {
	if t.Detail != "" {
		return t.Detail
	}
	return t.Message
}

// setEscalatedCondition says how far the complaint climbed.
func setEscalatedCondition(st *supportv1.ComplaintStatus, gen int64, now time.Time) {
	c := metav1.Condition{Type: supportv1.ConditionEscalated, Status: metav1.ConditionFalse, Reason: supportv1.ReasonNotEscalated,
		Message: "no escalation", ObservedGeneration: gen, LastTransitionTime: metav1.NewTime(now.Truncate(time.Second))}
	if st.EscalationLevel > 0 {
		c.Status, c.Reason = metav1.ConditionTrue, string(supportv1.EventEscalated)
		c.Message = fmt.Sprintf("escalated to level %d", st.EscalationLevel)
	}
	apimeta.SetStatusCondition(&st.Conditions, c)
}

// isLevelReached tells summarizeEscalations' transitions for a ladder level
// reached (a Warning) from those for a request or an acknowledgement.
func isLevelReached(t sla.Transition) bool {
	return t.Reason == string(supportv1.EventEscalated) && t.Warning
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Queue priorities of the complaint controller: a deadline first, then a
// complaint waiting for its first due times, then people's edits, and last
// the resync of complaints that have nothing due (after a restart, the
// overdue ones are escalated before the thousands with nothing to do).
const (
	priorityDue    = 100
	priorityIntake = 50
	priorityEdit   = 0
	priorityResync = -100 // handler.LowPriority
)

// queuePriority is where a complaint seen by the watch goes in the queue.
func queuePriority(c *supportv1.Complaint, initialList bool, now time.Time) int {
	switch {
	case c.Status.Phase == "":
		return priorityIntake
	case c.Status.NextDueAt != nil && !now.Before(c.Status.NextDueAt.Time):
		return priorityDue
	case initialList:
		return priorityResync
	}
	return priorityEdit
}
