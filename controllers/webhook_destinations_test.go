package controllers_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync/atomic"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery"
)

var _ = Describe("Webhook destinations", func() {
	It("refuses internal addresses, names them on the policy, sends them nothing, and keeps delivering elsewhere", func() {
		By("a manager that allows only 127.0.0.1 among the loopback addresses")
		stopMgr()
		DeferCleanup(func() { stopMgr = startManager(testOptions) })
		opts := testOptions
		opts.WebhookDestinations = delivery.AddressPolicy{Allowed: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
		DeferCleanup(startManager(opts))

		crm := newReceiver("")
		DeferCleanup(crm.Close)
		var internalHits atomic.Int32
		internal := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { internalHits.Add(1) }))
		l, err := net.Listen("tcp", "127.0.0.2:0")
		Expect(err).NotTo(HaveOccurred())
		internal.Listener.Close()
		internal.Listener = l
		internal.Start()
		DeferCleanup(internal.Close)

		ns := newNamespace()
		created := []supportv1.EventType{supportv1.EventCreated}
		policy := newPolicy(ns, "p", func(s *supportv1.ServicePolicySpec) {
			s.Notify = []supportv1.NotifyTarget{
				{Name: "crm", Events: created, Webhook: &supportv1.Webhook{URL: crm.URL + "/crm"}},
				{Name: "internal", Events: created, Webhook: &supportv1.Webhook{URL: internal.URL + "/admin?token=t0ken"}},
				{Name: "metadata", Events: created, Webhook: &supportv1.Webhook{URL: "http://169.254.169.254/latest/meta-data/"}},
			}
		})

		By("the policy names each refused destination, its host and address")
		Eventually(func(g Gomega) {
			var p supportv1.ServicePolicy
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(policy), &p)).To(Succeed())
			ready := apimeta.FindStatusCondition(p.Status.Conditions, supportv1.ConditionReady)
			g.Expect(ready).NotTo(BeNil())
			g.Expect(ready.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(ready.Reason).To(Equal(supportv1.ReasonDestinationRefused))
			g.Expect(ready.Message).To(ContainSubstring("spec.notify[1] (internal): webhook host 127.0.0.2: refused: 127.0.0.2 is loopback (allow with --webhook-allowed-cidrs)"))
			g.Expect(ready.Message).To(ContainSubstring("spec.notify[2] (metadata): webhook host 169.254.169.254: refused: 169.254.169.254 is link-local (cloud metadata)"))
			g.Expect(ready.Message).NotTo(ContainSubstring("t0ken"))
			g.Expect(ready.Message).NotTo(ContainSubstring("spec.notify[0]"))
			g.Expect(apimeta.IsStatusConditionTrue(p.Status.Conditions, supportv1.ConditionStalled)).To(BeTrue())
		}).Should(Succeed())

		By("a complaint: the CRM gets its event, the refused destinations fail at once, unsent")
		c := newComplaint(ns, "c1", nil)
		Eventually(func() int { return len(crm.events()) }).Should(Equal(1))
		Eventually(func(g Gomega) {
			got := getComplaint(c)
			errs := map[string]string{}
			for _, n := range got.Status.Notifications {
				g.Expect(n.Failed).To(BeTrue(), "notification to %s", n.Target)
				errs[n.Target] = n.LastError
			}
			g.Expect(errs).To(HaveKeyWithValue("internal", "refused: 127.0.0.2 is loopback (allow with --webhook-allowed-cidrs)"))
			g.Expect(errs).To(HaveKeyWithValue("metadata", "refused: 169.254.169.254 is link-local (cloud metadata) (allow with --webhook-allowed-cidrs)"))
			g.Expect(errs).NotTo(HaveKey("crm"))
		}).Should(Succeed())
		Expect(internalHits.Load()).To(BeZero(), "nothing reached the refused receiver")
		Expect(crm.problems()).To(BeEmpty())
	})
})
