package sla

import (
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

func percentOff(n int32) *supportv1.GestureValue { return &supportv1.GestureValue{Percent: ptr.To(n)} }

func eur(s string) *supportv1.GestureValue {
	q := resource.MustParse(s)
	return &supportv1.GestureValue{Amount: &q, Currency: "EUR"}
}

func withGesture(r supportv1.Resolution, v *supportv1.GestureValue) supportv1.Resolution {
	r.Gesture = &supportv1.Gesture{Kind: supportv1.GestureDiscount, Value: v}
	return r
}

func atFault(r supportv1.Resolution, f supportv1.CompanyFault) supportv1.Resolution {
	r.Assessment = &supportv1.Assessment{CompanyFault: f}
	return r
}

// A gesture worth more than the policy's approvalAbove needs a lead's
// approval, though the policy requires none; a smaller one does not.
func TestApprovalAbove(t *testing.T) {
	limit := resource.MustParse("50")
	p := compiled(t, supportv1.ServicePolicySpec{Recovery: &supportv1.Recovery{
		ApprovalAbove: &supportv1.GestureLimit{Percent: ptr.To[int32](20), Amount: &limit}}})
	cases := []struct {
		name    string
		value   *supportv1.GestureValue
		pending bool
	}{
		{"15% off is within the agent's authority", percentOff(15), false},
		{"exactly the limit is within it", percentOff(20), false},
		{"30% off needs a lead", percentOff(30), true},
		{"EUR 25 is within it", eur("25"), false},
		{"EUR 50.01 needs a lead", eur("50.01"), true},
		{"a gesture without a value is within it", nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newSim(t, p, newComplaint(t0))
			s.eval(t, t0, nil)
			r := s.eval(t, ts(10*time.Minute), resolve(withGesture(resV1, tc.value)))
			if got := r.Status.Phase == supportv1.PhasePendingApproval; got != tc.pending {
				t.Fatalf("phase %s, pending approval = %t, want %t", r.Status.Phase, got, tc.pending)
			}
			if (r.Status.ResolvedAt != nil) == tc.pending {
				t.Fatalf("resolvedAt = %v with pending = %t", r.Status.ResolvedAt, tc.pending)
			}
			if tc.pending {
				r = s.eval(t, ts(20*time.Minute), resolve(approved(withGesture(resV1, tc.value), "lead-carol")))
				wantPhase(t, r, supportv1.PhaseResolved)
			}
		})
	}
}

// The policy's default gesture may depend on the company's fault: the
// first rule whose faults include the assessment's applies.
func TestDefaultGestureByFault(t *testing.T) {
	limit := resource.MustParse("30")
	p := compiled(t, supportv1.ServicePolicySpec{Recovery: &supportv1.Recovery{
		ApprovalAbove: &supportv1.GestureLimit{Amount: &limit},
		Gestures: []supportv1.GestureRule{
			{Categories: []supportv1.Category{supportv1.CategoryMissedDeadline}, CompanyFault: []supportv1.CompanyFault{supportv1.FaultFull},
				Kind: supportv1.GestureDiscount, Detail: "EUR 40 voucher", Value: eur("40")},
			{Categories: []supportv1.Category{supportv1.CategoryMissedDeadline}, Kind: supportv1.GesturePersonalCall, Detail: "a call from the lead"},
		}}})
	cases := []struct {
		name    string
		res     supportv1.Resolution
		kind    supportv1.GestureKind
		pending bool
	}{
		{"full fault: the generous rule, above the limit", atFault(resV1, supportv1.FaultFull), supportv1.GestureDiscount, true},
		{"partial fault: the next rule", atFault(resV1, supportv1.FaultPartial), supportv1.GesturePersonalCall, false},
		{"not assessed: the next rule", resV1, supportv1.GesturePersonalCall, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newSim(t, p, newComplaint(t0))
			s.eval(t, t0, nil)
			r := s.eval(t, ts(10*time.Minute), resolve(tc.res))
			if r.Status.Gesture == nil || r.Status.Gesture.Kind != tc.kind {
				t.Fatalf("gesture = %+v, want %s", r.Status.Gesture, tc.kind)
			}
			if got := r.Status.Phase == supportv1.PhasePendingApproval; got != tc.pending {
				t.Fatalf("phase %s, want pending approval = %t", r.Status.Phase, tc.pending)
			}
		})
	}
}
