package sla

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// t0 is the creation of most test complaints: Monday 2026-03-02 10:00 UTC.
var t0 = time.Date(2026, time.March, 2, 10, 0, 0, 0, time.UTC)

// ts is t0 + d.
func ts(d time.Duration) time.Time { return t0.Add(d) }

func dur(d time.Duration) *metav1.Duration {
	if d == 0 {
		return nil
	}
	return &metav1.Duration{Duration: d}
}

func i32(v int32) *int32 { return &v }
func boolp(v bool) *bool { return &v }

// berlin parses "2006-01-02 15:04:05" as Europe/Berlin wall time.
func berlin(tb testing.TB, s string) time.Time {
	tb.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		tb.Skipf("time zone Europe/Berlin not available: %v", err)
	}
	t, err := time.ParseInLocation(time.DateTime, s, loc)
	if err != nil {
		tb.Fatalf("bad test time %q: %v", s, err)
	}
	return t
}

func newComplaint(created time.Time) *supportv1.Complaint {
	return &supportv1.Complaint{
		ObjectMeta: metav1.ObjectMeta{
			Name: "c-x7k2p", Namespace: "support", Generation: 1,
			CreationTimestamp: metav1.NewTime(created),
		},
		Spec: supportv1.ComplaintSpec{
			Customer: supportv1.Customer{Name: "Acme Pharmacy", Tier: supportv1.TierKey},
			Category: supportv1.CategoryMissedDeadline,
			Severity: supportv1.SeverityHigh,
			Summary:  "Insulin promised for Saturday not delivered",
		},
	}
}

func targets(fr, upd, res time.Duration) supportv1.Targets {
	return supportv1.Targets{FirstResponse: dur(fr), Update: dur(upd), Resolution: dur(res)}
}

// officeHours is Mon-Fri 09:00-17:00 in Europe/Berlin.
func officeHours(holidays ...string) *supportv1.BusinessHours {
	return &supportv1.BusinessHours{
		TimeZone: "Europe/Berlin",
		Weekly:   []supportv1.WeeklyHours{{Days: []supportv1.Weekday{"Mon", "Tue", "Wed", "Thu", "Fri"}, From: "09:00", To: "17:00"}},
		Holidays: holidays,
	}
}

func compiled(tb testing.TB, spec supportv1.ServicePolicySpec) *Policy {
	tb.Helper()
	if spec.BusinessHours != nil {
		if _, err := time.LoadLocation(spec.BusinessHours.TimeZone); err != nil {
			tb.Skipf("time zone %s not available: %v", spec.BusinessHours.TimeZone, err)
		}
	}
	p, err := Compile(&supportv1.ServicePolicy{ObjectMeta: metav1.ObjectMeta{Name: "standard", Namespace: "support"}, Spec: spec})
	if err != nil {
		tb.Fatalf("Compile: %v", err)
	}
	return p
}

// Spec edits, as a person would make them.
type edit = func(*supportv1.ComplaintSpec)

func edits(es ...edit) edit {
	return func(s *supportv1.ComplaintSpec) {
		for _, e := range es {
			e(s)
		}
	}
}

func ack(s *supportv1.ComplaintSpec) {
	s.Acknowledgement = &supportv1.Acknowledgement{By: "agent-bob", Note: "called back, collected batch number"}
}

func waitOn(w supportv1.WaitingOn) edit { return func(s *supportv1.ComplaintSpec) { s.WaitingOn = w } }

func progress(note string) edit {
	return func(s *supportv1.ComplaintSpec) { s.LastUpdate = &supportv1.ProgressUpdate{Note: note} }
}

func resolve(r supportv1.Resolution) edit {
	return func(s *supportv1.ComplaintSpec) { s.Resolution = r.DeepCopy() }
}

func feedback(satisfaction *int32, accepted *bool, comment string) edit {
	return func(s *supportv1.ComplaintSpec) {
		s.Feedback = &supportv1.Feedback{Satisfaction: satisfaction, Accepted: accepted, Comment: comment}
	}
}

var (
	resV1 = supportv1.Resolution{Summary: "Delivered overnight by courier", Apologized: true, Remedy: "Overnight delivery at our cost", ProposedBy: "agent-bob"}
	resV2 = supportv1.Resolution{Summary: "Replacement delivered and installed", Apologized: true, Remedy: "Technician visit", ProposedBy: "agent-bob"}
)

func approved(r supportv1.Resolution, by string) supportv1.Resolution { r.ApprovedBy = by; return r }

func unapologetic(r supportv1.Resolution) supportv1.Resolution { r.Apologized = false; return r }

// fmtTransition writes a transition as "[!]Reason[(Event)][/Clock]@At": "!"
// for a warning, "(Event)" when the event differs from the reason ("()" for
// a transition that is not notifiable), At in UTC.
func fmtTransition(tr Transition) string {
	var b strings.Builder
	if tr.Warning {
		b.WriteString("!")
	}
	b.WriteString(tr.Reason)
	if string(tr.Event) != tr.Reason {
		b.WriteString("(" + string(tr.Event) + ")")
	}
	if tr.Clock != "" {
		b.WriteString("/" + string(tr.Clock))
	}
	b.WriteString("@" + tr.At.UTC().Format(time.RFC3339))
	return b.String()
}

func fmtTransitions(trs []Transition) []string {
	var out []string
	for _, tr := range trs {
		out = append(out, fmtTransition(tr))
	}
	return out
}

// tr is the expected fmtTransition of a transition at instant at.
func tr(s string, at time.Time) string { return s + "@" + at.UTC().Format(time.RFC3339) }

// sim lives a complaint: each evaluation feeds the previous status back, as
// the controller does, and checks the invariants every evaluation must keep.
type sim struct {
	t               *testing.T
	c               *supportv1.Complaint
	p               *Policy
	reason, message string
	all             []Transition
	// remedies are the complaint's Remedy objects, as the controller reads them.
	remedies []RemedyFact
}

func newSim(t *testing.T, p *Policy, c *supportv1.Complaint) *sim {
	s := &sim{t: t, c: c, p: p, reason: supportv1.ReasonMatched, message: "matched policy standard (precedence 0)"}
	if p == nil {
		s.reason, s.message = supportv1.ReasonNoPolicy, "no ServicePolicy of this namespace matches; the complaint moves without clocks"
	}
	return s
}

func (s *sim) input(c *supportv1.Complaint, now time.Time) Input {
	return Input{Complaint: c, Policy: s.p, PolicyReason: s.reason, PolicyMessage: s.message, Remedies: s.remedies, Now: now}
}

// eval applies e to the spec, evaluates at now and stores the new status.
func (s *sim) eval(t *testing.T, now time.Time, e edit) Result {
	t.Helper()
	if e != nil {
		e(&s.c.Spec)
	}
	in := s.input(s.c, now)
	before := s.c.DeepCopy()
	r := Evaluate(in)
	if !apiequality.Semantic.DeepEqual(before, s.c) {
		t.Fatalf("Evaluate modified its input complaint")
	}
	if again := Evaluate(in); !reflect.DeepEqual(r, again) {
		t.Fatalf("Evaluate is not deterministic:\nfirst:  %+v\nsecond: %+v", r, again)
	}
	// Fed its own status at the same instant, nothing fires twice and the
	// status is a fixed point.
	fed := s.c.DeepCopy()
	fed.Status = *r.Status.DeepCopy()
	r2 := Evaluate(s.input(fed, now))
	if len(r2.Transitions) != 0 {
		t.Fatalf("re-evaluation at the same instant fired again: %q", fmtTransitions(r2.Transitions))
	}
	if !apiequality.Semantic.DeepEqual(r.Status, r2.Status) {
		t.Fatalf("status is not a fixed point:\nfirst:  %+v\nsecond: %+v", r.Status, r2.Status)
	}
	if !r2.Next.Equal(r.Next) {
		t.Fatalf("Next changed on re-evaluation: %v then %v", r.Next, r2.Next)
	}
	if !r.Next.IsZero() && !r.Next.After(now.Truncate(time.Second)) {
		t.Fatalf("Next %v is not after now %v", r.Next, now)
	}
	// History ends with one entry per transition of this evaluation.
	h := r.Status.History
	if len(h) > MaxHistory {
		t.Fatalf("history has %d entries, more than MaxHistory %d", len(h), MaxHistory)
	}
	if n := len(r.Transitions); n <= len(h) {
		for i, x := range r.Transitions {
			got := h[len(h)-n+i]
			if !got.Time.Time.Equal(x.At) || got.Event != x.Reason || got.Message != x.Message {
				t.Fatalf("history entry %+v does not record transition %+v", got, x)
			}
		}
	}
	s.c.Status = r.Status
	s.all = append(s.all, r.Transitions...)
	return r
}

// step is one evaluation of a complaint's life.
type step struct {
	at    time.Time
	edit  edit
	want  []string // exactly the transitions of this evaluation (fmtTransition)
	check func(t *testing.T, s *sim, r Result)
}

// live runs the steps as subtests; it stops at the first failing step.
func live(t *testing.T, s *sim, steps []step) {
	t.Helper()
	for i, st := range steps {
		ok := t.Run(fmt.Sprintf("%02d@%s", i, st.at.UTC().Format(time.RFC3339)), func(t *testing.T) {
			r := s.eval(t, st.at, st.edit)
			if got := fmtTransitions(r.Transitions); !slices.Equal(got, st.want) {
				t.Fatalf("transitions = %q\nwant          %q", got, st.want)
			}
			if st.check != nil {
				st.check(t, s, r)
			}
		})
		if !ok {
			t.FailNow()
		}
	}
}

// clk is the expected status of a clock; zero times and durations mean the
// field is unset.
type clk struct {
	state                         supportv1.ClockState
	target                        time.Duration
	started, due, atRisk, stopped time.Time
	paused                        time.Duration
	notified                      bool
}

func wantTime(t *testing.T, what string, got *metav1.Time, want time.Time) {
	t.Helper()
	switch {
	case want.IsZero() && got != nil:
		t.Errorf("%s = %s, want unset", what, got.UTC().Format(time.RFC3339))
	case !want.IsZero() && got == nil:
		t.Errorf("%s unset, want %s", what, want.UTC().Format(time.RFC3339))
	case !want.IsZero() && !got.Time.Equal(want):
		t.Errorf("%s = %s, want %s", what, got.UTC().Format(time.RFC3339), want.UTC().Format(time.RFC3339))
	}
}

func wantNext(t *testing.T, r Result, want time.Time) {
	t.Helper()
	if !r.Next.Equal(want) {
		t.Errorf("Next = %v, want %v", r.Next.UTC(), want.UTC())
	}
}

