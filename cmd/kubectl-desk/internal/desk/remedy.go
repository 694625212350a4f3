package desk

import (
	"fmt"
	"sort"
	"strings"
	"time"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/internal/text"
)

// RemedyFilter narrows the remedies listed; empty fields do not filter.
type RemedyFilter struct {
	// Department keeps one department's remedies.
	Department string
	// Complaint keeps the remedies of one complaint.
	Complaint string
	// Pending keeps the remedies still to carry out (Open).
	Pending bool
}

// RemedyRow is one remedy of the list: what a department is asked to do,
// how its clock stands, and its report.
type RemedyRow struct {
	Namespace  string `json:"namespace"`
	Name       string `json:"name"`
	Complaint  string `json:"complaint"`
	Department string `json:"department"`
	Kind       string `json:"kind"`
	Detail     string `json:"detail,omitempty"`
	// Phase is the operator's (status.phase); empty until it saw the remedy.
	Phase string `json:"phase,omitempty"`
	// Due is when the department's target is missed; nil when none is set.
	Due *time.Time `json:"due,omitempty"`
	// Left is the time until Due (negative: overdue) as of now, while the
	// clock runs; nil once it stopped (met or missed) or without Due.
	Left *time.Duration `json:"left,omitempty"`
	// Clock is the clock's state: Running, Met or Breached.
	Clock string `json:"clock,omitempty"`
	// AtRisk: the running clock is past its at-risk time.
	AtRisk bool `json:"atRisk"`
	// Outcome, By, Reference and Note are the department's report
	// (spec.fulfilment), empty until it reports.
	Outcome   string `json:"outcome,omitempty"`
	By        string `json:"by,omitempty"`
	Reference string `json:"reference,omitempty"`
	Note      string `json:"note,omitempty"`
}

// Open reports whether remedy r is still to carry out: no report recorded
// and not cancelled.
func Open(r *supportv1.Remedy) bool {
	return r.Spec.Fulfilment == nil && r.Status.Phase != supportv1.RemedyCancelled
}

// Remedies lists the remedies that pass the filter, by department, then
// the soonest due first (none due last), then by namespace and name.
func Remedies(items []supportv1.Remedy, f RemedyFilter, now time.Time) []RemedyRow {
	var rows []RemedyRow
	for i := range items {
		r := &items[i]
		if (f.Department != "" && r.Spec.Department != f.Department) ||
			(f.Complaint != "" && r.Spec.ComplaintName != f.Complaint) ||
			(f.Pending && !Open(r)) {
			continue
		}
		rows = append(rows, remedyRow(r, now))
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if a.Department != b.Department {
			return a.Department < b.Department
		}
		if (a.Due == nil) != (b.Due == nil) {
			return a.Due != nil
		}
		if a.Due != nil && !a.Due.Equal(*b.Due) {
			return a.Due.Before(*b.Due)
		}
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.Name < b.Name
	})
	return rows
}

func remedyRow(r *supportv1.Remedy, now time.Time) RemedyRow {
	clock := r.Status.Clock
	row := RemedyRow{
		Namespace: r.Namespace, Name: r.Name, Complaint: r.Spec.ComplaintName, Department: r.Spec.Department,
		Kind: string(r.Spec.Kind), Detail: r.Spec.Detail, Phase: string(r.Status.Phase), Clock: string(clock.State),
	}
	if f := r.Spec.Fulfilment; f != nil {
		row.Outcome, row.By, row.Reference, row.Note = string(f.Outcome), f.By, f.Reference, f.Note
	}
	if clock.DueAt != nil {
		due := clock.DueAt.Time
		row.Due = &due
		if clock.StoppedAt == nil && Open(r) {
			left := due.Sub(now).Round(time.Second)
			row.Left = &left
			row.AtRisk = clock.AtRiskAt != nil && !now.Before(clock.AtRiskAt.Time)
		}
	}
	return row
}

// RemediesTable lays the rows out; wide adds the detail and the note,
// allNamespaces a NAMESPACE column first. Rows whose clock is breached
// are marked Breached, those at risk AtRisk.
func RemediesTable(rows []RemedyRow, wide, allNamespaces bool) Table {
	t := Table{Header: []string{"NAME", "COMPLAINT", "DEPARTMENT", "KIND", "PHASE", "DUE", "CLOCK", "BY", "REFERENCE"}}
	if wide {
		t.Header = append(t.Header, "DETAIL", "NOTE")
	}
	if allNamespaces {
		t.Header = append([]string{"NAMESPACE"}, t.Header...)
	}
	for _, r := range rows {
		cells := []string{r.Name, r.Complaint, r.Department, r.Kind, text.OrDash(r.Phase), r.DueCell(), text.OrDash(r.Clock),
			text.OrDash(r.By), text.OrDash(r.Reference)}
		if wide {
			cells = append(cells, text.OrDash(r.Detail), text.OrDash(r.Note))
		}
		if allNamespaces {
			cells = append([]string{r.Namespace}, cells...)
		}
		t.Rows = append(t.Rows, cells)
		style := Plain
		switch {
		case r.Clock == string(supportv1.ClockBreached):
			style = Breached
		case r.AtRisk:
			style = AtRisk
		}
		t.Styles = append(t.Styles, style)
	}
	return t
}

// DueCell is the time left while the clock runs, as the board prints it
// (3h20m, or overdue 12m); "-" once the clock stopped or without a target.
func (r RemedyRow) DueCell() string { return LeftCell(r.Left) }

// LeftCell is a time left as the board and the remedies print it: 3h20m,
// or overdue 12m once it is not positive; "-" for none.
func LeftCell(left *time.Duration) string {
	switch {
	case left == nil:
		return "-"
	case *left <= 0:
		return "overdue " + Short(-*left)
	}
	return Short(*left)
}

// CheckFulfil refuses a report on remedy r that the API server would
// refuse or that would mean nothing: one already recorded (final), one
// for a cancelled remedy, a failure without its reason.
func CheckFulfil(r *supportv1.Remedy, outcome supportv1.FulfilmentOutcome, note string) error {
	if f := r.Spec.Fulfilment; f != nil {
		return fmt.Errorf("remedy %s already has its report (spec.fulfilment: %s by %s%s), and a report is final once recorded: nothing to change",
			r.Name, f.Outcome, text.OrNone(f.By), referenceOf(f.Reference))
	}
	if r.Status.Phase == supportv1.RemedyCancelled {
		return fmt.Errorf("remedy %s is Cancelled (status.phase): its resolution was set aside, so there is nothing to carry out; see kubectl desk timeline %s",
			r.Name, r.Spec.ComplaintName)
	}
	if outcome == supportv1.FulfilmentFailed && strings.TrimSpace(note) == "" {
		return fmt.Errorf("--reason is empty: say why remedy %s could not be carried out (spec.fulfilment.note), e.g. --reason \"out of stock until March\"", r.Name)
	}
	return nil
}

func referenceOf(ref string) string {
	if ref == "" {
		return ""
	}
	return ", reference " + ref
}
