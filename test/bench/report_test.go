package main

import (
	"strings"
	"testing"
)

func TestPerBreach(t *testing.T) {
	w := counters{"complaints/status PUT": 200, "escalations POST": 200, "events POST": 4}
	p := perBreach(w, 300)
	if p.Breaches != 200 || p.Writes != 404 || p.PerBreach != 2.02 || p.By["events POST"] != 0.02 {
		t.Fatalf("got %+v", p)
	}
	if got := p.String(); got != "2.02 (complaints/status PUT 1.00, escalations POST 1.00, events POST 0.02)" {
		t.Fatalf("printed %q", got)
	}
	// No Escalation created: divided by the breaches due.
	if p := perBreach(counters{"events POST": 10}, 20); p.Breaches != 0 || p.PerBreach != 0.5 {
		t.Fatalf("none created: %+v", p)
	}
	var none *PerBreach
	if none.String() != "not measured" || writesMet(none) != nil {
		t.Fatal("a window without counts is not measured")
	}
	if !*writesMet(&PerBreach{PerBreach: 2.5}) || *writesMet(&PerBreach{PerBreach: 2.51}) {
		t.Fatal("the target is ≤ 2.5")
	}
}

func TestRestartTarget(t *testing.T) {
	all := 20000.0
	x := &RestartResult{Overdue: 1400, AllEscalated: &all}
	if v, goal, ok := restartTarget(x, nil); v != "20.0s" || ok != nil || !strings.Contains(goal, "not measured") {
		t.Fatalf("no ceiling: %q %q %v", v, goal, ok)
	}
	c := &CeilingResult{UpdatesPerSecond: 195}
	bound := restartBound(x.Overdue, c.UpdatesPerSecond).Seconds() * 1000
	x.AllEscalatedBoundMs = &bound
	v, goal, ok := restartTarget(x, c)
	if v != "20.0s" || goal != "≤ 26.9s (1.25 × 1400 × 3 ÷ 195/s)" || ok == nil || !*ok {
		t.Fatalf("got %q %q %v", v, goal, metStr(ok))
	}
	x.AllEscalated = nil
	if _, _, ok := restartTarget(x, c); ok == nil || *ok {
		t.Fatal("some never escalated: not met")
	}
}

// TestTableTargets checks the targets a run's table sets, with the figures
// of each scenario.
func TestTableTargets(t *testing.T) {
	p99, mx := 800.0, 1500.0
	ok100 := Latency{Expected: 2000, Seen: 2000, P50Ms: &p99, P99Ms: &p99, MaxMs: &mx}
	r := &Result{
		Breaches: &BreachResult{Rates: []RateResult{
			{Rate: 50, Escalation: ok100, Webhook: ok100, Writes: perBreach(counters{"escalations POST": 1000, "complaints/status PUT": 1000}, 1000)},
			{Rate: 100, Escalation: ok100, Webhook: ok100, MaxRSSMiB: 180, Writes: perBreach(counters{"escalations POST": 2000, "complaints/status PUT": 4000}, 2000)},
		}},
		Ceiling: &CeilingResult{UpdatesPerSecond: 300},
		Restart: &RestartResult{Overdue: 1400},
	}
	r.Breaches.Phase.OperatorWrites = counters{"escalations POST": 3000, "complaints/status PUT": 4000}
	r.Breaches.Writes = *perBreach(r.Breaches.Phase.OperatorWrites, 3000)
	r.Breaches.WritesPerBreach = r.Breaches.Writes.PerBreach
	r.Capacity = capacityOf(r)
	r.Resources = &ResourcesResult{At100MaxRSSMiB: &r.Breaches.Rates[1].MaxRSSMiB}
	bound := restartBound(1400, 300).Seconds() * 1000
	r.Restart.AllEscalatedBoundMs = &bound
	table := r.table()
	want := map[string]string{
		"2 breaches 100/s: operator writes per breach":   "NO",
		"3 capacity: operator writes per breach":         "yes",
		"3 capacity: highest rate ÷ (write ceiling ÷ 3)": "yes",
		"4 resources: manager RSS max under 100/s":       "yes",
		"5 restart: restart → every overdue Escalation":  "NO",
	}
	for _, x := range r.Targets {
		if w, ok := want[x.Name]; ok {
			if metStr(x.Met) != w {
				t.Errorf("%s: %s (%s, %s), want %s", x.Name, metStr(x.Met), x.Value, x.Goal, w)
			}
			delete(want, x.Name)
		}
	}
	if len(want) != 0 {
		t.Fatalf("targets missing: %v\n%s", want, table)
	}
	for _, s := range []string{"100% (100/s of 100/s)", "≤ 17.5s (1.25 × 1400 × 3 ÷ 300/s)", "2 breaches 50/s   operator writes per breach"} {
		if !strings.Contains(table, s) {
			t.Errorf("table lacks %q:\n%s", s, table)
		}
	}
}