func wantDuration(t *testing.T, what string, got *metav1.Duration, want time.Duration) {
	t.Helper()
	switch {
	case want == 0 && got != nil:
		t.Errorf("%s = %v, want unset", what, got.Duration)
	case want != 0 && (got == nil || got.Duration != want):
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func wantClock(t *testing.T, name string, got *supportv1.ClockStatus, want *clk) {
	t.Helper()
	if want == nil {
		if got != nil {
			t.Errorf("clock %s = %+v, want none", name, *got)
		}
		return
	}
	if got == nil {
		t.Errorf("clock %s is missing, want %+v", name, *want)
		return
	}
	if got.State != want.state {
		t.Errorf("clock %s state = %s, want %s", name, got.State, want.state)
	}
	wantDuration(t, name+".target", got.Target, want.target)
	wantTime(t, name+".startedAt", got.StartedAt, want.started)
	wantTime(t, name+".dueAt", got.DueAt, want.due)
	wantTime(t, name+".atRiskAt", got.AtRiskAt, want.atRisk)
	wantTime(t, name+".stoppedAt", got.StoppedAt, want.stopped)
	wantDuration(t, name+".pausedFor", got.PausedFor, want.paused)
	if got.AtRiskNotified != want.notified {
		t.Errorf("clock %s atRiskNotified = %t, want %t", name, got.AtRiskNotified, want.notified)
	}
}

func wantCondition(t *testing.T, st supportv1.ComplaintStatus, typ string, status metav1.ConditionStatus, reason string) {
	t.Helper()
	c := apimeta.FindStatusCondition(st.Conditions, typ)
	if c == nil {
		t.Errorf("condition %s missing, want %s/%s", typ, status, reason)
		return
	}
	if c.Status != status || c.Reason != reason {
		t.Errorf("condition %s = %s/%s (%s), want %s/%s", typ, c.Status, c.Reason, c.Message, status, reason)
	}
	if c.ObservedGeneration != 1 {
		t.Errorf("condition %s observedGeneration = %d, want 1", typ, c.ObservedGeneration)
	}
}

func wantPhase(t *testing.T, r Result, want supportv1.Phase) {
	t.Helper()
	if r.Status.Phase != want {
		t.Errorf("phase = %s, want %s", r.Status.Phase, want)
	}
}

func TestStart(t *testing.T) {
	cases := []struct {
		name       string
		created    time.Time
		reportedAt *time.Time
		want       time.Time
	}{
		{"creation only", ts(0), nil, ts(0)},
		{"creation is truncated to the second", ts(900 * time.Millisecond), nil, ts(0)},
		{"reportedAt earlier than creation wins", ts(0), ptrTime(ts(-2 * time.Hour)), ts(-2 * time.Hour)},
		{"reportedAt earlier is truncated to the second", ts(0), ptrTime(ts(-2*time.Hour + 500*time.Millisecond)), ts(-2 * time.Hour)},
		{"reportedAt later than creation is ignored", ts(0), ptrTime(ts(time.Hour)), ts(0)},
		{"reportedAt equal to creation", ts(0), ptrTime(ts(0)), ts(0)},
		{"no creation yet: reportedAt", time.Time{}, ptrTime(ts(-time.Hour)), ts(-time.Hour)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newComplaint(tc.created)
			if tc.reportedAt != nil {
				r := metav1.NewTime(*tc.reportedAt)
				c.Spec.ReportedAt = &r
			}
			if got := Start(c); !got.Equal(tc.want) {
				t.Fatalf("Start = %v, want %v", got, tc.want)
			}
		})
	}
}

func ptrTime(t time.Time) *time.Time { return &t }

func TestFirstResponseClock24x7(t *testing.T) {
	p := compiled(t, supportv1.ServicePolicySpec{Targets: targets(time.Hour, 0, 0)})
	type at struct {
		off  time.Duration
		edit edit
	}
	running := clk{state: supportv1.ClockRunning, target: time.Hour, started: ts(0), due: ts(time.Hour), atRisk: ts(45 * time.Minute)}
	runningNotified := running
	runningNotified.notified = true
	breached := clk{state: supportv1.ClockBreached, target: time.Hour, started: ts(0), due: ts(time.Hour), notified: true}
	met := func(stop time.Duration) clk {
		return clk{state: supportv1.ClockMet, target: time.Hour, started: ts(0), due: ts(time.Hour), stopped: ts(stop)}
	}
	breachedStopped := func(stop time.Duration) clk { c := breached; c.stopped = ts(stop); return c }

	cases := []struct {
		name       string
		steps      []at
		want       []string // transitions of the last evaluation
		clock      clk
		next       time.Time
		nextDue    time.Time
		breachedAt time.Time
		phase      supportv1.Phase
	}{
		{
			name:    "at creation: Running, due after the target, AtRisk scheduled at 75%",
			steps:   []at{{0, nil}},
			want:    []string{tr("Created", ts(0))},
			clock:   running,
			next:    ts(45 * time.Minute),
			nextDue: ts(time.Hour),
			phase:   supportv1.PhaseNew,
		},
		{
			name:    "one second before 75%: no AtRisk yet",
			steps:   []at{{0, nil}, {45*time.Minute - time.Second, nil}},
			clock:   running,
			next:    ts(45 * time.Minute),
			nextDue: ts(time.Hour),
			phase:   supportv1.PhaseNew,
		},
		{
			name:    "at exactly 75%: AtRisk fires as a warning, Next is the due time",
			steps:   []at{{0, nil}, {45 * time.Minute, nil}},
			want:    []string{tr("!AtRisk/FirstResponse", ts(45*time.Minute))},
			clock:   runningNotified,
			next:    ts(time.Hour),
			nextDue: ts(time.Hour),
			phase:   supportv1.PhaseNew,
		},
		{
			name:    "one second before due: still Running",
			steps:   []at{{0, nil}, {45 * time.Minute, nil}, {time.Hour - time.Second, nil}},
			clock:   runningNotified,
			next:    ts(time.Hour),
			nextDue: ts(time.Hour),
			phase:   supportv1.PhaseNew,
		},
		{
			name:    "999ms before due is truncated to the second: still Running",
			steps:   []at{{0, nil}, {45 * time.Minute, nil}, {time.Hour - time.Millisecond, nil}},
			clock:   runningNotified,
			next:    ts(time.Hour),
			nextDue: ts(time.Hour),
			phase:   supportv1.PhaseNew,
		},
		{
			name:       "exactly at due: Breached, the transition is At the due time",
			steps:      []at{{0, nil}, {45 * time.Minute, nil}, {time.Hour, nil}},
			want:       []string{tr("!Breached/FirstResponse", ts(time.Hour))},
			clock:      breached,
			breachedAt: ts(time.Hour),
			phase:      supportv1.PhaseNew,
		},
		{
			name:       "first evaluation long after due: Created and Breached At due, no AtRisk",
			steps:      []at{{3 * time.Hour, nil}},
			want:       []string{tr("Created", ts(0)), tr("!Breached/FirstResponse", ts(time.Hour))},
			clock:      breached,
			breachedAt: ts(time.Hour),
			phase:      supportv1.PhaseNew,
		},
		{
			name:  "acknowledged in time: Met, stopped at the acknowledgement",
			steps: []at{{0, nil}, {30 * time.Minute, ack}},
			want:  []string{tr("Acknowledged", ts(30*time.Minute))},
			clock: met(30 * time.Minute),
			phase: supportv1.PhaseAcknowledged,
		},
		{
			name:  "acknowledged exactly at due: Met",
			steps: []at{{0, nil}, {time.Hour, ack}},
			want:  []string{tr("Acknowledged", ts(time.Hour))},
			clock: met(time.Hour),
			phase: supportv1.PhaseAcknowledged,
		},
		{
			name:       "acknowledgement first seen one second after due: Breached At due in the same evaluation",
			steps:      []at{{0, nil}, {time.Hour + time.Second, ack}},
			want:       []string{tr("Acknowledged", ts(time.Hour+time.Second)), tr("!Breached/FirstResponse", ts(time.Hour))},
			clock:      breachedStopped(time.Hour + time.Second),
			breachedAt: ts(time.Hour),
			phase:      supportv1.PhaseAcknowledged,
		},
		{
			name:  "Met stays Met: later evaluations change nothing",
			steps: []at{{0, nil}, {30 * time.Minute, ack}, {5 * time.Hour, nil}, {48 * time.Hour, nil}},
			clock: met(30 * time.Minute),
			phase: supportv1.PhaseAcknowledged,
		},
		{
			name:       "acknowledged after the breach was seen: stays Breached, no second Breached",
			steps:      []at{{0, nil}, {time.Hour, nil}, {2 * time.Hour, ack}},
			want:       []string{tr("Acknowledged", ts(2*time.Hour))},
			clock:      breachedStopped(2 * time.Hour),
			breachedAt: ts(time.Hour),
			phase:      supportv1.PhaseAcknowledged,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newSim(t, p, newComplaint(t0))
			var r Result
			for _, st := range tc.steps {
				r = s.eval(t, ts(st.off), st.edit)
			}
			if got := fmtTransitions(r.Transitions); !slices.Equal(got, tc.want) {
				t.Fatalf("transitions = %q\nwant          %q", got, tc.want)
			}
			wantClock(t, "firstResponse", r.Status.Clocks.FirstResponse, &tc.clock)
			wantClock(t, "update", r.Status.Clocks.Update, nil)
			wantClock(t, "resolution", r.Status.Clocks.Resolution, nil)
			wantNext(t, r, tc.next)
			wantTime(t, "nextDueAt", r.Status.NextDueAt, tc.nextDue)
			wantTime(t, "breachedAt", r.Status.BreachedAt, tc.breachedAt)
			wantPhase(t, r, tc.phase)
			if tc.breachedAt.IsZero() {
				wantCondition(t, r.Status, supportv1.ConditionBreached, metav1.ConditionFalse, supportv1.ReasonWithinTargets)
			} else {
				wantCondition(t, r.Status, supportv1.ConditionBreached, metav1.ConditionTrue, string(supportv1.EventBreached))
			}
			if tc.clock.state == supportv1.ClockRunning && tc.clock.notified {
				wantCondition(t, r.Status, supportv1.ConditionAtRisk, metav1.ConditionTrue, string(supportv1.EventAtRisk))
			} else {
				wantCondition(t, r.Status, supportv1.ConditionAtRisk, metav1.ConditionFalse, supportv1.ReasonOnTrack)
			}
			if tc.phase == supportv1.PhaseAcknowledged {
				wantCondition(t, r.Status, supportv1.ConditionAcknowledged, metav1.ConditionTrue, string(supportv1.EventAcknowledged))
			} else {
				wantCondition(t, r.Status, supportv1.ConditionAcknowledged, metav1.ConditionFalse, supportv1.ReasonNotAcknowledged)
			}
		})
	}
}

func TestFirstResponseBusinessHours(t *testing.T) {
	p := compiled(t, supportv1.ServicePolicySpec{
		BusinessHours: officeHours("2026-04-03"),
		Targets:       targets(30*time.Minute, 0, 0),
	})
	cases := []struct {
		name              string
		created           time.Time
		wantDue, wantRisk time.Time
	}{
		{
			name:     "inside opening hours: due 30 minutes later",
			created:  berlin(t, "2026-03-24 10:00:00"),
			wantDue:  berlin(t, "2026-03-24 10:30:00"),
			wantRisk: berlin(t, "2026-03-24 10:22:30"),
		},
		{
			name:     "Friday 16:50: 10 minutes on Friday, due Monday 09:20",
			created:  berlin(t, "2026-03-20 16:50:00"),
			wantDue:  berlin(t, "2026-03-23 09:20:00"),
			wantRisk: berlin(t, "2026-03-23 09:12:30"),
		},
		{
			name:     "Thursday 16:50 before a Friday holiday: due Monday 09:20",
			created:  berlin(t, "2026-04-02 16:50:00"),
			wantDue:  berlin(t, "2026-04-06 09:20:00"),
			wantRisk: berlin(t, "2026-04-06 09:12:30"),
		},
		{
			name:     "Friday 16:50 CET before the DST change: due Monday 09:20 CEST",
			created:  mustRFC3339(t, "2026-03-27T16:50:00+01:00"),
			wantDue:  mustRFC3339(t, "2026-03-30T09:20:00+02:00"),
			wantRisk: mustRFC3339(t, "2026-03-30T09:12:30+02:00"),
		},
		{
			name:     "Saturday: the clock starts at Monday's opening",
			created:  berlin(t, "2026-03-21 11:00:00"),
			wantDue:  berlin(t, "2026-03-23 09:30:00"),
			wantRisk: berlin(t, "2026-03-23 09:22:30"),
		},
		{
			name:     "before opening: the clock starts at 09:00",
			created:  berlin(t, "2026-03-24 07:15:00"),
			wantDue:  berlin(t, "2026-03-24 09:30:00"),
			wantRisk: berlin(t, "2026-03-24 09:22:30"),
		},
		{
			name:     "on the holiday itself: the clock starts on the next open day",
			created:  berlin(t, "2026-04-03 10:00:00"),
			wantDue:  berlin(t, "2026-04-06 09:30:00"),
			wantRisk: berlin(t, "2026-04-06 09:22:30"),
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newSim(t, p, newComplaint(tc.created))
			r := s.eval(t, tc.created, nil)
			wantClock(t, "firstResponse", r.Status.Clocks.FirstResponse, &clk{
				state: supportv1.ClockRunning, target: 30 * time.Minute, started: tc.created, due: tc.wantDue, atRisk: tc.wantRisk,
			})
			wantNext(t, r, tc.wantRisk)
			wantTime(t, "nextDueAt", r.Status.NextDueAt, tc.wantDue)
		})
	}

	t.Run("Friday 16:50 is not breached over the weekend, AtRisk and Breached fire on Monday", func(t *testing.T) {
		created := berlin(t, "2026-03-20 16:50:00")
		due, risk := berlin(t, "2026-03-23 09:20:00"), berlin(t, "2026-03-23 09:12:30")
		s := newSim(t, p, newComplaint(created))
		running := func(notified bool) func(t *testing.T, s *sim, r Result) {
			return func(t *testing.T, s *sim, r Result) {
				c := clk{state: supportv1.ClockRunning, target: 30 * time.Minute, started: created, due: due, atRisk: risk, notified: notified}
				wantClock(t, "firstResponse", r.Status.Clocks.FirstResponse, &c)
			}
		}
		live(t, s, []step{
			{at: created, want: []string{tr("Created", created)}, check: running(false)},
			{at: berlin(t, "2026-03-20 17:30:00"), check: running(false)},
			{at: berlin(t, "2026-03-21 12:00:00"), check: running(false)},
			{at: berlin(t, "2026-03-23 09:12:29"), check: running(false)},
			{at: risk, want: []string{tr("!AtRisk/FirstResponse", risk)}, check: running(true)},
			{at: berlin(t, "2026-03-23 09:19:59"), check: running(true)},
			{at: due, want: []string{tr("!Breached/FirstResponse", due)}, check: func(t *testing.T, s *sim, r Result) {
				wantClock(t, "firstResponse", r.Status.Clocks.FirstResponse, &clk{
					state: supportv1.ClockBreached, target: 30 * time.Minute, started: created, due: due, notified: true,
				})
				wantTime(t, "breachedAt", r.Status.BreachedAt, due)
			}},
		})
	})
}

