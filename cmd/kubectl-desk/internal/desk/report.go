package desk

import (
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/sla"
	"github.com/servicedesk-operator/servicedesk-operator/internal/text"
)

// Report is what managers want to see of a period: volumes, speed,
// breaches, escalations and satisfaction.
type Report struct {
	// Since is the start of the period: complaints reported from then on count.
	Since time.Time `json:"since"`
	// Complaints counts them.
	Complaints int `json:"complaints"`
	// ByCategory, ByTier and ByPhase count the complaints.
	ByCategory map[string]int `json:"byCategory"`
	ByTier     map[string]int `json:"byTier"`
	ByPhase    map[string]int `json:"byPhase"`
	// FirstResponse is the time from the report to the acknowledgement.
	FirstResponse Durations `json:"firstResponse"`
	// Resolution is the time from the report to the accepted resolution.
	Resolution Durations `json:"resolution"`
	// Breaches per clock: of the complaints whose clock ran, how many missed.
	// firstResponse, update and resolution are always there; assignment and
	// approval when some complaint of the period ran them.
	Breaches map[string]Rate `json:"breaches"`
	// EscalationsByLevel counts the escalations reached by the ladder, by
	// level ("1 team-lead"); Requested counts the agents' requests.
	EscalationsByLevel map[string]int `json:"escalationsByLevel"`
	Requested          int            `json:"requestedEscalations"`
	// Satisfaction counts the feedback scores 1 to 5.
	Satisfaction map[string]int `json:"satisfaction"`
	// Reopened: of the complaints ever resolved, how many were reopened.
	Reopened Rate `json:"reopened"`
	// Declined: of the complaints resolved now, how many declined the
	// demand (outcome Declined), counted apart from those remedied.
	Declined Rate `json:"declined"`
	// GestureValue is what the accepted resolutions' gestures are worth,
	// by category, tier and the company's fault.
	GestureValue GestureValues `json:"gestureValue"`
}

// Durations are the p50 and p90 of a set of durations (nearest rank).
type Durations struct {
	Count int             `json:"count"`
	P50   metav1.Duration `json:"p50"`
	P90   metav1.Duration `json:"p90"`
}

// Rate is Of out of Total.
type Rate struct {
	Of    int     `json:"count"`
	Total int     `json:"total"`
	Rate  float64 `json:"rate"`
}

// BuildReport reports on the complaints reported since (sla.Start: the
// report time or the creation) and on the escalations created since.
func BuildReport(complaints []supportv1.Complaint, escalations []supportv1.Escalation, since time.Time) Report {
	r := Report{Since: since, ByCategory: map[string]int{}, ByTier: map[string]int{}, ByPhase: map[string]int{},
		EscalationsByLevel: map[string]int{}}
	t, values := newTally(), newGestureValues()
	for i := range complaints {
		c := &complaints[i]
		start := sla.Start(c)
		if start.Before(since) {
			continue
		}
		r.ByCategory[string(c.Spec.Category)]++
		r.ByTier[string(c.Tier())]++
		r.ByPhase[phaseOf(c)]++
		t.add(c, start)
		values.add(c)
	}
	r.GestureValue = values.values()
	r.Complaints = t.complaints
	r.FirstResponse, r.Resolution = percentiles(t.first), percentiles(t.resolution)
	r.Breaches, r.Satisfaction = t.breaches(), t.satisfaction
	r.Reopened = rate(t.reopened.Of, t.reopened.Total)
	r.Declined = rate(t.declined.Of, t.declined.Total)
	for _, e := range escalations {
		if e.CreationTimestamp.Time.Before(since) {
			continue
		}
		if e.Spec.Reason == supportv1.ReasonRequested {
			r.Requested++
			continue
		}
		r.EscalationsByLevel[fmt.Sprintf("%d %s", e.Spec.Level, text.OrDash(e.Spec.LevelName))]++
	}
	return r
}

