package delivery

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// secretCache reads webhook signing keys around the manager's cache (the
// operator never caches every Secret of the cluster) and keeps each key's
// value for a short ttl, so a burst of deliveries reads it once. Values are
// never logged, and errors name the Secret, never its data.
type secretCache struct {
	reader client.Reader
	ttl    time.Duration

	mu sync.Mutex
	m  map[secretKey]secretValue
}

type secretKey struct{ namespace, name, key string }

type secretValue struct {
	value []byte
	until time.Time
}

func (c *secretCache) get(ctx context.Context, namespace string, ref *supportv1.SecretKeyRef) ([]byte, error) {
	k := secretKey{namespace, ref.Name, ref.Key}
	now := time.Now()
	c.mu.Lock()
	if v, ok := c.m[k]; ok && now.Before(v.until) {
		c.mu.Unlock()
		return v.value, nil
	}
	c.mu.Unlock()
	var s corev1.Secret
	if err := c.reader.Get(ctx, client.ObjectKey{Namespace: namespace, Name: ref.Name}, &s); err != nil {
		return nil, fmt.Errorf("cannot read Secret %s: %v", ref.Name, err)
	}
	raw, ok := s.Data[ref.Key]
	if !ok || len(raw) == 0 {
		return nil, fmt.Errorf("Secret %s has no key %s", ref.Name, ref.Key)
	}
	v := SecretBytes(raw)
	c.mu.Lock()
	if c.m == nil {
		c.m = map[secretKey]secretValue{}
	}
	for key, old := range c.m { // keep it as small as the keys in use
		if !now.Before(old.until) {
			delete(c.m, key)
		}
	}
	c.m[k] = secretValue{value: v, until: now.Add(c.ttl)}
	c.mu.Unlock()
	return v, nil
}
