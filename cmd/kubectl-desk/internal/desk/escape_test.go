package desk

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/sla"
)

// hostile are the terminal attacks a complaint's author can type into its
// free text (CVE-2021-25743 class): each must reach the agent's terminal
// escaped.
var hostile = []struct{ name, payload string }{
	{"ESC", "a\x1bb"},
	{"BEL", "a\x07b"},
	{"OSC 8 hyperlink", "\x1b]8;;http://evil\x07text\x1b]8;;\x07"},
	{"OSC 0 retitle", "\x1b]0;title\x07"},
	{"CSI clear screen", "\x1b[2J\x1b[H"},
	{"CSI colour", "\x1b[31m"},
	{"C1 CSI and OSC", "\u009b2J\u009d0;title\u009c"},
	{"CR overwrite", "ok\rBREACHED"},
	{"backspace and DEL", "ab\b\b\x7f"},
	{"newline and tab", "row\nNAME\tfake"},
	{"all at once", "\x1b]8;;http://evil\x07text\x1b]8;;\x07\x1b]0;title\x07\x1b[2J\x1b[H\x1b[31m\x07"},
}

// hostileWorld is a complaint with payload p in every free-text field (each
// prefixed with the field's name, so that the output shows where it came
// from), its status as the operator evaluates it (history messages echo the
// notes, summaries and comments), its policy, its escalations and Events.
func hostileWorld(p string) ([]supportv1.Complaint, *supportv1.ServicePolicy, []supportv1.Escalation, []corev1.Event) {
	v := func(field string) string { return field + "<" + p + ">" }
	sat := int32(2)
	accepted := false
	c := supportv1.Complaint{ObjectMeta: metav1.ObjectMeta{Name: v("name"), Namespace: v("namespace"), CreationTimestamp: *mt(0),
		Labels: map[string]string{"team": v("label")}}}
	c.Spec = supportv1.ComplaintSpec{
		Customer: supportv1.Customer{Name: v("customer"), Company: v("company"), Tier: supportv1.CustomerTier(v("tier")),
			Contact: &supportv1.Contact{Email: v("email"), Phone: v("phone"), Address: v("address")}},
		Category:        supportv1.Category(v("category")),
		Severity:        supportv1.Severity(v("severity")),
		Channel:         supportv1.Channel(v("channel")),
		Summary:         v("summary"),
		Description:     v("description"),
		Product:         &supportv1.Product{Name: v("product"), Specification: v("spec"), Batch: v("batch"), ProducedOn: v("producedOn")},
		RecordedBy:      v("recordedBy"),
		Owner:           v("owner"),
		PolicyName:      v("policyName"),
		Acknowledgement: &supportv1.Acknowledgement{By: v("ackBy"), Note: v("ackNote")},
		LastUpdate:      &supportv1.ProgressUpdate{By: v("updateBy"), Note: v("updateNote")},
		Resolution: &supportv1.Resolution{Summary: v("resolution"), Remedy: v("remedy"), ProposedBy: v("proposedBy"), ApprovedBy: v("approvedBy"),
			Gesture: &supportv1.Gesture{Kind: supportv1.GestureDiscount, Detail: v("gestureDetail")}},
		Feedback: &supportv1.Feedback{Satisfaction: &sat, Accepted: &accepted, Comment: v("comment")},
	}
	// What the operator makes of it: its history echoes the free text.
	res := sla.Evaluate(sla.Input{Complaint: &c, Now: t0.Add(time.Hour)})
	c.Status = res.Status
	var events []corev1.Event
	for _, tr := range res.Transitions {
		events = append(events, corev1.Event{Type: corev1.EventTypeWarning, Reason: tr.Reason, Message: tr.Message + "; " + v("eventSuffix"),
			LastTimestamp: metav1.NewTime(tr.At)})
	}
	// And what the status can hold besides: every string of it.
	c.Status.Phase = supportv1.PhaseAcknowledged
	c.Status.Policy = v("policy")
	c.Status.ResolvedAt = nil
	// Handed to the departments: the gesture's value counts in the report.
	c.Status.RemediesRequestedAt = mt(40 * time.Minute)
	c.Spec.Resolution.Gesture.Value = &supportv1.GestureValue{Amount: ptr.To(resource.MustParse("25")), Currency: v("currency")}
	c.Spec.Resolution.Assessment = &supportv1.Assessment{CompanyFault: supportv1.CompanyFault(v("fault"))}
	c.Status.Remedies = []supportv1.RemedySummary{{Name: v("remedyName"), Department: v("department"), Kind: supportv1.RemedyKind(v("remedyKind")),
		Outcome: supportv1.FulfilmentOutcome(v("outcome")), By: v("fulfilledBy"), Reference: v("reference"), FulfilledAt: mt(50 * time.Minute)}}
	c.Status.History = append(c.Status.History,
		supportv1.HistoryEntry{Time: *mt(time.Minute), Event: v("historyEvent"), Message: v("historyMessage")},
		// As the operator tells an agent's request and a lead's decision.
		supportv1.HistoryEntry{Time: *mt(30 * time.Minute), Event: string(supportv1.EventEscalated),
			Message:    v("requestedBy") + " asks level 1 for a decision: " + v("question"),
			Escalation: v("request"), Level: 1, Reason: supportv1.ReasonRequested, By: v("requestedBy")},
		supportv1.HistoryEntry{Time: *mt(35 * time.Minute), Event: "EscalationAcknowledged",
			Message:    "Escalation " + v("escalation") + " acknowledged by " + v("decidedBy") + "; decision: " + v("decision"),
			Escalation: v("escalation"), Level: 1, By: v("decidedBy")},
		// As the operator tells a department's report.
		supportv1.HistoryEntry{Time: *mt(50 * time.Minute), Event: string(supportv1.EventRemedyDone), Message: v("remedyMessage"),
			Remedy: v("remedyName"), By: v("fulfilledBy")},
	)
	c.Status.Clocks = supportv1.Clocks{
		FirstResponse: &supportv1.ClockStatus{Target: &metav1.Duration{Duration: 15 * time.Minute}, DueAt: mt(15 * time.Minute), State: supportv1.ClockBreached},
		Update:        &supportv1.ClockStatus{Target: &metav1.Duration{Duration: time.Hour}, DueAt: mt(2 * time.Hour), State: supportv1.ClockRunning},
	}
	c.Status.BreachedAt = mt(15 * time.Minute)
	c.Status.Conditions = []metav1.Condition{cond(supportv1.ConditionBreached)}
	c.Status.Escalations = []supportv1.EscalationSummary{{Name: v("escSummary"), AcknowledgedBy: v("escAckBy"), Decision: v("escDecision")}}
	c.Status.Notifications = []supportv1.Notification{
		{ID: v("id1"), Target: v("target1"), Event: supportv1.EventCreated, OccurredAt: c.Status.History[0].Time, Failed: true, Attempts: 3, LastError: v("lastError1"), Detail: v("detail1")},
		{ID: v("id2"), Target: v("target2"), Event: supportv1.EventCreated, OccurredAt: c.Status.History[0].Time, Attempts: 1, LastError: v("lastError2")},
		{ID: v("id3"), Target: v("target3"), Event: supportv1.EventCreated, OccurredAt: c.Status.History[0].Time},
	}

	policy := &supportv1.ServicePolicy{ObjectMeta: metav1.ObjectMeta{Name: v("policy"), Namespace: v("namespace")}, Spec: supportv1.ServicePolicySpec{
		Escalation: &supportv1.EscalationPolicy{Levels: []supportv1.EscalationLevel{{Name: v("levelName"), Notify: []string{v("notify")}}}},
		Notify: []supportv1.NotifyTarget{
			{Name: v("notify"), Events: []supportv1.EventType{supportv1.EventCreated, supportv1.EventEscalated}, Webhook: &supportv1.Webhook{URL: "http://x"}},
		},
	}}

	escs := []supportv1.Escalation{
		{
			ObjectMeta: metav1.ObjectMeta{Name: v("escalation"), Namespace: v("namespace"), CreationTimestamp: *mt(16 * time.Minute)},
			Spec: supportv1.EscalationSpec{ComplaintName: c.Name, Level: 1, LevelName: v("levelName"), Reason: supportv1.EscalationReason(v("reason")),
				Acknowledgement: &supportv1.EscalationAcknowledgement{By: v("decidedBy"), Decision: v("decision")}},
			Status: supportv1.EscalationStatus{Phase: supportv1.EscalationPhase(v("escPhase")), Policy: v("policy"), NotifiedAt: mt(17 * time.Minute), ClosedAt: mt(40 * time.Minute),
				Conditions:    []metav1.Condition{{Type: supportv1.ConditionNotified, Status: metav1.ConditionTrue, Message: v("notifiedMessage")}},
				Notifications: []supportv1.Notification{{ID: v("escId"), Target: v("escTarget"), Event: supportv1.EventEscalated, Failed: true, Attempts: 5, LastError: v("escLastError")}}},
		},
		{
			ObjectMeta: metav1.ObjectMeta{Name: v("request"), Namespace: v("namespace"), CreationTimestamp: *mt(30 * time.Minute)},
			Spec: supportv1.EscalationSpec{ComplaintName: c.Name, Level: 1, LevelName: v("levelName"), Reason: supportv1.ReasonRequested,
				RequestedBy: v("requestedBy"), Question: v("question")},
		},
	}
	events = append(events,
		corev1.Event{Type: corev1.EventTypeWarning, Reason: v("eventReason"), Message: v("eventMessage"), EventTime: metav1.NewMicroTime(t0.Add(20 * time.Minute))},
		corev1.Event{Type: corev1.EventTypeWarning, Reason: supportv1.ReasonDeliveryFailed, Message: v("escalationEventMessage"), EventTime: metav1.NewMicroTime(t0.Add(21 * time.Minute)),
			InvolvedObject: corev1.ObjectReference{Kind: v("involvedKind"), Name: v("involvedName")}},
	)
	return []supportv1.Complaint{c}, policy, escs, events
}

