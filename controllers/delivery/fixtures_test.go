package delivery

import (
	"net/netip"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	nt "github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/internal/deliverytest"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/webhook"
)

// Fixtures shared by the attempt, outage and reconcile tests, besides those
// of all the delivery packages' tests in nt (deliverytest). All names carry
// an "nt" prefix so they cannot clash with the package's own identifiers.

const (
	ntSecretName = "hook-secret"
	ntSecretKey  = "signing-key"
	// ntSecretValue is a raw (non-whsec_) Secret value.
	ntSecretValue = "raw-s3cr3t-hunter2-value"
)

// ntBackoff with Rand 0 waits Base/2 after the first failure and doubles:
// 5s, 10s, 20s, 40s, 80s, 150s (capped).
var ntBackoff = webhook.Backoff{Base: 10 * time.Second, Max: 5 * time.Minute}

func ntSecret(key, value string) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: ntSecretName, Namespace: nt.Namespace},
		Data:       map[string][]byte{key: []byte(value)},
	}
}

// ntTarget is a destination wanting Breached, signed with ntSecretName/ntSecretKey.
func ntTarget(name, url string, mutate ...func(*supportv1.Webhook)) supportv1.NotifyTarget {
	hook := &supportv1.Webhook{URL: url, SecretRef: &supportv1.SecretKeyRef{Name: ntSecretName, Key: ntSecretKey}}
	for _, m := range mutate {
		m(hook)
	}
	return supportv1.NotifyTarget{Name: name, Events: []supportv1.EventType{supportv1.EventBreached}, Webhook: hook}
}

func ntMaxAttempts(n int32) func(*supportv1.Webhook) {
	return func(h *supportv1.Webhook) { h.MaxAttempts = n }
}

func ntUnsigned(h *supportv1.Webhook) { h.SecretRef = nil }

// ntFind is the notification of list with the given id; the test fails without one.
func ntFind(t *testing.T, list []supportv1.Notification, id string) supportv1.Notification {
	t.Helper()
	for _, n := range list {
		if n.ID == id {
			return n
		}
	}
	t.Fatalf("notification %s not in ledger %v", id, nt.IDs(list))
	return supportv1.Notification{}
}

// testLoopback allows the test receivers, which listen on loopback.
var testLoopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
