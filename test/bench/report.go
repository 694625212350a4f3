package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

type row struct{ scenario, figure, value, target, met string }

func metStr(ok *bool) string {
	switch {
	case ok == nil:
		return "n/a"
	case *ok:
		return "yes"
	default:
		return "NO"
	}
}

func boolp(b bool) *bool { return &b }

// table renders the run as one table.
func (r *Result) table() string { //nolint:funlen // the rows in the order the table prints them: one list to read and change
	var rows []row
	add := func(s, f, v string) { rows = append(rows, row{s, f, v, "", ""}) }
	addT := func(s, f, v, goal string, ok *bool) {
		rows = append(rows, row{s, f, v, goal, metStr(ok)})
		r.Targets = append(r.Targets, Target{Name: s + ": " + f, Value: v, Goal: goal, Met: ok})
	}
	r.Targets = nil
	if in := r.Intake; in != nil {
		add("1 intake", "complaints created", fmt.Sprintf("%d in %.1fs (%.0f/s), %d failed", in.Created, in.CreateSeconds, in.CreatesPerSecond, in.Failed))
		add("1 intake", "create → due times p50 / p99 / max", in.CreateToDue.triple())
		v := ">" + secs(in.ObservedMs)
		var ok *bool
		if in.LastCreateToAll != nil {
			v = secs(*in.LastCreateToAll)
			ok = boolp(*in.LastCreateToAll <= 30000)
		} else {
			ok = boolp(false)
			v += fmt.Sprintf(" (%d never got them)", in.CreateToDue.Missing)
		}
		addT("1 intake", "last create → all have due times", v, "≤ 30s", ok)
		add("1 intake", "due times given per second", fmt.Sprintf("%.0f/s", in.DueTimesPerSecond))
		add("1 intake", "operator writes per complaint", fmt.Sprintf("%.2f (%s)", in.WritesPerComplain, describe(in.Phase.OperatorWrites, float64(max(in.Created, 1)), 6)))
		add("1 intake", "CPU cores manager / API server / etcd / harness / others", cpuLine(in.Phase.CPU))
	}
	if b := r.Breaches; b != nil {
		settled := "settled"
		if !b.PreCreate.Settled {
			settled = "NOT settled: intake backlog overlapped the windows"
		}
		add("2 breaches", "open complaints; breach complaints created", fmt.Sprintf("%d; %d in %.1fs, %s after %.0fs", b.OpenComplaints, b.PreCreate.Count, b.PreCreate.CreateSecond, settled, b.PreCreate.SettledSeconds))
		for _, x := range b.Rates {
			s := fmt.Sprintf("2 breaches %d/s", x.Rate)
			if x.Rate == 100 {
				e, h := x.Escalation, x.Webhook
				addT(s, "due → Escalation p99", fmtMs(e.P99Ms, e.P99Bound), "≤ 1s", boolp(within(e.P99Ms, e.P99Bound, time.Second)))
				addT(s, "due → Escalation max", fmtMs(e.MaxMs, e.MaxBound), "≤ 2s", boolp(within(e.MaxMs, e.MaxBound, 2*time.Second)))
				addT(s, "due → both webhooks p99", fmtMs(h.P99Ms, h.P99Bound), "≤ 2s", boolp(within(h.P99Ms, h.P99Bound, 2*time.Second)))
				addT(s, "operator writes per breach", x.Writes.String(), "≤ 2.5", writesMet(x.Writes))
			}
			add(s, fmt.Sprintf("due → Escalation p50 / p99 / max (%d/%d)", x.Escalation.Seen, x.Escalation.Expected), x.Escalation.triple())
			add(s, fmt.Sprintf("due → webhooks p50 / p99 / max (%d/%d)", x.Webhook.Seen, x.Webhook.Expected), x.Webhook.triple())
			add(s, "CPU cores manager / API server / etcd / harness / others", cpuLine(x.CPU))
			add(s, "manager max RSS, max work queue depth", fmt.Sprintf("%.0f MiB, %.0f", x.MaxRSSMiB, x.MaxQueueDepth))
			if x.Rate != 100 {
				add(s, "operator writes per breach", x.Writes.String())
			}
		}
		drain := "all escalated and notified"
		if !b.DrainComplete {
			drain = "NOT all escalated and notified"
		}
		add("2 breaches", "after the last window", fmt.Sprintf("%s %.0fs after it", drain, b.DrainSeconds))
		if b.PendingLeft != nil {
			add("2 breaches", "notifications left pending once settled", fmt.Sprintf("%d", *b.PendingLeft))
		}
		add("2 breaches", "operator writes per breach, all windows", b.Writes.String())
	}
	if c := r.Capacity; c != nil {
		hr := "none (not even the lowest rate)"
		if c.HighestRate > 0 {
			hr = fmt.Sprintf("%d/s", c.HighestRate)
		}
		for _, x := range r.Probes {
			s := fmt.Sprintf("3 probe %d/s", x.Rate)
			add(s, fmt.Sprintf("due → Escalation p50 / p99 / max (%d/%d)", x.Escalation.Seen, x.Escalation.Expected), x.Escalation.triple())
			add(s, fmt.Sprintf("due → webhooks p50 / p99 / max (%d/%d)", x.Webhook.Seen, x.Webhook.Expected), x.Webhook.triple())
			add(s, "CPU cores manager / API server / etcd / harness / others", cpuLine(x.CPU))
			if x.Rate == 100 {
				addT(s, "operator writes per breach", x.Writes.String(), "≤ 2.5", writesMet(x.Writes))
			} else {
				add(s, "operator writes per breach", x.Writes.String())
			}
			if !x.Settled {
				add(s, "started from", "a manager NOT settled (earlier work overlapped)")
			}
		}
		add("3 capacity", "highest rate with Escalation p99 ≤ 1s", hr)
		if r.Ceiling != nil {
			add("3 capacity", "API server write ceiling (status updates, 1 process)", fmt.Sprintf("%.0f/s (%s; complaints of %.1f KiB)", c.WriteCeiling, r.Ceiling.When, float64(r.Ceiling.ObjectBytes)/1024))
			add("3 capacity", "  CPU cores manager / API server / etcd / harness / others", cpuLine(r.Ceiling.CPU))
			add("3 capacity", "API server creates during intake (1 process)", fmt.Sprintf("%.0f/s", r.Ceiling.CreatesPerSecond))
		}
		add("3 capacity", "operator writes per complaint (intake)", fmt.Sprintf("%.2f", c.WritesPerIntake))
		if r.Breaches != nil {
			addT("3 capacity", "operator writes per breach", r.Breaches.Writes.String(), "≤ 2.5", boolp(c.WritesPerBreach <= 2.5))
		}
		if r.Breaches != nil {
			m := r.Breaches.Phase.APIMeanMs
			add("3 capacity", "API server mean time per request during breaches", fmt.Sprintf("complaints/status PUT %.0f ms, escalations POST %.0f ms, escalations/status PUT %.0f ms, events POST %.0f ms",
				m["complaints/status PUT"], m["escalations POST"], m["escalations/status PUT"], m["events POST"]))
		}
		if c.Bound > 0 {
			add("3 capacity", "write ceiling ÷ writes per breach", fmt.Sprintf("%.0f breaches/s", c.Bound))
			add("3 capacity", "highest rate ÷ (ceiling ÷ writes per breach)", fmt.Sprintf("%.0f%%", 100*c.Ratio))
		}
		if c.ThirdOfCeiling > 0 {
			addT("3 capacity", "highest rate ÷ (write ceiling ÷ 3)", fmt.Sprintf("%.0f%% (%d/s of %.0f/s)", 100*c.ThirdRatio, c.HighestRate, c.ThirdOfCeiling), "≥ 80%", boolp(c.ThirdRatio >= 0.8))
		} else {
			addT("3 capacity", "highest rate ÷ (write ceiling ÷ 3)", "not measured", "≥ 80%", nil)
		}
	}
	if rs := r.Resources; rs != nil {
		if rs.Idle != nil {
			addT("4 resources", fmt.Sprintf("manager RSS idle at %d open", rs.Idle.OpenComplaints), fmt.Sprintf("%.0f MiB", rs.Idle.RSSMiB), "≤ 150 MiB", boolp(rs.Idle.RSSMiB <= 150))
			add("4 resources", "manager CPU idle", fmt.Sprintf("%.3f cores over %.0fs (others on the machine: %.2f cores)", rs.Idle.CPUCores, rs.Idle.Seconds, rs.Idle.CPU["others"]))
		}
		if v := rs.At100MaxRSSMiB; v != nil {
			addT("4 resources", "manager RSS max under 100/s", fmt.Sprintf("%.0f MiB", *v), "≤ 200 MiB", boolp(*v <= 200))
		} else {
			addT("4 resources", "manager RSS max under 100/s", "not run", "≤ 200 MiB", nil)
		}
		if rs.LoadMaxRSSMiB > 0 {
			add("4 resources", "manager RSS max under breach load", fmt.Sprintf("%.0f MiB", rs.LoadMaxRSSMiB))
		}
		add("4 resources", "manager peak RSS (VmHWM, all processes)", fmt.Sprintf("%.0f MiB", rs.PeakRSSMiB))
		add("4 resources", "manager CPU time, whole run", fmt.Sprintf("%.0f s", rs.CPUSeconds))
	}
	if x := r.Restart; x != nil {
		add("5 restart", "complaints due during the outage", fmt.Sprintf("%d (created %s)", x.Overdue, settledWord(x.PreCreate)))
		add("5 restart", "restart → ready", secs(x.ReadyAfterMs))
		v, goal, ok := restartTarget(x, r.Ceiling)
		addT("5 restart", "restart → every overdue Escalation", v, goal, ok)
		add("5 restart", "restart → Escalation p50 / p99 / max", x.FromRestart.triple())
		add("5 restart", "restart → webhooks p50 / p99 / max", x.WebhooksAfter.triple())
		add("5 restart", "operator writes per breach", x.Writes.String())
	}
	if h := r.Hung; h != nil {
		add("6 hung", fmt.Sprintf("%d destinations, 1 hung, %d breaches/s (created %s)", h.Destinations, h.Rate, settledWord(h.PreCreate)), fmt.Sprintf("hung receiver held %d requests", h.HungRequests))
		add("6 hung", fmt.Sprintf("others: due → Escalation p50 / p99 / max (%d/%d)", h.Healthy.Seen, h.Healthy.Expected), h.Healthy.triple())
		add("6 hung", fmt.Sprintf("others: due → webhooks p50 / p99 / max (%d/%d)", h.HealthyWebhook.Seen, h.HealthyWebhook.Expected), h.HealthyWebhook.triple())
		add("6 hung", fmt.Sprintf("hung one: due → Escalation p50 / p99 / max (%d/%d)", h.HungEscalation.Seen, h.HungEscalation.Expected), h.HungEscalation.triple())
		add("6 hung", "CPU cores manager / API server / etcd / harness / others", cpuLine(h.CPU))
		add("6 hung", "operator writes per breach", h.Writes.String())
	}
	if x := r.Receiver; x != nil {
		add("webhooks", "requests received; duplicates; bad signatures; malformed; misrouted",
			fmt.Sprintf("%d; %d; %d; %d; %d", x["requests"], x["duplicates"], x["badSignatures"], x["malformed"], x["misrouted"]))
		if len(r.DuplicatesByNamespace) > 0 {
			add("webhooks", "duplicates by namespace", dupesLine(r.DuplicatesByNamespace))
		}
	}
	wall := r.MakeWallSeconds
	what := "make bench wall time"
	if wall == 0 {
		wall, what = r.WallSeconds, "harness wall time (make bench adds the micro-benchmarks)"
	}
	addT("run", what, (time.Duration(wall) * time.Second).String(), "≤ 15m", boolp(wall <= 15*60))
	return r.render(rows)
}

