package controllers

import (
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// escalationTransition is something that happened to an escalation: an Event.
type escalationTransition struct {
	Reason, Message string
}

// nextEscalationStatus decides an escalation's status from its phase (decided
// by ladder.Phase) and the destinations of its level: on first sight it
// queues the Escalated notification (in the same write, so it is queued
// once), and each phase change stamps its time. Pure: now comes in.
func nextEscalationStatus(esc *supportv1.Escalation, phase supportv1.EscalationPhase, targets []string, now time.Time) (supportv1.EscalationStatus, []escalationTransition) {
	st := *esc.Status.DeepCopy()
	st.ObservedGeneration = esc.Generation
	stamp := metav1.NewTime(now.Truncate(time.Second))
	var out []escalationTransition
	say := func(reason, format string, args ...any) {
		out = append(out, escalationTransition{reason, fmt.Sprintf(format, args...)})
	}
	if st.Phase == "" {
		st.Notifications, _ = enqueue(st.Notifications, new(int64), string(esc.UID), supportv1.EventEscalated, string(esc.Spec.Reason), stamp.Time, targets)
		if len(targets) == 0 {
			st.NotifiedAt = &stamp
		}
		say(string(supportv1.EventEscalated), "Level %d (%s) escalation for complaint %s: %s", esc.Spec.Level, orDash(esc.Spec.LevelName), esc.Spec.ComplaintName, describe(esc))
	}
	if phase != st.Phase {
		switch phase {
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
		st.Phase = phase
	}
	setEscalationConditions(&st, esc.Generation, stamp.Time)
	return st, out
}

// recordDeliveries folds a delivery pass into the escalation's status:
// notifiedAt once every destination has it.
func recordDeliveries(st *supportv1.EscalationStatus, gen int64, list []supportv1.Notification, delivered int, now time.Time) {
	st.Notifications = list
	if pending(list) == 0 && st.NotifiedAt == nil && delivered > 0 {
		t := metav1.NewTime(now.Truncate(time.Second))
		st.NotifiedAt = &t
	}
	setEscalationConditions(st, gen, now.Truncate(time.Second))
}
