package controllers

import (
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	clocktesting "k8s.io/utils/clock/testing"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/sla"
)

var statusNow = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func esc(name string, level int32, reason supportv1.EscalationReason, ack *supportv1.EscalationAcknowledgement) supportv1.Escalation {
	return supportv1.Escalation{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "support", UID: types.UID(name + "-uid"), Generation: 1},
		Spec: supportv1.EscalationSpec{ComplaintName: "c", Level: level, LevelName: "lvl", Reason: reason,
			RequestedBy: "bob", Question: "refund?", Acknowledgement: ack},
	}
}

func reasons(ts []sla.Transition) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Reason)
	}
	return out
}

func TestSummarizeEscalations(t *testing.T) {
	breach1 := esc("c-lead", 1, supportv1.ReasonFirstResponseBreached, nil)
	breach2 := esc("c-manager", 2, supportv1.ReasonFirstResponseBreached, nil)
	request := esc("c-refund", 3, supportv1.ReasonRequested, nil)
	decided := esc("c-refund", 3, supportv1.ReasonRequested, &supportv1.EscalationAcknowledgement{By: "carol", Decision: "yes"})
	cases := []struct {
		name      string
		prev      []supportv1.EscalationSummary
		escs      []supportv1.Escalation
		wantLevel int32
		wantTs    []string
	}{
		{"no escalations", nil, nil, 0, nil},
		{"a new level is told once", nil, []supportv1.Escalation{breach1}, 1, []string{"Escalated"}},
		{"a known level is not told again",
			[]supportv1.EscalationSummary{{Name: "c-lead", Level: 1, Reason: supportv1.ReasonFirstResponseBreached}},
			[]supportv1.Escalation{breach1}, 1, nil},
		{"the level is the highest breach level, sorted whatever the order", nil, []supportv1.Escalation{breach2, breach1}, 2, []string{"Escalated", "Escalated"}},
		{"a request is not a breach level", nil, []supportv1.Escalation{request}, 0, []string{"Escalated"}},
		{"a decision is recorded once",
			[]supportv1.EscalationSummary{{Name: "c-refund", Level: 3, Reason: supportv1.ReasonRequested}},
			[]supportv1.Escalation{decided}, 0, []string{"EscalationAcknowledged"}},
		{"an unchanged decision is not recorded again",
			[]supportv1.EscalationSummary{{Name: "c-refund", Level: 3, Reason: supportv1.ReasonRequested, AcknowledgedBy: "carol", Decision: "yes"}},
			[]supportv1.Escalation{decided}, 0, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := append([]supportv1.Escalation(nil), tc.escs...)
			sums, level, ts := summarizeEscalations(tc.prev, tc.escs, statusNow)
			if level != tc.wantLevel {
				t.Errorf("level = %d, want %d", level, tc.wantLevel)
			}
			if got := reasons(ts); !equalStrings(got, tc.wantTs) {
				t.Errorf("transitions = %v, want %v", got, tc.wantTs)
			}
			if len(sums) != len(tc.escs) {
				t.Errorf("%d summaries, want %d", len(sums), len(tc.escs))
			}
			for i := 1; i < len(sums); i++ {
				if sums[i-1].Level > sums[i].Level {
					t.Errorf("summaries not ordered by level: %+v", sums)
				}
			}
			for i := range in {
				if in[i].Name != tc.escs[i].Name {
					t.Errorf("the caller's slice was reordered")
				}
			}
		})
	}
}