// writesMet says whether p is at most 2.5 writes per breach (nil: not
// measured).
func writesMet(p *PerBreach) *bool {
	if p == nil {
		return nil
	}
	return boolp(p.PerBreach <= 2.5)
}

// restartTarget is the value of restart → every overdue Escalation, its
// target, 1.25 × overdue × 3 ÷ the write ceiling c (the time their writes
// take at the ceiling, three each, and a quarter more), and whether it was
// met (nil: the ceiling was not measured).
func restartTarget(x *RestartResult, c *CeilingResult) (v, goal string, ok *bool) {
	v = fmtMs(x.FromRestart.MaxMs, x.FromRestart.MaxBound) + fmt.Sprintf(" (%d never escalated)", x.FromRestart.Missing)
	if x.AllEscalated != nil {
		v = secs(*x.AllEscalated)
	}
	if x.AllEscalatedBoundMs == nil || c == nil {
		return v, "≤ 1.25 × overdue × 3 ÷ write ceiling (not measured)", nil
	}
	bound := *x.AllEscalatedBoundMs
	goal = fmt.Sprintf("≤ %.1fs (1.25 × %d × 3 ÷ %.0f/s)", bound/1000, x.Overdue, c.UpdatesPerSecond)
	return v, goal, boolp(x.AllEscalated != nil && *x.AllEscalated <= bound)
}

