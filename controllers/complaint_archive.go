package controllers

import (
	"context"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/sla"
)

// Records are kept: before a complaint leaves the cluster (somebody deletes
// it, or it is past its policy's retention), its full record goes out as the
// Archived event to the destinations that ask for it. The ArchiveFinalizer
// holds the deletion until that delivery is done or given up (the webhook's
// maxAttempts: the documented bound); then the complaint's escalations are
// deleted and the finalizer removed.

// Reasons a complaint left the cluster (label of servicedesk_complaints_deleted_total).
const (
	deletedByRetention = "retention"
	deletedByRequest   = "deleted"
)

var beingDeleted = predicate.NewPredicateFuncs(func(o client.Object) bool { return !o.GetDeletionTimestamp().IsZero() })

// archiveTargets are the destinations of policy that ask for Archived.
func archiveTargets(policy *sla.Policy) []string {
	if policy == nil {
		return nil
	}
	return policy.Spec.DestinationsFor(supportv1.EventArchived, nil)
}

// retentionDue is when a closed complaint is past its policy's retention.
func retentionDue(c *supportv1.Complaint, policy *sla.Policy) (time.Time, bool) {
	if policy == nil || policy.Spec.Retention == nil || c.Status.ClosedAt == nil || c.Status.Phase != supportv1.PhaseClosed {
		return time.Time{}, false
	}
	return c.Status.ClosedAt.Add(policy.Spec.Retention.ClosedFor.Duration), true
}

// archivePending says whether an Archived delivery is still under way.
func archivePending(ledger []supportv1.Notification) bool {
	for _, n := range ledger {
		if n.Event == supportv1.EventArchived && !n.Failed {
			return true
		}
	}
	return false
}

// ensureArchiveFinalizer sets the finalizer on a complaint whose policy has
// a destination for Archived; others are deleted at once, as before.
func (r *ComplaintReconciler) ensureArchiveFinalizer(ctx context.Context, c *supportv1.Complaint, policy *sla.Policy) error {
	if len(archiveTargets(policy)) == 0 || controllerutil.ContainsFinalizer(c, supportv1.ArchiveFinalizer) {
		return nil
	}
	patch := client.MergeFromWithOptions(c.DeepCopy(), client.MergeFromWithOptimisticLock{})
	controllerutil.AddFinalizer(c, supportv1.ArchiveFinalizer)
	c.ManagedFields = nil
	return r.Patch(ctx, c, patch)
}

// retire deletes a complaint past its policy's retention. With the
// finalizer, the deletion archives it first (finalize); without, nobody
// asked for its record and it goes at once, with its escalations.
func (r *ComplaintReconciler) retire(ctx context.Context, c *supportv1.Complaint) error {
	if !controllerutil.ContainsFinalizer(c, supportv1.ArchiveFinalizer) {
		if err := r.deleteOwned(ctx, c); err != nil {
			return err
		}
		r.Metrics.deleted(c, deletedByRetention)
	}
	return client.IgnoreNotFound(r.Delete(ctx, c, client.Preconditions{UID: &c.UID}))
}

// finalize archives a complaint being deleted: it queues the Archived event
// once (status.archivedAt), waits for its delivery to finish, then deletes
// the escalations and lets the complaint go.
func (r *ComplaintReconciler) finalize(ctx context.Context, s *complaintScope) error {
	c := s.complaint
	if !controllerutil.ContainsFinalizer(c, supportv1.ArchiveFinalizer) {
		return nil
	}
	if c.Status.ArchivedAt == nil {
		if err := r.writeStatus(ctx, c, archivedStatus(c, s.policy, s.now)); err != nil {
			return client.IgnoreNotFound(err)
		}
		r.Metrics.archived(c)
	}
	if archivePending(c.Status.Notifications) {
		return nil // the delivery's outcome write wakes us
	}
	if err := r.deleteOwned(ctx, c); err != nil {
		return err
	}
	reason := deletedByRequest
	if due, ok := retentionDue(c, s.policy); ok && !s.now.Before(due) {
		reason = deletedByRetention
	}
	patch := client.MergeFromWithOptions(c.DeepCopy(), client.MergeFromWithOptimisticLock{})
	controllerutil.RemoveFinalizer(c, supportv1.ArchiveFinalizer)
	c.ManagedFields = nil
	if err := r.Patch(ctx, c, patch); err != nil {
		return client.IgnoreNotFound(err)
	}
	r.Metrics.deleted(c, reason)
	return nil
}

// deleteOwned deletes the escalations (the ladder's, agents' requests,
// overdue remedies) and the remedies the complaint owns, so they go with it
// (their story is in its record) even where no garbage collector runs.
func (r *ComplaintReconciler) deleteOwned(ctx context.Context, c *supportv1.Complaint) error {
	var escs supportv1.EscalationList
	if err := r.List(ctx, &escs, client.InNamespace(c.Namespace), client.MatchingFields{indexEscalationComplaint: c.Name}); err != nil {
		return err
	}
	var rems supportv1.RemedyList
	if err := r.List(ctx, &rems, client.InNamespace(c.Namespace), client.MatchingFields{indexRemedyComplaint: c.Name}); err != nil {
		return err
	}
	owned := make([]client.Object, 0, len(escs.Items)+len(rems.Items))
	for i := range escs.Items {
		owned = append(owned, &escs.Items[i])
	}
	for i := range rems.Items {
		owned = append(owned, &rems.Items[i])
	}
	for _, o := range owned {
		if !ownedBy(o, c.UID) {
			continue
		}
		if err := r.Delete(ctx, o); client.IgnoreNotFound(err) != nil {
			return err
		}
	}
	return nil
}

func ownedBy(o metav1.Object, uid types.UID) bool {
	for _, ref := range o.GetOwnerReferences() {
		if ref.UID == uid {
			return true
		}
	}
	return false
}