func TestQueueNotifications(t *testing.T) {
	hook := &supportv1.Webhook{URL: "http://127.0.0.1:1/x"}
	policy := &sla.Policy{Name: "p", Spec: &supportv1.ServicePolicySpec{Notify: []supportv1.NotifyTarget{
		{Name: "crm", Events: []supportv1.EventType{supportv1.EventCreated, supportv1.EventBreached}, Webhook: hook},
		{Name: "chat", Events: []supportv1.EventType{supportv1.EventBreached}, Webhook: hook},
		{Name: "events-only", Events: []supportv1.EventType{supportv1.EventBreached}},
	}}}
	breached := sla.Transition{Event: supportv1.EventBreached, Reason: "Breached", At: statusNow}
	progress := sla.Transition{Reason: supportv1.ReasonProgressUpdate, At: statusNow}
	created := metav1.NewTime(statusNow.Add(-time.Hour))
	cases := []struct {
		name       string
		prev       supportv1.ComplaintStatus
		policy     *sla.Policy
		ts         []sla.Transition
		wantEvents []string // event>target
	}{
		{"no policy queues nothing", supportv1.ComplaintStatus{Phase: supportv1.PhaseNew}, nil, []sla.Transition{breached}, nil},
		{"each destination wanting the event, with a webhook", supportv1.ComplaintStatus{Phase: supportv1.PhaseNew, Policy: "p"}, policy,
			[]sla.Transition{breached, progress}, []string{"Breached>crm", "Breached>chat"}},
		{"a complaint recorded before any policy gets its Created", supportv1.ComplaintStatus{Phase: supportv1.PhaseNew}, policy,
			nil, []string{"Created>crm"}},
		{"the first pass is not a late policy", supportv1.ComplaintStatus{}, policy, nil, nil},
		{"an announced complaint whose policy was deleted is not announced again", supportv1.ComplaintStatus{Phase: supportv1.PhaseNew, Announced: true}, policy,
			[]sla.Transition{breached}, []string{"Breached>crm", "Breached>chat"}},
		{"a complaint from before status.announced with a policy counts as announced", supportv1.ComplaintStatus{Phase: supportv1.PhaseNew, Policy: "old"}, policy,
			nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := &supportv1.Complaint{ObjectMeta: metav1.ObjectMeta{Name: "c", UID: "uid", CreationTimestamp: created},
				Spec: supportv1.ComplaintSpec{Summary: "late"}, Status: tc.prev}
			st := c.Status.DeepCopy()
			queueNotifications(c, st, tc.policy, tc.ts)
			var got []string
			for _, n := range st.Notifications {
				got = append(got, string(n.Event)+">"+n.Target)
			}
			if !equalStrings(got, tc.wantEvents) {
				t.Errorf("queued %v, want %v", got, tc.wantEvents)
			}
			if len(st.Notifications) > 1 && st.Notifications[0].ID != st.Notifications[1].ID {
				t.Errorf("one event has one id across destinations: %+v", st.Notifications)
			}
			if len(c.Status.Notifications) != 0 {
				t.Errorf("the previous status was modified")
			}
			if st.Announced != (tc.policy != nil) {
				t.Errorf("announced = %v with policy %v", st.Announced, tc.policy != nil)
			}
		})
	}
}

