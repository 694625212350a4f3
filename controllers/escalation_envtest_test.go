package controllers_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

const hookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

func escalationsOf(ns, complaint string) []supportv1.Escalation {
	var list supportv1.EscalationList
	ExpectWithOffset(1, k8sClient.List(ctx, &list, client.InNamespace(ns))).To(Succeed())
	var out []supportv1.Escalation
	for _, e := range list.Items {
		if e.Spec.ComplaintName == complaint {
			out = append(out, e)
		}
	}
	return out
}

func getEscalation(ns, name string) *supportv1.Escalation {
	var e supportv1.Escalation
	ExpectWithOffset(1, k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &e)).To(Succeed())
	return &e
}

// ladderPolicy is a policy with a two- or three-level ladder and webhooks to rcv.
func ladderPolicy(ns string, rcv *receiver, firstResponse time.Duration, afters ...time.Duration) {
	Expect(k8sClient.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "crm-hook", Namespace: ns},
		Data: map[string][]byte{"hmac": []byte(hookSecret)}})).To(Succeed())
	names := []string{"team-lead", "manager", "director"}
	newPolicy(ns, "key", func(s *supportv1.ServicePolicySpec) {
		s.Targets.FirstResponse = dur(firstResponse)
		s.Targets.Resolution = dur(time.Hour)
		if len(afters) > 0 {
			s.Escalation = &supportv1.EscalationPolicy{}
		}
		for i, a := range afters {
			s.Escalation.Levels = append(s.Escalation.Levels, supportv1.EscalationLevel{Name: names[i], After: metav1.Duration{Duration: a}, Notify: []string{"managers"}})
		}
		secret := &supportv1.SecretKeyRef{Name: "crm-hook", Key: "hmac"}
		s.Notify = []supportv1.NotifyTarget{
			{Name: "leads", Events: []supportv1.EventType{supportv1.EventCreated, supportv1.EventAcknowledged, supportv1.EventBreached, supportv1.EventResolved},
				Webhook: &supportv1.Webhook{URL: rcv.URL + "/leads", SecretRef: secret, MaxAttempts: 50}},
			{Name: "managers", Events: []supportv1.EventType{supportv1.EventReopened},
				Webhook: &supportv1.Webhook{URL: rcv.URL + "/managers", SecretRef: secret, MaxAttempts: 50}},
		}
	})
}

