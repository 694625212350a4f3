package sla

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// FuzzEvaluate runs the clocks on arbitrary targets (absurd ones such as
// 10000000h included), business hours and a complaint acknowledged, paused
// and resolved or not (a negative value leaves a fact out), looked at an
// arbitrary time after it was created, twice in a row as the reconciler would.
// It checks: no panic, no endless loop, no due time before its clock
// started, and a second evaluation at the same instant changes nothing.
func FuzzEvaluate(f *testing.F) {
	f.Add(int64(900), int64(3600), int64(86400), int32(75), "Europe/Berlin", "09:00", "17:00", int64(600), int64(-1), int64(-1), int64(7200), "customer")
	f.Add(int64(36_000_000_000), int64(0), int64(1), int32(1), "", "", "", int64(-1), int64(5), int64(1), int64(1), "")
	f.Add(int64(1), int64(1), int64(1), int32(99), "Pacific/Apia", "00:00", "24:00", int64(2), int64(1), int64(3), int64(4), "vendor")
	f.Fuzz(func(t *testing.T, firstResponse, update, resolution int64, atRisk int32, zone, from, to string, ackAfter, waitAfter, resolveAfter, nowAfter int64, waitingOn string) {
		secs := func(v int64) time.Duration { return time.Duration(v%(20_000_000*3600)) * time.Second }
		spec := supportv1.ServicePolicySpec{PauseWhile: []supportv1.WaitingOn{supportv1.WaitingOn(waitingOn)}}
		spec.Targets.AtRiskPercent = atRisk%100 + 1
		target := func(v int64) *metav1.Duration {
			if v <= 0 {
				return nil
			}
			return &metav1.Duration{Duration: secs(v)}
		}
		spec.Targets.FirstResponse, spec.Targets.Update, spec.Targets.Resolution = target(firstResponse), target(update), target(resolution)
		if zone != "" {
			spec.BusinessHours = &supportv1.BusinessHours{TimeZone: zone, Weekly: []supportv1.WeeklyHours{{Days: []supportv1.Weekday{"Mon", "Wed", "Sat"}, From: from, To: to}}}
		}
		p, err := Compile(&supportv1.ServicePolicy{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns"}, Spec: spec})
		if err != nil {
			return // refused with an error: the policy gets a condition
		}
		created := time.Date(2026, 3, 27, 22, 0, 0, 0, time.UTC)
		c := &supportv1.Complaint{ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "ns", Generation: 1, CreationTimestamp: metav1.NewTime(created)},
			Spec: supportv1.ComplaintSpec{Customer: supportv1.Customer{Name: "Ada"}, Category: supportv1.CategoryMissedDeadline, Summary: "late"}}
		if ackAfter >= 0 {
			c.Spec.Acknowledgement = &supportv1.Acknowledgement{By: "agent"}
		}
		if waitAfter >= 0 {
			c.Spec.WaitingOn = supportv1.WaitingOn(waitingOn)
		}
		if resolveAfter >= 0 {
			c.Spec.Resolution = &supportv1.Resolution{Summary: "fixed", Apologized: true}
		}
		now := created.Add(secs(max(nowAfter, 0)))

		done := make(chan struct{})
		go func() {
			defer close(done)
			first := Evaluate(Input{Complaint: c, Policy: p, Now: now})
			for name, clk := range map[string]*supportv1.ClockStatus{"firstResponse": first.Status.Clocks.FirstResponse, "update": first.Status.Clocks.Update, "resolution": first.Status.Clocks.Resolution} {
				if clk == nil || clk.StartedAt == nil || clk.DueAt == nil {
					continue
				}
				if clk.DueAt.Before(clk.StartedAt) {
					t.Errorf("%s due %s before it started %s", name, clk.DueAt, clk.StartedAt)
				}
			}
			if !first.Next.IsZero() && !first.Next.After(now) {
				t.Errorf("next look %s is not after now %s", first.Next, now)
			}
			again := c.DeepCopy()
			again.Status = first.Status
			second := Evaluate(Input{Complaint: again, Policy: p, Now: now})
			if len(second.Transitions) > 0 {
				t.Errorf("a second evaluation at the same instant fired again: %+v", second.Transitions)
			}
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("Evaluate did not finish in 10s")
		}
	})
}
