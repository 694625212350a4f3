package controllers

import (
	"fmt"
	"hash/fnv"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/sla"
)

// ShardLabel is the label that assigns a complaint (and, copied by the
// operator, its escalations) to a shard: replicas started with
// --watch-label-selector=support.servicedesk.dev/shard=<name> handle only
// theirs, and one with --watch-label-selector='!support.servicedesk.dev/shard'
// handles the rest (the same scheme as Flux's sharding.fluxcd.io/key).
const ShardLabel = "support.servicedesk.dev/shard"

// CacheOptions are the manager's cache options: complaints keep a compact
// copy of their managedFields (the clock facts' timestamps), other kinds
// none; with a shard selector, complaints, escalations and remedies are cached (and
// so reconciled) only when their labels match it. Policies are shared by
// every shard. Used by cmd/main.go, the tests and the sandbox.
func CacheOptions(shard labels.Selector) cache.Options {
	opts := cache.Options{DefaultTransform: cacheTransform}
	if shard != nil && !shard.Empty() {
		opts.ByObject = map[client.Object]cache.ByObject{
			&supportv1.Complaint{}:  {Label: shard},
			&supportv1.Escalation{}: {Label: shard},
			&supportv1.Remedy{}:     {Label: shard},
		}
	}
	return opts
}

// LeaderElectionID is the lease name of a replica set: one per shard, so
// each shard elects its own leader.
func LeaderElectionID(shard labels.Selector) string {
	const base = "servicedesk-operator.support.servicedesk.dev"
	if shard == nil || shard.Empty() {
		return base
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(shard.String()))
	return fmt.Sprintf("%s-shard-%08x", base, h.Sum32())
}

// lastApplied is kubectl's copy of the applied object: as large as the
// spec again, and read by nothing here.
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// cacheTransform trims what the cache keeps of an object: managedFields
// compacted (sla.CompactManagedFields) and kubectl's last-applied copy
// dropped. Status writes ignore metadata, so nothing trimmed is ever written
// back.
func cacheTransform(obj any) (any, error) {
	obj, err := sla.CompactManagedFields(obj)
	if err != nil {
		return obj, err
	}
	if o, ok := obj.(metav1.Object); ok {
		if a := o.GetAnnotations(); a != nil {
			if _, ok := a[lastApplied]; ok {
				delete(a, lastApplied)
				if len(a) == 0 {
					a = nil
				}
				o.SetAnnotations(a)
			}
		}
	}
	return obj, nil
}
