package controllers

import (
	"context"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// escalationScope is what one reconcile of an escalation works on:
// gathered once from the cache, then decided and written.
type escalationScope struct {
	esc *supportv1.Escalation
	// complaint is the escalation's complaint (nil: none, or not cached
	// yet); gone says it existed and no longer does.
	complaint *supportv1.Complaint
	gone      bool
	// remedySettled: the overdue remedy (reason RemedyOverdue) was
	// reported, cancelled, or is gone.
	remedySettled bool
	// siblings are the complaint's escalations (read-only cache views).
	siblings []supportv1.Escalation
	facts    escalationFacts
	now      time.Time

	// status is the decided status; transitions its Events.
	status      supportv1.EscalationStatus
	transitions []escalationTransition
}

// gather reads the escalation, its complaint, the complaint's policy and
// the siblings. It returns nil (and when to look again) when there is
// nothing to decide yet: the escalation is gone, or its complaint exists
// but has not reached the cache.
func (r *EscalationReconciler) gather(ctx context.Context, req ctrl.Request) (*escalationScope, ctrl.Result, error) {
	var esc supportv1.Escalation
	if err := r.Get(ctx, req.NamespacedName, &esc); err != nil {
		return nil, ctrl.Result{}, client.IgnoreNotFound(err)
	}
	s := &escalationScope{esc: &esc, now: r.Clock.Now()}
	var err error
	if s.complaint, s.gone, err = r.complaintOf(ctx, &esc); err != nil {
		return nil, ctrl.Result{}, err
	}
	if s.complaint == nil && !s.gone {
		// In the API server but not yet in the cache: never judge from that.
		if err := r.Reader.Get(ctx, client.ObjectKey{Namespace: esc.Namespace, Name: esc.Spec.ComplaintName}, &supportv1.Complaint{}); err == nil {
			return nil, ctrl.Result{RequeueAfter: cacheLagRecheck}, nil
		} else if !apierrors.IsNotFound(err) {
			return nil, ctrl.Result{}, err
		}
	}
	if s.complaint != nil && s.complaint.Status.Policy == "" && esc.IsAnnouncedByComplaint() && esc.Status.ObservedGeneration == 0 {
		// Its complaint announces it and is governed (the ladder is its
		// policy's): the cache is behind; the complaint's policy wakes it.
		return nil, ctrl.Result{}, nil
	}
	if err := r.policyFacts(ctx, s); err != nil {
		return nil, ctrl.Result{}, err
	}
	if esc.Spec.Reason.IsRemedy() {
		var rem supportv1.Remedy
		err := r.Get(ctx, client.ObjectKey{Namespace: esc.Namespace, Name: esc.Spec.RemedyName}, &rem)
		if client.IgnoreNotFound(err) != nil {
			return nil, ctrl.Result{}, err
		}
		s.remedySettled = apierrors.IsNotFound(err) || (rem.Status.Phase != "" && rem.Status.Phase != supportv1.RemedyPending)
	}
	var siblings supportv1.EscalationList
	if err := r.List(ctx, &siblings, client.InNamespace(esc.Namespace), client.MatchingFields{indexEscalationComplaint: esc.Spec.ComplaintName}, client.UnsafeDisableDeepCopy); err != nil {
		return nil, ctrl.Result{}, err
	}
	s.siblings = siblings.Items
	return s, ctrl.Result{}, nil
}

// policyFacts records the complaint's uid and, until the escalation has
// announced itself, its complaint's policy and the level's destinations.
func (r *EscalationReconciler) policyFacts(ctx context.Context, s *escalationScope) error {
	if s.complaint == nil {
		return nil
	}
	s.facts.ComplaintUID = string(s.complaint.UID)
	if s.esc.IsAnnouncedByComplaint() {
		// On its way (no attempt recorded yet) is being told: only a
		// failed attempt is worth a write of the escalation's status.
		for _, n := range s.complaint.Status.Notifications {
			if n.Escalation == s.esc.Name && (n.Attempts > 0 || n.Failed) {
				s.facts.Announcement = append(s.facts.Announcement, n)
			}
		}
	}
	name := s.complaint.Status.Policy
	if name == "" || (s.esc.Status.Policy != "" && !s.esc.IsAnnouncedByComplaint()) {
		return nil
	}
	var policy supportv1.ServicePolicy
	if err := r.Get(ctx, client.ObjectKey{Namespace: s.esc.Namespace, Name: name}, &policy); err != nil {
		return client.IgnoreNotFound(err)
	}
	s.facts.Policy = name
	s.facts.Targets = policy.Spec.DestinationsFor(supportv1.EventEscalated, policy.Spec.EscalationNotify(s.esc))
	return nil
}

// complaintOf returns the escalation's complaint from the cache, judged by
// judgeComplaint.
func (r *EscalationReconciler) complaintOf(ctx context.Context, esc *supportv1.Escalation) (*supportv1.Complaint, bool, error) {
	var c supportv1.Complaint
	err := r.Get(ctx, client.ObjectKey{Namespace: esc.Namespace, Name: esc.Spec.ComplaintName}, &c)
	if apierrors.IsNotFound(err) {
		current, gone := judgeComplaint(esc, nil)
		return current, gone, nil
	} else if err != nil {
		return nil, false, err
	}
	current, gone := judgeComplaint(esc, &c)
	return current, gone, nil
}

// judgeComplaint decides what the escalation's complaint is, given the one
// of its name found (nil: none). It is gone when the complaint the
// escalation was seen with (status.complaintUID), or that owns it, no
// longer exists or was replaced by another of the same name; a complaint
// never seen is not gone: it may be applied after its escalation.
func judgeComplaint(esc *supportv1.Escalation, found *supportv1.Complaint) (current *supportv1.Complaint, gone bool) {
	seen := esc.Status.ComplaintUID
	for _, o := range esc.OwnerReferences {
		if o.Kind == "Complaint" && seen == "" {
			seen = string(o.UID)
		}
	}
	switch {
	case found == nil:
		return nil, seen != ""
	case seen != "" && string(found.UID) != seen:
		return nil, true
	}
	return found, false
}
