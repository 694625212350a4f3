package controllers_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

var _ = Describe("Manager", func() {
	It("reconciles an object of each kind", func() {
		ns := newNamespace()
		policy := &supportv1.ServicePolicy{
			ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: ns},
			Spec: supportv1.ServicePolicySpec{
				Targets: supportv1.Targets{FirstResponse: &metav1.Duration{Duration: 3600e9}},
			},
		}
		complaint := &supportv1.Complaint{
			ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: ns},
			Spec: supportv1.ComplaintSpec{
				Customer: supportv1.Customer{Name: "Acme"},
				Category: supportv1.CategoryOrderError,
				Summary:  "wrong item",
			},
		}
		esc := &supportv1.Escalation{
			ObjectMeta: metav1.ObjectMeta{Name: "e", Namespace: ns},
			Spec: supportv1.EscalationSpec{
				ComplaintName: "c", Level: 1, Reason: supportv1.ReasonRequested,
				RequestedBy: "bob", Question: "refund the fee?",
			},
		}
		for _, obj := range []client.Object{policy, complaint, esc} {
			Expect(k8sClient.Create(ctx, obj)).To(Succeed())
		}
		Eventually(func(g Gomega) {
			var got supportv1.ServicePolicy
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(policy), &got)).To(Succeed())
			g.Expect(got.Status.ObservedGeneration).To(Equal(got.Generation))
			g.Expect(apimeta.IsStatusConditionTrue(got.Status.Conditions, supportv1.ConditionReady)).To(BeTrue())
		}).Should(Succeed())
		Eventually(func(g Gomega) {
			var got supportv1.Complaint
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(complaint), &got)).To(Succeed())
			g.Expect(got.Status.ObservedGeneration).To(Equal(got.Generation))
			g.Expect(got.Status.Phase).To(Equal(supportv1.PhaseNew))
		}).Should(Succeed())
		Eventually(func(g Gomega) {
			var got supportv1.Escalation
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(esc), &got)).To(Succeed())
			g.Expect(got.Status.ObservedGeneration).To(Equal(got.Generation))
			g.Expect(got.Status.Phase).To(Equal(supportv1.EscalationOpen))
		}).Should(Succeed())
	})
})
