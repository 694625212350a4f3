package controllers_test

import (
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	dto "github.com/prometheus/client_model/go"
	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/ledger"
)

// counter reads a counter of the manager's registry (the manager runs in
// this process), summed over the series whose labels include want.
func counter(name string, want map[string]string) float64 {
	return sumSeries(name, want, func(m *dto.Metric) float64 { return m.GetCounter().GetValue() })
}

// gauge reads a gauge of the manager's registry, as counter does.
func gauge(name string, want map[string]string) float64 {
	return sumSeries(name, want, func(m *dto.Metric) float64 { return m.GetGauge().GetValue() })
}

// sumSeries sums value over the series of name whose labels include want.
func sumSeries(name string, want map[string]string, value func(*dto.Metric) float64) float64 {
	families, err := metrics.Registry.Gather()
	Expect(err).NotTo(HaveOccurred())
	sum := 0.0
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if hasLabels(m, want) {
				sum += value(m)
			}
		}
	}
	return sum
}

func hasLabels(m *dto.Metric, want map[string]string) bool {
	found := 0
	for _, l := range m.GetLabel() {
		if v, ok := want[l.GetName()]; ok && v == l.GetValue() {
			found++
		}
	}
	return found == len(want)
}

// hookPolicy is a policy of the complaints of one tier whose destinations
// are webhooks named by path on rcv.
func hookPolicy(ns, name string, tier supportv1.CustomerTier, rcv *receiver, timeout time.Duration, edit func(*supportv1.ServicePolicySpec), dests map[string][]supportv1.EventType) *supportv1.ServicePolicy {
	return newPolicy(ns, name, func(s *supportv1.ServicePolicySpec) {
		s.Match.Tiers = []supportv1.CustomerTier{tier}
		for dest, evs := range dests {
			s.Notify = append(s.Notify, supportv1.NotifyTarget{Name: dest, Events: evs,
				Webhook: &supportv1.Webhook{URL: rcv.URL + "/" + dest, Timeout: dur(timeout), MaxAttempts: 100}})
		}
		if edit != nil {
			edit(s)
		}
	})
}

func standardComplaint(ns, name string) *supportv1.Complaint {
	return newComplaint(ns, name, func(c *supportv1.Complaint) { c.Spec.Customer.Tier = supportv1.TierStandard })
}

