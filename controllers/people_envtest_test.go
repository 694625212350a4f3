package controllers_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// peoplePolicy is a policy with a three-level ladder (team-lead at once,
// manager after 1h, director after 2h) and the edits of a spec.
func peoplePolicy(ns string, edit func(*supportv1.ServicePolicySpec)) {
	newPolicy(ns, "people", func(s *supportv1.ServicePolicySpec) {
		s.Escalation = &supportv1.EscalationPolicy{Levels: []supportv1.EscalationLevel{
			{Name: "team-lead"}, {Name: "manager", After: metav1.Duration{Duration: time.Hour}}, {Name: "director", After: metav1.Duration{Duration: 2 * time.Hour}},
		}}
		edit(s)
	})
}

// patchSpec edits a complaint's spec as a person would (optimistic lock).
func patchSpec(c *supportv1.Complaint, edit func(*supportv1.ComplaintSpec)) {
	Eventually(func() error {
		cur := getComplaint(c)
		edit(&cur.Spec)
		return k8sClient.Update(ctx, cur)
	}).Should(Succeed())
}

func escalationReasons(ns, complaint string) []supportv1.EscalationReason {
	var out []supportv1.EscalationReason
	for _, e := range escalationsOf(ns, complaint) {
		out = append(out, e.Spec.Reason)
	}
	return out
}

var _ = Describe("People on the clock", func() {
	It("breaches an unowned complaint's assignment target once, across a restart, and tells who took it", Serial, func() {
		ns := newNamespace()
		peoplePolicy(ns, func(s *supportv1.ServicePolicySpec) { s.Targets.Assignment = dur(3 * time.Second) })
		c := newComplaint(ns, "unowned", nil)
		Eventually(func() *supportv1.ClockStatus { return getComplaint(c).Status.Clocks.Assignment }).Should(HaveField("State", supportv1.ClockRunning))

		By("the operator down when the target passes")
		stopMgr()
		time.Sleep(3 * time.Second)
		stopMgr = startManager(testOptions)

		Eventually(func() []supportv1.EscalationReason { return escalationReasons(ns, "unowned") }, 10*time.Second).Should(
			Equal([]supportv1.EscalationReason{supportv1.ReasonAssignmentBreached}))
		// The level is created in the pass that records the breach, just before its status write.
		Eventually(func(g Gomega) {
			st := getComplaint(c).Status
			g.Expect(st.Clocks.Assignment.State).To(Equal(supportv1.ClockBreached))
			g.Expect(st.BreachedAt.Time).To(Equal(st.Clocks.Assignment.DueAt.Time))
		}).Should(Succeed())

		By("kstatus and GitOps seeing it work as designed")
		Eventually(kstatusOf(c)).Should(HaveField("Status", status.CurrentStatus))

		By("an agent taking it")
		patchSpec(c, func(s *supportv1.ComplaintSpec) { s.Owner = "agent-bob" })
		Eventually(func(g Gomega) {
			st := getComplaint(c).Status
			g.Expect(st.Clocks.Assignment.StoppedAt).NotTo(BeNil())
			g.Expect(st.OwnedAt).NotTo(BeNil())
			g.Expect(st.History).To(ContainElement(And(HaveField("Event", supportv1.ReasonOwnerChanged), HaveField("By", "agent-bob"),
				HaveField("Message", "Owner changed from (none) to agent-bob"))))
		}).Should(Succeed())
		Consistently(func() []supportv1.Escalation { return escalationsOf(ns, "unowned") }, 2*time.Second).Should(HaveLen(1))
	})

	It("breaches a resolution waiting too long for approval, and climbs once", func() {
		ns := newNamespace()
		peoplePolicy(ns, func(s *supportv1.ServicePolicySpec) {
			s.Targets.Approval = dur(2 * time.Second)
			s.Recovery = &supportv1.Recovery{RequireApproval: true}
		})
		c := newComplaint(ns, "waiting", func(c *supportv1.Complaint) { c.Spec.Owner = "agent-bob" })
		Eventually(func() supportv1.Phase { return getComplaint(c).Status.Phase }).Should(Equal(supportv1.PhaseNew))
		patchSpec(c, func(s *supportv1.ComplaintSpec) {
			s.Resolution = &supportv1.Resolution{Summary: "refund the delivery fee", ProposedBy: "agent-bob"}
		})
		Eventually(func() supportv1.Phase { return getComplaint(c).Status.Phase }).Should(Equal(supportv1.PhasePendingApproval))
		Eventually(func() []supportv1.EscalationReason { return escalationReasons(ns, "waiting") }, 10*time.Second).Should(
			Equal([]supportv1.EscalationReason{supportv1.ReasonApprovalBreached}))
		Eventually(func() supportv1.ClockState { return getComplaint(c).Status.Clocks.Approval.State }).Should(Equal(supportv1.ClockBreached))
		Consistently(func() []supportv1.Escalation { return escalationsOf(ns, "waiting") }, 2*time.Second).Should(HaveLen(1))
	})
})