// hostileRemedies is a remedy with payload p in every free-text field, as
// a department (or anyone who may write remedies) can fill them.
func hostileRemedies(p string) []supportv1.Remedy {
	v := func(field string) string { return field + "<" + p + ">" }
	return []supportv1.Remedy{{
		ObjectMeta: metav1.ObjectMeta{Name: v("remedyName"), Namespace: v("namespace")},
		Spec: supportv1.RemedySpec{ComplaintName: v("complaintName"), Action: v("action"), Department: v("department"),
			Kind: supportv1.RemedyKind(v("remedyKind")), Detail: v("remedyDetail"),
			Fulfilment: &supportv1.Fulfilment{Outcome: supportv1.FulfilmentOutcome(v("outcome")), By: v("fulfilledBy"), Note: v("note"), Reference: v("reference")}},
		Status: supportv1.RemedyStatus{Phase: supportv1.RemedyPhase(v("remedyPhase")),
			Clock: supportv1.ClockStatus{State: supportv1.ClockState(v("clockState")), DueAt: mt(2 * time.Hour)}},
	}}
}

// render prints every view of kubectl desk's package desk: the board
// (wide, every namespace), the timeline with its heading and remedies, the
// report, and the remedies (wide, every namespace).
func render(t *testing.T, p string, colour bool) string {
	t.Helper()
	items, policy, escs, events := hostileWorld(p)
	now := t0.Add(time.Hour)
	var b bytes.Buffer
	if err := BoardTable(Board(items, BoardFilter{}, now), true, true).Write(&b, colour); err != nil {
		t.Fatal(err)
	}
	b.WriteString(TimelineHeading(&items[0]) + "\n")
	steps := Timeline(TimelineInput{Complaint: &items[0], Policy: policy, Escalations: escs, Events: events, Now: now})
	if err := TimelineTable(steps).Write(&b, colour); err != nil {
		t.Fatal(err)
	}
	if err := RemedySummaryTable(items[0].Status.Remedies).Write(&b, colour); err != nil {
		t.Fatal(err)
	}
	if err := BuildReport(items, escs, t0.Add(-time.Hour)).Write(&b); err != nil {
		t.Fatal(err)
	}
	if err := BuildGroupReport(items, "category", t0.Add(-time.Hour)).Write(&b); err != nil {
		t.Fatal(err)
	}
	if err := RemediesTable(Remedies(hostileRemedies(p), RemedyFilter{}, now), true, true).Write(&b, colour); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// checkTerminalSafe fails when out holds a control character other than
// the newlines that end its lines (and, with colour, the plugin's own SGR
// codes that open and close a line), or a C1 control.
func checkTerminalSafe(t *testing.T, out string, colour bool) {
	t.Helper()
	for i, line := range strings.Split(out, "\n") {
		if colour {
			for _, open := range []string{ansiRed, ansiYellow} {
				if strings.HasPrefix(line, open) && strings.HasSuffix(line, ansiReset) {
					line = strings.TrimSuffix(strings.TrimPrefix(line, open), ansiReset)
					break
				}
			}
		}
		if j := strings.IndexFunc(line, isControl); j >= 0 {
			t.Errorf("line %d holds raw control character %U at byte %d: %q", i+1, []rune(line[j:])[0], j, line)
		}
		if !utf8.ValidString(line) {
			t.Errorf("line %d is not valid UTF-8: %q", i+1, line)
		}
	}
}

func isControl(r rune) bool { return r < 0x20 || (r >= 0x7f && r <= 0x9f) }

// shown are the fields whose text the views print (the others, such as the
// description or the contact, no view shows).
var shown = []string{
	"name", "namespace", "customer", "summary", "owner", "policy", "tier", "category", "severity",
	"ackBy", "ackNote", "updateBy", "updateNote", "resolution", "gestureDetail", "approvedBy", "comment",
	"historyEvent", "historyMessage", "target1", "lastError1", "target2", "lastError2", "target3",
	"escalation", "levelName", "reason", "notifiedMessage", "escPhase", "request", "requestedBy", "question",
	"decidedBy", "decision", "eventReason", "eventMessage", "escalationEventMessage", "involvedKind", "involvedName",
	"remedyName", "department", "remedyKind", "outcome", "fulfilledBy", "reference", "remedyMessage", "currency", "fault",
	"complaintName", "remedyDetail", "note", "remedyPhase", "clockState",
}

func TestViewsEscapeHostileText(t *testing.T) {
	for _, h := range hostile {
		for _, colour := range []bool{false, true} {
			name := h.name
			if colour {
				name += " colour"
			}
			t.Run(name, func(t *testing.T) {
				out := render(t, h.payload, colour)
				checkTerminalSafe(t, out, colour)
				for _, f := range shown {
					// (the timeline lower-cases kinds and phases)
					if !strings.Contains(strings.ToLower(out), strings.ToLower(f)+"<") {
						t.Errorf("the output does not show field %s", f)
					}
				}
				if t.Failed() {
					t.Logf("output:\n%s", strings.ReplaceAll(out, "\x1b", `\x1b`))
				}
			})
		}
	}
}

func TestViewsShowHostileTextEscaped(t *testing.T) {
	out := render(t, "\x1b]8;;http://evil\x07text\x1b]8;;\x07|\x1b]0;title\x07|\x1b[2J\x1b[H|ok\rno|a\nb\tc|\u009b", false)
	want := `summary<^[]8;;http://evil^Gtext^[]8;;^G|^[]0;title^G|^[[2J^[[H|ok\rno|a\nb\tc|\u009b>`
	if !strings.Contains(out, want) {
		t.Errorf("the board does not show the summary as %s:\n%s", want, out)
	}
}

func TestColourStaysOnEscapedRows(t *testing.T) {
	items, _, _, _ := hostileWorld("\x1b[0m")
	var b bytes.Buffer
	if err := BoardTable(Board(items, BoardFilter{}, t0.Add(time.Hour)), true, false).Write(&b, true); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	row := lines[len(lines)-1]
	if !strings.HasPrefix(row, ansiRed) || !strings.HasSuffix(row, ansiReset) || strings.Count(row, "\x1b") != 2 {
		t.Errorf("the breached row should be red from start to end, with no other escape: %q", row)
	}
}

func TestEscape(t *testing.T) {
	for _, tc := range []struct{ name, in, want, lines string }{
		{"plain", "Insulin promised for Saturday", "Insulin promised for Saturday", ""},
		{"unicode", "Müller & Søn — 配送", "Müller & Søn — 配送", ""},
		{"replacement character", "a\uFFFDb", "a\uFFFDb", ""},
		{"ESC", "a\x1bb", "a^[b", ""},
		{"BEL", "a\x07b", "a^Gb", ""},
		{"OSC 8 hyperlink", "\x1b]8;;http://evil\x07text\x1b]8;;\x07", "^[]8;;http://evil^Gtext^[]8;;^G", ""},
		{"OSC 0 retitle", "\x1b]0;title\x07", "^[]0;title^G", ""},
		{"CSI clear screen", "\x1b[2J\x1b[H", "^[[2J^[[H", ""},
		{"CSI colour", "\x1b[31mred", "^[[31mred", ""},
		{"CR", "ok\rBREACHED", `ok\rBREACHED`, ""},
		{"newline and tab", "a\nb\tc", `a\nb\tc`, "a\nb\tc"},
		{"backspace, NUL and DEL", "a\b\x00\x7f", "a^H^@^?", ""},
		{"C1 CSI, OSC and ST", "\u009b2J\u009d0;t\u009c", `\u009b2J\u009d0;t\u009c`, ""},
		{"not UTF-8", "a\x9b2J\xff", `a\x9b2J\xff`, ""},
		{"bidi override (Trojan Source)", "refund \u202egnp.exe", `refund \u202egnp.exe`, ""},
		{"bidi embeddings and isolates", "\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069", `\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069`, ""},
		{"Arabic and Hebrew text kept", "شكوى תלונה", "شكوى תלונה", ""},
		{"marks kept", "a\u200eb\u200fc", "a\u200eb\u200fc", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Escape(tc.in); got != tc.want {
				t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
			}
			lines := tc.lines
			if lines == "" {
				lines = tc.want
			}
			if got := EscapeLines(tc.in); got != lines {
				t.Errorf("EscapeLines(%q) = %q, want %q", tc.in, got, lines)
			}
		})
	}
}
