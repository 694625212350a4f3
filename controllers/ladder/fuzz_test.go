package ladder

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// FuzzDecide climbs arbitrary ladders (any number of levels, any afters,
// absurd ones included) from arbitrary breaches and existing escalations.
// It checks: no panic, each level created at most once and never one that
// exists, levels in order, none before its time, and a next look in the
// future.
func FuzzDecide(f *testing.F) {
	f.Add("c-x7k2p", uint8(2), int64(0), int64(7200), int64(3600), uint8(0), false)
	f.Add("a", uint8(10), int64(-5), int64(36_000_000_000), int64(1), uint8(3), true)
	f.Add("", uint8(0), int64(1), int64(1), int64(0), uint8(1), false)
	f.Fuzz(func(t *testing.T, complaint string, levels uint8, firstAfter, step, sinceBreach int64, existing uint8, acknowledged bool) {
		n := int(levels % 11)
		var ladder []supportv1.EscalationLevel
		after := time.Duration(max(firstAfter, 0)%(1<<40)) * time.Second
		for i := range n {
			ladder = append(ladder, supportv1.EscalationLevel{Name: "l" + string(rune('a'+i)), After: metav1.Duration{Duration: after}})
			after += time.Duration(max(step, 0)%(1<<40)) * time.Second
		}
		breach := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
		now := breach.Add(time.Duration(sinceBreach%(1<<40)) * time.Second)
		var have []Escalation
		for i := range min(int(existing), n) {
			have = append(have, Escalation{Name: Name(complaint, ladder[i].Name), Level: int32(i + 1), Reason: supportv1.ReasonFirstResponseBreached,
				BreachedAt: breach, Acknowledged: acknowledged && i == 0})
		}
		d := Decide(Input{Complaint: complaint, Levels: ladder, BreachedAt: breach, Reason: supportv1.ReasonFirstResponseBreached, Existing: have, Now: now})
		seen := map[string]bool{}
		for _, e := range have {
			seen[e.Name] = true
		}
		last := int32(len(have))
		for _, c := range d.Create {
			if seen[c.Name] {
				t.Fatalf("creates %s twice, or one that exists", c.Name)
			}
			seen[c.Name] = true
			if c.Level <= 0 || int(c.Level) > n || c.Level <= last {
				t.Fatalf("creates level %d after level %d of a %d-level ladder", c.Level, last, n)
			}
			last = c.Level
			if due := breach.Add(ladder[c.Level-1].After.Duration); now.Before(due) {
				t.Fatalf("creates level %d before its time %s (now %s)", c.Level, due, now)
			}
		}
		if acknowledged && len(have) > 0 && len(d.Create) > 0 {
			t.Fatalf("climbs past an acknowledged escalation: creates %+v", d.Create)
		}
		if !d.Next.IsZero() && !d.Next.After(now) {
			t.Fatalf("next look %s is not after now %s", d.Next, now)
		}
	})
}
