package controllers_test

import (
	"strconv"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// The state gauges are read from the manager's cache at each scrape (its
// informers' stores, nothing copied): they count every object once, follow
// changes, and forget deleted ones.
var _ = Describe("State gauges read from the cache", func() {
	It("counts a namespace's complaints by phase and its open escalations, and follows deletions", func() {
		ns := newNamespace()
		newPolicy(ns, "std", func(s *supportv1.ServicePolicySpec) {
			s.Targets.FirstResponse = dur(time.Second)
			s.Escalation = &supportv1.EscalationPolicy{Levels: []supportv1.EscalationLevel{{Name: "team-lead"}}}
		})
		var complaints []*supportv1.Complaint
		for i := range 3 {
			complaints = append(complaints, newComplaint(ns, "c-"+strconv.Itoa(i), nil))
		}
		inNS := map[string]string{"namespace": ns}
		Eventually(func() float64 { return gauge("servicedesk_complaints", inNS) }).Should(Equal(3.0))
		Eventually(func() float64 {
			return gauge("servicedesk_escalations_open", map[string]string{"namespace": ns, "level": "1"})
		}, 10*time.Second).Should(Equal(3.0))
		Eventually(func() float64 {
			return gauge("servicedesk_complaints_breached", map[string]string{"namespace": ns, "clock": string(supportv1.ClockFirstResponse)})
		}).Should(Equal(3.0))

		Expect(k8sClient.Delete(ctx, complaints[0])).To(Succeed())
		Eventually(func() float64 { return gauge("servicedesk_complaints", inNS) }, 10*time.Second).Should(Equal(2.0))
	})
})
