package controllers

import (
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/sla"
)

// TestReceivedByChannel: servicedesk_complaints_received_total counts a
// complaint by its channel (Unknown when none was recorded), and no
// person's name (owner, recorder) becomes a label.
func TestReceivedByChannel(t *testing.T) {
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	complaint := func(channel supportv1.Channel) *supportv1.Complaint {
		c := &supportv1.Complaint{ObjectMeta: metav1.ObjectMeta{Namespace: "support", Name: "c-" + strings.ToLower(string(channel))}}
		c.Spec.Category = supportv1.CategoryMissedDeadline
		c.Spec.Customer.Tier = supportv1.TierKey
		c.Spec.Channel = channel
		c.Spec.Owner, c.Spec.RecordedBy = "agent-bob", "front-desk/amy"
		return c
	}
	created := []sla.Transition{{Event: supportv1.EventCreated, Reason: "Created", At: now}}
	m := NewMetrics()
	for _, ch := range []supportv1.Channel{"Phone", "Phone", "Email", ""} {
		m.observeTransitions(complaint(ch), "standard", created, now)
	}

	got := map[string]float64{}
	ch := make(chan prometheus.Metric, 10)
	go func() { m.receivedTotal.Collect(ch); close(ch) }()
	for metric := range ch {
		var d dto.Metric
		if err := metric.Write(&d); err != nil {
			t.Fatal(err)
		}
		var labels []string
		for _, l := range d.GetLabel() {
			labels = append(labels, l.GetName()+"="+l.GetValue())
		}
		sort.Strings(labels)
		got[strings.Join(labels, ",")] = d.GetCounter().GetValue()
	}
	want := map[string]float64{
		"category=MissedDeadline,channel=Phone,namespace=support,policy=standard,tier=Key":   2,
		"category=MissedDeadline,channel=Email,namespace=support,policy=standard,tier=Key":   1,
		"category=MissedDeadline,channel=Unknown,namespace=support,policy=standard,tier=Key": 1,
	}
	if len(got) != len(want) {
		t.Errorf("series %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v (all: %v)", k, got[k], v, got)
		}
	}
}
