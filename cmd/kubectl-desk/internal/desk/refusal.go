package desk

import "regexp"

// admissionRE is how the API server words a write that a
// ValidatingAdmissionPolicy refused (Kubernetes 1.30 and later), after the
// object's name: `... is forbidden: ValidatingAdmissionPolicy 'P' with
// binding 'B' denied request: MESSAGE`.
var admissionRE = regexp.MustCompile(`ValidatingAdmissionPolicy '([^']*)' with binding '[^']*' denied request: (.*)$`)

// AdmissionRefusal reads the API server's error message of a write an
// admission policy refused: the policy's name and its message (for
// servicedesk-approvals, which field, who you are and the rule). ok is
// false for any other error.
func AdmissionRefusal(msg string) (policy, reason string, ok bool) {
	m := admissionRE.FindStringSubmatch(msg)
	if m == nil {
		return "", "", false
	}
	return m[1], m[2], true
}
