package controllers

import (
	"context"
	"maps"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/ledger"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/internal/requeue"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/ladder"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/sla"
)

// complaintPhase is one named part of a complaint's reconcile.
type complaintPhase struct {
	name string
	run  func(*ComplaintReconciler, context.Context, *complaintScope) error
}

// complaintPhases run in this order on the scope. Deciding and queueing
// only change the draft status; write sends it in one update, so a
// transition and its notifications are recorded together or not at all.
var complaintPhases = []complaintPhase{
	{"retire", (*ComplaintReconciler).retirePhase},         // being deleted or past retention: archive or delete, and stop
	{"decide", (*ComplaintReconciler).decide},              // sla.Evaluate → draft status (clocks, lifecycle, conditions, history), transitions, next
	{"climb", (*ComplaintReconciler).climb},                // ladder.Decide → the levels' Escalations; escalations, escalationLevel, Escalated, history
	{"queue", (*ComplaintReconciler).queue},                // transitions → notifications, announced
	{"write", (*ComplaintReconciler).write},                // the draft status → the API server (one update)
	{"remedies", (*ComplaintReconciler).ensureRemedies},    // remediesRequestedAt, the actions → one Remedy per action of the round
	{"finalizer", (*ComplaintReconciler).archiveFinalizer}, // the archive finalizer, when the policy keeps records
	{"observe", (*ComplaintReconciler).observe},            // metrics, Events, when to look again
}

// retirePhase archives a complaint being deleted and deletes one past its
// policy's retention; either ends the reconcile.
func (r *ComplaintReconciler) retirePhase(ctx context.Context, s *complaintScope) error {
	c := s.complaint
	if !c.DeletionTimestamp.IsZero() {
		s.done = true
		return r.finalize(ctx, s)
	}
	if due, ok := retentionDue(c, s.policy); ok && !s.now.Before(due) {
		s.done = true
		return r.retire(ctx, c)
	}
	return nil
}

// decide lets sla.Evaluate decide the clocks and the lifecycle.
func (r *ComplaintReconciler) decide(_ context.Context, s *complaintScope) error {
	res := sla.Evaluate(sla.Input{Complaint: s.complaint, Policy: s.policy, PolicyReason: s.policyReason, PolicyMessage: s.policyMessage,
		Remedies: remedyFacts(s.complaint, s.remedies), Now: s.now})
	s.status, s.transitions, s.next = &res.Status, res.Transitions, res.Next
	s.status.ObservedGeneration = s.complaint.Generation
	return nil
}

// climb creates the ladder levels the new status reached (deterministic
// names: never twice) and records the escalations in the draft status.
func (r *ComplaintReconciler) climb(ctx context.Context, s *complaintScope) error {
	c := s.complaint
	decision := ladder.Decide(ladderInput(c, s.status, s.policy, s.escalations, s.now))
	s.next = requeue.Earliest(s.next, decision.Next)
	for _, l := range decision.Create {
		esc := newLevelEscalation(c, l)
		if err := controllerutil.SetControllerReference(c, esc, r.Scheme()); err != nil {
			return err
		}
		if err := r.createEscalation(ctx, esc); err != nil {
			return err
		}
		r.Metrics.observeEscalation(esc, r.Clock.Now())
		s.escalations = append(s.escalations, *esc)
	}
	if len(decision.Create) > 0 {
		// The levels just created have deadlines of their own (a request's
		// decideWithin): look again when the first falls due.
		again := ladder.FollowUps(ladderInput(c, s.status, s.policy, s.escalations, s.now))
		s.next = requeue.Earliest(s.next, again.Next)
		if len(again.Create) > 0 {
			s.next = requeue.Earliest(s.next, s.now)
		}
	}
	s.escalated = recordEscalations(c, s.status, s.escalations, s.now)
	return nil
}

// queue queues the transitions' notifications in the draft status: in the
// same write as the transitions, nothing fires twice, nothing is lost.
func (r *ComplaintReconciler) queue(_ context.Context, s *complaintScope) error {
	s.dropped = queueNotifications(s.complaint, s.status, s.policy, s.transitions)
	s.dropped = append(s.dropped, queueLevels(s.complaint, s.status, s.policy, s.escalated, s.escalations)...)
	return nil
}

