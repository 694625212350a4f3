package sla

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

func servicePolicy(name string, precedence int32, match supportv1.PolicyMatch) supportv1.ServicePolicy {
	return supportv1.ServicePolicy{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "support"},
		Spec:       supportv1.ServicePolicySpec{Precedence: precedence, Match: match},
	}
}

func matchComplaint(tier supportv1.CustomerTier, cat supportv1.Category, sev supportv1.Severity, labels map[string]string) *supportv1.Complaint {
	return &supportv1.Complaint{
		ObjectMeta: metav1.ObjectMeta{Name: "c-1", Namespace: "support", Labels: labels},
		Spec: supportv1.ComplaintSpec{
			Customer: supportv1.Customer{Name: "Acme Pharmacy", Tier: tier},
			Category: cat,
			Severity: sev,
			Summary:  "Insulin promised for Saturday not delivered",
		},
	}
}

func TestMatches(t *testing.T) {
	pharmacy := map[string]string{"team": "pharmacy"}
	cases := []struct {
		name    string
		match   supportv1.PolicyMatch
		c       *supportv1.Complaint
		want    bool
		wantErr string
	}{
		{
			name: "empty match governs every complaint",
			c:    matchComplaint("", supportv1.CategoryOther, "", nil),
			want: true,
		},
		{
			name:  "tier Key matches a Key customer",
			match: supportv1.PolicyMatch{Tiers: []supportv1.CustomerTier{supportv1.TierKey}},
			c:     matchComplaint(supportv1.TierKey, supportv1.CategoryOther, "", nil),
			want:  true,
		},
		{
			name:  "tier Key does not match a customer without tier (defaults to Standard)",
			match: supportv1.PolicyMatch{Tiers: []supportv1.CustomerTier{supportv1.TierKey}},
			c:     matchComplaint("", supportv1.CategoryOther, "", nil),
			want:  false,
		},
		{
			name:  "tier Standard matches a customer without tier",
			match: supportv1.PolicyMatch{Tiers: []supportv1.CustomerTier{supportv1.TierStandard}},
			c:     matchComplaint("", supportv1.CategoryOther, "", nil),
			want:  true,
		},
		{
			name:  "category listed matches",
			match: supportv1.PolicyMatch{Categories: []supportv1.Category{supportv1.CategoryMissedDeadline, supportv1.CategoryWrongInformation}},
			c:     matchComplaint("", supportv1.CategoryWrongInformation, "", nil),
			want:  true,
		},
		{
			name:  "category not listed does not match",
			match: supportv1.PolicyMatch{Categories: []supportv1.Category{supportv1.CategoryMissedDeadline}},
			c:     matchComplaint("", supportv1.CategoryOrderError, "", nil),
			want:  false,
		},
		{
			name:  "severity Medium matches a complaint without severity",
			match: supportv1.PolicyMatch{Severities: []supportv1.Severity{supportv1.SeverityMedium}},
			c:     matchComplaint("", supportv1.CategoryOther, "", nil),
			want:  true,
		},
		{
			name:  "severity High does not match a complaint without severity",
			match: supportv1.PolicyMatch{Severities: []supportv1.Severity{supportv1.SeverityHigh, supportv1.SeverityCritical}},
			c:     matchComplaint("", supportv1.CategoryOther, "", nil),
			want:  false,
		},
		{
			name:  "severity Critical matches",
			match: supportv1.PolicyMatch{Severities: []supportv1.Severity{supportv1.SeverityHigh, supportv1.SeverityCritical}},
			c:     matchComplaint("", supportv1.CategoryOther, supportv1.SeverityCritical, nil),
			want:  true,
		},
		{
			name:  "selector matchLabels matches the complaint's labels",
			match: supportv1.PolicyMatch{Selector: &metav1.LabelSelector{MatchLabels: pharmacy}},
			c:     matchComplaint("", supportv1.CategoryOther, "", map[string]string{"team": "pharmacy", "region": "eu"}),
			want:  true,
		},
		{
			name:  "selector matchLabels does not match other labels",
			match: supportv1.PolicyMatch{Selector: &metav1.LabelSelector{MatchLabels: pharmacy}},
			c:     matchComplaint("", supportv1.CategoryOther, "", map[string]string{"team": "clinic"}),
			want:  false,
		},
		{
			name:  "selector does not match a complaint without labels",
			match: supportv1.PolicyMatch{Selector: &metav1.LabelSelector{MatchLabels: pharmacy}},
			c:     matchComplaint("", supportv1.CategoryOther, "", nil),
			want:  false,
		},
		{
			name: "selector matchExpressions NotIn",
			match: supportv1.PolicyMatch{Selector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: "team", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"clinic"}},
			}}},
			c:    matchComplaint("", supportv1.CategoryOther, "", pharmacy),
			want: true,
		},
		{
			name:  "empty selector matches everything",
			match: supportv1.PolicyMatch{Selector: &metav1.LabelSelector{}},
			c:     matchComplaint("", supportv1.CategoryOther, "", nil),
			want:  true,
		},
		{
			name: "invalid selector is an error naming spec.match.selector",
			match: supportv1.PolicyMatch{Selector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: "team", Operator: "Near"},
			}}},
			c:       matchComplaint("", supportv1.CategoryOther, "", pharmacy),
			want:    false,
			wantErr: "spec.match.selector",
		},
		{
			name: "every non-empty field must match: tier and category match, severity does not",
			match: supportv1.PolicyMatch{
				Tiers:      []supportv1.CustomerTier{supportv1.TierKey},
				Categories: []supportv1.Category{supportv1.CategoryMissedDeadline},
				Severities: []supportv1.Severity{supportv1.SeverityHigh},
			},
			c:    matchComplaint(supportv1.TierKey, supportv1.CategoryMissedDeadline, supportv1.SeverityLow, nil),
			want: false,
		},
		{
			name: "every non-empty field matches",
			match: supportv1.PolicyMatch{
				Tiers:      []supportv1.CustomerTier{supportv1.TierKey},
				Categories: []supportv1.Category{supportv1.CategoryMissedDeadline},
				Severities: []supportv1.Severity{supportv1.SeverityHigh},
				Selector:   &metav1.LabelSelector{MatchLabels: pharmacy},
			},
			c:    matchComplaint(supportv1.TierKey, supportv1.CategoryMissedDeadline, supportv1.SeverityHigh, pharmacy),
			want: true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			spec := &supportv1.ServicePolicySpec{Match: tc.match}
			got, err := Matches(spec, tc.c)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Matches error = %v, want one containing %q", err, tc.wantErr)
				}
			} else if err != nil {
				t.Fatalf("Matches: unexpected error %v", err)
			}
			if got != tc.want {
				t.Fatalf("Matches = %t, want %t", got, tc.want)
			}
		})
	}
}

