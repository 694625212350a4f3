package desk_test

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// policies of the story's namespace: "standard" governs everybody with
// hour-scale targets (nothing breaches unless the test wants it), requires
// an apology and a lead's approval, and notifies "leads" (answers 200) and
// "crm" (answers 410 Gone: the delivery fails at once); "key-fast" governs
// key accounts with a 2s first response, so one breaches and escalates.
func policies(ns string) []client.Object {
	dur := func(d time.Duration) *metav1.Duration { return &metav1.Duration{Duration: d} }
	return []client.Object{
		&supportv1.ServicePolicy{
			ObjectMeta: metav1.ObjectMeta{Name: "standard", Namespace: ns},
			Spec: supportv1.ServicePolicySpec{
				Targets:    supportv1.Targets{FirstResponse: dur(time.Hour), Update: dur(30 * time.Minute), Resolution: dur(4 * time.Hour)},
				PauseWhile: []supportv1.WaitingOn{supportv1.WaitingOnCustomer},
				Escalation: &supportv1.EscalationPolicy{Levels: []supportv1.EscalationLevel{
					{Name: "team-lead", After: metav1.Duration{}, Notify: []string{"leads"}},
					{Name: "manager", After: metav1.Duration{Duration: time.Hour}, Notify: []string{"leads"}},
				}},
				Recovery: &supportv1.Recovery{RequireApology: true, RequireApproval: true, Gestures: []supportv1.GestureRule{
					{Categories: []supportv1.Category{supportv1.CategoryMissedDeadline}, Kind: supportv1.GestureDiscount, Detail: "15% off the next order"},
				}},
				FollowUp: &supportv1.FollowUp{After: metav1.Duration{Duration: time.Hour}, ReopenBelow: 3},
				Notify: []supportv1.NotifyTarget{
					{Name: "leads", Events: []supportv1.EventType{supportv1.EventAcknowledged, supportv1.EventResolved, supportv1.EventReopened, supportv1.EventClosed},
						Webhook: &supportv1.Webhook{URL: receiver.URL + "/ok"}},
					{Name: "crm", Events: []supportv1.EventType{supportv1.EventClosed},
						Webhook: &supportv1.Webhook{URL: receiver.URL + "/gone", MaxAttempts: 1}},
				},
			},
		},
		&supportv1.ServicePolicy{
			ObjectMeta: metav1.ObjectMeta{Name: "key-fast", Namespace: ns},
			Spec: supportv1.ServicePolicySpec{
				Precedence: 100,
				Match:      supportv1.PolicyMatch{Tiers: []supportv1.CustomerTier{supportv1.TierKey}},
				Targets:    supportv1.Targets{FirstResponse: dur(2 * time.Second), Resolution: dur(4 * time.Hour)},
				Escalation: &supportv1.EscalationPolicy{Levels: []supportv1.EscalationLevel{
					{Name: "team-lead", After: metav1.Duration{}, Notify: []string{"leads"}},
				}},
				Notify: []supportv1.NotifyTarget{
					{Name: "leads", Events: []supportv1.EventType{supportv1.EventBreached}, Webhook: &supportv1.Webhook{URL: receiver.URL + "/ok"}},
				},
			},
		},
	}
}

