package sla

import (
	"testing"
	"time"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

func owner(name string) edit { return func(s *supportv1.ComplaintSpec) { s.Owner = name } }

// lastHistory is the newest history entry.
func lastHistory(t *testing.T, r Result) supportv1.HistoryEntry {
	t.Helper()
	if len(r.Status.History) == 0 {
		t.Fatal("history is empty")
	}
	return r.Status.History[len(r.Status.History)-1]
}

// The assignment clock runs from the report until somebody owns the
// complaint: at risk, breached, and stopped by the first owner.
func TestAssignmentClock(t *testing.T) {
	p := compiled(t, supportv1.ServicePolicySpec{Targets: supportv1.Targets{Assignment: dur(15 * time.Minute), AtRiskPercent: 75}})
	t.Run("unowned: at risk, breached, then owned late", func(t *testing.T) {
		s := newSim(t, p, newComplaint(t0))
		risk, due, taken := ts(11*time.Minute+15*time.Second), ts(15*time.Minute), ts(20*time.Minute)
		live(t, s, []step{
			{at: t0, want: []string{tr("Created", t0)}, check: func(t *testing.T, s *sim, r Result) {
				wantClock(t, "assignment", r.Status.Clocks.Assignment, &clk{state: supportv1.ClockRunning, target: 15 * time.Minute, started: t0, due: due, atRisk: risk})
				wantTime(t, "nextDueAt", r.Status.NextDueAt, due)
				wantNext(t, r, risk)
			}},
			{at: risk, want: []string{tr("!AtRisk/Assignment", risk)}},
			{at: due, want: []string{tr("!Breached/Assignment", due)}, check: func(t *testing.T, s *sim, r Result) {
				wantTime(t, "breachedAt", r.Status.BreachedAt, due)
				wantCondition(t, r.Status, supportv1.ConditionBreached, "True", string(supportv1.EventBreached))
			}},
			{at: taken, edit: owner("agent-bob"), want: []string{tr("OwnerChanged()", taken)}, check: func(t *testing.T, s *sim, r Result) {
				wantClock(t, "assignment", r.Status.Clocks.Assignment, &clk{state: supportv1.ClockBreached, target: 15 * time.Minute, started: t0, due: due, stopped: taken, notified: true})
				wantTime(t, "ownedAt", r.Status.OwnedAt, taken)
				if h := lastHistory(t, r); h.By != "agent-bob" || h.Message != "Owner changed from (none) to agent-bob" {
					t.Errorf("history = %+v, want the new owner in By and both owners in the message", h)
				}
				wantTime(t, "breachedAt", r.Status.BreachedAt, due) // a breach stands until resolution
			}},
		})
	})
	t.Run("owned in time: met, and each transfer told", func(t *testing.T) {
		s := newSim(t, p, newComplaint(t0))
		live(t, s, []step{
			{at: t0, want: []string{tr("Created", t0)}},
			{at: ts(5 * time.Minute), edit: owner("agent-bob"), want: []string{tr("OwnerChanged()", ts(5*time.Minute))}, check: func(t *testing.T, s *sim, r Result) {
				wantClock(t, "assignment", r.Status.Clocks.Assignment, &clk{state: supportv1.ClockMet, target: 15 * time.Minute, started: t0, due: ts(15 * time.Minute), stopped: ts(5 * time.Minute)})
				wantNext(t, r, time.Time{})
			}},
			{at: ts(time.Hour), edit: owner("agent-dan"), want: []string{tr("OwnerChanged()", ts(time.Hour))}, check: func(t *testing.T, s *sim, r Result) {
				if h := lastHistory(t, r); h.By != "agent-dan" || h.Message != "Owner changed from agent-bob to agent-dan" {
					t.Errorf("history = %+v", h)
				}
				wantTime(t, "ownedAt", r.Status.OwnedAt, ts(5*time.Minute)) // the first owner stopped the clock
				if r.Status.Owner != "agent-dan" {
					t.Errorf("status.owner = %q, want agent-dan", r.Status.Owner)
				}
			}},
			{at: ts(2 * time.Hour), edit: owner(""), want: []string{tr("OwnerChanged()", ts(2*time.Hour))}, check: func(t *testing.T, s *sim, r Result) {
				if h := lastHistory(t, r); h.Message != "Owner changed from agent-dan to (none)" {
					t.Errorf("history = %+v", h)
				}
				wantClock(t, "assignment", r.Status.Clocks.Assignment, &clk{state: supportv1.ClockMet, target: 15 * time.Minute, started: t0, due: ts(15 * time.Minute), stopped: ts(5 * time.Minute)})
			}},
		})
	})
	t.Run("owned at intake: met at once, no transfer told", func(t *testing.T) {
		c := newComplaint(t0)
		c.Spec.Owner = "agent-bob"
		s := newSim(t, p, c)
		live(t, s, []step{
			{at: t0, want: []string{tr("Created", t0)}, check: func(t *testing.T, s *sim, r Result) {
				wantClock(t, "assignment", r.Status.Clocks.Assignment, &clk{state: supportv1.ClockMet, target: 15 * time.Minute, started: t0, due: ts(15 * time.Minute), stopped: t0})
				if r.Status.Owner != "agent-bob" {
					t.Errorf("status.owner = %q, want agent-bob", r.Status.Owner)
				}
			}},
		})
	})
	t.Run("a policy without the target runs no assignment clock", func(t *testing.T) {
		s := newSim(t, compiled(t, supportv1.ServicePolicySpec{Targets: targets(time.Hour, 0, 0)}), newComplaint(t0))
		r := s.eval(t, t0, nil)
		wantClock(t, "assignment", r.Status.Clocks.Assignment, nil)
	})
}

// The approval clock runs while a proposed resolution waits for a lead's
// approval.
func TestApprovalClock(t *testing.T) {
	p := compiled(t, supportv1.ServicePolicySpec{
		Targets:  supportv1.Targets{Approval: dur(time.Hour), AtRiskPercent: 75},
		Recovery: &supportv1.Recovery{RequireApproval: true},
	})
	proposed, risk, due := ts(10*time.Minute), ts(55*time.Minute), ts(70*time.Minute)
	t.Run("approved late: breached, and the breach ends with the resolution", func(t *testing.T) {
		s := newSim(t, p, newComplaint(t0))
		live(t, s, []step{
			{at: t0, want: []string{tr("Created", t0)}, check: func(t *testing.T, s *sim, r Result) {
				wantClock(t, "approval", r.Status.Clocks.Approval, nil)
			}},
			{at: proposed, edit: resolve(resV1), want: []string{tr("AwaitingApproval()", proposed)}, check: func(t *testing.T, s *sim, r Result) {
				wantPhase(t, r, supportv1.PhasePendingApproval)
				wantTime(t, "approvalRequestedAt", r.Status.ApprovalRequestedAt, proposed)
				wantClock(t, "approval", r.Status.Clocks.Approval, &clk{state: supportv1.ClockRunning, target: time.Hour, started: proposed, due: due, atRisk: risk})
			}},
			{at: risk, want: []string{tr("!AtRisk/Approval", risk)}},
			{at: due, want: []string{tr("!Breached/Approval", due)}, check: func(t *testing.T, s *sim, r Result) {
				wantTime(t, "breachedAt", r.Status.BreachedAt, due)
			}},
			{at: ts(90 * time.Minute), edit: resolve(approved(resV1, "lead-carol")), want: []string{tr("Resolved", ts(90*time.Minute))}, check: func(t *testing.T, s *sim, r Result) {
				wantClock(t, "approval", r.Status.Clocks.Approval, &clk{state: supportv1.ClockBreached, target: time.Hour, started: proposed, due: due, stopped: ts(90 * time.Minute), notified: true})
				wantTime(t, "breachedAt", r.Status.BreachedAt, time.Time{})
			}},
		})
	})
	t.Run("approved in time: met", func(t *testing.T) {
		s := newSim(t, p, newComplaint(t0))
		live(t, s, []step{
			{at: t0, want: []string{tr("Created", t0)}},
			{at: proposed, edit: resolve(resV1), want: []string{tr("AwaitingApproval()", proposed)}},
			{at: ts(30 * time.Minute), edit: resolve(approved(resV1, "lead-carol")), want: []string{tr("Resolved", ts(30*time.Minute))}, check: func(t *testing.T, s *sim, r Result) {
				wantClock(t, "approval", r.Status.Clocks.Approval, &clk{state: supportv1.ClockMet, target: time.Hour, started: proposed, due: due, stopped: ts(30 * time.Minute)})
			}},
		})
	})
	t.Run("withdrawn, then proposed again: the wait starts anew", func(t *testing.T) {
		s := newSim(t, p, newComplaint(t0))
		withdraw := func(s *supportv1.ComplaintSpec) { s.Resolution = nil }
		live(t, s, []step{
			{at: t0, want: []string{tr("Created", t0)}},
			{at: proposed, edit: resolve(resV1), want: []string{tr("AwaitingApproval()", proposed)}},
			{at: ts(20 * time.Minute), edit: withdraw, check: func(t *testing.T, s *sim, r Result) {
				wantTime(t, "approvalRequestedAt", r.Status.ApprovalRequestedAt, time.Time{})
				wantClock(t, "approval", r.Status.Clocks.Approval, nil)
			}},
			{at: ts(40 * time.Minute), edit: resolve(resV2), want: []string{tr("AwaitingApproval()", ts(40*time.Minute))}, check: func(t *testing.T, s *sim, r Result) {
				wantClock(t, "approval", r.Status.Clocks.Approval, &clk{state: supportv1.ClockRunning, target: time.Hour, started: ts(40 * time.Minute), due: ts(100 * time.Minute), atRisk: ts(85 * time.Minute)})
			}},
		})
	})
	t.Run("an apology missing is not a wait for approval", func(t *testing.T) {
		s := newSim(t, p, newComplaint(t0))
		p.Spec.Recovery.RequireApology = true
		defer func() { p.Spec.Recovery.RequireApology = false }()
		live(t, s, []step{
			{at: t0, want: []string{tr("Created", t0)}},
			{at: proposed, edit: resolve(unapologetic(resV1)), want: []string{tr("!ApologyMissing()", proposed)}, check: func(t *testing.T, s *sim, r Result) {
				wantClock(t, "approval", r.Status.Clocks.Approval, nil)
			}},
		})
	})
}

// The policy's approvers are copied into the status, for the admission
// policy that checks approvals.
func TestApproversCopied(t *testing.T) {
	p := compiled(t, supportv1.ServicePolicySpec{Recovery: &supportv1.Recovery{RequireApproval: true,
		Approvers: &supportv1.Approvers{Users: []string{"lead-carol"}, Groups: []string{"support-leads"}}}})
	r := newSim(t, p, newComplaint(t0)).eval(t, t0, nil)
	if a := r.Status.Approvers; a == nil || len(a.Users) != 1 || a.Users[0] != "lead-carol" || len(a.Groups) != 1 || a.Groups[0] != "support-leads" {
		t.Fatalf("status.approvers = %+v, want the policy's", a)
	}
	r = newSim(t, compiled(t, supportv1.ServicePolicySpec{}), newComplaint(t0)).eval(t, t0, nil)
	if r.Status.Approvers != nil {
		t.Fatalf("status.approvers = %+v without approvers in the policy, want none", r.Status.Approvers)
	}
}
