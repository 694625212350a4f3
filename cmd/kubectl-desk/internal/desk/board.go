package desk

import (
	"sort"
	"strconv"
	"time"

	apimeta "k8s.io/apimachinery/pkg/api/meta"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/internal/text"
)

// BoardFilter narrows the board; empty fields do not filter.
type BoardFilter struct {
	// Owner keeps the complaints of this owner (--mine).
	Owner string
	// Unowned keeps the complaints nobody owns yet (spec.owner empty: the
	// assignment clock runs for them).
	Unowned bool
	// Tier keeps one customer tier.
	Tier string
	// Policy keeps the complaints governed by one policy.
	Policy string
}

// BoardRow is one open complaint on the board.
type BoardRow struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Phase     string `json:"phase"`
	Tier      string `json:"tier"`
	Severity  string `json:"severity"`
	// Clock is what is due next: a clock's field name (firstResponse,
	// update, resolution, assignment, approval) or followUp.
	Clock string `json:"clock,omitempty"`
	// Due is when it is due; nil when nothing is (paused, or no policy).
	Due *time.Time `json:"due,omitempty"`
	// Left is the time until Due (negative: overdue), as of the board's now.
	Left *time.Duration `json:"left,omitempty"`
	// Breached: a breach stands (the operator's Breached condition).
	Breached bool `json:"breached"`
	// AtRisk: a running clock is at risk (the operator's AtRisk condition).
	AtRisk bool `json:"atRisk"`
	// Paused: the clocks are paused while waiting on the customer or a vendor.
	Paused   bool   `json:"paused"`
	Owner    string `json:"owner,omitempty"`
	Level    int32  `json:"escalationLevel"`
	Policy   string `json:"policy,omitempty"`
	Customer string `json:"customer"`
	Summary  string `json:"summary"`

	created time.Time
}

// Board lists the complaints that are not closed and pass the filter, the
// soonest due first (overdue before due, due before nothing due), then
// the oldest. It reads status only: due times, breaches and risks are the
// operator's.
func Board(items []supportv1.Complaint, f BoardFilter, now time.Time) []BoardRow {
	var rows []BoardRow
	for i := range items {
		c := &items[i]
		if c.Status.Phase == supportv1.PhaseClosed ||
			(f.Owner != "" && c.Spec.Owner != f.Owner) ||
			(f.Unowned && c.Spec.Owner != "") ||
			(f.Tier != "" && string(c.Tier()) != f.Tier) ||
			(f.Policy != "" && c.Status.Policy != f.Policy) {
			continue
		}
		r := BoardRow{
			Namespace: c.Namespace, Name: c.Name, Phase: phaseOf(c), Tier: string(c.Tier()), Severity: string(c.Spec.Severity),
			Owner: c.Spec.Owner, Level: c.Status.EscalationLevel, Policy: c.Status.Policy,
			Customer: c.Spec.Customer.Name, Summary: c.Spec.Summary, created: c.CreationTimestamp.Time,
			Breached: apimeta.IsStatusConditionTrue(c.Status.Conditions, supportv1.ConditionBreached),
			AtRisk:   apimeta.IsStatusConditionTrue(c.Status.Conditions, supportv1.ConditionAtRisk),
			Paused:   c.Status.WaitingSince != nil,
		}
		r.Clock, r.Due = NextDue(c)
		if r.Due != nil {
			left := r.Due.Sub(now).Round(time.Second)
			r.Left = &left
		}
		rows = append(rows, r)
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if (a.Due == nil) != (b.Due == nil) {
			return a.Due != nil
		}
		if a.Due != nil && !a.Due.Equal(*b.Due) {
			return a.Due.Before(*b.Due)
		}
		if !a.created.Equal(b.created) {
			return a.created.Before(b.created)
		}
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.Name < b.Name
	})
	return rows
}

// NextDue is what the complaint owes next and when, from status: a standing
// breach (its missed due time), else status.nextDueAt (the earliest running
// clock), else a follow-up call not yet due. It returns "" and nil when
// nothing is due.
func NextDue(c *supportv1.Complaint) (string, *time.Time) {
	st := &c.Status
	find := func(state supportv1.ClockState, at time.Time) string {
		for name, cs := range st.Clocks.Each() {
			if cs.State == state && cs.DueAt != nil && cs.DueAt.Time.Equal(at) {
				return name.Field()
			}
		}
		return ""
	}
	switch {
	case st.BreachedAt != nil:
		t := st.BreachedAt.Time
		return find(supportv1.ClockBreached, t), &t
	case st.NextDueAt != nil:
		t := st.NextDueAt.Time
		return find(supportv1.ClockRunning, t), &t
	case st.ResolvedAt != nil && st.FollowUpAt != nil && !st.FollowUpNotified:
		t := st.FollowUpAt.Time
		return "followUp", &t
	}
	return "", nil
}

// BoardTable lays the rows out; wide adds customer, policy and summary,
// allNamespaces a NAMESPACE column first.
func BoardTable(rows []BoardRow, wide, allNamespaces bool) Table {
	t := Table{Header: []string{"NAME", "PHASE", "TIER", "SEVERITY", "NEXT DUE", "LEFT", "STATE", "OWNER", "LEVEL"}}
	if wide {
		t.Header = append(t.Header, "POLICY", "CUSTOMER", "SUMMARY")
	}
	if allNamespaces {
		t.Header = append([]string{"NAMESPACE"}, t.Header...)
	}
	for _, r := range rows {
		due, left := "-", "-"
		if r.Due != nil {
			due, left = text.OrDash(r.Clock), LeftCell(r.Left)
		}
		cells := []string{r.Name, r.Phase, r.Tier, text.OrDash(r.Severity), due, left, r.State(), text.OrDash(r.Owner), strconv.Itoa(int(r.Level))}
		if wide {
			cells = append(cells, text.OrDash(r.Policy), r.Customer, r.Summary)
		}
		if allNamespaces {
			cells = append([]string{r.Namespace}, cells...)
		}
		t.Rows = append(t.Rows, cells)
		style := Plain
		switch {
		case r.Breached:
			style = Breached
		case r.AtRisk:
			style = AtRisk
		}
		t.Styles = append(t.Styles, style)
	}
	return t
}

// State is the row's mark: BREACHED, AT-RISK, paused or ok.
func (r BoardRow) State() string {
	switch {
	case r.Breached:
		return "BREACHED"
	case r.AtRisk:
		return "AT-RISK"
	case r.Paused:
		return "paused"
	}
	return "ok"
}
