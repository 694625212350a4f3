package controllers_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// remediesOf lists a complaint's remedies.
func remediesOf(ns, complaint string) []supportv1.Remedy {
	GinkgoHelper()
	var list supportv1.RemedyList
	Expect(k8sClient.List(ctx, &list, client.InNamespace(ns), client.MatchingLabels{supportv1.LabelComplaint: complaint})).To(Succeed())
	return list.Items
}

// remedyUIDs are the remedies' names with their uids.
func remedyUIDs(ns, complaint string) map[string]types.UID {
	out := map[string]types.UID{}
	for _, r := range remediesOf(ns, complaint) {
		out[r.Name] = r.UID
	}
	return out
}

// department is a user of the API server allowed only to read and report
// remedies in ns, as a department's operator is.
func department(ns, name string) client.Client {
	GinkgoHelper()
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "remedy-fulfiller-" + name, Namespace: ns},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{supportv1.GroupVersion.Group}, Resources: []string{"remedies"},
			Verbs: []string{"get", "list", "watch", "patch", "update"}}}}
	Expect(k8sClient.Create(ctx, role)).To(Succeed())
	Expect(k8sClient.Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: role.Name, Namespace: ns},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role.Name},
		Subjects: []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: name}}})).To(Succeed())
	u, err := testEnv.AddUser(envtest.User{Name: name}, nil)
	Expect(err).NotTo(HaveOccurred())
	cl, err := client.New(u.Config(), client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())
	return cl
}

// report records a department's fulfilment of a remedy with its client.
func report(cl client.Client, ns, name string, f supportv1.Fulfilment) {
	GinkgoHelper()
	Eventually(func() error {
		var r supportv1.Remedy
		if err := cl.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &r); err != nil {
			return err
		}
		patch := client.MergeFromWithOptions(r.DeepCopy(), client.MergeFromWithOptimisticLock{})
		r.Spec.Fulfilment = &f
		return cl.Patch(ctx, &r, patch)
	}).Should(Succeed())
}

// getRemedy reads a remedy; one not found is empty (an Eventually waits for it).
func getRemedy(ns, name string) supportv1.Remedy {
	GinkgoHelper()
	var r supportv1.Remedy
	Expect(client.IgnoreNotFound(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &r))).To(Succeed())
	return r
}

