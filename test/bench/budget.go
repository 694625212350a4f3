package main

import (
	"time"
)

func (b *bench) left() time.Duration { return time.Until(b.deadline) }

// minNeeded is about the least time a scenario takes.
func (b *bench) minNeeded(name string) time.Duration {
	s := time.Second
	switch name {
	case "resources":
		return 20 * s
	case "breaches":
		windows := len(b.cfg.Rates)*(b.cfg.Seconds+b.cfg.Gap) - b.cfg.Gap
		return time.Duration(windows+45) * s
	case "restart":
		return time.Duration(b.cfg.Outage+90) * s
	case "hung":
		return time.Duration(b.cfg.Seconds+60) * s
	case "capacity":
		return time.Duration(b.cfg.Probes*(b.cfg.Seconds+40)) * s
	}
	return 30 * s
}

// reserveAfter is the time the scenarios after name need, and the end.
func (b *bench) reserveAfter(name string) time.Duration {
	order := []string{"intake", "resources", "capacity", "restart", "breaches", "hung"}
	d := 20 * time.Second // the end: stopping, the ceiling when no restart, the report
	if b.cfg.Scenarios["capacity"] && !b.cfg.Scenarios["restart"] {
		d += 15 * time.Second
	}
	after := false
	for _, s := range order {
		if after && b.cfg.Scenarios[s] {
			d += b.minNeeded(s)
		}
		after = after || s == name
	}
	return d
}

// capped is want, shortened so the scenarios after name still fit the budget.
func (b *bench) capped(want time.Duration, name string) time.Duration {
	left := b.left() - b.reserveAfter(name)
	return max(min(want, left), 5*time.Second)
}
