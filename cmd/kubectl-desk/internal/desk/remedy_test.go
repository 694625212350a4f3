package desk

import (
	"bytes"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// remedy is a remedy of complaint for department, with the given clock
// and phase.
func remedy(name, complaint, department string, phase supportv1.RemedyPhase, clock supportv1.ClockStatus) supportv1.Remedy {
	return supportv1.Remedy{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "support"},
		Spec: supportv1.RemedySpec{ComplaintName: complaint, Action: strings.TrimPrefix(name, complaint+"-"), Department: department,
			Kind: supportv1.RemedyReship, RequestedAt: *mt(0)},
		Status: supportv1.RemedyStatus{Phase: phase, Clock: clock},
	}
}

func TestRemedies(t *testing.T) {
	now := t0.Add(3 * time.Hour)
	done := remedy("c-1-refund", "c-1", "billing", supportv1.RemedyDone,
		supportv1.ClockStatus{State: supportv1.ClockMet, DueAt: mt(time.Hour), StoppedAt: mt(30 * time.Minute)})
	done.Spec.Fulfilment = &supportv1.Fulfilment{Outcome: supportv1.FulfilmentDone, By: "billing-bot", Reference: "CN-7"}
	items := []supportv1.Remedy{
		remedy("c-2-reship", "c-2", "warehouse", supportv1.RemedyPending, supportv1.ClockStatus{State: supportv1.ClockRunning, DueAt: mt(5 * time.Hour)}),
		remedy("c-1-reship", "c-1", "warehouse", supportv1.RemedyPending,
			supportv1.ClockStatus{State: supportv1.ClockRunning, DueAt: mt(4 * time.Hour), AtRiskAt: mt(2 * time.Hour)}),
		remedy("c-3-reship", "c-3", "warehouse", "", supportv1.ClockStatus{}), // not yet seen by the operator: no clock
		remedy("c-4-reship", "c-4", "warehouse", supportv1.RemedyPending, supportv1.ClockStatus{State: supportv1.ClockBreached, DueAt: mt(2 * time.Hour)}),
		done,
		remedy("c-5-voucher", "c-5", "billing", supportv1.RemedyCancelled, supportv1.ClockStatus{State: supportv1.ClockRunning, DueAt: mt(6 * time.Hour)}),
	}
	// A row a line: name, due cell, clock, at risk.
	render := func(rows []RemedyRow) string {
		var lines []string
		for _, r := range rows {
			line := r.Department + " " + r.Name + " " + r.DueCell() + " " + r.Clock
			if r.AtRisk {
				line += " at-risk"
			}
			lines = append(lines, line)
		}
		return strings.Join(lines, "\n")
	}
	for _, tc := range []struct {
		name   string
		filter RemedyFilter
		want   []string
	}{
		{"by department, then the soonest due first, none due last", RemedyFilter{}, []string{
			"billing c-1-refund - Met",
			"billing c-5-voucher - Running",
			"warehouse c-4-reship overdue 1h Breached",
			"warehouse c-1-reship 1h Running at-risk",
			"warehouse c-2-reship 2h Running",
			"warehouse c-3-reship - ",
		}},
		{"one department", RemedyFilter{Department: "billing"}, []string{
			"billing c-1-refund - Met",
			"billing c-5-voucher - Running",
		}},
		{"one complaint", RemedyFilter{Complaint: "c-1"}, []string{
			"billing c-1-refund - Met",
			"warehouse c-1-reship 1h Running at-risk",
		}},
		{"pending: neither reported nor cancelled", RemedyFilter{Pending: true}, []string{
			"warehouse c-4-reship overdue 1h Breached",
			"warehouse c-1-reship 1h Running at-risk",
			"warehouse c-2-reship 2h Running",
			"warehouse c-3-reship - ",
		}},
		{"nothing passes", RemedyFilter{Department: "marketing"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := render(Remedies(items, tc.filter, now)); got != strings.Join(tc.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", got, strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestRemediesTable(t *testing.T) {
	now := t0.Add(3 * time.Hour)
	done := remedy("c-1-refund", "c-1", "billing", supportv1.RemedyDone,
		supportv1.ClockStatus{State: supportv1.ClockMet, DueAt: mt(time.Hour), StoppedAt: mt(30 * time.Minute)})
	done.Spec.Detail = "delivery fee"
	done.Spec.Fulfilment = &supportv1.Fulfilment{Outcome: supportv1.FulfilmentDone, By: "billing-bot", Reference: "CN-7", Note: "credited"}
	items := []supportv1.Remedy{
		done,
		remedy("c-4-reship", "c-4", "warehouse", supportv1.RemedyPending, supportv1.ClockStatus{State: supportv1.ClockBreached, DueAt: mt(2 * time.Hour)}),
		remedy("c-1-reship", "c-1", "warehouse", supportv1.RemedyPending,
			supportv1.ClockStatus{State: supportv1.ClockRunning, DueAt: mt(4 * time.Hour), AtRiskAt: mt(2 * time.Hour)}),
	}
	rows := Remedies(items, RemedyFilter{}, now)
	for _, tc := range []struct {
		name       string
		wide, all  bool
		want       string
		wantStyles []Style
	}{
		{name: "plain", want: `NAME         COMPLAINT   DEPARTMENT   KIND     PHASE     DUE          CLOCK      BY            REFERENCE
c-1-refund   c-1         billing      Reship   Done      -            Met        billing-bot   CN-7
c-4-reship   c-4         warehouse    Reship   Pending   overdue 1h   Breached   -             -
c-1-reship   c-1         warehouse    Reship   Pending   1h           Running    -             -
`, wantStyles: []Style{Plain, Breached, AtRisk}},
		{name: "wide, every namespace", wide: true, all: true, want: `NAMESPACE   NAME         COMPLAINT   DEPARTMENT   KIND     PHASE     DUE          CLOCK      BY            REFERENCE   DETAIL         NOTE
support     c-1-refund   c-1         billing      Reship   Done      -            Met        billing-bot   CN-7        delivery fee   credited
support     c-4-reship   c-4         warehouse    Reship   Pending   overdue 1h   Breached   -             -           -              -
support     c-1-reship   c-1         warehouse    Reship   Pending   1h           Running    -             -           -              -
`, wantStyles: []Style{Plain, Breached, AtRisk}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			table := RemediesTable(rows, tc.wide, tc.all)
			var b bytes.Buffer
			if err := table.Write(&b, false); err != nil {
				t.Fatal(err)
			}
			if b.String() != tc.want {
				t.Errorf("got\n%s\nwant\n%s", b.String(), tc.want)
			}
			if len(table.Styles) != len(tc.wantStyles) {
				t.Fatalf("styles %v, want %v", table.Styles, tc.wantStyles)
			}
			for i := range tc.wantStyles {
				if table.Styles[i] != tc.wantStyles[i] {
					t.Errorf("row %d: style %v, want %v", i, table.Styles[i], tc.wantStyles[i])
				}
			}
		})
	}
}

func TestCheckFulfil(t *testing.T) {
	pending := remedy("c-1-reship", "c-1", "warehouse", supportv1.RemedyPending, supportv1.ClockStatus{})
	reported := pending
	reported.Spec.Fulfilment = &supportv1.Fulfilment{Outcome: supportv1.FulfilmentDone, By: "warehouse-bot", Reference: "TRACK-1"}
	failed := pending
	failed.Spec.Fulfilment = &supportv1.Fulfilment{Outcome: supportv1.FulfilmentFailed, Note: "no stock"}
	cancelled := pending
	cancelled.Status.Phase = supportv1.RemedyCancelled
	unseen := pending
	unseen.Status.Phase = ""
	for _, tc := range []struct {
		name    string
		r       supportv1.Remedy
		outcome supportv1.FulfilmentOutcome
		note    string
		want    string // "" accepts
	}{
		{"done on a pending remedy", pending, supportv1.FulfilmentDone, "", ""},
		{"failed with its reason", pending, supportv1.FulfilmentFailed, "out of stock", ""},
		{"done before the operator saw the remedy", unseen, supportv1.FulfilmentDone, "", ""},
		{"failed without a reason", pending, supportv1.FulfilmentFailed, "  ", "--reason is empty: say why remedy c-1-reship could not be carried out (spec.fulfilment.note)"},
		{"a report is final", reported, supportv1.FulfilmentFailed, "late",
			"remedy c-1-reship already has its report (spec.fulfilment: Done by warehouse-bot, reference TRACK-1), and a report is final once recorded"},
		{"a report without its author", failed, supportv1.FulfilmentDone, "", "(spec.fulfilment: Failed by (none))"},
		{"a cancelled remedy", cancelled, supportv1.FulfilmentDone, "",
			"remedy c-1-reship is Cancelled (status.phase): its resolution was set aside, so there is nothing to carry out; see kubectl desk timeline c-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckFulfil(&tc.r, tc.outcome, tc.note)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("got %v, want an error holding %q", err, tc.want)
			}
		})
	}
}
