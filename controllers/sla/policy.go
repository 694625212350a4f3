// Package sla decides a complaint's clocks and lifecycle: a pure function of
// the policy, the complaint's recorded facts, the timestamps stamped in its
// status, and now. The controller gathers, calls Evaluate, and acts; it does
// no time arithmetic of its own.
package sla

import (
	"fmt"
	"sort"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/sla/calendar"
)

// Policy is a ServicePolicy compiled for evaluation.
type Policy struct {
	Name     string
	Spec     *supportv1.ServicePolicySpec
	Calendar *calendar.Calendar // nil: 24x7
}

// Compile checks what the CRD schema cannot (the label selector, the time
// zone, the calendar) and returns the policy ready for Evaluate.
func Compile(p *supportv1.ServicePolicy) (*Policy, error) {
	out := &Policy{Name: p.Name, Spec: &p.Spec}
	if sel := p.Spec.Match.Selector; sel != nil {
		if _, err := metav1.LabelSelectorAsSelector(sel); err != nil {
			return nil, fmt.Errorf("spec.match.selector: %v", err)
		}
	}
	bh := p.Spec.BusinessHours
	if bh == nil {
		return out, nil
	}
	tz := bh.TimeZone
	if tz == "" {
		tz = "UTC"
	}
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "Local" {
		return nil, fmt.Errorf("spec.businessHours.timeZone: unknown time zone %q", tz)
	}
	windows := make([]calendar.Window, 0, len(bh.Weekly))
	for i, w := range bh.Weekly {
		from, err := calendar.ParseClock(w.From)
		if err != nil {
			return nil, fmt.Errorf("spec.businessHours.weekly[%d].from: %v", i, err)
		}
		to, err := calendar.ParseClock(w.To)
		if err != nil {
			return nil, fmt.Errorf("spec.businessHours.weekly[%d].to: %v", i, err)
		}
		win := calendar.Window{From: from, To: to}
		for _, d := range w.Days {
			wd, err := calendar.ParseWeekday(string(d))
			if err != nil {
				return nil, fmt.Errorf("spec.businessHours.weekly[%d].days: %v", i, err)
			}
			win.Days = append(win.Days, wd)
		}
		windows = append(windows, win)
	}
	cal, err := calendar.New(loc, windows, bh.Holidays)
	if err != nil {
		return nil, fmt.Errorf("spec.businessHours: %v", err)
	}
	out.Calendar = cal
	return out, nil
}

func (p *Policy) target(c supportv1.ClockName) time.Duration {
	if p == nil {
		return 0
	}
	d := p.Spec.Targets.Of(c)
	if d == nil || d.Duration <= 0 {
		return 0
	}
	return d.Duration
}

func (p *Policy) atRiskPercent() int64 {
	if p == nil || p.Spec.Targets.AtRiskPercent <= 0 || p.Spec.Targets.AtRiskPercent >= 100 {
		return 75
	}
	return int64(p.Spec.Targets.AtRiskPercent)
}

func (p *Policy) pausesOn(w supportv1.WaitingOn) bool {
	if p == nil || w == "" {
		return false
	}
	for _, x := range p.Spec.PauseWhile {
		if x == w {
			return true
		}
	}
	return false
}

func (p *Policy) recovery() supportv1.Recovery {
	if p == nil || p.Spec.Recovery == nil {
		return supportv1.Recovery{}
	}
	return *p.Spec.Recovery
}

// ReopenBelow is the satisfaction under which feedback reopens (default 3).
func (p *Policy) ReopenBelow() int32 {
	if p == nil || p.Spec.FollowUp == nil || p.Spec.FollowUp.ReopenBelow == 0 {
		return 3
	}
	return p.Spec.FollowUp.ReopenBelow
}

// DefaultGesture is the policy's gesture for a category and the company's
// fault (empty: not assessed), if any: the first rule that lists the
// category and, when it lists faults, the fault.
func (p *Policy) DefaultGesture(cat supportv1.Category, fault supportv1.CompanyFault) *supportv1.Gesture {
	for _, g := range p.recovery().Gestures {
		if !contains(g.Categories, cat) || (len(g.CompanyFault) > 0 && !contains(g.CompanyFault, fault)) {
			continue
		}
		return &supportv1.Gesture{Kind: g.Kind, Detail: g.Detail, Value: g.Value.DeepCopy()}
	}
	return nil
}

// Matches reports whether a policy's match fits the complaint.
func Matches(spec *supportv1.ServicePolicySpec, c *supportv1.Complaint) (bool, error) {
	m := spec.Match
	if len(m.Tiers) > 0 && !contains(m.Tiers, c.Tier()) {
		return false, nil
	}
	if len(m.Categories) > 0 && !contains(m.Categories, c.Spec.Category) {
		return false, nil
	}
	if len(m.Severities) > 0 && !contains(m.Severities, c.Severity()) {
		return false, nil
	}
	if m.Selector != nil {
		sel, err := metav1.LabelSelectorAsSelector(m.Selector)
		if err != nil {
			return false, fmt.Errorf("spec.match.selector: %v", err)
		}
		if !sel.Matches(labels.Set(c.Labels)) {
			return false, nil
		}
	}
	return true, nil
}

// Select picks the policy governing c among the namespace's policies: the
// pinned one, or the highest precedence match, ties by name. It returns nil
// and a reason when none applies.
func Select(policies []supportv1.ServicePolicy, c *supportv1.Complaint) (*supportv1.ServicePolicy, string, string) {
	if name := c.Spec.PolicyName; name != "" {
		for i := range policies {
			if policies[i].Name == name {
				return &policies[i], supportv1.ReasonPinned, fmt.Sprintf("governed by pinned policy %s", name)
			}
		}
		return nil, supportv1.ReasonPolicyNotFound, fmt.Sprintf("pinned policy %s does not exist in this namespace", name)
	}
	var candidates []*supportv1.ServicePolicy
	for i := range policies {
		if !policies[i].DeletionTimestamp.IsZero() {
			continue
		}
		if ok, _ := Matches(&policies[i].Spec, c); ok {
			candidates = append(candidates, &policies[i])
		}
	}
	if len(candidates) == 0 {
		return nil, supportv1.ReasonNoPolicy, "no ServicePolicy of this namespace matches; the complaint moves without clocks"
	}
	sort.Slice(candidates, func(i, j int) bool {
		if candidates[i].Spec.Precedence != candidates[j].Spec.Precedence {
			return candidates[i].Spec.Precedence > candidates[j].Spec.Precedence
		}
		return candidates[i].Name < candidates[j].Name
	})
	return candidates[0], supportv1.ReasonMatched, fmt.Sprintf("matched policy %s (precedence %d)", candidates[0].Name, candidates[0].Spec.Precedence)
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