var _ = Describe("Escalation ladder and notifications", func() {
	var (
		ns  string
		rcv *receiver
	)
	BeforeEach(func() {
		ns = newNamespace()
		rcv = newReceiver(hookSecret)
		DeferCleanup(rcv.Close)
	})

	It("escalates a breach to level 1 with a signed CloudEvent, climbs to level 2 on time, and closes on resolution", func() {
		ladderPolicy(ns, rcv, 2*time.Second, 0, 3*time.Second)
		afterInlineGrace()
		c := newComplaint(ns, "c1", nil)

		Eventually(func(g Gomega) {
			e := &supportv1.Escalation{}
			g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: "c1-team-lead"}, e)).To(Succeed())
			g.Expect(e.Spec.Level).To(BeEquivalentTo(1))
			g.Expect(e.Spec.Reason).To(Equal(supportv1.ReasonFirstResponseBreached))
			g.Expect(e.OwnerReferences).To(HaveLen(1))
			g.Expect(e.OwnerReferences[0].Name).To(Equal("c1"))
		}, 10*time.Second).Should(Succeed())
		Eventually(func() int32 { return getComplaint(c).Status.EscalationLevel }).Should(BeEquivalentTo(1))

		By("the receiver getting signed, verifiable CloudEvents")
		Eventually(func() []string { return rcv.eventTypes("/leads") }, 10*time.Second).Should(ContainElements("Created", "Breached"))
		Eventually(func() []string { return rcv.eventTypes("/managers") }, 10*time.Second).Should(ContainElement("Escalated"))
		Expect(rcv.problems()).To(BeEmpty())
		for _, e := range rcv.events() {
			Expect(e.Signed).To(BeTrue())
			Expect(e.Payload.Complaint.Name).To(Equal("c1"))
			Expect(e.Payload.Complaint.Tier).To(Equal(supportv1.TierKey))
			Expect(e.Payload.Complaint.Category).To(Equal(supportv1.CategoryMissedDeadline))
			Expect(e.Payload.Complaint.Customer).To(BeNil(), "no contact details unless the destination opts in")
			if e.Payload.Event == supportv1.EventBreached {
				Expect(e.Type).To(Equal("dev.servicedesk.complaint.breached"))
				Expect(e.Payload.Complaint.Clocks.FirstResponse.State).To(Equal(supportv1.ClockBreached))
			}
			if e.Payload.Event == supportv1.EventEscalated {
				Expect(e.Payload.Escalation).NotTo(BeNil())
				Expect(e.Payload.Escalation.Level).To(BeEquivalentTo(1))
				Expect(e.Payload.Escalation.Name).To(Equal("c1-team-lead"))
				Expect(e.Payload.Escalation.LevelName).To(Equal("team-lead"))
			}
		}
		By("the complaint telling the level in its breach write: the Escalation reads Open without a write of its own")
		Expect(getEscalation(ns, "c1-team-lead").IsAnnouncedByComplaint()).To(BeTrue())
		Expect(getComplaint(c).Status.Notifications).To(BeEmpty(), "delivered before the write that recorded the breach")

		By("level 2 being reached 3s after the breach, with nobody acknowledging")
		var l2 *supportv1.Escalation
		Eventually(func(g Gomega) {
			var e supportv1.Escalation
			g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: "c1-manager"}, &e)).To(Succeed())
			l2 = &e
		}, 10*time.Second, 20*time.Millisecond).Should(Succeed())
		breach := getComplaint(c).Status.BreachedAt.Time
		Expect(l2.CreationTimestamp.Sub(breach)).To(And(BeNumerically(">=", 3*time.Second), BeNumerically("<=", 4*time.Second)))
		Expect(l2.Spec.Level).To(BeEquivalentTo(2))
		Eventually(func() supportv1.EscalationPhase { return getEscalation(ns, "c1-team-lead").Status.Phase }).Should(Equal(supportv1.EscalationSuperseded))
		Expect(apimeta.IsStatusConditionTrue(getEscalation(ns, "c1-team-lead").Status.Conditions, supportv1.ConditionNotified)).To(BeTrue(), "its first write says it was told")
		Eventually(func() int32 { return getComplaint(c).Status.EscalationLevel }).Should(BeEquivalentTo(2))

		By("resolution closing the open escalations")
		editSpec(c, func(s *supportv1.ComplaintSpec) {
			s.Resolution = &supportv1.Resolution{Summary: "delivered", Apologized: true}
		})
		Eventually(func() supportv1.EscalationPhase { return getEscalation(ns, "c1-manager").Status.Phase }).Should(Equal(supportv1.EscalationClosed))
		Eventually(func() []string { return rcv.eventTypes("/leads") }).Should(ContainElement("Resolved"))
		Expect(escalationsOf(ns, "c1")).To(HaveLen(2))

		By("one Event per breach: the complaint's Breached names the level reached, a later climb is one Escalated")
		Eventually(func(g Gomega) {
			messages := eventMessages(getComplaint(c))
			g.Expect(messages["Breached"]).To(ConsistOf(ContainSubstring("Escalated to level 1 (team-lead)")))
			g.Expect(messages["Escalated"]).To(ConsistOf(ContainSubstring("Escalated to level 2 (manager)")))
		}).Should(Succeed())
		Eventually(func() []string { return eventReasons(getEscalation(ns, "c1-team-lead")) }).Should(ConsistOf("Superseded"))
		Eventually(func() []string { return eventReasons(getEscalation(ns, "c1-manager")) }).Should(ConsistOf("Closed"))
	})

	It("stops the climb when an escalation is acknowledged", func() {
		ladderPolicy(ns, rcv, time.Second, 0, 3*time.Second)
		c := newComplaint(ns, "c2", nil)
		Eventually(func() error {
			var e supportv1.Escalation
			return k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: "c2-team-lead"}, &e)
		}, 10*time.Second, 20*time.Millisecond).Should(Succeed())
		Eventually(func() error {
			e := getEscalation(ns, "c2-team-lead")
			e.Spec.Acknowledgement = &supportv1.EscalationAcknowledgement{By: "lead-carol", Decision: "calling the customer now"}
			return k8sClient.Update(ctx, e)
		}).Should(Succeed())
		Eventually(func() supportv1.EscalationPhase { return getEscalation(ns, "c2-team-lead").Status.Phase }).Should(Equal(supportv1.EscalationAcknowledged))
		Consistently(func() []supportv1.Escalation { return escalationsOf(ns, "c2") }, 4*time.Second).Should(HaveLen(1))
		Eventually(func() []supportv1.HistoryEntry { return getComplaint(c).Status.History }).Should(
			ContainElement(HaveField("Message", ContainSubstring("decision: calling the customer now"))))
	})

	It("tracks a manual escalation to its decision", func() {
		ladderPolicy(ns, rcv, time.Hour, 0)
		c := newComplaint(ns, "c3", nil)
		Eventually(func() string { return getComplaint(c).Status.Policy }).Should(Equal("key"))
		esc := &supportv1.Escalation{
			ObjectMeta: metav1.ObjectMeta{Name: "c3-refund", Namespace: ns},
			Spec: supportv1.EscalationSpec{ComplaintName: "c3", Level: 1, Reason: supportv1.ReasonRequested,
				RequestedBy: "agent-bob", Question: "May we refund the delivery fee?"},
		}
		Expect(k8sClient.Create(ctx, esc)).To(Succeed())
		Eventually(func(g Gomega) {
			var got []received
			for _, e := range rcv.events() {
				if e.Payload.Event == supportv1.EventEscalated {
					got = append(got, e)
				}
			}
			g.Expect(got).To(HaveLen(1), "escalation status: %+v", getEscalation(ns, "c3-refund").Status)
			g.Expect(got[0].Path).To(Equal("/managers"))
			g.Expect(got[0].Payload.Escalation.Question).To(Equal("May we refund the delivery fee?"))
		}, 10*time.Second).Should(Succeed())
		Eventually(func() supportv1.EscalationPhase { return getEscalation(ns, "c3-refund").Status.Phase }).Should(Equal(supportv1.EscalationOpen))

		Eventually(func() error {
			e := getEscalation(ns, "c3-refund")
			e.Spec.Acknowledgement = &supportv1.EscalationAcknowledgement{By: "lead-carol", Decision: "yes, refund it"}
			return k8sClient.Update(ctx, e)
		}).Should(Succeed())
		Eventually(func(g Gomega) {
			got := getComplaint(c)
			g.Expect(got.Status.Escalations).To(ContainElement(And(HaveField("Name", "c3-refund"), HaveField("Decision", "yes, refund it"))))
			g.Expect(got.Status.History).To(ContainElement(HaveField("Message", ContainSubstring("yes, refund it"))))
			g.Expect(got.Status.EscalationLevel).To(BeEquivalentTo(0), "a request is not a breach")
		}).Should(Succeed())
	})

	It("delivers every event, in order, once a failing receiver recovers", func() {
		ladderPolicy(ns, rcv, time.Hour)
		rcv.fail(500)
		c := newComplaint(ns, "c4", nil)
		editSpec(c, func(s *supportv1.ComplaintSpec) { s.Acknowledgement = &supportv1.Acknowledgement{By: "agent-bob"} })
		Eventually(phaseOf(c)).Should(Equal(supportv1.PhaseAcknowledged))
		editSpec(c, func(s *supportv1.ComplaintSpec) {
			s.Resolution = &supportv1.Resolution{Summary: "fixed", Apologized: true}
		})
		Eventually(phaseOf(c)).Should(Equal(supportv1.PhaseResolved))
		Eventually(rcv.attemptCount, 10*time.Second).Should(BeNumerically(">=", 3))
		Eventually(func(g Gomega) {
			got := getComplaint(c)
			g.Expect(got.Status.Notifications).NotTo(BeEmpty())
			g.Expect(got.Status.Notifications[0].LastError).To(ContainSubstring("500"))
		}).Should(Succeed())
		Expect(rcv.events()).To(BeEmpty())

		rcv.fail(0)
		Eventually(func() []string { return rcv.eventTypes("/leads") }, 15*time.Second).Should(Equal([]string{"Created", "Acknowledged", "Resolved"}))
		Eventually(func() []supportv1.Notification { return getComplaint(c).Status.Notifications }).Should(BeEmpty())
		Expect(rcv.problems()).To(BeEmpty())
	})

	It("tells a policy's destinations of a complaint recorded before the policy existed", func() {
		c := newComplaint(ns, "early", nil)
		Eventually(func() string {
			cond := apimeta.FindStatusCondition(getComplaint(c).Status.Conditions, supportv1.ConditionPolicyResolved)
			if cond == nil {
				return ""
			}
			return cond.Reason
		}).Should(Equal(supportv1.ReasonNoPolicy))
		ladderPolicy(ns, rcv, time.Hour)
		Eventually(func() []string { return rcv.eventTypes("/leads") }, 10*time.Second).Should(Equal([]string{"Created"}))
	})

	It("marks a delivery failed after its attempts, with a condition and a Warning event", func() {
		Expect(k8sClient.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "crm-hook", Namespace: ns},
			Data: map[string][]byte{"hmac": []byte(hookSecret)}})).To(Succeed())
		newPolicy(ns, "p", func(s *supportv1.ServicePolicySpec) {
			s.Notify = []supportv1.NotifyTarget{{Name: "crm", Events: []supportv1.EventType{supportv1.EventCreated},
				Webhook: &supportv1.Webhook{URL: rcv.URL + "/crm", SecretRef: &supportv1.SecretKeyRef{Name: "crm-hook", Key: "hmac"}, MaxAttempts: 2}}}
		})
		rcv.fail(503)
		c := newComplaint(ns, "c5", nil)
		Eventually(func(g Gomega) {
			got := getComplaint(c)
			cond := apimeta.FindStatusCondition(got.Status.Conditions, supportv1.ConditionNotificationFailed)
			g.Expect(cond).NotTo(BeNil())
			g.Expect(cond.Message).To(ContainSubstring("gave up after 2 attempts"))
			g.Expect(cond.Message).NotTo(ContainSubstring(hookSecret))
		}, 15*time.Second).Should(Succeed())
		Eventually(func() []string { return eventReasons(c) }).Should(ContainElement(supportv1.ReasonDeliveryFailed))
		Expect(rcv.attemptCount()).To(Equal(2))
	})
})

