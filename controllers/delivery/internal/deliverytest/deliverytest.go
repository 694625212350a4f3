// Package deliverytest holds the fixtures shared by the tests of the
// delivery packages (delivery, ledger, webhook): a fixed "now", a complaint
// and the notifications of its ledger. Only tests import it, as nt (nt.Now,
// nt.Item), so the fixtures read as they did when each test package had its
// own ntNow and ntItem.
//
// It imports only the API types: the webhook package's own tests use it, so
// it cannot import webhook.
package deliverytest

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// Now is the fixed "now" of every attempt (the fake clock's start); the
// sub-second part exercises the rounding of NextAttemptAt to whole seconds.
var Now = time.Date(2026, 3, 1, 12, 0, 0, 250_000_000, time.UTC)

const (
	// Namespace is the namespace of Complaint.
	Namespace = "support"
	// Policy is the ServicePolicy that governs Complaint.
	Policy = "standard"
	// Email is the customer's e-mail address in Complaint's contact.
	Email = "jane.doe@example.com"
	// Phone is the customer's phone number in Complaint's contact.
	Phone = "+31 20 555 0100"
)

// At is Now's date at a wall-clock time, for readable expectations.
func At(hour, minute, sec int) time.Time {
	return time.Date(2026, 3, 1, hour, minute, sec, 0, time.UTC)
}

// Item is a pending Breached notification with the given id and target.
func Item(id, target string) supportv1.Notification {
	return supportv1.Notification{
		ID: id, Target: target, Event: supportv1.EventBreached,
		OccurredAt: metav1.NewTime(Now.Add(-time.Minute).Truncate(time.Second)),
		Detail:     "resolution clock breached",
	}
}

// FailedItem is Item given up after three attempts.
func FailedItem(id, target string) supportv1.Notification {
	n := Item(id, target)
	n.Failed, n.LastError, n.Attempts = true, "gave up", 3
	return n
}

// Retrying is a pending notification after attempts failed attempts, due at next.
func Retrying(id, target string, attempts int32, next time.Time, lastError string) supportv1.Notification {
	n := Item(id, target)
	n.Attempts, n.NextAttemptAt, n.LastError = attempts, TimePtr(next), lastError
	return n
}

// TimePtr is t as a *metav1.Time.
func TimePtr(t time.Time) *metav1.Time {
	mt := metav1.NewTime(t)
	return &mt
}

// Complaint is governed by Policy; its ledger is empty.
func Complaint() *supportv1.Complaint {
	return &supportv1.Complaint{
		ObjectMeta: metav1.ObjectMeta{Name: "broken-order", Namespace: Namespace, UID: types.UID("0b6a7c2e-uid")},
		Spec: supportv1.ComplaintSpec{
			Customer: supportv1.Customer{
				Name: "Jane Doe", Company: "Acme",
				Contact: &supportv1.Contact{Email: Email, Phone: Phone},
			},
			Category: supportv1.CategoryOrderError,
			Severity: supportv1.SeverityHigh,
			Summary:  "Order arrived broken",
		},
		Status: supportv1.ComplaintStatus{Policy: Policy},
	}
}

// IDs are the ids of list, in order.
func IDs(list []supportv1.Notification) []string {
	ids := []string{}
	for _, n := range list {
		ids = append(ids, n.ID)
	}
	return ids
}

// Keys name notifications by id and target ("id/target"), in order.
func Keys(list []supportv1.Notification) []string {
	keys := []string{}
	for _, n := range list {
		keys = append(keys, n.ID+"/"+n.Target)
	}
	return keys
}