var _ = Describe("Delivery off the deadline path", func() {
	It("keeps another policy's deadlines to the second while one receiver hangs", func() {
		ns := newNamespace()
		hung := newReceiver("")
		hung.hang = make(chan struct{})
		DeferCleanup(func() { close(hung.hang); hung.Close() })
		healthy := newReceiver("")
		DeferCleanup(healthy.Close)

		By("40 complaints whose Created is pending to a receiver that never answers")
		hookPolicy(ns, "hung", supportv1.TierKey, hung, 2*time.Second, nil, map[string][]supportv1.EventType{"crm": {supportv1.EventCreated}})
		for i := range 40 {
			newComplaint(ns, fmt.Sprintf("k%02d", i), nil)
		}
		Eventually(func() int { n, _ := hung.concurrency(); return n }).Should(BeNumerically(">", 0))

		By("20 complaints of another policy breaching their 4s first response")
		hookPolicy(ns, "healthy", supportv1.TierStandard, healthy, 2*time.Second, func(s *supportv1.ServicePolicySpec) {
			s.Targets.FirstResponse = dur(4 * time.Second)
			s.Escalation = &supportv1.EscalationPolicy{Levels: []supportv1.EscalationLevel{{Name: "lead", Notify: []string{"leads"}}}}
		}, map[string][]supportv1.EventType{"leads": {supportv1.EventBreached}})
		var complaints []*supportv1.Complaint
		for i := range 20 {
			complaints = append(complaints, standardComplaint(ns, fmt.Sprintf("s%02d", i)))
		}
		for _, c := range complaints {
			Eventually(func(g Gomega) {
				got := getComplaint(c)
				g.Expect(got.Status.Clocks.FirstResponse).NotTo(BeNil())
				g.Expect(got.Status.Clocks.FirstResponse.DueAt).NotTo(BeNil())
			}, 5*time.Second).Should(Succeed(), "due times appear at once")
		}
		for _, c := range complaints {
			var esc supportv1.Escalation
			Eventually(func() error {
				return k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: c.Name + "-lead"}, &esc)
			}, 15*time.Second, 20*time.Millisecond).Should(Succeed())
			due := getComplaint(c).Status.Clocks.FirstResponse.DueAt.Time
			// Creation timestamps have second precision, like due times.
			Expect(esc.CreationTimestamp.Sub(due)).To(BeNumerically("<=", time.Second), "escalated within a second of %s", due)
		}
		By("the healthy destination getting every breach and escalation")
		Eventually(func() int { return len(healthy.events()) }, 20*time.Second).Should(Equal(40))
		_, most := hung.concurrency()
		Expect(most).To(BeNumerically("<=", testOptions.DeliveryPerDestination), "the hung destination holds at most its own share")
	})

	It("keeps a slow receiver to the configured concurrency, and others unaffected", func() {
		ns := newNamespace()
		slow := newReceiver("")
		slow.delay = 1500 * time.Millisecond
		DeferCleanup(slow.Close)
		fast := newReceiver("")
		DeferCleanup(fast.Close)
		hookPolicy(ns, "p", supportv1.TierKey, slow, 2*time.Second, func(s *supportv1.ServicePolicySpec) {
			s.Notify = append(s.Notify, supportv1.NotifyTarget{Name: "fast", Events: []supportv1.EventType{supportv1.EventCreated},
				Webhook: &supportv1.Webhook{URL: fast.URL + "/fast"}})
		}, map[string][]supportv1.EventType{"slow": {supportv1.EventCreated}})
		for i := range 100 {
			newComplaint(ns, fmt.Sprintf("c%03d", i), nil)
		}
		Eventually(func() int { return len(fast.eventsOn("/fast")) }, 30*time.Second).Should(Equal(100))
		got := len(slow.rawOn("/slow"))
		Expect(got).To(BeNumerically("<", 100), "the slow destination is still at it when the fast one is done")
		Eventually(func() int { return len(slow.rawOn("/slow")) }, 10*time.Second).Should(BeNumerically(">=", got+testOptions.DeliveryPerDestination))
		_, most := slow.concurrency()
		Expect(most).To(Equal(testOptions.DeliveryPerDestination), "in flight to one destination: exactly its limit at most")
		Expect(slow.problems()).To(BeEmpty())
	})

	It("sends nothing twice when a person edits the complaint while outcomes are recorded", func() {
		ns := newNamespace()
		rcv := newReceiver("")
		// Slower than the inline wait: the outcomes are recorded after the
		// complaint's writes, by the recorder, and meet the edits.
		rcv.delay = 3 * delivery.DefaultInlineWait
		DeferCleanup(rcv.Close)
		all := []supportv1.EventType{supportv1.EventCreated, supportv1.EventAcknowledged, supportv1.EventAtRisk, supportv1.EventBreached, supportv1.EventResolved}
		hookPolicy(ns, "p", supportv1.TierKey, rcv, 2*time.Second, func(s *supportv1.ServicePolicySpec) {
			s.Targets.FirstResponse = dur(2 * time.Second)
		}, map[string][]supportv1.EventType{"a": all, "b": all, "c": all})
		c := newComplaint(ns, "c", nil)
		conflictsBefore := counter("servicedesk_webhook_record_conflicts_total", nil)
		retriedBefore := counter("servicedesk_webhook_inline_outcomes_total", map[string]string{"recorded": "next-write"})

		By("a person editing the spec as fast as the API server takes it while deliveries land")
		deadline := time.Now().Add(5 * time.Second)
		for i := 0; time.Now().Before(deadline); i++ {
			editSpec(c, func(s *supportv1.ComplaintSpec) { s.Description = fmt.Sprintf("call notes, take %d", i) })
		}
		editSpec(c, func(s *supportv1.ComplaintSpec) {
			s.Acknowledgement = &supportv1.Acknowledgement{By: "bob"}
			s.Resolution = &supportv1.Resolution{Summary: "sent again", Apologized: true}
		})
		Eventually(func(g Gomega) {
			got := getComplaint(c)
			g.Expect(got.Status.ObservedGeneration).To(Equal(got.Generation))
			g.Expect(got.Status.Phase).To(Equal(supportv1.PhaseResolved))
			g.Expect(ledger.Pending(got.Status.Notifications)).To(BeZero())
		}, 20*time.Second).Should(Succeed())
		// Outcomes met the edits: in the recorder's writes (a conflict, merged
		// into a fresh read) or in the complaint's (its write failed, the
		// next pass recorded them).
		met := counter("servicedesk_webhook_record_conflicts_total", nil) - conflictsBefore +
			counter("servicedesk_webhook_inline_outcomes_total", map[string]string{"recorded": "next-write"}) - retriedBefore
		Expect(met).To(BeNumerically(">", 0), "the edits did meet outcome writes")

		// Every event to every destination: Created, AtRisk, Breached, Resolved (the
		// acknowledgement came after the breach, and is an event too).
		Expect(rcv.eventTypes("/a")).To(ConsistOf("Created", "AtRisk", "Breached", "Acknowledged", "Resolved"))
		for key, n := range rawCounts(rcv) {
			Expect(n).To(Equal(1), "raw requests for %s", key)
		}
		Expect(rcv.raw()).To(HaveLen(15))
	})
})

