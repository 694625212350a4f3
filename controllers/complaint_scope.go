package controllers

import (
	"context"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/sla"
)

// complaintScope is what one reconcile of a complaint works on: gathered
// once from the cache, then read and written by the phases in order. Only
// the write phase sends status to the API server.
type complaintScope struct {
	complaint *supportv1.Complaint
	// policy governs the complaint (nil: none), for the reason told.
	policy                      *sla.Policy
	policyReason, policyMessage string
	// escalations of the complaint: read-only views of the cache, plus
	// those the climb created.
	escalations []supportv1.Escalation
	// remedies of the complaint (read only while its resolution has
	// actions): read-only views of the cache.
	remedies []supportv1.Remedy
	// now is when the decision is made.
	now time.Time

	// status is the draft status the phases decide; transitions are
	// Evaluate's, escalated those of the escalations' summary.
	status      *supportv1.ComplaintStatus
	transitions []sla.Transition
	escalated   []sla.Transition
	// dropped are the notifications dropped past the ledger's bound.
	dropped []string
	// next is when to look again (zero: nothing due).
	next time.Time

	// done ends the reconcile after the phase that set it, with result.
	done   bool
	result ctrl.Result
}

// gather reads the complaint, its policy and its escalations; nil when the
// complaint is gone.
func (r *ComplaintReconciler) gather(ctx context.Context, req ctrl.Request) (*complaintScope, error) {
	var complaint supportv1.Complaint
	if err := r.Get(ctx, req.NamespacedName, &complaint); err != nil {
		return nil, client.IgnoreNotFound(err)
	}
	s := &complaintScope{complaint: &complaint, now: r.Clock.Now()}
	var err error
	if s.policy, s.policyReason, s.policyMessage, err = r.policyFor(ctx, &complaint); err != nil {
		return nil, err
	}
	if !complaint.DeletionTimestamp.IsZero() {
		return s, nil // the archive lists what it deletes itself
	}
	var escs supportv1.EscalationList
	// Read-only views of the cache: no deep copy on this hot path.
	if err := r.List(ctx, &escs, client.InNamespace(complaint.Namespace), client.MatchingFields{indexEscalationComplaint: complaint.Name}, client.UnsafeDisableDeepCopy); err != nil {
		return nil, err
	}
	s.escalations = escs.Items
	if !sla.CarriedOut(complaint.Spec.Resolution) {
		return s, nil // no remedy to follow or create: no List on this hot path
	}
	var rems supportv1.RemedyList
	if err := r.List(ctx, &rems, client.InNamespace(complaint.Namespace), client.MatchingFields{indexRemedyComplaint: complaint.Name}, client.UnsafeDisableDeepCopy); err != nil {
		return nil, err
	}
	s.remedies = rems.Items
	return s, nil
}

// policyFor selects and compiles the complaint's policy.
func (r *ComplaintReconciler) policyFor(ctx context.Context, c *supportv1.Complaint) (*sla.Policy, string, string, error) {
	var list supportv1.ServicePolicyList
	if err := r.List(ctx, &list, client.InNamespace(c.Namespace), client.UnsafeDisableDeepCopy); err != nil {
		return nil, "", "", err
	}
	chosen, reason, message := sla.Select(list.Items, c)
	if chosen == nil {
		return nil, reason, message, nil
	}
	compiledPolicy, err := r.Policies.get(chosen)
	if err != nil {
		return nil, supportv1.ReasonInvalidPolicy, fmt.Sprintf("policy %s cannot be applied: %v", chosen.Name, err), nil
	}
	return compiledPolicy, reason, message, nil
}

// remedyFacts are what the complaint's evaluation knows of its remedies:
// those it owns, with when each department's report was recorded.
func remedyFacts(c *supportv1.Complaint, rems []supportv1.Remedy) []sla.RemedyFact {
	var facts []sla.RemedyFact
	for i := range rems {
		r := &rems[i]
		if !metav1.IsControlledBy(r, c) {
			continue
		}
		f := sla.RemedyFact{Name: r.Name, RequestedAt: r.Spec.RequestedAt.Time, Fulfilment: r.Spec.Fulfilment, FulfilledAt: sla.FulfilmentRecordedAt(r)}
		if r.Status.FulfilledAt != nil {
			f.FulfilledAt = r.Status.FulfilledAt.Time
		}
		facts = append(facts, f)
	}
	return facts
}
