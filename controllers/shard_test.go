package controllers

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

func TestCacheTransformDropsLastAppliedAndKeepsOtherAnnotations(t *testing.T) {
	cases := []struct {
		name string
		in   map[string]string
		want map[string]string
	}{
		{"none", nil, nil},
		{"only last-applied", map[string]string{lastApplied: "{...}"}, nil},
		{"others kept", map[string]string{lastApplied: "{...}", "team": "pharmacy"}, map[string]string{"team": "pharmacy"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, obj := range []metav1.Object{&supportv1.Complaint{}, &supportv1.ServicePolicy{}} {
				obj.SetAnnotations(tc.in)
				obj.SetManagedFields([]metav1.ManagedFieldsEntry{{Manager: "kubectl", Operation: metav1.ManagedFieldsOperationUpdate, Subresource: "status"}})
				if _, err := cacheTransform(obj); err != nil {
					t.Fatal(err)
				}
				if got := obj.GetAnnotations(); len(got) != len(tc.want) || got["team"] != tc.want["team"] {
					t.Errorf("%T annotations = %v, want %v", obj, got, tc.want)
				}
				if len(obj.GetManagedFields()) != 0 {
					t.Errorf("%T keeps managedFields of status writes: %v", obj, obj.GetManagedFields())
				}
			}
		})
	}
	if _, err := cacheTransform("not an object"); err != nil {
		t.Errorf("a non-object is an error: %v", err)
	}
}

func TestLeaderElectionIDPerShard(t *testing.T) {
	all := LeaderElectionID(nil)
	if LeaderElectionID(labels.Everything()) != all {
		t.Errorf("an empty selector is not a shard")
	}
	a, b := labels.SelectorFromSet(labels.Set{ShardLabel: "a"}), labels.SelectorFromSet(labels.Set{ShardLabel: "b"})
	if LeaderElectionID(a) == all || LeaderElectionID(a) == LeaderElectionID(b) {
		t.Errorf("shards share a lease: %s %s %s", all, LeaderElectionID(a), LeaderElectionID(b))
	}
	if len(LeaderElectionID(a)) > 63 {
		t.Errorf("lease name %q is longer than 63", LeaderElectionID(a))
	}
	if o := CacheOptions(a); len(o.ByObject) != 3 {
		t.Errorf("a shard filters complaints, escalations and remedies: %v", o.ByObject)
	}
	if o := CacheOptions(nil); o.ByObject != nil {
		t.Errorf("no shard, no filter: %v", o.ByObject)
	}
}