func TestSelect(t *testing.T) {
	keyOnly := supportv1.PolicyMatch{Tiers: []supportv1.CustomerTier{supportv1.TierKey}}
	pharmacy := supportv1.PolicyMatch{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"team": "pharmacy"}}}
	deleting := func(p supportv1.ServicePolicy) supportv1.ServicePolicy {
		now := metav1.NewTime(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
		p.DeletionTimestamp = &now
		return p
	}
	standard := matchComplaint("", supportv1.CategoryMissedDeadline, "", map[string]string{"team": "pharmacy"})
	key := matchComplaint(supportv1.TierKey, supportv1.CategoryMissedDeadline, supportv1.SeverityHigh, nil)
	pinned := func(c *supportv1.Complaint, name string) *supportv1.Complaint {
		c = c.DeepCopy()
		c.Spec.PolicyName = name
		return c
	}

	cases := []struct {
		name       string
		policies   []supportv1.ServicePolicy
		c          *supportv1.Complaint
		want       string // "" for none
		wantReason string
		wantMsg    string
	}{
		{
			name:       "no policies: none, NoPolicy",
			c:          standard,
			want:       "",
			wantReason: supportv1.ReasonNoPolicy,
		},
		{
			name:       "no policy matches: none, NoPolicy",
			policies:   []supportv1.ServicePolicy{servicePolicy("key-accounts", 100, keyOnly)},
			c:          standard,
			want:       "",
			wantReason: supportv1.ReasonNoPolicy,
		},
		{
			name: "highest precedence wins among matches",
			policies: []supportv1.ServicePolicy{
				servicePolicy("default", 0, supportv1.PolicyMatch{}),
				servicePolicy("key-accounts", 100, keyOnly),
				servicePolicy("medium", 50, supportv1.PolicyMatch{}),
			},
			c:          key,
			want:       "key-accounts",
			wantReason: supportv1.ReasonMatched,
			wantMsg:    "matched policy key-accounts (precedence 100)",
		},
		{
			name: "a higher precedence that does not match is passed over",
			policies: []supportv1.ServicePolicy{
				servicePolicy("default", 0, supportv1.PolicyMatch{}),
				servicePolicy("key-accounts", 100, keyOnly),
				servicePolicy("medium", 50, supportv1.PolicyMatch{}),
			},
			c:          standard,
			want:       "medium",
			wantReason: supportv1.ReasonMatched,
		},
		{
			name: "tie on precedence is broken by name, alphabetically first wins",
			policies: []supportv1.ServicePolicy{
				servicePolicy("zeta", 10, supportv1.PolicyMatch{}),
				servicePolicy("alpha", 10, supportv1.PolicyMatch{}),
				servicePolicy("mid", 10, supportv1.PolicyMatch{}),
			},
			c:          standard,
			want:       "alpha",
			wantReason: supportv1.ReasonMatched,
		},
		{
			name: "negative precedence loses to the default 0",
			policies: []supportv1.ServicePolicy{
				servicePolicy("aaa-fallback", -5, supportv1.PolicyMatch{}),
				servicePolicy("zzz-default", 0, supportv1.PolicyMatch{}),
			},
			c:          standard,
			want:       "zzz-default",
			wantReason: supportv1.ReasonMatched,
		},
		{
			name: "selector match beats a lower precedence catch-all",
			policies: []supportv1.ServicePolicy{
				servicePolicy("default", 0, supportv1.PolicyMatch{}),
				servicePolicy("pharmacy", 20, pharmacy),
			},
			c:          standard,
			want:       "pharmacy",
			wantReason: supportv1.ReasonMatched,
		},
		{
			name: "selector that does not match falls back to the catch-all",
			policies: []supportv1.ServicePolicy{
				servicePolicy("default", 0, supportv1.PolicyMatch{}),
				servicePolicy("pharmacy", 20, pharmacy),
			},
			c:          key,
			want:       "default",
			wantReason: supportv1.ReasonMatched,
		},
		{
			name: "tiers default: a complaint without tier is Standard",
			policies: []supportv1.ServicePolicy{
				servicePolicy("key-accounts", 100, keyOnly),
				servicePolicy("standard", 10, supportv1.PolicyMatch{Tiers: []supportv1.CustomerTier{supportv1.TierStandard}}),
			},
			c:          matchComplaint("", supportv1.CategoryOther, "", nil),
			want:       "standard",
			wantReason: supportv1.ReasonMatched,
		},
		{
			name: "a policy being deleted is not matched",
			policies: []supportv1.ServicePolicy{
				deleting(servicePolicy("key-accounts", 100, keyOnly)),
				servicePolicy("default", 0, supportv1.PolicyMatch{}),
			},
			c:          key,
			want:       "default",
			wantReason: supportv1.ReasonMatched,
		},
		{
			name: "pinned policy wins over a higher precedence match, even if its match does not fit",
			policies: []supportv1.ServicePolicy{
				servicePolicy("key-accounts", 100, keyOnly),
				servicePolicy("pharmacy", 20, pharmacy),
				servicePolicy("default", 0, supportv1.PolicyMatch{}),
			},
			c:          pinned(standard, "key-accounts"),
			want:       "key-accounts",
			wantReason: supportv1.ReasonPinned,
			wantMsg:    "governed by pinned policy key-accounts",
		},
		{
			name: "pinned policy missing: none, PolicyNotFound, no fallback to a match",
			policies: []supportv1.ServicePolicy{
				servicePolicy("default", 0, supportv1.PolicyMatch{}),
			},
			c:          pinned(standard, "gone"),
			want:       "",
			wantReason: supportv1.ReasonPolicyNotFound,
			wantMsg:    "pinned policy gone does not exist in this namespace",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, reason, msg := Select(tc.policies, tc.c)
			name := ""
			if got != nil {
				name = got.Name
			}
			if name != tc.want {
				t.Fatalf("Select = %q, want %q (reason %s: %s)", name, tc.want, reason, msg)
			}
			if reason != tc.wantReason {
				t.Fatalf("reason = %q, want %q", reason, tc.wantReason)
			}
			if tc.wantMsg != "" && msg != tc.wantMsg {
				t.Fatalf("message = %q, want %q", msg, tc.wantMsg)
			}
			if msg == "" {
				t.Fatalf("message is empty")
			}
			if got != nil {
				// The pointer points into the caller's slice, not at a copy.
				found := false
				for i := range tc.policies {
					if got == &tc.policies[i] {
						found = true
					}
				}
				if !found {
					t.Fatalf("Select returned a pointer outside the given slice")
				}
			}
		})
	}
}

