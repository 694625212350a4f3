package ladder

import (
	"testing"
	"time"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// ask is an agent's request at level, made at b1, undecided.
func ask(name string, level int32) Escalation {
	return Escalation{Name: name, Level: level, Reason: supportv1.ReasonRequested, CreatedAt: b1,
		RequestedBy: "agent-bob", Question: "may we refund the delivery fee?"}
}

func TestFollowUps(t *testing.T) {
	const decide, ackAfter = 4 * time.Hour, 2 * time.Hour
	acked := auto("team-lead", 1, b1, true)
	acked.AcknowledgedAt = b1.Add(10 * time.Minute)
	ackDue := acked.AcknowledgedAt.Add(ackAfter)
	decided := ask("ask-1", 1)
	decided.Acknowledged, decided.Decided = true, true
	ackedOnly := ask("ask-1", 1)
	ackedOnly.Acknowledged = true
	climbed := Escalation{Name: Name("ask-1", "undecided"), Level: 2, Reason: supportv1.ReasonRequestUndecided, Follows: "ask-1",
		CreatedAt: b1.Add(decide), RequestedBy: "agent-bob", Question: "may we refund the delivery fee?"}
	unstamped := acked
	unstamped.AcknowledgedAt = time.Time{}

	undecided := Create{Name: Name("ask-1", "undecided"), Level: 2, LevelName: "manager", Reason: supportv1.ReasonRequestUndecided,
		Follows: "ask-1", RequestedBy: "agent-bob", Question: "may we refund the delivery fee?"}
	timedOut := Create{Name: Name(complaint, "manager"), Level: 2, LevelName: "manager", Reason: supportv1.ReasonAckTimedOut,
		BreachedAt: b1, Follows: acked.Name}

	cases := []struct {
		name     string
		existing []Escalation
		progress time.Time
		resolved bool
		noTimers bool
		now      time.Time
		want     []Create
		next     time.Time
	}{
		{name: "a request undecided before decideWithin waits for it", existing: []Escalation{ask("ask-1", 1)}, now: b1.Add(time.Hour), next: b1.Add(decide)},
		{name: "a request undecided at decideWithin climbs, with its question and who asked", existing: []Escalation{ask("ask-1", 1)}, now: b1.Add(decide), want: []Create{undecided}},
		{name: "acknowledged without a decision is still undecided", existing: []Escalation{ackedOnly}, now: b1.Add(decide), want: []Create{undecided}},
		{name: "a decided request stays", existing: []Escalation{decided}, now: b1.Add(10 * decide)},
		{name: "a request climbs once: its climb waits its own decideWithin", existing: []Escalation{ask("ask-1", 1), climbed}, now: b1.Add(decide + time.Hour), next: b1.Add(2 * decide)},
		{name: "the climb climbs again, up to the top", existing: []Escalation{ask("ask-1", 1), climbed}, now: b1.Add(2 * decide),
			want: []Create{{Name: Name(climbed.Name, "undecided"), Level: 3, LevelName: "director", Reason: supportv1.ReasonRequestUndecided, Follows: climbed.Name, RequestedBy: "agent-bob", Question: "may we refund the delivery fee?"}}},
		{name: "nothing climbs past the top", existing: []Escalation{ask("ask-3", 3)}, now: b1.Add(10 * decide)},
		{name: "an acknowledged level without progress climbs at ackTimeout", existing: []Escalation{acked}, now: ackDue, want: []Create{timedOut}},
		{name: "an acknowledged level waits for ackTimeout", existing: []Escalation{acked}, now: ackDue.Add(-time.Second), next: ackDue},
		{name: "progress after the acknowledgement: no climb", existing: []Escalation{acked}, progress: acked.AcknowledgedAt.Add(time.Hour), now: ackDue.Add(time.Hour)},
		{name: "progress before the acknowledgement does not count", existing: []Escalation{acked}, progress: acked.AcknowledgedAt.Add(-time.Minute), now: ackDue, want: []Create{timedOut}},
		{name: "an acknowledgement not stamped yet waits for its stamp (its status write wakes the complaint)", existing: []Escalation{unstamped}, now: ackDue.Add(time.Hour)},
		{name: "a superseded level does not climb", existing: []Escalation{acked, auto("manager", 2, b1, false)}, now: ackDue.Add(time.Hour)},
		{name: "a timed-out level climbs once", existing: []Escalation{acked, {Name: timedOut.Name, Level: 2, Reason: supportv1.ReasonAckTimedOut, BreachedAt: b1, Follows: acked.Name}}, now: ackDue.Add(time.Hour)},
		{name: "a resolved complaint climbs nothing", existing: []Escalation{ask("ask-1", 1), acked}, resolved: true, now: b1.Add(10 * decide)},
		{name: "without decideWithin and ackTimeout nothing climbs", existing: []Escalation{ask("ask-1", 1), acked}, noTimers: true, now: b1.Add(10 * decide)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := Input{Complaint: complaint, Levels: threeLevels, Existing: tc.existing, DecideWithin: decide, AckTimeout: ackAfter,
				Progress: tc.progress, Resolved: tc.resolved, Now: tc.now}
			if tc.noTimers {
				in.DecideWithin, in.AckTimeout = 0, 0
			}
			d := FollowUps(in)
			if len(d.Create) != len(tc.want) {
				t.Fatalf("Create = %s, want %s", fmtCreates(d.Create), fmtCreates(tc.want))
			}
			for i := range tc.want {
				g, w := d.Create[i], tc.want[i]
				if !sameCreate(g, w) || g.Follows != w.Follows || g.RequestedBy != w.RequestedBy || g.Question != w.Question {
					t.Errorf("Create[%d] = %+v, want %+v", i, g, w)
				}
			}
			if !d.Next.Equal(tc.next) {
				t.Errorf("Next = %v, want %v", d.Next, tc.next)
			}
		})
	}
}