var _ = Describe("Announcements", func() {
	It("notifies an escalation applied before its complaint and policy once the policy is known, and says so meanwhile", func() {
		ns := newNamespace()
		rcv := newReceiver(hookSecret)
		DeferCleanup(rcv.Close)
		esc := &supportv1.Escalation{
			ObjectMeta: metav1.ObjectMeta{Name: "refund-fee", Namespace: ns},
			Spec: supportv1.EscalationSpec{ComplaintName: "late", Level: 1, Reason: supportv1.ReasonRequested,
				RequestedBy: "bob", Question: "May we refund the fee?"},
		}
		Expect(k8sClient.Create(ctx, esc)).To(Succeed())

		By("the escalation waiting for its complaint, open and not ready, never closed")
		conds := func(g Gomega) *supportv1.Escalation {
			got := getEscalation(ns, "refund-fee")
			g.Expect(got.Status.ObservedGeneration).To(Equal(got.Generation))
			return got
		}
		Eventually(func(g Gomega) {
			got := conds(g)
			g.Expect(got.Status.Phase).To(Equal(supportv1.EscalationOpen))
			g.Expect(apimeta.FindStatusCondition(got.Status.Conditions, supportv1.ConditionReady)).To(HaveField("Reason", supportv1.ReasonComplaintNotFound))
			g.Expect(apimeta.FindStatusCondition(got.Status.Conditions, supportv1.ConditionNotified)).To(And(
				HaveField("Status", metav1.ConditionFalse), HaveField("Reason", supportv1.ReasonAwaitingPolicy)))
		}).Should(Succeed())

		By("the complaint arriving, still without a policy")
		c := newComplaint(ns, "late", nil)
		Eventually(func(g Gomega) {
			got := conds(g)
			g.Expect(got.Status.ComplaintUID).To(Equal(string(getComplaint(c).UID)))
			g.Expect(apimeta.IsStatusConditionTrue(got.Status.Conditions, supportv1.ConditionReady)).To(BeTrue())
			g.Expect(apimeta.FindStatusCondition(got.Status.Conditions, supportv1.ConditionNotified)).To(HaveField("Reason", supportv1.ReasonAwaitingPolicy))
		}).Should(Succeed())
		Expect(getEscalation(ns, "refund-fee").Status.Phase).To(Equal(supportv1.EscalationOpen))

		By("a policy governing it: the escalation is announced, once")
		Expect(k8sClient.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "crm-hook", Namespace: ns},
			Data: map[string][]byte{"hmac": []byte(hookSecret)}})).To(Succeed())
		newPolicy(ns, "key", func(s *supportv1.ServicePolicySpec) {
			s.Notify = []supportv1.NotifyTarget{{Name: "leads", Events: []supportv1.EventType{supportv1.EventEscalated},
				Webhook: &supportv1.Webhook{URL: rcv.URL + "/leads", SecretRef: &supportv1.SecretKeyRef{Name: "crm-hook", Key: "hmac"}}}}
		})
		Eventually(func(g Gomega) {
			got := conds(g)
			g.Expect(got.Status.Policy).To(Equal("key"))
			g.Expect(got.Status.NotifiedAt).NotTo(BeNil())
			g.Expect(apimeta.IsStatusConditionTrue(got.Status.Conditions, supportv1.ConditionNotified)).To(BeTrue())
		}, 10*time.Second).Should(Succeed())
		Expect(rcv.raw()).To(HaveLen(1))
		Expect(rcv.raw()[0].Payload.Escalation).To(HaveField("Question", "May we refund the fee?"))
		Expect(rcv.problems()).To(BeEmpty())
	})

	It("never announces a complaint again under a new id when another policy governs it later", func() {
		ns := newNamespace()
		rcv := newReceiver("")
		DeferCleanup(rcv.Close)
		created := map[string][]supportv1.EventType{"crm": {supportv1.EventCreated}}
		first := hookPolicy(ns, "first", supportv1.TierKey, rcv, 2*time.Second, nil, created)
		c := newComplaint(ns, "c", nil)
		Eventually(func() []string { return rcv.eventTypes("/crm") }).Should(Equal([]string{"Created"}))

		Expect(k8sClient.Delete(ctx, first)).To(Succeed())
		Eventually(func() string { return getComplaint(c).Status.Policy }).Should(BeEmpty())
		hookPolicy(ns, "second", supportv1.TierKey, rcv, 2*time.Second, nil, created)
		Eventually(func() string { return getComplaint(c).Status.Policy }).Should(Equal("second"))
		// The operator has observed the new policy; nothing more may come.
		Consistently(func() int { return len(rcv.raw()) }, 2*time.Second).Should(Equal(1))
	})

	It("sends no customer name or contact to a destination without includeContact", func() {
		ns := newNamespace()
		rcv := newReceiver("")
		DeferCleanup(rcv.Close)
		all := []supportv1.EventType{supportv1.EventCreated, supportv1.EventAcknowledged, supportv1.EventResolved, supportv1.EventFollowUpDue}
		hookPolicy(ns, "p", supportv1.TierKey, rcv, 2*time.Second, func(s *supportv1.ServicePolicySpec) {
			s.FollowUp = &supportv1.FollowUp{After: metav1.Duration{Duration: time.Second}}
		}, map[string][]supportv1.EventType{"crm": all})
		c := newComplaint(ns, "c", func(c *supportv1.Complaint) {
			c.Spec.Customer.Name, c.Spec.Customer.Company = "Zebulon Quaxley", "Quaxcorp"
			c.Spec.Customer.Contact = &supportv1.Contact{Email: "zeb@quax.example", Phone: "+1 555 0199"}
		})
		editSpec(c, func(s *supportv1.ComplaintSpec) {
			s.Acknowledgement = &supportv1.Acknowledgement{By: "bob"}
			s.Resolution = &supportv1.Resolution{Summary: "replaced", Apologized: true}
		})
		Eventually(func() []string { return rcv.eventTypes("/crm") }, 10*time.Second).Should(ContainElement("FollowUpDue"))
		Expect(rcv.raw()).To(HaveLen(4))
		for _, r := range rcv.raw() {
			for _, private := range []string{"Zebulon", "Quaxley", "Quaxcorp", "zeb@quax.example", "555 0199"} {
				Expect(strings.Contains(r.Body, private)).To(BeFalse(), "%s payload contains %q: %s", r.Payload.Event, private, r.Body)
			}
		}
	})
})