// render lays out rows in aligned columns under a heading line of the run,
// followed by the notes and the error.
func (r *Result) render(rows []row) string {
	var b strings.Builder
	dirty := ""
	if r.Dirty {
		dirty = " (uncommitted changes)"
	}
	fmt.Fprintf(&b, "servicedesk-operator bench: commit %s%s, N=%d, %d CPUs, Kubernetes %s, started %s, harness wall %s\n",
		r.Commit, dirty, r.Config.N, r.Machine.NProc, r.Machine.Kubernetes, r.Started.UTC().Format(time.RFC3339), (time.Duration(r.WallSeconds) * time.Second).String())
	fmt.Fprintf(&b, "manager: %s %s\n\n", r.Manager.Binary, strings.Join(r.Manager.Flags, " "))
	hdr := row{"scenario", "figure", "value", "target", "met"}
	w := [5]int{}
	for _, x := range append([]row{hdr}, rows...) {
		for i, s := range []string{x.scenario, x.figure, x.value, x.target, x.met} {
			w[i] = max(w[i], len([]rune(s)))
		}
	}
	line := func(x row) {
		cells := []string{x.scenario, x.figure, x.value, x.target, x.met}
		for i, s := range cells {
			if i == len(cells)-1 {
				b.WriteString(s)
				break
			}
			b.WriteString(s + strings.Repeat(" ", w[i]-len([]rune(s))+2))
		}
		b.WriteString("\n")
	}
	line(hdr)
	line(row{strings.Repeat("-", w[0]), strings.Repeat("-", w[1]), strings.Repeat("-", w[2]), strings.Repeat("-", w[3]), strings.Repeat("-", w[4])})
	for _, x := range rows {
		line(x)
	}
	for _, n := range r.Notes {
		b.WriteString("note: " + n + "\n")
	}
	if r.Error != "" {
		b.WriteString("ERROR: " + r.Error + "\n")
	}
	return b.String()
}

// cpuLine prints the cores of the manager, the API server, etcd, the
// harness and everything else on the machine.
func cpuLine(c map[string]float64) string {
	if c == nil {
		return "-"
	}
	return fmt.Sprintf("%.2f / %.2f / %.2f / %.2f / %.2f (machine %.2f)", c["manager"], c["kube-apiserver"], c["etcd"], c["harness"], c["others"], c["machine"])
}

func settledWord(p PreCreate) string {
	if p.Settled {
		return "and settled beforehand"
	}
	return "but NOT settled beforehand"
}

// dupesLine lists the duplicates by namespace, in name order.
func dupesLine(m map[string]int64) string {
	var parts []string
	for _, ns := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %d", ns, m[ns]))
	}
	return strings.Join(parts, ", ")
}
