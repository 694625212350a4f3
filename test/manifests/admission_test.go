package manifests

import (
	"slices"
	"testing"

	admissionv1 "k8s.io/api/admissionregistration/v1"
)

// TestAdmissionPolicy: config/default installs the admission policy
// servicedesk-approvals and its binding, cluster-scoped (no namespace: the
// kustomization's namespace would otherwise be set on them), refusing
// (Deny) creates and updates of complaints and escalations but not of their
// status.
func TestAdmissionPolicy(t *testing.T) {
	m := render(t)
	var p admissionv1.ValidatingAdmissionPolicy
	one(t, m, "ValidatingAdmissionPolicy", "servicedesk-approvals", &p)
	var b admissionv1.ValidatingAdmissionPolicyBinding
	one(t, m, "ValidatingAdmissionPolicyBinding", "servicedesk-approvals", &b)
	if p.Namespace != "" || b.Namespace != "" {
		t.Errorf("namespaces %q and %q: both are cluster-scoped", p.Namespace, b.Namespace)
	}
	if b.Spec.PolicyName != p.Name {
		t.Errorf("the binding names policy %q, want %q", b.Spec.PolicyName, p.Name)
	}
	if !slices.Equal(b.Spec.ValidationActions, []admissionv1.ValidationAction{admissionv1.Deny}) {
		t.Errorf("validationActions %v, want [Deny]", b.Spec.ValidationActions)
	}
	if p.Spec.FailurePolicy == nil || *p.Spec.FailurePolicy != admissionv1.Fail {
		t.Error("failurePolicy is not Fail")
	}
	mc := p.Spec.MatchConstraints
	if mc == nil || len(mc.ResourceRules) != 1 {
		t.Fatalf("matchConstraints %+v, want one rule", mc)
	}
	r := mc.ResourceRules[0]
	if !slices.Equal(r.APIGroups, []string{"support.servicedesk.dev"}) || !slices.Equal(r.Resources, []string{"complaints", "escalations", "remedies"}) ||
		!slices.Equal(r.Operations, []admissionv1.OperationType{admissionv1.Create, admissionv1.Update}) {
		t.Errorf("rule %+v, want CREATE and UPDATE of complaints, escalations and remedies (not their status)", r)
	}
	if len(p.Spec.Validations) == 0 {
		t.Fatal("no validations")
	}
	for i, v := range p.Spec.Validations {
		if v.MessageExpression == "" || v.Message == "" || v.Reason == nil || *v.Reason != "Forbidden" {
			t.Errorf("validation %d: want a message, a messageExpression and reason Forbidden", i)
		}
	}
}