// Decide adds the follow-ups to the breach's climb: both are created, the
// level reached counts them, and the earliest next look wins.
func TestDecideWithFollowUps(t *testing.T) {
	in := Input{Complaint: complaint, Levels: threeLevels, BreachedAt: b1, Reason: supportv1.ReasonResolutionBreached,
		Existing: []Escalation{ask("ask-1", 1)}, DecideWithin: 30 * time.Minute, Now: b1.Add(10 * time.Minute)}
	d := Decide(in)
	if len(d.Create) != 1 || d.Create[0].Level != 1 || !d.Next.Equal(b1.Add(30*time.Minute)) {
		t.Fatalf("at 10m: Create = %s, Next = %v; want level 1 and the request's climb at 30m next", fmtCreates(d.Create), d.Next)
	}
	in.Now = b1.Add(30 * time.Minute)
	in.Existing = append(in.Existing, auto("team-lead", 1, b1, false))
	d = Decide(in)
	if len(d.Create) != 1 || d.Create[0].Reason != supportv1.ReasonRequestUndecided || d.Reached != 2 || !d.Next.Equal(b1.Add(time.Hour)) {
		t.Fatalf("at 30m: Create = %s, Reached = %d, Next = %v; want the request's climb to level 2, and the manager level next at 1h", fmtCreates(d.Create), d.Reached, d.Next)
	}
}

func TestPhaseOfFollowedRequests(t *testing.T) {
	req := ask("ask-1", 1)
	follower := Escalation{Name: "ask-1-undecided", Level: 2, Reason: supportv1.ReasonRequestUndecided, Follows: "ask-1"}
	if got := Phase(PhaseInput{Escalation: req, Siblings: []Escalation{req, follower}}); got != supportv1.EscalationSuperseded {
		t.Errorf("a request that climbed undecided: %s, want Superseded", got)
	}
	if got := Phase(PhaseInput{Escalation: req, Siblings: []Escalation{req, auto("manager", 2, b1, false)}}); got != supportv1.EscalationOpen {
		t.Errorf("a request beside a higher ladder level: %s, want Open (a ladder level does not answer it)", got)
	}
	if got := Phase(PhaseInput{Escalation: follower, Siblings: []Escalation{req, follower}}); got != supportv1.EscalationOpen {
		t.Errorf("the climb itself: %s, want Open", got)
	}
}
