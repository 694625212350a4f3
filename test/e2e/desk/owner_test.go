package desk_test

import (
	"encoding/json"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// The owner of a complaint: one person responsible, who takes it or is
// assigned it. The lead takes a complaint nobody owns, then assigns it to
// the agent; each run of the plugin is a real user of the API server.
var _ = Describe("kubectl desk take and assign", Ordered, func() {
	var ns string
	agent, lead := deskIn(&agentKubeconfig, &ns), deskIn(&leadKubeconfig, &ns)
	get := complaintIn(&ns)
	record := func(summary string) string {
		GinkgoHelper()
		name := strings.TrimSpace(ok(agent("new", "--customer", "Delta Care", "--category", "WrongInformation",
			"--channel", "Email", "--summary", summary)))
		Expect(name).To(HavePrefix("c-"))
		Eventually(func() supportv1.Phase { return get(name).Status.Phase }).Should(Equal(supportv1.PhaseNew))
		return name
	}

	BeforeAll(func() { ns = storyNamespace("owner-") })

	It("takes a complaint nobody owns as the lead, then assigns it to the agent", func() {
		c := record("Wrong dosage on the label")
		Expect(get(c).Spec.Owner).To(BeEmpty())
		Expect(ok(agent("board", "--unowned"))).To(ContainSubstring(c))

		By("take refuses --by: the owner is who the API server says you are")
		r := lead("take", c, "--by", "agent-bob")
		Expect(r.code).NotTo(BeZero())
		Expect(r.stderr).To(ContainSubstring("--by does not apply"))
		Expect(get(c).Spec.Owner).To(BeEmpty())

		By("the lead takes it")
		Expect(ok(lead("take", c))).To(Equal("complaint " + c + ": owner (none) → lead-carol\n"))
		Expect(get(c).Spec.Owner).To(Equal("lead-carol"))
		Expect(ok(agent("board", "--unowned"))).To(Equal("No open complaints.\n"))

		By("the lead assigns it to the agent")
		Expect(ok(lead("assign", c, "--to", "agent-bob"))).To(Equal("complaint " + c + ": owner lead-carol → agent-bob\n"))
		after := get(c)
		Expect(after.Spec.Owner).To(Equal("agent-bob"))
		Expect(after.Spec.Summary).To(Equal("Wrong dosage on the label"), "nothing else was touched")
		for _, m := range after.ManagedFields {
			if m.Subresource == "" {
				Expect(m.Manager).To(Equal("kubectl-desk"))
			}
		}
		Expect(ok(agent("assign", c, "--to", "agent-bob"))).To(Equal("complaint " + c + ": owner agent-bob (unchanged)\n"))
		Expect(get(c).Generation).To(Equal(after.Generation), "an unchanged owner is not written (the spec's generation stays)")

		By("the agent sees it as theirs, the timeline's heading and the report by owner name them")
		Expect(ok(agent("board", "--mine"))).To(ContainSubstring(c))
		Expect(ok(agent("timeline", c))).To(ContainSubstring(", owner agent-bob,"))
		var rep struct {
			Groups []struct {
				Name       string `json:"name"`
				Complaints int    `json:"complaints"`
			} `json:"groups"`
		}
		Expect(json.Unmarshal([]byte(ok(agent("report", "--by", "owner", "-o", "json"))), &rep)).To(Succeed())
		Expect(rep.Groups).To(ConsistOf(HaveField("Name", "agent-bob")))
	})

	It("refuses a new owner for a closed complaint", func() {
		c := record("Leaflet in the wrong language")
		ok(agent("take", c))
		ok(agent("resolve", c, "--summary", "Sent the right leaflet", "--apologized"))
		Eventually(func() supportv1.Phase { return get(c).Status.Phase }).Should(Equal(supportv1.PhasePendingApproval))
		ok(lead("approve", c))
		Eventually(func() supportv1.Phase { return get(c).Status.Phase }).Should(Equal(supportv1.PhaseResolved))
		ok(agent("feedback", c, "--satisfaction", "5"))
		Eventually(func() supportv1.Phase { return get(c).Status.Phase }).Should(Equal(supportv1.PhaseClosed))
		r := lead("assign", c, "--to", "lead-carol")
		Expect(r.code).NotTo(BeZero())
		Expect(r.stderr).To(ContainSubstring("is Closed (owner agent-bob): a closed complaint gets no new owner"))
		Expect(get(c).Spec.Owner).To(Equal("agent-bob"))
	})

	// The operator tells each change of owner in the history: an
	// OwnerChanged entry by the new owner that names the old and the new,
	// shown by the timeline as it comes.
	It("tells each change of owner in the history and the timeline", func() {
		c := record("Wrong strength dispensed")
		ok(lead("take", c))
		Eventually(func() string { return get(c).Status.Owner }).Should(Equal("lead-carol"))
		ok(lead("assign", c, "--to", "agent-bob"))
		Eventually(func() string { return get(c).Status.Owner }).Should(Equal("agent-bob"))

		var changes []supportv1.HistoryEntry
		for _, h := range get(c).Status.History {
			if h.Event == "OwnerChanged" {
				changes = append(changes, h)
			}
		}
		Expect(changes).To(HaveLen(2))
		Expect(changes[0].By).To(Equal("lead-carol"))
		Expect(changes[1].By).To(Equal("agent-bob"))
		Expect(changes[1].Message).To(And(ContainSubstring("lead-carol"), ContainSubstring("agent-bob")))
		Expect(ok(agent("timeline", c))).To(MatchRegexp(`OwnerChanged\s+.*lead-carol.*agent-bob`))
	})
})