var _ = Describe("Remedies carried out by departments", func() {
	reship := supportv1.RemedyAction{Name: "reship", Department: "warehouse", Kind: supportv1.RemedyReship, Detail: "right item, overnight"}
	refund := supportv1.RemedyAction{Name: "refund", Department: "billing", Kind: supportv1.RemedyRefund, Detail: "delivery fee"}

	It("creates one Remedy per agreed action, once; two departments with their own RBAC carry them out; resolved and followed up after the last", func() {
		ns := newNamespace()
		queue := newReceiver("")
		DeferCleanup(queue.Close)
		newPolicy(ns, "remedies", func(s *supportv1.ServicePolicySpec) {
			s.Targets.Resolution = dur(24 * time.Hour)
			// The warehouse's queue hears of its remedies whatever its events.
			s.Notify = []supportv1.NotifyTarget{{Name: "warehouse-queue", Events: []supportv1.EventType{supportv1.EventClosed},
				Webhook: &supportv1.Webhook{URL: queue.URL + "/warehouse"}}}
			s.Recovery = &supportv1.Recovery{RequireAgreement: true, Departments: []supportv1.Department{
				{Name: "warehouse", FulfilWithin: dur(time.Hour), Notify: []string{"warehouse-queue"}}, {Name: "billing", FulfilWithin: dur(2 * time.Hour)}}}
			s.FollowUp = &supportv1.FollowUp{After: metav1.Duration{Duration: 168 * time.Hour}}
		})
		warehouse, billing := department(ns, "warehouse-bot"), department(ns, "billing-bot")
		c := newComplaint(ns, "whole", nil)
		patchSpec(c, func(s *supportv1.ComplaintSpec) {
			s.Acknowledgement = &supportv1.Acknowledgement{By: "agent-bob"}
			s.Resolution = &supportv1.Resolution{Summary: "the right item tonight, and the fee back", ProposedBy: "agent-bob",
				Actions: []supportv1.RemedyAction{reship, refund}}
		})
		Eventually(phaseOf(c)).Should(Equal(supportv1.PhaseAwaitingAgreement))
		Expect(remediesOf(ns, c.Name)).To(BeEmpty(), "nothing is carried out before the customer agrees")

		By("the customer agreeing: one Remedy per action, asked at the agreement")
		patchSpec(c, func(s *supportv1.ComplaintSpec) { s.Agreement = &supportv1.Agreement{Accepted: true, By: "agent-bob"} })
		var requested *metav1.Time
		Eventually(func(g Gomega) {
			st := getComplaint(c).Status
			g.Expect(st.Phase).To(Equal(supportv1.PhaseImplementing))
			g.Expect(st.RemediesRequestedAt).NotTo(BeNil())
			requested = st.RemediesRequestedAt
			g.Expect(st.History).To(ContainElement(And(HaveField("Event", string(supportv1.EventRemedyRequested)), HaveField("Remedy", "whole-reship"))))
			g.Expect(remediesOf(ns, c.Name)).To(HaveLen(2))
		}).Should(Succeed())
		owner := getComplaint(c)
		for _, a := range []supportv1.RemedyAction{reship, refund} {
			Eventually(func(g Gomega) {
				var r supportv1.Remedy
				g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: "whole-" + a.Name}, &r)).To(Succeed())
				g.Expect(r.Labels).To(HaveKeyWithValue(supportv1.LabelDepartment, a.Department))
				g.Expect(metav1.IsControlledBy(&r, owner)).To(BeTrue())
				g.Expect(r.Spec.Kind).To(Equal(a.Kind))
				g.Expect(r.Spec.RequestedAt.Equal(requested)).To(BeTrue())
				g.Expect(r.Status.Phase).To(Equal(supportv1.RemedyPending))
				g.Expect(r.Status.Clock.State).To(Equal(supportv1.ClockRunning))
				g.Expect(apimeta.IsStatusConditionTrue(r.Status.Conditions, supportv1.ConditionReconciling)).To(BeTrue())
			}).Should(Succeed())
		}
		Expect(getRemedy(ns, "whole-reship").Status.Clock.DueAt.Time).To(Equal(requested.Add(time.Hour)))

		By("a restart of the operator creates no remedy again")
		uids := remedyUIDs(ns, c.Name)
		stopMgr()
		stopMgr = startManager(testOptions)
		patchSpec(c, func(s *supportv1.ComplaintSpec) { s.Owner = "agent-bob" })
		Eventually(func(g Gomega) {
			got := getComplaint(c)
			g.Expect(got.Status.ObservedGeneration).To(Equal(got.Generation))
			g.Expect(got.Status.Owner).To(Equal("agent-bob"))
		}).Should(Succeed())
		Consistently(func() map[string]types.UID { return remedyUIDs(ns, c.Name) }, time.Second).Should(Equal(uids))

		By("a department may report its remedy, and nothing else")
		err := warehouse.Update(ctx, getComplaint(c))
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), "a department's account may not edit complaints: %v", err)
		report(warehouse, ns, "whole-reship", supportv1.Fulfilment{Outcome: supportv1.FulfilmentDone, By: "warehouse-bot", Reference: "TRACK-123", Note: "shipped"})
		Eventually(func(g Gomega) {
			r := getRemedy(ns, "whole-reship")
			g.Expect(r.Status.Phase).To(Equal(supportv1.RemedyDone))
			g.Expect(r.Status.FulfilledAt).NotTo(BeNil())
			g.Expect(r.Status.Clock.State).To(Equal(supportv1.ClockMet))
			g.Expect(apimeta.IsStatusConditionTrue(r.Status.Conditions, supportv1.ConditionReady)).To(BeTrue())
			st := getComplaint(c).Status
			g.Expect(st.Phase).To(Equal(supportv1.PhaseImplementing))
			g.Expect(st.History).To(ContainElement(And(HaveField("Event", string(supportv1.EventRemedyDone)), HaveField("By", "warehouse-bot"),
				HaveField("Remedy", "whole-reship"), HaveField("Message", ContainSubstring("TRACK-123")))))
		}).Should(Succeed())
		By("the warehouse's queue heard of its remedy, asked and done, and of nothing else")
		Eventually(func(g Gomega) {
			got := queue.eventsOn("/warehouse")
			g.Expect(got).To(HaveLen(2))
			g.Expect(got[0].Type).To(HaveSuffix(".remedyrequested"))
			g.Expect(got[0].Payload.Remedy).To(And(HaveField("Name", "whole-reship"), HaveField("Department", "warehouse"),
				HaveField("Kind", supportv1.RemedyReship), HaveField("Detail", "right item, overnight")))
			g.Expect(got[1].Payload.Remedy).To(And(HaveField("Name", "whole-reship"), HaveField("Outcome", supportv1.FulfilmentDone),
				HaveField("Reference", "TRACK-123")))
		}, 15*time.Second).Should(Succeed())
		Expect(queue.problems()).To(BeEmpty())

		By("the report is final")
		r := getRemedy(ns, "whole-reship")
		r.Spec.Fulfilment.Reference = "TRACK-999"
		Expect(warehouse.Update(ctx, &r)).To(MatchError(ContainSubstring("spec.fulfilment is final once recorded")))

		By("the last remedy done: resolved at its report, followed up a week later")
		report(billing, ns, "whole-refund", supportv1.Fulfilment{Outcome: supportv1.FulfilmentDone, By: "billing-bot", Reference: "CN-77"})
		Eventually(func(g Gomega) {
			st := getComplaint(c).Status
			g.Expect(st.Phase).To(Equal(supportv1.PhaseResolved))
			last := getRemedy(ns, "whole-refund").Status.FulfilledAt
			g.Expect(last).NotTo(BeNil())
			g.Expect(st.ResolvedAt.Time).To(Equal(last.Time))
			g.Expect(st.Clocks.Resolution.State).To(Equal(supportv1.ClockMet))
			g.Expect(st.FollowUpAt.Time).To(Equal(last.Add(168 * time.Hour)))
			g.Expect(st.Remedies).To(ConsistOf(
				And(HaveField("Name", "whole-reship"), HaveField("Outcome", supportv1.FulfilmentDone), HaveField("Reference", "TRACK-123")),
				And(HaveField("Name", "whole-refund"), HaveField("Outcome", supportv1.FulfilmentDone), HaveField("By", "billing-bot"))))
		}).Should(Succeed())
	})

	It("sends the complaint back into work when a remedy fails, and replaces it for the next proposal", func() {
		ns := newNamespace()
		newPolicy(ns, "remedies", func(s *supportv1.ServicePolicySpec) {
			s.Recovery = &supportv1.Recovery{Departments: []supportv1.Department{{Name: "warehouse", FulfilWithin: dur(time.Hour)}}}
		})
		c := newComplaint(ns, "fails", nil)
		patchSpec(c, func(s *supportv1.ComplaintSpec) {
			s.Acknowledgement = &supportv1.Acknowledgement{By: "agent-bob"}
			s.Resolution = &supportv1.Resolution{Summary: "the right item tonight", Actions: []supportv1.RemedyAction{reship}}
		})
		Eventually(func(g Gomega) {
			g.Expect(getComplaint(c).Status.Phase).To(Equal(supportv1.PhaseImplementing))
			g.Expect(remediesOf(ns, c.Name)).To(HaveLen(1))
		}).Should(Succeed())
		first := getRemedy(ns, "fails-reship")

		report(k8sClient, ns, "fails-reship", supportv1.Fulfilment{Outcome: supportv1.FulfilmentFailed, By: "warehouse-bot", Note: "out of stock"})
		Eventually(func(g Gomega) {
			st := getComplaint(c).Status
			g.Expect(st.Phase).To(Equal(supportv1.PhaseAcknowledged))
			g.Expect(apimeta.FindStatusCondition(st.Conditions, supportv1.ConditionResolutionAccepted)).To(HaveField("Reason", supportv1.ReasonRemedyFailed))
			g.Expect(st.History).To(ContainElement(And(HaveField("Event", string(supportv1.EventRemedyFailed)), HaveField("Message", ContainSubstring("out of stock")))))
			r := getRemedy(ns, "fails-reship")
			g.Expect(r.Status.Phase).To(Equal(supportv1.RemedyFailed))
			g.Expect(apimeta.IsStatusConditionTrue(r.Status.Conditions, supportv1.ConditionStalled)).To(BeTrue())
		}).Should(Succeed())

		By("a new proposal asks the warehouse again, with a new Remedy")
		patchSpec(c, func(s *supportv1.ComplaintSpec) {
			s.Resolution = &supportv1.Resolution{Summary: "a similar item tonight", Actions: []supportv1.RemedyAction{reship}}
		})
		Eventually(func(g Gomega) {
			g.Expect(getComplaint(c).Status.Phase).To(Equal(supportv1.PhaseImplementing))
			r := getRemedy(ns, "fails-reship")
			g.Expect(r.UID).NotTo(Equal(first.UID))
			g.Expect(r.Status.Phase).To(Equal(supportv1.RemedyPending))
		}).Should(Succeed())
		report(k8sClient, ns, "fails-reship", supportv1.Fulfilment{Outcome: supportv1.FulfilmentDone, By: "warehouse-bot"})
		Eventually(phaseOf(c)).Should(Equal(supportv1.PhaseResolved))
	})

	It("ends the round when the actions change while carried out: a withdrawn remedy is Cancelled, a changed one asked again", func() {
		ns := newNamespace()
		newPolicy(ns, "remedies", func(s *supportv1.ServicePolicySpec) {
			s.Recovery = &supportv1.Recovery{Departments: []supportv1.Department{{Name: "warehouse", FulfilWithin: dur(time.Hour)}, {Name: "billing", FulfilWithin: dur(time.Hour)}}}
		})
		c := newComplaint(ns, "changed", nil)
		patchSpec(c, func(s *supportv1.ComplaintSpec) {
			s.Resolution = &supportv1.Resolution{Summary: "the right item tonight, the fee back", Actions: []supportv1.RemedyAction{reship, refund}}
		})
		Eventually(func(g Gomega) { g.Expect(remediesOf(ns, c.Name)).To(HaveLen(2)) }).Should(Succeed())
		first := getRemedy(ns, "changed-reship")

		patchSpec(c, func(s *supportv1.ComplaintSpec) {
			changed := reship
			changed.Detail = "a similar item, overnight"
			s.Resolution.Actions = []supportv1.RemedyAction{changed}
		})
		Eventually(func(g Gomega) {
			st := getComplaint(c).Status
			g.Expect(st.Phase).To(Equal(supportv1.PhaseImplementing))
			g.Expect(st.EndedRemediesRequestedAt).NotTo(BeNil())
			g.Expect(st.RemediesRequestedAt.After(first.Spec.RequestedAt.Time)).To(BeTrue())
			g.Expect(getRemedy(ns, "changed-refund").Status.Phase).To(Equal(supportv1.RemedyCancelled))
			r := getRemedy(ns, "changed-reship")
			g.Expect(r.UID).NotTo(Equal(first.UID))
			g.Expect(r.Spec.Detail).To(Equal("a similar item, overnight"))
			g.Expect(r.Status.Phase).To(Equal(supportv1.RemedyPending))
		}).Should(Succeed())
		report(k8sClient, ns, "changed-reship", supportv1.Fulfilment{Outcome: supportv1.FulfilmentDone, By: "warehouse-bot"})
		Eventually(phaseOf(c)).Should(Equal(supportv1.PhaseResolved))
	})

	It("escalates a department that misses its target once, to its destinations, apart from the ladder", func() {
		ns := newNamespace()
		newPolicy(ns, "remedies", func(s *supportv1.ServicePolicySpec) {
			s.Recovery = &supportv1.Recovery{Departments: []supportv1.Department{{Name: "warehouse", FulfilWithin: dur(2 * time.Second)}}}
		})
		c := newComplaint(ns, "late", nil)
		patchSpec(c, func(s *supportv1.ComplaintSpec) {
			s.Resolution = &supportv1.Resolution{Summary: "the right item tonight", Actions: []supportv1.RemedyAction{reship}}
		})
		var esc supportv1.Escalation
		Eventually(func(g Gomega) {
			r := getRemedy(ns, "late-reship")
			g.Expect(r.Status.Clock.State).To(Equal(supportv1.ClockBreached))
			g.Expect(r.Status.Escalation).NotTo(BeEmpty())
			g.Expect(apimeta.IsStatusConditionTrue(r.Status.Conditions, supportv1.ConditionBreached)).To(BeTrue())
			g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: r.Status.Escalation}, &esc)).To(Succeed())
			st := getComplaint(c).Status
			g.Expect(st.Escalations).To(ContainElement(HaveField("Reason", supportv1.ReasonRemedyOverdue)))
			g.Expect(st.History).To(ContainElement(And(HaveField("Escalation", esc.Name), HaveField("Remedy", "late-reship"))))
		}).Should(Succeed())
		Expect(esc.Spec.Reason).To(Equal(supportv1.ReasonRemedyOverdue))
		Expect(esc.Spec.LevelName).To(Equal("warehouse"))
		Expect(esc.Spec.RemedyName).To(Equal("late-reship"))
		Expect(getComplaint(c).Status.EscalationLevel).To(BeZero(), "a department's overdue remedy is not a level of the ladder")
		Eventually(func() supportv1.EscalationPhase { return escalationPhase(ns, esc.Name) }).Should(Equal(supportv1.EscalationOpen))
		Consistently(func() []supportv1.EscalationReason { return escalationReasons(ns, c.Name) }, 2*time.Second).Should(ConsistOf(supportv1.ReasonRemedyOverdue))

		By("the late report closes the escalation")
		report(k8sClient, ns, "late-reship", supportv1.Fulfilment{Outcome: supportv1.FulfilmentDone, By: "warehouse-bot"})
		Eventually(func() supportv1.EscalationPhase { return escalationPhase(ns, esc.Name) }).Should(Equal(supportv1.EscalationClosed))
		Expect(getRemedy(ns, "late-reship").Status.Clock.State).To(Equal(supportv1.ClockBreached))
	})

	It("closes the loop of a declined demand without any remedy", func() {
		ns := newNamespace()
		newPolicy(ns, "remedies", func(s *supportv1.ServicePolicySpec) {
			s.Recovery = &supportv1.Recovery{AllowDecline: true}
		})
		c := newComplaint(ns, "no", nil)
		patchSpec(c, func(s *supportv1.ComplaintSpec) {
			s.Resolution = &supportv1.Resolution{Summary: "outside the warranty", Outcome: supportv1.OutcomeDeclined, Reason: "two years past it", ApprovedBy: "lead-carol"}
		})
		Eventually(phaseOf(c)).Should(Equal(supportv1.PhaseResolved))
		Expect(remediesOf(ns, c.Name)).To(BeEmpty())
		By("a declined resolution refuses actions")
		cur := getComplaint(c)
		cur.Spec.Resolution.Actions = []supportv1.RemedyAction{refund}
		Expect(k8sClient.Update(ctx, cur)).To(MatchError(ContainSubstring("a Declined resolution carries out no actions")))
	})
})

// escalationPhase is an escalation's phase.
func escalationPhase(ns, name string) supportv1.EscalationPhase {
	var e supportv1.Escalation
	if err := k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &e); err != nil {
		return ""
	}
	return e.Status.Phase
}
