package controllers_test

import (
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// kstatusOf computes an object's status as Flux and kubectl-based tools do
// (sigs.k8s.io/cli-utils kstatus), from the object as the API server has it.
func kstatusOf(obj client.Object) func(g Gomega) *status.Result {
	return func(g Gomega) *status.Result {
		cur := obj.DeepCopyObject().(client.Object)
		g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(obj), cur)).To(Succeed())
		m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(cur)
		g.Expect(err).NotTo(HaveOccurred())
		res, err := status.Compute(&unstructured.Unstructured{Object: m})
		g.Expect(err).NotTo(HaveOccurred())
		return res
	}
}

func hasReadyAndObservedGeneration(obj client.Object, conds func() []metav1.Condition, observed func() int64) func(g Gomega) {
	return func(g Gomega) {
		g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(obj), obj)).To(Succeed())
		g.Expect(apimeta.FindStatusCondition(conds(), supportv1.ConditionReady)).NotTo(BeNil())
		g.Expect(observed()).To(Equal(obj.GetGeneration()))
	}
}

var _ = Describe("kstatus (what Flux and kubectl-based tools wait on)", func() {
	It("is Current for a good policy and Failed (Stalled) for one that cannot be applied", func() {
		ns := newNamespace()
		good := newPolicy(ns, "good", func(s *supportv1.ServicePolicySpec) { s.Targets.FirstResponse = dur(time.Hour) })
		badTZ := newPolicy(ns, "bad-tz", func(s *supportv1.ServicePolicySpec) {
			s.Match.Tiers = []supportv1.CustomerTier{supportv1.TierStandard}
			s.BusinessHours = &supportv1.BusinessHours{TimeZone: "Mars/Olympus_Mons", Weekly: []supportv1.WeeklyHours{{Days: []supportv1.Weekday{"Mon"}, From: "09:00", To: "17:00"}}}
		})
		badSelector := newPolicy(ns, "bad-selector", func(s *supportv1.ServicePolicySpec) {
			s.Match.Tiers = []supportv1.CustomerTier{supportv1.TierKey}
			s.Match.Selector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "team", Operator: metav1.LabelSelectorOpIn}}}
		})
		noSecret := newPolicy(ns, "no-secret", func(s *supportv1.ServicePolicySpec) {
			s.Match.Tiers = []supportv1.CustomerTier{supportv1.TierStandard}
			s.Notify = []supportv1.NotifyTarget{{Name: "crm", Events: []supportv1.EventType{supportv1.EventCreated},
				Webhook: &supportv1.Webhook{URL: "https://crm.example/x", SecretRef: &supportv1.SecretKeyRef{Name: "crm-hook", Key: "hmac"}}}}
		})

		Eventually(kstatusOf(good)).Should(HaveField("Status", status.CurrentStatus))
		Eventually(hasReadyAndObservedGeneration(good, func() []metav1.Condition { return good.Status.Conditions },
			func() int64 { return good.Status.ObservedGeneration })).Should(Succeed())
		Expect(apimeta.FindStatusCondition(good.Status.Conditions, supportv1.ConditionStalled)).To(BeNil())

		for p, want := range map[*supportv1.ServicePolicy]string{badTZ: "Mars/Olympus_Mons", badSelector: "spec.match.selector", noSecret: "crm-hook"} {
			Eventually(kstatusOf(p)).Should(And(HaveField("Status", status.FailedStatus), HaveField("Message", ContainSubstring(want))), "policy %s", p.Name)
		}

		By("the missing Secret appearing, the policy is Current again and no longer Stalled")
		Expect(k8sClient.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "crm-hook", Namespace: ns}, Data: map[string][]byte{"hmac": []byte("s3cret")}})).To(Succeed())
		Eventually(func() error { // an edit makes the policy look again now
			var cur supportv1.ServicePolicy
			Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(noSecret), &cur)).To(Succeed())
			cur.Spec.Targets.AtRiskPercent = 80
			return k8sClient.Update(ctx, &cur)
		}).Should(Succeed())
		Eventually(kstatusOf(noSecret)).Should(HaveField("Status", status.CurrentStatus))
		var fixed supportv1.ServicePolicy
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(noSecret), &fixed)).To(Succeed())
		Expect(apimeta.FindStatusCondition(fixed.Status.Conditions, supportv1.ConditionStalled)).To(BeNil())
	})

	It("keeps a breached complaint and its escalation Current: a breach is business, not a failure", func() {
		ns := newNamespace()
		newPolicy(ns, "p", func(s *supportv1.ServicePolicySpec) {
			s.Targets.FirstResponse = dur(time.Hour)
			s.Escalation = &supportv1.EscalationPolicy{Levels: []supportv1.EscalationLevel{{Name: "lead"}}}
		})
		c := newComplaint(ns, "late", func(c *supportv1.Complaint) {
			c.Spec.ReportedAt = &metav1.Time{Time: time.Now().Add(-2 * time.Hour)}
		})
		Eventually(func(g Gomega) {
			got := getComplaint(c)
			g.Expect(apimeta.IsStatusConditionTrue(got.Status.Conditions, supportv1.ConditionBreached)).To(BeTrue())
		}).Should(Succeed())
		Eventually(kstatusOf(c)).Should(HaveField("Status", status.CurrentStatus))
		Eventually(hasReadyAndObservedGeneration(c, func() []metav1.Condition { return c.Status.Conditions },
			func() int64 { return c.Status.ObservedGeneration })).Should(Succeed())
		Expect(apimeta.FindStatusCondition(c.Status.Conditions, supportv1.ConditionStalled)).To(BeNil())

		esc := &supportv1.Escalation{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "late-lead"}}
		Eventually(kstatusOf(esc)).Should(HaveField("Status", status.CurrentStatus))
		By("the level, told by its complaint, reads Open and is never written while nothing changes")
		Expect(getComplaint(c).Status.Escalations).To(HaveLen(1), "the operator has seen the escalation")
		Consistently(func(g Gomega) {
			got := getEscalation(ns, "late-lead")
			g.Expect(got.Status.Phase).To(Equal(supportv1.EscalationOpen))
			g.Expect(got.Status.ObservedGeneration).To(BeZero())
		}, 2*time.Second).Should(Succeed())
		Eventually(kstatusOf(esc)).Should(HaveField("Status", status.CurrentStatus))
	})

	It("shows an escalation InProgress (Reconciling) while its level is being told, Current once told", func() {
		rcv := newReceiver("")
		DeferCleanup(rcv.Close)
		rcv.fail(http.StatusServiceUnavailable)
		ns := newNamespace()
		newPolicy(ns, "p", func(s *supportv1.ServicePolicySpec) {
			s.Targets.FirstResponse = dur(time.Hour)
			s.Notify = []supportv1.NotifyTarget{{Name: "leads", Events: []supportv1.EventType{supportv1.EventEscalated}, Webhook: &supportv1.Webhook{URL: rcv.URL + "/leads"}}}
			s.Escalation = &supportv1.EscalationPolicy{Levels: []supportv1.EscalationLevel{{Name: "lead", Notify: []string{"leads"}}}}
		})
		newComplaint(ns, "late", func(c *supportv1.Complaint) {
			c.Spec.ReportedAt = &metav1.Time{Time: time.Now().Add(-2 * time.Hour)}
		})
		esc := &supportv1.Escalation{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "late-lead"}}
		Eventually(kstatusOf(esc)).Should(And(HaveField("Status", status.InProgressStatus), HaveField("Message", ContainSubstring("telling the level"))))
		Eventually(rcv.attemptCount).Should(BeNumerically(">=", 1))

		rcv.fail(0)
		Eventually(kstatusOf(esc), 10*time.Second).Should(HaveField("Status", status.CurrentStatus))
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(esc), esc)).To(Succeed())
		Expect(apimeta.IsStatusConditionTrue(esc.Status.Conditions, supportv1.ConditionNotified)).To(BeTrue())
		Expect(apimeta.FindStatusCondition(esc.Status.Conditions, supportv1.ConditionReconciling)).To(BeNil())
	})

	It("shows a remedy InProgress while its department works on it, Current once done, Failed when it failed", func() {
		ns := newNamespace()
		newPolicy(ns, "p", func(s *supportv1.ServicePolicySpec) {
			s.Recovery = &supportv1.Recovery{Departments: []supportv1.Department{{Name: "warehouse", FulfilWithin: dur(time.Hour)}}}
		})
		actions := []supportv1.RemedyAction{{Name: "reship", Department: "warehouse", Kind: supportv1.RemedyReship}, {Name: "call", Department: "warehouse", Kind: supportv1.RemedyCall}}
		newComplaint(ns, "c", func(c *supportv1.Complaint) {
			c.Spec.Resolution = &supportv1.Resolution{Summary: "the right item", Actions: actions}
		})
		reship := &supportv1.Remedy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "c-reship"}}
		call := &supportv1.Remedy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "c-call"}}
		Eventually(kstatusOf(reship)).Should(HaveField("Status", status.InProgressStatus))
		report(k8sClient, ns, "c-reship", supportv1.Fulfilment{Outcome: supportv1.FulfilmentDone, By: "warehouse-bot"})
		Eventually(kstatusOf(reship)).Should(HaveField("Status", status.CurrentStatus))
		report(k8sClient, ns, "c-call", supportv1.Fulfilment{Outcome: supportv1.FulfilmentFailed, By: "warehouse-bot", Note: "no answer"})
		Eventually(kstatusOf(call)).Should(HaveField("Status", status.FailedStatus))
	})
})