var _ = Describe("Restart in the middle of a ladder", Serial, func() {
	It("creates no duplicate escalation and loses no delivery", func() {
		ns := newNamespace()
		rcv := newReceiver(hookSecret)
		DeferCleanup(rcv.Close)
		ladderPolicy(ns, rcv, time.Second, 0, 4*time.Second)
		rcv.fail(500)
		c := newComplaint(ns, "c6", nil)
		Eventually(func() []supportv1.Escalation { return escalationsOf(ns, "c6") }, 10*time.Second).Should(HaveLen(1))
		Eventually(func() []supportv1.Notification { return getComplaint(c).Status.Notifications }).ShouldNot(BeEmpty())

		stopMgr()
		stopMgr = startManager(testOptions)
		rcv.fail(0)

		Eventually(func() []supportv1.Escalation { return escalationsOf(ns, "c6") }, 10*time.Second).Should(HaveLen(2))
		Eventually(func() []string { return rcv.eventTypes("/leads") }, 15*time.Second).Should(Equal([]string{"Created", "Breached"}))
		Eventually(func() []string { return rcv.eventTypes("/managers") }, 15*time.Second).Should(Equal([]string{"Escalated", "Escalated"}))
		Consistently(func() []supportv1.Escalation { return escalationsOf(ns, "c6") }, 2*time.Second).Should(HaveLen(2))
		Expect(getComplaint(c).Status.EscalationLevel).To(BeEquivalentTo(2))
	})
})
