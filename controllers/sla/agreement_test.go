package sla

import (
	"testing"
	"time"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

func agree(accepted bool, note string) edit {
	return func(s *supportv1.ComplaintSpec) {
		s.Agreement = &supportv1.Agreement{Accepted: accepted, By: "agent-bob", Note: note}
	}
}

// A policy that requires the customer's agreement: the proposal waits for
// it (the clocks paused, as waiting on the customer), is resolved when the
// customer agrees, and goes back into work when they decline.
func TestAgreement(t *testing.T) {
	p := compiled(t, supportv1.ServicePolicySpec{
		Targets:    supportv1.Targets{Resolution: dur(24 * time.Hour), AtRiskPercent: 75},
		PauseWhile: []supportv1.WaitingOn{supportv1.WaitingOnCustomer},
		Recovery:   &supportv1.Recovery{RequireAgreement: true},
	})
	proposed := ts(10 * time.Minute)
	t.Run("agreed: resolved at the answer, the wait not counted", func(t *testing.T) {
		s := newSim(t, p, newComplaint(t0))
		live(t, s, []step{
			{at: t0, want: []string{tr("Created", t0)}},
			{at: proposed, edit: resolve(resV1), want: []string{tr("AwaitingAgreement()", proposed), tr("Waiting()", proposed)}, check: func(t *testing.T, s *sim, r Result) {
				wantPhase(t, r, supportv1.PhaseAwaitingAgreement)
				wantTime(t, "agreementRequestedAt", r.Status.AgreementRequestedAt, proposed)
				wantTime(t, "resolvedAt", r.Status.ResolvedAt, time.Time{})
				wantCondition(t, r.Status, supportv1.ConditionResolutionAccepted, "False", supportv1.ReasonAwaitingAgreement)
				wantClock(t, "resolution", r.Status.Clocks.Resolution, &clk{state: supportv1.ClockPaused, target: 24 * time.Hour, started: t0})
			}},
			{at: ts(2 * time.Hour), edit: agree(true, "happy with a courier tonight"), want: []string{tr("Resolved", ts(2*time.Hour)), tr("Resumed()", ts(2*time.Hour))}, check: func(t *testing.T, s *sim, r Result) {
				wantPhase(t, r, supportv1.PhaseResolved)
				wantTime(t, "resolvedAt", r.Status.ResolvedAt, ts(2*time.Hour))
				wantClock(t, "resolution", r.Status.Clocks.Resolution, &clk{state: supportv1.ClockMet, target: 24 * time.Hour, started: t0,
					due: ts(24*time.Hour + 110*time.Minute), stopped: ts(2 * time.Hour), paused: 110 * time.Minute})
			}},
		})
	})
	t.Run("declined: back in work, and the next proposal needs a new answer", func(t *testing.T) {
		s := newSim(t, p, newComplaint(t0))
		live(t, s, []step{
			{at: t0, want: []string{tr("Created", t0)}},
			{at: ts(5 * time.Minute), edit: ack, want: []string{tr("Acknowledged", ts(5*time.Minute))}},
			{at: proposed, edit: resolve(resV1), want: []string{tr("AwaitingAgreement()", proposed), tr("Waiting()", proposed)}},
			{at: ts(time.Hour), edit: agree(false, "a refund, not a courier"), want: []string{tr("!AgreementDeclined()", ts(time.Hour)), tr("Resumed()", ts(time.Hour))}, check: func(t *testing.T, s *sim, r Result) {
				wantPhase(t, r, supportv1.PhaseAcknowledged)
				wantTime(t, "agreementRequestedAt", r.Status.AgreementRequestedAt, time.Time{})
				wantCondition(t, r.Status, supportv1.ConditionResolutionAccepted, "False", supportv1.ReasonCustomerUnsatisfied)
				if h := lastHistory(t, r); h.Event != supportv1.ReasonResumed {
					t.Errorf("last history entry = %+v", h)
				}
			}},
			{at: ts(90 * time.Minute), check: func(t *testing.T, s *sim, r Result) { wantPhase(t, r, supportv1.PhaseAcknowledged) }},
			{at: ts(2 * time.Hour), edit: resolve(resV2), want: []string{tr("AwaitingAgreement()", ts(2*time.Hour)), tr("Waiting()", ts(2*time.Hour))}, check: func(t *testing.T, s *sim, r Result) {
				wantPhase(t, r, supportv1.PhaseAwaitingAgreement) // the old "no" does not answer the new proposal
			}},
			{at: ts(3 * time.Hour), edit: agree(true, "a refund is fine"), want: []string{tr("Resolved", ts(3*time.Hour)), tr("Resumed()", ts(3*time.Hour))}},
		})
	})
	t.Run("with approval: the approval clock stops when the approved proposal goes to the customer", func(t *testing.T) {
		pa := compiled(t, supportv1.ServicePolicySpec{
			Targets:  supportv1.Targets{Approval: dur(time.Hour), AtRiskPercent: 75},
			Recovery: &supportv1.Recovery{RequireApproval: true, RequireAgreement: true},
		})
		s := newSim(t, pa, newComplaint(t0))
		live(t, s, []step{
			{at: t0, want: []string{tr("Created", t0)}},
			{at: proposed, edit: resolve(resV1), want: []string{tr("AwaitingApproval()", proposed)}, check: func(t *testing.T, s *sim, r Result) {
				wantPhase(t, r, supportv1.PhasePendingApproval)
			}},
			{at: ts(30 * time.Minute), edit: resolve(approved(resV1, "lead-carol")), want: []string{tr("AwaitingAgreement()", ts(30*time.Minute))}, check: func(t *testing.T, s *sim, r Result) {
				wantPhase(t, r, supportv1.PhaseAwaitingAgreement) // no pause: the policy does not pause on the customer
				wantClock(t, "approval", r.Status.Clocks.Approval, &clk{state: supportv1.ClockMet, target: time.Hour, started: proposed, due: ts(70 * time.Minute), stopped: ts(30 * time.Minute)})
			}},
			{at: ts(2 * time.Hour), edit: agree(true, ""), want: []string{tr("Resolved", ts(2*time.Hour))}, check: func(t *testing.T, s *sim, r Result) {
				wantClock(t, "approval", r.Status.Clocks.Approval, &clk{state: supportv1.ClockMet, target: time.Hour, started: proposed, due: ts(70 * time.Minute), stopped: ts(30 * time.Minute)})
			}},
		})
	})
	t.Run("without requireAgreement nothing waits for an answer", func(t *testing.T) {
		s := newSim(t, compiled(t, supportv1.ServicePolicySpec{Targets: supportv1.Targets{Resolution: dur(24 * time.Hour)}}), newComplaint(t0))
		live(t, s, []step{
			{at: t0, want: []string{tr("Created", t0)}},
			{at: proposed, edit: resolve(resV1), want: []string{tr("Resolved", proposed)}},
		})
	})
}