func TestCompile(t *testing.T) {
	monFri := []supportv1.Weekday{"Mon", "Tue", "Wed", "Thu", "Fri"}
	bh := func(tz string, weekly []supportv1.WeeklyHours, holidays ...string) *supportv1.BusinessHours {
		return &supportv1.BusinessHours{TimeZone: tz, Weekly: weekly, Holidays: holidays}
	}
	office := []supportv1.WeeklyHours{{Days: monFri, From: "09:00", To: "17:00"}}
	cases := []struct {
		name    string
		bh      *supportv1.BusinessHours
		wantErr string // "" for success
		// open and closed are instants (RFC 3339) the compiled calendar must
		// report open or closed.
		open, closed []string
	}{
		{
			name:   "no business hours: 24x7, nil calendar",
			bh:     nil,
			open:   []string{"2026-03-21T03:00:00Z"},
			closed: nil,
		},
		{
			name:   "Europe/Berlin office hours",
			bh:     bh("Europe/Berlin", office),
			open:   []string{"2026-03-20T09:00:00+01:00", "2026-03-20T16:59:59+01:00", "2026-03-30T09:00:00+02:00"},
			closed: []string{"2026-03-20T17:00:00+01:00", "2026-03-20T08:59:59+01:00", "2026-03-21T12:00:00+01:00"},
		},
		{
			name:   "empty time zone means UTC",
			bh:     bh("", office),
			open:   []string{"2026-03-20T09:00:00Z"},
			closed: []string{"2026-03-20T08:30:00Z", "2026-03-20T08:30:00+01:00"},
		},
		{
			name:   "holiday is closed",
			bh:     bh("Europe/Berlin", office, "2026-04-03"),
			open:   []string{"2026-04-02T10:00:00+02:00"},
			closed: []string{"2026-04-03T10:00:00+02:00"},
		},
		{
			name:   "24:00 closes at midnight",
			bh:     bh("UTC", []supportv1.WeeklyHours{{Days: []supportv1.Weekday{"Sat"}, From: "20:00", To: "24:00"}}),
			open:   []string{"2026-03-21T23:59:59Z"},
			closed: []string{"2026-03-22T00:00:00Z"},
		},
		{
			name:    "unknown time zone names spec.businessHours.timeZone",
			bh:      bh("Mars/Olympus_Mons", office),
			wantErr: `spec.businessHours.timeZone: unknown time zone "Mars/Olympus_Mons"`,
		},
		{
			name:    "time zone that is a path names spec.businessHours.timeZone",
			bh:      bh("../../etc/passwd", office),
			wantErr: "spec.businessHours.timeZone",
		},
		{
			name:    "Local is not an IANA time zone",
			bh:      bh("Local", office),
			wantErr: "spec.businessHours.timeZone",
		},
		{
			name:    "invalid from names the window",
			bh:      bh("UTC", []supportv1.WeeklyHours{office[0], {Days: monFri, From: "9:00", To: "17:00"}}),
			wantErr: "spec.businessHours.weekly[1].from",
		},
		{
			name:    "invalid to names the window",
			bh:      bh("UTC", []supportv1.WeeklyHours{{Days: monFri, From: "09:00", To: "24:30"}}),
			wantErr: "spec.businessHours.weekly[0].to",
		},
		{
			name:    "invalid weekday names the window's days",
			bh:      bh("UTC", []supportv1.WeeklyHours{{Days: []supportv1.Weekday{"Monday"}, From: "09:00", To: "17:00"}}),
			wantErr: "spec.businessHours.weekly[0].days",
		},
		{
			name:    "from not before to is rejected",
			bh:      bh("UTC", []supportv1.WeeklyHours{{Days: monFri, From: "17:00", To: "09:00"}}),
			wantErr: "spec.businessHours",
		},
		{
			name:    "no weekly window is rejected",
			bh:      bh("UTC", nil),
			wantErr: "spec.businessHours",
		},
		{
			name:    "window without days is rejected",
			bh:      bh("UTC", []supportv1.WeeklyHours{{From: "09:00", To: "17:00"}}),
			wantErr: "spec.businessHours",
		},
		{
			name:    "invalid holiday is rejected",
			bh:      bh("UTC", office, "2026-02-30"),
			wantErr: "spec.businessHours",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sp := &supportv1.ServicePolicy{
				ObjectMeta: metav1.ObjectMeta{Name: "office", Namespace: "support"},
				Spec:       supportv1.ServicePolicySpec{BusinessHours: tc.bh},
			}
			p, err := Compile(sp)
			if tc.wantErr != "" {
				if err == nil {
					t.Fatalf("Compile succeeded, want an error containing %q", tc.wantErr)
				}
				if !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Compile error = %q, want it to contain %q", err, tc.wantErr)
				}
				if p != nil {
					t.Fatalf("Compile returned a policy with an error")
				}
				return
			}
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			if p.Name != "office" || p.Spec != &sp.Spec {
				t.Fatalf("Compile = {Name %q, Spec %p}, want {office, %p}", p.Name, p.Spec, &sp.Spec)
			}
			if tc.bh == nil && p.Calendar != nil {
				t.Fatalf("Calendar = %v, want nil (24x7)", p.Calendar)
			}
			if tc.bh != nil && p.Calendar == nil {
				t.Fatalf("Calendar is nil, want business hours")
			}
			for _, s := range tc.open {
				if at := mustRFC3339(t, s); !p.Calendar.IsOpen(at) {
					t.Errorf("IsOpen(%s) = false, want true", s)
				}
			}
			for _, s := range tc.closed {
				if at := mustRFC3339(t, s); p.Calendar.IsOpen(at) {
					t.Errorf("IsOpen(%s) = true, want false", s)
				}
			}
		})
	}
}

