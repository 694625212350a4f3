package desk

import (
	"fmt"
	"strings"
	"unicode/utf8"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/internal/text"
)

// maxOwner is spec.owner's maxLength in the CRD (characters).
const maxOwner = 128

// CheckOwner refuses to make owner the owner of complaint c: when the
// complaint is closed (nobody works it any more), or when the API server
// would refuse the name (empty, longer than spec.owner allows).
func CheckOwner(c *supportv1.Complaint, owner string) error {
	if strings.TrimSpace(owner) == "" {
		return fmt.Errorf("the new owner is empty: name one person, e.g. kubectl desk assign %s --to agent-dan", c.Name)
	}
	if n := utf8.RuneCountInString(owner); n > maxOwner {
		return fmt.Errorf("owner %q is %d characters long: spec.owner takes at most %d", owner, n, maxOwner)
	}
	if c.Status.Phase == supportv1.PhaseClosed {
		return fmt.Errorf("complaint %s is Closed (owner %s): a closed complaint gets no new owner; if the customer is not satisfied after all, record it with kubectl desk feedback %s --satisfaction N to reopen it",
			c.Name, text.OrNone(c.Spec.Owner), c.Name)
	}
	return nil
}

// OwnerLine tells what take or assign did to complaint name: the owner it
// had and the one it has now, or that it already had that owner.
func OwnerLine(name, from, to string) string {
	if from == to {
		return fmt.Sprintf("complaint %s: owner %s (unchanged)", name, to)
	}
	return fmt.Sprintf("complaint %s: owner %s → %s", name, text.OrNone(from), to)
}
