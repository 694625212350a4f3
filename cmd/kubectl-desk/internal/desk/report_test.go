package desk

import (
	"bytes"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

func TestPercentile(t *testing.T) {
	m := time.Minute
	for _, tc := range []struct {
		name     string
		in       []time.Duration
		p50, p90 time.Duration
	}{
		{"one value", []time.Duration{5 * m}, 5 * m, 5 * m},
		{"two values: p50 is the lower", []time.Duration{1 * m, 9 * m}, 1 * m, 9 * m},
		{"ten values", []time.Duration{10 * m, 1 * m, 2 * m, 3 * m, 4 * m, 5 * m, 6 * m, 7 * m, 8 * m, 9 * m}, 5 * m, 9 * m},
		{"eleven values", []time.Duration{1 * m, 2 * m, 3 * m, 4 * m, 5 * m, 6 * m, 7 * m, 8 * m, 9 * m, 10 * m, 11 * m}, 6 * m, 10 * m},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := percentiles(tc.in)
			if d.P50.Duration != tc.p50 || d.P90.Duration != tc.p90 || d.Count != len(tc.in) {
				t.Errorf("got p50 %s p90 %s count %d; want %s %s %d", d.P50.Duration, d.P90.Duration, d.Count, tc.p50, tc.p90, len(tc.in))
			}
		})
	}
	if d := percentiles(nil); d.Count != 0 || d.P50.Duration != 0 {
		t.Errorf("no values: %+v", d)
	}
}

