package desk

import (
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/internal/text"
)

// TimelineInput is everything a complaint's story is told from.
type TimelineInput struct {
	Complaint *supportv1.Complaint
	// Policy is the governing ServicePolicy (status.policy); nil when none
	// or unreadable.
	Policy *supportv1.ServicePolicy
	// Escalations of the complaint.
	Escalations []supportv1.Escalation
	// Events regarding the complaint, its escalations and its remedies.
	Events []corev1.Event
	// Now is when the story is told: clocks still running are due after it.
	Now time.Time
}

// Step is one line of a complaint's story.
type Step struct {
	Time time.Time `json:"time"`
	// Event is the history entry's event, or Met, Missed, Due for a clock,
	// Escalation for an escalation's notification, or an Event's reason.
	Event string `json:"event"`
	// Message tells the step in a sentence.
	Message string `json:"message"`
	// Notifications say what became of the step's webhook deliveries.
	Notifications []string `json:"notifications,omitempty"`
	// Remedy is the Remedy the step concerns (requested, done, failed).
	Remedy string `json:"remedy,omitempty"`
	// By is who took the step, when a person (or a department) did.
	By string `json:"by,omitempty"`

	// escalation is the history entry's escalation (its structured field):
	// the Escalation whose notification follows the step.
	escalation string
}

// Timeline tells the complaint's story in order: status.history, each
// clock met or missed and by how much (and those still running, due after
// now), the escalations' notifications, and the Warning Events that history
// does not already tell (a delivery that gave up). It reads status only.
func Timeline(in TimelineInput) []Step {
	c := in.Complaint
	var steps []Step
	told := map[string]bool{}
	for _, h := range c.Status.History {
		told[h.Event+"\x00"+h.Message] = true
		s := Step{Time: h.Time.Time, Event: h.Event, Message: h.Message, Remedy: h.Remedy, By: h.By, escalation: h.Escalation}
		if h.Remedy != "" {
			s.Message = remedyMessage(h)
		}
		if ev, ok := notifiable(h.Event); ok {
			s.Notifications = deliveries(c.Status.Notifications, destinations(in.Policy, ev, c, h.Remedy), ev, h.Time.Time, true)
		}
		steps = append(steps, s)
	}
	var others, anchored []Step
	var anchors []func(Step) bool
	ledgers := [][]supportv1.Notification{c.Status.Notifications}
	for i := range in.Escalations {
		e := &in.Escalations[i]
		notified, rest := escalationSteps(e, c, in.Policy)
		anchored = append(anchored, notified)
		anchors = append(anchors, escalatedBy(e))
		others = append(others, rest...)
		ledgers = append(ledgers, e.Status.Notifications)
	}
	for _, e := range in.Events {
		if e.Type != corev1.EventTypeWarning || toldBy(told, e.Reason, e.Message) || inLedger(e.Message, ledgers) {
			continue
		}
		msg := e.Message
		if k := e.InvolvedObject.Kind; k != "" && k != "Complaint" {
			msg = fmt.Sprintf("%s %s: %s", strings.ToLower(k), e.InvolvedObject.Name, msg)
		}
		others = append(others, Step{Time: eventTime(&e), Event: e.Reason, Message: msg})
	}
	// History is in order; the rest joins it by time (history first on ties).
	steps = append(steps, others...)
	sort.SliceStable(steps, func(i, j int) bool { return steps[i].Time.Before(steps[j].Time) })
	// A clock's outcome follows the step that stopped it, an escalation's
	// notification the step that escalated: times have second precision,
	// so time alone cannot order what happened within one second.
	for _, cs := range clockSteps(c, in.Now) {
		at := cs.Time
		anchored = append(anchored, cs)
		anchors = append(anchors, func(s Step) bool {
			return s.Time.Equal(at) && (s.Event == string(supportv1.EventAcknowledged) || s.Event == string(supportv1.EventResolved))
		})
	}
	for i, a := range anchored {
		steps = insertAfter(steps, a, anchors[i])
	}
	return steps
}

