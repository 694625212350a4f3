package controllers_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

var _ = Describe("Compensation within authority", func() {
	It("holds a gesture above approvalAbove for a lead, and lets a small one through", func() {
		ns := newNamespace()
		limit := resource.MustParse("50")
		newPolicy(ns, "authority", func(s *supportv1.ServicePolicySpec) {
			s.Recovery = &supportv1.Recovery{ApprovalAbove: &supportv1.GestureLimit{Percent: ptr.To[int32](20), Amount: &limit}}
		})
		small := newComplaint(ns, "small", nil)
		large := newComplaint(ns, "large", nil)
		for _, c := range []*supportv1.Complaint{small, large} {
			Eventually(func() supportv1.Phase { return getComplaint(c).Status.Phase }).Should(Equal(supportv1.PhaseNew))
		}
		propose := func(c *supportv1.Complaint, percent int32) {
			patchSpec(c, func(s *supportv1.ComplaintSpec) {
				s.Resolution = &supportv1.Resolution{Summary: "redelivered", ProposedBy: "agent-bob",
					Gesture: &supportv1.Gesture{Kind: supportv1.GestureDiscount, Value: &supportv1.GestureValue{Percent: ptr.To(percent)}}}
			})
		}
		propose(small, 15)
		propose(large, 40)
		Eventually(func() supportv1.Phase { return getComplaint(small).Status.Phase }).Should(Equal(supportv1.PhaseResolved))
		Eventually(func() supportv1.Phase { return getComplaint(large).Status.Phase }).Should(Equal(supportv1.PhasePendingApproval))

		patchSpec(large, func(s *supportv1.ComplaintSpec) { s.Resolution.ApprovedBy = "lead-carol" })
		Eventually(func() supportv1.Phase { return getComplaint(large).Status.Phase }).Should(Equal(supportv1.PhaseResolved))
	})
})
