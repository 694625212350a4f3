package desk_test

import (
	"encoding/json"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// A department's user carries out remedies with nothing but the ClusterRole
// servicedesk-remedy-fulfiller bound in the namespace: lists them, reports
// one done and one failed, in their own name, once.
var _ = Describe("kubectl desk for a department", Ordered, func() {
	var ns string
	warehouse := deskIn(&warehouseKubeconfig, &ns)
	fails := func(r result, msg ...string) {
		GinkgoHelper()
		Expect(r.code).NotTo(BeZero(), "stdout: %s", r.stdout)
		for _, m := range msg {
			Expect(r.stderr).To(ContainSubstring(m))
		}
	}
	remedy := func(name string) *supportv1.Remedy {
		GinkgoHelper()
		r := &supportv1.Remedy{}
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, r)).To(Succeed())
		return r
	}
	// asked creates a remedy as the operator does, pending with its clock
	// due in due.
	asked := func(complaint, action, department string, kind supportv1.RemedyKind, detail string, due time.Duration) string {
		GinkgoHelper()
		now := metav1.Now()
		r := &supportv1.Remedy{
			ObjectMeta: metav1.ObjectMeta{Name: complaint + "-" + action, Namespace: ns,
				Labels: map[string]string{supportv1.LabelComplaint: complaint, supportv1.LabelDepartment: department}},
			Spec: supportv1.RemedySpec{ComplaintName: complaint, Action: action, Department: department, Kind: kind, Detail: detail, RequestedAt: now},
		}
		Expect(k8sClient.Create(ctx, r)).To(Succeed())
		dueAt := metav1.NewTime(now.Add(due))
		r.Status = supportv1.RemedyStatus{Phase: supportv1.RemedyPending,
			Clock: supportv1.ClockStatus{Target: &metav1.Duration{Duration: due}, StartedAt: &now, DueAt: &dueAt, State: supportv1.ClockRunning}}
		Expect(k8sClient.Status().Update(ctx, r)).To(Succeed())
		return r.Name
	}

	BeforeAll(func() {
		ns = storyNamespace("dept-")
		bindFulfiller(ns)
	})

	It("lists the department's remedies, and nothing else", func() {
		asked("c-hand1", "reship", "warehouse", supportv1.RemedyReship, "right item, overnight", 2*time.Hour)
		asked("c-hand2", "reship", "warehouse", supportv1.RemedyReship, "", time.Hour)
		asked("c-hand1", "refund", "billing", supportv1.RemedyRefund, "delivery fee", 3*time.Hour)

		out := ok(warehouse("remedies", "--department", "warehouse", "--pending"))
		lines := strings.Split(strings.TrimSpace(out), "\n")
		Expect(lines).To(HaveLen(3))
		Expect(lines[0]).To(MatchRegexp(`^NAME\s+COMPLAINT\s+DEPARTMENT\s+KIND\s+PHASE\s+DUE\s+CLOCK\s+BY\s+REFERENCE$`))
		Expect(lines[1]).To(MatchRegexp(`^c-hand2-reship\s+c-hand2\s+warehouse\s+Reship\s+Pending\s+(59m\d+s|1h)\s+Running\s+-\s+-$`), "the soonest due first")
		Expect(lines[2]).To(MatchRegexp(`^c-hand1-reship\s+c-hand1\s+warehouse\s+Reship\s+Pending\s+(1h59m|2h)\s+Running`))
		Expect(ok(warehouse("remedies", "--complaint", "c-hand1"))).To(MatchRegexp(`(?s)c-hand1-refund\s+c-hand1\s+billing.*c-hand1-reship`), "by department")

		By("the role grants remedies only: no complaints, no other namespace")
		fails(warehouse("board"), "forbidden", "complaints")
		fails(warehouse("remedies", "-A"), "forbidden")
	})

	It("reports a remedy done, in the caller's name, once", func() {
		fails(warehouse("done", "c-hand1-reship", "--by", "warehouse-bot"), "--by cannot name someone else for a remedy's report")
		Expect(ok(warehouse("done", "c-hand1-reship", "--reference", "TRACK-123", "--note", "shipped overnight"))).
			To(Equal("remedy.support.servicedesk.dev/c-hand1-reship reported done\n"))
		r := remedy("c-hand1-reship")
		Expect(r.Spec.Fulfilment).To(Equal(&supportv1.Fulfilment{Outcome: supportv1.FulfilmentDone, By: "warehouse-wendy",
			Note: "shipped overnight", Reference: "TRACK-123"}))
		Expect(r.ManagedFields).To(ContainElement(And(HaveField("Manager", "kubectl-desk"), HaveField("Subresource", ""))),
			"written with the field manager kubectl-desk")

		fails(warehouse("done", "c-hand1-reship"), "remedy c-hand1-reship already has its report (spec.fulfilment: Done by warehouse-wendy, reference TRACK-123)")
		fails(warehouse("failed", "c-hand1-reship", "--reason", "lost"), "a report is final once recorded")
		Expect(remedy("c-hand1-reship").Spec.Fulfilment.Outcome).To(Equal(supportv1.FulfilmentDone))
		Expect(ok(warehouse("remedies", "--complaint", "c-hand1"))).To(MatchRegexp(`c-hand1-reship\s+c-hand1\s+warehouse\s+Reship\s+Pending\s+-\s+Running\s+warehouse-wendy\s+TRACK-123`))
	})

	It("reports a remedy failed with its reason, and refuses a cancelled one", func() {
		fails(warehouse("failed", "c-hand2-reship"), `required flag(s) "reason" not set`)
		ok(warehouse("failed", "c-hand2-reship", "--reason", "out of stock until March", "--reference", "BO-7"))
		Expect(remedy("c-hand2-reship").Spec.Fulfilment).To(Equal(&supportv1.Fulfilment{Outcome: supportv1.FulfilmentFailed,
			By: "warehouse-wendy", Note: "out of stock until March", Reference: "BO-7"}))

		r := remedy("c-hand1-refund")
		r.Status.Phase = supportv1.RemedyCancelled
		Expect(k8sClient.Status().Update(ctx, r)).To(Succeed())
		fails(warehouse("done", "c-hand1-refund"), "remedy c-hand1-refund is Cancelled (status.phase)")
		Expect(remedy("c-hand1-refund").Spec.Fulfilment).To(BeNil())

		var list struct {
			Items []struct {
				Name    string `json:"name"`
				Outcome string `json:"outcome"`
				By      string `json:"by"`
			} `json:"items"`
		}
		Expect(json.Unmarshal([]byte(ok(warehouse("remedies", "-o", "json"))), &list)).To(Succeed())
		Expect(list.Items).To(ConsistOf(
			And(HaveField("Name", "c-hand1-refund"), HaveField("Outcome", "")),
			And(HaveField("Name", "c-hand2-reship"), HaveField("Outcome", "Failed"), HaveField("By", "warehouse-wendy")),
			And(HaveField("Name", "c-hand1-reship"), HaveField("Outcome", "Done")),
		))
		Expect(ok(warehouse("remedies", "--pending"))).To(Equal("No remedies.\n"))
	})
})
