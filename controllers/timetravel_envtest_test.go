package controllers_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// With an injected fake clock the operator lives through days in seconds:
// a spec edit makes it look again at the fake "now".
var _ = Describe("A complaint's week, on a fake clock", Serial, func() {
	It("warns, breaches, escalates, follows up and closes at the policy's instants", func() {
		stopMgr()
		fake := clocktesting.NewFakeClock(time.Now())
		opts := testOptions
		opts.Clock = fake
		stopFake := startManager(opts)
		DeferCleanup(func() {
			stopFake()
			stopMgr = startManager(testOptions)
		})

		ns := newNamespace()
		newPolicy(ns, "week", func(s *supportv1.ServicePolicySpec) {
			s.Targets.Resolution = dur(24 * time.Hour)
			s.Targets.AtRiskPercent = 75
			s.Escalation = &supportv1.EscalationPolicy{Levels: []supportv1.EscalationLevel{
				{Name: "team-lead", After: metav1.Duration{}}, {Name: "manager", After: metav1.Duration{Duration: 4 * time.Hour}}}}
			s.FollowUp = &supportv1.FollowUp{After: metav1.Duration{Duration: 168 * time.Hour}, CloseAfter: dur(336 * time.Hour)}
		})
		c := newComplaint(ns, "c", nil)
		var created time.Time
		Eventually(func(g Gomega) {
			got := getComplaint(c)
			g.Expect(got.Status.Clocks.Resolution).NotTo(BeNil())
			created = got.CreationTimestamp.Time
			g.Expect(got.Status.Clocks.Resolution.DueAt.Time).To(Equal(created.Add(24 * time.Hour)))
			g.Expect(got.Status.Clocks.Resolution.AtRiskAt.Time).To(Equal(created.Add(18 * time.Hour)))
		}).Should(Succeed())

		// at moves the fake clock to created+d and makes the operator look,
		// returning once it has (so a Consistently after it means something).
		n := 0
		at := func(d time.Duration) {
			fake.SetTime(created.Add(d))
			n++
			editSpec(c, func(s *supportv1.ComplaintSpec) { s.Owner = "agent-" + string(rune('a'+n)) })
			Eventually(func(g Gomega) {
				got := getComplaint(c)
				g.Expect(got.Status.ObservedGeneration).To(Equal(got.Generation))
			}).Should(Succeed())
		}

		at(18*time.Hour - time.Second)
		Consistently(func() bool {
			return apimeta.IsStatusConditionTrue(getComplaint(c).Status.Conditions, supportv1.ConditionAtRisk)
		}, time.Second).Should(BeFalse())
		at(18 * time.Hour)
		Eventually(func() bool {
			return apimeta.IsStatusConditionTrue(getComplaint(c).Status.Conditions, supportv1.ConditionAtRisk)
		}).Should(BeTrue())

		at(24 * time.Hour)
		Eventually(func(g Gomega) {
			got := getComplaint(c)
			g.Expect(got.Status.Clocks.Resolution.State).To(Equal(supportv1.ClockBreached))
			g.Expect(got.Status.EscalationLevel).To(BeEquivalentTo(1))
		}).Should(Succeed())
		Expect(escalationsOf(ns, "c")).To(HaveLen(1))

		at(28*time.Hour - time.Second)
		Consistently(func() []supportv1.Escalation { return escalationsOf(ns, "c") }, time.Second).Should(HaveLen(1))
		at(28 * time.Hour)
		Eventually(func() []supportv1.Escalation { return escalationsOf(ns, "c") }).Should(HaveLen(2))

		at(30 * time.Hour)
		editSpec(c, func(s *supportv1.ComplaintSpec) { s.Resolution = &supportv1.Resolution{Summary: "fixed"} })
		// Facts count from the API server's stamp of their write, which runs on
		// the real clock here: the follow-up and closing count from resolvedAt.
		var resolved time.Time
		Eventually(func(g Gomega) {
			got := getComplaint(c)
			g.Expect(got.Status.Phase).To(Equal(supportv1.PhaseResolved))
			resolved = got.Status.ResolvedAt.Time
			g.Expect(got.Status.FollowUpAt.Time).To(Equal(resolved.Add(168 * time.Hour)))
		}).Should(Succeed())
		Eventually(func() []supportv1.EscalationPhase {
			var out []supportv1.EscalationPhase
			for _, e := range escalationsOf(ns, "c") {
				out = append(out, e.Status.Phase)
			}
			return out
		}).Should(ConsistOf(supportv1.EscalationSuperseded, supportv1.EscalationClosed))

		at(resolved.Sub(created) + 168*time.Hour - time.Second)
		Consistently(func() bool { return getComplaint(c).Status.FollowUpNotified }, time.Second).Should(BeFalse())
		at(resolved.Sub(created) + 168*time.Hour)
		Eventually(func() bool { return getComplaint(c).Status.FollowUpNotified }).Should(BeTrue())

		at(resolved.Sub(created) + 336*time.Hour)
		Eventually(func(g Gomega) {
			got := getComplaint(c)
			g.Expect(got.Status.Phase).To(Equal(supportv1.PhaseClosed))
			g.Expect(got.Status.ClosedAt.Time).To(Equal(resolved.Add(336 * time.Hour)))
		}).Should(Succeed())
	})
})
