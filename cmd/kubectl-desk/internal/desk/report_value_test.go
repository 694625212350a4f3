package desk

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

func pct(p int32) *supportv1.GestureValue { return &supportv1.GestureValue{Percent: ptr.To(p)} }

func amount(a, currency string) *supportv1.GestureValue {
	return &supportv1.GestureValue{Amount: ptr.To(resource.MustParse(a)), Currency: currency}
}

// granted is a complaint created at t0, resolved with a gesture worth
// value, in category and tier, assessed with fault ("" unassessed).
func granted(category supportv1.Category, tier supportv1.CustomerTier, fault supportv1.CompanyFault, value *supportv1.GestureValue) supportv1.Complaint {
	c := supportv1.Complaint{ObjectMeta: metav1.ObjectMeta{Name: "c", CreationTimestamp: *mt(0)}}
	c.Spec.Category, c.Spec.Customer.Tier = category, tier
	c.Spec.Resolution = &supportv1.Resolution{Summary: "fixed", Gesture: &supportv1.Gesture{Kind: supportv1.GestureDiscount, Value: value}}
	if fault != "" {
		c.Spec.Resolution.Assessment = &supportv1.Assessment{CompanyFault: fault}
	}
	c.Status.Phase, c.Status.ResolvedAt = supportv1.PhaseResolved, mt(time.Hour)
	return c
}