func TestPolicyDefaults(t *testing.T) {
	d := func(x time.Duration) *metav1.Duration { return &metav1.Duration{Duration: x} }
	cases := []struct {
		name            string
		p               *Policy
		wantFR, wantUpd time.Duration
		wantRes         time.Duration
		wantAtRisk      int64
		wantReopenBelow int32
		pauses          []supportv1.WaitingOn // waitingOn values that pause
		noPause         []supportv1.WaitingOn
	}{
		{
			name:            "nil policy: no targets, 75%, reopen below 3, never pauses",
			p:               nil,
			wantAtRisk:      75,
			wantReopenBelow: 3,
			noPause:         []supportv1.WaitingOn{"", supportv1.WaitingOnCustomer, supportv1.WaitingOnVendor},
		},
		{
			name:            "empty spec: defaults",
			p:               &Policy{Name: "p", Spec: &supportv1.ServicePolicySpec{FollowUp: &supportv1.FollowUp{After: metav1.Duration{Duration: time.Hour}}}},
			wantAtRisk:      75,
			wantReopenBelow: 3,
			noPause:         []supportv1.WaitingOn{"", supportv1.WaitingOnCustomer},
		},
		{
			name: "targets, atRiskPercent, reopenBelow and pauseWhile as given",
			p: &Policy{Name: "p", Spec: &supportv1.ServicePolicySpec{
				Targets:    supportv1.Targets{FirstResponse: d(15 * time.Minute), Update: d(4 * time.Hour), Resolution: d(24 * time.Hour), AtRiskPercent: 50},
				PauseWhile: []supportv1.WaitingOn{supportv1.WaitingOnCustomer},
				FollowUp:   &supportv1.FollowUp{After: metav1.Duration{Duration: time.Hour}, ReopenBelow: 4},
			}},
			wantFR: 15 * time.Minute, wantUpd: 4 * time.Hour, wantRes: 24 * time.Hour,
			wantAtRisk:      50,
			wantReopenBelow: 4,
			pauses:          []supportv1.WaitingOn{supportv1.WaitingOnCustomer},
			noPause:         []supportv1.WaitingOn{"", supportv1.WaitingOnVendor},
		},
		{
			name: "zero or negative targets do not run; out-of-range atRiskPercent falls back to 75",
			p: &Policy{Name: "p", Spec: &supportv1.ServicePolicySpec{
				Targets: supportv1.Targets{FirstResponse: d(0), Update: d(-time.Hour), AtRiskPercent: 100},
			}},
			wantAtRisk:      75,
			wantReopenBelow: 3,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, x := range []struct {
				c    supportv1.ClockName
				want time.Duration
			}{{supportv1.ClockFirstResponse, tc.wantFR}, {supportv1.ClockUpdate, tc.wantUpd}, {supportv1.ClockResolution, tc.wantRes}} {
				if got := tc.p.target(x.c); got != x.want {
					t.Errorf("target(%s) = %v, want %v", x.c, got, x.want)
				}
			}
			if got := tc.p.atRiskPercent(); got != tc.wantAtRisk {
				t.Errorf("atRiskPercent = %d, want %d", got, tc.wantAtRisk)
			}
			if got := tc.p.ReopenBelow(); got != tc.wantReopenBelow {
				t.Errorf("ReopenBelow = %d, want %d", got, tc.wantReopenBelow)
			}
			for _, w := range tc.pauses {
				if !tc.p.pausesOn(w) {
					t.Errorf("pausesOn(%q) = false, want true", w)
				}
			}
			for _, w := range tc.noPause {
				if tc.p.pausesOn(w) {
					t.Errorf("pausesOn(%q) = true, want false", w)
				}
			}
		})
	}
}

