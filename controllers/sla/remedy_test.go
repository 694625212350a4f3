package sla

import (
	"slices"
	"testing"
	"time"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

func newRemedy(requested time.Time, f *supportv1.Fulfilment) *supportv1.Remedy {
	return &supportv1.Remedy{
		ObjectMeta: metav1.ObjectMeta{Name: "c-x7k2p-reship", Namespace: "support", Generation: 1},
		Spec: supportv1.RemedySpec{ComplaintName: "c-x7k2p", Action: "reship", Department: "warehouse", Kind: supportv1.RemedyReship,
			RequestedAt: metav1.NewTime(requested), Fulfilment: f},
	}
}

// A remedy's clock: due fulfilWithin after the department was asked, at
// risk at the policy's share, breached (and escalated) once; the report
// stops it; a remedy no longer asked for is cancelled.
func TestEvaluateRemedy(t *testing.T) {
	warehouse := &supportv1.Department{Name: "warehouse", FulfilWithin: dur(4 * time.Hour)}
	done := &supportv1.Fulfilment{Outcome: supportv1.FulfilmentDone, By: "warehouse-bot", Reference: "TRACK-1"}
	failed := &supportv1.Fulfilment{Outcome: supportv1.FulfilmentFailed, By: "warehouse-bot", Note: "out of stock"}
	for _, tc := range []struct {
		name       string
		fulfilment *supportv1.Fulfilment
		dept       *supportv1.Department
		current    bool
		// at: the evaluations, each from the status of the one before.
		at          []time.Duration
		fulfilledAt time.Duration
		phase       supportv1.RemedyPhase
		state       supportv1.ClockState
		reasons     []string // every transition, in order
		overdue     int      // evaluations that asked to escalate
		ready       metav1.ConditionStatus
		next        time.Duration // of the last evaluation; -1: none
	}{
		{name: "pending: looks again at the at-risk point", dept: warehouse, current: true, at: []time.Duration{time.Minute},
			phase: supportv1.RemedyPending, state: supportv1.ClockRunning, ready: metav1.ConditionFalse, next: 3 * time.Hour},
		{name: "at risk once, then overdue once", dept: warehouse, current: true, at: []time.Duration{3 * time.Hour, 3*time.Hour + time.Minute, 4 * time.Hour, 5 * time.Hour},
			phase: supportv1.RemedyPending, state: supportv1.ClockBreached, reasons: []string{supportv1.ReasonRemedyAtRisk, string(supportv1.ReasonRemedyOverdue)},
			overdue: 1, ready: metav1.ConditionFalse, next: -1},
		{name: "done in time: met at the report", fulfilment: done, dept: warehouse, current: true, at: []time.Duration{2 * time.Hour, 3 * time.Hour}, fulfilledAt: time.Hour,
			phase: supportv1.RemedyDone, state: supportv1.ClockMet, reasons: []string{supportv1.ReasonRemedyDone}, ready: metav1.ConditionTrue, next: -1},
		{name: "done late, the breach first seen with the report: breached, escalated once, and done", fulfilment: done, dept: warehouse, current: true,
			at: []time.Duration{6 * time.Hour, 7 * time.Hour}, fulfilledAt: 5 * time.Hour, phase: supportv1.RemedyDone, state: supportv1.ClockBreached,
			reasons: []string{string(supportv1.ReasonRemedyOverdue), supportv1.ReasonRemedyDone}, overdue: 1, ready: metav1.ConditionTrue, next: -1},
		{name: "done at the due time: breached, escalated once", fulfilment: done, dept: warehouse, current: true, at: []time.Duration{4 * time.Hour}, fulfilledAt: 4 * time.Hour,
			phase: supportv1.RemedyDone, state: supportv1.ClockBreached, reasons: []string{string(supportv1.ReasonRemedyOverdue), supportv1.ReasonRemedyDone}, overdue: 1,
			ready: metav1.ConditionTrue, next: -1},
		{name: "failed late: breached, escalated once", fulfilment: failed, dept: warehouse, current: true, at: []time.Duration{5 * time.Hour}, fulfilledAt: 5 * time.Hour,
			phase: supportv1.RemedyFailed, state: supportv1.ClockBreached, reasons: []string{string(supportv1.ReasonRemedyOverdue), supportv1.ReasonRemedyFailed}, overdue: 1,
			ready: metav1.ConditionFalse, next: -1},
		{name: "failed", fulfilment: failed, dept: warehouse, current: true, at: []time.Duration{time.Hour}, fulfilledAt: time.Hour,
			phase: supportv1.RemedyFailed, state: supportv1.ClockMet, reasons: []string{supportv1.ReasonRemedyFailed}, ready: metav1.ConditionFalse, next: -1},
		{name: "no longer asked for: cancelled, no clock running", dept: warehouse, at: []time.Duration{time.Hour, 5 * time.Hour},
			phase: supportv1.RemedyCancelled, reasons: []string{supportv1.ReasonRemedyCancelled}, ready: metav1.ConditionTrue, next: -1},
		{name: "a department without a target: no clock", current: true, at: []time.Duration{100 * time.Hour},
			phase: supportv1.RemedyPending, ready: metav1.ConditionFalse, next: -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRemedy(t0, tc.fulfilment)
			var reasons []string
			overdue := 0
			var res RemedyResult
			for _, at := range tc.at {
				res = EvaluateRemedy(RemedyInput{Remedy: r, Department: tc.dept, Current: tc.current, FulfilledAt: ts(tc.fulfilledAt), Now: ts(at)})
				for _, tr := range res.Transitions {
					reasons = append(reasons, tr.Reason)
				}
				if res.Overdue {
					overdue++
				}
				r.Status = res.Status
			}
			if r.Status.Phase != tc.phase || r.Status.Clock.State != tc.state {
				t.Errorf("phase, clock = %s, %q; want %s, %q", r.Status.Phase, r.Status.Clock.State, tc.phase, tc.state)
			}
			if !slices.Equal(reasons, tc.reasons) || overdue != tc.overdue {
				t.Errorf("transitions %v, overdue %d times; want %v, %d", reasons, overdue, tc.reasons, tc.overdue)
			}
			if c := apimeta.FindStatusCondition(r.Status.Conditions, supportv1.ConditionReady); c == nil || c.Status != tc.ready {
				t.Errorf("Ready = %+v, want %s", c, tc.ready)
			}
			if want := ts(tc.next); (tc.next < 0 && !res.Next.IsZero()) || (tc.next >= 0 && !res.Next.Equal(want)) {
				t.Errorf("next = %v, want %v", res.Next, tc.next)
			}
			if tc.fulfilment != nil && (r.Status.FulfilledAt == nil || !r.Status.FulfilledAt.Time.Equal(ts(tc.fulfilledAt))) {
				t.Errorf("fulfilledAt = %v, want %v", r.Status.FulfilledAt, ts(tc.fulfilledAt))
			}
		})
	}
}

