package v1alpha1_test

import (
	"io"
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/rand"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/test/testenv"
)

// newNamespace creates a namespace of its own for one test.
func newNamespace() string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "t-" + rand.String(8)}}
	Expect(k8sClient.Create(ctx, ns)).To(Succeed())
	return ns.Name
}

// fromYAML decodes one object, placing it in namespace ns.
func fromYAML(doc, ns string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	Expect(yaml.Unmarshal([]byte(doc), &u.Object)).To(Succeed())
	u.SetNamespace(ns)
	return u
}

const validComplaint = `
apiVersion: support.servicedesk.dev/v1alpha1
kind: Complaint
metadata: {name: c1}
spec:
  customer: {name: Acme Pharmacy, company: Acme Ltd, tier: Key}
  category: MissedDeadline
  summary: Insulin not delivered
`

const validPolicy = `
apiVersion: support.servicedesk.dev/v1alpha1
kind: ServicePolicy
metadata: {name: p1}
spec:
  targets: {firstResponse: 15m}
`

var _ = Describe("Samples", func() {
	It("accepts every sample in config/samples", func() {
		ns := newNamespace()
		files, err := filepath.Glob(filepath.Join("..", "..", "config", "samples", "*.yaml"))
		Expect(err).NotTo(HaveOccurred())
		Expect(files).NotTo(BeEmpty())
		kinds := map[string]int{}
		for _, f := range files {
			data, err := os.ReadFile(f)
			Expect(err).NotTo(HaveOccurred())
			dec := utilyaml.NewYAMLOrJSONDecoder(strings.NewReader(string(data)), 4096)
			for {
				u := &unstructured.Unstructured{}
				if err := dec.Decode(&u.Object); err == io.EOF {
					break
				} else {
					Expect(err).NotTo(HaveOccurred(), f)
				}
				if len(u.Object) == 0 {
					continue
				}
				u.SetNamespace(ns)
				Expect(k8sClient.Create(ctx, u)).To(Succeed(), "sample %s", f)
				kinds[u.GetKind()]++
			}
		}
		Expect(kinds).To(HaveKeyWithValue("ServicePolicy", 2))
		Expect(kinds).To(HaveKeyWithValue("Complaint", 5))
		Expect(kinds).To(HaveKeyWithValue("Escalation", 1))

		By("covering the five failure categories of the domain")
		var list supportv1.ComplaintList
		Expect(k8sClient.List(ctx, &list, client.InNamespace(ns))).To(Succeed())
		categories := map[supportv1.Category]bool{}
		for _, c := range list.Items {
			categories[c.Spec.Category] = true
		}
		Expect(categories).To(HaveLen(5))
	})

	It("defaults tier, severity and atRiskPercent", func() {
		ns := newNamespace()
		c := fromYAML(`
apiVersion: support.servicedesk.dev/v1alpha1
kind: Complaint
metadata: {name: c1}
spec:
  customer: {name: Dana}
  category: OrderError
  summary: wrong item
`, ns)
		Expect(k8sClient.Create(ctx, c)).To(Succeed())
		var got supportv1.Complaint
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(c), &got)).To(Succeed())
		Expect(got.Spec.Customer.Tier).To(Equal(supportv1.TierStandard))
		Expect(got.Spec.Severity).To(Equal(supportv1.SeverityMedium))

		p := fromYAML(validPolicy, ns)
		Expect(k8sClient.Create(ctx, p)).To(Succeed())
		var pol supportv1.ServicePolicy
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(p), &pol)).To(Succeed())
		Expect(pol.Spec.Targets.AtRiskPercent).To(BeEquivalentTo(75))
	})

	It("is applied by kubectl apply -f config/samples", func() {
		ns := newNamespace()
		kubectl, err := testenv.AdminKubectl(testEnv)
		Expect(err).NotTo(HaveOccurred())
		stdout, stderr, err := kubectl.Run("apply", "-n", ns, "-f", filepath.Join(testenv.RepoRoot(), "config", "samples"))
		Expect(err).NotTo(HaveOccurred(), readAll(stderr))
		Expect(readAll(stdout)).To(ContainSubstring("servicepolicy.support.servicedesk.dev/key-accounts created"))
		var pol supportv1.ServicePolicy
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: "key-accounts"}, &pol)).To(Succeed())
		Expect(pol.Spec.Notify[0].Events).To(ContainElements(supportv1.EventCreated, supportv1.EventBreached))

		stdout, stderr, err = kubectl.Run("get", "servicedesk", "-n", ns)
		Expect(err).NotTo(HaveOccurred(), readAll(stderr))
		out := readAll(stdout)
		Expect(out).To(ContainSubstring("complaint.support.servicedesk.dev/insulin-not-delivered"))
		Expect(out).To(ContainSubstring("escalation.support.servicedesk.dev/insulin-not-delivered-refund-fee"))
	})

	It("shows the doc comments in kubectl explain", func() {
		kubectl, err := testenv.AdminKubectl(testEnv)
		Expect(err).NotTo(HaveOccurred())
		stdout, stderr, err := kubectl.Run("explain", "complaint.spec.resolution")
		Expect(err).NotTo(HaveOccurred(), readAll(stderr))
		out := readAll(stdout)
		Expect(out).To(ContainSubstring("apologized is true once the customer received an apology"))
		Expect(out).To(ContainSubstring("approvedBy is the lead who approved it"))
	})

	It("installs from the one file dist/install.yaml with kubectl apply", func() {
		kubectl, err := testenv.AdminKubectl(testEnv)
		Expect(err).NotTo(HaveOccurred())
		install := filepath.Join(testenv.RepoRoot(), "dist", "install.yaml")
		stdout, stderr, err := kubectl.Run("apply", "--server-side", "--force-conflicts", "-f", install)
		Expect(err).NotTo(HaveOccurred(), readAll(stderr))
		out := readAll(stdout)
		for _, want := range []string{
			"namespace/servicedesk-system serverside-applied",
			"customresourcedefinition.apiextensions.k8s.io/complaints.support.servicedesk.dev serverside-applied",
			"clusterrole.rbac.authorization.k8s.io/servicedesk-manager-role serverside-applied",
			"deployment.apps/servicedesk-controller-manager serverside-applied",
			"validatingadmissionpolicy.admissionregistration.k8s.io/servicedesk-approvals serverside-applied",
			"validatingadmissionpolicybinding.admissionregistration.k8s.io/servicedesk-approvals serverside-applied",
		} {
			Expect(out).To(ContainSubstring(want))
		}
		stdout, stderr, err = kubectl.Run("get", "deployment", "-n", "servicedesk-system", "-o", "jsonpath={.items[0].spec.template.spec.securityContext.runAsNonRoot}")
		Expect(err).NotTo(HaveOccurred(), readAll(stderr))
		Expect(readAll(stdout)).To(Equal("true"))
	})

	It("lists all three kinds under the servicedesk category", func() {
		kubectl, err := testenv.AdminKubectl(testEnv)
		Expect(err).NotTo(HaveOccurred())
		stdout, stderr, err := kubectl.Run("api-resources", "--categories=servicedesk", "-o", "name")
		Expect(err).NotTo(HaveOccurred(), readAll(stderr))
		out := readAll(stdout)
		for _, r := range []string{"complaints", "servicepolicies", "escalations"} {
			Expect(out).To(ContainSubstring(r + ".support.servicedesk.dev"))
		}
	})
})

