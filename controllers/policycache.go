package controllers

import (
	"sync"

	"k8s.io/apimachinery/pkg/types"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/sla"
)

// policyCache keeps compiled policies by namespace/name, checked against UID
// and generation, so the time zone and calendar are not rebuilt on every
// reconcile. A recreated policy replaces its entry, and the ServicePolicy
// controller forgets deleted ones: the cache stays as large as the set of
// policies.
type policyCache struct {
	mu sync.Mutex
	m  map[types.NamespacedName]compiled
}

type compiled struct {
	uid        types.UID
	generation int64
	policy     *sla.Policy
	err        error
}

func (c *policyCache) get(p *supportv1.ServicePolicy) (*sla.Policy, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[types.NamespacedName]compiled{}
	}
	key := types.NamespacedName{Namespace: p.Namespace, Name: p.Name}
	if hit, ok := c.m[key]; ok && hit.uid == p.UID && hit.generation == p.Generation {
		return hit.policy, hit.err
	}
	// Compile keeps a pointer to the spec: give it its own copy, never the
	// cache's object.
	pol, err := sla.Compile(p.DeepCopy())
	c.m[key] = compiled{uid: p.UID, generation: p.Generation, policy: pol, err: err}
	return pol, err
}

// forget drops a deleted policy.
func (c *policyCache) forget(key types.NamespacedName) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, key)
}
