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

// hostile is what anyone who may file a complaint can type into its free
// text to attack the agents' terminals (CVE-2021-25743 class): an OSC 8
// hyperlink, an OSC 0 window title, a clear screen, a colour and a bell.
const hostile = "\x1b]8;;http://evil\x07text\x1b]8;;\x07\x1b]0;title\x07\x1b[2J\x1b[H\x1b[31m\x07"

var _ = Describe("kubectl desk facing hostile complaint text", Ordered, func() {
	var ns, name string
	run := deskIn(&agentKubeconfig, &ns)
	// safe runs kubectl desk and expects it to succeed and to print no raw
	// ESC or BEL, whatever the objects hold.
	safe := func(args ...string) string {
		GinkgoHelper()
		r := run(args...)
		Expect(r.code).To(BeZero(), "stderr: %q", r.stderr)
		Expect(r.stdout+r.stderr).NotTo(ContainSubstring("\x1b"), "kubectl desk %v printed a raw ESC", args)
		Expect(r.stdout+r.stderr).NotTo(ContainSubstring("\x07"), "kubectl desk %v printed a raw BEL", args)
		return r.stdout
	}
	history := func() string {
		c := &supportv1.Complaint{}
		if err := k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, c); err != nil {
			return ""
		}
		var b strings.Builder
		for _, h := range c.Status.History {
			b.WriteString(h.Event + ": " + h.Message + "\n")
		}
		return b.String()
	}

	BeforeAll(func() {
		ns = "hostile-" + rand.String(5)
		Expect(k8sClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
		Expect(k8sClient.Create(ctx, &supportv1.ServicePolicy{
			ObjectMeta: metav1.ObjectMeta{Name: "calm", Namespace: ns},
			Spec: supportv1.ServicePolicySpec{
				Targets: supportv1.Targets{FirstResponse: &metav1.Duration{Duration: time.Hour}, Resolution: &metav1.Duration{Duration: 4 * time.Hour}},
				Escalation: &supportv1.EscalationPolicy{Levels: []supportv1.EscalationLevel{
					{Name: "team-lead", After: metav1.Duration{}},
				}},
			},
		})).To(Succeed())
	})

	It("records, acknowledges and escalates a complaint full of escape sequences", func() {
		name = strings.TrimSpace(safe("new", "--customer", "customer"+hostile, "--category", "Other",
			"--summary", "summary"+hostile, "--owner", "owner"+hostile, "--by", "agent"+hostile))
		Expect(name).To(HavePrefix("c-"))
		Eventually(history).Should(ContainSubstring("Created: "))
		// ack and decide record the caller: the hostile text is their note
		// and decision.
		Expect(safe("ack", name, "--note", "note"+hostile)).
			To(Equal("complaint.support.servicedesk.dev/" + name + " acknowledged\n"))
		esc := strings.TrimSpace(safe("escalate", name, "--question", "question"+hostile, "--by", "agent"+hostile))
		Expect(esc).To(HavePrefix(name + "-request-"))
		safe("decide", esc, "--decision", "decision"+hostile)
		Expect(k8sClient.Create(ctx, &corev1.Event{
			ObjectMeta: metav1.ObjectMeta{GenerateName: name + ".", Namespace: ns},
			InvolvedObject: corev1.ObjectReference{Kind: "Complaint", APIVersion: supportv1.GroupVersion.String(),
				Name: name, Namespace: ns},
			Type: corev1.EventTypeWarning, Reason: "Hostile", Message: "event" + hostile,
			FirstTimestamp: metav1.Now(), LastTimestamp: metav1.Now(), Count: 1,
			Source: corev1.EventSource{Component: "e2e"},
		})).To(Succeed())
		Eventually(history).Should(And(ContainSubstring("note"+hostile), ContainSubstring("question"+hostile),
			ContainSubstring("decision"+hostile)))
	})

	It("prints the board, the timeline and the report escaped", func() {
		shown := "^[]8;;http://evil^Gtext^[]8;;^G^[]0;title^G^[[2J^[[H^[[31m^G"
		board := safe("board", "-o", "wide")
		Expect(board).To(ContainSubstring("customer" + shown))
		Expect(board).To(ContainSubstring("summary" + shown))
		Expect(board).To(ContainSubstring("owner" + shown))
		timeline := safe("timeline", name)
		for _, field := range []string{"customer", "summary", "note", "question", "decision", "event"} {
			Expect(timeline).To(ContainSubstring(field+shown), "the timeline shows the %s escaped", field)
		}
		safe("report")
	})

	It("keeps the exact text in JSON", func() {
		var board struct {
			Items []struct {
				Customer string `json:"customer"`
				Summary  string `json:"summary"`
			} `json:"items"`
		}
		Expect(json.Unmarshal([]byte(safe("board", "-o", "json")), &board)).To(Succeed())
		Expect(board.Items).To(HaveLen(1))
		Expect(board.Items[0].Customer).To(Equal("customer" + hostile))
		Expect(board.Items[0].Summary).To(Equal("summary" + hostile))
	})
})