// Whether a complaint still asks for a remedy: its action, its round, its
// resolution not set aside; a status not caught up yet still asks.
func TestRemedyCurrent(t *testing.T) {
	requested := metav1.NewTime(ts(time.Hour))
	res := withActions(resV1, reship)
	for _, tc := range []struct {
		name string
		edit func(c *supportv1.Complaint)
		want bool
	}{
		{"this round", func(c *supportv1.Complaint) { c.Status.RemediesRequestedAt = &requested }, true},
		{"the status not caught up yet", func(c *supportv1.Complaint) {}, true},
		{"another round", func(c *supportv1.Complaint) { c.Status.RemediesRequestedAt = metaTime(ts(2 * time.Hour)) }, false},
		{"its round ended", func(c *supportv1.Complaint) { c.Status.EndedRemediesRequestedAt = &requested }, false},
		{"a later round than the status shows yet", func(c *supportv1.Complaint) {
			c.Status.RemediesRequestedAt, c.Status.EndedRemediesRequestedAt = metaTime(ts(30*time.Minute)), metaTime(ts(30*time.Minute))
		}, true},
		{"set aside: a remedy failed", func(c *supportv1.Complaint) { c.Status.Seen.FailedResolution = Fingerprint(c.Spec.Resolution) }, false},
		{"the action withdrawn", func(c *supportv1.Complaint) { c.Spec.Resolution.Actions = []supportv1.RemedyAction{refund} }, false},
		{"the action now for another department", func(c *supportv1.Complaint) { c.Spec.Resolution.Actions[0].Department = "stores" }, false},
		{"the resolution withdrawn", func(c *supportv1.Complaint) { c.Spec.Resolution = nil }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newComplaint(t0)
			c.Spec.Resolution = res.DeepCopy()
			tc.edit(c)
			if got := RemedyCurrent(c, newRemedy(requested.Time, nil)); got != tc.want {
				t.Errorf("RemedyCurrent = %t, want %t", got, tc.want)
			}
		})
	}
}