// write sends the draft status. The notifications it queued are sent just
// before (Inline, bounded wait), so it records their outcomes as well.
func (r *ComplaintReconciler) write(ctx context.Context, s *complaintScope) error {
	var batch *delivery.InlineBatch
	if s.policy != nil && !equality.Semantic.DeepEqual(s.complaint.Status.Notifications, s.status.Notifications) {
		draft := s.complaint.DeepCopyObject().(*supportv1.Complaint)
		draft.Status = *s.status
		batch = r.Inline.Send(ctx, s.complaint, draft, s.policy.Spec, s.escalations)
		s.status = &draft.Status
	}
	seq := s.complaint.Status.NotificationSeq
	err := r.writeStatus(ctx, s.complaint, s.status)
	batch.Written(err == nil)
	if err == nil && s.status.NotificationSeq > seq {
		r.Inline.Wrote(s.complaint.UID, s.status.NotificationSeq)
	}
	return err
}

// archiveFinalizer holds the deletion of a complaint whose records are kept.
func (r *ComplaintReconciler) archiveFinalizer(ctx context.Context, s *complaintScope) error {
	return r.ensureArchiveFinalizer(ctx, s.complaint, s.policy)
}

// observe counts what the write recorded, tells it in Events and decides
// when to look again (a deadline first in the queue).
func (r *ComplaintReconciler) observe(ctx context.Context, s *complaintScope) error {
	c, log := s.complaint, logf.FromContext(ctx)
	if due, ok := retentionDue(c, s.policy); ok {
		s.next = requeue.Earliest(s.next, due)
	}
	r.Metrics.observeTransitions(c, s.status.Policy, s.transitions, r.Clock.Now())
	for _, t := range complaintEvents(s.transitions, s.escalated) {
		if !r.Events.allow(c, s.status.Policy, t.Reason) {
			continue
		}
		r.event(c, t)
		log.V(1).Info("transition", "reason", t.Reason, "message", t.Message)
	}
	for _, d := range s.dropped {
		r.Recorder.Eventf(c, nil, corev1.EventTypeWarning, supportv1.ReasonDeliveryFailed, "Notify", "notification dropped: more than %d pending: %s", ledger.MaxPending, d)
	}
	s.result = requeue.At(s.next, r.Clock.Now())
	if s.result.RequeueAfter > 0 {
		s.result.Priority = ptr.To(priorityDue) // the next look is a deadline
	}
	return nil
}

// createEscalation creates a level's escalation once. Should its name be
// taken by another complaint's escalation (complaint "a" at level "b-c" and
// complaint "a-b" at level "c"), a name qualified by the complaint's UID is used.
func (r *ComplaintReconciler) createEscalation(ctx context.Context, esc *supportv1.Escalation) error {
	err := r.Create(ctx, esc)
	if err == nil {
		r.escalationsCreated.add(esc.UID)
	}
	if !apierrors.IsAlreadyExists(err) {
		return err
	}
	var other supportv1.Escalation
	if err := r.Reader.Get(ctx, client.ObjectKeyFromObject(esc), &other); err != nil {
		return err
	}
	if other.Spec.ComplaintName == esc.Spec.ComplaintName {
		*esc = other // created by an earlier pass: its uid names its Escalated event
		return nil
	}
	esc.Name = ladder.Name(esc.Name, string(esc.OwnerReferences[0].UID)[:8])
	esc.ResourceVersion = ""
	if err := r.Create(ctx, esc); err == nil {
		r.escalationsCreated.add(esc.UID)
	} else if !apierrors.IsAlreadyExists(err) {
		return err
	}
	return nil
}

// newLevelEscalation is the Escalation of a ladder level for a complaint.
// It carries the complaint's labels, so a shard's label selector
// (--watch-label-selector) puts both in the same shard.
func newLevelEscalation(c *supportv1.Complaint, l ladder.Create) *supportv1.Escalation {
	var lbls map[string]string
	if len(c.Labels) > 0 {
		lbls = make(map[string]string, len(c.Labels))
		maps.Copy(lbls, c.Labels)
	}
	esc := &supportv1.Escalation{
		ObjectMeta: metav1.ObjectMeta{Name: l.Name, Namespace: c.Namespace, Labels: lbls,
			// The complaint announces its levels, in the write that records them.
			Annotations: map[string]string{supportv1.AnnotationAnnouncedBy: supportv1.AnnouncedByComplaint}},
		Spec: supportv1.EscalationSpec{
			ComplaintName: c.Name, Level: l.Level, LevelName: l.LevelName, Reason: l.Reason,
			Follows: l.Follows, RequestedBy: l.RequestedBy, Question: l.Question,
		},
	}
	if !l.BreachedAt.IsZero() {
		esc.Spec.BreachedAt = &metav1.Time{Time: l.BreachedAt}
	}
	return esc
}