var _ = Describe("ServicePolicy controller", func() {
	It("says so on Ready when match.selector is invalid", func() {
		ns := newNamespace()
		p := newPolicy(ns, "bad-selector", func(s *supportv1.ServicePolicySpec) {
			s.Match.Selector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "team", Operator: metav1.LabelSelectorOpIn}}}
		})
		Eventually(func(g Gomega) {
			var got supportv1.ServicePolicy
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(p), &got)).To(Succeed())
			cond := apimeta.FindStatusCondition(got.Status.Conditions, supportv1.ConditionReady)
			g.Expect(cond).NotTo(BeNil())
			g.Expect(cond.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(cond.Reason).To(Equal(supportv1.ReasonInvalidPolicy))
			g.Expect(cond.Message).To(ContainSubstring("spec.match.selector"))
		}).Should(Succeed())
	})

	It("is not woken by complaint status writes that leave its report unchanged", func() {
		ns := newNamespace()
		p := newPolicy(ns, "p", func(s *supportv1.ServicePolicySpec) { s.Targets.FirstResponse = dur(time.Hour) })
		c := newComplaint(ns, "c", nil)
		Eventually(func(g Gomega) {
			var got supportv1.ServicePolicy
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(p), &got)).To(Succeed())
			g.Expect(got.Status.Complaints).To(HaveValue(BeEquivalentTo(1)))
		}).Should(Succeed())
		// The complaint's arrival woke the policy: wait until that is over.
		policyReconciles := func() int { return reconciles.of("servicepolicy", ns, "p") }
		var before int
		Eventually(func(g Gomega) {
			before = policyReconciles()
			g.Expect(before).To(BeNumerically(">", 0))
			g.Consistently(policyReconciles, 6*time.Second, 200*time.Millisecond).Should(Equal(before))
		}, 60*time.Second).Should(Succeed())
		for i := range 5 {
			editSpec(c, func(s *supportv1.ComplaintSpec) {
				s.LastUpdate = &supportv1.ProgressUpdate{Note: fmt.Sprintf("update %d", i)}
			})
			Eventually(func(g Gomega) {
				got := getComplaint(c)
				g.Expect(got.Status.ObservedGeneration).To(Equal(got.Generation))
			}).Should(Succeed())
		}
		// Long enough for a batched pass (counts are batched 5s) to show.
		Consistently(policyReconciles, 6*time.Second, 200*time.Millisecond).Should(Equal(before))
	})
})
