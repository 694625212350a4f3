package controllers

import (
	"context"
	"maps"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/sla"
)

// ensureRemedies creates the Remedy of each action of the round the
// written status asks the departments for (status.remediesRequestedAt):
// deterministic names, so never twice, also across restarts; one already
// reported in this round (status.remedies) is not asked for again, even if
// somebody deleted it. A remedy of that name left from an earlier round
// (its resolution set aside, changed or reopened) is replaced, with its
// overdue escalation: their story is in the complaint's history.
func (r *ComplaintReconciler) ensureRemedies(ctx context.Context, s *complaintScope) error {
	c, st := s.complaint, s.status
	res := c.Spec.Resolution
	if st.RemediesRequestedAt == nil || st.ResolvedAt != nil || !sla.CarriedOut(res) {
		return nil
	}
	existing := map[string]*supportv1.Remedy{}
	for i := range s.remedies {
		existing[s.remedies[i].Name] = &s.remedies[i]
	}
	reported := map[string]bool{}
	for _, sum := range st.Remedies {
		reported[sum.Name] = sum.Outcome != ""
	}
	for _, a := range res.Actions {
		want := newRemedy(c, a, st.RemediesRequestedAt)
		if reported[want.Name] {
			continue
		}
		if old, ok := existing[want.Name]; ok {
			if old.Spec.RequestedAt.Equal(st.RemediesRequestedAt) || !metav1.IsControlledBy(old, c) {
				continue // this round's, or not ours to replace
			}
			if err := r.replaceRemedy(ctx, old); err != nil {
				return err
			}
		}
		if err := controllerutil.SetControllerReference(c, want, r.Scheme()); err != nil {
			return err
		}
		if err := r.Create(ctx, want); err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
	}
	return nil
}

// replaceRemedy deletes a remedy of an earlier round, and its overdue
// escalation (the new round's is created under the same name). Gone
// already, or changed meanwhile (a cache behind), is fine: the next
// reconcile sees it.
func (r *ComplaintReconciler) replaceRemedy(ctx context.Context, old *supportv1.Remedy) error {
	if name := old.Status.Escalation; name != "" {
		esc := &supportv1.Escalation{ObjectMeta: metav1.ObjectMeta{Namespace: old.Namespace, Name: name}}
		if err := r.Delete(ctx, esc); client.IgnoreNotFound(err) != nil {
			return err
		}
	}
	err := r.Delete(ctx, old, client.Preconditions{UID: &old.UID})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	return err
}

// newRemedy is the Remedy of an action of a complaint's round: named
// <complaint>-<action>, labelled with its complaint (when the name fits a
// label) and department, and with the complaint's labels (a shard's
// selector keeps them together).
func newRemedy(c *supportv1.Complaint, a supportv1.RemedyAction, requested *metav1.Time) *supportv1.Remedy {
	lbls := maps.Clone(c.Labels)
	if lbls == nil {
		lbls = map[string]string{}
	}
	if len(validation.IsValidLabelValue(c.Name)) == 0 {
		lbls[supportv1.LabelComplaint] = c.Name
	}
	lbls[supportv1.LabelDepartment] = a.Department
	return &supportv1.Remedy{
		ObjectMeta: metav1.ObjectMeta{Name: sla.RemedyName(c.Name, a.Name), Namespace: c.Namespace, Labels: lbls},
		Spec: supportv1.RemedySpec{ComplaintName: c.Name, Action: a.Name, Department: a.Department, Kind: a.Kind,
			Detail: a.Detail, RequestedAt: *requested.DeepCopy()},
	}
}

// remedyReported passes what the complaint follows of its remedies: a
// department's report, and a remedy gone (created again if still asked for).
func remedyReported() predicate.Predicate {
	return predicate.Funcs{
		CreateFunc: func(event.CreateEvent) bool { return false },
		UpdateFunc: func(e event.UpdateEvent) bool {
			o, n := e.ObjectOld.(*supportv1.Remedy), e.ObjectNew.(*supportv1.Remedy)
			return (o.Spec.Fulfilment == nil) != (n.Spec.Fulfilment == nil)
		},
		DeleteFunc:  func(event.DeleteEvent) bool { return true },
		GenericFunc: func(event.GenericEvent) bool { return false },
	}
}
