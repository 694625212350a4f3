package desk

import (
	"fmt"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// The checks below refuse a work command whose outcome the operator would
// not accept, reading only what the operator wrote in status: they say what
// is wrong and what would work.

// NotFound is the error for a complaint (or escalation, or remedy) that
// does not exist.
func NotFound(kind, name, namespace string) error {
	switch kind {
	case "remedy":
		return fmt.Errorf("remedy %q not found in namespace %q: list the remedies with kubectl desk remedies (--pending for those still to carry out)", name, namespace)
	case "escalation":
		return fmt.Errorf("escalation %q not found in namespace %q: a complaint's escalations are listed by kubectl desk timeline COMPLAINT (or kubectl get escalations)", name, namespace)
	default:
		return fmt.Errorf("complaint %q not found in namespace %q: list the open complaints with kubectl desk board (-A for every namespace)", name, namespace)
	}
}

// CheckApprove refuses to approve a complaint that is not pending approval.
func CheckApprove(c *supportv1.Complaint) error {
	if c.Status.Phase == supportv1.PhasePendingApproval {
		return nil
	}
	why := ""
	switch {
	case c.Status.Phase == supportv1.PhaseResolved || c.Status.Phase == supportv1.PhaseClosed:
		why = "its resolution is already accepted"
	case c.Spec.Resolution == nil:
		why = fmt.Sprintf("no resolution is proposed: propose one with kubectl desk resolve %s --summary ... --apologized", c.Name)
	case c.Spec.Resolution.ApprovedBy != "":
		why = fmt.Sprintf("its resolution is already approved by %s", c.Spec.Resolution.ApprovedBy)
	case c.Status.Policy == "":
		why = "no policy governs it, so no approval is needed"
	default:
		why = "the operator has not accepted the proposed resolution for approval (see kubectl desk timeline " + c.Name + ")"
	}
	return fmt.Errorf("complaint %s is %s, not PendingApproval: nothing to approve; %s", c.Name, phaseOf(c), why)
}

// CheckResolve refuses a resolution without the apology that the governing
// policy (status.policy; nil when none or not found) requires, and the
// resolution of a closed complaint.
func CheckResolve(c *supportv1.Complaint, policy *supportv1.ServicePolicy, apologized bool) error {
	if c.Status.Phase == supportv1.PhaseClosed {
		return fmt.Errorf("complaint %s is Closed: a closed complaint is not resolved again; record the customer's feedback with kubectl desk feedback %s --satisfaction N to reopen it", c.Name, c.Name)
	}
	if policy != nil && policy.Spec.Recovery != nil && policy.Spec.Recovery.RequireApology && !apologized {
		return fmt.Errorf("policy %s requires an apology with every resolution: apologise to the customer, then run again with --apologized", policy.Name)
	}
	return nil
}

// CheckFeedback refuses feedback before a resolution was accepted: the
// customer answers the follow-up of a resolution.
func CheckFeedback(c *supportv1.Complaint) error {
	if c.Status.ResolvedAt != nil {
		return nil
	}
	return fmt.Errorf("complaint %s is %s, not Resolved: feedback answers the follow-up of an accepted resolution; resolve it first (kubectl desk resolve %s ...)", c.Name, phaseOf(c), c.Name)
}

// CheckAgreement refuses an answer when no proposal waits for one.
func CheckAgreement(c *supportv1.Complaint) error {
	if c.Status.Phase == supportv1.PhaseAwaitingAgreement {
		return nil
	}
	return fmt.Errorf("complaint %s is %s, not AwaitingAgreement: no proposal waits for the customer's answer (its policy may not require one, or the resolution is not proposed or approved yet)", c.Name, phaseOf(c))
}

func phaseOf(c *supportv1.Complaint) string {
	if c.Status.Phase == "" {
		return "not yet seen by the operator"
	}
	return string(c.Status.Phase)
}
