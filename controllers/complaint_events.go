package controllers

import (
	"strings"

	corev1 "k8s.io/api/core/v1"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/sla"
)

func (r *ComplaintReconciler) event(c *supportv1.Complaint, t sla.Transition) {
	typ := corev1.EventTypeNormal
	if t.Warning {
		typ = corev1.EventTypeWarning
	}
	r.Recorder.Eventf(c, nil, typ, t.Reason, actionOf(t), "%s", t.Message)
}

// worthAnEvent says which transitions become Kubernetes Events: those a
// person acts on. The recording of a complaint is not one (the object and
// its history tell it), and at intake it would double the API writes; nor
// is a change of owner, which a person made and the history tells.
func worthAnEvent(t sla.Transition) bool {
	return t.Event != supportv1.EventCreated && t.Reason != supportv1.ReasonOwnerChanged
}

// complaintEvents are the Kubernetes Events of one pass. Events are API
// writes, so a breach and the ladder levels it reached are one Event: the
// levels are told in the Breached Event's message. Levels reached in a pass
// without a breach (a later climb) are one Escalated Event. Requests and
// acknowledgements are told by the Escalation's own Events; history keeps
// them all.
func complaintEvents(ts, escTransitions []sla.Transition) []sla.Transition {
	var out []sla.Transition
	breached := -1
	for _, t := range ts {
		if !worthAnEvent(t) {
			continue
		}
		if t.Event == supportv1.EventBreached {
			breached = len(out)
		}
		out = append(out, t)
	}
	var levels []string
	for _, t := range escTransitions {
		if isLevelReached(t) {
			levels = append(levels, t.Message)
		}
	}
	switch {
	case len(levels) == 0:
	case breached >= 0:
		out[breached].Message += "; " + strings.Join(levels, "; ")
	default:
		out = append(out, sla.Transition{Reason: string(supportv1.EventEscalated), Warning: true, Message: strings.Join(levels, "; ")})
	}
	return out
}

func actionOf(t sla.Transition) string {
	if t.Event != "" {
		return string(t.Event)
	}
	return t.Reason
}
