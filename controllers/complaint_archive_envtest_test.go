package controllers_test

import (
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/sla"
)

func gone(obj client.Object) func() bool {
	return func() bool {
		return apierrors.IsNotFound(k8sClient.Get(ctx, client.ObjectKeyFromObject(obj), obj.DeepCopyObject().(client.Object)))
	}
}

func archivedEvents(rcv *receiver, path string) []received {
	var out []received
	for _, r := range rcv.events() {
		if r.Path == path && r.Payload.Event == supportv1.EventArchived {
			out = append(out, r)
		}
	}
	return out
}

var _ = Describe("Archive and retention", func() {
	It("archives a deleted complaint with its full record, then lets it go with its escalations", func() {
		rcv := newReceiver("")
		DeferCleanup(rcv.Close)
		ns := newNamespace()
		newPolicy(ns, "p", func(s *supportv1.ServicePolicySpec) {
			s.Targets.FirstResponse = dur(time.Second)
			s.Escalation = &supportv1.EscalationPolicy{Levels: []supportv1.EscalationLevel{{Name: "lead"}}}
			s.Notify = []supportv1.NotifyTarget{{Name: "records", Events: []supportv1.EventType{supportv1.EventArchived},
				Webhook: &supportv1.Webhook{URL: rcv.URL + "/records"}}}
		})
		c := newComplaint(ns, "c", func(c *supportv1.Complaint) {
			c.Spec.Description = "Acme Pharmacy called twice"
		})
		Eventually(func() []string { return getComplaint(c).Finalizers }).Should(ContainElement(supportv1.ArchiveFinalizer))
		Eventually(func() []supportv1.Escalation { return escalationsOf(ns, "c") }, 10*time.Second).Should(HaveLen(1))
		Eventually(func() error {
			e := getEscalation(ns, "c-lead")
			e.Spec.Acknowledgement = &supportv1.EscalationAcknowledgement{By: "lead-carol", Decision: "refund the fee"}
			return k8sClient.Update(ctx, e)
		}).Should(Succeed())
		Eventually(func() []supportv1.EscalationSummary { return getComplaint(c).Status.Escalations }).Should(
			ContainElement(HaveField("Decision", "refund the fee")))
		Expect(archivedEvents(rcv, "/records")).To(BeEmpty(), "nothing is archived before the deletion")

		Expect(k8sClient.Delete(ctx, c)).To(Succeed())
		Eventually(gone(c), 10*time.Second).Should(BeTrue())
		got := archivedEvents(rcv, "/records")
		Expect(got).To(HaveLen(1))
		rec := got[0].Payload.Record
		Expect(rec).NotTo(BeNil())
		Expect(rec.Spec.Summary).To(Equal(c.Spec.Summary))
		Expect(rec.Spec.Description).To(Equal("[customer] called twice"), "no customer identity without includeContact")
		Expect(rec.Spec.Customer.Name).To(BeEmpty())
		Expect(rec.History).To(ContainElement(HaveField("Event", "Breached")))
		Expect(rec.Escalations).To(ContainElement(And(HaveField("AcknowledgedBy", "lead-carol"), HaveField("Decision", "refund the fee"))))
		Expect(got[0].Body).NotTo(ContainSubstring("Acme Pharmacy"))
		Expect(escalationsOf(ns, "c")).To(BeEmpty(), "its escalations go with it")
	})

	It("archives and lets go a complaint whose history is full (the Archived entry pushes the oldest out)", func() {
		rcv := newReceiver("")
		DeferCleanup(rcv.Close)
		ns := newNamespace()
		newPolicy(ns, "p", func(s *supportv1.ServicePolicySpec) {
			s.Targets.FirstResponse = dur(time.Hour)
			s.Notify = []supportv1.NotifyTarget{{Name: "records", Events: []supportv1.EventType{supportv1.EventArchived},
				Webhook: &supportv1.Webhook{URL: rcv.URL + "/records"}}}
		})
		c := newComplaint(ns, "c", nil)
		Eventually(func() []string { return getComplaint(c).Finalizers }).Should(ContainElement(supportv1.ArchiveFinalizer))
		// A long life: more progress updates than the history holds, each
		// recorded before the next.
		for i := range sla.MaxHistory + 5 {
			note := fmt.Sprintf("update %d", i)
			editSpec(c, func(s *supportv1.ComplaintSpec) {
				s.LastUpdate = &supportv1.ProgressUpdate{Note: note, By: "agent-bob"}
			})
			Eventually(func() string {
				h := getComplaint(c).Status.History
				return h[len(h)-1].Message
			}).Should(HaveSuffix(": " + note))
		}
		Expect(getComplaint(c).Status.History).To(HaveLen(sla.MaxHistory), "the history is full")

		Expect(k8sClient.Delete(ctx, c)).To(Succeed())
		Eventually(gone(c), 15*time.Second).Should(BeTrue(), "archived and deleted, not held forever by a refused status write")
		got := archivedEvents(rcv, "/records")
		Expect(got).To(HaveLen(1))
		Expect(got[0].Payload.Record).NotTo(BeNil())
		Expect(got[0].Payload.Record.History).To(ContainElement(HaveField("Message", HaveSuffix(fmt.Sprintf(": update %d", sla.MaxHistory+4)))),
			"the record holds the newest update")
	})

	It("holds a deletion while the archive is undelivered, and lets go once the webhook gives up", func() {
		rcv := newReceiver("")
		DeferCleanup(rcv.Close)
		rcv.fail(503)
		ns := newNamespace()
		newPolicy(ns, "p", func(s *supportv1.ServicePolicySpec) {
			s.Targets.FirstResponse = dur(time.Hour)
			s.Notify = []supportv1.NotifyTarget{{Name: "records", Events: []supportv1.EventType{supportv1.EventArchived},
				Webhook: &supportv1.Webhook{URL: rcv.URL + "/records", MaxAttempts: 3}}}
		})
		c := newComplaint(ns, "c", nil)
		Eventually(func() []string { return getComplaint(c).Finalizers }).Should(ContainElement(supportv1.ArchiveFinalizer))
		Expect(k8sClient.Delete(ctx, c)).To(Succeed())
		Eventually(rcv.attemptCount).Should(BeNumerically(">=", 1))
		Expect(getComplaint(c).Status.ArchivedAt).NotTo(BeNil(), "held while the archive is undelivered")
		Eventually(gone(c), 15*time.Second).Should(BeTrue())
		Expect(rcv.attemptCount()).To(Equal(3), "deleted after the webhook's maxAttempts, not before")
	})

	It("retires complaints closed for longer than spec.retention.closedFor: archived, then deleted with their escalations", func() {
		rcv := newReceiver("")
		DeferCleanup(rcv.Close)
		ns := newNamespace()
		newPolicy(ns, "p", func(s *supportv1.ServicePolicySpec) {
			s.Targets.FirstResponse = dur(time.Second)
			s.Escalation = &supportv1.EscalationPolicy{Levels: []supportv1.EscalationLevel{{Name: "lead"}}}
			s.Retention = &supportv1.Retention{ClosedFor: metav1.Duration{Duration: 2 * time.Second}}
			s.Notify = []supportv1.NotifyTarget{{Name: "records", Events: []supportv1.EventType{supportv1.EventArchived},
				Webhook: &supportv1.Webhook{URL: rcv.URL + "/records"}}}
		})
		c := newComplaint(ns, "c", nil)
		open := newComplaint(ns, "still-open", nil)
		Eventually(func() []supportv1.Escalation { return escalationsOf(ns, "c") }, 10*time.Second).Should(HaveLen(1))
		editSpec(c, func(s *supportv1.ComplaintSpec) {
			s.Acknowledgement = &supportv1.Acknowledgement{By: "agent-bob"}
			s.Resolution = &supportv1.Resolution{Summary: "replacement shipped", Apologized: true}
			s.Feedback = &supportv1.Feedback{Accepted: ptr.To(true), Satisfaction: ptr.To[int32](5)}
		})
		Eventually(phaseOf(c)).Should(Equal(supportv1.PhaseClosed))
		closedAt := getComplaint(c).Status.ClosedAt.Time
		Eventually(gone(c), 15*time.Second).Should(BeTrue())
		Expect(time.Now()).To(BeTemporally(">=", closedAt.Add(2*time.Second)), "not before closedFor")
		Expect(archivedEvents(rcv, "/records")).To(HaveLen(1))
		Expect(escalationsOf(ns, "c")).To(BeEmpty())
		Consistently(gone(open), 2*time.Second).Should(BeFalse(), "an open complaint is never retired")
	})

	It("retires without a finalizer when no destination asks for the archive", func() {
		ns := newNamespace()
		newPolicy(ns, "p", func(s *supportv1.ServicePolicySpec) {
			s.Targets.FirstResponse = dur(time.Hour)
			s.Retention = &supportv1.Retention{ClosedFor: metav1.Duration{Duration: time.Second}}
		})
		c := newComplaint(ns, "c", func(c *supportv1.Complaint) {
			c.Spec.Acknowledgement = &supportv1.Acknowledgement{By: "agent-bob"}
			c.Spec.Resolution = &supportv1.Resolution{Summary: "replacement shipped", Apologized: true}
			c.Spec.Feedback = &supportv1.Feedback{Accepted: ptr.To(true)}
		})
		Eventually(phaseOf(c)).Should(Equal(supportv1.PhaseClosed))
		Expect(getComplaint(c).Finalizers).To(BeEmpty(), "no archive destination: no finalizer, no extra write")
		Eventually(gone(c), 10*time.Second).Should(BeTrue())
	})
})
