package controllers_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// A complaint whose breach is long past when first seen (recorded late, or
// the operator was down) reaches several levels at once: each is created,
// the lower superseded at once, and each is announced to its people.
var _ = Describe("Several ladder levels due at once", func() {
	It("creates each level once and announces each, the lower superseded", func() {
		rcv := newReceiver("")
		DeferCleanup(rcv.Close)
		ns := newNamespace()
		newPolicy(ns, "p", func(s *supportv1.ServicePolicySpec) {
			s.Targets.FirstResponse = dur(time.Second)
			s.Escalation = &supportv1.EscalationPolicy{Levels: []supportv1.EscalationLevel{{Name: "team-lead", Notify: []string{"leads"}}, {Name: "manager", After: metav1.Duration{Duration: time.Second}, Notify: []string{"leads"}}}}
			s.Notify = []supportv1.NotifyTarget{{Name: "leads", Events: []supportv1.EventType{supportv1.EventEscalated}, Webhook: &supportv1.Webhook{URL: rcv.URL + "/leads"}}}
		})
		newComplaint(ns, "late", func(c *supportv1.Complaint) {
			c.Spec.ReportedAt = &metav1.Time{Time: time.Now().Add(-2 * time.Hour)}
		})
		Eventually(func(g Gomega) {
			for n, phase := range map[string]supportv1.EscalationPhase{"late-team-lead": supportv1.EscalationSuperseded, "late-manager": supportv1.EscalationOpen} {
				e := &supportv1.Escalation{}
				g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: n}, e)).To(Succeed())
				g.Expect(e.Status.Phase).To(Equal(phase), n)
			}
		}, 10*time.Second).Should(Succeed())
		Expect(escalationsOf(ns, "late")).To(HaveLen(2))
		Eventually(func() []string {
			var levels []string
			for _, r := range rcv.events() {
				if r.Payload.Escalation != nil {
					levels = append(levels, r.Payload.Escalation.LevelName)
				}
			}
			return levels
		}, 10*time.Second).Should(ConsistOf("team-lead", "manager"))
	})
})