func TestRetroactiveReportedAt(t *testing.T) {
	p := compiled(t, supportv1.ServicePolicySpec{Targets: targets(time.Hour, 0, 24*time.Hour)})
	cases := []struct {
		name       string
		reportedAt time.Time
		want       []string
		fr         clk
		resStart   time.Time
		next       time.Time
		breachedAt time.Time
	}{
		{
			name:       "reported 2h before creation: breached at the first evaluation, Breached At due",
			reportedAt: ts(-2 * time.Hour),
			want:       []string{tr("Created", ts(-2*time.Hour)), tr("!Breached/FirstResponse", ts(-time.Hour))},
			fr:         clk{state: supportv1.ClockBreached, target: time.Hour, started: ts(-2 * time.Hour), due: ts(-time.Hour), notified: true},
			resStart:   ts(-2 * time.Hour),
			next:       ts(16 * time.Hour), // resolution at risk: 18h after 08:00
			breachedAt: ts(-time.Hour),
		},
		{
			name:       "reported 50m before creation: AtRisk at the first evaluation",
			reportedAt: ts(-50 * time.Minute),
			want:       []string{tr("Created", ts(-50*time.Minute)), tr("!AtRisk/FirstResponse", ts(0))},
			fr:         clk{state: supportv1.ClockRunning, target: time.Hour, started: ts(-50 * time.Minute), due: ts(10 * time.Minute), atRisk: ts(-5 * time.Minute), notified: true},
			resStart:   ts(-50 * time.Minute),
			next:       ts(10 * time.Minute),
		},
		{
			name:       "reported after creation: ignored, the clocks start at creation",
			reportedAt: ts(30 * time.Minute),
			want:       []string{tr("Created", ts(0))},
			fr:         clk{state: supportv1.ClockRunning, target: time.Hour, started: ts(0), due: ts(time.Hour), atRisk: ts(45 * time.Minute)},
			resStart:   ts(0),
			next:       ts(45 * time.Minute),
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newComplaint(t0)
			rep := metav1.NewTime(tc.reportedAt)
			c.Spec.ReportedAt = &rep
			s := newSim(t, p, c)
			r := s.eval(t, t0, nil)
			if got := fmtTransitions(r.Transitions); !slices.Equal(got, tc.want) {
				t.Fatalf("transitions = %q\nwant          %q", got, tc.want)
			}
			wantClock(t, "firstResponse", r.Status.Clocks.FirstResponse, &tc.fr)
			wantClock(t, "resolution", r.Status.Clocks.Resolution, &clk{
				state: supportv1.ClockRunning, target: 24 * time.Hour, started: tc.resStart,
				due: tc.resStart.Add(24 * time.Hour), atRisk: tc.resStart.Add(18 * time.Hour),
			})
			wantNext(t, r, tc.next)
			wantTime(t, "breachedAt", r.Status.BreachedAt, tc.breachedAt)
			wantPhase(t, r, supportv1.PhaseNew)
		})
	}
}

func TestPause(t *testing.T) {
	pausing := []supportv1.WaitingOn{supportv1.WaitingOnCustomer}

	t.Run("pause across closing time moves due by the open time paused only", func(t *testing.T) {
		p := compiled(t, supportv1.ServicePolicySpec{
			BusinessHours: officeHours(),
			Targets:       targets(4*time.Hour, 0, 0),
			PauseWhile:    pausing,
		})
		created := berlin(t, "2026-03-20 15:00:00") // Friday
		fri16, mon10 := berlin(t, "2026-03-20 16:00:00"), berlin(t, "2026-03-23 10:00:00")
		s := newSim(t, p, newComplaint(created))
		live(t, s, []step{
			{at: created, want: []string{tr("Created", created)}, check: func(t *testing.T, s *sim, r Result) {
				// 2h on Friday, 2h on Monday.
				wantClock(t, "firstResponse", r.Status.Clocks.FirstResponse, &clk{state: supportv1.ClockRunning, target: 4 * time.Hour,
					started: created, due: berlin(t, "2026-03-23 11:00:00"), atRisk: berlin(t, "2026-03-23 10:00:00")})
			}},
			{at: fri16, edit: waitOn(supportv1.WaitingOnCustomer), want: []string{tr("Waiting()", fri16)}, check: func(t *testing.T, s *sim, r Result) {
				wantClock(t, "firstResponse", r.Status.Clocks.FirstResponse, &clk{state: supportv1.ClockPaused, target: 4 * time.Hour, started: created})
				wantTime(t, "waitingSince", r.Status.WaitingSince, fri16)
				wantTime(t, "nextDueAt", r.Status.NextDueAt, time.Time{})
				wantNext(t, r, time.Time{})
				wantPhase(t, r, supportv1.PhaseWaiting)
			}},
			{at: berlin(t, "2026-03-21 12:00:00"), check: func(t *testing.T, s *sim, r Result) {
				wantClock(t, "firstResponse", r.Status.Clocks.FirstResponse, &clk{state: supportv1.ClockPaused, target: 4 * time.Hour, started: created})
			}},
			{at: berlin(t, "2026-03-23 09:59:59"), check: func(t *testing.T, s *sim, r Result) {
				wantClock(t, "firstResponse", r.Status.Clocks.FirstResponse, &clk{state: supportv1.ClockPaused, target: 4 * time.Hour, started: created})
			}},
			{at: mon10, edit: waitOn(""), want: []string{tr("Resumed()", mon10)}, check: func(t *testing.T, s *sim, r Result) {
				// Paused 1h on Friday (16-17) and 1h on Monday (9-10).
				wantClock(t, "firstResponse", r.Status.Clocks.FirstResponse, &clk{state: supportv1.ClockRunning, target: 4 * time.Hour,
					started: created, paused: 2 * time.Hour, due: berlin(t, "2026-03-23 13:00:00"), atRisk: berlin(t, "2026-03-23 12:00:00")})
				wantTime(t, "waitingSince", r.Status.WaitingSince, time.Time{})
				wantTime(t, "nextDueAt", r.Status.NextDueAt, berlin(t, "2026-03-23 13:00:00"))
				wantNext(t, r, berlin(t, "2026-03-23 12:00:00"))
				wantPhase(t, r, supportv1.PhaseNew)
			}},
			{at: berlin(t, "2026-03-23 12:59:59"), want: []string{tr("!AtRisk/FirstResponse", berlin(t, "2026-03-23 12:59:59"))}},
			{at: berlin(t, "2026-03-23 13:00:00"), want: []string{tr("!Breached/FirstResponse", berlin(t, "2026-03-23 13:00:00"))}, check: func(t *testing.T, s *sim, r Result) {
				wantClock(t, "firstResponse", r.Status.Clocks.FirstResponse, &clk{state: supportv1.ClockBreached, target: 4 * time.Hour,
					started: created, paused: 2 * time.Hour, due: berlin(t, "2026-03-23 13:00:00"), notified: true})
			}},
		})
	})

	p24 := compiled(t, supportv1.ServicePolicySpec{
		Targets:    targets(time.Hour, 4*time.Hour, 24*time.Hour),
		PauseWhile: []supportv1.WaitingOn{supportv1.WaitingOnCustomer, supportv1.WaitingOnVendor},
	})
	frOnly := compiled(t, supportv1.ServicePolicySpec{Targets: targets(time.Hour, 0, 0), PauseWhile: pausing})

	t.Run("waitingOn not in pauseWhile: phase Waiting, the clocks run on", func(t *testing.T) {
		s := newSim(t, frOnly, newComplaint(t0))
		live(t, s, []step{
			{at: ts(0), want: []string{tr("Created", ts(0))}},
			{at: ts(10 * time.Minute), edit: waitOn(supportv1.WaitingOnVendor), check: func(t *testing.T, s *sim, r Result) {
				wantPhase(t, r, supportv1.PhaseWaiting)
				wantTime(t, "waitingSince", r.Status.WaitingSince, time.Time{})
				wantClock(t, "firstResponse", r.Status.Clocks.FirstResponse, &clk{state: supportv1.ClockRunning, target: time.Hour,
					started: ts(0), due: ts(time.Hour), atRisk: ts(45 * time.Minute)})
			}},
			{at: ts(time.Hour), want: []string{tr("!Breached/FirstResponse", ts(time.Hour))}},
		})
	})

	t.Run("two pauses accumulate", func(t *testing.T) {
		s := newSim(t, frOnly, newComplaint(t0))
		fr := func(paused time.Duration) func(t *testing.T, s *sim, r Result) {
			return func(t *testing.T, s *sim, r Result) {
				wantClock(t, "firstResponse", r.Status.Clocks.FirstResponse, &clk{state: supportv1.ClockRunning, target: time.Hour,
					started: ts(0), paused: paused, due: ts(time.Hour + paused), atRisk: ts(45*time.Minute + paused)})
			}
		}
		live(t, s, []step{
			{at: ts(0), want: []string{tr("Created", ts(0))}, check: fr(0)},
			{at: ts(10 * time.Minute), edit: waitOn(supportv1.WaitingOnCustomer), want: []string{tr("Waiting()", ts(10*time.Minute))}},
			{at: ts(20 * time.Minute), edit: waitOn(""), want: []string{tr("Resumed()", ts(20*time.Minute))}, check: fr(10 * time.Minute)},
			{at: ts(30 * time.Minute), edit: waitOn(supportv1.WaitingOnCustomer), want: []string{tr("Waiting()", ts(30*time.Minute))}},
			{at: ts(50 * time.Minute), edit: waitOn(""), want: []string{tr("Resumed()", ts(50*time.Minute))}, check: fr(30 * time.Minute)},
			{at: ts(75*time.Minute - time.Second), check: fr(30 * time.Minute)},
			{at: ts(75 * time.Minute), want: []string{tr("!AtRisk/FirstResponse", ts(75*time.Minute))}},
			{at: ts(90 * time.Minute), want: []string{tr("!Breached/FirstResponse", ts(90*time.Minute))}},
		})
	})

	t.Run("a pause ending counts only for clocks running during it", func(t *testing.T) {
		s := newSim(t, p24, newComplaint(t0))
		live(t, s, []step{
			{at: ts(0), want: []string{tr("Created", ts(0))}},
			{at: ts(10 * time.Minute), edit: ack, want: []string{tr("Acknowledged", ts(10*time.Minute))}},
			{at: ts(20 * time.Minute), edit: waitOn(supportv1.WaitingOnVendor), want: []string{tr("Waiting()", ts(20*time.Minute))}, check: func(t *testing.T, s *sim, r Result) {
				wantClock(t, "firstResponse", r.Status.Clocks.FirstResponse, &clk{state: supportv1.ClockMet, target: time.Hour,
					started: ts(0), due: ts(time.Hour), stopped: ts(10 * time.Minute)})
				wantClock(t, "update", r.Status.Clocks.Update, &clk{state: supportv1.ClockPaused, target: 4 * time.Hour, started: ts(10 * time.Minute)})
				wantClock(t, "resolution", r.Status.Clocks.Resolution, &clk{state: supportv1.ClockPaused, target: 24 * time.Hour, started: ts(0)})
			}},
			{at: ts(40 * time.Minute), edit: waitOn(""), want: []string{tr("Resumed()", ts(40*time.Minute))}, check: func(t *testing.T, s *sim, r Result) {
				wantClock(t, "firstResponse", r.Status.Clocks.FirstResponse, &clk{state: supportv1.ClockMet, target: time.Hour,
					started: ts(0), due: ts(time.Hour), stopped: ts(10 * time.Minute)})
				wantClock(t, "update", r.Status.Clocks.Update, &clk{state: supportv1.ClockRunning, target: 4 * time.Hour,
					started: ts(10 * time.Minute), paused: 20 * time.Minute, due: ts(4*time.Hour + 30*time.Minute), atRisk: ts(3*time.Hour + 30*time.Minute)})
				wantClock(t, "resolution", r.Status.Clocks.Resolution, &clk{state: supportv1.ClockRunning, target: 24 * time.Hour,
					started: ts(0), paused: 20 * time.Minute, due: ts(24*time.Hour + 20*time.Minute), atRisk: ts(18*time.Hour + 20*time.Minute)})
				wantNext(t, r, ts(3*time.Hour+30*time.Minute))
			}},
		})
	})

	t.Run("an update during a pause restarts the update clock; only the pause after the restart counts", func(t *testing.T) {
		s := newSim(t, p24, newComplaint(t0))
		live(t, s, []step{
			{at: ts(0), want: []string{tr("Created", ts(0))}},
			{at: ts(10 * time.Minute), edit: ack, want: []string{tr("Acknowledged", ts(10*time.Minute))}},
			{at: ts(20 * time.Minute), edit: waitOn(supportv1.WaitingOnCustomer), want: []string{tr("Waiting()", ts(20*time.Minute))}},
			{at: ts(30 * time.Minute), edit: progress("asked for the batch number"), want: []string{tr("ProgressUpdate()", ts(30*time.Minute))}, check: func(t *testing.T, s *sim, r Result) {
				wantClock(t, "update", r.Status.Clocks.Update, &clk{state: supportv1.ClockPaused, target: 4 * time.Hour, started: ts(30 * time.Minute)})
			}},
			{at: ts(time.Hour), edit: waitOn(""), want: []string{tr("Resumed()", ts(time.Hour))}, check: func(t *testing.T, s *sim, r Result) {
				wantClock(t, "update", r.Status.Clocks.Update, &clk{state: supportv1.ClockRunning, target: 4 * time.Hour,
					started: ts(30 * time.Minute), paused: 30 * time.Minute, due: ts(5 * time.Hour), atRisk: ts(4 * time.Hour)})
				wantClock(t, "resolution", r.Status.Clocks.Resolution, &clk{state: supportv1.ClockRunning, target: 24 * time.Hour,
					started: ts(0), paused: 40 * time.Minute, due: ts(24*time.Hour + 40*time.Minute), atRisk: ts(18*time.Hour + 40*time.Minute)})
			}},
		})
	})

	t.Run("a pause beginning after the due time does not undo the breach", func(t *testing.T) {
		s := newSim(t, frOnly, newComplaint(t0))
		breached := &clk{state: supportv1.ClockBreached, target: time.Hour, started: ts(0), due: ts(time.Hour), notified: true}
		live(t, s, []step{
			{at: ts(0), want: []string{tr("Created", ts(0))}},
			{at: ts(90 * time.Minute), want: []string{tr("!Breached/FirstResponse", ts(time.Hour))}},
			{at: ts(2 * time.Hour), edit: waitOn(supportv1.WaitingOnCustomer), want: []string{tr("Waiting()", ts(2*time.Hour))}, check: func(t *testing.T, s *sim, r Result) {
				wantClock(t, "firstResponse", r.Status.Clocks.FirstResponse, breached)
				wantTime(t, "breachedAt", r.Status.BreachedAt, ts(time.Hour))
			}},
			{at: ts(3 * time.Hour), edit: waitOn(""), want: []string{tr("Resumed()", ts(3*time.Hour))}, check: func(t *testing.T, s *sim, r Result) {
				if st := r.Status.Clocks.FirstResponse.State; st != supportv1.ClockBreached {
					t.Fatalf("firstResponse state = %s, want Breached", st)
				}
			}},
		})
	})

	t.Run("a pause beginning after the breach does not move the breach", func(t *testing.T) {
		s := newSim(t, frOnly, newComplaint(t0))
		breached := &clk{state: supportv1.ClockBreached, target: time.Hour, started: ts(0), due: ts(time.Hour), notified: true}
		live(t, s, []step{
			{at: ts(0), want: []string{tr("Created", ts(0))}},
			{at: ts(90 * time.Minute), want: []string{tr("!Breached/FirstResponse", ts(time.Hour))}},
			{at: ts(2 * time.Hour), edit: waitOn(supportv1.WaitingOnCustomer), want: []string{tr("Waiting()", ts(2*time.Hour))}},
			{at: ts(3 * time.Hour), edit: waitOn(""), want: []string{tr("Resumed()", ts(3*time.Hour))}, check: func(t *testing.T, s *sim, r Result) {
				wantClock(t, "firstResponse", r.Status.Clocks.FirstResponse, breached)
				wantTime(t, "breachedAt", r.Status.BreachedAt, ts(time.Hour))
			}},
		})
	})

	t.Run("resolution accepted while waiting ends the pause and counts it", func(t *testing.T) {
		p := compiled(t, supportv1.ServicePolicySpec{Targets: targets(0, 0, 2*time.Hour), PauseWhile: pausing})
		s := newSim(t, p, newComplaint(t0))
		live(t, s, []step{
			{at: ts(0), want: []string{tr("Created", ts(0))}},
			{at: ts(30 * time.Minute), edit: waitOn(supportv1.WaitingOnCustomer), want: []string{tr("Waiting()", ts(30*time.Minute))}},
			{at: ts(150 * time.Minute), edit: resolve(resV1), want: []string{tr("Resolved", ts(150*time.Minute)), tr("Resumed()", ts(150*time.Minute))}, check: func(t *testing.T, s *sim, r Result) {
				// 30m run, 2h paused: due 04:00 after start, met at 02:30.
				wantClock(t, "resolution", r.Status.Clocks.Resolution, &clk{state: supportv1.ClockMet, target: 2 * time.Hour,
					started: ts(0), paused: 2 * time.Hour, due: ts(4 * time.Hour), stopped: ts(150 * time.Minute)})
				wantTime(t, "waitingSince", r.Status.WaitingSince, time.Time{})
				wantPhase(t, r, supportv1.PhaseResolved)
			}},
		})
	})

	t.Run("acknowledgement during a pause counts only the unpaused time", func(t *testing.T) {
		p := compiled(t, supportv1.ServicePolicySpec{Targets: targets(time.Hour, 0, 0), PauseWhile: []supportv1.WaitingOn{supportv1.WaitingOnVendor}})
		s := newSim(t, p, newComplaint(t0))
		live(t, s, []step{
			{at: ts(0), want: []string{tr("Created", ts(0))}},
			{at: ts(30 * time.Minute), edit: waitOn(supportv1.WaitingOnVendor), want: []string{tr("Waiting()", ts(30*time.Minute))}},
			{at: ts(2 * time.Hour), edit: ack, want: []string{tr("Acknowledged", ts(2*time.Hour))}, check: func(t *testing.T, s *sim, r Result) {
				if st := r.Status.Clocks.FirstResponse.State; st != supportv1.ClockMet {
					t.Errorf("firstResponse state = %s, want Met", st)
				}
			}},
			{at: ts(150 * time.Minute), edit: waitOn(""), want: []string{tr("Resumed()", ts(150*time.Minute))}, check: func(t *testing.T, s *sim, r Result) {
				wantClock(t, "firstResponse", r.Status.Clocks.FirstResponse, &clk{state: supportv1.ClockMet, target: time.Hour,
					started: ts(0), paused: 90 * time.Minute, due: ts(150 * time.Minute), stopped: ts(2 * time.Hour)})
			}},
		})
	})
}