// remedyMessage is the message of a step about a remedy: the operator's,
// naming the remedy and who carried it out where its words do not already.
func remedyMessage(h supportv1.HistoryEntry) string {
	msg := h.Message
	switch {
	case msg == "":
		msg = "remedy " + h.Remedy
	case !strings.Contains(msg, h.Remedy):
		msg = "remedy " + h.Remedy + ": " + msg
	}
	if h.By != "" && !strings.Contains(msg, h.By) {
		msg += " (by " + h.By + ")"
	}
	return msg
}

// destinations are the policy's (nil: none) destinations of a history
// step's event ev: those that want it and, for a step about a remedy, the
// notify destinations of the remedy's department (status.remedies).
func destinations(p *supportv1.ServicePolicy, ev supportv1.EventType, c *supportv1.Complaint, remedy string) []string {
	if p == nil {
		return nil
	}
	var extra []string
	for _, r := range c.Status.Remedies {
		if remedy != "" && r.Name == remedy {
			extra = p.Spec.DepartmentNotify(r.Department)
			break
		}
	}
	return p.Spec.DestinationsFor(ev, extra)
}

// toldBy reports whether history tells an Event: its message, or the
// message before a "; " that adds what history tells in steps of their own
// (a Breached Event names the ladder levels the breach reached). It reads
// the operator's wording because an Event carries no facts besides its
// reason and message to join it to a history entry by.
func toldBy(told map[string]bool, reason, msg string) bool {
	for {
		if told[reason+"\x00"+msg] {
			return true
		}
		i := strings.LastIndex(msg, "; ")
		if i < 0 {
			return false
		}
		msg = msg[:i]
	}
}

// inLedger reports whether a message names a failed notification that a
// ledger still holds (the timeline tells it under its step).
func inLedger(msg string, ledgers [][]supportv1.Notification) bool {
	for _, l := range ledgers {
		for _, n := range l {
			if n.Failed && strings.Contains(msg, n.ID) {
				return true
			}
		}
	}
	return false
}

// clockSteps says of each clock of the current run whether it was met (and
// with how much to spare), missed (and by how much), or when it is due.
func clockSteps(c *supportv1.Complaint, now time.Time) []Step {
	var out []Step
	for name, cs := range c.Status.Clocks.Each() {
		if cs.DueAt == nil {
			continue
		}
		clock := name.Field()
		target := ""
		if cs.Target != nil {
			target = " " + Short(cs.Target.Duration)
		}
		due := cs.DueAt.Time
		switch {
		case cs.StoppedAt != nil && cs.State == supportv1.ClockMet:
			out = append(out, Step{Time: cs.StoppedAt.Time, Event: "Met",
				Message: fmt.Sprintf("%s target%s met with %s to spare", clock, target, Short(due.Sub(cs.StoppedAt.Time)))})
		case cs.StoppedAt != nil && cs.State == supportv1.ClockBreached:
			out = append(out, Step{Time: cs.StoppedAt.Time, Event: "Missed",
				Message: fmt.Sprintf("%s target%s missed by %s", clock, target, Short(cs.StoppedAt.Time.Sub(due)))})
		case cs.State == supportv1.ClockBreached:
			out = append(out, Step{Time: now, Event: "Missed",
				Message: fmt.Sprintf("%s target%s missed, still open: overdue by %s", clock, target, Short(now.Sub(due)))})
		case cs.State == supportv1.ClockRunning:
			out = append(out, Step{Time: due, Event: "Due",
				Message: fmt.Sprintf("%s target%s due in %s", clock, target, Short(due.Sub(now)))})
		}
	}
	return out
}

