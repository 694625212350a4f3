package desk

import "testing"

func TestAdmissionRefusal(t *testing.T) {
	for _, tc := range []struct {
		name, msg, policy, reason string
		ok                        bool
	}{
		{"refused by servicedesk-approvals",
			`complaints.support.servicedesk.dev "c-1" is forbidden: ValidatingAdmissionPolicy 'servicedesk-approvals' with binding 'servicedesk-approvals' denied request: spec.resolution.approvedBy must differ from spec.resolution.proposedBy (agent-bob): nobody approves their own proposal (you: agent-bob)`,
			"servicedesk-approvals", "spec.resolution.approvedBy must differ from spec.resolution.proposedBy (agent-bob): nobody approves their own proposal (you: agent-bob)", true},
		{"a chart's release name",
			`escalations.support.servicedesk.dev "e" is forbidden: ValidatingAdmissionPolicy 'desk-approvals' with binding 'desk-approvals' denied request: spec.acknowledgement.by must name you (x), not y: z`,
			"desk-approvals", "spec.acknowledgement.by must name you (x), not y: z", true},
		{"RBAC", `complaints.support.servicedesk.dev "c-1" is forbidden: User "agent-bob" cannot patch resource "complaints" in API group "support.servicedesk.dev" in the namespace "support"`, "", "", false},
		{"schema", `Complaint.support.servicedesk.dev "c-1" is invalid: spec.resolution.summary: Required value`, "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			policy, reason, ok := AdmissionRefusal(tc.msg)
			if policy != tc.policy || reason != tc.reason || ok != tc.ok {
				t.Errorf("AdmissionRefusal = %q, %q, %v; want %q, %q, %v", policy, reason, ok, tc.policy, tc.reason, tc.ok)
			}
		})
	}
}
