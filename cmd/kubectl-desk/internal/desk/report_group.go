package desk

import (
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/sla"
)

// Groupings are what report --by groups the complaints by.
var Groupings = []string{"owner", "channel", "tier", "category"}

// The names of the groups of complaints without the grouped fact: nobody
// owns them (spec.owner empty), or their channel was not recorded (the API
// has no default channel). Parentheses keep them apart from any user or
// enum value.
const (
	Unowned = "(unowned)"
	Unknown = "(unknown)"
)

// GroupReport is the report of a period by owner, channel, tier or
// category (report --by): per group, how many complaints, how fast they
// were answered and resolved, how many breached, how satisfied the
// customers were. Results per person and per channel are what the domain
// asks managers to watch.
type GroupReport struct {
	// Since is the start of the period, as in Report.
	Since time.Time `json:"since"`
	// By is the grouping: owner, channel, tier or category.
	By string `json:"by"`
	// Complaints counts the complaints of the period, all groups.
	Complaints int `json:"complaints"`
	// Groups in order: the enum's order for channel, tier and category,
	// names sorted for owner; Unowned and Unknown last.
	Groups []Group `json:"groups"`
}

// Group is one group of the report: figures as Report computes them.
type Group struct {
	// Name is the owner, channel, tier or category, or Unowned, Unknown.
	Name       string `json:"name"`
	Complaints int    `json:"complaints"`
	// FirstResponse and Resolution: p50 and p90 from the report, as in Report.
	FirstResponse Durations `json:"firstResponse"`
	Resolution    Durations `json:"resolution"`
	// Breached: of the complaints with a clock that ran, how many have a
	// breached clock.
	Breached Rate `json:"breached"`
	// Breaches per clock, as in Report.
	Breaches map[string]Rate `json:"breaches"`
	// Satisfaction counts the feedback scores 1 to 5; MeanSatisfaction is
	// their mean (absent without any).
	Satisfaction     map[string]int `json:"satisfaction"`
	MeanSatisfaction *float64       `json:"meanSatisfaction,omitempty"`
	// GestureValue is what the group's accepted resolutions' gestures are
	// worth.
	GestureValue GestureValue `json:"gestureValue"`
}

// GroupOf is the group of complaint c in grouping by (one of Groupings).
func GroupOf(c *supportv1.Complaint, by string) string {
	switch by {
	case "owner":
		return orElse(c.Spec.Owner, Unowned)
	case "channel":
		return orElse(string(c.Spec.Channel), Unknown)
	case "tier":
		return string(c.Tier())
	case "category":
		return orElse(string(c.Spec.Category), Unknown)
	}
	return Unknown
}

// BuildGroupReport reports on the complaints reported since (sla.Start),
// grouped by by (one of Groupings).
func BuildGroupReport(complaints []supportv1.Complaint, by string, since time.Time) GroupReport {
	r := GroupReport{Since: since, By: by, Groups: []Group{}}
	tallies := map[string]*tally{}
	for i := range complaints {
		c := &complaints[i]
		start := sla.Start(c)
		if start.Before(since) {
			continue
		}
		r.Complaints++
		g := GroupOf(c, by)
		if tallies[g] == nil {
			tallies[g] = newTally()
		}
		tallies[g].add(c, start)
	}
	for _, name := range groupOrder(tallies, by) {
		t := tallies[name]
		g := Group{Name: name, Complaints: t.complaints,
			FirstResponse: percentiles(t.first), Resolution: percentiles(t.resolution),
			Breached: rate(t.anyBreached.Of, t.anyBreached.Total), Breaches: t.breaches(), Satisfaction: t.satisfaction,
			GestureValue: t.value.value()}
		g.MeanSatisfaction = mean(t.satisfaction)
		r.Groups = append(r.Groups, g)
	}
	return r
}

// groupOrder orders the groups: the enum's values in its order (channel,
// tier, category), then the other names sorted, then Unowned and Unknown.
func groupOrder(tallies map[string]*tally, by string) []string {
	var enum []string
	switch by {
	case "channel":
		enum = Channels
	case "tier":
		enum = Tiers
	case "category":
		enum = Categories
	}
	rank := func(name string) int {
		if i := slices.Index(enum, name); i >= 0 {
			return i
		}
		if name == Unowned || name == Unknown {
			return len(enum) + 1
		}
		return len(enum)
	}
	names := make([]string, 0, len(tallies))
	for name := range tallies {
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool {
		if ri, rj := rank(names[i]), rank(names[j]); ri != rj {
			return ri < rj
		}
		return names[i] < names[j]
	})
	return names
}

// mean is the mean of the satisfaction scores counted in m; nil without any.
func mean(m map[string]int) *float64 {
	sum, n := 0, 0
	for score, count := range m {
		v, err := strconv.Atoi(score)
		if err != nil {
			continue
		}
		sum += v * count
		n += count
	}
	if n == 0 {
		return nil
	}
	x := math.Round(float64(sum)/float64(n)*100) / 100
	return &x
}

// Write prints the report as a table, a group a row; with a GESTURE VALUE
// column when some group's accepted gestures have a value.
func (r GroupReport) Write(out io.Writer) error {
	w := &stickyWriter{w: out}
	fmt.Fprintf(w, "Complaints reported since %s: %d, by %s\n\n", r.Since.UTC().Format(time.RFC3339), r.Complaints, r.By)
	t := Table{Header: []string{strings.ToUpper(r.By), "COMPLAINTS", "RESPONSE P50", "RESPONSE P90", "RESOLUTION P50", "RESOLUTION P90", "BREACHED", "SATISFACTION"}}
	values := slices.ContainsFunc(r.Groups, func(g Group) bool { return g.GestureValue.Gestures > 0 })
	if values {
		t.Header = append(t.Header, "GESTURE VALUE")
	}
	for _, g := range r.Groups {
		row := append(append([]string{g.Name, strconv.Itoa(g.Complaints)}, durationCells(g.FirstResponse, g.Resolution)...),
			breachedCell(g.Breached), satisfactionCell(g))
		if values {
			row = append(row, g.GestureValue.Cell())
		}
		t.Rows = append(t.Rows, row)
	}
	_ = t.Write(w, false)
	return w.err
}

// durationCells are the p50 and p90 of each set, "-" for an empty one.
func durationCells(ds ...Durations) []string {
	var out []string
	for _, d := range ds {
		if d.Count == 0 {
			out = append(out, "-", "-")
			continue
		}
		out = append(out, Short(d.P50.Duration), Short(d.P90.Duration))
	}
	return out
}

// breachedCell is the rate and its count, e.g. 33% (1/3); "-" when no clock ran.
func breachedCell(r Rate) string {
	if r.Total == 0 {
		return "-"
	}
	return fmt.Sprintf("%s (%d/%d)", percent(r), r.Of, r.Total)
}

// satisfactionCell is the mean score and the number of answers, e.g.
// 3.5 (2); "-" without any.
func satisfactionCell(g Group) string {
	if g.MeanSatisfaction == nil {
		return "-"
	}
	n := 0
	for _, c := range g.Satisfaction {
		n += c
	}
	return fmt.Sprintf("%.1f (%d)", *g.MeanSatisfaction, n)
}

func orElse(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}
