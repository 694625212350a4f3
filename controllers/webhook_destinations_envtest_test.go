package controllers_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	networkingv1 "k8s.io/api/networking/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/webhook"
)

var _ = Describe("Webhook destinations", func() {
	It("refuses internal addresses, names them on the policy, sends them nothing, and keeps delivering elsewhere", func() {
		By("a manager that allows only 127.0.0.1 among the loopback addresses")
		stopMgr()
		DeferCleanup(func() { stopMgr = startManager(testOptions) })
		opts := testOptions
		opts.WebhookDestinations = webhook.AddressPolicy{Allowed: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
		DeferCleanup(startManager(opts))

		crm := newReceiver("")
		DeferCleanup(crm.Close)
		var internalHits atomic.Int32
		internal := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { internalHits.Add(1) }))
		l, err := net.Listen("tcp", "127.0.0.2:0")
		Expect(err).NotTo(HaveOccurred())
		Expect(internal.Listener.Close()).To(Succeed()) // replaced by one on 127.0.0.2
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
	It("refuses cloud metadata in every form, the private ranges and the cluster's ServiceCIDRs by default", func() {
		By("a ServiceCIDR with a range no special-purpose list holds")
		extra := &networkingv1.ServiceCIDR{ObjectMeta: metav1.ObjectMeta{Name: "servicedesk-test-extra"}, Spec: networkingv1.ServiceCIDRSpec{CIDRs: []string{"203.1.0.0/16"}}}
		Expect(client.IgnoreAlreadyExists(k8sClient.Create(ctx, extra))).To(Succeed())
		DeferCleanup(func() { _ = k8sClient.Delete(ctx, extra) })

		ns := newNamespace()
		created := []supportv1.EventType{supportv1.EventCreated}
		policy := newPolicy(ns, "p", func(s *supportv1.ServicePolicySpec) {
			s.Notify = []supportv1.NotifyTarget{
				{Name: "alibaba", Events: created, Webhook: &supportv1.Webhook{URL: "http://100.100.100.200/latest/meta-data/"}},
				{Name: "aws-ipv6", Events: created, Webhook: &supportv1.Webhook{URL: "http://[fd00:ec2::254]/latest/meta-data/"}},
				{Name: "private", Events: created, Webhook: &supportv1.Webhook{URL: "http://10.1.2.3/hook"}},
				{Name: "benchmarking", Events: created, Webhook: &supportv1.Webhook{URL: "http://198.18.0.1/hook"}},
				{Name: "service", Events: created, Webhook: &supportv1.Webhook{URL: "http://203.1.0.9/hook"}},
				{Name: "later", Events: created, Webhook: &supportv1.Webhook{URL: "http://203.2.0.9/hook"}},
			}
		})
		// ServiceCIDRs are learnt from a watch; when they change, every policy
		// with a webhook is checked again, without an edit.
		readyNow := policyCondition(policy, supportv1.ConditionReady)
		Eventually(func(g Gomega) {
			ready := readyNow(g)
			g.Expect(ready).NotTo(BeNil())
			g.Expect(ready.Reason).To(Equal(supportv1.ReasonDestinationRefused))
			g.Expect(ready.Message).To(ContainSubstring("spec.notify[0] (alibaba): webhook host 100.100.100.200: refused: 100.100.100.200 is shared address space (RFC 6598) 100.64.0.0/10 (cloud metadata)"))
			g.Expect(ready.Message).To(ContainSubstring("spec.notify[1] (aws-ipv6): webhook host fd00:ec2::254: refused: fd00:ec2::254 is unique local (RFC 4193) fc00::/7 (cloud metadata)"))
			g.Expect(ready.Message).To(ContainSubstring("spec.notify[2] (private): webhook host 10.1.2.3: refused: 10.1.2.3 is private (RFC 1918) 10.0.0.0/8"))
			g.Expect(ready.Message).To(ContainSubstring("spec.notify[3] (benchmarking): webhook host 198.18.0.1: refused: 198.18.0.1 is benchmarking (RFC 2544) 198.18.0.0/15"))
			g.Expect(ready.Message).To(ContainSubstring("spec.notify[4] (service): webhook host 203.1.0.9: refused: 203.1.0.9 is in the cluster's service range 203.1.0.0/16 (ServiceCIDR servicedesk-test-extra)"))
			g.Expect(ready.Message).NotTo(ContainSubstring("spec.notify[5]"))
		}, 20*time.Second, 500*time.Millisecond).Should(Succeed())

		By("a ServiceCIDR added after the policy was checked: the policy is checked again by itself")
		later := &networkingv1.ServiceCIDR{ObjectMeta: metav1.ObjectMeta{Name: "servicedesk-test-later"}, Spec: networkingv1.ServiceCIDRSpec{CIDRs: []string{"203.2.0.0/16"}}}
		Expect(client.IgnoreAlreadyExists(k8sClient.Create(ctx, later))).To(Succeed())
		DeferCleanup(func() { _ = k8sClient.Delete(ctx, later) })
		Eventually(readyNow, 20*time.Second, 200*time.Millisecond).Should(HaveField("Message", ContainSubstring("spec.notify[5] (later): webhook host 203.2.0.9: refused: 203.2.0.9 is in the cluster's service range 203.2.0.0/16 (ServiceCIDR servicedesk-test-later)")))
	})
})
