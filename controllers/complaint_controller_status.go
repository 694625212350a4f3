package controllers

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/ledger"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/sla"
	"github.com/servicedesk-operator/servicedesk-operator/internal/text"
)

// The complaint controller's status: sla.Evaluate decides the clocks, the
// lifecycle and their conditions; this file sets everything else the
// controller owns in the draft (the escalations' summary, Escalated, the
// ledger's new entries, the archive) and is its one writer: every history
// entry of the controller goes through recordHistory, every status write
// through writeStatus. The recorder (controllers/delivery) writes only the
// outcomes of deliveries.

const maxEscalationSummaries = 20

// writeStatus writes st when it differs from what the complaint has.
func (r *ComplaintReconciler) writeStatus(ctx context.Context, c *supportv1.Complaint, st *supportv1.ComplaintStatus) error {
	if equality.Semantic.DeepEqual(c.Status, *st) {
		return nil
	}
	c.Status = *st
	// The cache's managedFields are compacted; sent back, the API server
	// would take them for the object's. Sent empty, it keeps its own.
	c.ManagedFields = nil
	return r.Status().Update(ctx, c)
}

// recordHistory appends the transitions to the history (bounded).
func recordHistory(st *supportv1.ComplaintStatus, ts ...sla.Transition) {
	entries := make([]supportv1.HistoryEntry, 0, len(ts))
	for _, t := range ts {
		entries = append(entries, t.HistoryEntry())
	}
	st.AppendHistory(entries...)
}

// recordEscalations records the complaint's escalations in st (summaries,
// the level reached, Escalated) and their news in its history; it returns
// the news.
func recordEscalations(c *supportv1.Complaint, st *supportv1.ComplaintStatus, escs []supportv1.Escalation, now time.Time) []sla.Transition {
	var news []sla.Transition
	st.Escalations, st.EscalationLevel, news = summarizeEscalations(c.Status.Escalations, escs, now)
	setEscalatedCondition(st, c.Generation, now)
	recordHistory(st, news...)
	return news
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
		if !s.Reason.IsRequest() && !s.Reason.IsRemedy() && s.Level > level {
			level = s.Level
		}
		before, known := old[e.Name]
		if !known {
			ts = append(ts, escalatedTransition(&e, now))
		}
		if s.AcknowledgedBy != "" && (before.AcknowledgedBy != s.AcknowledgedBy || before.Decision != s.Decision) {
			msg := fmt.Sprintf("Escalation %s acknowledged by %s", e.Name, s.AcknowledgedBy)
			if s.Decision != "" {
				msg += "; decision: " + s.Decision
			}
			ts = append(ts, sla.Transition{Reason: supportv1.ReasonEscalationAcknowledged, Message: msg, At: now,
				Escalation: e.Name, Level: e.Spec.Level, EscalationReason: e.Spec.Reason, By: s.AcknowledgedBy})
		}
		out = append(out, s)
	}
	if len(out) > maxEscalationSummaries {
		out = out[len(out)-maxEscalationSummaries:]
	}
	return out, level, ts
}

// escalatedTransition tells a new escalation: a ladder level reached (a
// Warning) or an agent's request for a decision.
func escalatedTransition(e *supportv1.Escalation, now time.Time) sla.Transition {
	t := sla.Transition{Reason: string(supportv1.EventEscalated), Warning: true, At: now,
		Escalation: e.Name, Level: e.Spec.Level, EscalationReason: e.Spec.Reason,
		Message: fmt.Sprintf("Escalated to level %d (%s): %s", e.Spec.Level, text.OrDash(e.Spec.LevelName), e.Spec.Reason)}
	switch e.Spec.Reason {
	case supportv1.ReasonRequested:
		t.Warning, t.By = false, e.Spec.RequestedBy
		t.Message = fmt.Sprintf("%s asks level %d for a decision: %s", e.Spec.RequestedBy, e.Spec.Level, e.Spec.Question)
	case supportv1.ReasonRequestUndecided:
		t.By = e.Spec.RequestedBy
		t.Message = fmt.Sprintf("Undecided at level %d: %s asks level %d (%s) for a decision: %s", e.Spec.Level-1, e.Spec.RequestedBy, e.Spec.Level, text.OrDash(e.Spec.LevelName), e.Spec.Question)
	case supportv1.ReasonAckTimedOut:
		t.Message = fmt.Sprintf("Escalated to level %d (%s): %s acknowledged, then no progress", e.Spec.Level, text.OrDash(e.Spec.LevelName), e.Spec.Follows)
	case supportv1.ReasonRemedyOverdue:
		t.Remedy = e.Spec.RemedyName
		t.Message = fmt.Sprintf("Remedy %s overdue: %s missed its target; escalated to its destinations", e.Spec.RemedyName, text.OrDash(e.Spec.LevelName))
	}
	return t
}

// isLevelReached tells a ladder level reached from a request or an
// acknowledgement among summarizeEscalations' transitions.
func isLevelReached(t sla.Transition) bool {
	return t.Reason == string(supportv1.EventEscalated) && t.Escalation != "" && t.EscalationReason != supportv1.ReasonRequested
}

