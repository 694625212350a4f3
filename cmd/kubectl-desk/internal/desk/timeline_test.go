package desk

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

func TestTimeline(t *testing.T) {
	min := time.Minute
	c := onBoard("c-1", 0, supportv1.ComplaintStatus{Phase: supportv1.PhaseAcknowledged, Policy: "standard"})
	c.Status.History = []supportv1.HistoryEntry{
		{Time: *mt(0), Event: "Created", Message: "Complaint recorded"},
		{Time: *mt(20 * min), Event: "Breached", Message: "firstResponse target of 15m breached", Clock: supportv1.ClockFirstResponse},
		{Time: *mt(20 * min), Event: "Escalated", Message: "Escalated to level 1 (team-lead): FirstResponseBreached",
			Escalation: "c-1-team-lead", Level: 1, Reason: supportv1.ReasonFirstResponseBreached},
		{Time: *mt(25 * min), Event: "Acknowledged", Message: "Customer contacted by agent-bob", By: "agent-bob"},
		{Time: *mt(25 * min), Event: "Waiting", Message: "Waiting on Customer: the clocks are paused"},
	}
	c.Status.Clocks = supportv1.Clocks{
		FirstResponse: &supportv1.ClockStatus{Target: &metav1.Duration{Duration: 15 * min}, DueAt: mt(15 * min), StoppedAt: mt(25 * min), State: supportv1.ClockBreached},
		Update:        &supportv1.ClockStatus{Target: &metav1.Duration{Duration: time.Hour}, DueAt: mt(85 * min), State: supportv1.ClockRunning},
		Resolution:    &supportv1.ClockStatus{State: supportv1.ClockPaused},
	}
	c.Status.Notifications = []supportv1.Notification{
		{ID: "0123456789abcdef0123456789abcdef", Target: "crm", Event: supportv1.EventBreached, OccurredAt: *mt(20 * min), Failed: true, Attempts: 3, LastError: "HTTP 500"},
		{ID: "id-2", Target: "leads", Event: supportv1.EventAcknowledged, OccurredAt: *mt(25 * min), Attempts: 1, LastError: "timeout"},
	}
	policy := &supportv1.ServicePolicy{ObjectMeta: metav1.ObjectMeta{Name: "standard"}, Spec: supportv1.ServicePolicySpec{
		Escalation: &supportv1.EscalationPolicy{Levels: []supportv1.EscalationLevel{{Name: "team-lead", Notify: []string{"leads"}}}},
		Notify: []supportv1.NotifyTarget{
			{Name: "leads", Events: []supportv1.EventType{supportv1.EventCreated, supportv1.EventBreached, supportv1.EventAcknowledged}, Webhook: &supportv1.Webhook{URL: "http://x"}},
			{Name: "crm", Events: []supportv1.EventType{supportv1.EventBreached}, Webhook: &supportv1.Webhook{URL: "http://y"}},
			{Name: "log-only", Events: []supportv1.EventType{supportv1.EventCreated}},
		},
	}}
	esc := supportv1.Escalation{
		ObjectMeta: metav1.ObjectMeta{Name: "c-1-team-lead", CreationTimestamp: *mt(20 * min)},
		Spec:       supportv1.EscalationSpec{ComplaintName: "c-1", Level: 1, LevelName: "team-lead", Reason: supportv1.ReasonFirstResponseBreached},
		Status: supportv1.EscalationStatus{Phase: supportv1.EscalationSuperseded, Policy: "standard", NotifiedAt: mt(21 * min), ClosedAt: mt(30 * min),
			Conditions: []metav1.Condition{{Type: supportv1.ConditionNotified, Status: metav1.ConditionTrue, Message: "the level's destinations were told"}}},
	}
	events := []corev1.Event{
		{Type: corev1.EventTypeWarning, Reason: "Breached", Message: "firstResponse target of 15m breached; Escalated to level 1 (team-lead): FirstResponseBreached", LastTimestamp: *mt(20 * min)},
		{Type: corev1.EventTypeWarning, Reason: "Breached", Message: "resolution target of 1d breached; it is late", LastTimestamp: *mt(24 * min)},
		{Type: corev1.EventTypeWarning, Reason: "DeliveryFailed", Message: "Breached notification 0123456789abcdef0123456789abcdef to crm failed: HTTP 500", EventTime: metav1.NewMicroTime(t0.Add(22 * min))},
		{Type: corev1.EventTypeWarning, Reason: "DeliveryFailed", Message: "notification dropped: more than 150 pending", EventTime: metav1.NewMicroTime(t0.Add(23 * min)),
			InvolvedObject: corev1.ObjectReference{Kind: "Escalation", Name: "c-1-team-lead"}},
		{Type: corev1.EventTypeNormal, Reason: "Waiting", Message: "something normal", LastTimestamp: *mt(26 * min)},
	}
	steps := Timeline(TimelineInput{Complaint: &c, Policy: policy, Escalations: []supportv1.Escalation{esc}, Events: events, Now: t0.Add(30 * min)})

	got := renderSteps(steps)
	want := []string{
		"0s Created: Complaint recorded",
		"    leads: delivered",
		"20m0s Breached: firstResponse target of 15m breached",
		"    crm: FAILED after 3 attempts: HTTP 500",
		"    leads: delivered",
		"20m0s Escalated: Escalated to level 1 (team-lead): FirstResponseBreached",
		"21m0s Escalation: escalation c-1-team-lead (level 1 team-lead, FirstResponseBreached): the level's destinations were told",
		"    leads: delivered",
		"23m0s DeliveryFailed: escalation c-1-team-lead: notification dropped: more than 150 pending",
		"24m0s Breached: resolution target of 1d breached; it is late",
		"25m0s Acknowledged: Customer contacted by agent-bob",
		"    leads: pending, 1 attempts so far: timeout",
		"25m0s Missed: firstResponse target 15m missed by 10m",
		"25m0s Waiting: Waiting on Customer: the clocks are paused",
		"30m0s Escalation: escalation c-1-team-lead superseded",
		"1h25m0s Due: update target 1h due in 55m",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\n\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// renderSteps is the story as lines: offset from t0, event, message, and the
// deliveries indented under their step.
func renderSteps(steps []Step) []string {
	var got []string
	for _, s := range steps {
		got = append(got, s.Time.Sub(t0).String()+" "+s.Event+": "+s.Message)
		for _, n := range s.Notifications {
			got = append(got, "    "+n)
		}
	}
	return got
}

// TestTimelineEscalations: an escalation's notification follows the history
// step that names it (HistoryEntry.Escalation), whatever the step's words;
// history of an older operator, without the name, places it by time; its
// destinations are those of its level as EscalationPolicy.Level resolves it.
func TestTimelineEscalations(t *testing.T) {
	min := time.Minute
	policy := &supportv1.ServicePolicy{ObjectMeta: metav1.ObjectMeta{Name: "standard"}, Spec: supportv1.ServicePolicySpec{
		Escalation: &supportv1.EscalationPolicy{Levels: []supportv1.EscalationLevel{
			{Name: "team-lead", Notify: []string{"leads"}},
			{Name: "manager", Notify: []string{"managers"}},
		}},
		Notify: []supportv1.NotifyTarget{
			{Name: "leads", Webhook: &supportv1.Webhook{URL: "http://leads"}},
			{Name: "managers", Webhook: &supportv1.Webhook{URL: "http://managers"}},
			{Name: "audit", Events: []supportv1.EventType{supportv1.EventEscalated}, Webhook: &supportv1.Webhook{URL: "http://audit"}},
		},
	}}
	// As the operator writes them: a request names its escalation, level,
	// reason Requested and who asked; a level reached its escalation, level
	// and breach reason; an acknowledgement its escalation, level and who.
	asked := func(at time.Duration, esc, by, question string) supportv1.HistoryEntry {
		return supportv1.HistoryEntry{Time: *mt(at), Event: "Escalated", Message: by + " asks level 1 for a decision: " + question,
			Escalation: esc, Level: 1, Reason: supportv1.ReasonRequested, By: by}
	}
	reached := func(at time.Duration, esc string, level int32, levelName string) supportv1.HistoryEntry {
		return supportv1.HistoryEntry{Time: *mt(at), Event: "Escalated",
			Message:    fmt.Sprintf("Escalated to level %d (%s): FirstResponseBreached", level, levelName),
			Escalation: esc, Level: level, Reason: supportv1.ReasonFirstResponseBreached}
	}
	acknowledged := func(at time.Duration, esc, by string) supportv1.HistoryEntry {
		return supportv1.HistoryEntry{Time: *mt(at), Event: "EscalationAcknowledged", Message: "Escalation " + esc + " acknowledged by " + by,
			Escalation: esc, Level: 1, By: by}
	}
	request := func(name, by, question string, notified time.Duration) supportv1.Escalation {
		return supportv1.Escalation{ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: *mt(notified)},
			Spec:   supportv1.EscalationSpec{ComplaintName: "c-1", Level: 1, LevelName: "team-lead", Reason: supportv1.ReasonRequested, RequestedBy: by, Question: question},
			Status: supportv1.EscalationStatus{Policy: "standard", NotifiedAt: mt(notified)}}
	}
	level := func(name string, level int32, levelName string, notified time.Duration) supportv1.Escalation {
		return supportv1.Escalation{ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: *mt(notified)},
			Spec:   supportv1.EscalationSpec{ComplaintName: "c-1", Level: level, LevelName: levelName, Reason: supportv1.ReasonFirstResponseBreached},
			Status: supportv1.EscalationStatus{Policy: "standard", NotifiedAt: mt(notified)}}
	}
	for _, tc := range []struct {
		name        string
		history     []supportv1.HistoryEntry
		escalations []supportv1.Escalation
		want        []string
	}{{
		// Within one second the words decided: the first request's question
		// ends the second's, so the first anchored after the second.
		name: "requests in one second anchor by name, not by their questions' words",
		history: []supportv1.HistoryEntry{
			asked(10*min, "c-1-request-a", "agent-bob", "refund?"),
			asked(10*min, "c-1-request-b", "agent-bob", "Escalated to level 1 already: refund?"),
		},
		escalations: []supportv1.Escalation{
			request("c-1-request-a", "agent-bob", "refund?", 10*min),
			request("c-1-request-b", "agent-bob", "Escalated to level 1 already: refund?", 10*min),
		},
		want: []string{
			"10m0s Escalated: agent-bob asks level 1 for a decision: refund?",
			"10m0s Escalation: escalation c-1-request-a (level 1 team-lead, Requested)",
			"    audit: delivered",
			"    leads: delivered",
			"10m0s Escalated: agent-bob asks level 1 for a decision: Escalated to level 1 already: refund?",
			"10m0s Escalation: escalation c-1-request-b (level 1 team-lead, Requested)",
			"    audit: delivered",
			"    leads: delivered",
		},
	}, {
		// The level renamed between two runs: two escalations at level 1,
		// whose words both start "Escalated to level 1 ".
		name: "levels reached at the same level anchor each after its own step",
		history: []supportv1.HistoryEntry{
			reached(10*min, "c-1-first-line", 1, "first-line"),
			{Time: *mt(10 * min), Event: "Acknowledged", Message: "Customer contacted by agent-bob", By: "agent-bob"},
			reached(40*min, "c-1-team-lead", 1, "team-lead"),
		},
		escalations: []supportv1.Escalation{
			level("c-1-first-line", 1, "first-line", 10*min),
			level("c-1-team-lead", 1, "team-lead", 40*min),
		},
		want: []string{
			"10m0s Escalated: Escalated to level 1 (first-line): FirstResponseBreached",
			"10m0s Escalation: escalation c-1-first-line (level 1 first-line, FirstResponseBreached)",
			"    audit: delivered",
			"    leads: delivered",
			"10m0s Acknowledged: Customer contacted by agent-bob",
			"40m0s Escalated: Escalated to level 1 (team-lead): FirstResponseBreached",
			"40m0s Escalation: escalation c-1-team-lead (level 1 team-lead, FirstResponseBreached)",
			"    audit: delivered",
			"    leads: delivered",
		},
	}, {
		name: "an acknowledgement naming the escalation is not its anchor",
		history: []supportv1.HistoryEntry{
			asked(10*min, "c-1-request-a", "agent-bob", "refund?"),
			acknowledged(10*min, "c-1-request-a", "lead-carol"),
		},
		escalations: []supportv1.Escalation{request("c-1-request-a", "agent-bob", "refund?", 10*min)},
		want: []string{
			"10m0s Escalated: agent-bob asks level 1 for a decision: refund?",
			"10m0s Escalation: escalation c-1-request-a (level 1 team-lead, Requested)",
			"    audit: delivered",
			"    leads: delivered",
			"10m0s EscalationAcknowledged: Escalation c-1-request-a acknowledged by lead-carol",
		},
	}, {
		name:        "a level name the ladder no longer has: the level at its index",
		history:     []supportv1.HistoryEntry{reached(10*min, "c-1-duty-manager", 2, "duty-manager")},
		escalations: []supportv1.Escalation{level("c-1-duty-manager", 2, "duty-manager", 10*min)},
		want: []string{
			"10m0s Escalated: Escalated to level 2 (duty-manager): FirstResponseBreached",
			"10m0s Escalation: escalation c-1-duty-manager (level 2 duty-manager, FirstResponseBreached)",
			"    audit: delivered",
			"    managers: delivered",
		},
	}, {
		name:        "a level name the ladder has wins over the index",
		history:     []supportv1.HistoryEntry{reached(10*min, "c-1-manager", 1, "manager")},
		escalations: []supportv1.Escalation{level("c-1-manager", 1, "manager", 10*min)},
		want: []string{
			"10m0s Escalated: Escalated to level 1 (manager): FirstResponseBreached",
			"10m0s Escalation: escalation c-1-manager (level 1 manager, FirstResponseBreached)",
			"    audit: delivered",
			"    managers: delivered",
		},
	}, {
		// Written before history named escalations: no words are read, the
		// notification joins the story by time (after the steps of its second).
		name: "history of an older operator: joined by time",
		history: []supportv1.HistoryEntry{
			{Time: *mt(10 * min), Event: "Escalated", Message: "Escalated to level 1 (team-lead): FirstResponseBreached"},
			{Time: *mt(10 * min), Event: "Acknowledged", Message: "Customer contacted by agent-bob"},
			{Time: *mt(12 * min), Event: "Escalated", Message: "agent-bob asks level 1 for a decision: refund?"},
			{Time: *mt(14 * min), Event: "Waiting", Message: "Waiting on Customer: the clocks are paused"},
		},
		escalations: []supportv1.Escalation{
			level("c-1-team-lead", 1, "team-lead", 10*min),
			request("c-1-request-a", "agent-bob", "refund?", 13*min),
		},
		want: []string{
			"10m0s Escalated: Escalated to level 1 (team-lead): FirstResponseBreached",
			"10m0s Acknowledged: Customer contacted by agent-bob",
			"10m0s Escalation: escalation c-1-team-lead (level 1 team-lead, FirstResponseBreached)",
			"    audit: delivered",
			"    leads: delivered",
			"12m0s Escalated: agent-bob asks level 1 for a decision: refund?",
			"13m0s Escalation: escalation c-1-request-a (level 1 team-lead, Requested)",
			"    audit: delivered",
			"    leads: delivered",
			"14m0s Waiting: Waiting on Customer: the clocks are paused",
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			c := onBoard("c-1", 0, supportv1.ComplaintStatus{Phase: supportv1.PhaseAcknowledged, Policy: "standard", History: tc.history})
			got := renderSteps(Timeline(TimelineInput{Complaint: &c, Policy: policy, Escalations: tc.escalations, Now: t0.Add(time.Hour)}))
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got\n%s\n\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestClockSteps(t *testing.T) {
	min := time.Minute
	now := t0.Add(time.Hour)
	for _, tc := range []struct {
		name string
		cs   supportv1.ClockStatus
		want string
	}{
		{"met", supportv1.ClockStatus{Target: &metav1.Duration{Duration: 15 * min}, DueAt: mt(15 * min), StoppedAt: mt(5 * min), State: supportv1.ClockMet}, "Met: firstResponse target 15m met with 10m to spare"},
		{"missed", supportv1.ClockStatus{Target: &metav1.Duration{Duration: 15 * min}, DueAt: mt(15 * min), StoppedAt: mt(17 * min), State: supportv1.ClockBreached}, "Missed: firstResponse target 15m missed by 2m"},
		{"still overdue", supportv1.ClockStatus{Target: &metav1.Duration{Duration: 15 * min}, DueAt: mt(15 * min), State: supportv1.ClockBreached}, "Missed: firstResponse target 15m missed, still open: overdue by 45m"},
		{"running", supportv1.ClockStatus{Target: &metav1.Duration{Duration: 2 * time.Hour}, DueAt: mt(2 * time.Hour), State: supportv1.ClockRunning}, "Due: firstResponse target 2h due in 1h"},
		{"paused: nothing to say", supportv1.ClockStatus{State: supportv1.ClockPaused}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := supportv1.Complaint{}
			cs := tc.cs
			c.Status.Clocks.FirstResponse = &cs
			var got string
			for _, s := range clockSteps(&c, now) {
				got = s.Event + ": " + s.Message
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestTimelineOwnerChanged: the operator's OwnerChanged steps are told as
// they come, plainly (a change of owner is no alarm), and the heading names
// the owner the complaint has now.
func TestTimelineOwnerChanged(t *testing.T) {
	c := onBoard("c-1", 0, supportv1.ComplaintStatus{Phase: supportv1.PhaseAcknowledged, Owner: "agent-bob"})
	c.Spec.Owner = "agent-dan" // the operator has not seen the last change yet
	c.Status.History = []supportv1.HistoryEntry{
		{Time: *mt(0), Event: "Created", Message: "Complaint recorded"},
		{Time: *mt(time.Minute), Event: "OwnerChanged", Message: "Owner (none) → agent-bob", By: "agent-bob"},
		{Time: *mt(2 * time.Minute), Event: "Breached", Message: "firstResponse target of 1m breached", Clock: supportv1.ClockFirstResponse},
		{Time: *mt(3 * time.Minute), Event: "OwnerChanged", Message: "Owner agent-bob → agent-dan", By: "agent-dan"},
	}
	steps := Timeline(TimelineInput{Complaint: &c, Now: t0.Add(time.Hour)})
	want := []string{
		"0s Created: Complaint recorded",
		"1m0s OwnerChanged: Owner (none) → agent-bob",
		"2m0s Breached: firstResponse target of 1m breached",
		"3m0s OwnerChanged: Owner agent-bob → agent-dan",
	}
	if got := renderSteps(steps); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	table := TimelineTable(steps)
	for i, row := range table.Rows {
		want := Plain
		if row[1] == "Breached" {
			want = Breached
		}
		if table.Styles[i] != want {
			t.Errorf("row %q styled %d, want %d", strings.Join(row, " | "), table.Styles[i], want)
		}
	}
	if h := TimelineHeading(&c); !strings.Contains(h, "owner agent-dan,") {
		t.Errorf("the heading does not name the current owner: %s", h)
	}
}

// TestTimelineRemedies: the steps about remedies say which remedy and who
// carried it out, where the operator's words do not already; their
// deliveries go to the destinations of the event and of the remedy's
// department; a failure is marked; the remedies are laid out apart.
func TestTimelineRemedies(t *testing.T) {
	min := time.Minute
	c := onBoard("c-1", 0, supportv1.ComplaintStatus{Phase: supportv1.PhaseImplementing, Policy: "standard"})
	c.Status.Remedies = []supportv1.RemedySummary{
		{Name: "c-1-reship", Department: "warehouse", Kind: supportv1.RemedyReship, Outcome: supportv1.FulfilmentDone,
			By: "warehouse-wendy", Reference: "TRACK-1", FulfilledAt: mt(30 * min)},
		{Name: "c-1-refund", Department: "billing", Kind: supportv1.RemedyRefund, Outcome: supportv1.FulfilmentFailed, By: "billing-bot", FulfilledAt: mt(40 * min)},
		{Name: "c-1-call", Department: "billing", Kind: supportv1.RemedyCall},
	}
	c.Status.History = []supportv1.HistoryEntry{
		{Time: *mt(10 * min), Event: "RemedyRequested", Message: "warehouse asked to carry out c-1-reship: Reship (right item)", Remedy: "c-1-reship"},
		{Time: *mt(30 * min), Event: "RemedyDone", Message: "warehouse carried out Reship (TRACK-1)", Remedy: "c-1-reship", By: "warehouse-wendy"},
		{Time: *mt(40 * min), Event: "RemedyFailed", Message: "c-1-refund failed by billing-bot: card expired", Remedy: "c-1-refund", By: "billing-bot"},
		{Time: *mt(41 * min), Event: "RemedyRequested", Remedy: "c-1-call"},
	}
	c.Status.Notifications = []supportv1.Notification{
		{ID: "id-1", Target: "billing-queue", Event: supportv1.EventRemedyFailed, OccurredAt: *mt(40 * min), Attempts: 2, LastError: "HTTP 503"},
	}
	policy := &supportv1.ServicePolicy{ObjectMeta: metav1.ObjectMeta{Name: "standard"}, Spec: supportv1.ServicePolicySpec{
		Recovery: &supportv1.Recovery{Departments: []supportv1.Department{
			{Name: "warehouse", Notify: []string{"warehouse-queue"}},
			{Name: "billing", Notify: []string{"billing-queue"}},
		}},
		Notify: []supportv1.NotifyTarget{
			{Name: "leads", Events: []supportv1.EventType{supportv1.EventRemedyFailed}, Webhook: &supportv1.Webhook{URL: "http://leads"}},
			{Name: "warehouse-queue", Webhook: &supportv1.Webhook{URL: "http://warehouse"}},
			{Name: "billing-queue", Webhook: &supportv1.Webhook{URL: "http://billing"}},
		},
	}}
	overdue := supportv1.Escalation{ObjectMeta: metav1.ObjectMeta{Name: "c-1-call-overdue", CreationTimestamp: *mt(50 * min)},
		Spec:   supportv1.EscalationSpec{ComplaintName: "c-1", Level: 1, LevelName: "billing", Reason: supportv1.ReasonRemedyOverdue, RemedyName: "c-1-call"},
		Status: supportv1.EscalationStatus{Policy: "standard", NotifiedAt: mt(50 * min)}}
	steps := Timeline(TimelineInput{Complaint: &c, Policy: policy, Escalations: []supportv1.Escalation{overdue}, Now: t0.Add(time.Hour)})
	want := []string{
		"10m0s RemedyRequested: warehouse asked to carry out c-1-reship: Reship (right item)",
		"    warehouse-queue: delivered",
		"30m0s RemedyDone: remedy c-1-reship: warehouse carried out Reship (TRACK-1) (by warehouse-wendy)",
		"    warehouse-queue: delivered",
		"40m0s RemedyFailed: c-1-refund failed by billing-bot: card expired",
		"    billing-queue: pending, 2 attempts so far: HTTP 503",
		"    leads: delivered",
		"41m0s RemedyRequested: remedy c-1-call",
		"    billing-queue: delivered",
		"50m0s Escalation: escalation c-1-call-overdue (department billing, RemedyOverdue: remedy c-1-call)",
		"    billing-queue: delivered",
	}
	if got := renderSteps(steps); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if steps[1].Remedy != "c-1-reship" || steps[1].By != "warehouse-wendy" {
		t.Errorf("the step does not carry its remedy and who: %+v", steps[1])
	}
	table := TimelineTable(steps)
	for i, row := range table.Rows {
		want := Plain
		if row[1] == "RemedyFailed" {
			want = Breached
		}
		if table.Styles[i] != want {
			t.Errorf("row %q styled %d, want %d", strings.Join(row, " | "), table.Styles[i], want)
		}
	}

	var b strings.Builder
	remedies := RemedySummaryTable(c.Status.Remedies)
	if err := remedies.Write(&b, false); err != nil {
		t.Fatal(err)
	}
	wantTable := `REMEDY       DEPARTMENT   KIND     OUTCOME   BY                REFERENCE   REPORTED
c-1-reship   warehouse    Reship   Done      warehouse-wendy   TRACK-1     2026-11-24T08:30:00Z
c-1-refund   billing      Refund   Failed    billing-bot       -           2026-11-24T08:40:00Z
c-1-call     billing      Call     pending   -                 -           -
`
	if b.String() != wantTable {
		t.Errorf("got\n%s\nwant\n%s", b.String(), wantTable)
	}
	if want := []Style{Plain, Breached, Plain}; !slices.Equal(remedies.Styles, want) {
		t.Errorf("styles %v, want %v", remedies.Styles, want)
	}
}