func TestUpdateClock(t *testing.T) {
	p := compiled(t, supportv1.ServicePolicySpec{Targets: targets(time.Hour, 4*time.Hour, 0)})
	upd := func(start time.Duration, notified bool) *clk {
		return &clk{state: supportv1.ClockRunning, target: 4 * time.Hour, started: ts(start), due: ts(start + 4*time.Hour), atRisk: ts(start + 3*time.Hour), notified: notified}
	}
	checkUpd := func(want *clk, lastUpdateAt time.Time) func(t *testing.T, s *sim, r Result) {
		return func(t *testing.T, s *sim, r Result) {
			wantClock(t, "update", r.Status.Clocks.Update, want)
			wantTime(t, "lastUpdateAt", r.Status.LastUpdateAt, lastUpdateAt)
		}
	}
	cases := []struct {
		name  string
		steps []step
	}{
		{
			name: "restarts on a new lastUpdate, not on an unchanged one",
			steps: []step{
				{at: ts(0), want: []string{tr("Created", ts(0))}, check: checkUpd(nil, time.Time{})},
				{at: ts(10 * time.Minute), edit: ack, want: []string{tr("Acknowledged", ts(10*time.Minute))}, check: checkUpd(upd(10*time.Minute, false), time.Time{})},
				{at: ts(2 * time.Hour), edit: progress("replacement shipped"), want: []string{tr("ProgressUpdate()", ts(2*time.Hour))}, check: checkUpd(upd(2*time.Hour, false), ts(2*time.Hour))},
				{at: ts(3 * time.Hour), edit: progress("replacement shipped"), check: checkUpd(upd(2*time.Hour, false), ts(2*time.Hour))},
				{at: ts(4 * time.Hour), edit: progress("courier picked it up"), want: []string{tr("ProgressUpdate()", ts(4*time.Hour))}, check: checkUpd(upd(4*time.Hour, false), ts(4*time.Hour))},
				{at: ts(5 * time.Hour), edit: func(s *supportv1.ComplaintSpec) { s.LastUpdate.By = "agent-bob" }, want: []string{tr("ProgressUpdate()", ts(5*time.Hour))}, check: checkUpd(upd(5*time.Hour, false), ts(5*time.Hour))},
			},
		},
		{
			name: "a new update after a breach starts a fresh run that can be at risk again",
			steps: []step{
				{at: ts(0), want: []string{tr("Created", ts(0))}},
				{at: ts(10 * time.Minute), edit: ack, want: []string{tr("Acknowledged", ts(10*time.Minute))}},
				{at: ts(3*time.Hour + 10*time.Minute), want: []string{tr("!AtRisk/Update", ts(3*time.Hour+10*time.Minute))}, check: checkUpd(upd(10*time.Minute, true), time.Time{})},
				{at: ts(4*time.Hour + 10*time.Minute), want: []string{tr("!Breached/Update", ts(4*time.Hour+10*time.Minute))}, check: func(t *testing.T, s *sim, r Result) {
					wantClock(t, "update", r.Status.Clocks.Update, &clk{state: supportv1.ClockBreached, target: 4 * time.Hour,
						started: ts(10 * time.Minute), due: ts(4*time.Hour + 10*time.Minute), notified: true})
					wantTime(t, "breachedAt", r.Status.BreachedAt, ts(4*time.Hour+10*time.Minute))
				}},
				{at: ts(5 * time.Hour), edit: progress("replacement shipped"), want: []string{tr("ProgressUpdate()", ts(5*time.Hour))}, check: func(t *testing.T, s *sim, r Result) {
					checkUpd(upd(5*time.Hour, false), ts(5*time.Hour))(t, s, r)
					wantTime(t, "breachedAt", r.Status.BreachedAt, time.Time{})
				}},
				{at: ts(8 * time.Hour), want: []string{tr("!AtRisk/Update", ts(8*time.Hour))}, check: checkUpd(upd(5*time.Hour, true), ts(5*time.Hour))},
			},
		},
		{
			name: "an update before the acknowledgement: the update clock starts at the acknowledgement",
			steps: []step{
				{at: ts(0), want: []string{tr("Created", ts(0))}},
				{at: ts(5 * time.Minute), edit: progress("left a voicemail"), want: []string{tr("ProgressUpdate()", ts(5*time.Minute))}, check: checkUpd(nil, ts(5*time.Minute))},
				{at: ts(10 * time.Minute), edit: ack, want: []string{tr("Acknowledged", ts(10*time.Minute))}, check: checkUpd(upd(10*time.Minute, false), ts(5*time.Minute))},
			},
		},
		{
			name: "resolution stops the update clock",
			steps: []step{
				{at: ts(0), want: []string{tr("Created", ts(0))}},
				{at: ts(10 * time.Minute), edit: ack, want: []string{tr("Acknowledged", ts(10*time.Minute))}},
				{at: ts(2 * time.Hour), edit: resolve(resV1), want: []string{tr("Resolved", ts(2*time.Hour))}, check: func(t *testing.T, s *sim, r Result) {
					wantClock(t, "update", r.Status.Clocks.Update, &clk{state: supportv1.ClockMet, target: 4 * time.Hour,
						started: ts(10 * time.Minute), due: ts(4*time.Hour + 10*time.Minute), stopped: ts(2 * time.Hour)})
					wantNext(t, r, time.Time{})
				}},
				{at: ts(48 * time.Hour), check: func(t *testing.T, s *sim, r Result) {
					if st := r.Status.Clocks.Update.State; st != supportv1.ClockMet {
						t.Errorf("update state = %s, want Met", st)
					}
				}},
			},
		},
		{
			name: "a progress update after resolution does not restart the update clock",
			steps: []step{
				{at: ts(0), want: []string{tr("Created", ts(0))}},
				{at: ts(10 * time.Minute), edit: ack, want: []string{tr("Acknowledged", ts(10*time.Minute))}},
				{at: ts(2 * time.Hour), edit: resolve(resV1), want: []string{tr("Resolved", ts(2*time.Hour))}},
				{at: ts(3 * time.Hour), edit: progress("courier confirmed the delivery"), want: []string{tr("ProgressUpdate()", ts(3*time.Hour))}, check: func(t *testing.T, s *sim, r Result) {
					if st := r.Status.Clocks.Update.State; st == supportv1.ClockRunning {
						t.Errorf("update clock is Running after resolution (startedAt %s, dueAt %s)", r.Status.Clocks.Update.StartedAt.UTC(), r.Status.Clocks.Update.DueAt.UTC())
					}
					wantNext(t, r, time.Time{})
				}},
				{at: ts(8 * time.Hour), check: func(t *testing.T, s *sim, r Result) {
					wantPhase(t, r, supportv1.PhaseResolved)
				}},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			live(t, newSim(t, p, newComplaint(t0)), tc.steps)
		})
	}
}