// everyReportClocks are the clocks the report always shows a breach rate
// for, "-" when none ran: the three every policy can time. The clocks
// added later (assignment, approval) run only where a policy sets their
// target, and are shown when some complaint of the period ran them.
var everyReportClocks = []supportv1.ClockName{supportv1.ClockFirstResponse, supportv1.ClockUpdate, supportv1.ClockResolution}

// tally adds up what the report says of a set of complaints: the whole
// period, or one group of report --by.
type tally struct {
	complaints        int
	first, resolution []time.Duration
	// breached counts per clock the complaints whose clock ran, and of
	// them those whose clock is breached.
	breached map[supportv1.ClockName]*Rate
	// anyBreached counts the complaints with a clock that ran, and of them
	// those with a breached clock.
	anyBreached  Rate
	satisfaction map[string]int
	reopened     Rate
	declined     Rate
	value        valueTally
}

func newTally() *tally {
	t := &tally{breached: map[supportv1.ClockName]*Rate{}, satisfaction: map[string]int{}}
	for _, name := range supportv1.ClockNames {
		t.breached[name] = &Rate{}
	}
	return t
}

// add counts complaint c, reported at start.
func (t *tally) add(c *supportv1.Complaint, start time.Time) {
	t.complaints++
	t.value.add(GrantedValue(c))
	if c.Status.ResolvedAt != nil {
		t.declined.Total++
		if c.Spec.Resolution.Declined() {
			t.declined.Of++
		}
	}
	if at := c.Status.AcknowledgedAt; at != nil {
		t.first = append(t.first, at.Time.Sub(start))
	}
	if at := c.Status.ResolvedAt; at != nil {
		t.resolution = append(t.resolution, at.Time.Sub(start))
	}
	ran, missed := false, false
	for name, cs := range c.Status.Clocks.Each() {
		ran = true
		t.breached[name].Total++
		if cs.State == supportv1.ClockBreached {
			t.breached[name].Of++
			missed = true
		}
	}
	if ran {
		t.anyBreached.Total++
		if missed {
			t.anyBreached.Of++
		}
	}
	if fb := c.Spec.Feedback; fb != nil && fb.Satisfaction != nil {
		t.satisfaction[strconv.Itoa(int(*fb.Satisfaction))]++
	}
	if c.Status.ResolvedAt != nil || c.Status.ReopenCount > 0 {
		t.reopened.Total++
		if c.Status.ReopenCount > 0 {
			t.reopened.Of++
		}
	}
}

// breaches are the breach rates by clock field name: the clocks of
// everyReportClocks always, the others when some complaint ran them.
func (t *tally) breaches() map[string]Rate {
	out := map[string]Rate{}
	for _, name := range supportv1.ClockNames {
		b := t.breached[name]
		if b.Total == 0 && !slices.Contains(everyReportClocks, name) {
			continue
		}
		out[name.Field()] = rate(b.Of, b.Total)
	}
	return out
}

func rate(of, total int) Rate {
	r := Rate{Of: of, Total: total}
	if total > 0 {
		r.Rate = math.Round(float64(of)/float64(total)*1000) / 1000
	}
	return r
}

// percentiles are the nearest-rank p50 and p90: the smallest value with at
// least that share of the values at or below it.
func percentiles(ds []time.Duration) Durations {
	if len(ds) == 0 {
		return Durations{}
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return Durations{Count: len(s), P50: metav1.Duration{Duration: Percentile(s, 50)}, P90: metav1.Duration{Duration: Percentile(s, 90)}}
}

// Percentile is the nearest-rank p-th percentile of sorted values.
func Percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(float64(p) / 100 * float64(len(sorted))))
	if rank < 1 {
		rank = 1
	}
	return sorted[rank-1]
}