// storyNamespace creates a namespace named prefix and a random suffix, with
// the story's policies, and returns its name.
func storyNamespace(prefix string) string {
	GinkgoHelper()
	ns := prefix + rand.String(5)
	Expect(k8sClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
	for _, p := range policies(ns) {
		Expect(k8sClient.Create(ctx, p)).To(Succeed())
	}
	return ns
}

var _ = Describe("kubectl desk", Ordered, func() {
	var (
		ns    string
		names map[string]string
		c1    string
	)
	// agent and lead run the plugin in the story's namespace.
	agent, lead := deskIn(&agentKubeconfig, &ns), deskIn(&leadKubeconfig, &ns)
	fails := func(r result, msg ...string) {
		GinkgoHelper()
		Expect(r.code).NotTo(BeZero(), "stdout: %s", r.stdout)
		for _, m := range msg {
			Expect(r.stderr).To(ContainSubstring(m))
		}
	}
	get := complaintIn(&ns)
	phase := func(name string) func() supportv1.Phase {
		return func() supportv1.Phase {
			c := &supportv1.Complaint{}
			if err := k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, c); err != nil {
				return ""
			}
			if c.Status.ObservedGeneration != c.Generation {
				return "" // not yet reconciled
			}
			return c.Status.Phase
		}
	}
	// settled waits until the complaint's deliveries are delivered or given up.
	settled := func(name string) {
		GinkgoHelper()
		Eventually(func() int {
			pending := 0
			for _, n := range get(name).Status.Notifications {
				if !n.Failed {
					pending++
				}
			}
			return pending
		}).Should(BeZero())
	}

	BeforeAll(func() {
		ns = storyNamespace("desk-")
		names = map[string]string{ns: "<NS>"}
	})

	It("refuses bad input before writing anything", func() {
		fails(agent("feedback", "whatever", "--satisfaction", "7"), "satisfaction 7 is outside 1-5")
		fails(agent("new", "--customer", "Acme", "--tier", "Gold", "--category", "Other", "--summary", "x"),
			`unknown tier "Gold": valid values are Key, Standard`)
		fails(agent("new", "--customer", "Acme", "--category", "Late", "--summary", "x"),
			"valid values are MissedDeadline, OrderError, UnprofessionalHandling, WrongInformation, Dissatisfaction, Other")
		fails(agent("ack", "c-nope"), `complaint "c-nope" not found`, "kubectl desk board")
		fails(agent("decide", "c-nope-request-x", "--decision", "yes"), `escalation "c-nope-request-x" not found`)
		fails(agent("board", "-o", "xml"), `unknown output format "xml"`)
	})

	It("records a complaint and shows it on the board", func() {
		out := ok(agent("new", "--customer", "Acme Pharmacy", "--company", "Acme Ltd", "--tier", "standard",
			"--category", "MissedDeadline", "--severity", "High", "--channel", "Phone", "--email", "ops@acme.example",
			"--summary", "Insulin promised for Saturday not delivered", "--owner", "agent-bob", "--product", "Insulin"))
		c1 = strings.TrimSpace(out)
		Expect(c1).To(HavePrefix("c-"))
		names[c1] = "<C1>"
		Eventually(phase(c1)).Should(Equal(supportv1.PhaseNew))
		c := get(c1)
		Expect(c.Spec.RecordedBy).To(Equal("agent-bob"), "the acting person is who the API server says")
		Expect(c.Spec.Customer.Tier).To(Equal(supportv1.TierStandard))
		Expect(c.Status.Policy).To(Equal("standard"))
		expectGolden("board-new", ok(agent("board", "-o", "wide")), names)
		Expect(ok(agent("board", "--mine", "--tier", "Key"))).To(Equal("No open complaints.\n"))
	})

	It("acknowledges, waits on the customer and gives an update, each a patch of its own field", func() {
		Expect(ok(agent("ack", c1, "--note", "called back, collected the batch number"))).
			To(Equal("complaint.support.servicedesk.dev/" + c1 + " acknowledged\n"))
		Eventually(phase(c1)).Should(Equal(supportv1.PhaseAcknowledged))
		nextSecond() // the timeline's golden order must not depend on timing

		ok(agent("wait-on", c1, "customer"))
		Eventually(phase(c1)).Should(Equal(supportv1.PhaseWaiting))
		Expect(get(c1).Status.Clocks.Resolution.State).To(Equal(supportv1.ClockPaused))
		expectGolden("board-waiting", ok(agent("board")), names)

		ok(agent("wait-on", c1, "none"))
		Eventually(phase(c1)).Should(Equal(supportv1.PhaseAcknowledged))
		Expect(get(c1).Spec.WaitingOn).To(BeEmpty())

		ok(agent("update", c1, "--note", "replacement ships tonight"))
		Eventually(func() *metav1.Time { return get(c1).Status.LastUpdateAt }).ShouldNot(BeNil())

		c := get(c1)
		Expect(c.Spec.Summary).To(Equal("Insulin promised for Saturday not delivered"), "nothing else was touched")
		var managers []string
		for _, m := range c.ManagedFields {
			if m.Subresource == "" {
				managers = append(managers, m.Manager+"/"+string(m.Operation))
			}
		}
		Expect(managers).To(ConsistOf("kubectl-desk/Update"))
	})

	It("refuses to approve before a resolution, and a resolution without the apology", func() {
		fails(agent("approve", c1), "is Acknowledged, not PendingApproval", "kubectl desk resolve")
		fails(agent("resolve", c1, "--summary", "Delivered overnight"), "policy standard requires an apology", "--apologized")
		fails(agent("resolve", c1, "--summary", "Delivered overnight", "--apologized", "--gesture", "Coupon"),
			"valid values are Discount, Gift, FreeService, AbsorbCost, PersonalCall, Other")
		fails(agent("feedback", c1, "--satisfaction", "4"), "not Resolved")
	})

	It("asks a lead for a decision, and the lead decides", func() {
		esc := strings.TrimSpace(ok(agent("escalate", c1, "--question", "May we refund the delivery fee as well?")))
		Expect(esc).To(HavePrefix(c1 + "-request-"))
		names[esc] = "<E1>"
		e := &supportv1.Escalation{}
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: esc}, e)).To(Succeed())
		Expect(e.Spec.Reason).To(Equal(supportv1.ReasonRequested))
		Expect(e.Spec.RequestedBy).To(Equal("agent-bob"))
		Expect(e.Spec.LevelName).To(Equal("team-lead"))
		Eventually(func() *metav1.Time {
			_ = k8sClient.Get(ctx, client.ObjectKeyFromObject(e), e)
			return e.Status.NotifiedAt
		}).ShouldNot(BeNil())

		fails(agent("decide", esc, "--decision", "yes", "--by", "lead-carol"), "--by cannot name someone else for a decision")
		ok(lead("decide", esc, "--decision", "yes, refund it"))
		Eventually(func() supportv1.EscalationPhase {
			_ = k8sClient.Get(ctx, client.ObjectKeyFromObject(e), e)
			return e.Status.Phase
		}).Should(Equal(supportv1.EscalationAcknowledged))
		Expect(e.Spec.Acknowledgement.By).To(Equal("lead-carol"))
		Eventually(func() string {
			for _, s := range get(c1).Status.Escalations {
				return s.Decision
			}
			return ""
		}).Should(Equal("yes, refund it"))
	})

	It("resolves with approval, reopens on a low score, and closes on a high one", func() {
		ok(agent("resolve", c1, "--summary", "Delivered overnight by courier", "--apologized",
			"--remedy", "Overnight delivery at our cost", "--gesture", "discount", "--detail", "15% off the next order"))
		Eventually(phase(c1)).Should(Equal(supportv1.PhasePendingApproval))
		expectGolden("board-pending", ok(agent("board")), names)

		fails(agent("approve", c1), "the admission policy servicedesk-approvals refused your approval of complaint "+c1+
			": spec.resolution.approvedBy must differ from spec.resolution.proposedBy (agent-bob): nobody approves their own proposal (you: agent-bob)")
		fails(agent("approve", c1, "--by", "lead-carol"), "--by cannot name someone else for an approval: the API server records who approves")
		Expect(ok(lead("approve", c1))).To(Equal("complaint.support.servicedesk.dev/" + c1 + " approved\n"))
		Eventually(phase(c1)).Should(Equal(supportv1.PhaseResolved))
		Expect(get(c1).Spec.Resolution.ApprovedBy).To(Equal("lead-carol"))
		fails(lead("approve", c1), "is Resolved, not PendingApproval")

		ok(agent("feedback", c1, "--satisfaction", "2", "--comment", "the courier was rude"))
		Eventually(phase(c1)).Should(Equal(supportv1.PhaseReopened))
		Expect(get(c1).Status.ReopenCount).To(BeEquivalentTo(1))

		ok(agent("resolve", c1, "--summary", "Apologised again; the courier firm was told", "--apologized", "--gesture", "PersonalCall"))
		Eventually(phase(c1)).Should(Equal(supportv1.PhasePendingApproval))
		Expect(get(c1).Spec.Resolution.ApprovedBy).To(BeEmpty(), "a new proposal needs a new approval")
		ok(lead("approve", c1))
		Eventually(phase(c1)).Should(Equal(supportv1.PhaseResolved))
		nextSecond() // the clocks met at the resolution, before the closing

		ok(agent("feedback", c1, "--satisfaction", "5", "--comment", "thanks"))
		Eventually(phase(c1)).Should(Equal(supportv1.PhaseClosed))
		fails(agent("resolve", c1, "--summary", "again", "--apologized"), "is Closed")
		settled(c1)
		expectGolden("timeline-closed", ok(agent("timeline", c1)), names)

		var tl struct {
			Phase string `json:"phase"`
			Steps []struct {
				Event string `json:"event"`
			} `json:"steps"`
		}
		Expect(json.Unmarshal([]byte(ok(agent("timeline", c1, "-o", "json"))), &tl)).To(Succeed())
		Expect(tl.Phase).To(Equal("Closed"))
		Expect(tl.Steps).NotTo(BeEmpty())
	})

	It("marks a breached key account with its escalation level, and reports the week", func() {
		c2 := strings.TrimSpace(ok(agent("new", "--customer", "Beta Clinic", "--tier", "Key", "--category", "OrderError",
			"--summary", "Wrong quantity delivered", "--owner", "agent-dan")))
		names[c2] = "<C2>"
		Eventually(func() int32 { return get(c2).Status.EscalationLevel }).Should(BeEquivalentTo(1))
		Expect(get(c2).Status.Policy).To(Equal("key-fast"))
		expectGolden("board-breached", ok(agent("board")), names)
		expectGolden("board-key", ok(agent("board", "--policy", "key-fast", "-A")), names)

		expectGolden("report", ok(agent("report", "--since", "1d")), names)
		var r struct {
			Complaints int            `json:"complaints"`
			ByPhase    map[string]int `json:"byPhase"`
			Reopened   struct {
				Count, Total int
			} `json:"reopened"`
			Satisfaction map[string]int `json:"satisfaction"`
		}
		Expect(json.Unmarshal([]byte(ok(agent("report", "-o", "json"))), &r)).To(Succeed())
		Expect(r.Complaints).To(Equal(2))
		Expect(r.ByPhase).To(Equal(map[string]int{"Closed": 1, "New": 1}))
		Expect(r.Reopened.Count).To(Equal(1))
		Expect(r.Satisfaction).To(Equal(map[string]int{"5": 1}))
		fails(agent("report", "--since", "soon"), "invalid --since")
	})

	It("follows changes with board -w", func() {
		var out safeBuffer
		cmd := exec.CommandContext(ctx, binary, "--kubeconfig", agentKubeconfig, "-n", ns, "board", "-w")
		cmd.Stdout = &out
		Expect(cmd.Start()).To(Succeed())
		defer func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}()
		Eventually(out.String).Should(ContainSubstring("BREACHED"))
		c3 := strings.TrimSpace(ok(agent("new", "--customer", "Gamma", "--category", "Other", "--summary", "Late invoice")))
		Eventually(out.String).Should(ContainSubstring(c3), "a new complaint shows up without running board again")
		ok(agent("ack", c3))
		Eventually(out.String).Should(MatchRegexp(c3 + `\s+Acknowledged`))
	})
})

// safeBuffer is a bytes.Buffer written by a subprocess and read by the test.
type safeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
