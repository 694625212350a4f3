package controllers_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// Facts count from when the API server recorded them (managedFields times),
// not from when the operator saw them: see docs/clock-facts.md.
var _ = Describe("Recorded facts", Serial, func() {
	It("counts an acknowledgement written before the due time as Met when the operator first sees it after", func() {
		// The operator is down while the complaint is created and acknowledged.
		stopMgr()
		running := false
		DeferCleanup(func() {
			if !running {
				stopMgr = startManager(testOptions)
			}
		})

		ns := newNamespace()
		newPolicy(ns, "p", func(s *supportv1.ServicePolicySpec) {
			s.Targets.FirstResponse = dur(4 * time.Second)
		})
		c := newComplaint(ns, "c", nil)
		// Deadlines have second precision: the clock starts at the creation second.
		due := c.CreationTimestamp.Time.Truncate(time.Second).Add(4 * time.Second)

		time.Sleep(time.Until(due.Add(-time.Second)))
		// A merge patch, as `kubectl patch --type=merge` sends it.
		ack := client.RawPatch(types.MergePatchType, []byte(`{"spec":{"acknowledgement":{"by":"agent-bob","note":"called back"}}}`))
		Expect(k8sClient.Patch(ctx, c.DeepCopy(), ack)).To(Succeed())
		Expect(time.Now()).To(BeTemporally("<", due), "the acknowledgement must be written before the due time")

		time.Sleep(time.Until(due.Add(2 * time.Second)))
		stopMgr = startManager(testOptions)
		running = true

		Eventually(func(g Gomega) {
			got := getComplaint(c)
			fr := got.Status.Clocks.FirstResponse
			g.Expect(fr).NotTo(BeNil())
			g.Expect(fr.State).To(Equal(supportv1.ClockMet))
			g.Expect(fr.DueAt).NotTo(BeNil())
			g.Expect(fr.DueAt.Time).To(BeTemporally("==", due))
			g.Expect(got.Status.AcknowledgedAt).NotTo(BeNil())
			g.Expect(got.Status.AcknowledgedAt.Time).To(BeTemporally("<", fr.DueAt.Time))
			g.Expect(got.Status.BreachedAt).To(BeNil())
			g.Expect(got.Status.History).To(ContainElement(And(
				HaveField("Event", "Acknowledged"),
				HaveField("Time.Time", BeTemporally("==", got.Status.AcknowledgedAt.Time)),
			)))
		}, 10*time.Second).Should(Succeed())

		Consistently(func(g Gomega) {
			g.Expect(eventReasons(c)).NotTo(ContainElement("Breached"))
			g.Expect(getComplaint(c).Status.History).NotTo(ContainElement(HaveField("Event", "Breached")))
		}, 2*time.Second).Should(Succeed())
	})
})
