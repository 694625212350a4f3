package ledger

import (
	"fmt"
	"strings"
	"time"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// SetNotificationFailedCondition is True on a complaint while any of its
// deliveries has given up.
func SetNotificationFailedCondition(conds *[]metav1.Condition, list []supportv1.Notification, gen int64, now time.Time) {
	var failed []string
	for _, n := range list {
		if n.Failed {
			failed = append(failed, fmt.Sprintf("%s to %s: %s", n.Event, n.Target, n.LastError))
		}
	}
	if len(failed) == 0 {
		apimeta.RemoveStatusCondition(conds, supportv1.ConditionNotificationFailed)
		return
	}
	apimeta.SetStatusCondition(conds, metav1.Condition{Type: supportv1.ConditionNotificationFailed, Status: metav1.ConditionTrue,
		Reason: supportv1.ReasonDeliveryFailed, Message: strings.Join(failed, "; "), ObservedGeneration: gen, LastTransitionTime: metav1.NewTime(now.Truncate(time.Second))})
}

// SetNotifiedCondition says truthfully whether the escalation's level was
// told: waiting for the complaint's policy, nobody to tell, pending, given
// up; True once a destination took it (notifiedAt), with what is still
// pending or gave up in the message.
func SetNotifiedCondition(st *supportv1.EscalationStatus, gen int64, now time.Time) {
	c := metav1.Condition{Type: supportv1.ConditionNotified, Status: metav1.ConditionFalse, ObservedGeneration: gen, LastTransitionTime: metav1.NewTime(now.Truncate(time.Second))}
	pending := Pending(st.Notifications)
	var failed []string
	for _, n := range st.Notifications {
		if n.Failed {
			failed = append(failed, fmt.Sprintf("%s: %s", n.Target, n.LastError))
		}
	}
	switch {
	case st.NotifiedAt != nil:
		c.Status, c.Reason, c.Message = metav1.ConditionTrue, supportv1.ReasonDelivered, "the level's destinations were told"
		if pending > 0 {
			c.Message += fmt.Sprintf("; %d deliveries still pending", pending)
		}
		if len(failed) > 0 {
			c.Message += "; gave up on " + strings.Join(failed, "; ")
		}
	case st.Policy == "":
		c.Reason, c.Message = supportv1.ReasonAwaitingPolicy, "the complaint has no policy yet: the level's destinations are told once one governs it"
	case len(st.Notifications) == 0:
		c.Reason, c.Message = supportv1.ReasonNoDestinations, "policy "+st.Policy+" names no webhook destination for this escalation: nobody was told"
	case pending == 0:
		c.Reason, c.Message = supportv1.ReasonDeliveryFailed, "every delivery gave up: "+strings.Join(failed, "; ")
	default:
		c.Reason, c.Message = supportv1.ReasonPending, fmt.Sprintf("%d deliveries pending", pending)
	}
	apimeta.SetStatusCondition(&st.Conditions, c)
	// Telling the level is the escalation's work: Reconciling until it is
	// done or cannot be done.
	if c.Reason == supportv1.ReasonPending || c.Reason == supportv1.ReasonAwaitingPolicy {
		apimeta.SetStatusCondition(&st.Conditions, metav1.Condition{Type: supportv1.ConditionReconciling, Status: metav1.ConditionTrue,
			ObservedGeneration: gen, LastTransitionTime: c.LastTransitionTime, Reason: c.Reason, Message: "telling the level's destinations: " + c.Message})
	} else {
		apimeta.RemoveStatusCondition(&st.Conditions, supportv1.ConditionReconciling)
	}
}

// SetAnnouncedCondition is SetNotifiedCondition for a ladder level its
// complaint announced: view are the complaint's notifications about it
// (pending or given up; delivered ones have left), targets how many
// destinations the level has. Told once none is pending or failed.
func SetAnnouncedCondition(st *supportv1.EscalationStatus, view []supportv1.Notification, targets int, gen int64, now time.Time) {
	probe := supportv1.EscalationStatus{Policy: st.Policy, Notifications: view}
	if st.Policy != "" && targets > 0 && len(view) == 0 {
		told := metav1.NewTime(now)
		probe.NotifiedAt = &told // by its complaint, in or after the write that recorded the breach
	}
	probe.Conditions = st.Conditions
	SetNotifiedCondition(&probe, gen, now)
	if probe.NotifiedAt != nil {
		c := apimeta.FindStatusCondition(probe.Conditions, supportv1.ConditionNotified)
		c.Message = "its complaint told the level's destinations"
	}
	st.Conditions = probe.Conditions
}