func TestAtRiskAndBreachedFireOnce(t *testing.T) {
	p := compiled(t, supportv1.ServicePolicySpec{Targets: targets(time.Hour, 0, 0)})
	every := func(from, to, step time.Duration) []time.Duration {
		var out []time.Duration
		for d := from; d <= to; d += step {
			out = append(out, d)
		}
		return out
	}
	cases := []struct {
		name       string
		offsets    []time.Duration
		wantAtRisk []string
	}{
		{
			name:       "every minute for three hours",
			offsets:    every(0, 3*time.Hour, time.Minute),
			wantAtRisk: []string{tr("!AtRisk/FirstResponse", ts(45*time.Minute))},
		},
		{
			name:       "every 7 seconds around the thresholds",
			offsets:    append(every(44*time.Minute, 46*time.Minute, 7*time.Second), every(59*time.Minute, 61*time.Minute, 7*time.Second)...),
			wantAtRisk: []string{tr("!AtRisk/FirstResponse", ts(44*time.Minute+63*time.Second))},
		},
		{
			name:    "straight past due, then again and again",
			offsets: []time.Duration{0, 2 * time.Hour, 3 * time.Hour, 24 * time.Hour, 240 * time.Hour},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newSim(t, p, newComplaint(t0))
			var r Result
			for _, off := range tc.offsets {
				r = s.eval(t, ts(off), nil)
			}
			var atRisk, breached []string
			for _, x := range s.all {
				switch x.Reason {
				case string(supportv1.EventAtRisk):
					atRisk = append(atRisk, fmtTransition(x))
				case string(supportv1.EventBreached):
					breached = append(breached, fmtTransition(x))
				}
			}
			if !slices.Equal(atRisk, tc.wantAtRisk) {
				t.Errorf("AtRisk transitions = %q, want %q", atRisk, tc.wantAtRisk)
			}
			if want := []string{tr("!Breached/FirstResponse", ts(time.Hour))}; !slices.Equal(breached, want) {
				t.Errorf("Breached transitions = %q, want %q", breached, want)
			}
			n := 0
			for _, h := range r.Status.History {
				if h.Event == string(supportv1.EventBreached) {
					n++
				}
			}
			if n != 1 {
				t.Errorf("history has %d Breached entries, want 1", n)
			}
		})
	}
}

func TestRecovery(t *testing.T) {
	spec := func(apology, approval bool) supportv1.ServicePolicySpec {
		return supportv1.ServicePolicySpec{
			Targets:  targets(time.Hour, 0, 24*time.Hour),
			Recovery: &supportv1.Recovery{RequireApology: apology, RequireApproval: approval},
		}
	}
	notAccepted := func(phase supportv1.Phase, reason string) func(t *testing.T, s *sim, r Result) {
		return func(t *testing.T, s *sim, r Result) {
			wantPhase(t, r, phase)
			wantCondition(t, r.Status, supportv1.ConditionResolutionAccepted, metav1.ConditionFalse, reason)
			wantCondition(t, r.Status, supportv1.ConditionResolved, metav1.ConditionFalse, supportv1.ReasonNotResolved)
			wantTime(t, "resolvedAt", r.Status.ResolvedAt, time.Time{})
			wantClock(t, "resolution", r.Status.Clocks.Resolution, &clk{state: supportv1.ClockRunning, target: 24 * time.Hour,
				started: ts(0), due: ts(24 * time.Hour), atRisk: ts(18 * time.Hour)})
		}
	}
	accepted := func(at time.Duration) func(t *testing.T, s *sim, r Result) {
		return func(t *testing.T, s *sim, r Result) {
			wantPhase(t, r, supportv1.PhaseResolved)
			wantCondition(t, r.Status, supportv1.ConditionResolutionAccepted, metav1.ConditionTrue, supportv1.ReasonAccepted)
			wantCondition(t, r.Status, supportv1.ConditionResolved, metav1.ConditionTrue, string(supportv1.EventResolved))
			wantTime(t, "resolvedAt", r.Status.ResolvedAt, ts(at))
			wantClock(t, "resolution", r.Status.Clocks.Resolution, &clk{state: supportv1.ClockMet, target: 24 * time.Hour,
				started: ts(0), due: ts(24 * time.Hour), stopped: ts(at)})
		}
	}
	withMessage := func(sub string, next func(t *testing.T, s *sim, r Result)) func(t *testing.T, s *sim, r Result) {
		return func(t *testing.T, s *sim, r Result) {
			if len(r.Transitions) == 0 || !strings.Contains(r.Transitions[len(r.Transitions)-1].Message, sub) {
				t.Errorf("last transition %+v does not mention %q", r.Transitions, sub)
			}
			next(t, s, r)
		}
	}
	h := time.Hour
	cases := []struct {
		name  string
		spec  supportv1.ServicePolicySpec
		steps []step
	}{
		{
			name: "approval gate: PendingApproval until approvedBy, then Resolved",
			spec: spec(false, true),
			steps: []step{
				{at: ts(0), want: []string{tr("Created", ts(0))}},
				{at: ts(10 * time.Minute), edit: ack, want: []string{tr("Acknowledged", ts(10*time.Minute))}},
				{at: ts(2 * h), edit: resolve(resV1), want: []string{tr("AwaitingApproval()", ts(2*h))}, check: notAccepted(supportv1.PhasePendingApproval, supportv1.ReasonAwaitingApproval)},
				{at: ts(3 * h), check: notAccepted(supportv1.PhasePendingApproval, supportv1.ReasonAwaitingApproval)},
				{at: ts(4 * h), edit: resolve(approved(resV1, "lead-carol")), want: []string{tr("Resolved", ts(4*h))}, check: withMessage("approved by lead-carol", accepted(4*h))},
				{at: ts(5 * h), check: accepted(4 * h)},
			},
		},
		{
			name: "apology missing: not accepted, one warning, accepted once apologized",
			spec: spec(true, false),
			steps: []step{
				{at: ts(0), want: []string{tr("Created", ts(0))}},
				{at: ts(10 * time.Minute), edit: ack, want: []string{tr("Acknowledged", ts(10*time.Minute))}},
				{at: ts(2 * h), edit: resolve(unapologetic(resV1)), want: []string{tr("!ApologyMissing()", ts(2*h))}, check: notAccepted(supportv1.PhaseAcknowledged, supportv1.ReasonApologyMissing)},
				{at: ts(3 * h), check: notAccepted(supportv1.PhaseAcknowledged, supportv1.ReasonApologyMissing)},
				{at: ts(3*h + 30*time.Minute), edit: func(s *supportv1.ComplaintSpec) { s.Resolution.Remedy = "Courier at our cost" }, check: notAccepted(supportv1.PhaseAcknowledged, supportv1.ReasonApologyMissing)},
				{at: ts(4 * h), edit: func(s *supportv1.ComplaintSpec) { s.Resolution.Apologized = true }, want: []string{tr("Resolved", ts(4*h))}, check: accepted(4 * h)},
			},
		},
		{
			name: "apology and approval required: ApologyMissing first, then PendingApproval, then Resolved",
			spec: spec(true, true),
			steps: []step{
				{at: ts(0), want: []string{tr("Created", ts(0))}},
				{at: ts(10 * time.Minute), edit: ack, want: []string{tr("Acknowledged", ts(10*time.Minute))}},
				{at: ts(2 * h), edit: resolve(unapologetic(resV1)), want: []string{tr("!ApologyMissing()", ts(2*h))}, check: notAccepted(supportv1.PhaseAcknowledged, supportv1.ReasonApologyMissing)},
				{at: ts(3 * h), edit: resolve(resV1), want: []string{tr("AwaitingApproval()", ts(3*h))}, check: notAccepted(supportv1.PhasePendingApproval, supportv1.ReasonAwaitingApproval)},
				{at: ts(4 * h), edit: resolve(approved(resV1, "lead-carol")), want: []string{tr("Resolved", ts(4*h))}, check: accepted(4 * h)},
			},
		},
		{
			name: "approved but no apology when both are required: ApologyMissing, not PendingApproval",
			spec: spec(true, true),
			steps: []step{
				{at: ts(0), want: []string{tr("Created", ts(0))}},
				{at: ts(10 * time.Minute), edit: ack, want: []string{tr("Acknowledged", ts(10*time.Minute))}},
				{at: ts(2 * h), edit: resolve(unapologetic(approved(resV1, "lead-carol"))), want: []string{tr("!ApologyMissing()", ts(2*h))}, check: notAccepted(supportv1.PhaseAcknowledged, supportv1.ReasonApologyMissing)},
			},
		},
		{
			name: "no requirements: accepted at once, without apology or approval",
			spec: spec(false, false),
			steps: []step{
				{at: ts(0), want: []string{tr("Created", ts(0))}},
				{at: ts(10 * time.Minute), edit: ack, want: []string{tr("Acknowledged", ts(10*time.Minute))}},
				{at: ts(2 * h), edit: resolve(unapologetic(resV1)), want: []string{tr("Resolved", ts(2*h))}, check: accepted(2 * h)},
			},
		},
		{
			name: "a resolution withdrawn while pending approval: the condition goes away",
			spec: spec(false, true),
			steps: []step{
				{at: ts(0), want: []string{tr("Created", ts(0))}},
				{at: ts(10 * time.Minute), edit: ack, want: []string{tr("Acknowledged", ts(10*time.Minute))}},
				{at: ts(2 * h), edit: resolve(resV1), want: []string{tr("AwaitingApproval()", ts(2*h))}},
				{at: ts(3 * h), edit: func(s *supportv1.ComplaintSpec) { s.Resolution = nil }, check: func(t *testing.T, s *sim, r Result) {
					wantPhase(t, r, supportv1.PhaseAcknowledged)
					if c := apimeta.FindStatusCondition(r.Status.Conditions, supportv1.ConditionResolutionAccepted); c != nil {
						t.Errorf("condition ResolutionAccepted = %+v, want none", *c)
					}
				}},
			},
		},
		{
			name: "resolved after the resolution target: clock Breached, breach cleared by the resolution",
			spec: supportv1.ServicePolicySpec{Targets: targets(0, 0, 2*h)},
			steps: []step{
				{at: ts(0), want: []string{tr("Created", ts(0))}},
				{at: ts(2 * h), want: []string{tr("!Breached/Resolution", ts(2*h))}, check: func(t *testing.T, s *sim, r Result) {
					wantTime(t, "breachedAt", r.Status.BreachedAt, ts(2*h))
					wantCondition(t, r.Status, supportv1.ConditionBreached, metav1.ConditionTrue, string(supportv1.EventBreached))
				}},
				{at: ts(3 * h), edit: resolve(resV1), want: []string{tr("Resolved", ts(3*h))}, check: func(t *testing.T, s *sim, r Result) {
					wantClock(t, "resolution", r.Status.Clocks.Resolution, &clk{state: supportv1.ClockBreached, target: 2 * h,
						started: ts(0), due: ts(2 * h), stopped: ts(3 * h), notified: true})
					wantTime(t, "breachedAt", r.Status.BreachedAt, time.Time{})
					wantCondition(t, r.Status, supportv1.ConditionBreached, metav1.ConditionFalse, string(supportv1.EventResolved))
				}},
			},
		},
		{
			name: "resolved one second late, first seen then: Breached At due and Resolved",
			spec: supportv1.ServicePolicySpec{Targets: targets(0, 0, 2*h)},
			steps: []step{
				{at: ts(0), want: []string{tr("Created", ts(0))}},
				{at: ts(2*h + time.Second), edit: resolve(resV1), want: []string{tr("Resolved", ts(2*h+time.Second)), tr("!Breached/Resolution", ts(2*h))}},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			live(t, newSim(t, compiled(t, tc.spec), newComplaint(t0)), tc.steps)
		})
	}
}

