package desk

import (
	"strings"
	"testing"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

func TestCheckOwner(t *testing.T) {
	owned := func(c *supportv1.Complaint) { c.Spec.Owner = "agent-bob" }
	for _, tc := range []struct {
		name  string
		c     *supportv1.Complaint
		owner string
		want  string // substring of the error; "" for none
	}{
		{"new complaint without an owner", complaint(supportv1.PhaseNew), "agent-bob", ""},
		{"another owner while it is worked", complaint(supportv1.PhaseAcknowledged, owned), "agent-dan", ""},
		{"pending approval", complaint(supportv1.PhasePendingApproval, owned), "agent-dan", ""},
		{"resolved, waiting for the follow-up", complaint(supportv1.PhaseResolved, owned), "agent-dan", ""},
		{"never reconciled", complaint(""), "agent-bob", ""},
		{"closed says how to reopen", complaint(supportv1.PhaseClosed, owned), "agent-dan",
			"complaint c-1 is Closed (owner agent-bob): a closed complaint gets no new owner; if the customer is not satisfied after all, record it with kubectl desk feedback c-1 --satisfaction N to reopen it"},
		{"closed without an owner", complaint(supportv1.PhaseClosed), "agent-dan", "is Closed (owner (none))"},
		{"empty owner", complaint(supportv1.PhaseNew), "  ", "the new owner is empty: name one person, e.g. kubectl desk assign c-1 --to agent-dan"},
		{"owner longer than the API takes", complaint(supportv1.PhaseNew), strings.Repeat("é", 129), "is 129 characters long: spec.owner takes at most 128"},
		{"owner as long as the API takes", complaint(supportv1.PhaseNew), strings.Repeat("é", 128), ""},
	} {
		t.Run(tc.name, func(t *testing.T) { checkErr(t, CheckOwner(tc.c, tc.owner), tc.want) })
	}
}

func TestOwnerLine(t *testing.T) {
	for _, tc := range []struct {
		name, from, to, want string
	}{
		{"first owner", "", "agent-bob", "complaint c-x7k2p: owner (none) → agent-bob"},
		{"another owner", "agent-bob", "agent-dan", "complaint c-x7k2p: owner agent-bob → agent-dan"},
		{"the same owner", "agent-bob", "agent-bob", "complaint c-x7k2p: owner agent-bob (unchanged)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := OwnerLine("c-x7k2p", tc.from, tc.to); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
