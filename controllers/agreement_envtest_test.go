package controllers_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apimeta "k8s.io/apimachinery/pkg/api/meta"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

var _ = Describe("The customer's agreement", func() {
	It("holds a proposal until the customer agrees, sends a declined one back into work, and takes a new answer for a new proposal", func() {
		ns := newNamespace()
		newPolicy(ns, "agreed", func(s *supportv1.ServicePolicySpec) {
			s.Targets.Resolution = dur(24 * time.Hour)
			s.PauseWhile = []supportv1.WaitingOn{supportv1.WaitingOnCustomer}
			s.Recovery = &supportv1.Recovery{RequireAgreement: true}
		})
		c := newComplaint(ns, "agree", nil)
		patchSpec(c, func(s *supportv1.ComplaintSpec) {
			s.Acknowledgement = &supportv1.Acknowledgement{By: "agent-bob"}
		})
		Eventually(func() supportv1.Phase { return getComplaint(c).Status.Phase }).Should(Equal(supportv1.PhaseAcknowledged))

		By("a proposal waiting for the customer, the clocks paused")
		patchSpec(c, func(s *supportv1.ComplaintSpec) {
			s.Resolution = &supportv1.Resolution{Summary: "a courier tonight", ProposedBy: "agent-bob"}
		})
		Eventually(func(g Gomega) {
			st := getComplaint(c).Status
			g.Expect(st.Phase).To(Equal(supportv1.PhaseAwaitingAgreement))
			g.Expect(st.Clocks.Resolution.State).To(Equal(supportv1.ClockPaused))
			g.Expect(st.ResolvedAt).To(BeNil())
		}).Should(Succeed())

		By("the customer declining")
		patchSpec(c, func(s *supportv1.ComplaintSpec) {
			s.Agreement = &supportv1.Agreement{Accepted: false, By: "agent-bob", Note: "wants a refund"}
		})
		Eventually(func(g Gomega) {
			st := getComplaint(c).Status
			g.Expect(st.Phase).To(Equal(supportv1.PhaseAcknowledged))
			g.Expect(st.History).To(ContainElement(And(HaveField("Event", supportv1.ReasonAgreementDeclined), HaveField("Message", ContainSubstring("wants a refund")))))
			g.Expect(apimeta.FindStatusCondition(st.Conditions, supportv1.ConditionResolutionAccepted)).To(HaveField("Reason", supportv1.ReasonCustomerUnsatisfied))
			g.Expect(st.Clocks.Resolution.State).To(Equal(supportv1.ClockRunning))
		}).Should(Succeed())

		By("a new proposal: the old answer does not count for it")
		patchSpec(c, func(s *supportv1.ComplaintSpec) {
			s.Resolution = &supportv1.Resolution{Summary: "a refund of the order", ProposedBy: "agent-bob"}
		})
		Eventually(func() supportv1.Phase { return getComplaint(c).Status.Phase }).Should(Equal(supportv1.PhaseAwaitingAgreement))
		Consistently(func() supportv1.Phase { return getComplaint(c).Status.Phase }, time.Second).Should(Equal(supportv1.PhaseAwaitingAgreement))

		By("the customer agreeing")
		patchSpec(c, func(s *supportv1.ComplaintSpec) {
			s.Agreement = &supportv1.Agreement{Accepted: true, By: "agent-bob", Note: "a refund is fine"}
		})
		Eventually(func(g Gomega) {
			st := getComplaint(c).Status
			g.Expect(st.Phase).To(Equal(supportv1.PhaseResolved))
			g.Expect(st.ResolvedAt).NotTo(BeNil())
			g.Expect(st.Clocks.Resolution.State).To(Equal(supportv1.ClockMet))
			g.Expect(st.Clocks.Resolution.PausedFor).NotTo(BeNil(), "the waits for the customer's answers are not counted")
		}).Should(Succeed())
	})
})