// Write prints the report as text tables.
func (r Report) Write(out io.Writer) error {
	w := &stickyWriter{w: out}
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	p("Complaints reported since %s: %d\n\n", r.Since.UTC().Format(time.RFC3339), r.Complaints)
	counts := func(title string, m map[string]int, order []string) {
		t := Table{Header: []string{title, "COMPLAINTS"}}
		for _, k := range keys(m, order) {
			t.Rows = append(t.Rows, []string{k, strconv.Itoa(m[k])})
		}
		_ = t.Write(w, false)
		p("\n")
	}
	counts("CATEGORY", r.ByCategory, Categories)
	counts("TIER", r.ByTier, Tiers)
	counts("PHASE", r.ByPhase, []string{string(supportv1.PhaseNew), string(supportv1.PhaseAcknowledged), string(supportv1.PhaseWaiting),
		string(supportv1.PhasePendingApproval), string(supportv1.PhaseAwaitingAgreement), string(supportv1.PhaseImplementing), string(supportv1.PhaseReopened), string(supportv1.PhaseResolved), string(supportv1.PhaseClosed)})

	t := Table{Header: []string{"TIME TO", "COUNT", "P50", "P90"}}
	for _, d := range []struct {
		name string
		d    Durations
	}{{supportv1.ClockFirstResponse.Field(), r.FirstResponse}, {supportv1.ClockResolution.Field(), r.Resolution}} {
		p50, p90 := "-", "-"
		if d.d.Count > 0 {
			p50, p90 = Short(d.d.P50.Duration), Short(d.d.P90.Duration)
		}
		t.Rows = append(t.Rows, []string{d.name, strconv.Itoa(d.d.Count), p50, p90})
	}
	_ = t.Write(w, false)
	p("\n")

	t = Table{Header: []string{"CLOCK", "BREACHED", "RAN", "RATE"}}
	for _, name := range supportv1.ClockNames {
		b, ok := r.Breaches[name.Field()]
		if !ok {
			continue // a clock no complaint of the period ran (see everyReportClocks)
		}
		t.Rows = append(t.Rows, []string{name.Field(), strconv.Itoa(b.Of), strconv.Itoa(b.Total), percent(b)})
	}
	_ = t.Write(w, false)
	p("\n")

	t = Table{Header: []string{"ESCALATION LEVEL", "ESCALATIONS"}}
	for _, k := range keys(r.EscalationsByLevel, nil) {
		t.Rows = append(t.Rows, []string{k, strconv.Itoa(r.EscalationsByLevel[k])})
	}
	t.Rows = append(t.Rows, []string{"requested by agents", strconv.Itoa(r.Requested)})
	_ = t.Write(w, false)
	p("\n")

	r.GestureValue.write(w)

	t = Table{Header: []string{"SATISFACTION", "ANSWERS"}}
	for i := 1; i <= 5; i++ {
		t.Rows = append(t.Rows, []string{strconv.Itoa(i), strconv.Itoa(r.Satisfaction[strconv.Itoa(i)])})
	}
	_ = t.Write(w, false)
	p("\nReopened: %d of %d resolved (%s)\n", r.Reopened.Of, r.Reopened.Total, percent(r.Reopened))
	if r.Declined.Of > 0 {
		p("Declined: %d of %d resolved (%s), the demand refused with a reason\n", r.Declined.Of, r.Declined.Total, percent(r.Declined))
	}
	return w.err
}

// stickyWriter remembers the first write error and writes nothing after
// it, so Report.Write reports a closed pipe whichever table met it.
type stickyWriter struct {
	w   io.Writer
	err error
}

func (s *stickyWriter) Write(b []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.w.Write(b)
	s.err = err
	return n, err
}

func percent(r Rate) string {
	if r.Total == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", r.Rate*100)
}

// keys lists m's keys: those of order first, in that order, then the rest sorted.
func keys(m map[string]int, order []string) []string {
	var out []string
	done := map[string]bool{}
	for _, k := range order {
		if _, ok := m[k]; ok {
			out = append(out, k)
			done[k] = true
		}
	}
	var rest []string
	for k := range m {
		if !done[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}