func TestResolutionGesture(t *testing.T) {
	rules := []supportv1.GestureRule{
		{Categories: []supportv1.Category{supportv1.CategoryOrderError}, Kind: supportv1.GestureGift},
		{Categories: []supportv1.Category{supportv1.CategoryMissedDeadline}, Kind: supportv1.GestureDiscount, Detail: "15% off the next order"},
		{Categories: []supportv1.Category{supportv1.CategoryMissedDeadline}, Kind: supportv1.GestureFreeService},
	}
	cases := []struct {
		name     string
		recovery *supportv1.Recovery
		category supportv1.Category
		gesture  *supportv1.Gesture
		want     *supportv1.Gesture
		wantMsg  string
	}{
		{
			name:     "default gesture of the first rule for the category is recorded",
			recovery: &supportv1.Recovery{Gestures: rules},
			category: supportv1.CategoryMissedDeadline,
			want:     &supportv1.Gesture{Kind: supportv1.GestureDiscount, Detail: "15% off the next order"},
			wantMsg:  "Resolved: Delivered overnight by courier; gesture: Discount (15% off the next order)",
		},
		{
			name:     "the resolution's own gesture wins over the default",
			recovery: &supportv1.Recovery{Gestures: rules},
			category: supportv1.CategoryMissedDeadline,
			gesture:  &supportv1.Gesture{Kind: supportv1.GesturePersonalCall, Detail: "call from the branch manager"},
			want:     &supportv1.Gesture{Kind: supportv1.GesturePersonalCall, Detail: "call from the branch manager"},
			wantMsg:  "Resolved: Delivered overnight by courier; gesture: PersonalCall (call from the branch manager)",
		},
		{
			name:     "default gesture without detail",
			recovery: &supportv1.Recovery{Gestures: rules},
			category: supportv1.CategoryOrderError,
			want:     &supportv1.Gesture{Kind: supportv1.GestureGift},
			wantMsg:  "Resolved: Delivered overnight by courier; gesture: Gift",
		},
		{
			name:     "no rule for the category: no gesture",
			recovery: &supportv1.Recovery{Gestures: rules},
			category: supportv1.CategoryOther,
			wantMsg:  "Resolved: Delivered overnight by courier",
		},
		{
			name:     "no recovery: no gesture",
			category: supportv1.CategoryMissedDeadline,
			wantMsg:  "Resolved: Delivered overnight by courier",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := compiled(t, supportv1.ServicePolicySpec{Recovery: tc.recovery})
			c := newComplaint(t0)
			c.Spec.Category = tc.category
			res := resV1
			res.Gesture = tc.gesture
			s := newSim(t, p, c)
			live(t, s, []step{
				{at: ts(0), want: []string{tr("Created", ts(0))}},
				{at: ts(time.Hour), edit: resolve(res), want: []string{tr("Resolved", ts(time.Hour))}, check: func(t *testing.T, s *sim, r Result) {
					if msg := r.Transitions[0].Message; msg != tc.wantMsg {
						t.Errorf("message = %q, want %q", msg, tc.wantMsg)
					}
					got := r.Status.Gesture
					switch {
					case tc.want == nil && got != nil:
						t.Errorf("status.gesture = %+v, want none", *got)
					case tc.want != nil && (got == nil || *got != *tc.want):
						t.Errorf("status.gesture = %+v, want %+v", got, *tc.want)
					}
				}},
			})
		})
	}
}

func TestFollowUpAndClose(t *testing.T) {
	h := time.Hour
	withFollowUp := func(after, closeAfter time.Duration) *Policy {
		return compiled(t, supportv1.ServicePolicySpec{
			Targets:  targets(h, 0, 24*h),
			FollowUp: &supportv1.FollowUp{After: metav1.Duration{Duration: after}, CloseAfter: dur(closeAfter)},
		})
	}
	resolvedAt := ts(2 * h)
	followUpAt := resolvedAt.Add(168 * h) // 2026-03-09 12:00
	closeAt := resolvedAt.Add(336 * h)    // 2026-03-16 12:00
	start := []step{
		{at: ts(0), want: []string{tr("Created", ts(0))}},
		{at: ts(10 * time.Minute), edit: ack, want: []string{tr("Acknowledged", ts(10*time.Minute))}},
		{at: resolvedAt, edit: resolve(resV1), want: []string{tr("Resolved", resolvedAt)}, check: func(t *testing.T, s *sim, r Result) {
			wantTime(t, "followUpAt", r.Status.FollowUpAt, followUpAt)
			wantNext(t, r, followUpAt)
		}},
	}
	closedNoFeedback := func(t *testing.T, s *sim, r Result) {
		wantPhase(t, r, supportv1.PhaseClosed)
		wantTime(t, "closedAt", r.Status.ClosedAt, closeAt)
		wantCondition(t, r.Status, supportv1.ConditionSatisfied, metav1.ConditionFalse, supportv1.ReasonNoFeedback)
		wantNext(t, r, time.Time{})
	}
	cases := []struct {
		name  string
		p     *Policy
		steps []step
	}{
		{
			name: "follow-up due at resolution+after fires once, close with NoFeedback at closeAfter",
			p:    withFollowUp(168*h, 336*h),
			steps: append(slices.Clone(start),
				step{at: followUpAt.Add(-time.Second), check: func(t *testing.T, s *sim, r Result) {
					wantNext(t, r, followUpAt)
					if r.Status.FollowUpNotified {
						t.Errorf("followUpNotified = true before followUpAt")
					}
				}},
				step{at: followUpAt, want: []string{tr("FollowUpDue", followUpAt)}, check: func(t *testing.T, s *sim, r Result) {
					if !r.Status.FollowUpNotified {
						t.Errorf("followUpNotified = false after FollowUpDue")
					}
					wantNext(t, r, closeAt)
					wantPhase(t, r, supportv1.PhaseResolved)
				}},
				step{at: followUpAt.Add(time.Hour)},
				step{at: closeAt.Add(-time.Second), check: func(t *testing.T, s *sim, r Result) { wantNext(t, r, closeAt) }},
				step{at: closeAt.Add(5 * time.Hour), want: []string{tr("NoFeedback(Closed)", closeAt)}, check: closedNoFeedback},
				step{at: closeAt.Add(500 * time.Hour), check: closedNoFeedback},
			),
		},
		{
			name: "a late evaluation fires FollowUpDue and Closed together, each At its own instant",
			p:    withFollowUp(168*h, 336*h),
			steps: append(slices.Clone(start),
				step{at: closeAt.Add(time.Minute), want: []string{tr("FollowUpDue", followUpAt), tr("NoFeedback(Closed)", closeAt)}, check: closedNoFeedback},
			),
		},
		{
			name: "comment-only feedback is not decisive: still closed with NoFeedback",
			p:    withFollowUp(168*h, 336*h),
			steps: append(slices.Clone(start),
				step{at: followUpAt.Add(time.Hour), edit: feedback(nil, nil, "will check next week"), want: []string{tr("FollowUpDue", followUpAt)}},
				step{at: closeAt, want: []string{tr("NoFeedback(Closed)", closeAt)}, check: closedNoFeedback},
			),
		},
		{
			name: "without closeAfter the complaint waits for feedback",
			p:    withFollowUp(168*h, 0),
			steps: append(slices.Clone(start),
				step{at: followUpAt, want: []string{tr("FollowUpDue", followUpAt)}, check: func(t *testing.T, s *sim, r Result) { wantNext(t, r, time.Time{}) }},
				step{at: followUpAt.Add(2000 * h), check: func(t *testing.T, s *sim, r Result) {
					wantPhase(t, r, supportv1.PhaseResolved)
					wantTime(t, "closedAt", r.Status.ClosedAt, time.Time{})
				}},
			),
		},
		{
			name: "no followUp in the policy: no followUpAt, never closes by itself",
			p:    compiled(t, supportv1.ServicePolicySpec{Targets: targets(h, 0, 24*h)}),
			steps: []step{
				{at: ts(0), want: []string{tr("Created", ts(0))}},
				{at: ts(10 * time.Minute), edit: ack, want: []string{tr("Acknowledged", ts(10*time.Minute))}},
				{at: resolvedAt, edit: resolve(resV1), want: []string{tr("Resolved", resolvedAt)}, check: func(t *testing.T, s *sim, r Result) {
					wantTime(t, "followUpAt", r.Status.FollowUpAt, time.Time{})
					wantNext(t, r, time.Time{})
				}},
				{at: resolvedAt.Add(5000 * h), check: func(t *testing.T, s *sim, r Result) { wantPhase(t, r, supportv1.PhaseResolved) }},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			live(t, newSim(t, tc.p, newComplaint(t0)), tc.steps)
		})
	}
}

