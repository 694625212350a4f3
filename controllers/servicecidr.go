package controllers

import (
	"context"
	"net/netip"
	"sort"

	networkingv1 "k8s.io/api/networking/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery"
)

// The webhook guard refuses the cluster's Service ranges without being
// told: where the API server serves networking.k8s.io/v1 ServiceCIDR
// objects (Kubernetes 1.33 and later), their ranges are refused like
// --cluster-cidrs, and follow the objects as they change.

// +kubebuilder:rbac:groups=networking.k8s.io,resources=servicecidrs,verbs=get;list;watch

// serviceCIDRReconciler keeps ranges equal to the ServiceCIDRs' CIDRs. Every
// change is one request for the whole list, so a burst is read once.
type serviceCIDRReconciler struct {
	client.Reader
	ranges *delivery.DiscoveredRanges
}

var allServiceCIDRs = reconcile.Request{NamespacedName: types.NamespacedName{Name: "servicecidrs"}}

func (r *serviceCIDRReconciler) Reconcile(ctx context.Context, _ ctrl.Request) (ctrl.Result, error) {
	var list networkingv1.ServiceCIDRList
	if err := r.List(ctx, &list); err != nil {
		return ctrl.Result{}, err
	}
	r.ranges.Set(serviceCIDRRanges(list.Items))
	return ctrl.Result{}, nil
}

// serviceCIDRRanges are the CIDRs of items, named by their object, in name
// order; a CIDR that does not parse (the API server validates them) is
// skipped.
func serviceCIDRRanges(items []networkingv1.ServiceCIDR) []delivery.DiscoveredRange {
	var out []delivery.DiscoveredRange
	for _, sc := range items {
		for _, cidr := range sc.Spec.CIDRs {
			p, err := netip.ParsePrefix(cidr)
			if err != nil {
				continue
			}
			out = append(out, delivery.DiscoveredRange{Prefix: p.Masked(), Source: "ServiceCIDR " + sc.Name})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Source < out[j].Source })
	return out
}

// setupServiceCIDRs watches ServiceCIDRs into ranges when the API server
// serves them; on an older one it does nothing and says so.
func setupServiceCIDRs(mgr ctrl.Manager, ranges *delivery.DiscoveredRanges) error {
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
		Complete(&serviceCIDRReconciler{Reader: mgr.GetClient(), ranges: ranges})
}
