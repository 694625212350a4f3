package desk

import (
	"bytes"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

var t0 = time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)

func mt(d time.Duration) *metav1.Time { t := metav1.NewTime(t0.Add(d)); return &t }

// onBoard is a complaint created at t0+created with the given status.
func onBoard(name string, created time.Duration, st supportv1.ComplaintStatus) supportv1.Complaint {
	c := supportv1.Complaint{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "support", CreationTimestamp: *mt(created)}}
	c.Spec.Customer = supportv1.Customer{Name: "Acme", Tier: supportv1.TierStandard}
	c.Spec.Owner = "agent-bob"
	c.Status = st
	return c
}

// running is a running clock due at t0+due.
func running(due time.Duration) *supportv1.ClockStatus {
	return &supportv1.ClockStatus{State: supportv1.ClockRunning, DueAt: mt(due)}
}

// boardCase is a filter and the board it shows: a row a line, as
// "name clock left state".
type boardCase struct {
	name   string
	filter BoardFilter
	want   []string
}

// expectBoards checks, in a subtest a case, Board's rows of items at now.
func expectBoards(t *testing.T, items []supportv1.Complaint, now time.Time, cases []boardCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { expectBoard(t, items, tc.filter, now, tc.want) })
	}
}

// expectBoard checks Board's rows for filter at now, each as
// "name clock left state".
func expectBoard(t *testing.T, items []supportv1.Complaint, filter BoardFilter, now time.Time, want []string) {
	t.Helper()
	var got []string
	for _, r := range Board(items, filter, now) {
		left := "-"
		if r.Left != nil {
			left = r.Left.String()
		}
		got = append(got, strings.Join([]string{r.Name, r.Clock, left, r.State()}, " "))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func cond(typ string) metav1.Condition {
	return metav1.Condition{Type: typ, Status: metav1.ConditionTrue, Reason: typ}
}

func TestBoard(t *testing.T) {
	now := t0.Add(time.Hour)
	items := []supportv1.Complaint{
		onBoard("due-later", 0, supportv1.ComplaintStatus{Phase: supportv1.PhaseAcknowledged, Policy: "standard",
			Clocks: supportv1.Clocks{Update: running(3 * time.Hour)}, NextDueAt: mt(3 * time.Hour)}),
		onBoard("closed", 0, supportv1.ComplaintStatus{Phase: supportv1.PhaseClosed}),
		onBoard("breached", 10*time.Minute, supportv1.ComplaintStatus{Phase: supportv1.PhaseNew, Policy: "key", EscalationLevel: 2,
			Clocks:     supportv1.Clocks{FirstResponse: &supportv1.ClockStatus{State: supportv1.ClockBreached, DueAt: mt(15 * time.Minute)}, Resolution: running(4 * time.Hour)},
			BreachedAt: mt(15 * time.Minute), NextDueAt: mt(4 * time.Hour), Conditions: []metav1.Condition{cond(supportv1.ConditionBreached)}}),
		onBoard("at-risk", 0, supportv1.ComplaintStatus{Phase: supportv1.PhaseNew, Policy: "standard",
			Clocks: supportv1.Clocks{FirstResponse: running(70 * time.Minute)}, NextDueAt: mt(70 * time.Minute),
			Conditions: []metav1.Condition{cond(supportv1.ConditionAtRisk)}}),
		onBoard("paused-old", -time.Hour, supportv1.ComplaintStatus{Phase: supportv1.PhaseWaiting, WaitingSince: mt(0)}),
		onBoard("paused-new", 0, supportv1.ComplaintStatus{Phase: supportv1.PhaseWaiting, WaitingSince: mt(0)}),
		onBoard("follow-up", 0, supportv1.ComplaintStatus{Phase: supportv1.PhaseResolved, ResolvedAt: mt(0), FollowUpAt: mt(2 * time.Hour)}),
	}
	items[0].Spec.Owner = "agent-dan"
	items[2].Spec.Customer.Tier = supportv1.TierKey

	expectBoards(t, items, now, []boardCase{
		{"soonest due first, overdue first, nothing due last (oldest first); closed left out", BoardFilter{}, []string{
			"breached firstResponse -45m0s BREACHED",
			"at-risk firstResponse 10m0s AT-RISK",
			"follow-up followUp 1h0m0s ok",
			"due-later update 2h0m0s ok",
			"paused-old  - paused",
			"paused-new  - paused",
		}},
		{"mine", BoardFilter{Owner: "agent-dan"}, []string{"due-later update 2h0m0s ok"}},
		{"tier", BoardFilter{Tier: "Key"}, []string{"breached firstResponse -45m0s BREACHED"}},
		{"policy", BoardFilter{Policy: "standard"}, []string{"at-risk firstResponse 10m0s AT-RISK", "due-later update 2h0m0s ok"}},
	})
}

// TestBoardUnowned: --unowned keeps the open complaints nobody owns, alone
// or with the other filters, and NEXT DUE names the assignment clock when
// it is the one due first.
func TestBoardUnowned(t *testing.T) {
	now := t0.Add(time.Hour)
	unowned := func(c supportv1.Complaint) supportv1.Complaint { c.Spec.Owner = ""; return c }
	items := []supportv1.Complaint{
		unowned(onBoard("assign-first", 0, supportv1.ComplaintStatus{Phase: supportv1.PhaseNew, Policy: "standard",
			Clocks:    supportv1.Clocks{FirstResponse: running(90 * time.Minute), Resolution: running(4 * time.Hour), Assignment: running(70 * time.Minute)},
			NextDueAt: mt(70 * time.Minute)})),
		unowned(onBoard("assign-breached", 0, supportv1.ComplaintStatus{Phase: supportv1.PhaseNew, Policy: "key",
			Clocks:     supportv1.Clocks{FirstResponse: running(2 * time.Hour), Assignment: &supportv1.ClockStatus{State: supportv1.ClockBreached, DueAt: mt(10 * time.Minute)}},
			BreachedAt: mt(10 * time.Minute), NextDueAt: mt(2 * time.Hour), Conditions: []metav1.Condition{cond(supportv1.ConditionBreached)}})),
		unowned(onBoard("tie-goes-to-first-response", 0, supportv1.ComplaintStatus{Phase: supportv1.PhaseNew, Policy: "standard",
			Clocks:    supportv1.Clocks{FirstResponse: running(3 * time.Hour), Assignment: running(3 * time.Hour)},
			NextDueAt: mt(3 * time.Hour)})),
		unowned(onBoard("unowned-closed", 0, supportv1.ComplaintStatus{Phase: supportv1.PhaseClosed})),
		onBoard("owned", 0, supportv1.ComplaintStatus{Phase: supportv1.PhaseAcknowledged, Policy: "standard",
			Clocks: supportv1.Clocks{Update: running(20 * time.Minute)}, NextDueAt: mt(20 * time.Minute)}),
		onBoard("approval-due", 0, supportv1.ComplaintStatus{Phase: supportv1.PhasePendingApproval, Policy: "standard",
			Clocks:    supportv1.Clocks{Resolution: running(4 * time.Hour), Approval: running(100 * time.Minute)},
			NextDueAt: mt(100 * time.Minute)}),
	}
	items[1].Spec.Customer.Tier = supportv1.TierKey

	expectBoards(t, items, now, []boardCase{
		{"every open complaint: the new clocks name what is due", BoardFilter{}, []string{
			"assign-breached assignment -50m0s BREACHED",
			"owned update -40m0s ok",
			"assign-first assignment 10m0s ok",
			"approval-due approval 40m0s ok",
			"tie-goes-to-first-response firstResponse 2h0m0s ok",
		}},
		{"unowned: closed and owned left out", BoardFilter{Unowned: true}, []string{
			"assign-breached assignment -50m0s BREACHED",
			"assign-first assignment 10m0s ok",
			"tie-goes-to-first-response firstResponse 2h0m0s ok",
		}},
		{"unowned and a tier", BoardFilter{Unowned: true, Tier: "Key"}, []string{"assign-breached assignment -50m0s BREACHED"}},
		{"unowned and a policy", BoardFilter{Unowned: true, Policy: "standard"}, []string{
			"assign-first assignment 10m0s ok",
			"tie-goes-to-first-response firstResponse 2h0m0s ok",
		}},
		{"unowned and an owner: nothing", BoardFilter{Unowned: true, Owner: "agent-bob"}, nil},
	})
}

func TestBoardTable(t *testing.T) {
	now := t0.Add(time.Hour)
	items := []supportv1.Complaint{
		onBoard("c-late", 0, supportv1.ComplaintStatus{Phase: supportv1.PhaseNew, EscalationLevel: 1, BreachedAt: mt(30 * time.Minute),
			Clocks:     supportv1.Clocks{FirstResponse: &supportv1.ClockStatus{State: supportv1.ClockBreached, DueAt: mt(30 * time.Minute)}},
			Conditions: []metav1.Condition{cond(supportv1.ConditionBreached)}}),
		onBoard("c-ok", 0, supportv1.ComplaintStatus{Phase: supportv1.PhaseAcknowledged, NextDueAt: mt(90 * time.Minute),
			Clocks: supportv1.Clocks{Update: &supportv1.ClockStatus{State: supportv1.ClockRunning, DueAt: mt(90 * time.Minute)}}}),
	}
	rows := Board(items, BoardFilter{}, now)
	var plain, colour bytes.Buffer
	if err := BoardTable(rows, false, true).Write(&plain, false); err != nil {
		t.Fatal(err)
	}
	want := `NAMESPACE   NAME     PHASE          TIER       SEVERITY   NEXT DUE        LEFT          STATE      OWNER       LEVEL
support     c-late   New            Standard   -          firstResponse   overdue 30m   BREACHED   agent-bob   1
support     c-ok     Acknowledged   Standard   -          update          30m           ok         agent-bob   0
`
	if plain.String() != want {
		t.Errorf("plain board:\n%s\nwant:\n%s", plain.String(), want)
	}
	_ = BoardTable(rows, false, false).Write(&colour, true)
	lines := strings.Split(colour.String(), "\n")
	if !strings.HasPrefix(lines[1], ansiRed) || !strings.HasSuffix(lines[1], ansiReset) || strings.Contains(lines[2], "\x1b") {
		t.Errorf("on a terminal only the breached row is red:\n%q", colour.String())
	}
}