func TestGrantedValue(t *testing.T) {
	base := granted(supportv1.CategoryOther, supportv1.TierStandard, "", pct(15))
	policyDefault := base
	policyDefault.Spec.Resolution = &supportv1.Resolution{Summary: "fixed"}
	policyDefault.Status.Gesture = &supportv1.Gesture{Kind: supportv1.GestureDiscount, Value: pct(10)}
	ownWithoutValue := policyDefault
	ownWithoutValue.Spec.Resolution = &supportv1.Resolution{Summary: "fixed", Gesture: &supportv1.Gesture{Kind: supportv1.GestureGift}}
	proposed := base
	proposed.Status.Phase, proposed.Status.ResolvedAt = supportv1.PhasePendingApproval, nil
	implementing := proposed
	implementing.Status.Phase, implementing.Status.RemediesRequestedAt = supportv1.PhaseImplementing, mt(time.Hour)
	declined := base
	declined.Spec.Resolution = &supportv1.Resolution{Summary: "no", Outcome: supportv1.OutcomeDeclined, Reason: "beyond our terms"}
	declined.Status.Gesture = &supportv1.Gesture{Kind: supportv1.GestureDiscount, Value: pct(10)}
	for _, tc := range []struct {
		name string
		c    supportv1.Complaint
		want *int32 // the percent; nil: no value
	}{
		{"the resolution's gesture", base, ptr.To[int32](15)},
		{"the policy's default gesture (status.gesture)", policyDefault, ptr.To[int32](10)},
		{"the resolution's own gesture without a value, not the default's", ownWithoutValue, nil},
		{"a proposal not yet accepted", proposed, nil},
		{"handed to the departments", implementing, ptr.To[int32](15)},
		{"a declined demand", declined, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := GrantedValue(&tc.c)
			var got *int32
			if v != nil {
				got = v.Percent
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestGestureValueTally(t *testing.T) {
	for _, tc := range []struct {
		name   string
		values []*supportv1.GestureValue
		want   GestureValue
		cell   string
	}{
		{"none", []*supportv1.GestureValue{nil}, GestureValue{}, "-"},
		{"percents: total and average", []*supportv1.GestureValue{pct(15), pct(10), pct(10)},
			GestureValue{Gestures: 3, Percents: 3, PercentTotal: 35, PercentAverage: 11.7}, "avg 11.7%, total 35% (3)"},
		{"amounts summed per currency, exactly", []*supportv1.GestureValue{amount("25", "EUR"), amount("12.50", "EUR"), amount("10", "USD")},
			GestureValue{Gestures: 3, Amounts: map[string]string{"EUR": "37.50", "USD": "10"}}, "37.50 EUR, 10 USD"},
		{"both", []*supportv1.GestureValue{pct(20), amount("0.10", "GBP"), nil},
			GestureValue{Gestures: 2, Percents: 1, PercentTotal: 20, PercentAverage: 20, Amounts: map[string]string{"GBP": "0.10"}}, "avg 20%, total 20% (1); 0.10 GBP"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var tally valueTally
			for _, v := range tc.values {
				tally.add(v)
			}
			got := tally.value()
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
			if got.Cell() != tc.cell {
				t.Errorf("cell %q, want %q", got.Cell(), tc.cell)
			}
		})
	}
}

func TestReportGestureValue(t *testing.T) {
	const (
		missed = supportv1.CategoryMissedDeadline
		order  = supportv1.CategoryOrderError
		key    = supportv1.TierKey
		std    = supportv1.TierStandard
	)
	complaints := []supportv1.Complaint{
		granted(missed, std, supportv1.FaultFull, pct(15)),
		granted(missed, key, supportv1.FaultFull, pct(20)),
		granted(missed, std, "", amount("25", "EUR")),
		granted(order, std, supportv1.FaultPartial, amount("12.50", "EUR")),
		granted(order, std, supportv1.FaultNone, nil), // no value: counts nowhere
	}
	r := BuildReport(complaints, nil, t0.Add(-time.Hour))
	want := GestureValues{
		ByCategory: map[string]GestureValue{
			"MissedDeadline": {Gestures: 3, Percents: 2, PercentTotal: 35, PercentAverage: 17.5, Amounts: map[string]string{"EUR": "25"}},
			"OrderError":     {Gestures: 1, Amounts: map[string]string{"EUR": "12.50"}},
		},
		ByTier: map[string]GestureValue{
			"Key":      {Gestures: 1, Percents: 1, PercentTotal: 20, PercentAverage: 20},
			"Standard": {Gestures: 3, Percents: 1, PercentTotal: 15, PercentAverage: 15, Amounts: map[string]string{"EUR": "37.50"}},
		},
		ByFault: map[string]GestureValue{
			"Full":    {Gestures: 2, Percents: 2, PercentTotal: 35, PercentAverage: 17.5},
			"Partial": {Gestures: 1, Amounts: map[string]string{"EUR": "12.50"}},
			NoFault:   {Gestures: 1, Amounts: map[string]string{"EUR": "25"}},
		},
	}
	if !reflect.DeepEqual(r.GestureValue, want) {
		t.Errorf("got  %+v\nwant %+v", r.GestureValue, want)
	}

	var b bytes.Buffer
	if err := r.Write(&b); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{`Gesture value of the accepted resolutions:

CATEGORY         GESTURES   PERCENT AVG   PERCENT TOTAL   AMOUNTS
MissedDeadline   3          17.5%         35%             25 EUR
OrderError       1          -             -               12.50 EUR
`, `TIER       GESTURES   PERCENT AVG   PERCENT TOTAL   AMOUNTS
Key        1          20%           20%             -
Standard   3          15%           15%             37.50 EUR
`, `FAULT     GESTURES   PERCENT AVG   PERCENT TOTAL   AMOUNTS
Partial   1          -             -               12.50 EUR
Full      2          17.5%         35%             -
-         1          -             -               25 EUR
`} {
		if !strings.Contains(b.String(), table) {
			t.Errorf("the report lacks\n%s\nin\n%s", table, b.String())
		}
	}

	t.Run("without any value the report prints no gesture tables", func(t *testing.T) {
		r := BuildReport([]supportv1.Complaint{granted(order, std, "", nil)}, nil, t0.Add(-time.Hour))
		var b bytes.Buffer
		if err := r.Write(&b); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(b.String(), "Gesture value") || strings.Contains(b.String(), "GESTURES") {
			t.Errorf("gesture tables without any value:\n%s", b.String())
		}
	})
}

func TestGroupReportGestureValue(t *testing.T) {
	complaints := []supportv1.Complaint{
		granted(supportv1.CategoryMissedDeadline, supportv1.TierKey, supportv1.FaultFull, pct(15)),
		granted(supportv1.CategoryMissedDeadline, supportv1.TierKey, supportv1.FaultFull, amount("25", "EUR")),
		granted(supportv1.CategoryOther, supportv1.TierStandard, "", nil),
	}
	r := BuildGroupReport(complaints, "tier", t0.Add(-time.Hour))
	if got, want := r.Groups[0].GestureValue, (GestureValue{Gestures: 2, Percents: 1, PercentTotal: 15, PercentAverage: 15,
		Amounts: map[string]string{"EUR": "25"}}); !reflect.DeepEqual(got, want) {
		t.Errorf("Key: %+v, want %+v", got, want)
	}
	var b bytes.Buffer
	if err := r.Write(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(b.String(), "\n")
	if len(lines) < 5 || !strings.HasSuffix(lines[2], "SATISFACTION   GESTURE VALUE") ||
		!strings.HasSuffix(lines[3], "avg 15%, total 15% (1); 25 EUR") || !strings.HasSuffix(lines[4], "   -") {
		t.Errorf("no GESTURE VALUE column:\n%s", b.String())
	}
}
