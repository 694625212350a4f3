package controllers

import (
	"sync"

	"k8s.io/apimachinery/pkg/types"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/sla"
)

// policyCache keeps compiled policies by UID and generation, so the time zone
// and calendar are not rebuilt on every reconcile.
type policyCache struct {
	mu sync.Mutex
	m  map[types.UID]compiled
}

type compiled struct {
	generation int64
	policy     *sla.Policy
	err        error
}

func (c *policyCache) get(p *supportv1.ServicePolicy) (*sla.Policy, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[types.UID]compiled{}
	}
	if hit, ok := c.m[p.UID]; ok && hit.generation == p.Generation {
		return hit.policy, hit.err
	}
	pol, err := sla.Compile(p)
	c.m[p.UID] = compiled{generation: p.Generation, policy: pol, err: err}
	return pol, err
}

func (c *policyCache) forget(uid types.UID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, uid)
}
