package delivery

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/webhook"
)

// secretCache reads webhook signing keys around the manager's cache (the
// operator never caches every Secret of the cluster) and keeps each key's
// value for a short ttl, so a burst of deliveries reads it once. Values are
// never logged, and errors name the Secret, never its data.
type secretCache struct {
	reader client.Reader
	ttl    time.Duration
	// clock tells when a value is too old (nil: the real clock).
	clock clock.PassiveClock

	mu sync.Mutex
	m  map[secretKey]secretValue
}

type secretKey struct {
	namespace, name, key string
	// raw: the value as stored (a CA bundle), not a signing key.
	raw bool
}

type secretValue struct {
	value []byte
	until time.Time
}

// get returns the signing key ref names (SigningKey of its value); a
// malformed whsec_ value is an error, so nothing is signed with it.
func (c *secretCache) get(ctx context.Context, namespace string, ref *supportv1.SecretKeyRef) ([]byte, error) {
	return c.read(ctx, secretKey{namespace: namespace, name: ref.Name, key: ref.Key})
}

// getRaw returns the value ref names as stored, e.g. a PEM CA bundle.
func (c *secretCache) getRaw(ctx context.Context, namespace string, ref *supportv1.SecretKeyRef) ([]byte, error) {
	return c.read(ctx, secretKey{namespace: namespace, name: ref.Name, key: ref.Key, raw: true})
}

func (c *secretCache) read(ctx context.Context, k secretKey) ([]byte, error) {
	ref := supportv1.SecretKeyRef{Name: k.name, Key: k.key}
	now := c.now()
	c.mu.Lock()
	if v, ok := c.m[k]; ok && now.Before(v.until) {
		c.mu.Unlock()
		return v.value, nil
	}
	c.mu.Unlock()
	var s corev1.Secret
	if err := c.reader.Get(ctx, client.ObjectKey{Namespace: k.namespace, Name: ref.Name}, &s); err != nil {
		return nil, fmt.Errorf("cannot read Secret %s: %v", ref.Name, err)
	}
	raw, ok := s.Data[ref.Key]
	if !ok || len(raw) == 0 {
		return nil, fmt.Errorf("Secret %s has no key %s", ref.Name, ref.Key) //nolint:staticcheck // Secret is the kind, spelled as kubectl spells it
	}
	v := raw
	if !k.raw {
		key, err := webhook.SigningKey(raw)
		if err != nil {
			return nil, fmt.Errorf("Secret %s key %s: %v", ref.Name, ref.Key, err) //nolint:staticcheck // Secret is the kind, spelled as kubectl spells it
		}
		v = key
	}
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

func (c *secretCache) now() time.Time {
	if c.clock == nil {
		return clock.RealClock{}.Now()
	}
	return c.clock.Now()
}
