package controllers_test

import (
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/util/validation"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// What the schema accepts, however odd, the operator handles: no crash, no
// stall, and the other complaints keep their deadlines meanwhile.
var _ = Describe("Hostile but valid objects", func() {
	It("are handled, and the other complaints keep their deadlines", func() {
		rcv := newReceiver("")
		DeferCleanup(rcv.Close)
		ns := newNamespace()
		newPolicy(ns, "absurd", func(s *supportv1.ServicePolicySpec) {
			s.Match.Tiers = []supportv1.CustomerTier{supportv1.TierStandard}
			// The longest a duration holds is about 292 years; 10000000h is
			// refused at admission (api/v1alpha1/hostile_test.go).
			s.Targets.FirstResponse = dur(2000000 * time.Hour)
			s.Targets.Resolution = dur(2000000 * time.Hour)
			s.BusinessHours = &supportv1.BusinessHours{TimeZone: "Europe/Berlin", Weekly: []supportv1.WeeklyHours{{Days: []supportv1.Weekday{"Sun"}, From: "23:59", To: "24:00"}}}
		})
		newPolicy(ns, "fast", func(s *supportv1.ServicePolicySpec) {
			s.Match.Tiers = []supportv1.CustomerTier{supportv1.TierKey}
			s.Targets.FirstResponse = dur(2 * time.Second)
			s.Escalation = &supportv1.EscalationPolicy{Levels: []supportv1.EscalationLevel{{Name: "team-lead"}}}
			s.Notify = []supportv1.NotifyTarget{{Name: "crm", Events: []supportv1.EventType{supportv1.EventCreated, supportv1.EventBreached},
				Webhook: &supportv1.Webhook{URL: rcv.URL + "/crm"}}}
		})

		By("a name at the 253-character limit, with dots, that breaches and escalates")
		// Cut to fit with the level's name, it ends in a dot: the cut must not.
		long := strings.Repeat("a", 235) + "." + strings.Repeat("b", 17)
		Expect(long).To(HaveLen(253))
		longC := newComplaint(ns, long, nil)

		By("2,000 labels, and unicode in every free-text field")
		labelled := newComplaint(ns, "labelled", func(c *supportv1.Complaint) {
			c.Labels = map[string]string{}
			for i := range 2000 {
				c.Labels[fmt.Sprintf("l%d", i)] = "v"
			}
		})
		unicode := newComplaint(ns, "unicode", func(c *supportv1.Complaint) {
			c.Spec.Customer.Name = "Zoë \u202eevil\u202c 李小龍 🧪"
			c.Spec.Customer.Company = "Ünïcode\u200b GmbH"
			c.Spec.Summary = "💊 not delivered \u0007 \"quoted\" <b>bold</b>"
			c.Spec.Description = strings.Repeat("مرحبا ", 500)
			c.Spec.Owner = "agent-ünï"
		})

		By("a policy with targets of 2000000h on business hours of one minute a week")
		absurd := newComplaint(ns, "absurd", func(c *supportv1.Complaint) { c.Spec.Customer.Tier = supportv1.TierStandard })
		Eventually(func(g Gomega) {
			got := getComplaint(absurd)
			g.Expect(got.Status.Policy).To(Equal("absurd"))
			g.Expect(got.Status.Clocks.FirstResponse).NotTo(BeNil())
			g.Expect(got.Status.Clocks.FirstResponse.DueAt.Time.Year()).To(BeNumerically(">", 2100))
			g.Expect(apimeta.IsStatusConditionTrue(got.Status.Conditions, supportv1.ConditionReady)).To(BeTrue())
		}).Should(Succeed())

		By("meanwhile, an ordinary complaint breaches on time")
		ordinary := newComplaint(ns, "ordinary", nil)
		Eventually(func(g Gomega) {
			got := getComplaint(ordinary)
			g.Expect(got.Status.Clocks.FirstResponse).NotTo(BeNil())
			g.Expect(got.Status.Clocks.FirstResponse.State).To(Equal(supportv1.ClockBreached))
			g.Expect(got.Status.BreachedAt).NotTo(BeNil())
			g.Expect(time.Since(got.Status.Clocks.FirstResponse.DueAt.Time)).To(BeNumerically("<", 10*time.Second))
		}, 10*time.Second).Should(Succeed())

		for _, c := range []*supportv1.Complaint{longC, labelled, unicode} {
			Eventually(func(g Gomega) {
				got := getComplaint(c)
				g.Expect(got.Status.Clocks.FirstResponse).NotTo(BeNil())
				g.Expect(got.Status.Clocks.FirstResponse.State).To(Equal(supportv1.ClockBreached))
				escs := escalationsOf(ns, c.Name)
				g.Expect(escs).To(HaveLen(1))
				g.Expect(validation.IsDNS1123Subdomain(escs[0].Name)).To(BeEmpty(), "escalation name %q", escs[0].Name)
			}, 10*time.Second).Should(Succeed(), "complaint %.40s", c.Name)
		}
		Eventually(func() []string { return rcv.eventTypes("/crm") }, 10*time.Second).Should(ContainElements("Created", "Breached"))
		for _, r := range rcv.events() {
			Expect(r.Body).NotTo(ContainSubstring("Zoë"), "no customer identity in payloads")
		}
	})
})