func TestFeedback(t *testing.T) {
	h := time.Hour
	day := 24 * h
	policy := func(reopenBelow int32) *Policy {
		return compiled(t, supportv1.ServicePolicySpec{
			Targets:  targets(h, 4*h, 24*h),
			FollowUp: &supportv1.FollowUp{After: metav1.Duration{Duration: 168 * h}, ReopenBelow: reopenBelow},
		})
	}
	resolvedAt := ts(2 * h)
	reopenAt := ts(3*day + 2*h) // 2026-03-05 12:00
	start := []step{
		{at: ts(0), want: []string{tr("Created", ts(0))}},
		{at: ts(10 * time.Minute), edit: ack, want: []string{tr("Acknowledged", ts(10*time.Minute))}},
		{at: resolvedAt, edit: resolve(resV1), want: []string{tr("Resolved", resolvedAt)}},
	}
	closedSatisfied := func(at time.Time) func(t *testing.T, s *sim, r Result) {
		return func(t *testing.T, s *sim, r Result) {
			wantPhase(t, r, supportv1.PhaseClosed)
			wantTime(t, "closedAt", r.Status.ClosedAt, at)
			wantTime(t, "resolvedAt", r.Status.ResolvedAt, resolvedAt)
			wantCondition(t, r.Status, supportv1.ConditionSatisfied, metav1.ConditionTrue, supportv1.ReasonCustomerSatisfied)
			if r.Status.ReopenCount != 0 {
				t.Errorf("reopenCount = %d, want 0", r.Status.ReopenCount)
			}
			wantNext(t, r, time.Time{})
		}
	}
	reopened := func(count int32, at time.Time) func(t *testing.T, s *sim, r Result) {
		return func(t *testing.T, s *sim, r Result) {
			wantPhase(t, r, supportv1.PhaseReopened)
			if r.Status.ReopenCount != count {
				t.Errorf("reopenCount = %d, want %d", r.Status.ReopenCount, count)
			}
			wantTime(t, "reopenedAt", r.Status.ReopenedAt, at)
			wantTime(t, "resolvedAt", r.Status.ResolvedAt, time.Time{})
			wantTime(t, "followUpAt", r.Status.FollowUpAt, time.Time{})
			wantTime(t, "closedAt", r.Status.ClosedAt, time.Time{})
			if r.Status.FollowUpNotified {
				t.Errorf("followUpNotified = true after reopen")
			}
			// The resolution clock restarts with the full target.
			wantClock(t, "resolution", r.Status.Clocks.Resolution, &clk{state: supportv1.ClockRunning, target: 24 * h,
				started: at, due: at.Add(24 * h), atRisk: at.Add(18 * h)})
			wantClock(t, "update", r.Status.Clocks.Update, &clk{state: supportv1.ClockRunning, target: 4 * h,
				started: at, due: at.Add(4 * h), atRisk: at.Add(3 * h)})
			wantClock(t, "firstResponse", r.Status.Clocks.FirstResponse, &clk{state: supportv1.ClockMet, target: h,
				started: ts(0), due: ts(h), stopped: ts(10 * time.Minute)})
			wantCondition(t, r.Status, supportv1.ConditionSatisfied, metav1.ConditionFalse, supportv1.ReasonCustomerUnsatisfied)
			wantCondition(t, r.Status, supportv1.ConditionResolutionAccepted, metav1.ConditionFalse, supportv1.ReasonCustomerUnsatisfied)
			wantCondition(t, r.Status, supportv1.ConditionResolved, metav1.ConditionFalse, supportv1.ReasonNotResolved)
			wantNext(t, r, at.Add(3*h))
		}
	}
	previous := func(want ...supportv1.ResolutionRecord) func(t *testing.T, s *sim, r Result) {
		return func(t *testing.T, s *sim, r Result) {
			if !apiequality.Semantic.DeepEqual(r.Status.PreviousResolutions, want) {
				t.Errorf("previousResolutions = %+v\nwant %+v", r.Status.PreviousResolutions, want)
			}
		}
	}
	mt := func(t time.Time) *metav1.Time { m := metav1.NewTime(t); return &m }
	both := func(fs ...func(t *testing.T, s *sim, r Result)) func(t *testing.T, s *sim, r Result) {
		return func(t *testing.T, s *sim, r Result) {
			for _, f := range fs {
				f(t, s, r)
			}
		}
	}
	v2At := reopenAt.Add(2 * h)

	cases := []struct {
		name  string
		p     *Policy
		steps []step
	}{
		{
			name: "satisfaction 2 reopens; the same resolution is not accepted again; a new one is",
			p:    policy(0),
			steps: append(slices.Clone(start),
				step{at: reopenAt, edit: feedback(i32(2), nil, "still broken"), want: []string{tr("!Reopened", reopenAt)}, check: both(
					reopened(1, reopenAt),
					previous(supportv1.ResolutionRecord{Resolution: resV1, ResolvedAt: mt(resolvedAt),
						Feedback: &supportv1.Feedback{Satisfaction: i32(2), Comment: "still broken"}, ReopenedAt: mt(reopenAt)}),
				)},
				step{at: reopenAt.Add(h), check: reopened(1, reopenAt)},
				step{at: reopenAt.Add(90 * time.Minute), edit: resolve(resV1), check: reopened(1, reopenAt)},
				step{at: v2At, edit: resolve(resV2), want: []string{tr("Resolved", v2At)}, check: func(t *testing.T, s *sim, r Result) {
					wantPhase(t, r, supportv1.PhaseResolved)
					wantTime(t, "resolvedAt", r.Status.ResolvedAt, v2At)
					wantTime(t, "followUpAt", r.Status.FollowUpAt, v2At.Add(168*h))
					wantClock(t, "resolution", r.Status.Clocks.Resolution, &clk{state: supportv1.ClockMet, target: 24 * h,
						started: reopenAt, due: reopenAt.Add(24 * h), stopped: v2At})
					wantCondition(t, r.Status, supportv1.ConditionResolutionAccepted, metav1.ConditionTrue, supportv1.ReasonAccepted)
					if r.Status.ReopenCount != 1 {
						t.Errorf("reopenCount = %d, want 1", r.Status.ReopenCount)
					}
				}},
				// The old feedback still in spec does not reopen the new resolution.
				step{at: v2At.Add(day), check: func(t *testing.T, s *sim, r Result) { wantPhase(t, r, supportv1.PhaseResolved) }},
				step{at: v2At.Add(2 * day), edit: feedback(i32(5), nil, "works now"), want: []string{tr("CustomerSatisfied(Closed)", v2At.Add(2*day))}, check: func(t *testing.T, s *sim, r Result) {
					wantPhase(t, r, supportv1.PhaseClosed)
					wantCondition(t, r.Status, supportv1.ConditionSatisfied, metav1.ConditionTrue, supportv1.ReasonCustomerSatisfied)
				}},
			),
		},
		{
			name: "a second reopen keeps both previous resolutions",
			p:    policy(0),
			steps: append(slices.Clone(start),
				step{at: reopenAt, edit: feedback(i32(2), nil, "still broken"), want: []string{tr("!Reopened", reopenAt)}},
				step{at: v2At, edit: resolve(resV2), want: []string{tr("Resolved", v2At)}},
				step{at: v2At.Add(day), edit: feedback(i32(1), nil, "worse"), want: []string{tr("!Reopened", v2At.Add(day))}, check: both(
					reopened(2, v2At.Add(day)),
					previous(
						supportv1.ResolutionRecord{Resolution: resV1, ResolvedAt: mt(resolvedAt),
							Feedback: &supportv1.Feedback{Satisfaction: i32(2), Comment: "still broken"}, ReopenedAt: mt(reopenAt)},
						supportv1.ResolutionRecord{Resolution: resV2, ResolvedAt: mt(v2At),
							Feedback: &supportv1.Feedback{Satisfaction: i32(1), Comment: "worse"}, ReopenedAt: mt(v2At.Add(day))},
					),
				)},
			),
		},
		{
			name: "satisfaction 5 closes with CustomerSatisfied",
			p:    policy(0),
			steps: append(slices.Clone(start),
				step{at: reopenAt, edit: feedback(i32(5), nil, "thanks"), want: []string{tr("CustomerSatisfied(Closed)", reopenAt)}, check: closedSatisfied(reopenAt)},
				step{at: reopenAt.Add(400 * h), check: closedSatisfied(reopenAt)},
			),
		},
		{
			name: "satisfaction 3 (not below the default 3) closes",
			p:    policy(0),
			steps: append(slices.Clone(start),
				step{at: reopenAt, edit: feedback(i32(3), nil, ""), want: []string{tr("CustomerSatisfied(Closed)", reopenAt)}, check: closedSatisfied(reopenAt)},
			),
		},
		{
			name: "reopenBelow 4: satisfaction 3 reopens",
			p:    policy(4),
			steps: append(slices.Clone(start),
				step{at: reopenAt, edit: feedback(i32(3), nil, ""), want: []string{tr("!Reopened", reopenAt)}, check: reopened(1, reopenAt)},
			),
		},
		{
			name: "accepted=false reopens",
			p:    policy(0),
			steps: append(slices.Clone(start),
				step{at: reopenAt, edit: feedback(nil, boolp(false), "not what I asked for"), want: []string{tr("!Reopened", reopenAt)}, check: reopened(1, reopenAt)},
			),
		},
		{
			name: "accepted=false reopens even with satisfaction 5",
			p:    policy(0),
			steps: append(slices.Clone(start),
				step{at: reopenAt, edit: feedback(i32(5), boolp(false), ""), want: []string{tr("!Reopened", reopenAt)}, check: reopened(1, reopenAt)},
			),
		},
		{
			name: "accepted=true without satisfaction closes",
			p:    policy(0),
			steps: append(slices.Clone(start),
				step{at: reopenAt, edit: feedback(nil, boolp(true), ""), want: []string{tr("CustomerSatisfied(Closed)", reopenAt)}, check: closedSatisfied(reopenAt)},
			),
		},
		{
			name: "feedback before resolution is ignored until the resolution is accepted",
			p:    policy(0),
			steps: []step{
				{at: ts(0), want: []string{tr("Created", ts(0))}},
				{at: ts(10 * time.Minute), edit: ack, want: []string{tr("Acknowledged", ts(10*time.Minute))}},
				{at: ts(h), edit: feedback(i32(5), nil, "nice call"), check: func(t *testing.T, s *sim, r Result) {
					wantPhase(t, r, supportv1.PhaseAcknowledged)
					wantTime(t, "closedAt", r.Status.ClosedAt, time.Time{})
				}},
				{at: resolvedAt, edit: resolve(resV1), want: []string{tr("Resolved", resolvedAt), tr("CustomerSatisfied(Closed)", resolvedAt)}, check: closedSatisfied(resolvedAt)},
			},
		},
		{
			name: "comment-only feedback neither closes nor reopens",
			p:    policy(0),
			steps: append(slices.Clone(start),
				step{at: reopenAt, edit: feedback(nil, nil, "will test it tomorrow"), check: func(t *testing.T, s *sim, r Result) {
					wantPhase(t, r, supportv1.PhaseResolved)
				}},
			),
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			live(t, newSim(t, tc.p, newComplaint(t0)), tc.steps)
		})
	}
}

func TestNoPolicy(t *testing.T) {
	noClocks := func(t *testing.T, s *sim, r Result) {
		wantClock(t, "firstResponse", r.Status.Clocks.FirstResponse, nil)
		wantClock(t, "update", r.Status.Clocks.Update, nil)
		wantClock(t, "resolution", r.Status.Clocks.Resolution, nil)
		wantTime(t, "nextDueAt", r.Status.NextDueAt, time.Time{})
		wantTime(t, "waitingSince", r.Status.WaitingSince, time.Time{})
		wantNext(t, r, time.Time{})
		wantCondition(t, r.Status, supportv1.ConditionPolicyResolved, metav1.ConditionFalse, supportv1.ReasonNoPolicy)
		wantCondition(t, r.Status, supportv1.ConditionReady, metav1.ConditionTrue, supportv1.ReasonReconciled)
		if r.Status.Policy != "" {
			t.Errorf("status.policy = %q, want empty", r.Status.Policy)
		}
	}
	phase := func(p supportv1.Phase) func(t *testing.T, s *sim, r Result) {
		return func(t *testing.T, s *sim, r Result) { noClocks(t, s, r); wantPhase(t, r, p) }
	}
	s := newSim(t, nil, newComplaint(t0))
	live(t, s, []step{
		{at: ts(0), want: []string{tr("Created", ts(0))}, check: phase(supportv1.PhaseNew)},
		{at: ts(10 * 24 * time.Hour), check: phase(supportv1.PhaseNew)},
		{at: ts(11 * 24 * time.Hour), edit: ack, want: []string{tr("Acknowledged", ts(11*24*time.Hour))}, check: phase(supportv1.PhaseAcknowledged)},
		{at: ts(12 * 24 * time.Hour), edit: waitOn(supportv1.WaitingOnCustomer), check: phase(supportv1.PhaseWaiting)},
		{at: ts(13 * 24 * time.Hour), edit: edits(waitOn(""), resolve(unapologetic(resV1))), want: []string{tr("Resolved", ts(13*24*time.Hour))}, check: func(t *testing.T, s *sim, r Result) {
			phase(supportv1.PhaseResolved)(t, s, r)
			wantTime(t, "followUpAt", r.Status.FollowUpAt, time.Time{})
			if r.Status.Gesture != nil {
				t.Errorf("status.gesture = %+v, want none", *r.Status.Gesture)
			}
		}},
		{at: ts(14 * 24 * time.Hour), edit: feedback(i32(1), nil, ""), want: []string{tr("!Reopened", ts(14*24*time.Hour))}, check: phase(supportv1.PhaseReopened)},
		{at: ts(15 * 24 * time.Hour), edit: resolve(resV2), want: []string{tr("Resolved", ts(15*24*time.Hour))}, check: phase(supportv1.PhaseResolved)},
		{at: ts(16 * 24 * time.Hour), edit: feedback(i32(4), nil, ""), want: []string{tr("CustomerSatisfied(Closed)", ts(16*24*time.Hour))}, check: phase(supportv1.PhaseClosed)},
	})
}