func TestDefaultGesture(t *testing.T) {
	rules := []supportv1.GestureRule{
		{Categories: []supportv1.Category{supportv1.CategoryOrderError}, Kind: supportv1.GestureGift, Detail: "a gift box"},
		{Categories: []supportv1.Category{supportv1.CategoryMissedDeadline, supportv1.CategoryWrongInformation}, Kind: supportv1.GestureDiscount, Detail: "15% off the next order"},
		{Categories: []supportv1.Category{supportv1.CategoryMissedDeadline}, Kind: supportv1.GestureFreeService},
	}
	withRules := &Policy{Name: "p", Spec: &supportv1.ServicePolicySpec{Recovery: &supportv1.Recovery{Gestures: rules}}}
	cases := []struct {
		name string
		p    *Policy
		cat  supportv1.Category
		want *supportv1.Gesture
	}{
		{"nil policy has no gesture", nil, supportv1.CategoryMissedDeadline, nil},
		{"policy without recovery has no gesture", &Policy{Name: "p", Spec: &supportv1.ServicePolicySpec{}}, supportv1.CategoryMissedDeadline, nil},
		{"first rule listing the category applies", withRules, supportv1.CategoryMissedDeadline, &supportv1.Gesture{Kind: supportv1.GestureDiscount, Detail: "15% off the next order"}},
		{"rule with several categories", withRules, supportv1.CategoryWrongInformation, &supportv1.Gesture{Kind: supportv1.GestureDiscount, Detail: "15% off the next order"}},
		{"single-category rule", withRules, supportv1.CategoryOrderError, &supportv1.Gesture{Kind: supportv1.GestureGift, Detail: "a gift box"}},
		{"category not listed has no gesture", withRules, supportv1.CategoryOther, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.p.DefaultGesture(tc.cat, "")
			switch {
			case tc.want == nil && got != nil:
				t.Fatalf("DefaultGesture = %+v, want nil", *got)
			case tc.want != nil && (got == nil || *got != *tc.want):
				t.Fatalf("DefaultGesture = %+v, want %+v", got, *tc.want)
			}
		})
	}
}

