package desk_test

import (
	"encoding/json"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// remedyPolicy governs the departments' namespace: a lead approves each
// resolution, after which the warehouse and billing carry out its actions
// within a day; the warehouse's destination is told of its remedies.
func remedyPolicy(ns string) *supportv1.ServicePolicy {
	day := &metav1.Duration{Duration: 24 * time.Hour}
	return &supportv1.ServicePolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "recovery", Namespace: ns},
		Spec: supportv1.ServicePolicySpec{
			Targets: supportv1.Targets{FirstResponse: &metav1.Duration{Duration: time.Hour}, Resolution: &metav1.Duration{Duration: 48 * time.Hour}},
			Recovery: &supportv1.Recovery{RequireApology: true, RequireApproval: true, Departments: []supportv1.Department{
				{Name: "warehouse", FulfilWithin: day, Notify: []string{"warehouse-queue"}},
				{Name: "billing", FulfilWithin: day},
			}},
			Notify: []supportv1.NotifyTarget{{Name: "warehouse-queue", Events: []supportv1.EventType{supportv1.EventResolved},
				Webhook: &supportv1.Webhook{URL: receiver.URL + "/ok"}}},
		},
	}
}

// A complaint's remedies from the approval to the last report: the agent
// proposes a resolution with two actions, a lead approves, the operator
// asks the warehouse and billing (Remedy objects), and their users, with
// nothing but the ClusterRole servicedesk-remedy-fulfiller bound in the
// namespace, list them and report them with kubectl desk; the complaint
// ends Resolved, and the agent sees who carried out what in the timeline.
var _ = Describe("kubectl desk for the departments", Ordered, func() {
	var (
		ns     string
		names  map[string]string
		c1, c2 string
	)
	agent, lead := deskIn(&agentKubeconfig, &ns), deskIn(&leadKubeconfig, &ns)
	warehouse, billing := deskIn(&warehouseKubeconfig, &ns), deskIn(&billingKubeconfig, &ns)
	get := complaintIn(&ns)
	fails := func(r result, msg ...string) {
		GinkgoHelper()
		Expect(r.code).NotTo(BeZero(), "stdout: %s", r.stdout)
		for _, m := range msg {
			Expect(r.stderr).To(ContainSubstring(m))
		}
	}
	phase := func(name string) func() supportv1.Phase {
		return func() supportv1.Phase { return get(name).Status.Phase }
	}
	remedy := func(name string) func() supportv1.Remedy {
		return func() supportv1.Remedy {
			var r supportv1.Remedy
			_ = k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &r)
			return r
		}
	}
	// approved records a complaint, acknowledges it and has the resolution
	// with the actions approved: the departments are asked.
	approved := func(customer string, category supportv1.Category, resolve ...string) string {
		GinkgoHelper()
		c := strings.TrimSpace(ok(agent("new", "--customer", customer, "--category", string(category), "--summary", "Wrong item delivered",
			"--owner", "agent-bob")))
		ok(agent("ack", c))
		// The proposal in a later second than the acknowledgement, so the
		// timeline's order (and its golden file) does not depend on timing:
		// steps are stamped to the second.
		Eventually(phase(c)).Should(Equal(supportv1.PhaseAcknowledged))
		nextSecond()
		ok(agent(append([]string{"resolve", c, "--apologized"}, resolve...)...))
		Eventually(phase(c)).Should(Equal(supportv1.PhasePendingApproval))
		ok(lead("approve", c))
		Eventually(phase(c)).Should(Equal(supportv1.PhaseImplementing))
		return c
	}

	BeforeAll(func() {
		ns = "remedies-" + rand.String(5)
		Expect(k8sClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
		Expect(k8sClient.Create(ctx, remedyPolicy(ns))).To(Succeed())
		bindFulfiller(ns)
		names = map[string]string{ns: "<NS>"}
	})

	It("asks the departments once a lead approves a resolution with actions", func() {
		fails(agent("resolve", "c-nope", "--summary", "x", "--action", "reship=warehouse:Ship"), `unknown remedy kind "Ship"`)
		c1 = approved("Acme Pharmacy", supportv1.CategoryMissedDeadline, "--summary", "The right item tonight, the fee back",
			"--gesture", "Discount", "--value", "15%", "--fault", "Full",
			"--action", "reship=warehouse:Reship:right item, overnight", "--action", "refund=billing:refund:delivery fee")
		names[c1] = "<C1>"
		Expect(get(c1).Spec.Resolution.Actions).To(Equal([]supportv1.RemedyAction{
			{Name: "reship", Department: "warehouse", Kind: supportv1.RemedyReship, Detail: "right item, overnight"},
			{Name: "refund", Department: "billing", Kind: supportv1.RemedyRefund, Detail: "delivery fee"},
		}))
		for _, r := range []string{c1 + "-reship", c1 + "-refund"} {
			Eventually(func() supportv1.ClockState { return remedy(r)().Status.Clock.State }).Should(Equal(supportv1.ClockRunning))
		}
	})

	It("shows a department its remedies, and nothing else", func() {
		out := ok(warehouse("remedies", "--pending"))
		lines := strings.Split(strings.TrimSpace(out), "\n")
		Expect(lines).To(HaveLen(3), out)
		Expect(lines[0]).To(MatchRegexp(`^NAME\s+COMPLAINT\s+DEPARTMENT\s+KIND\s+PHASE\s+DUE\s+CLOCK\s+BY\s+REFERENCE$`))
		Expect(lines[1]).To(MatchRegexp(`^`+c1+`-refund\s+`+c1+`\s+billing\s+Refund\s+Pending\s+(1d|23h\d*m?)\s+Running\s+-\s+-$`), "by department")
		Expect(lines[2]).To(MatchRegexp(`^` + c1 + `-reship\s+` + c1 + `\s+warehouse\s+Reship\s+Pending\s+(1d|23h\d*m?)\s+Running\s+-\s+-$`))
		Expect(ok(warehouse("remedies", "--department", "warehouse", "-o", "wide"))).To(ContainSubstring("right item, overnight"))

		By("the role grants remedies only: no complaints, no other namespace")
		fails(warehouse("board"), "forbidden", "complaints")
		fails(warehouse("timeline", c1), "forbidden")
		fails(warehouse("remedies", "-A"), "forbidden")
	})

	It("records each department's report in its user's name, once, and resolves the complaint after the last", func() {
		fails(warehouse("done", c1+"-reship", "--by", "warehouse-bot"), "--by cannot name someone else for a remedy's report")
		Expect(ok(warehouse("done", c1+"-reship", "--reference", "TRACK-123", "--note", "shipped overnight"))).
			To(Equal("remedy.support.servicedesk.dev/" + c1 + "-reship reported done\n"))
		Expect(remedy(c1 + "-reship")().Spec.Fulfilment).To(Equal(&supportv1.Fulfilment{Outcome: supportv1.FulfilmentDone,
			By: "warehouse-wendy", Note: "shipped overnight", Reference: "TRACK-123"}))
		Eventually(func() supportv1.RemedyPhase { return remedy(c1 + "-reship")().Status.Phase }).Should(Equal(supportv1.RemedyDone))
		fails(warehouse("done", c1+"-reship"), "remedy "+c1+"-reship already has its report (spec.fulfilment: Done by warehouse-wendy, reference TRACK-123)")
		Expect(phase(c1)()).To(Equal(supportv1.PhaseImplementing), "billing has not reported yet")
		Expect(ok(warehouse("remedies"))).To(MatchRegexp(c1 + `-reship\s+` + c1 + `\s+warehouse\s+Reship\s+Done\s+-\s+Met\s+warehouse-wendy\s+TRACK-123`))

		ok(billing("done", c1+"-refund", "--reference", "CN-77"))
		Eventually(phase(c1)).Should(Equal(supportv1.PhaseResolved))
		Expect(get(c1).Status.Remedies).To(ConsistOf(
			And(HaveField("Name", c1+"-reship"), HaveField("Outcome", supportv1.FulfilmentDone), HaveField("By", "warehouse-wendy")),
			And(HaveField("Name", c1+"-refund"), HaveField("Outcome", supportv1.FulfilmentDone), HaveField("By", "billing-bea")),
		))
		Expect(ok(billing("remedies", "--pending"))).To(Equal("No remedies.\n"))
	})

	It("tells the agent who carried out what, and when", func() {
		Eventually(func() []supportv1.Notification { return get(c1).Status.Notifications }).Should(BeEmpty(), "the warehouse's destination was told")
		timeline := ok(agent("timeline", c1))
		Expect(timeline).To(MatchRegexp(`RemedyDone\s+Remedy ` + c1 + `-reship done \(warehouse, Reship by warehouse-wendy\); reference TRACK-123; shipped overnight`))
		Expect(timeline).To(MatchRegexp(`RemedyDone\s+Remedy ` + c1 + `-refund done \(billing, Refund by billing-bea\); reference CN-77`))
		Expect(timeline).To(MatchRegexp(`(?s)\nRemedies:\nREMEDY\s+DEPARTMENT\s+KIND\s+OUTCOME\s+BY\s+REFERENCE\s+REPORTED\n` +
			c1 + `-reship\s+warehouse\s+Reship\s+Done\s+warehouse-wendy\s+TRACK-123\s+\S+Z\n` +
			c1 + `-refund\s+billing\s+Refund\s+Done\s+billing-bea\s+CN-77\s+\S+Z\n$`))
		expectGolden("timeline-remedies", timeline, names)

		var tl struct {
			Steps []struct {
				Event, Remedy, By string
			} `json:"steps"`
			Remedies []supportv1.RemedySummary `json:"remedies"`
		}
		Expect(json.Unmarshal([]byte(ok(agent("timeline", c1, "-o", "json"))), &tl)).To(Succeed())
		Expect(tl.Steps).To(ContainElement(And(HaveField("Event", "RemedyDone"), HaveField("Remedy", c1+"-refund"), HaveField("By", "billing-bea"))))
		Expect(tl.Remedies).To(HaveLen(2))
	})

	It("sets the resolution aside when a department fails, and refuses the remedy then cancelled", func() {
		c2 = approved("Beta Clinic", supportv1.CategoryOrderError, "--summary", "A new device and the fee back",
			"--action", "reship=warehouse:Reship", "--action", "refund=billing:Refund")
		fails(billing("failed", c2+"-refund"), `required flag(s) "reason" not set`)
		ok(billing("failed", c2+"-refund", "--reason", "card expired", "--reference", "CN-78"))
		Expect(remedy(c2 + "-refund")().Spec.Fulfilment).To(Equal(&supportv1.Fulfilment{Outcome: supportv1.FulfilmentFailed,
			By: "billing-bea", Note: "card expired", Reference: "CN-78"}))
		Eventually(phase(c2)).Should(Equal(supportv1.PhaseAcknowledged), "back in work: propose another resolution")
		Eventually(func() supportv1.RemedyPhase { return remedy(c2 + "-reship")().Status.Phase }).Should(Equal(supportv1.RemedyCancelled))
		fails(warehouse("done", c2+"-reship"), "remedy "+c2+"-reship is Cancelled (status.phase): its resolution was set aside")
		Expect(remedy(c2 + "-reship")().Spec.Fulfilment).To(BeNil())
		Expect(ok(agent("timeline", c2))).To(MatchRegexp(`RemedyFailed\s+Remedy ` + c2 + `-refund failed \(billing, Refund by billing-bea\); reference CN-78; card expired`))
	})

	It("reports the value of the accepted gestures", func() {
		var r struct {
			GestureValue struct {
				ByCategory map[string]struct {
					Gestures, PercentTotal int
				} `json:"byCategory"`
				ByFault map[string]struct{ Gestures int } `json:"byFault"`
			} `json:"gestureValue"`
		}
		Expect(json.Unmarshal([]byte(ok(agent("report", "-o", "json"))), &r)).To(Succeed())
		Expect(r.GestureValue.ByCategory).To(HaveLen(1), "the proposal set aside is not counted")
		Expect(r.GestureValue.ByCategory["MissedDeadline"].PercentTotal).To(Equal(15))
		Expect(r.GestureValue.ByFault["Full"].Gestures).To(Equal(1))
		Expect(ok(agent("report"))).To(MatchRegexp(`(?s)Gesture value of the accepted resolutions:.*MissedDeadline\s+1\s+15%\s+15%\s+-`))
		Expect(ok(agent("report", "--by", "tier"))).To(MatchRegexp(`Standard\s+2\s+.*avg 15%, total 15% \(1\)`))
	})
})
