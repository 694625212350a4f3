package controllers_test

import (
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers"
)

// statusWriters lists the field managers of an object's status writes.
func statusWriters(obj client.Object) []string {
	var out []string
	for _, e := range obj.GetManagedFields() {
		if e.Subresource == "status" {
			out = append(out, e.Manager)
		}
	}
	return out
}

var _ = Describe("Two shards", Serial, func() {
	It("handles each complaint, and its escalations, in exactly one replica", func() {
		stopMgr()
		DeferCleanup(func() { stopMgr = startManager(testOptions) })
		replica := func(name, selector string) {
			sel, err := labels.Parse(selector)
			Expect(err).NotTo(HaveOccurred())
			rc := rest.CopyConfig(cfg)
			rc.UserAgent = name // the field manager of its writes
			opts := testOptions
			opts.Shard = sel
			DeferCleanup(startManagerAs(rc, opts))
		}
		replica("shard-a", controllers.ShardLabel+"=a")
		replica("shard-rest", "!"+controllers.ShardLabel)

		ns := newNamespace()
		policy := newPolicy(ns, "p", func(s *supportv1.ServicePolicySpec) {
			s.Targets.FirstResponse = dur(2 * time.Second)
			s.Escalation = &supportv1.EscalationPolicy{Levels: []supportv1.EscalationLevel{{Name: "lead"}}}
		})
		want := map[string]string{}
		for i := range 6 {
			name := fmt.Sprintf("c%d", i)
			want[name] = "shard-rest"
			newComplaint(ns, name, func(c *supportv1.Complaint) {
				if i%2 == 0 {
					c.Labels = map[string]string{controllers.ShardLabel: "a"}
					want[name] = "shard-a"
				}
			})
		}
		for name, owner := range want {
			Eventually(func(g Gomega) {
				c := getComplaint(&supportv1.Complaint{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}})
				g.Expect(c.Status.EscalationLevel).To(BeEquivalentTo(1))
				g.Expect(statusWriters(c)).To(Equal([]string{owner}), "complaint %s", name)
				e := getEscalation(ns, name+"-lead")
				g.Expect(e.Status.Phase).To(Equal(supportv1.EscalationOpen))
				// A level its complaint told is not written while Open; if it is, by its shard.
				g.Expect(statusWriters(e)).To(Or(BeEmpty(), Equal([]string{owner})), "escalation of %s", name)
				g.Expect(e.Labels).To(Equal(c.Labels))
			}, 15*time.Second).Should(Succeed())
		}
		var got supportv1.ServicePolicy
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(policy), &got)).To(Succeed())
		Expect(got.Status.Complaints).To(BeNil(), "sharded replicas do not count a policy's complaints")
	})
})