func TestBuildReport(t *testing.T) {
	mk := func(name string, created time.Duration, mutate func(*supportv1.Complaint)) supportv1.Complaint {
		c := supportv1.Complaint{ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: *mt(created)}}
		c.Spec.Category = supportv1.CategoryMissedDeadline
		c.Status.Phase = supportv1.PhaseNew
		mutate(&c)
		return c
	}
	breached := &supportv1.ClockStatus{State: supportv1.ClockBreached}
	met := &supportv1.ClockStatus{State: supportv1.ClockMet}
	complaints := []supportv1.Complaint{
		mk("too-old", -48*time.Hour, func(c *supportv1.Complaint) {}),
		mk("reported-earlier", 0, func(c *supportv1.Complaint) { c.Spec.ReportedAt = mt(-48 * time.Hour) }), // sla.Start: before the period
		mk("a", 0, func(c *supportv1.Complaint) {
			c.Status.Phase = supportv1.PhaseClosed
			c.Status.AcknowledgedAt, c.Status.ResolvedAt = mt(10*time.Minute), mt(2*time.Hour)
			c.Status.Clocks = supportv1.Clocks{FirstResponse: met, Resolution: met}
			c.Status.ReopenCount = 1
			c.Spec.Feedback = &supportv1.Feedback{Satisfaction: ptr.To[int32](5)}
		}),
		mk("b", time.Hour, func(c *supportv1.Complaint) {
			c.Spec.Customer.Tier = supportv1.TierKey
			c.Spec.Category = supportv1.CategoryOrderError
			c.Status.Phase = supportv1.PhaseResolved
			c.Status.AcknowledgedAt, c.Status.ResolvedAt = mt(time.Hour+30*time.Minute), mt(5*time.Hour)
			c.Status.Clocks = supportv1.Clocks{FirstResponse: breached, Resolution: met}
			c.Spec.Feedback = &supportv1.Feedback{Satisfaction: ptr.To[int32](2)}
			c.Spec.Resolution = &supportv1.Resolution{Summary: "explained our terms", Outcome: supportv1.OutcomeDeclined, Reason: "beyond our terms"}
		}),
		mk("c", 2*time.Hour, func(c *supportv1.Complaint) {
			c.Status.Clocks = supportv1.Clocks{FirstResponse: breached}
		}),
	}
	escalations := []supportv1.Escalation{
		{ObjectMeta: metav1.ObjectMeta{CreationTimestamp: *mt(time.Hour)}, Spec: supportv1.EscalationSpec{Level: 1, LevelName: "team-lead", Reason: supportv1.ReasonFirstResponseBreached}},
		{ObjectMeta: metav1.ObjectMeta{CreationTimestamp: *mt(2 * time.Hour)}, Spec: supportv1.EscalationSpec{Level: 1, LevelName: "team-lead", Reason: supportv1.ReasonFirstResponseBreached}},
		{ObjectMeta: metav1.ObjectMeta{CreationTimestamp: *mt(3 * time.Hour)}, Spec: supportv1.EscalationSpec{Level: 2, LevelName: "manager", Reason: supportv1.ReasonFirstResponseBreached}},
		{ObjectMeta: metav1.ObjectMeta{CreationTimestamp: *mt(time.Hour)}, Spec: supportv1.EscalationSpec{Level: 1, Reason: supportv1.ReasonRequested}},
		{ObjectMeta: metav1.ObjectMeta{CreationTimestamp: *mt(-48 * time.Hour)}, Spec: supportv1.EscalationSpec{Level: 1, LevelName: "team-lead"}},
	}
	r := BuildReport(complaints, escalations, t0.Add(-24*time.Hour))

	check := func(what string, got, want any) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %v, want %v", what, got, want)
		}
	}
	check("complaints", r.Complaints, 3)
	check("by category", r.ByCategory, map[string]int{"MissedDeadline": 2, "OrderError": 1})
	check("by tier", r.ByTier, map[string]int{"Standard": 2, "Key": 1})
	check("by phase", r.ByPhase, map[string]int{"Closed": 1, "Resolved": 1, "New": 1})
	check("first response", []time.Duration{r.FirstResponse.P50.Duration, r.FirstResponse.P90.Duration}, []time.Duration{10 * time.Minute, 30 * time.Minute})
	check("resolution", []time.Duration{r.Resolution.P50.Duration, r.Resolution.P90.Duration}, []time.Duration{2 * time.Hour, 4 * time.Hour})
	check("first response breaches", r.Breaches["firstResponse"], Rate{Of: 2, Total: 3, Rate: 0.667})
	check("resolution breaches", r.Breaches["resolution"], Rate{Of: 0, Total: 2, Rate: 0})
	check("update breaches", r.Breaches["update"], Rate{})
	check("escalations", r.EscalationsByLevel, map[string]int{"1 team-lead": 2, "2 manager": 1})
	check("requested", r.Requested, 1)
	check("satisfaction", r.Satisfaction, map[string]int{"5": 1, "2": 1})
	check("reopened", r.Reopened, Rate{Of: 1, Total: 2, Rate: 0.5})
	check("declined", r.Declined, Rate{Of: 1, Total: 2, Rate: 0.5})

	var b bytes.Buffer
	if err := r.Write(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Complaints reported since 2026-11-23T08:00:00Z: 3", "firstResponse   2          3     67%", "1 team-lead           2", "Reopened: 1 of 2 resolved (50%)", "Declined: 1 of 2 resolved (50%)"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, b.String())
		}
	}
}

