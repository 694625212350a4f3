package desk

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/internal/text"
)

// GestureValue is what the gestures granted to a set of complaints are
// worth: those worth a percent of the order (how many, their total and
// average), and the amounts summed per currency. A gesture counts once its
// resolution is accepted: resolved, or handed to the departments.
type GestureValue struct {
	// Gestures counts the granted gestures that have a value.
	Gestures int `json:"gestures"`
	// Percents counts those worth a percent; PercentTotal adds the
	// percents up and PercentAverage is their mean (to one decimal).
	Percents       int     `json:"percents"`
	PercentTotal   int     `json:"percentTotal"`
	PercentAverage float64 `json:"percentAverage"`
	// Amounts sums the amounts per currency, e.g. {"EUR": "37.50"}.
	Amounts map[string]string `json:"amounts,omitempty"`
}

// GestureValues is the gesture value of a period by the complaints'
// category, customer tier and the company's fault (NoFault when the
// resolution was not assessed).
type GestureValues struct {
	ByCategory map[string]GestureValue `json:"byCategory"`
	ByTier     map[string]GestureValue `json:"byTier"`
	ByFault    map[string]GestureValue `json:"byFault"`
}

// NoFault is the fault of a resolution without an assessment.
const NoFault = "-"

// Faults are the company's fault in the order of the API's enum, then
// NoFault.
var Faults = []string{string(supportv1.FaultNone), string(supportv1.FaultPartial), string(supportv1.FaultFull), NoFault}

// GrantedValue is the value of the gesture complaint c was granted: its
// resolution's gesture's, else that of the policy's default gesture
// (status.gesture). It is nil when the gesture has no value, when the
// resolution declines, and until the resolution is accepted (resolved,
// or the departments asked to carry it out).
func GrantedValue(c *supportv1.Complaint) *supportv1.GestureValue {
	r := c.Spec.Resolution
	if r == nil || r.Declined() || (c.Status.ResolvedAt == nil && c.Status.RemediesRequestedAt == nil) {
		return nil
	}
	if r.Gesture != nil && r.Gesture.Value != nil {
		return r.Gesture.Value
	}
	if g := c.Status.Gesture; r.Gesture == nil && g != nil {
		return g.Value
	}
	return nil
}

// FaultOf is the company's fault the resolution of c was assessed with,
// or NoFault.
func FaultOf(c *supportv1.Complaint) string {
	if r := c.Spec.Resolution; r != nil && r.Assessment != nil && r.Assessment.CompanyFault != "" {
		return string(r.Assessment.CompanyFault)
	}
	return NoFault
}

// valueTally adds gesture values up.
type valueTally struct {
	gestures, percents, percentTotal int
	amounts                          map[string]*resource.Quantity
}

// add counts v; nil counts nothing.
func (t *valueTally) add(v *supportv1.GestureValue) {
	switch {
	case v == nil:
		return
	case v.Percent != nil:
		t.percents++
		t.percentTotal += int(*v.Percent)
	case v.Amount != nil:
		if t.amounts == nil {
			t.amounts = map[string]*resource.Quantity{}
		}
		if t.amounts[v.Currency] == nil {
			t.amounts[v.Currency] = &resource.Quantity{}
		}
		t.amounts[v.Currency].Add(*v.Amount)
	default:
		return
	}
	t.gestures++
}

func (t *valueTally) value() GestureValue {
	v := GestureValue{Gestures: t.gestures, Percents: t.percents, PercentTotal: t.percentTotal}
	if t.percents > 0 {
		v.PercentAverage = math.Round(float64(t.percentTotal)/float64(t.percents)*10) / 10
	}
	for currency, q := range t.amounts {
		if v.Amounts == nil {
			v.Amounts = map[string]string{}
		}
		v.Amounts[currency] = q.AsDec().String()
	}
	return v
}

// valuesBy tallies gesture values by a key of the complaint.
type valuesBy map[string]*valueTally

func (m valuesBy) add(key string, v *supportv1.GestureValue) {
	if m[key] == nil {
		m[key] = &valueTally{}
	}
	m[key].add(v)
}

