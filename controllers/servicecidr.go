package controllers

import (
	"context"
	"net/netip"
	"slices"
	"sort"

	networkingv1 "k8s.io/api/networking/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/webhook"
)

// The webhook guard refuses the cluster's Service ranges without being
// told: where the API server serves networking.k8s.io/v1 ServiceCIDR
// objects (Kubernetes 1.33 and later), their ranges are refused like
// --cluster-cidrs, and follow the objects as they change.

// +kubebuilder:rbac:groups=networking.k8s.io,resources=servicecidrs,verbs=get;list;watch

// serviceCIDRReconciler keeps ranges equal to the ServiceCIDRs' CIDRs. Every
// change is one request for the whole list, so a burst is read once. When
// the ranges change, every policy with a webhook is checked again, so its
// Ready condition names a destination that just became refused (or is no
// longer).
type serviceCIDRReconciler struct {
	client.Reader
	ranges *webhook.DiscoveredRanges
	// recheck receives the policies to check again.
	recheck chan<- event.GenericEvent
}

var allServiceCIDRs = reconcile.Request{NamespacedName: types.NamespacedName{Name: "servicecidrs"}}

func (r *serviceCIDRReconciler) Reconcile(ctx context.Context, _ ctrl.Request) (ctrl.Result, error) {
	var list networkingv1.ServiceCIDRList
	if err := r.List(ctx, &list); err != nil {
		return ctrl.Result{}, err
	}
	ranges := serviceCIDRRanges(list.Items)
	if slices.Equal(ranges, r.ranges.Get()) {
		return ctrl.Result{}, nil
	}
	r.ranges.Set(ranges)
	return ctrl.Result{}, r.recheckPolicies(ctx)
}

// recheckPolicies sends every policy with a webhook to the policy
// controller, waiting for room rather than dropping one.
func (r *serviceCIDRReconciler) recheckPolicies(ctx context.Context) error {
	if r.recheck == nil {
		return nil
	}
	var policies supportv1.ServicePolicyList
	if err := r.List(ctx, &policies); err != nil {
		return err
	}
	for i := range policies.Items {
		p := &policies.Items[i]
		if !slices.ContainsFunc(p.Spec.Notify, func(n supportv1.NotifyTarget) bool { return n.Webhook != nil }) {
			continue
		}
		key := &supportv1.ServicePolicy{}
		key.Namespace, key.Name = p.Namespace, p.Name
		select {
		case r.recheck <- event.GenericEvent{Object: key}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// serviceCIDRRanges are the CIDRs of items, named by their object, in name
// order; a CIDR that does not parse (the API server validates them) is
// skipped.
func serviceCIDRRanges(items []networkingv1.ServiceCIDR) []webhook.DiscoveredRange {
	var out []webhook.DiscoveredRange
	for _, sc := range items {
		for _, cidr := range sc.Spec.CIDRs {
			p, err := netip.ParsePrefix(cidr)
			if err != nil {
				continue
			}
			out = append(out, webhook.DiscoveredRange{Prefix: p.Masked(), Source: "ServiceCIDR " + sc.Name})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Source < out[j].Source })
	return out
}

// setupServiceCIDRs watches ServiceCIDRs into ranges when the API server
// serves them; on an older one it does nothing and says so.
func setupServiceCIDRs(mgr ctrl.Manager, ranges *webhook.DiscoveredRanges, recheck chan<- event.GenericEvent) error {
	gk := schema.GroupKind{Group: networkingv1.GroupName, Kind: "ServiceCIDR"}
	if _, err := mgr.GetRESTMapper().RESTMapping(gk, networkingv1.SchemeGroupVersion.Version); err != nil {
		if apimeta.IsNoMatchError(err) {
			mgr.GetLogger().Info("the API server serves no networking.k8s.io/v1 ServiceCIDR: the webhook guard refuses only --cluster-cidrs as the cluster's ranges")
			return nil
		}
		return err
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named("servicecidr").
		Watches(&networkingv1.ServiceCIDR{}, handler.EnqueueRequestsFromMapFunc(func(context.Context, client.Object) []reconcile.Request {
			return []reconcile.Request{allServiceCIDRs}
		})).
		Complete(&serviceCIDRReconciler{Reader: mgr.GetClient(), ranges: ranges, recheck: recheck})
}
