package delivery

import (
	"net/netip"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/webhook"
)

// Fixtures shared by the attempt, outage and reconcile tests. All names carry
// an "nt" prefix so they cannot clash with the package's own identifiers.

// ntNow is the fixed "now" of every attempt (the fake clock's start); the
// sub-second part exercises the rounding of NextAttemptAt to whole seconds.
var ntNow = time.Date(2026, 3, 1, 12, 0, 0, 250_000_000, time.UTC)

const (
	ntNamespace  = "support"
	ntPolicy     = "standard"
	ntSecretName = "hook-secret"
	ntSecretKey  = "signing-key"
	// ntSecretValue is a raw (non-whsec_) Secret value.
	ntSecretValue = "raw-s3cr3t-hunter2-value"
	ntEmail       = "jane.doe@example.com"
	ntPhone       = "+31 20 555 0100"
)

// ntBackoff with Rand 0 waits Base/2 after the first failure and doubles:
// 5s, 10s, 20s, 40s, 80s, 150s (capped).
var ntBackoff = webhook.Backoff{Base: 10 * time.Second, Max: 5 * time.Minute}

// ntAt is ntNow's date at a wall-clock time, for readable expectations.
func ntAt(hour, minute, sec int) time.Time {
	return time.Date(2026, 3, 1, hour, minute, sec, 0, time.UTC)
}

func ntSecret(key, value string) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: ntSecretName, Namespace: ntNamespace},
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

// ntItem is a pending Breached notification with the given id and target.
func ntItem(id, target string) supportv1.Notification {
	return supportv1.Notification{
		ID: id, Target: target, Event: supportv1.EventBreached,
		OccurredAt: metav1.NewTime(ntNow.Add(-time.Minute).Truncate(time.Second)),
		Detail:     "resolution clock breached",
	}
}

func ntFailedItem(id, target string) supportv1.Notification {
	n := ntItem(id, target)
	n.Failed, n.LastError, n.Attempts = true, "gave up", 3
	return n
}

// ntRetrying is a pending notification after attempts failed attempts, due at next.
func ntRetrying(id, target string, attempts int32, next time.Time, lastError string) supportv1.Notification {
	n := ntItem(id, target)
	n.Attempts, n.NextAttemptAt, n.LastError = attempts, ntTimePtr(next), lastError
	return n
}

func ntTimePtr(t time.Time) *metav1.Time {
	mt := metav1.NewTime(t)
	return &mt
}

// ntComplaint is governed by ntPolicy; its ledger is empty.
func ntComplaint() *supportv1.Complaint {
	return &supportv1.Complaint{
		ObjectMeta: metav1.ObjectMeta{Name: "broken-order", Namespace: ntNamespace, UID: types.UID("0b6a7c2e-uid")},
		Spec: supportv1.ComplaintSpec{
			Customer: supportv1.Customer{
				Name: "Jane Doe", Company: "Acme",
				Contact: &supportv1.Contact{Email: ntEmail, Phone: ntPhone},
			},
			Category: supportv1.CategoryOrderError,
			Severity: supportv1.SeverityHigh,
			Summary:  "Order arrived broken",
		},
		Status: supportv1.ComplaintStatus{Policy: ntPolicy},
	}
}

func ntIDs(list []supportv1.Notification) []string {
	ids := []string{}
	for _, n := range list {
		ids = append(ids, n.ID)
	}
	return ids
}

// ntKeys names notifications by id and target.
func ntKeys(list []supportv1.Notification) []string {
	keys := []string{}
	for _, n := range list {
		keys = append(keys, n.ID+"/"+n.Target)
	}
	return keys
}

func ntFind(t *testing.T, list []supportv1.Notification, id string) supportv1.Notification {
	t.Helper()
	for _, n := range list {
		if n.ID == id {
			return n
		}
	}
	t.Fatalf("notification %s not in ledger %v", id, ntIDs(list))
	return supportv1.Notification{}
}

// testLoopback allows the test receivers, which listen on loopback.
var testLoopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
