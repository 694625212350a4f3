package controllers

import (
	"context"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// Field indexes, so watches map to objects without listing everything.
const (
	// indexEscalationComplaint indexes Escalations by spec.complaintName.
	indexEscalationComplaint = "spec.complaintName"
	// indexComplaintPolicy indexes Complaints by status.policy.
	indexComplaintPolicy = "status.policy"
	// indexRemedyComplaint indexes Remedies by spec.complaintName.
	indexRemedyComplaint = "spec.complaintName"
)

func setupIndexes(ctx context.Context, mgr ctrl.Manager) error {
	if err := mgr.GetFieldIndexer().IndexField(ctx, &supportv1.Escalation{}, indexEscalationComplaint, func(o client.Object) []string {
		return []string{o.(*supportv1.Escalation).Spec.ComplaintName}
	}); err != nil {
		return err
	}
	if err := mgr.GetFieldIndexer().IndexField(ctx, &supportv1.Remedy{}, indexRemedyComplaint, func(o client.Object) []string {
		return []string{o.(*supportv1.Remedy).Spec.ComplaintName}
	}); err != nil {
		return err
	}
	return mgr.GetFieldIndexer().IndexField(ctx, &supportv1.Complaint{}, indexComplaintPolicy, func(o client.Object) []string {
		if p := o.(*supportv1.Complaint).Status.Policy; p != "" {
			return []string{p}
		}
		return nil
	})
}