// TestReportClocks: the report shows firstResponse, update and resolution
// always (its output stays as it was for policies without the new
// targets), assignment and approval only when a complaint of the period
// ran them.
func TestReportClocks(t *testing.T) {
	mk := func(clocks supportv1.Clocks) supportv1.Complaint {
		c := supportv1.Complaint{ObjectMeta: metav1.ObjectMeta{Name: "c", CreationTimestamp: *mt(0)}}
		c.Status.Clocks = clocks
		return c
	}
	breached := &supportv1.ClockStatus{State: supportv1.ClockBreached}
	met := &supportv1.ClockStatus{State: supportv1.ClockMet}
	for _, tc := range []struct {
		name       string
		complaints []supportv1.Complaint
		breaches   []string // the keys of Breaches, sorted
		rows       []string // the rows of the CLOCK table
	}{
		{"no complaint", nil, []string{"firstResponse", "resolution", "update"},
			[]string{"firstResponse   0          0     -", "update          0          0     -", "resolution      0          0     -"}},
		{"the three clocks only", []supportv1.Complaint{mk(supportv1.Clocks{FirstResponse: breached, Resolution: met})},
			[]string{"firstResponse", "resolution", "update"},
			[]string{"firstResponse   1          1     100%", "update          0          0     -", "resolution      0          1     0%"}},
		{"an assignment clock ran", []supportv1.Complaint{
			mk(supportv1.Clocks{FirstResponse: met, Assignment: breached}), mk(supportv1.Clocks{FirstResponse: met, Assignment: met})},
			[]string{"assignment", "firstResponse", "resolution", "update"},
			[]string{"firstResponse   0          2     0%", "update          0          0     -", "resolution      0          0     -", "assignment      1          2     50%"}},
		{"an approval clock ran", []supportv1.Complaint{mk(supportv1.Clocks{Approval: met})},
			[]string{"approval", "firstResponse", "resolution", "update"},
			[]string{"firstResponse   0          0     -", "update          0          0     -", "resolution      0          0     -", "approval        0          1     0%"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := BuildReport(tc.complaints, nil, t0.Add(-time.Hour))
			var keys []string
			for k := range r.Breaches {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			if !reflect.DeepEqual(keys, tc.breaches) {
				t.Errorf("breaches of %v, want %v", keys, tc.breaches)
			}
			var b bytes.Buffer
			if err := r.Write(&b); err != nil {
				t.Fatal(err)
			}
			_, table, _ := strings.Cut(b.String(), "CLOCK           BREACHED   RAN   RATE\n")
			table, _, _ = strings.Cut(table, "\n\n")
			if got := strings.Split(table, "\n"); !reflect.DeepEqual(got, tc.rows) {
				t.Errorf("clock table\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.rows, "\n"))
			}
		})
	}
}

func TestBuildGroupReport(t *testing.T) {
	m := time.Minute
	mk := func(name string, mutate func(*supportv1.Complaint)) supportv1.Complaint {
		c := supportv1.Complaint{ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: *mt(0)}}
		c.Spec.Category = supportv1.CategoryMissedDeadline
		mutate(&c)
		return c
	}
	answered := func(ack, resolved time.Duration, satisfaction int32) func(*supportv1.Complaint) {
		return func(c *supportv1.Complaint) {
			c.Status.AcknowledgedAt, c.Status.ResolvedAt = mt(ack), mt(resolved)
			c.Spec.Feedback = &supportv1.Feedback{Satisfaction: ptr.To(satisfaction)}
		}
	}
	breached := &supportv1.ClockStatus{State: supportv1.ClockBreached}
	met := &supportv1.ClockStatus{State: supportv1.ClockMet}
	complaints := []supportv1.Complaint{
		mk("too-old", func(c *supportv1.Complaint) { c.CreationTimestamp = *mt(-48 * time.Hour); c.Spec.Owner = "agent-old" }),
		mk("bob-1", func(c *supportv1.Complaint) {
			c.Spec.Owner, c.Spec.Channel = "agent-bob", "Phone"
			answered(10*m, 2*time.Hour, 5)(c)
			c.Status.Clocks = supportv1.Clocks{FirstResponse: met, Resolution: met}
		}),
		mk("bob-2", func(c *supportv1.Complaint) {
			c.Spec.Owner, c.Spec.Channel = "agent-bob", "Email"
			c.Spec.Customer.Tier = supportv1.TierKey
			answered(30*m, 4*time.Hour, 2)(c)
			c.Status.Clocks = supportv1.Clocks{FirstResponse: breached, Resolution: met}
		}),
		mk("dan-1", func(c *supportv1.Complaint) {
			c.Spec.Owner, c.Spec.Channel = "agent-dan", "Phone"
			c.Spec.Category = supportv1.CategoryOrderError
			c.Status.Clocks = supportv1.Clocks{FirstResponse: met, Assignment: breached}
			c.Status.AcknowledgedAt = mt(5 * m)
		}),
		mk("nobody-1", func(c *supportv1.Complaint) {
			c.Status.Clocks = supportv1.Clocks{FirstResponse: breached, Assignment: breached}
		}),
		mk("nobody-2", func(c *supportv1.Complaint) { c.Spec.Channel = "Web" }),
	}
	since := t0.Add(-24 * time.Hour)

	// group renders a group as: name complaints p50/p90 p50/p90 breached satisfaction
	group := func(g Group) string {
		d := func(x Durations) string {
			if x.Count == 0 {
				return "-"
			}
			return x.P50.Duration.String() + "/" + x.P90.Duration.String()
		}
		mean := "-"
		if g.MeanSatisfaction != nil {
			mean = strconv.FormatFloat(*g.MeanSatisfaction, 'f', -1, 64)
		}
		return fmt.Sprintf("%s %d %s %s %d/%d %s", g.Name, g.Complaints, d(g.FirstResponse), d(g.Resolution), g.Breached.Of, g.Breached.Total, mean)
	}
	for _, tc := range []struct {
		by   string
		want []string
	}{
		{"owner", []string{
			"agent-bob 2 10m0s/30m0s 2h0m0s/4h0m0s 1/2 3.5",
			"agent-dan 1 5m0s/5m0s - 1/1 -",
			"(unowned) 2 - - 1/1 -",
		}},
		{"channel", []string{
			"Phone 2 5m0s/10m0s 2h0m0s/2h0m0s 1/2 5",
			"Email 1 30m0s/30m0s 4h0m0s/4h0m0s 1/1 2",
			"Web 1 - - 0/0 -",
			"(unknown) 1 - - 1/1 -",
		}},
		{"tier", []string{
			"Key 1 30m0s/30m0s 4h0m0s/4h0m0s 1/1 2",
			"Standard 4 5m0s/10m0s 2h0m0s/2h0m0s 2/3 5",
		}},
		{"category", []string{
			"MissedDeadline 4 10m0s/30m0s 2h0m0s/4h0m0s 2/3 3.5",
			"OrderError 1 5m0s/5m0s - 1/1 -",
		}},
	} {
		t.Run(tc.by, func(t *testing.T) {
			r := BuildGroupReport(complaints, tc.by, since)
			if r.Complaints != 5 || r.By != tc.by || !r.Since.Equal(since) {
				t.Errorf("complaints %d by %s since %s, want 5 by %s since %s", r.Complaints, r.By, r.Since, tc.by, since)
			}
			var got []string
			for _, g := range r.Groups {
				got = append(got, group(g))
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}

	t.Run("per clock, as the report: the new clocks where they ran", func(t *testing.T) {
		r := BuildGroupReport(complaints, "owner", since)
		if got, want := r.Groups[1].Breaches["assignment"], (Rate{Of: 1, Total: 1, Rate: 1}); got != want {
			t.Errorf("agent-dan's assignment breaches %+v, want %+v", got, want)
		}
		if _, ok := r.Groups[0].Breaches["assignment"]; ok {
			t.Errorf("agent-bob's complaints ran no assignment clock: %+v", r.Groups[0].Breaches)
		}
	})
}

func TestGroupReportWrite(t *testing.T) {
	five := 5.0
	r := GroupReport{Since: t0, By: "owner", Complaints: 3, Groups: []Group{
		{Name: "agent-bob", Complaints: 2,
			FirstResponse: Durations{Count: 2, P50: metav1.Duration{Duration: 10 * time.Minute}, P90: metav1.Duration{Duration: 30 * time.Minute}},
			Resolution:    Durations{Count: 1, P50: metav1.Duration{Duration: 2 * time.Hour}, P90: metav1.Duration{Duration: 2 * time.Hour}},
			Breached:      Rate{Of: 1, Total: 2, Rate: 0.5}, Satisfaction: map[string]int{"5": 1}, MeanSatisfaction: &five},
		{Name: Unowned, Complaints: 1},
	}}
	var b bytes.Buffer
	if err := r.Write(&b); err != nil {
		t.Fatal(err)
	}
	want := `Complaints reported since 2026-11-24T08:00:00Z: 3, by owner

OWNER       COMPLAINTS   RESPONSE P50   RESPONSE P90   RESOLUTION P50   RESOLUTION P90   BREACHED    SATISFACTION
agent-bob   2            10m            30m            2h               2h               50% (1/2)   5.0 (1)
(unowned)   1            -              -              -                -                -           -
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestGroupOf(t *testing.T) {
	c := &supportv1.Complaint{}
	for _, tc := range []struct{ by, want string }{
		{"owner", Unowned}, {"channel", Unknown}, {"tier", "Standard"}, {"category", Unknown}, {"colour", Unknown},
	} {
		if got := GroupOf(c, tc.by); got != tc.want {
			t.Errorf("GroupOf(empty complaint, %s) = %q, want %q", tc.by, got, tc.want)
		}
	}
}
