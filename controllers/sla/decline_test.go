package sla

import (
	"testing"
	"time"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// declined is a plain "no", with its reason and an apology.
var declined = supportv1.Resolution{Summary: "Explained our delivery terms", Apologized: true, ProposedBy: "agent-bob",
	Outcome: supportv1.OutcomeDeclined, Reason: "a full refund for a one-day delay is beyond our terms"}

// A policy may allow a plain "no": it offers no gesture, always needs a
// lead's approval, still needs the apology, and is followed up.
func TestDecline(t *testing.T) {
	recovery := func(allow bool) *supportv1.Recovery {
		return &supportv1.Recovery{RequireApology: true, AllowDecline: allow,
			Gestures: []supportv1.GestureRule{{Categories: []supportv1.Category{supportv1.CategoryMissedDeadline}, Kind: supportv1.GestureDiscount, Detail: "15% off"}}}
	}
	followUp := &supportv1.FollowUp{After: *dur(168 * time.Hour)}
	proposed, approvedAt := ts(10*time.Minute), ts(30*time.Minute)
	t.Run("allowed: approved by a lead, resolved without a gesture, followed up", func(t *testing.T) {
		p := compiled(t, supportv1.ServicePolicySpec{Recovery: recovery(true), FollowUp: followUp})
		s := newSim(t, p, newComplaint(t0))
		live(t, s, []step{
			{at: t0, want: []string{tr("Created", t0)}},
			{at: proposed, edit: resolve(declined), want: []string{tr("AwaitingApproval()", proposed)}, check: func(t *testing.T, s *sim, r Result) {
				wantPhase(t, r, supportv1.PhasePendingApproval) // even though the policy does not require approval
				if r.Status.Gesture != nil {
					t.Errorf("gesture = %+v, want none for a declined demand", r.Status.Gesture)
				}
			}},
			{at: approvedAt, edit: resolve(approved(declined, "lead-carol")), want: []string{tr("Resolved", approvedAt)}, check: func(t *testing.T, s *sim, r Result) {
				wantPhase(t, r, supportv1.PhaseResolved)
				wantTime(t, "followUpAt", r.Status.FollowUpAt, approvedAt.Add(168*time.Hour))
				if h := lastHistory(t, r); h.Message != "Resolved, the demand declined: Explained our delivery terms; reason: a full refund for a one-day delay is beyond our terms; approved by lead-carol" {
					t.Errorf("history = %q", h.Message)
				}
				if r.Status.Gesture != nil {
					t.Errorf("gesture = %+v, want none", r.Status.Gesture)
				}
			}},
		})
	})
	t.Run("not allowed: refused, and not waiting for approval", func(t *testing.T) {
		p := compiled(t, supportv1.ServicePolicySpec{Recovery: recovery(false)})
		s := newSim(t, p, newComplaint(t0))
		live(t, s, []step{
			{at: t0, want: []string{tr("Created", t0)}},
			{at: proposed, edit: resolve(declined), want: []string{tr("!DeclineNotAllowed()", proposed)}, check: func(t *testing.T, s *sim, r Result) {
				wantPhase(t, r, supportv1.PhaseNew)
				wantCondition(t, r.Status, supportv1.ConditionResolutionAccepted, "False", supportv1.ReasonDeclineNotAllowed)
				wantTime(t, "approvalRequestedAt", r.Status.ApprovalRequestedAt, time.Time{})
			}},
			{at: approvedAt, edit: resolve(approved(declined, "lead-carol")), check: func(t *testing.T, s *sim, r Result) {
				wantTime(t, "resolvedAt", r.Status.ResolvedAt, time.Time{}) // an approval does not make it allowed
			}},
		})
	})
	t.Run("the apology is still required", func(t *testing.T) {
		p := compiled(t, supportv1.ServicePolicySpec{Recovery: recovery(true)})
		s := newSim(t, p, newComplaint(t0))
		live(t, s, []step{
			{at: t0, want: []string{tr("Created", t0)}},
			{at: proposed, edit: resolve(unapologetic(declined)), want: []string{tr("!ApologyMissing()", proposed)}},
		})
	})
}
