package controllers

import (
	"fmt"
	"time"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/ledger"
	"github.com/servicedesk-operator/servicedesk-operator/internal/text"
)

// escalationTransition is something that happened to an escalation: an Event.
type escalationTransition struct {
	Reason, Message string
}

// escalationFacts is what an escalation's status is decided from.
type escalationFacts struct {
	// Phase is decided by ladder.Phase.
	Phase supportv1.EscalationPhase
	// ComplaintUID is the complaint's uid; empty while it does not exist.
	ComplaintUID string
	// Policy governs the complaint; empty while none does (or it is unknown).
	Policy string
	// Targets are Policy's destinations of the escalation's level.
	Targets []string
	// Announcement are the complaint's notifications about the escalation
	// (a ladder level its complaint announced) with a failed attempt:
	// retrying or given up.
	Announcement []supportv1.Notification
}

// The escalation controller's status: nextEscalationStatus decides it
// whole (phase, stamps, policy, complaintUID, the Escalated ledger entry,
// Ready, Notified) and the write phase sends it. The recorder
// (controllers/delivery) writes the ledger's outcomes and notifiedAt; both
// set Notified with its one setter, ledger.SetNotifiedCondition, a
// function of the ledger, so the two writers never disagree.

// nextEscalationStatus decides an escalation's status. The Escalated
// notification is queued once, in the same write that records the policy
// whose destinations it goes to: at first sight when the complaint's policy
// is known, else as soon as it is, whatever the escalation's phase. Each phase change stamps its time, and
// the conditions say what is true: a complaint not seen yet, a policy not
// known yet, nobody to tell. Pure: now comes in.
func nextEscalationStatus(esc *supportv1.Escalation, f escalationFacts, now time.Time) (supportv1.EscalationStatus, []escalationTransition) {
	st := *esc.Status.DeepCopy()
	st.ObservedGeneration = esc.Generation
	stamp := metav1.NewTime(now.Truncate(time.Second))
	var out []escalationTransition
	say := func(reason, format string, args ...any) {
		out = append(out, escalationTransition{reason, fmt.Sprintf(format, args...)})
	}
	// A ladder level is told by its complaint's Breached or Escalated Event
	// (one API write per breach, not two); a request is told here.
	if esc.Status.ObservedGeneration == 0 && esc.Spec.Reason == supportv1.ReasonRequested {
		say(string(supportv1.EventEscalated), "Level %d (%s) escalation for complaint %s: %s", esc.Spec.Level, text.OrDash(esc.Spec.LevelName), esc.Spec.ComplaintName, describe(esc))
	}
	if st.ComplaintUID == "" {
		st.ComplaintUID = f.ComplaintUID
	}
	// Announced once, as soon as the complaint's policy is known, whatever
	// the escalation's phase by then: a level superseded at once (several
	// fell due during an outage) or closed meanwhile (the complaint was
	// resolved) was still reached, and its people are told (at least once,
	// like every event).
	// A ladder level its complaint announced (queueLevels) is not announced again.
	if st.Policy == "" && f.Policy != "" {
		st.Policy = f.Policy
		if !esc.IsAnnouncedByComplaint() {
			var seq int64
			st.Notifications, _ = ledger.Enqueue(st.Notifications, &seq, string(esc.UID), supportv1.EventEscalated, describe(esc), stamp.Time, f.Targets)
		}
	}
	if f.Phase != st.Phase {
		switch f.Phase {
		case supportv1.EscalationAcknowledged:
			st.AcknowledgedAt = &stamp
			say("Acknowledged", "Acknowledged by %s%s", esc.Spec.Acknowledgement.By, decisionSuffix(esc))
		case supportv1.EscalationSuperseded:
			st.ClosedAt = &stamp
			say("Superseded", "A higher level of the ladder was reached")
		case supportv1.EscalationClosed:
			st.ClosedAt = &stamp
			say("Closed", "The complaint is resolved or gone")
		}
		st.Phase = f.Phase
	}
	setEscalationReady(&st, esc, f, stamp)
	if esc.IsAnnouncedByComplaint() {
		ledger.SetAnnouncedCondition(&st, f.Announcement, len(f.Targets), esc.Generation, stamp.Time)
	} else {
		ledger.SetNotifiedCondition(&st, esc.Generation, stamp.Time)
	}
	return st, out
}

// untouchedLevel says whether an escalation's decided status need not be
// written: a ladder level its complaint announced, never written, still
// Open, ready, and told (or with nobody to tell): nothing to show. Its status reads Open (the CRD's
// default) until something changes, so a breach costs no escalation status
// write; the first change writes everything.
func untouchedLevel(esc *supportv1.Escalation, st supportv1.EscalationStatus, ts []escalationTransition) bool {
	return esc.IsAnnouncedByComplaint() && esc.Status.ObservedGeneration == 0 && len(ts) == 0 &&
		st.Phase == supportv1.EscalationOpen && len(st.Notifications) == 0 &&
		apimeta.IsStatusConditionTrue(st.Conditions, supportv1.ConditionReady) &&
		apimeta.FindStatusCondition(st.Conditions, supportv1.ConditionReconciling) == nil &&
		toldOrNobody(apimeta.FindStatusCondition(st.Conditions, supportv1.ConditionNotified))
}

// toldOrNobody: the level was told, or has nobody to tell.
func toldOrNobody(c *metav1.Condition) bool {
	return c != nil && (c.Status == metav1.ConditionTrue || c.Reason == supportv1.ReasonNoDestinations)
}

// setEscalationReady says whether the escalation is usable: the one setter
// of its Ready (False while its complaint does not exist yet).
func setEscalationReady(st *supportv1.EscalationStatus, esc *supportv1.Escalation, f escalationFacts, stamp metav1.Time) {
	ready := metav1.Condition{Type: supportv1.ConditionReady, Status: metav1.ConditionTrue, Reason: supportv1.ReasonReconciled,
		Message: "phase " + string(st.Phase), ObservedGeneration: esc.Generation, LastTransitionTime: stamp}
	if f.ComplaintUID == "" && st.Phase == supportv1.EscalationOpen {
		ready.Status, ready.Reason = metav1.ConditionFalse, supportv1.ReasonComplaintNotFound
		ready.Message = fmt.Sprintf("complaint %s does not exist (yet): the escalation waits for it", esc.Spec.ComplaintName)
	}
	apimeta.SetStatusCondition(&st.Conditions, ready)
}

func describe(e *supportv1.Escalation) string {
	switch e.Spec.Reason {
	case supportv1.ReasonRequested:
		return fmt.Sprintf("%s asks: %s", e.Spec.RequestedBy, e.Spec.Question)
	case supportv1.ReasonRequestUndecided:
		return fmt.Sprintf("undecided below: %s asks: %s", e.Spec.RequestedBy, e.Spec.Question)
	}
	return string(e.Spec.Reason)
}

func decisionSuffix(e *supportv1.Escalation) string {
	if e.Spec.Acknowledgement.Decision == "" {
		return ""
	}
	return "; decision: " + e.Spec.Acknowledgement.Decision
}