// escalationSteps tells when an escalation's level was notified (or why
// not), what became of its deliveries, and its end.
func escalationSteps(e *supportv1.Escalation, c *supportv1.Complaint, p *supportv1.ServicePolicy) (Step, []Step) {
	var out []Step
	at := e.CreationTimestamp.Time
	if e.Status.NotifiedAt != nil {
		at = e.Status.NotifiedAt.Time
	}
	msg := fmt.Sprintf("escalation %s (level %d %s, %s)", e.Name, e.Spec.Level, text.OrDash(e.Spec.LevelName), e.Spec.Reason)
	if e.Spec.Reason.IsRemedy() {
		msg = fmt.Sprintf("escalation %s (department %s, %s: remedy %s)", e.Name, text.OrDash(e.Spec.LevelName), e.Spec.Reason, text.OrDash(e.Spec.RemedyName))
	}
	if n := apimeta.FindStatusCondition(e.Status.Conditions, supportv1.ConditionNotified); n != nil {
		msg += ": " + n.Message
	}
	var targets []string
	if p != nil {
		targets = p.Spec.DestinationsFor(supportv1.EventEscalated, p.Spec.EscalationNotify(e))
	}
	var notes []string
	switch {
	case e.IsAnnouncedByComplaint():
		// Its complaint queued the announcement in its own ledger.
		notes = deliveries(aboutEscalation(c.Status.Notifications, e.Name), targets, supportv1.EventEscalated, time.Time{}, true)
	case e.Status.Policy != "":
		notes = deliveries(e.Status.Notifications, targets, supportv1.EventEscalated, time.Time{}, e.Status.NotifiedAt != nil)
	}
	notified := Step{Time: at, Event: "Escalation", Message: msg, Notifications: notes}
	if e.Status.ClosedAt != nil {
		out = append(out, Step{Time: e.Status.ClosedAt.Time, Event: "Escalation",
			Message: fmt.Sprintf("escalation %s %s", e.Name, strings.ToLower(string(e.Status.Phase)))})
	}
	return notified, out
}

// escalatedBy recognises the history step that tells of the escalation (a
// level reached or a request made) by the escalation it names. History
// written before entries named their escalation has none: the escalation's
// notification then joins it by time.
func escalatedBy(e *supportv1.Escalation) func(Step) bool {
	return func(s Step) bool {
		return s.Event == string(supportv1.EventEscalated) && s.escalation != "" && s.escalation == e.Name
	}
}

// insertAfter inserts s after the last step anchor recognises, or, when
// none does, after the last step not later than s.
func insertAfter(steps []Step, s Step, anchor func(Step) bool) []Step {
	at := -1
	for i, x := range steps {
		if anchor(x) {
			at = i + 1
		}
	}
	if at < 0 {
		at = sort.Search(len(steps), func(i int) bool { return steps[i].Time.After(s.Time) })
	}
	return append(steps[:at], append([]Step{s}, steps[at:]...)...)
}

// deliveries says, per destination, what became of the notification of ev
// that occurred at (zero: any time): pending or failed while the ledger
// holds it, delivered once it left the ledger (the ledger keeps only what
// is pending or gave up) when left says it may have.
// aboutEscalation are the notifications of ledger about escalation name.
func aboutEscalation(ledger []supportv1.Notification, name string) []supportv1.Notification {
	var out []supportv1.Notification
	for _, n := range ledger {
		if n.Escalation == name {
			out = append(out, n)
		}
	}
	return out
}

func deliveries(ledger []supportv1.Notification, targets []string, ev supportv1.EventType, at time.Time, left bool) []string {
	var out []string
	seen := map[string]bool{}
	for _, n := range ledger {
		if n.Event != ev || (!at.IsZero() && !n.OccurredAt.Time.Equal(at)) {
			continue
		}
		seen[n.Target] = true
		switch {
		case n.Failed:
			out = append(out, fmt.Sprintf("%s: FAILED after %d attempts: %s", n.Target, n.Attempts, n.LastError))
		case n.Attempts > 0:
			out = append(out, fmt.Sprintf("%s: pending, %d attempts so far: %s", n.Target, n.Attempts, n.LastError))
		default:
			out = append(out, n.Target+": pending")
		}
	}
	for _, t := range targets {
		if !seen[t] && left {
			out = append(out, t+": delivered")
		}
	}
	sort.Strings(out)
	return out
}

