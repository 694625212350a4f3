package ledger

import (
	"testing"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	nt "github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/internal/deliverytest"
)

func TestSetNotifiedConditionWithoutDeliveries(t *testing.T) {
	tests := []struct {
		name       string
		policy     string
		list       []supportv1.Notification
		wantReason string
	}{
		{"the complaint has no policy yet", "", nil, supportv1.ReasonAwaitingPolicy},
		{"the policy names nobody", nt.Policy, nil, supportv1.ReasonNoDestinations},
		{"deliveries pending", nt.Policy, []supportv1.Notification{nt.Item("x1", "crm")}, supportv1.ReasonPending},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := supportv1.EscalationStatus{Policy: tt.policy, Notifications: tt.list}
			SetNotifiedCondition(&st, 3, nt.Now)
			cond := apimeta.FindStatusCondition(st.Conditions, supportv1.ConditionNotified)
			if cond == nil || cond.Status != metav1.ConditionFalse || cond.Reason != tt.wantReason || cond.ObservedGeneration != 3 ||
				!cond.LastTransitionTime.Time.Equal(nt.At(12, 0, 0)) {
				t.Errorf("Notified = %+v, want False %s at 12:00:00", cond, tt.wantReason)
			}
		})
	}
}