func mustRFC3339(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		tb.Fatalf("bad test time %q: %v", s, err)
	}
	return t
}

func TestCompileSelector(t *testing.T) {
	cases := []struct {
		name     string
		selector *metav1.LabelSelector
		wantErr  string // "" for success
	}{
		{name: "no selector", selector: nil},
		{name: "empty selector", selector: &metav1.LabelSelector{}},
		{name: "valid labels and expressions", selector: &metav1.LabelSelector{
			MatchLabels: map[string]string{"team": "pharmacy"},
			MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: "region", Operator: metav1.LabelSelectorOpIn, Values: []string{"eu", "us"}},
				{Key: "vip", Operator: metav1.LabelSelectorOpExists},
			},
		}},
		{name: "In without values", wantErr: "spec.match.selector", selector: &metav1.LabelSelector{
			MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "team", Operator: metav1.LabelSelectorOpIn}},
		}},
		{name: "Exists with values", wantErr: "spec.match.selector", selector: &metav1.LabelSelector{
			MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "team", Operator: metav1.LabelSelectorOpExists, Values: []string{"x"}}},
		}},
		{name: "unknown operator", wantErr: "spec.match.selector", selector: &metav1.LabelSelector{
			MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "team", Operator: "Like", Values: []string{"x"}}},
		}},
		{name: "invalid key in matchLabels", wantErr: "spec.match.selector", selector: &metav1.LabelSelector{
			MatchLabels: map[string]string{"bad key!": "x"},
		}},
		{name: "invalid key in an expression", wantErr: "spec.match.selector", selector: &metav1.LabelSelector{
			MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "bad key!", Operator: metav1.LabelSelectorOpExists}},
		}},
		{name: "invalid value", wantErr: "spec.match.selector", selector: &metav1.LabelSelector{
			MatchLabels: map[string]string{"team": "not a value!"},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sp := &supportv1.ServicePolicy{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "support"},
				Spec: supportv1.ServicePolicySpec{Match: supportv1.PolicyMatch{Selector: tc.selector}}}
			p, err := Compile(sp)
			if tc.wantErr == "" {
				if err != nil || p == nil {
					t.Fatalf("Compile = %v, %v; want a policy", p, err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), tc.wantErr) {
				t.Fatalf("Compile error = %v, want one starting with %q", err, tc.wantErr)
			}
			if p != nil {
				t.Fatalf("Compile returned a policy with an error")
			}
		})
	}
}
