package controllers_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	admissionv1 "k8s.io/api/admissionregistration/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apiserver/pkg/admission/plugin/policy/validating"
	"k8s.io/apiserver/pkg/cel/openapi/resolver"
	"k8s.io/client-go/discovery"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/test/testenv"
)

// The admission policy servicedesk-approvals (config/admission), installed
// as config/default ships it, against people the API server authenticates
// (envtest users with client certificates) and authorizes by RBAC (the
// editor ClusterRole of config/rbac, bound in the test's namespace), with
// the operator running. The policy is cluster-wide, so the container runs
// alone (Serial) and removes it after, waiting until it is no longer
// enforced.
var _ = Describe("Approvals and decisions by the person the API server authenticated (servicedesk-approvals)", Ordered, Serial, func() {
	const policyName = testenv.AdmissionPolicyName
	var (
		ns string
		// people: two agents, a lead named in the policy's approvers,
		// a lead in an approving group, and a GitOps controller's account.
		agentBob, agentDave, leadCarol, leadErin, gitops client.Client
	)

	// person adds a user of the API server and returns its client.
	person := func(name string, groups ...string) client.Client {
		GinkgoHelper()
		u, err := testEnv.AddUser(envtest.User{Name: name, Groups: groups}, nil)
		Expect(err).NotTo(HaveOccurred())
		cl, err := client.New(u.Config(), client.Options{Scheme: scheme})
		Expect(err).NotTo(HaveOccurred())
		return cl
	}

	BeforeAll(func() {
		ns = newNamespace()

		By("binding the editor role of config/rbac to the people, in their namespace")
		role, err := testenv.EditorRole()
		Expect(err).NotTo(HaveOccurred())
		role.Name = "test-approvals-" + ns
		Expect(k8sClient.Create(ctx, role)).To(Succeed())
		DeferCleanup(func() { Expect(k8sClient.Delete(ctx, role)).To(Succeed()) })
		names := []string{"agent-bob", "agent-dave", "lead-carol", "lead-erin", "gitops-bot"}
		binding := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "desk", Namespace: ns},
			RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.Name}}
		for _, n := range names {
			binding.Subjects = append(binding.Subjects, rbacv1.Subject{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: n})
		}
		Expect(k8sClient.Create(ctx, binding)).To(Succeed())
		agentBob = person("agent-bob", "support-agents")
		agentDave = person("agent-dave", "support-agents")
		leadCarol = person("lead-carol", "support-staff")
		leadErin = person("lead-erin", "support-leads")
		gitops = person("gitops-bot", "system:serviceaccounts")

		By("installing the admission policy as config/default ships it, until the API server enforces it")
		enforced := testenv.AdmissionEnforced(k8sClient, ns)
		objs, err := testenv.InstallAdmissionPolicy(ctx, k8sClient, enforced)
		Expect(err).NotTo(HaveOccurred(), "the admission policy is not enforced")
		for _, o := range objs {
			Expect(o.GetName()).To(Equal(policyName))
		}
		DeferCleanup(func() {
			Expect(testenv.RemoveAdmissionPolicy(ctx, k8sClient, objs, enforced)).To(Succeed(), "the admission policy is still enforced")
		})

		newPolicy(ns, "leads", func(s *supportv1.ServicePolicySpec) {
			s.Targets.Resolution = dur(time.Hour)
			s.Recovery = &supportv1.Recovery{RequireApproval: true,
				Approvers: &supportv1.Approvers{Users: []string{"lead-carol"}, Groups: []string{"support-leads"}}}
		})
	})

	// complaint is recorded by agent-bob; proposedBy proposes a resolution
	// and the operator puts it up for approval.
	complaint := func(name, proposedBy string) *supportv1.Complaint {
		GinkgoHelper()
		c := &supportv1.Complaint{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
			Spec: supportv1.ComplaintSpec{Customer: supportv1.Customer{Name: "Acme Pharmacy"}, Category: supportv1.CategoryMissedDeadline,
				Summary: "insulin not delivered", RecordedBy: "agent-bob"}}
		Expect(agentBob.Create(ctx, c)).To(Succeed())
		Expect(agentBob.Patch(ctx, c, client.RawPatch(types.MergePatchType,
			[]byte(`{"spec":{"resolution":{"summary":"delivered overnight","apologized":true,"proposedBy":"`+proposedBy+`"}}}`)))).To(Succeed())
		Eventually(phaseOf(c)).Should(Equal(supportv1.PhasePendingApproval))
		return c
	}
	// approve writes approvedBy: name as cl.
	approve := func(cl client.Client, c *supportv1.Complaint, name string) error {
		return cl.Patch(ctx, &supportv1.Complaint{ObjectMeta: metav1.ObjectMeta{Name: c.Name, Namespace: ns}},
			client.RawPatch(types.MergePatchType, []byte(`{"spec":{"resolution":{"approvedBy":"`+name+`"}}}`)))
	}
	// refused expects the policy to have refused a write with message.
	refused := func(err error, message string) {
		GinkgoHelper()
		Expect(err).To(HaveOccurred(), "the write was accepted")
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), "%v", err)
		Expect(err.Error()).To(ContainSubstring("ValidatingAdmissionPolicy '" + policyName + "'"))
		Expect(err.Error()).To(ContainSubstring(message))
	}

	It("refuses an approval that names someone else", func() {
		c := complaint("named", "agent-bob")
		refused(approve(agentDave, c, "lead-carol"),
			"spec.resolution.approvedBy must name you (agent-dave), not lead-carol: an approval is recorded as the person who makes it")
		refused(approve(leadErin, c, "lead-carol"), "must name you (lead-erin), not lead-carol")
		Expect(getComplaint(c).Spec.Resolution.ApprovedBy).To(BeEmpty())
	})

	It("refuses self-approval, also by an approver", func() {
		c := complaint("self", "agent-bob")
		refused(approve(agentBob, c, "agent-bob"),
			"spec.resolution.approvedBy must differ from spec.resolution.proposedBy (agent-bob): nobody approves their own proposal (you: agent-bob)")
		byLead := complaint("self-lead", "lead-carol")
		refused(approve(leadCarol, byLead, "lead-carol"), "must differ from spec.resolution.proposedBy (lead-carol)")

		By("and a proposer who renames themselves after the approval")
		Expect(approve(leadErin, byLead, "lead-erin")).To(Succeed())
		err := leadErin.Patch(ctx, byLead, client.RawPatch(types.MergePatchType, []byte(`{"spec":{"resolution":{"proposedBy":"lead-erin"}}}`)))
		refused(err, "must differ from spec.resolution.proposedBy (lead-erin)")
	})

	It("refuses an approval by someone the policy does not name (status.approvers)", func() {
		c := complaint("not-approver", "agent-bob")
		Expect(getComplaint(c).Status.Approvers).To(Equal(&supportv1.Approvers{Users: []string{"lead-carol"}, Groups: []string{"support-leads"}}),
			"the operator copied the policy's approvers")
		refused(approve(agentDave, c, "agent-dave"),
			"spec.resolution.approvedBy: you (agent-dave) may not approve this complaint: only the approvers of its policy may (users lead-carol; members of the groups support-leads)")
		Consistently(phaseOf(c), "1s").Should(Equal(supportv1.PhasePendingApproval))
	})

	It("accepts an approver's approval, by name or by group, and the complaint is Resolved", func() {
		byUser := complaint("by-user", "agent-bob")
		Expect(approve(leadCarol, byUser, "lead-carol")).To(Succeed())
		byGroup := complaint("by-group", "agent-bob")
		Expect(approve(leadErin, byGroup, "lead-erin")).To(Succeed())
		Eventually(phaseOf(byUser)).Should(Equal(supportv1.PhaseResolved))
		Eventually(phaseOf(byGroup)).Should(Equal(supportv1.PhaseResolved))
		Expect(getComplaint(byUser).Spec.Resolution.ApprovedBy).To(Equal("lead-carol"))
	})

	It("lets an approved complaint be applied again unchanged, as GitOps does, and other fields change", func() {
		c := complaint("gitops", "agent-bob")
		Expect(approve(leadCarol, c, "lead-carol")).To(Succeed())
		Eventually(phaseOf(c)).Should(Equal(supportv1.PhaseResolved))

		got := getComplaint(c)
		Expect(gitops.Update(ctx, got)).To(Succeed(), "the same spec, written by someone else")
		got.Spec.Description = "customer called twice"
		Expect(gitops.Update(ctx, got)).To(Succeed(), "approvedBy unchanged")
		Expect(agentBob.Patch(ctx, got, client.RawPatch(types.MergePatchType, []byte(`{"spec":{"owner":"agent-bob"}}`)))).To(Succeed())
		Expect(getComplaint(c).Spec.Resolution.ApprovedBy).To(Equal("lead-carol"))
	})

	It("refuses a change to an approved resolution unless the approval goes with it", func() {
		c := complaint("changed", "agent-bob")
		Expect(approve(leadErin, c, "lead-erin")).To(Succeed())
		err := agentBob.Patch(ctx, c, client.RawPatch(types.MergePatchType, []byte(`{"spec":{"resolution":{"remedy":"a refund of 50%"}}}`)))
		refused(err, "spec.resolution changed after lead-erin approved it (you: agent-bob): a changed resolution needs a new approval")
		Expect(agentBob.Patch(ctx, c, client.RawPatch(types.MergePatchType,
			[]byte(`{"spec":{"resolution":{"remedy":"a refund of 50%","approvedBy":null}}}`)))).To(Succeed(), "a new proposal")
		Expect(approve(leadCarol, c, "lead-carol")).To(Succeed())
	})

	It("refuses a complaint created approved: who may approve is not known yet", func() {
		c := &supportv1.Complaint{ObjectMeta: metav1.ObjectMeta{Name: "pre-approved", Namespace: ns},
			Spec: supportv1.ComplaintSpec{Customer: supportv1.Customer{Name: "Acme Pharmacy"}, Category: supportv1.CategoryOther, Summary: "x",
				Resolution: &supportv1.Resolution{Summary: "done", ProposedBy: "agent-dave", ApprovedBy: "lead-carol"}}}
		refused(leadCarol.Create(ctx, c),
			"spec.resolution.approvedBy cannot be set on a new complaint (you: lead-carol): who may approve is known once the operator has evaluated it")
		c.Spec.Resolution.ApprovedBy = ""
		Expect(leadCarol.Create(ctx, c)).To(Succeed(), "proposed, not approved")
	})

	It("records an escalation's acknowledgement and decision as the person who makes them", func() {
		complaint("escalated", "agent-bob")
		e := &supportv1.Escalation{ObjectMeta: metav1.ObjectMeta{Name: "escalated-request", Namespace: ns},
			Spec: supportv1.EscalationSpec{ComplaintName: "escalated", Level: 1, Reason: supportv1.ReasonRequested,
				RequestedBy: "agent-bob", Question: "May we refund the delivery fee as well?"}}
		Expect(agentBob.Create(ctx, e)).To(Succeed(), "a request carries no acknowledgement")
		ack := func(cl client.Client, by, decision string) error {
			return cl.Patch(ctx, &supportv1.Escalation{ObjectMeta: e.ObjectMeta}, client.RawPatch(types.MergePatchType,
				[]byte(`{"spec":{"acknowledgement":{"by":"`+by+`","decision":"`+decision+`"}}}`)))
		}
		refused(ack(agentBob, "lead-carol", "yes"),
			"spec.acknowledgement.by must name you (agent-bob), not lead-carol: an acknowledgement and its decision are recorded as the person who makes them")
		Expect(ack(leadCarol, "lead-carol", "yes, refund it")).To(Succeed())
		refused(ack(agentBob, "lead-carol", "no"), "must name you (agent-bob), not lead-carol")
		Expect(ack(gitops, "lead-carol", "yes, refund it")).To(Succeed(), "unchanged")
		Eventually(func() supportv1.EscalationPhase { return getEscalation(ns, e.Name).Status.Phase }).Should(Equal(supportv1.EscalationAcknowledged))
		Expect(getEscalation(ns, e.Name).Spec.Acknowledgement).To(Equal(&supportv1.EscalationAcknowledgement{By: "lead-carol", Decision: "yes, refund it"}))

		By("created acknowledged, in one's own name")
		own := &supportv1.Escalation{ObjectMeta: metav1.ObjectMeta{Name: "escalated-own", Namespace: ns},
			Spec: supportv1.EscalationSpec{ComplaintName: "escalated", Level: 1, Reason: supportv1.ReasonRequested,
				RequestedBy: "agent-bob", Question: "q", Acknowledgement: &supportv1.EscalationAcknowledgement{By: "lead-carol"}}}
		refused(agentBob.Create(ctx, own), "must name you (agent-bob), not lead-carol")
		Expect(leadCarol.Create(ctx, own)).To(Succeed())
	})

	It("records a remedy's report as the person who carried it out; a department's operator names itself", func() {
		rem := &supportv1.Remedy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "c-reship"},
			Spec: supportv1.RemedySpec{ComplaintName: "c", Action: "reship", Department: "warehouse", Kind: supportv1.RemedyReship, RequestedAt: metav1.Now()}}
		Expect(k8sClient.Create(ctx, rem)).To(Succeed())
		reportAs := func(cl client.Client, by string) error {
			var r supportv1.Remedy
			Expect(cl.Get(ctx, client.ObjectKeyFromObject(rem), &r)).To(Succeed())
			patch := client.MergeFrom(r.DeepCopy())
			r.Spec.Fulfilment = &supportv1.Fulfilment{Outcome: supportv1.FulfilmentDone, By: by}
			return cl.Patch(ctx, &r, patch)
		}
		Expect(reportAs(agentBob, "warehouse-bot")).To(MatchError(ContainSubstring("spec.fulfilment.by must name you (agent-bob), not warehouse-bot")))
		Expect(reportAs(agentBob, "")).To(MatchError(ContainSubstring("spec.fulfilment.by must name you (agent-bob), not nobody")))

		By("a department's operator, a service account")
		const sa = "system:serviceaccount:warehouse:fulfiller"
		Expect(k8sClient.Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "warehouse", Namespace: ns},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "test-approvals-" + ns},
			Subjects: []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: sa}}})).To(Succeed())
		Eventually(func() error { return reportAs(person(sa, "system:serviceaccounts"), "warehouse-bot") }).Should(Succeed())
		Expect(getRemedy(ns, rem.Name).Spec.Fulfilment.By).To(Equal("warehouse-bot"))

		By("a person, as themself")
		other := rem.DeepCopy()
		other.ObjectMeta = metav1.ObjectMeta{Namespace: ns, Name: "c-refund"}
		other.Spec.Action = "refund"
		Expect(k8sClient.Create(ctx, other)).To(Succeed())
		rem = other
		Expect(reportAs(agentBob, "agent-bob")).To(Succeed())
	})

	It("type-checks without a warning against both kinds, as kube-controller-manager does", func() {
		// kube-controller-manager (which envtest does not run) writes the
		// type checker's warnings into the policy's status.typeChecking:
		// the same checker, against the schemas the API server serves.
		u := &unstructured.Unstructured{}
		u.SetGroupVersionKind(admissionv1.SchemeGroupVersion.WithKind("ValidatingAdmissionPolicy"))
		Expect(k8sClient.Get(ctx, client.ObjectKey{Name: policyName}, u)).To(Succeed())
		var p admissionv1.ValidatingAdmissionPolicy
		Expect(runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &p)).To(Succeed())
		dc, err := discovery.NewDiscoveryClientForConfig(cfg)
		Expect(err).NotTo(HaveOccurred())
		tc := &validating.TypeChecker{SchemaResolver: &resolver.ClientDiscoveryResolver{Discovery: dc}, RestMapper: k8sClient.RESTMapper()}
		Expect(tc.Check(&p)).To(BeEmpty())

		By("which sees a field of one kind read on the other")
		wrong := p.DeepCopy()
		wrong.Spec.Validations = []admissionv1.Validation{{Expression: "!has(object.spec.resolution) || object.spec.resolution.approvedBy == variables.caller"}}
		Expect(tc.Check(wrong)).To(ConsistOf(HaveField("Warning", And(ContainSubstring("Escalation"), ContainSubstring("undefined field 'resolution'")))))
	})
})