// TestNumberingIsStableUnderANewerRead: a pass decided again from a newer
// read (after a crash between an inline send and the write) gives the
// events that may be sent inline the ids they had: reports read late with
// an earlier time, and deadlines that fell due since, come after them.
func TestNumberingIsStableUnderANewerRead(t *testing.T) {
	events := []supportv1.EventType{supportv1.EventCreated, supportv1.EventAcknowledged, supportv1.EventAtRisk,
		supportv1.EventBreached, supportv1.EventRemedyDone}
	policy := &sla.Policy{Name: "p", Spec: &supportv1.ServicePolicySpec{Notify: []supportv1.NotifyTarget{
		{Name: "crm", Events: events, Webhook: &supportv1.Webhook{URL: "http://127.0.0.1:1/x"}},
	}}}
	at := func(m int) time.Time { return statusNow.Add(time.Duration(m) * time.Minute) }
	created := sla.Transition{Event: supportv1.EventCreated, Reason: "Created", At: at(-60)}
	ack := sla.Transition{Event: supportv1.EventAcknowledged, Reason: "Acknowledged", At: at(-50)}
	refund := sla.Transition{Event: supportv1.EventRemedyDone, Reason: "RemedyDone", Remedy: "c-refund", At: at(-5)}
	reship := sla.Transition{Event: supportv1.EventRemedyDone, Reason: "RemedyDone", Remedy: "c-reship", At: at(-6)}
	atRisk := sla.Transition{Event: supportv1.EventAtRisk, Reason: "AtRisk", Clock: supportv1.ClockResolution, At: at(0), FellDue: at(-10)}
	breached := sla.Transition{Event: supportv1.EventBreached, Reason: "Breached", Clock: supportv1.ClockFirstResponse, At: at(-2), FellDue: at(-2)}
	label := func(t sla.Transition) string { return string(t.Event) + t.Remedy }
	cases := []struct {
		name          string
		first, second []sla.Transition // as decided: people and departments, then the clocks
		want          []string         // the second's numbering
	}{
		{"a report read late goes after the deadline sent", []sla.Transition{atRisk}, []sla.Transition{ack, atRisk},
			[]string{"AtRisk", "Acknowledged"}},
		{"a deadline that fell due since goes after", []sla.Transition{created, atRisk}, []sla.Transition{created, ack, breached, atRisk},
			[]string{"Created", "AtRisk", "Breached", "Acknowledged"}},
		{"remedies keep their decided order after the deadlines", []sla.Transition{refund}, []sla.Transition{reship, refund, breached},
			[]string{"Breached", "RemedyDonec-reship", "RemedyDonec-refund"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, tr := range numbering(tc.second) {
				got = append(got, label(tr))
			}
			if !equalStrings(got, tc.want) {
				t.Fatalf("numbering %v, want %v", got, tc.want)
			}
			ids := func(ts []sla.Transition) map[string]string {
				c := &supportv1.Complaint{ObjectMeta: metav1.ObjectMeta{Name: "c", UID: "uid"}, Status: supportv1.ComplaintStatus{Phase: supportv1.PhaseNew, Announced: true}}
				st := c.Status.DeepCopy()
				queueNotifications(c, st, policy, ts)
				out := map[string]string{}
				for _, n := range st.Notifications {
					out[n.ID] = string(n.Event) + n.Remedy
				}
				return out
			}
			before, after := ids(tc.first), ids(tc.second)
			for id, ev := range before {
				if sentInline := ev == "Created" || ev == "AtRisk" || ev == "Breached"; sentInline && after[id] != ev {
					t.Errorf("%s had id %s; decided again, that id is %q", ev, id, after[id])
				}
			}
		})
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestQueuePriority(t *testing.T) {
	at := func(d time.Duration) *metav1.Time { t := metav1.NewTime(statusNow.Add(d)); return &t }
	cases := []struct {
		name        string
		status      supportv1.ComplaintStatus
		initialList bool
		want        int
	}{
		{"a new complaint waits for its first due times", supportv1.ComplaintStatus{}, false, priorityIntake},
		{"a new complaint in the initial list is still new", supportv1.ComplaintStatus{}, true, priorityIntake},
		{"overdue at a restart goes first", supportv1.ComplaintStatus{Phase: supportv1.PhaseNew, NextDueAt: at(-time.Minute)}, true, priorityDue},
		{"due exactly now goes first", supportv1.ComplaintStatus{Phase: supportv1.PhaseNew, NextDueAt: at(0)}, false, priorityDue},
		{"nothing due at a restart goes last", supportv1.ComplaintStatus{Phase: supportv1.PhaseNew, NextDueAt: at(time.Hour)}, true, priorityResync},
		{"no running clock at a restart goes last", supportv1.ComplaintStatus{Phase: supportv1.PhaseResolved}, true, priorityResync},
		{"a person's edit", supportv1.ComplaintStatus{Phase: supportv1.PhaseNew, NextDueAt: at(time.Hour)}, false, priorityEdit},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := &supportv1.Complaint{Status: tc.status}
			if got := queuePriority(c, tc.initialList, statusNow); got != tc.want {
				t.Errorf("queuePriority = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestComplaintEvents(t *testing.T) {
	created := sla.Transition{Event: supportv1.EventCreated, Reason: "Created", Message: "recorded"}
	breached := sla.Transition{Event: supportv1.EventBreached, Reason: "Breached", Warning: true, Message: "firstResponse target of 1h breached"}
	atRisk := sla.Transition{Event: supportv1.EventAtRisk, Reason: "AtRisk", Warning: true, Message: "firstResponse at risk"}
	_, _, levels := summarizeEscalations(nil, []supportv1.Escalation{esc("l1", 1, supportv1.ReasonFirstResponseBreached, nil), esc("l2", 2, supportv1.ReasonFirstResponseBreached, nil)}, statusNow)
	_, _, request := summarizeEscalations(nil, []supportv1.Escalation{esc("r", 1, supportv1.ReasonRequested, nil)}, statusNow)
	cases := []struct {
		name          string
		ts, escTs     []sla.Transition
		wantReasons   []string
		wantMessageOf map[string]string
	}{
		{"recording is no Event", []sla.Transition{created}, nil, nil, nil},
		{"a breach that reached two levels is one Event naming both", []sla.Transition{atRisk, breached}, levels,
			[]string{"AtRisk", "Breached"}, map[string]string{"Breached": "firstResponse target of 1h breached; Escalated to level 1 (lvl): FirstResponseBreached; Escalated to level 2 (lvl): FirstResponseBreached"}},
		{"a later climb is one Escalated Event", nil, levels[1:],
			[]string{"Escalated"}, map[string]string{"Escalated": "Escalated to level 2 (lvl): FirstResponseBreached"}},
		{"a request is told by the Escalation, not here", nil, request, nil, nil},
		{"a breach alone keeps its message", []sla.Transition{breached}, nil,
			[]string{"Breached"}, map[string]string{"Breached": "firstResponse target of 1h breached"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := complaintEvents(tc.ts, tc.escTs)
			if !equalStrings(reasons(got), tc.wantReasons) {
				t.Fatalf("events %v, want %v", reasons(got), tc.wantReasons)
			}
			for _, e := range got {
				if want, ok := tc.wantMessageOf[e.Reason]; ok && e.Message != want {
					t.Errorf("%s message %q, want %q", e.Reason, e.Message, want)
				}
				if e.Reason == "Escalated" && !e.Warning {
					t.Errorf("a level reached is a Warning")
				}
			}
		})
	}
	if breached.Message != "firstResponse target of 1h breached" {
		t.Errorf("the caller's transition was changed: %q", breached.Message)
	}
}

func TestSelfCreated(t *testing.T) {
	clk := clocktesting.NewFakePassiveClock(statusNow)
	s := newSelfCreated(clk)
	s.add("a")
	s.add("")
	if !s.take("a") || s.take("a") {
		t.Fatal("a created object is taken once")
	}
	if s.take("b") || s.take("") {
		t.Fatal("an object not created here is not taken")
	}
	s.add("never-reported")
	clk.SetTime(statusNow.Add(selfCreatedTTL + time.Second))
	if s.take("never-reported") {
		t.Fatal("an object the watch never reported is forgotten after the TTL")
	}
	if (selfCreated{}).take("a") {
		t.Fatal("the zero value remembers nothing")
	}
}

func TestBreachReason(t *testing.T) {
	at := func(d time.Duration) *metav1.Time { return &metav1.Time{Time: statusNow.Add(d)} }
	breached := func(d time.Duration) *supportv1.ClockStatus {
		return &supportv1.ClockStatus{State: supportv1.ClockBreached, DueAt: at(d)}
	}
	running := func(d time.Duration) *supportv1.ClockStatus {
		return &supportv1.ClockStatus{State: supportv1.ClockRunning, DueAt: at(d)}
	}
	for _, tc := range []struct {
		name       string
		clocks     supportv1.Clocks
		breachedAt time.Duration
		want       supportv1.EscalationReason
	}{
		{"the clock due at the standing breach", supportv1.Clocks{FirstResponse: breached(0), Resolution: breached(time.Hour)}, time.Hour, supportv1.ReasonResolutionBreached},
		{"first response alone", supportv1.Clocks{FirstResponse: breached(0), Resolution: running(time.Hour)}, 0, supportv1.ReasonFirstResponseBreached},
		{"update alone", supportv1.Clocks{Update: breached(time.Minute)}, time.Minute, supportv1.ReasonUpdateBreached},
		{"tie of all three: first response", supportv1.Clocks{FirstResponse: breached(0), Update: breached(0), Resolution: breached(0)}, 0, supportv1.ReasonFirstResponseBreached},
		{"tie of update and resolution: update", supportv1.Clocks{Update: breached(0), Resolution: breached(0)}, 0, supportv1.ReasonUpdateBreached},
		{"no clock at breachedAt: the earliest breached", supportv1.Clocks{Update: breached(2 * time.Minute), Resolution: breached(time.Minute)}, time.Hour, supportv1.ReasonResolutionBreached},
		{"no clock at breachedAt, tie: fixed order", supportv1.Clocks{FirstResponse: breached(time.Minute), Update: breached(time.Minute)}, time.Hour, supportv1.ReasonFirstResponseBreached},
		{"nothing breached: resolution", supportv1.Clocks{FirstResponse: running(0)}, 0, supportv1.ReasonResolutionBreached},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Many runs: a map's random order would show within a few.
			for range 50 {
				if got := breachReason(tc.clocks, statusNow.Add(tc.breachedAt)); got != tc.want {
					t.Fatalf("breachReason = %s, want %s", got, tc.want)
				}
			}
		})
	}
}

func TestAppendHistoryBounded(t *testing.T) {
	for _, tc := range []struct {
		name       string
		have, add  int
		wantLen    int
		wantLast   string
		wantFirstN int // the index (in the order appended) of the first entry kept
	}{
		{"empty", 0, 1, 1, "e0", 0},
		{"below the bound", 10, 5, 15, "e4", 0},
		{"exactly the bound", sla.MaxHistory - 1, 1, sla.MaxHistory, "e0", 0},
		{"a full history gets one more (the archive)", sla.MaxHistory, 1, sla.MaxHistory, "e0", 1},
		{"a full history gets several", sla.MaxHistory, 3, sla.MaxHistory, "e2", 3},
		{"more than the bound at once", 0, sla.MaxHistory + 7, sla.MaxHistory, fmt.Sprintf("e%d", sla.MaxHistory+6), 7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &supportv1.ComplaintStatus{}
			var all []string
			for i := range tc.have {
				st.History = append(st.History, supportv1.HistoryEntry{Event: fmt.Sprintf("old%d", i)})
				all = append(all, fmt.Sprintf("old%d", i))
			}
			var ts []sla.Transition
			for i := range tc.add {
				ts = append(ts, sla.Transition{Reason: fmt.Sprintf("e%d", i), At: statusNow.Add(1500 * time.Millisecond)})
				all = append(all, fmt.Sprintf("e%d", i))
			}
			recordHistory(st, ts...)
			if len(st.History) != tc.wantLen {
				t.Fatalf("len = %d, want %d", len(st.History), tc.wantLen)
			}
			if got := st.History[len(st.History)-1]; got.Event != tc.wantLast || !got.Time.Time.Equal(statusNow.Add(time.Second)) {
				t.Fatalf("last = %s at %s, want %s at the second", got.Event, got.Time, tc.wantLast)
			}
			if st.History[0].Event != all[tc.wantFirstN] {
				t.Fatalf("first kept = %s, want %s", st.History[0].Event, all[tc.wantFirstN])
			}
		})
	}
}
