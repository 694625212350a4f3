package controllers

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	clocktesting "k8s.io/utils/clock/testing"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

func TestEventBudget(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	clk := clocktesting.NewFakeClock(now)
	rec := events.NewFakeRecorder(100)
	b := newEventBudget(clk, rec)
	in := func(ns, name string) *supportv1.Complaint {
		return &supportv1.Complaint{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	}
	allowed := 0
	for range deadlineEventsBurst + 30 {
		if b.allow(in("support", "c"), "gold", string(supportv1.EventBreached)) {
			allowed++
		}
	}
	if allowed != deadlineEventsBurst {
		t.Fatalf("a burst of breaches in one second: %d Events, want the burst %d", allowed, deadlineEventsBurst)
	}
	if !b.allow(in("support", "c"), "gold", supportv1.ReasonOwnerChanged) || !b.allow(in("support", "c"), "gold", string(supportv1.EventAcknowledged)) {
		t.Fatal("Events a person caused are never held back")
	}
	if !b.allow(in("billing", "d"), "gold", string(supportv1.EventBreached)) {
		t.Fatal("another namespace has a budget of its own")
	}
	clk.Step(time.Second)
	if !b.allow(in("support", "c"), "gold", string(supportv1.EventAtRisk)) {
		t.Fatal("the budget refills with time")
	}
	b.flush()
	select {
	case e := <-rec.Events:
		if !strings.Contains(e, supportv1.ReasonDeadlinesSummarized) || !strings.Contains(e, "30 Breached") || !strings.Contains(e, "complaint c") {
			t.Fatalf("summary Event %q", e)
		}
	default:
		t.Fatal("the held Events are told in one summary Event")
	}
	b.flush()
	if len(rec.Events) != 0 {
		t.Fatalf("nothing held, nothing told: %q", <-rec.Events)
	}
}
