package controllers_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

var _ = Describe("A plain no", func() {
	It("declines an unreasonable demand with a lead's approval, offers nothing, and counts it apart", func() {
		ns := newNamespace()
		newPolicy(ns, "terms", func(s *supportv1.ServicePolicySpec) {
			s.Recovery = &supportv1.Recovery{AllowDecline: true, Gestures: []supportv1.GestureRule{
				{Categories: []supportv1.Category{supportv1.CategoryMissedDeadline}, Kind: supportv1.GestureDiscount, Detail: "15% off"}}}
		})
		c := newComplaint(ns, "demand", nil)
		Eventually(func() supportv1.Phase { return getComplaint(c).Status.Phase }).Should(Equal(supportv1.PhaseNew))
		before := counter("servicedesk_complaints_resolved_total", map[string]string{"namespace": ns, "outcome": "Declined"})

		By("a decline without a reason refused by the schema")
		bad := getComplaint(c)
		bad.Spec.Resolution = &supportv1.Resolution{Summary: "no", Outcome: supportv1.OutcomeDeclined}
		Expect(k8sClient.Update(ctx, bad)).To(MatchError(ContainSubstring("a Declined resolution needs a reason")))

		By("a decline waiting for a lead, though the policy requires no approval")
		declined := supportv1.Resolution{Summary: "explained our delivery terms", ProposedBy: "agent-bob",
			Outcome: supportv1.OutcomeDeclined, Reason: "a full refund for a one-day delay is beyond our terms"}
		patchSpec(c, func(s *supportv1.ComplaintSpec) { s.Resolution = declined.DeepCopy() })
		Eventually(func() supportv1.Phase { return getComplaint(c).Status.Phase }).Should(Equal(supportv1.PhasePendingApproval))
		Expect(getComplaint(c).Status.Gesture).To(BeNil(), "a plain no offers no gesture")

		By("the lead approving it")
		patchSpec(c, func(s *supportv1.ComplaintSpec) { s.Resolution.ApprovedBy = "lead-carol" })
		Eventually(func(g Gomega) {
			st := getComplaint(c).Status
			g.Expect(st.Phase).To(Equal(supportv1.PhaseResolved))
			g.Expect(st.History).To(ContainElement(HaveField("Message", ContainSubstring("the demand declined"))))
		}).Should(Succeed())
		Eventually(func() float64 {
			return counter("servicedesk_complaints_resolved_total", map[string]string{"namespace": ns, "outcome": "Declined"})
		}).Should(Equal(before + 1))
	})
})