// values are the keys' gesture values, without the keys whose complaints
// were granted no gesture with a value.
func (m valuesBy) values() map[string]GestureValue {
	out := map[string]GestureValue{}
	for k, t := range m {
		if t.gestures > 0 {
			out[k] = t.value()
		}
	}
	return out
}

// gestureValues tallies a period's gesture values by category, tier and fault.
type gestureValues struct{ category, tier, fault valuesBy }

func newGestureValues() gestureValues {
	return gestureValues{category: valuesBy{}, tier: valuesBy{}, fault: valuesBy{}}
}

func (g gestureValues) add(c *supportv1.Complaint) {
	v := GrantedValue(c)
	if v == nil {
		return
	}
	g.category.add(string(c.Spec.Category), v)
	g.tier.add(string(c.Tier()), v)
	g.fault.add(FaultOf(c), v)
}

func (g gestureValues) values() GestureValues {
	return GestureValues{ByCategory: g.category.values(), ByTier: g.tier.values(), ByFault: g.fault.values()}
}

// PercentCell is the percents' average, e.g. 12.5%; "-" without any.
func (v GestureValue) PercentCell() string {
	if v.Percents == 0 {
		return "-"
	}
	return strconv.FormatFloat(v.PercentAverage, 'f', -1, 64) + "%"
}

// PercentTotalCell is the percents' total, e.g. 25%; "-" without any.
func (v GestureValue) PercentTotalCell() string {
	if v.Percents == 0 {
		return "-"
	}
	return strconv.Itoa(v.PercentTotal) + "%"
}

// AmountsCell is the amounts by currency, e.g. "37.50 EUR, 10 USD"; "-"
// without any.
func (v GestureValue) AmountsCell() string {
	if len(v.Amounts) == 0 {
		return "-"
	}
	currencies := make([]string, 0, len(v.Amounts))
	for c := range v.Amounts {
		currencies = append(currencies, c)
	}
	sort.Strings(currencies)
	parts := make([]string, len(currencies))
	for i, c := range currencies {
		parts[i] = v.Amounts[c] + " " + c
	}
	return strings.Join(parts, ", ")
}

// Cell is the value in one table cell, e.g. "avg 12.5%, total 25% (2);
// 37.50 EUR"; "-" without any gesture.
func (v GestureValue) Cell() string {
	var parts []string
	if v.Percents > 0 {
		parts = append(parts, fmt.Sprintf("avg %s, total %s (%d)", v.PercentCell(), v.PercentTotalCell(), v.Percents))
	}
	if len(v.Amounts) > 0 {
		parts = append(parts, v.AmountsCell())
	}
	return text.OrDash(strings.Join(parts, "; "))
}

// empty reports whether no granted gesture of the period has a value.
func (g GestureValues) empty() bool {
	return len(g.ByCategory) == 0 && len(g.ByTier) == 0 && len(g.ByFault) == 0
}

// write prints the gesture value by category, tier and fault, a table
// each; nothing when no granted gesture of the period has a value.
func (g GestureValues) write(w io.Writer) {
	if g.empty() {
		return
	}
	fmt.Fprintf(w, "Gesture value of the accepted resolutions:\n\n")
	for _, by := range []struct {
		title  string
		values map[string]GestureValue
		order  []string
	}{{"CATEGORY", g.ByCategory, Categories}, {"TIER", g.ByTier, Tiers}, {"FAULT", g.ByFault, Faults}} {
		t := Table{Header: []string{by.title, "GESTURES", "PERCENT AVG", "PERCENT TOTAL", "AMOUNTS"}}
		for _, k := range valueKeys(by.values, by.order) {
			v := by.values[k]
			t.Rows = append(t.Rows, []string{k, strconv.Itoa(v.Gestures), v.PercentCell(), v.PercentTotalCell(), v.AmountsCell()})
		}
		_ = t.Write(w, false)
		fmt.Fprintln(w)
	}
}

// valueKeys lists m's keys: those of order first, in that order, then the rest sorted.
func valueKeys(m map[string]GestureValue, order []string) []string {
	counts := make(map[string]int, len(m))
	for k, v := range m {
		counts[k] = v.Gestures
	}
	return keys(counts, order)
}
