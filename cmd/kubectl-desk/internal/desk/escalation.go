package desk

import (
	"fmt"
	"maps"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// RequestedEscalation is an agent's request to level of the governing
// policy's ladder (nil: none) for a decision on complaint c, as api.md
// describes one written by hand: reason Requested, requestedBy and question.
// It carries the complaint's labels (an operator sharded by label sees both)
// and is owned by the complaint (deleted with it), without being its
// controller.
func RequestedEscalation(c *supportv1.Complaint, policy *supportv1.ServicePolicy, level int32, by, question string) (*supportv1.Escalation, error) {
	if strings.TrimSpace(question) == "" {
		return nil, fmt.Errorf("--question is empty: say what you need decided, e.g. --question \"May we refund the delivery fee as well?\"")
	}
	levelName := ""
	if policy != nil && policy.Spec.Escalation != nil {
		l := policy.Spec.Escalation.Level("", level)
		if l == nil {
			var names []string
			for i, l := range policy.Spec.Escalation.Levels {
				names = append(names, fmt.Sprintf("%d %s", i+1, l.Name))
			}
			return nil, fmt.Errorf("policy %s has no level %d: its ladder is %s", policy.Name, level, strings.Join(names, ", "))
		}
		levelName = l.Name
	}
	var labels map[string]string
	if len(c.Labels) > 0 {
		labels = maps.Clone(c.Labels)
	}
	return &supportv1.Escalation{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName: c.Name + "-request-",
			Namespace:    c.Namespace,
			Labels:       labels,
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: supportv1.GroupVersion.String(), Kind: "Complaint", Name: c.Name, UID: c.UID,
			}},
		},
		Spec: supportv1.EscalationSpec{
			ComplaintName: c.Name, Level: level, LevelName: levelName,
			Reason: supportv1.ReasonRequested, RequestedBy: by, Question: question,
		},
	}, nil
}

// CheckDecide refuses a decision on an escalation that is over.
func CheckDecide(e *supportv1.Escalation) error {
	switch e.Status.Phase {
	case supportv1.EscalationClosed:
		return fmt.Errorf("escalation %s is Closed (its complaint is resolved or gone): there is nothing left to decide", e.Name)
	case supportv1.EscalationSuperseded:
		return fmt.Errorf("escalation %s is Superseded: a higher level was reached; decide on the complaint's open escalation instead (kubectl desk timeline %s)", e.Name, e.Spec.ComplaintName)
	}
	return nil
}
