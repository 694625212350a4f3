package sla

import (
	"testing"
	"time"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// withActions is the resolution with actions for the departments.
func withActions(r supportv1.Resolution, actions ...supportv1.RemedyAction) supportv1.Resolution {
	r.Actions = actions
	return r
}

var (
	reship = supportv1.RemedyAction{Name: "reship", Department: "warehouse", Kind: supportv1.RemedyReship, Detail: "right item, overnight"}
	refund = supportv1.RemedyAction{Name: "refund", Department: "billing", Kind: supportv1.RemedyRefund}
)

// report records a department's report of the complaint's remedy of action
// in the round requested at requested.
func (s *sim) report(action string, requested time.Time, outcome supportv1.FulfilmentOutcome, at time.Time) {
	f := RemedyFact{Name: RemedyName(s.c.Name, action), RequestedAt: requested,
		Fulfilment: &supportv1.Fulfilment{Outcome: outcome, By: "warehouse-bot", Reference: "TRACK-1", Note: "out of stock"}, FulfilledAt: at}
	for i := range s.remedies {
		if s.remedies[i].Name == f.Name {
			s.remedies[i] = f
			return
		}
	}
	s.remedies = append(s.remedies, f)
}

// An agreed resolution with actions is carried out by the departments
// (Implementing) and resolved when the last remedy is done; a failed one
// sends the complaint back into work, and a new proposal asks again.
func TestRemedies(t *testing.T) {
	p := compiled(t, supportv1.ServicePolicySpec{
		Targets:    supportv1.Targets{Resolution: dur(24 * time.Hour), AtRiskPercent: 75},
		PauseWhile: []supportv1.WaitingOn{supportv1.WaitingOnCustomer},
		Recovery: &supportv1.Recovery{RequireAgreement: true, Departments: []supportv1.Department{
			{Name: "warehouse", FulfilWithin: dur(24 * time.Hour), Notify: []string{"warehouse-queue"}},
		}},
	})
	proposed, agreed := ts(10*time.Minute), ts(time.Hour)
	two := withActions(resV1, reship, refund)
	t.Run("two departments: resolved at the last report, the resolution clock running meanwhile", func(t *testing.T) {
		s := newSim(t, p, newComplaint(t0))
		live(t, s, []step{
			{at: t0, want: []string{tr("Created", t0)}},
			{at: proposed, edit: resolve(two), want: []string{tr("AwaitingAgreement()", proposed), tr("Waiting()", proposed)}},
			{at: agreed, edit: agree(true, ""), want: []string{tr("RemedyRequested", agreed), tr("RemedyRequested", agreed), tr("Resumed()", agreed)}, check: func(t *testing.T, s *sim, r Result) {
				wantPhase(t, r, supportv1.PhaseImplementing)
				wantTime(t, "remediesRequestedAt", r.Status.RemediesRequestedAt, agreed)
				wantCondition(t, r.Status, supportv1.ConditionResolutionAccepted, "False", supportv1.ReasonImplementing)
				wantClock(t, "resolution", r.Status.Clocks.Resolution, &clk{state: supportv1.ClockRunning, target: 24 * time.Hour, started: t0,
					due: ts(24*time.Hour + 50*time.Minute), paused: 50 * time.Minute, atRisk: ts(18*time.Hour + 50*time.Minute)})
				if n := len(r.Status.Remedies); n != 2 || r.Status.Remedies[0].Name != "c-x7k2p-reship" || r.Status.Remedies[0].Outcome != "" {
					t.Errorf("remedies = %+v", r.Status.Remedies)
				}
				if got := r.Transitions[0]; got.Remedy != "c-x7k2p-reship" || len(got.Notify) != 1 || got.Notify[0] != "warehouse-queue" {
					t.Errorf("RemedyRequested = %+v, want the remedy and the warehouse's destinations", got)
				}
			}},
			{at: ts(2 * time.Hour), check: func(t *testing.T, s *sim, r Result) { wantPhase(t, r, supportv1.PhaseImplementing) }},
			{at: ts(3 * time.Hour), edit: func(*supportv1.ComplaintSpec) {
				s.report("reship", agreed, supportv1.FulfilmentDone, ts(150*time.Minute))
			},
				want: []string{tr("RemedyDone", ts(150*time.Minute))}, check: func(t *testing.T, s *sim, r Result) {
					wantPhase(t, r, supportv1.PhaseImplementing)
					wantCondition(t, r.Status, supportv1.ConditionResolutionAccepted, "False", supportv1.ReasonImplementing)
					if h := lastHistory(t, r); h.Remedy != "c-x7k2p-reship" || h.By != "warehouse-bot" {
						t.Errorf("history = %+v, want who carried out which remedy", h)
					}
				}},
			{at: ts(4 * time.Hour), edit: func(*supportv1.ComplaintSpec) { s.report("refund", agreed, supportv1.FulfilmentDone, ts(4*time.Hour)) },
				want: []string{tr("RemedyDone", ts(4*time.Hour)), tr("Resolved", ts(4*time.Hour))}, check: func(t *testing.T, s *sim, r Result) {
					wantPhase(t, r, supportv1.PhaseResolved)
					wantTime(t, "resolvedAt", r.Status.ResolvedAt, ts(4*time.Hour))
					wantClock(t, "resolution", r.Status.Clocks.Resolution, &clk{state: supportv1.ClockMet, target: 24 * time.Hour, started: t0,
						due: ts(24*time.Hour + 50*time.Minute), paused: 50 * time.Minute, stopped: ts(4 * time.Hour)})
				}},
		})
	})
	t.Run("a failed remedy: back in work; the next proposal asks again, the old report not counted", func(t *testing.T) {
		s := newSim(t, p, newComplaint(t0))
		live(t, s, []step{
			{at: t0, want: []string{tr("Created", t0)}},
			{at: ts(5 * time.Minute), edit: ack, want: []string{tr("Acknowledged", ts(5*time.Minute))}},
			{at: proposed, edit: resolve(withActions(resV1, reship)), want: []string{tr("AwaitingAgreement()", proposed), tr("Waiting()", proposed)}},
			{at: agreed, edit: agree(true, ""), want: []string{tr("RemedyRequested", agreed), tr("Resumed()", agreed)}},
			{at: ts(2 * time.Hour), edit: func(*supportv1.ComplaintSpec) {
				s.report("reship", agreed, supportv1.FulfilmentFailed, ts(2*time.Hour))
			},
				want: []string{tr("!RemedyFailed", ts(2*time.Hour))}, check: func(t *testing.T, s *sim, r Result) {
					wantPhase(t, r, supportv1.PhaseAcknowledged)
					wantTime(t, "remediesRequestedAt", r.Status.RemediesRequestedAt, time.Time{})
					wantCondition(t, r.Status, supportv1.ConditionResolutionAccepted, "False", supportv1.ReasonRemedyFailed)
				}},
			{at: ts(150 * time.Minute), check: func(t *testing.T, s *sim, r Result) {
				wantPhase(t, r, supportv1.PhaseAcknowledged)
				wantCondition(t, r.Status, supportv1.ConditionResolutionAccepted, "False", supportv1.ReasonRemedyFailed)
			}},
			{at: ts(3 * time.Hour), edit: resolve(withActions(resV2, reship)), want: []string{tr("AwaitingAgreement()", ts(3*time.Hour)), tr("Waiting()", ts(3*time.Hour))}},
			{at: ts(4 * time.Hour), edit: agree(true, "a technician then"), want: []string{tr("RemedyRequested", ts(4*time.Hour)), tr("Resumed()", ts(4*time.Hour))}, check: func(t *testing.T, s *sim, r Result) {
				// The failed report of the first round is not this round's.
				wantPhase(t, r, supportv1.PhaseImplementing)
			}},
			{at: ts(5 * time.Hour), edit: func(*supportv1.ComplaintSpec) {
				s.report("reship", ts(4*time.Hour), supportv1.FulfilmentDone, ts(5*time.Hour))
			},
				want: []string{tr("RemedyDone", ts(5*time.Hour)), tr("Resolved", ts(5*time.Hour))}},
		})
	})
	t.Run("a new round in the same second as the failed one is a round of its own", func(t *testing.T) {
		pn := compiled(t, supportv1.ServicePolicySpec{})
		s := newSim(t, pn, newComplaint(t0))
		at := ts(time.Hour)
		live(t, s, []step{
			{at: t0, want: []string{tr("Created", t0)}},
			{at: at, edit: resolve(withActions(resV1, reship)), want: []string{tr("RemedyRequested", at)}},
			{at: at, edit: func(*supportv1.ComplaintSpec) { s.report("reship", at, supportv1.FulfilmentFailed, at) }, want: []string{tr("!RemedyFailed", at)}},
			{at: at, edit: resolve(withActions(resV2, reship)), want: []string{tr("RemedyRequested", at.Add(time.Second))}, check: func(t *testing.T, s *sim, r Result) {
				wantPhase(t, r, supportv1.PhaseImplementing)
				wantTime(t, "remediesRequestedAt", r.Status.RemediesRequestedAt, at.Add(time.Second))
			}},
		})
	})
	t.Run("withdrawn or changed while carried out: the round ends; changed actions are agreed anew", func(t *testing.T) {
		s := newSim(t, p, newComplaint(t0))
		live(t, s, []step{
			{at: t0, want: []string{tr("Created", t0)}},
			{at: proposed, edit: resolve(withActions(resV1, reship)), want: []string{tr("AwaitingAgreement()", proposed), tr("Waiting()", proposed)}},
			{at: agreed, edit: agree(true, ""), want: []string{tr("RemedyRequested", agreed), tr("Resumed()", agreed)}},
			{at: ts(2 * time.Hour), edit: resolve(withActions(resV1, reship, refund)), want: []string{tr("AwaitingAgreement()", ts(2*time.Hour)), tr("Waiting()", ts(2*time.Hour))}, check: func(t *testing.T, s *sim, r Result) {
				wantPhase(t, r, supportv1.PhaseAwaitingAgreement)
				wantTime(t, "endedRemediesRequestedAt", r.Status.EndedRemediesRequestedAt, agreed)
			}},
			{at: ts(3 * time.Hour), edit: agree(true, "both"), want: []string{tr("RemedyRequested", ts(3*time.Hour)), tr("RemedyRequested", ts(3*time.Hour)), tr("Resumed()", ts(3*time.Hour))}},
			{at: ts(4 * time.Hour), edit: func(s *supportv1.ComplaintSpec) { s.Resolution = nil }, check: func(t *testing.T, s *sim, r Result) {
				wantPhase(t, r, supportv1.PhaseNew)
				wantTime(t, "remediesRequestedAt", r.Status.RemediesRequestedAt, time.Time{})
				wantTime(t, "endedRemediesRequestedAt", r.Status.EndedRemediesRequestedAt, ts(3*time.Hour))
			}},
		})
	})
	t.Run("without agreement the approval asks the departments; a declined demand asks nobody", func(t *testing.T) {
		pa := compiled(t, supportv1.ServicePolicySpec{Recovery: &supportv1.Recovery{RequireApproval: true, AllowDecline: true}})
		s := newSim(t, pa, newComplaint(t0))
		live(t, s, []step{
			{at: t0, want: []string{tr("Created", t0)}},
			{at: proposed, edit: resolve(withActions(resV1, refund)), want: []string{tr("AwaitingApproval()", proposed)}},
			{at: agreed, edit: resolve(approved(withActions(resV1, refund), "lead-carol")), want: []string{tr("RemedyRequested", agreed)}, check: func(t *testing.T, s *sim, r Result) {
				wantPhase(t, r, supportv1.PhaseImplementing)
				if got := r.Transitions[0]; len(got.Notify) != 0 {
					t.Errorf("a department the policy does not list has no destinations: %+v", got.Notify)
				}
			}},
		})
		d := newSim(t, pa, newComplaint(t0))
		no := resV1
		no.Outcome, no.Reason = supportv1.OutcomeDeclined, "outside the warranty"
		live(t, d, []step{
			{at: t0, want: []string{tr("Created", t0)}},
			{at: agreed, edit: resolve(approved(no, "lead-carol")), want: []string{tr("Resolved", agreed)}},
		})
	})
}
