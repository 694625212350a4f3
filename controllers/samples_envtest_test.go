package controllers_test

import (
	"io"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/test/testenv"
)

var _ = Describe("The samples", func() {
	It("move through their phases once applied with kubectl", func() {
		ns := newNamespace()
		kubectl, err := testenv.AdminKubectl(testEnv)
		Expect(err).NotTo(HaveOccurred())
		_, stderr, err := kubectl.Run("apply", "-n", ns, "-f", filepath.Join(testenv.RepoRoot(), "config", "samples"))
		Expect(err).NotTo(HaveOccurred(), readString(stderr))

		wantPolicy := map[string]string{
			"insulin-not-delivered": "key-accounts", "no-call-back": "key-accounts",
			"wrong-quantity-shipped": "standard", "wrong-dosage-leaflet": "standard", "blood-pressure-monitor-unreliable": "standard",
		}
		for name, policy := range wantPolicy {
			c := &supportv1.Complaint{}
			c.Namespace, c.Name = ns, name
			Eventually(func(g Gomega) {
				got := getComplaint(c)
				g.Expect(got.Status.Phase).To(Equal(supportv1.PhaseNew))
				g.Expect(got.Status.Policy).To(Equal(policy))
			}).Should(Succeed(), name)
		}

		By("kubectl get cmp showing phase, policy and next due time")
		stdout, stderr, err := kubectl.Run("get", "cmp", "-n", ns)
		Expect(err).NotTo(HaveOccurred(), readString(stderr))
		out := readString(stdout)
		Expect(out).To(MatchRegexp(`NAME\s+PHASE\s+TIER\s+SEVERITY\s+POLICY\s+NEXT DUE\s+LEVEL\s+AGE`))
		Expect(out).To(MatchRegexp(`wrong-dosage-leaflet\s+New\s+Standard\s+Critical\s+standard\s+20\d\d-`))

		By("an agent acknowledging and waiting on the customer")
		_, stderr, err = kubectl.Run("patch", "cmp", "wrong-dosage-leaflet", "-n", ns, "--type=merge",
			"-p", `{"spec":{"acknowledgement":{"by":"pharmacist-ann","note":"called the parent"},"waitingOn":"Customer"}}`)
		Expect(err).NotTo(HaveOccurred(), readString(stderr))
		c := &supportv1.Complaint{}
		c.Namespace, c.Name = ns, "wrong-dosage-leaflet"
		Eventually(func(g Gomega) {
			got := getComplaint(c)
			g.Expect(got.Status.Phase).To(Equal(supportv1.PhaseWaiting))
			g.Expect(got.Status.Clocks.FirstResponse.State).To(Equal(supportv1.ClockMet))
			g.Expect(got.Status.Clocks.Resolution.State).To(Equal(supportv1.ClockPaused))
		}, 10*time.Second).Should(Succeed())
	})
})

func readString(r io.Reader) string {
	b, _ := io.ReadAll(r)
	return string(b)
}