var _ = Describe("Nothing waits forever", func() {
	It("climbs an undecided request once per level, up to the top, with its question", func() {
		ns := newNamespace()
		peoplePolicy(ns, func(s *supportv1.ServicePolicySpec) { s.Escalation.DecideWithin = dur(2 * time.Second) })
		c := newComplaint(ns, "asks", nil)
		Eventually(func() supportv1.Phase { return getComplaint(c).Status.Phase }).Should(Equal(supportv1.PhaseNew))
		req := &supportv1.Escalation{ObjectMeta: metav1.ObjectMeta{Name: "asks-request", Namespace: ns}, Spec: supportv1.EscalationSpec{
			ComplaintName: "asks", Level: 1, LevelName: "team-lead", Reason: supportv1.ReasonRequested, RequestedBy: "agent-bob", Question: "refund the fee?"}}
		Expect(k8sClient.Create(ctx, req)).To(Succeed())

		Eventually(func() []supportv1.EscalationReason { return escalationReasons(ns, "asks") }, 15*time.Second).Should(ConsistOf(
			supportv1.ReasonRequested, supportv1.ReasonRequestUndecided, supportv1.ReasonRequestUndecided))
		var levels []int32
		for _, e := range escalationsOf(ns, "asks") {
			levels = append(levels, e.Spec.Level)
			if e.Spec.Reason == supportv1.ReasonRequestUndecided {
				Expect(e.Spec.Question).To(Equal("refund the fee?"))
				Expect(e.Spec.RequestedBy).To(Equal("agent-bob"))
				Expect(e.Spec.Follows).NotTo(BeEmpty())
			}
		}
		Expect(levels).To(ConsistOf(int32(1), int32(2), int32(3)))
		Eventually(func() supportv1.EscalationPhase { return getEscalation(ns, "asks-request").Status.Phase }).Should(Equal(supportv1.EscalationSuperseded))
		Consistently(func() []supportv1.Escalation { return escalationsOf(ns, "asks") }, 3*time.Second).Should(HaveLen(3), "nothing past the top")
	})

	It("climbs once when an acknowledged level sees no progress, and not when an update comes in time", func() {
		ns := newNamespace()
		peoplePolicy(ns, func(s *supportv1.ServicePolicySpec) {
			s.Targets.FirstResponse = dur(time.Second)
			s.Escalation.AckTimeout = dur(3 * time.Second)
		})
		idle := newComplaint(ns, "idle", nil)
		busy := newComplaint(ns, "busy", nil)
		for _, name := range []string{"idle", "busy"} {
			Eventually(func() []supportv1.Escalation { return escalationsOf(ns, name) }, 10*time.Second).Should(HaveLen(1))
			Eventually(func() error {
				e := getEscalation(ns, name+"-team-lead")
				e.Spec.Acknowledgement = &supportv1.EscalationAcknowledgement{By: "lead-carol"}
				return k8sClient.Update(ctx, e)
			}).Should(Succeed())
		}
		patchSpec(busy, func(s *supportv1.ComplaintSpec) {
			s.LastUpdate = &supportv1.ProgressUpdate{Note: "courier booked", By: "agent-bob"}
		})
		Eventually(func() *metav1.Time { return getComplaint(busy).Status.LastUpdateAt }).ShouldNot(BeNil())

		Eventually(func() []supportv1.EscalationReason { return escalationReasons(ns, "idle") }, 10*time.Second).Should(ConsistOf(
			supportv1.ReasonFirstResponseBreached, supportv1.ReasonAckTimedOut))
		Expect(getEscalation(ns, "idle-manager").Spec.Follows).To(Equal("idle-team-lead"))
		Eventually(func() int32 { return getComplaint(idle).Status.EscalationLevel }).Should(BeEquivalentTo(2))
		Consistently(func() []supportv1.Escalation { return escalationsOf(ns, "idle") }, 4*time.Second).Should(HaveLen(2), "the new level is not acknowledged: it waits for its people")
		Expect(escalationsOf(ns, "busy")).To(HaveLen(1), "an update after the acknowledgement is progress")
	})
})