func readAll(r io.Reader) string {
	b, _ := io.ReadAll(r)
	return string(b)
}

// mutate returns a copy of base (YAML) with the change applied at path.
func withSpec(base string, set func(spec map[string]any)) string {
	obj := map[string]any{}
	Expect(yaml.Unmarshal([]byte(base), &obj)).To(Succeed())
	set(obj["spec"].(map[string]any))
	out, err := yaml.Marshal(obj)
	Expect(err).NotTo(HaveOccurred())
	return string(out)
}

func m(kv ...any) map[string]any {
	out := map[string]any{}
	for i := 0; i < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

func l(items ...any) []any { return items }

var _ = Describe("Validation at admission", func() {
	DescribeTable("rejects an invalid object with a field-specific message",
		func(doc func() string, wantField string, wantWords ...string) {
			ns := newNamespace()
			err := k8sClient.Create(ctx, fromYAML(doc(), ns))
			Expect(err).To(HaveOccurred())
			Expect(apierrors.IsInvalid(err)).To(BeTrue(), "want Invalid, got %v", err)
			Expect(err.Error()).To(ContainSubstring(wantField))
			for _, w := range wantWords {
				Expect(err.Error()).To(ContainSubstring(w))
			}
		},
		Entry("complaint without customer name", func() string {
			return withSpec(validComplaint, func(s map[string]any) { s["customer"] = m("tier", "Key") })
		}, "spec.customer.name", "Required"),
		Entry("complaint with an unknown category", func() string {
			return withSpec(validComplaint, func(s map[string]any) { s["category"] = "Rudeness" })
		}, "spec.category", "MissedDeadline"),
		Entry("complaint with an unknown tier", func() string {
			return withSpec(validComplaint, func(s map[string]any) { s["customer"].(map[string]any)["tier"] = "Gold" })
		}, "spec.customer.tier", "Key", "Standard"),
		Entry("complaint with an unknown severity", func() string {
			return withSpec(validComplaint, func(s map[string]any) { s["severity"] = "Urgent" })
		}, "spec.severity", "Critical"),
		Entry("complaint with an unknown channel", func() string {
			return withSpec(validComplaint, func(s map[string]any) { s["channel"] = "Fax" })
		}, "spec.channel", "Phone"),
		Entry("complaint without summary", func() string {
			return withSpec(validComplaint, func(s map[string]any) { delete(s, "summary") })
		}, "spec.summary", "Required"),
		Entry("complaint with satisfaction 6", func() string {
			return withSpec(validComplaint, func(s map[string]any) { s["feedback"] = m("satisfaction", 6) })
		}, "spec.feedback.satisfaction", "less than or equal to 5"),
		Entry("complaint with satisfaction 0", func() string {
			return withSpec(validComplaint, func(s map[string]any) { s["feedback"] = m("satisfaction", 0) })
		}, "spec.feedback.satisfaction", "greater than or equal to 1"),
		Entry("complaint waiting on an unknown party", func() string {
			return withSpec(validComplaint, func(s map[string]any) { s["waitingOn"] = "Lawyer" })
		}, "spec.waitingOn", "Customer"),
		Entry("complaint with a resolution without summary", func() string {
			return withSpec(validComplaint, func(s map[string]any) { s["resolution"] = m("apologized", true) })
		}, "spec.resolution.summary", "Required"),
		Entry("complaint with an unknown gesture kind", func() string {
			return withSpec(validComplaint, func(s map[string]any) {
				s["resolution"] = m("summary", "x", "gesture", m("kind", "Cash"))
			})
		}, "spec.resolution.gesture.kind", "Discount"),
		Entry("complaint with a gesture worth a percent and an amount", func() string {
			return withSpec(validComplaint, func(s map[string]any) {
				s["resolution"] = m("summary", "x", "gesture", m("kind", "Discount", "value", m("percent", 10, "amount", "5", "currency", "EUR")))
			})
		}, "spec.resolution.gesture.value", "a percent or an amount, one of them"),
		Entry("complaint with an amount without currency", func() string {
			return withSpec(validComplaint, func(s map[string]any) {
				s["resolution"] = m("summary", "x", "gesture", m("kind", "Discount", "value", m("amount", "5")))
			})
		}, "spec.resolution.gesture.value", "an amount needs its currency"),
		Entry("complaint declining without a reason", func() string {
			return withSpec(validComplaint, func(s map[string]any) { s["resolution"] = m("summary", "x", "outcome", "Declined") })
		}, "spec.resolution", "a Declined resolution needs a reason"),
		Entry("complaint with an unknown company fault", func() string {
			return withSpec(validComplaint, func(s map[string]any) {
				s["resolution"] = m("summary", "x", "assessment", m("companyFault", "Some"))
			})
		}, "spec.resolution.assessment.companyFault", "Partial"),
		Entry("complaint acknowledged by nobody", func() string {
			return withSpec(validComplaint, func(s map[string]any) { s["acknowledgement"] = m("note", "called") })
		}, "spec.acknowledgement.by", "Required"),
		Entry("policy with atRiskPercent 100", func() string {
			return withSpec(validPolicy, func(s map[string]any) { s["targets"].(map[string]any)["atRiskPercent"] = 100 })
		}, "spec.targets.atRiskPercent", "less than or equal to 99"),
		Entry("policy with atRiskPercent 0", func() string {
			return withSpec(validPolicy, func(s map[string]any) { s["targets"].(map[string]any)["atRiskPercent"] = 0 })
		}, "spec.targets.atRiskPercent", "greater than or equal to 1"),
		Entry("policy with a zero firstResponse", func() string {
			return withSpec(validPolicy, func(s map[string]any) { s["targets"].(map[string]any)["firstResponse"] = "0s" })
		}, "spec.targets.firstResponse", "positive duration"),
		Entry("policy with a malformed resolution duration", func() string {
			return withSpec(validPolicy, func(s map[string]any) { s["targets"].(map[string]any)["resolution"] = "two days" })
		}, "spec.targets.resolution", "should match"),
		Entry("policy with business hours closing before opening", func() string {
			return withSpec(validPolicy, func(s map[string]any) {
				s["businessHours"] = m("weekly", l(m("days", l("Mon"), "from", "18:00", "to", "09:00")))
			})
		}, "spec.businessHours.weekly[0]", "from must be earlier than to"),
		Entry("policy with a misspelt weekday", func() string {
			return withSpec(validPolicy, func(s map[string]any) {
				s["businessHours"] = m("weekly", l(m("days", l("Monday"), "from", "09:00", "to", "18:00")))
			})
		}, "spec.businessHours.weekly[0].days[0]", "Mon"),
		Entry("policy with an impossible opening time", func() string {
			return withSpec(validPolicy, func(s map[string]any) {
				s["businessHours"] = m("weekly", l(m("days", l("Mon"), "from", "25:00", "to", "26:00")))
			})
		}, "spec.businessHours.weekly[0].from", "should match"),
		Entry("policy with a malformed holiday", func() string {
			return withSpec(validPolicy, func(s map[string]any) {
				s["businessHours"] = m("weekly", l(m("days", l("Mon"), "from", "09:00", "to", "18:00")), "holidays", l("25.12.2026"))
			})
		}, "spec.businessHours.holidays[0]", "should match"),
		Entry("policy with duplicate escalation level names", func() string {
			return withSpec(validPolicy, func(s map[string]any) {
				s["escalation"] = m("levels", l(m("name", "lead", "after", "0s"), m("name", "lead", "after", "1h")))
			})
		}, "spec.escalation.levels[1]", "Duplicate value"),
		Entry("policy with escalation levels out of order", func() string {
			return withSpec(validPolicy, func(s map[string]any) {
				s["escalation"] = m("levels", l(m("name", "lead", "after", "2h"), m("name", "manager", "after", "1h")))
			})
		}, "spec.escalation.levels", "ordered by after"),
		Entry("policy with reopenBelow 6", func() string {
			return withSpec(validPolicy, func(s map[string]any) { s["followUp"] = m("after", "168h", "reopenBelow", 6) })
		}, "spec.followUp.reopenBelow", "less than or equal to 5"),
		Entry("policy with a follow-up without after", func() string {
			return withSpec(validPolicy, func(s map[string]any) { s["followUp"] = m("reopenBelow", 3) })
		}, "spec.followUp.after", "Required"),
		Entry("policy with a non-http webhook", func() string {
			return withSpec(validPolicy, func(s map[string]any) {
				s["notify"] = l(m("name", "crm", "events", l("Created"), "webhook", m("url", "ftp://crm.example/x")))
			})
		}, "spec.notify[0].webhook.url", "http or https"),
		Entry("policy notifying an unknown event", func() string {
			return withSpec(validPolicy, func(s map[string]any) {
				s["notify"] = l(m("name", "crm", "events", l("Deleted")))
			})
		}, "spec.notify[0].events[0]", "Breached"),
		Entry("policy notifying no event", func() string {
			return withSpec(validPolicy, func(s map[string]any) {
				s["notify"] = l(m("name", "crm", "events", l()))
			})
		}, "spec.notify[0].events", "Required value"),
		Entry("policy matching an unknown tier", func() string {
			return withSpec(validPolicy, func(s map[string]any) { s["match"] = m("tiers", l("Platinum")) })
		}, "spec.match.tiers[0]", "Key"),
		Entry("policy pausing on an unknown party", func() string {
			return withSpec(validPolicy, func(s map[string]any) { s["pauseWhile"] = l("Nobody") })
		}, "spec.pauseWhile[0]", "Customer"),
		Entry("escalation at level 0", func() string {
			return `
apiVersion: support.servicedesk.dev/v1alpha1
kind: Escalation
metadata: {name: e1}
spec: {complaintName: c1, level: 0, reason: ResolutionBreached}
`
		}, "spec.level", "greater than or equal to 1"),
		Entry("escalation with an unknown reason", func() string {
			return `
apiVersion: support.servicedesk.dev/v1alpha1
kind: Escalation
metadata: {name: e1}
spec: {complaintName: c1, level: 1, reason: Bored}
`
		}, "spec.reason", "Requested"),
		Entry("requested escalation without a question", func() string {
			return `
apiVersion: support.servicedesk.dev/v1alpha1
kind: Escalation
metadata: {name: e1}
spec: {complaintName: c1, level: 1, reason: Requested, requestedBy: bob}
`
		}, "spec", "requestedBy and question"),
	)

	Describe("immutable fields", func() {
		var ns string
		var c *unstructured.Unstructured
		BeforeEach(func() {
			ns = newNamespace()
			c = fromYAML(validComplaint, ns)
			Expect(k8sClient.Create(ctx, c)).To(Succeed())
		})
		update := func(set func(spec map[string]any)) error {
			got := &unstructured.Unstructured{}
			got.SetGroupVersionKind(c.GroupVersionKind())
			Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(c), got)).To(Succeed())
			set(got.Object["spec"].(map[string]any))
			return k8sClient.Update(ctx, got)
		}
		It("rejects a change of category", func() {
			err := update(func(s map[string]any) { s["category"] = "OrderError" })
			Expect(err).To(MatchError(And(ContainSubstring("spec.category"), ContainSubstring("immutable"))))
		})
		It("rejects a change of customer name", func() {
			err := update(func(s map[string]any) { s["customer"].(map[string]any)["name"] = "Other" })
			Expect(err).To(MatchError(And(ContainSubstring("spec.customer"), ContainSubstring("customer.name is immutable"))))
		})
		It("rejects a change of company once set", func() {
			err := update(func(s map[string]any) { s["customer"].(map[string]any)["company"] = "Other Ltd" })
			Expect(err).To(MatchError(ContainSubstring("customer.company is immutable once set")))
		})
		It("accepts corrected contact details and work on the complaint", func() {
			Expect(update(func(s map[string]any) {
				s["customer"].(map[string]any)["contact"] = m("phone", "+1 555 0199")
				s["acknowledgement"] = m("by", "agent-bob")
				s["waitingOn"] = "Customer"
			})).To(Succeed())
		})
	})
})