// setEscalatedCondition says how far the complaint climbed: the one setter
// of Escalated.
func setEscalatedCondition(st *supportv1.ComplaintStatus, gen int64, now time.Time) {
	c := metav1.Condition{Type: supportv1.ConditionEscalated, Status: metav1.ConditionFalse, Reason: supportv1.ReasonNotEscalated,
		Message: "no escalation", ObservedGeneration: gen, LastTransitionTime: metav1.NewTime(now.Truncate(time.Second))}
	if st.EscalationLevel > 0 {
		c.Status, c.Reason = metav1.ConditionTrue, string(supportv1.EventEscalated)
		c.Message = fmt.Sprintf("escalated to level %d", st.EscalationLevel)
	}
	apimeta.SetStatusCondition(&st.Conditions, c)
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
	for _, t := range numbering(ts) {
		if t.Event == "" || (announced && t.Event == supportv1.EventCreated) {
			continue
		}
		targets := policy.Spec.DestinationsFor(t.Event, t.Notify)
		if len(targets) == 0 {
			continue
		}
		var d []string
		st.Notifications, d = ledger.Enqueue(st.Notifications, &st.NotificationSeq, string(c.UID), t.Event, webhookDetail(t), t.At, targets)
		dropped = append(dropped, d...)
		if t.Remedy != "" {
			ledger.About(st.Notifications, string(c.UID), t.Event, st.NotificationSeq, t.Remedy)
		}
	}
	return dropped
}

// numbering orders a pass's transitions for the numbers of their
// notifications (ledger.NumberedFirst): Created first, then AtRisk and
// Breached by the instant they fell due, then the rest as decided. So
// those first may be sent before the write that records them (Inline). A
// pass that missed a whole clock (a reopening and the new clock's breach
// together) numbers the breach first; both carry their occurredAt.
func numbering(ts []sla.Transition) []sla.Transition {
	out := make([]sla.Transition, 0, len(ts))
	var deadlines, rest []sla.Transition
	for _, t := range ts {
		switch {
		case t.Event == supportv1.EventCreated:
			out = append(out, t)
		case ledger.NumberedFirst(t.Event):
			deadlines = append(deadlines, t)
		default:
			rest = append(rest, t)
		}
	}
	slices.SortStableFunc(deadlines, func(a, b sla.Transition) int { return a.FellDue.Compare(b.FellDue) })
	return append(append(out, deadlines...), rest...)
}

// queueLevels queues the Escalated notification of each ladder level the
// complaint announces (supportv1.AnnotationAnnouncedBy) among news, the
// escalations recorded for the first time in st: in the write that records
// the breach, so a level needs no status write of its own to be told, and
// a retried pass (news are decided against the stored status) queues it
// exactly once. The id is the escalation's own (ledger.EscalatedID), as
// when an escalation announces itself. It returns the notifications
// dropped past the bound.
func queueLevels(c *supportv1.Complaint, st *supportv1.ComplaintStatus, policy *sla.Policy, news []sla.Transition, escs []supportv1.Escalation) []string {
	if policy == nil {
		return nil
	}
	var dropped []string
	for _, t := range news {
		if !isLevelReached(t) {
			continue
		}
		esc := findEscalation(escs, t.Escalation)
		if esc == nil || !esc.IsAnnouncedByComplaint() {
			continue
		}
		targets := policy.Spec.DestinationsFor(supportv1.EventEscalated, policy.Spec.EscalationNotify(esc))
		if len(targets) == 0 {
			continue
		}
		id := ledger.EscalatedID(string(esc.UID))
		if ledger.Find(st.Notifications, id, targets[0]) != nil {
			continue // queued by a pass whose summary was trimmed since
		}
		var d []string
		st.Notifications, d = ledger.EnqueueID(st.Notifications, id, supportv1.EventEscalated, describe(esc), t.At, targets)
		for i := range st.Notifications {
			if st.Notifications[i].ID == id {
				st.Notifications[i].Escalation = esc.Name
			}
		}
		dropped = append(dropped, d...)
	}
	return dropped
}

func findEscalation(escs []supportv1.Escalation, name string) *supportv1.Escalation {
	for i := range escs {
		if escs[i].Name == name {
			return &escs[i]
		}
	}
	return nil
}

// webhookDetail is the text a receiver gets for a transition: never the
// customer's name or contact.
func webhookDetail(t sla.Transition) string {
	if t.Detail != "" {
		return t.Detail
	}
	return t.Message
}

// archivedStatus is the status of a complaint whose deletion began: stamped
// archived, with its Archived event queued for the destinations that keep
// records, and told in its history.
func archivedStatus(c *supportv1.Complaint, policy *sla.Policy, now time.Time) *supportv1.ComplaintStatus {
	st := c.Status.DeepCopy()
	st.ArchivedAt = &metav1.Time{Time: now.Truncate(time.Second)}
	st.Notifications, _ = ledger.Enqueue(st.Notifications, &st.NotificationSeq, string(c.UID), supportv1.EventArchived,
		"Complaint archived: its record leaves the cluster", now, archiveTargets(policy))
	recordHistory(st, sla.Transition{At: now, Reason: string(supportv1.EventArchived),
		Message: "Archived: the record is sent to the destinations that keep it before the complaint is deleted"})
	return st
}
