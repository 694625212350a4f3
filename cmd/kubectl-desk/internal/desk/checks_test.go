package desk

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

func complaint(phase supportv1.Phase, mutate ...func(*supportv1.Complaint)) *supportv1.Complaint {
	c := &supportv1.Complaint{ObjectMeta: metav1.ObjectMeta{Name: "c-1", Namespace: "support"}}
	c.Status.Phase = phase
	c.Status.Policy = "standard"
	for _, m := range mutate {
		m(c)
	}
	return c
}

func withResolution(approvedBy string) func(*supportv1.Complaint) {
	return func(c *supportv1.Complaint) {
		c.Spec.Resolution = &supportv1.Resolution{Summary: "done", ApprovedBy: approvedBy}
	}
}

func TestCheckApprove(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    *supportv1.Complaint
		want string // substring of the error; "" for none
	}{
		{"pending approval", complaint(supportv1.PhasePendingApproval, withResolution("")), ""},
		{"no resolution says how to propose one", complaint(supportv1.PhaseAcknowledged), "is Acknowledged, not PendingApproval: nothing to approve; no resolution is proposed: propose one with kubectl desk resolve c-1"},
		{"resolved", complaint(supportv1.PhaseResolved, withResolution("lead-carol")), "is Resolved, not PendingApproval: nothing to approve; its resolution is already accepted"},
		{"closed", complaint(supportv1.PhaseClosed, withResolution("")), "its resolution is already accepted"},
		{"approved, not yet seen", complaint(supportv1.PhaseAcknowledged, withResolution("lead-carol")), "already approved by lead-carol"},
		{"no policy", complaint(supportv1.PhaseAcknowledged, withResolution(""), func(c *supportv1.Complaint) { c.Status.Policy = "" }), "no policy governs it"},
		{"never reconciled", complaint("", withResolution("")), "is not yet seen by the operator"},
	} {
		t.Run(tc.name, func(t *testing.T) { checkErr(t, CheckApprove(tc.c), tc.want) })
	}
}

func TestCheckResolve(t *testing.T) {
	policy := func(apology bool) *supportv1.ServicePolicy {
		return &supportv1.ServicePolicy{ObjectMeta: metav1.ObjectMeta{Name: "standard"},
			Spec: supportv1.ServicePolicySpec{Recovery: &supportv1.Recovery{RequireApology: apology}}}
	}
	for _, tc := range []struct {
		name       string
		c          *supportv1.Complaint
		p          *supportv1.ServicePolicy
		apologized bool
		want       string
	}{
		{"apology required and given", complaint(supportv1.PhaseAcknowledged), policy(true), true, ""},
		{"apology required, missing", complaint(supportv1.PhaseAcknowledged), policy(true), false, "policy standard requires an apology with every resolution: apologise to the customer, then run again with --apologized"},
		{"apology not required", complaint(supportv1.PhaseAcknowledged), policy(false), false, ""},
		{"no policy", complaint(supportv1.PhaseAcknowledged), nil, false, ""},
		{"closed", complaint(supportv1.PhaseClosed), policy(false), true, "is Closed: a closed complaint is not resolved again"},
	} {
		t.Run(tc.name, func(t *testing.T) { checkErr(t, CheckResolve(tc.c, tc.p, tc.apologized), tc.want) })
	}
}

func TestCheckFeedbackAndSatisfaction(t *testing.T) {
	resolved := complaint(supportv1.PhaseResolved, func(c *supportv1.Complaint) { now := metav1.Now(); c.Status.ResolvedAt = &now })
	checkErr(t, CheckFeedback(resolved), "")
	checkErr(t, CheckFeedback(complaint(supportv1.PhasePendingApproval)), "is PendingApproval, not Resolved")
	checkErr(t, CheckAgreement(complaint(supportv1.PhaseAwaitingAgreement)), "")
	checkErr(t, CheckAgreement(complaint(supportv1.PhasePendingApproval)), "is PendingApproval, not AwaitingAgreement: no proposal waits for the customer's answer")
	for n, want := range map[int32]string{0: "satisfaction 0 is outside 1-5", 1: "", 5: "", 6: "satisfaction 6 is outside 1-5: give 1 (very unhappy) to 5 (very happy)"} {
		checkErr(t, CheckSatisfaction(n), want)
	}
	checkErr(t, NotFound("complaint", "c-9", "support"), `complaint "c-9" not found in namespace "support": list the open complaints with kubectl desk board`)
	checkErr(t, NotFound("escalation", "e-9", "support"), `escalation "e-9" not found in namespace "support"`)
}

func TestRequestedEscalation(t *testing.T) {
	c := complaint(supportv1.PhaseAcknowledged, func(c *supportv1.Complaint) {
		c.UID = "u-1"
		c.Labels = map[string]string{"team": "pharmacy"}
	})
	p := &supportv1.ServicePolicy{ObjectMeta: metav1.ObjectMeta{Name: "standard"}, Spec: supportv1.ServicePolicySpec{
		Escalation: &supportv1.EscalationPolicy{Levels: []supportv1.EscalationLevel{{Name: "team-lead"}, {Name: "manager"}}}}}
	e, err := RequestedEscalation(c, p, 2, "agent-bob", "refund?")
	if err != nil {
		t.Fatal(err)
	}
	if e.GenerateName != "c-1-request-" || e.Spec.LevelName != "manager" || e.Spec.Reason != supportv1.ReasonRequested ||
		e.Spec.RequestedBy != "agent-bob" || e.Labels["team"] != "pharmacy" || e.OwnerReferences[0].UID != "u-1" {
		t.Errorf("unexpected escalation %+v", e)
	}
	_, err = RequestedEscalation(c, p, 3, "agent-bob", "refund?")
	checkErr(t, err, "policy standard has no level 3: its ladder is 1 team-lead, 2 manager")
	_, err = RequestedEscalation(c, p, 0, "agent-bob", "refund?")
	checkErr(t, err, "policy standard has no level 0: its ladder is 1 team-lead, 2 manager")
	_, err = RequestedEscalation(c, nil, 1, "agent-bob", " ")
	checkErr(t, err, "--question is empty")
	checkErr(t, CheckDecide(&supportv1.Escalation{Status: supportv1.EscalationStatus{Phase: supportv1.EscalationClosed}}), "is Closed")
	checkErr(t, CheckDecide(&supportv1.Escalation{Status: supportv1.EscalationStatus{Phase: supportv1.EscalationOpen}}), "")
}

func checkErr(t *testing.T, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Errorf("unexpected error: %v", err)
	case want != "" && err == nil:
		t.Errorf("no error; want one with %q", want)
	case want != "" && !strings.Contains(err.Error(), want):
		t.Errorf("error %q does not say %q", err, want)
	}
}