func TestPolicyConditionsAndChange(t *testing.T) {
	p := compiled(t, supportv1.ServicePolicySpec{Targets: targets(time.Hour, 0, 0)})
	other := &Policy{Name: "key-accounts", Spec: &supportv1.ServicePolicySpec{Targets: targets(15*time.Minute, 0, 0)}}
	cases := []struct {
		name          string
		prevPolicy    string
		p             *Policy
		reason, msg   string
		want          []string
		policyStatus  metav1.ConditionStatus
		readyStatus   metav1.ConditionStatus
		readyReason   string
		wantFRTarget  time.Duration
		wantStatusPol string
	}{
		{
			name: "matched policy: PolicyResolved True with the given reason",
			p:    p, reason: supportv1.ReasonMatched, msg: "matched policy standard (precedence 0)",
			policyStatus: metav1.ConditionTrue, readyStatus: metav1.ConditionTrue, readyReason: supportv1.ReasonReconciled,
			wantFRTarget: time.Hour, wantStatusPol: "standard",
		},
		{
			name:       "policy changed: PolicyChanged transition, clocks follow the new policy",
			prevPolicy: "standard", p: other, reason: supportv1.ReasonPinned, msg: "governed by pinned policy key-accounts",
			want:         []string{tr("PolicyChanged()", ts(time.Minute))},
			policyStatus: metav1.ConditionTrue, readyStatus: metav1.ConditionTrue, readyReason: supportv1.ReasonReconciled,
			wantFRTarget: 15 * time.Minute, wantStatusPol: "key-accounts",
		},
		{
			name:       "policy gone: PolicyChanged transition, no clocks",
			prevPolicy: "standard", p: nil, reason: supportv1.ReasonNoPolicy, msg: "no ServicePolicy of this namespace matches",
			want:         []string{tr("PolicyChanged()", ts(time.Minute))},
			policyStatus: metav1.ConditionFalse, readyStatus: metav1.ConditionTrue, readyReason: supportv1.ReasonReconciled,
		},
		{
			name:       "pinned policy not found: Ready False PolicyNotFound",
			prevPolicy: "standard", p: nil, reason: supportv1.ReasonPolicyNotFound, msg: "pinned policy gone does not exist in this namespace",
			want:         []string{tr("PolicyChanged()", ts(time.Minute))},
			policyStatus: metav1.ConditionFalse, readyStatus: metav1.ConditionFalse, readyReason: supportv1.ReasonPolicyNotFound,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newComplaint(t0)
			c.Status.Phase = supportv1.PhaseNew
			c.Status.Policy = tc.prevPolicy
			s := newSim(t, tc.p, c)
			s.reason, s.message = tc.reason, tc.msg
			live(t, s, []step{{at: ts(time.Minute), want: tc.want, check: func(t *testing.T, s *sim, r Result) {
				wantCondition(t, r.Status, supportv1.ConditionPolicyResolved, tc.policyStatus, tc.reason)
				wantCondition(t, r.Status, supportv1.ConditionReady, tc.readyStatus, tc.readyReason)
				if r.Status.Policy != tc.wantStatusPol {
					t.Errorf("status.policy = %q, want %q", r.Status.Policy, tc.wantStatusPol)
				}
				if tc.wantFRTarget == 0 {
					wantClock(t, "firstResponse", r.Status.Clocks.FirstResponse, nil)
				} else {
					wantDuration(t, "firstResponse.target", r.Status.Clocks.FirstResponse.Target, tc.wantFRTarget)
				}
			}}})
		})
	}
}

func TestPhasePrecedence(t *testing.T) {
	p := compiled(t, supportv1.ServicePolicySpec{
		Targets:    targets(time.Hour, 0, 24*time.Hour),
		PauseWhile: []supportv1.WaitingOn{supportv1.WaitingOnCustomer},
		Recovery:   &supportv1.Recovery{RequireApproval: true},
		FollowUp:   &supportv1.FollowUp{After: metav1.Duration{Duration: 168 * time.Hour}},
	})
	ok := approved(resV1, "lead-carol")
	cases := []struct {
		name  string
		edits []edit // one evaluation per edit, an hour apart
		want  supportv1.Phase
	}{
		{"New", []edit{nil}, supportv1.PhaseNew},
		{"Acknowledged", []edit{nil, ack}, supportv1.PhaseAcknowledged},
		{"Waiting beats Acknowledged", []edit{nil, ack, waitOn(supportv1.WaitingOnCustomer)}, supportv1.PhaseWaiting},
		{"Waiting even when the policy does not pause on it", []edit{nil, ack, waitOn(supportv1.WaitingOnVendor)}, supportv1.PhaseWaiting},
		{"Waiting beats New", []edit{nil, waitOn(supportv1.WaitingOnCustomer)}, supportv1.PhaseWaiting},
		{"PendingApproval beats Waiting", []edit{nil, ack, waitOn(supportv1.WaitingOnCustomer), resolve(resV1)}, supportv1.PhasePendingApproval},
		{"PendingApproval beats New", []edit{nil, resolve(resV1)}, supportv1.PhasePendingApproval},
		{"Resolved beats Waiting", []edit{nil, ack, waitOn(supportv1.WaitingOnCustomer), resolve(ok)}, supportv1.PhaseResolved},
		{"Reopened beats Acknowledged", []edit{nil, ack, resolve(ok), feedback(i32(1), nil, "")}, supportv1.PhaseReopened},
		{"Waiting beats Reopened", []edit{nil, ack, resolve(ok), feedback(i32(1), nil, ""), waitOn(supportv1.WaitingOnCustomer)}, supportv1.PhaseWaiting},
		{"PendingApproval beats Reopened", []edit{nil, ack, resolve(ok), feedback(i32(1), nil, ""), resolve(resV2)}, supportv1.PhasePendingApproval},
		{"Resolved again after reopening", []edit{nil, ack, resolve(ok), feedback(i32(1), nil, ""), resolve(approved(resV2, "lead-carol"))}, supportv1.PhaseResolved},
		{"Closed beats Resolved and Waiting", []edit{nil, ack, resolve(ok), edits(waitOn(supportv1.WaitingOnCustomer), feedback(i32(5), nil, ""))}, supportv1.PhaseClosed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newSim(t, p, newComplaint(t0))
			var r Result
			for i, e := range tc.edits {
				r = s.eval(t, ts(time.Duration(i)*time.Hour), e)
			}
			wantPhase(t, r, tc.want)
			if c := apimeta.FindStatusCondition(r.Status.Conditions, supportv1.ConditionReady); c == nil || c.Message != "phase "+string(tc.want) {
				t.Errorf("Ready condition = %+v, want message %q", c, "phase "+string(tc.want))
			}
		})
	}
}

func TestNext(t *testing.T) {
	h := time.Hour
	p := compiled(t, supportv1.ServicePolicySpec{
		Targets:    targets(h, 4*h, 24*h),
		PauseWhile: []supportv1.WaitingOn{supportv1.WaitingOnCustomer},
		FollowUp:   &supportv1.FollowUp{After: metav1.Duration{Duration: 168 * h}, CloseAfter: dur(336 * h)},
	})
	type ev struct {
		off  time.Duration
		edit edit
	}
	resolvedLife := []ev{{0, nil}, {50 * time.Minute, ack}, {2 * h, resolve(resV1)}}
	cases := []struct {
		name    string
		p       *Policy
		evals   []ev
		next    time.Time
		nextDue time.Time
	}{
		{"new complaint: the first response's AtRisk", p, []ev{{0, nil}}, ts(45 * time.Minute), ts(h)},
		{"after AtRisk: the first response's due", p, []ev{{0, nil}, {45 * time.Minute, nil}}, ts(h), ts(h)},
		{"first response breached: the resolution's AtRisk", p, []ev{{0, nil}, {h, nil}}, ts(18 * h), ts(24 * h)},
		{"acknowledged: the update clock's AtRisk", p, []ev{{0, nil}, {50 * time.Minute, ack}}, ts(3*h + 50*time.Minute), ts(4*h + 50*time.Minute)},
		{"every clock paused: nothing", p, []ev{{0, nil}, {20 * time.Minute, waitOn(supportv1.WaitingOnCustomer)}}, time.Time{}, time.Time{}},
		{"resolved: the follow-up", p, resolvedLife, ts(170 * h), time.Time{}},
		{"follow-up fired: the close", p, append(slices.Clone(resolvedLife), ev{170 * h, nil}), ts(338 * h), time.Time{}},
		{"closed without feedback: nothing", p, append(slices.Clone(resolvedLife), ev{338 * h, nil}), time.Time{}, time.Time{}},
		{"closed by satisfied feedback: nothing", p, append(slices.Clone(resolvedLife), ev{3 * h, feedback(i32(5), nil, "")}), time.Time{}, time.Time{}},
		{"no policy: nothing", nil, []ev{{0, nil}}, time.Time{}, time.Time{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newSim(t, tc.p, newComplaint(t0))
			var r Result
			for _, e := range tc.evals {
				r = s.eval(t, ts(e.off), e.edit)
			}
			wantNext(t, r, tc.next)
			wantTime(t, "nextDueAt", r.Status.NextDueAt, tc.nextDue)
		})
	}
}

func TestHistoryBounded(t *testing.T) {
	noTargets := compiled(t, supportv1.ServicePolicySpec{})
	prefilled := func(n int) *supportv1.Complaint {
		c := newComplaint(t0)
		c.Status.Phase = supportv1.PhaseNew
		c.Status.Policy = "standard"
		for i := 0; i < n; i++ {
			c.Status.History = append(c.Status.History, supportv1.HistoryEntry{
				Time: metav1.NewTime(ts(time.Duration(i) * time.Second)), Event: "Old", Message: fmt.Sprintf("old %d", i),
			})
		}
		return c
	}
	t.Run("49 entries plus two transitions keep the newest 50", func(t *testing.T) {
		s := newSim(t, noTargets, prefilled(49))
		r := s.eval(t, ts(time.Hour), edits(ack, progress("replacement shipped")))
		h := r.Status.History
		if len(h) != MaxHistory {
			t.Fatalf("len(history) = %d, want %d", len(h), MaxHistory)
		}
		if h[0].Message != "old 1" {
			t.Errorf("oldest kept entry = %q, want %q", h[0].Message, "old 1")
		}
		if h[48].Event != string(supportv1.EventAcknowledged) || h[49].Event != supportv1.ReasonProgressUpdate {
			t.Errorf("newest entries = %s, %s; want Acknowledged, ProgressUpdate", h[48].Event, h[49].Event)
		}
	})
	t.Run("a full history without transitions stays as it is", func(t *testing.T) {
		c := prefilled(MaxHistory)
		s := newSim(t, noTargets, c)
		r := s.eval(t, ts(time.Hour), nil)
		if !apiequality.Semantic.DeepEqual(r.Status.History, c.Status.History) {
			t.Errorf("history changed without transitions")
		}
	})
	t.Run("sixty progress updates keep the newest 50 entries", func(t *testing.T) {
		s := newSim(t, noTargets, newComplaint(t0))
		s.eval(t, ts(0), nil)
		s.eval(t, ts(time.Minute), ack)
		var r Result
		for i := 1; i <= 60; i++ {
			r = s.eval(t, ts(time.Duration(i+1)*time.Minute), progress(fmt.Sprintf("update %d", i)))
		}
		h := r.Status.History
		if len(h) != MaxHistory {
			t.Fatalf("len(history) = %d, want %d", len(h), MaxHistory)
		}
		// Created, Acknowledged and updates 1-60: 62 entries, the first 12 dropped.
		if h[0].Message != "Progress update given: update 11" || !h[0].Time.Time.Equal(ts(12*time.Minute)) {
			t.Errorf("oldest kept entry = %+v, want update 11 at %s", h[0], ts(12*time.Minute))
		}
		if h[49].Message != "Progress update given: update 60" || !h[49].Time.Time.Equal(ts(61*time.Minute)) {
			t.Errorf("newest entry = %+v, want update 60 at %s", h[49], ts(61*time.Minute))
		}
	})
}

func TestDeterminism(t *testing.T) {
	created := berlin(t, "2026-03-20 16:50:00")
	cases := []struct {
		name string
		a, b time.Time // two instants within the same second
	}{
		{"sub-second instants of the same second decide alike", created.Add(100 * time.Millisecond), created.Add(900 * time.Millisecond)},
		{"the same instant in another location decides alike", created, created.UTC()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := compiled(t, supportv1.ServicePolicySpec{BusinessHours: officeHours(), Targets: targets(30*time.Minute, 0, 16*time.Hour)})
			c := newComplaint(created)
			ra := Evaluate(Input{Complaint: c, Policy: p, PolicyReason: supportv1.ReasonMatched, Now: tc.a})
			rb := Evaluate(Input{Complaint: c, Policy: p, PolicyReason: supportv1.ReasonMatched, Now: tc.b})
			if !apiequality.Semantic.DeepEqual(ra.Status, rb.Status) {
				t.Errorf("status differs:\n%+v\n%+v", ra.Status, rb.Status)
			}
			if !slices.Equal(fmtTransitions(ra.Transitions), fmtTransitions(rb.Transitions)) || !ra.Next.Equal(rb.Next) {
				t.Errorf("transitions or Next differ: %q %v / %q %v", fmtTransitions(ra.Transitions), ra.Next, fmtTransitions(rb.Transitions), rb.Next)
			}
		})
	}
}
