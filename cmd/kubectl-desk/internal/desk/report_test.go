package desk

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

func TestPercentile(t *testing.T) {
	m := time.Minute
	for _, tc := range []struct {
		name     string
		in       []time.Duration
		p50, p90 time.Duration
	}{
		{"one value", []time.Duration{5 * m}, 5 * m, 5 * m},
		{"two values: p50 is the lower", []time.Duration{1 * m, 9 * m}, 1 * m, 9 * m},
		{"ten values", []time.Duration{10 * m, 1 * m, 2 * m, 3 * m, 4 * m, 5 * m, 6 * m, 7 * m, 8 * m, 9 * m}, 5 * m, 9 * m},
		{"eleven values", []time.Duration{1 * m, 2 * m, 3 * m, 4 * m, 5 * m, 6 * m, 7 * m, 8 * m, 9 * m, 10 * m, 11 * m}, 6 * m, 10 * m},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := percentiles(tc.in)
			if d.P50.Duration != tc.p50 || d.P90.Duration != tc.p90 || d.Count != len(tc.in) {
				t.Errorf("got p50 %s p90 %s count %d; want %s %s %d", d.P50.Duration, d.P90.Duration, d.Count, tc.p50, tc.p90, len(tc.in))
			}
		})
	}
	if d := percentiles(nil); d.Count != 0 || d.P50.Duration != 0 {
		t.Errorf("no values: %+v", d)
	}
}

func TestBuildReport(t *testing.T) {
	mk := func(name string, created time.Duration, mutate func(*supportv1.Complaint)) supportv1.Complaint {
		c := supportv1.Complaint{ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: *mt(created)}}
		c.Spec.Category = supportv1.CategoryMissedDeadline
		c.Status.Phase = supportv1.PhaseNew
		mutate(&c)
		return c
	}
	breached := &supportv1.ClockStatus{State: supportv1.ClockBreached}
	met := &supportv1.ClockStatus{State: supportv1.ClockMet}
	complaints := []supportv1.Complaint{
		mk("too-old", -48*time.Hour, func(c *supportv1.Complaint) {}),
		mk("reported-earlier", 0, func(c *supportv1.Complaint) { c.Spec.ReportedAt = mt(-48 * time.Hour) }), // sla.Start: before the period
		mk("a", 0, func(c *supportv1.Complaint) {
			c.Status.Phase = supportv1.PhaseClosed
			c.Status.AcknowledgedAt, c.Status.ResolvedAt = mt(10*time.Minute), mt(2*time.Hour)
			c.Status.Clocks = supportv1.Clocks{FirstResponse: met, Resolution: met}
			c.Status.ReopenCount = 1
			c.Spec.Feedback = &supportv1.Feedback{Satisfaction: ptr.To[int32](5)}
		}),
		mk("b", time.Hour, func(c *supportv1.Complaint) {
			c.Spec.Customer.Tier = supportv1.TierKey
			c.Spec.Category = supportv1.CategoryOrderError
			c.Status.Phase = supportv1.PhaseResolved
			c.Status.AcknowledgedAt, c.Status.ResolvedAt = mt(time.Hour+30*time.Minute), mt(5*time.Hour)
			c.Status.Clocks = supportv1.Clocks{FirstResponse: breached, Resolution: met}
			c.Spec.Feedback = &supportv1.Feedback{Satisfaction: ptr.To[int32](2)}
		}),
		mk("c", 2*time.Hour, func(c *supportv1.Complaint) {
			c.Status.Clocks = supportv1.Clocks{FirstResponse: breached}
		}),
	}
	escalations := []supportv1.Escalation{
		{ObjectMeta: metav1.ObjectMeta{CreationTimestamp: *mt(time.Hour)}, Spec: supportv1.EscalationSpec{Level: 1, LevelName: "team-lead", Reason: supportv1.ReasonFirstResponseBreached}},
		{ObjectMeta: metav1.ObjectMeta{CreationTimestamp: *mt(2 * time.Hour)}, Spec: supportv1.EscalationSpec{Level: 1, LevelName: "team-lead", Reason: supportv1.ReasonFirstResponseBreached}},
		{ObjectMeta: metav1.ObjectMeta{CreationTimestamp: *mt(3 * time.Hour)}, Spec: supportv1.EscalationSpec{Level: 2, LevelName: "manager", Reason: supportv1.ReasonFirstResponseBreached}},
		{ObjectMeta: metav1.ObjectMeta{CreationTimestamp: *mt(time.Hour)}, Spec: supportv1.EscalationSpec{Level: 1, Reason: supportv1.ReasonRequested}},
		{ObjectMeta: metav1.ObjectMeta{CreationTimestamp: *mt(-48 * time.Hour)}, Spec: supportv1.EscalationSpec{Level: 1, LevelName: "team-lead"}},
	}
	r := BuildReport(complaints, escalations, t0.Add(-24*time.Hour))

	check := func(what string, got, want any) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %v, want %v", what, got, want)
		}
	}
	check("complaints", r.Complaints, 3)
	check("by category", r.ByCategory, map[string]int{"MissedDeadline": 2, "OrderError": 1})
	check("by tier", r.ByTier, map[string]int{"Standard": 2, "Key": 1})
	check("by phase", r.ByPhase, map[string]int{"Closed": 1, "Resolved": 1, "New": 1})
	check("first response", []time.Duration{r.FirstResponse.P50.Duration, r.FirstResponse.P90.Duration}, []time.Duration{10 * time.Minute, 30 * time.Minute})
	check("resolution", []time.Duration{r.Resolution.P50.Duration, r.Resolution.P90.Duration}, []time.Duration{2 * time.Hour, 4 * time.Hour})
	check("first response breaches", r.Breaches["firstResponse"], Rate{Of: 2, Total: 3, Rate: 0.667})
	check("resolution breaches", r.Breaches["resolution"], Rate{Of: 0, Total: 2, Rate: 0})
	check("update breaches", r.Breaches["update"], Rate{})
	check("escalations", r.EscalationsByLevel, map[string]int{"1 team-lead": 2, "2 manager": 1})
	check("requested", r.Requested, 1)
	check("satisfaction", r.Satisfaction, map[string]int{"5": 1, "2": 1})
	check("reopened", r.Reopened, Rate{Of: 1, Total: 2, Rate: 0.5})

	var b bytes.Buffer
	if err := r.Write(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Complaints reported since 2026-11-23T08:00:00Z: 3", "firstResponse   2          3     67%", "1 team-lead           2", "Reopened: 1 of 2 resolved (50%)"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, b.String())
		}
	}
}
