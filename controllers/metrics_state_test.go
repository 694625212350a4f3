package controllers

import (
	"reflect"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

func TestTallyState(t *testing.T) {
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *metav1.Time { return &metav1.Time{Time: now.Add(d)} }
	complaint := func(ns string, phase supportv1.Phase, mutate func(*supportv1.Complaint)) supportv1.Complaint {
		c := supportv1.Complaint{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "c"}}
		c.Spec.Category = supportv1.CategoryMissedDeadline
		c.Spec.Customer.Tier = supportv1.TierKey
		c.Spec.Severity = supportv1.SeverityHigh
		c.Status.Phase = phase
		c.Status.Policy = "std"
		if mutate != nil {
			mutate(&c)
		}
		return c
	}
	running := func(atRisk time.Duration) *supportv1.ClockStatus {
		return &supportv1.ClockStatus{State: supportv1.ClockRunning, AtRiskAt: at(atRisk), DueAt: at(atRisk + time.Hour)}
	}
	breached := &supportv1.ClockStatus{State: supportv1.ClockBreached, AtRiskAt: at(-2 * time.Hour), DueAt: at(-time.Hour)}
	cat, tier, sev := string(supportv1.CategoryMissedDeadline), string(supportv1.TierKey), string(supportv1.SeverityHigh)
	type counts = map[[5]string]int
	none := counts{}

	cases := []struct {
		name        string
		complaints  []supportv1.Complaint
		escalations []supportv1.Escalation
		want        state
	}{
		{
			name: "nothing",
			want: state{none, none, none, none, none, none},
		},
		{
			name: "phases, a complaint not yet reconciled counting as New",
			complaints: []supportv1.Complaint{
				complaint("a", "", nil),
				complaint("a", supportv1.PhaseNew, nil),
				complaint("a", supportv1.PhaseWaiting, nil),
				complaint("b", supportv1.PhaseClosed, nil),
				complaint("a", supportv1.PhaseAcknowledged, func(c *supportv1.Complaint) { c.Spec.Customer.Tier = supportv1.TierStandard }),
			},
			want: state{counts{
				{"a", "New", cat, tier, sev}:                                    2,
				{"a", "Waiting", cat, tier, sev}:                                1,
				{"b", "Closed", cat, tier, sev}:                                 1,
				{"a", "Acknowledged", cat, string(supportv1.TierStandard), sev}: 1,
			}, none, none, none, none, none},
		},
		{
			name: "at risk from the at-risk point on, not before, not once breached, paused or met",
			complaints: []supportv1.Complaint{
				complaint("a", supportv1.PhaseNew, func(c *supportv1.Complaint) { c.Status.Clocks.FirstResponse = running(0) }),
				complaint("a", supportv1.PhaseNew, func(c *supportv1.Complaint) { c.Status.Clocks.FirstResponse = running(time.Second) }),
				complaint("a", supportv1.PhaseAcknowledged, func(c *supportv1.Complaint) {
					c.Status.AcknowledgedAt = at(-time.Hour)
					c.Status.Clocks.Update = running(-time.Minute)
					c.Status.Clocks.Resolution = running(-time.Minute)
				}),
				complaint("a", supportv1.PhaseWaiting, func(c *supportv1.Complaint) {
					c.Status.Clocks.Resolution = &supportv1.ClockStatus{State: supportv1.ClockPaused, AtRiskAt: at(-time.Hour)}
				}),
				complaint("a", supportv1.PhaseAcknowledged, func(c *supportv1.Complaint) {
					c.Status.Clocks.FirstResponse = &supportv1.ClockStatus{State: supportv1.ClockMet, AtRiskAt: at(-time.Hour)}
				}),
				complaint("a", supportv1.PhaseNew, func(c *supportv1.Complaint) {
					c.Status.Clocks.Resolution = &supportv1.ClockStatus{State: supportv1.ClockRunning}
				}),
			},
			want: state{
				counts{{"a", "New", cat, tier, sev}: 3, {"a", "Acknowledged", cat, tier, sev}: 2, {"a", "Waiting", cat, tier, sev}: 1},
				counts{{"a", "FirstResponse"}: 1, {"a", "Update"}: 1, {"a", "Resolution"}: 1},
				none, none, none, none,
			},
		},
		{
			name: "breached by clock and acknowledgement; resolved and closed complaints are not open",
			complaints: []supportv1.Complaint{
				complaint("a", supportv1.PhaseNew, func(c *supportv1.Complaint) {
					c.Status.Clocks.FirstResponse = breached
					c.Status.Clocks.Resolution = breached
				}),
				complaint("a", supportv1.PhaseAcknowledged, func(c *supportv1.Complaint) {
					c.Status.AcknowledgedAt = at(-time.Minute)
					c.Status.Clocks.FirstResponse = breached
				}),
				complaint("a", supportv1.PhaseReopened, func(c *supportv1.Complaint) {
					c.Status.AcknowledgedAt = at(-time.Minute)
					c.Status.Clocks.Resolution = breached
				}),
				complaint("a", supportv1.PhaseResolved, func(c *supportv1.Complaint) { c.Status.Clocks.FirstResponse = breached }),
				complaint("a", supportv1.PhaseClosed, func(c *supportv1.Complaint) { c.Status.Clocks.Resolution = breached }),
			},
			want: state{
				counts{{"a", "New", cat, tier, sev}: 1, {"a", "Acknowledged", cat, tier, sev}: 1, {"a", "Reopened", cat, tier, sev}: 1,
					{"a", "Resolved", cat, tier, sev}: 1, {"a", "Closed", cat, tier, sev}: 1},
				none,
				counts{{"a", "FirstResponse", "false"}: 1, {"a", "Resolution", "false"}: 1, {"a", "FirstResponse", "true"}: 1, {"a", "Resolution", "true"}: 1},
				none, none, none,
			},
		},
		{
			name: "open escalations by level: Open or not yet reconciled",
			escalations: []supportv1.Escalation{
				{ObjectMeta: metav1.ObjectMeta{Namespace: "a"}, Spec: supportv1.EscalationSpec{Level: 1}},
				{ObjectMeta: metav1.ObjectMeta{Namespace: "a"}, Spec: supportv1.EscalationSpec{Level: 1}, Status: supportv1.EscalationStatus{Phase: supportv1.EscalationOpen}},
				{ObjectMeta: metav1.ObjectMeta{Namespace: "a"}, Spec: supportv1.EscalationSpec{Level: 2}, Status: supportv1.EscalationStatus{Phase: supportv1.EscalationOpen}},
				{ObjectMeta: metav1.ObjectMeta{Namespace: "b"}, Spec: supportv1.EscalationSpec{Level: 1}, Status: supportv1.EscalationStatus{Phase: supportv1.EscalationAcknowledged}},
				{ObjectMeta: metav1.ObjectMeta{Namespace: "b"}, Spec: supportv1.EscalationSpec{Level: 1}, Status: supportv1.EscalationStatus{Phase: supportv1.EscalationSuperseded}},
				{ObjectMeta: metav1.ObjectMeta{Namespace: "b"}, Spec: supportv1.EscalationSpec{Level: 3}, Status: supportv1.EscalationStatus{Phase: supportv1.EscalationClosed}},
			},
			want: state{none, none, none, counts{{"a", "1"}: 2, {"a", "2"}: 1}, none, none},
		},
		{
			name: "pending and failed deliveries by destination, from complaints (even closed) and escalations",
			complaints: []supportv1.Complaint{
				complaint("a", supportv1.PhaseClosed, func(c *supportv1.Complaint) {
					c.Status.Notifications = []supportv1.Notification{
						{Target: "crm", Attempts: 3}, {Target: "crm"}, {Target: "crm", Attempts: 20, Failed: true}, {Target: "chat"},
					}
				}),
			},
			escalations: []supportv1.Escalation{{
				ObjectMeta: metav1.ObjectMeta{Namespace: "a"},
				Spec:       supportv1.EscalationSpec{Level: 1},
				Status: supportv1.EscalationStatus{Phase: supportv1.EscalationAcknowledged, Policy: "urgent",
					Notifications: []supportv1.Notification{{Target: "pager", Failed: true}, {Target: "pager", Failed: true}}},
			}},
			want: state{
				counts{{"a", "Closed", cat, tier, sev}: 1}, none, none, none,
				counts{{"a", "std", "crm"}: 2, {"a", "std", "chat"}: 1},
				counts{{"a", "std", "crm"}: 1, {"a", "urgent", "pager"}: 2},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := tallyState(pointers(tc.complaints), pointers(tc.escalations), now)
			fields := func(s state) []map[[5]string]int {
				return []map[[5]string]int{s.complaints, s.atRisk, s.breached, s.openEscalations, s.pending, s.failed}
			}
			for i, name := range []string{"complaints", "atRisk", "breached", "openEscalations", "pending", "failed"} {
				if want, got := fields(tc.want)[i], fields(got)[i]; !reflect.DeepEqual(want, got) {
					t.Errorf("%s:\n got %v\nwant %v", name, got, want)
				}
			}
		})
	}
}

func pointers[T any](items []T) []*T {
	out := make([]*T, len(items))
	for i := range items {
		out[i] = &items[i]
	}
	return out
}