// notifiable maps a history event to the lifecycle event whose deliveries
// the complaint's ledger holds: closing is recorded under its reason, and
// escalations are notified by the Escalation itself.
func notifiable(historyEvent string) (supportv1.EventType, bool) {
	switch historyEvent {
	case supportv1.ReasonCustomerSatisfied, supportv1.ReasonNoFeedback:
		return supportv1.EventClosed, true
	case string(supportv1.EventCreated), string(supportv1.EventAcknowledged), string(supportv1.EventAtRisk),
		string(supportv1.EventBreached), string(supportv1.EventResolved), string(supportv1.EventFollowUpDue),
		string(supportv1.EventReopened), string(supportv1.EventRemedyRequested), string(supportv1.EventRemedyDone),
		string(supportv1.EventRemedyFailed):
		return supportv1.EventType(historyEvent), true
	}
	return "", false
}

func eventTime(e *corev1.Event) time.Time {
	switch {
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	case !e.FirstTimestamp.IsZero():
		return e.FirstTimestamp.Time
	}
	return e.CreationTimestamp.Time
}

// TimelineTable lays the story out: time (UTC), event, message, and one
// line per delivery under its step.
func TimelineTable(steps []Step) Table {
	t := Table{Header: []string{"TIME", "EVENT", "WHAT HAPPENED"}}
	for _, s := range steps {
		t.Rows = append(t.Rows, []string{s.Time.UTC().Format(time.RFC3339), s.Event, s.Message})
		style := Plain
		switch s.Event {
		case "Missed", string(supportv1.EventBreached), supportv1.ReasonDeliveryFailed, string(supportv1.EventRemedyFailed):
			style = Breached
		case string(supportv1.EventAtRisk):
			style = AtRisk
		}
		t.Styles = append(t.Styles, style)
		for _, n := range s.Notifications {
			t.Rows = append(t.Rows, []string{"", "", "  notify " + n})
			st := Plain
			if strings.Contains(n, "FAILED") {
				st = Breached
			}
			t.Styles = append(t.Styles, st)
		}
	}
	return t
}

// TimelineHeading is the line above the story: who complains about what,
// and where the complaint stands; escaped for the terminal (Escape).
func TimelineHeading(c *supportv1.Complaint) string {
	return Escape(fmt.Sprintf("%s/%s: %s (%s, %s, %s) - %s; phase %s, policy %s, owner %s, escalation level %d, reopened %d",
		c.Namespace, c.Name, c.Spec.Customer.Name, c.Tier(), c.Spec.Category, text.OrDash(string(c.Spec.Severity)), c.Spec.Summary,
		phaseOf(c), text.OrDash(c.Status.Policy), text.OrDash(c.Spec.Owner), c.Status.EscalationLevel, c.Status.ReopenCount))
}

// RemedySummaryTable lays out the complaint's remedies (status.remedies): what
// each department was asked and what it reported, or pending.
func RemedySummaryTable(rs []supportv1.RemedySummary) Table {
	t := Table{Header: []string{"REMEDY", "DEPARTMENT", "KIND", "OUTCOME", "BY", "REFERENCE", "REPORTED"}}
	for _, r := range rs {
		outcome, at := "pending", "-"
		if r.Outcome != "" {
			outcome = string(r.Outcome)
		}
		if r.FulfilledAt != nil {
			at = r.FulfilledAt.UTC().Format(time.RFC3339)
		}
		t.Rows = append(t.Rows, []string{r.Name, r.Department, string(r.Kind), outcome, text.OrDash(r.By), text.OrDash(r.Reference), at})
		style := Plain
		if r.Outcome == supportv1.FulfilmentFailed {
			style = Breached
		}
		t.Styles = append(t.Styles, style)
	}
	return t
}
