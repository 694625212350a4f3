package controllers

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/test/testenv"
)

func TestPolicyCacheCompilesOncePerGenerationAndForgetsDeletedPolicies(t *testing.T) {
	scheme, err := testenv.Scheme()
	if err != nil {
		t.Fatal(err)
	}
	policy := &supportv1.ServicePolicy{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", UID: "u1", Generation: 1}}
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(policy).WithStatusSubresource(policy).
		WithIndex(&supportv1.Complaint{}, indexComplaintPolicy, func(o client.Object) []string {
			return []string{o.(*supportv1.Complaint).Status.Policy}
		}).Build()
	cache := &policyCache{}
	r := &ServicePolicyReconciler{Client: c, APIReader: c, Policies: cache}
	key := types.NamespacedName{Namespace: "ns", Name: "p"}

	if _, err := r.Reconcile(context.Background(), ctrl.Request{NamespacedName: key}); err != nil {
		t.Fatal(err)
	}
	first, _ := cache.get(policy)
	if again, _ := cache.get(policy); again != first {
		t.Errorf("the same generation was compiled again")
	}
	newer := policy.DeepCopy()
	newer.Generation = 2
	if got, _ := cache.get(newer); got == first {
		t.Errorf("a new generation was not compiled again")
	}
	if len(cache.m) != 1 {
		t.Errorf("cache holds %d entries for one policy", len(cache.m))
	}

	if err := c.Delete(context.Background(), policy); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Reconcile(context.Background(), ctrl.Request{NamespacedName: key}); err != nil {
		t.Fatal(err)
	}
	if _, ok := cache.m[key]; ok || len(cache.m) != 0 {
		t.Errorf("the deleted policy is still cached: %v", cache.m)
	}
}
