package ladder

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

const complaint = "c-7"

// b1 is the first breach of every case; b2 a later breach.
var (
	b1 = time.Date(2025, time.March, 10, 9, 0, 0, 0, time.UTC)
	b2 = b1.Add(5 * time.Hour)
)

func lvl(name string, after time.Duration) supportv1.EscalationLevel {
	return supportv1.EscalationLevel{Name: name, After: metav1.Duration{Duration: after}, Notify: []string{"ops"}}
}

// twoLevels is the (0s, 2h) ladder.
var twoLevels = []supportv1.EscalationLevel{
	lvl("team-lead", 0),
	lvl("manager", 2*time.Hour),
}

// threeLevels is the (10m, 1h, 4h) ladder.
var threeLevels = []supportv1.EscalationLevel{
	lvl("team-lead", 10*time.Minute),
	lvl("manager", time.Hour),
	lvl("director", 4*time.Hour),
}

// auto is an existing automatic escalation of the complaint.
func auto(levelName string, level int32, breachedAt time.Time, acked bool) Escalation {
	return Escalation{
		Name:         Name(complaint, levelName),
		Level:        level,
		Reason:       supportv1.ReasonResolutionBreached,
		BreachedAt:   breachedAt,
		Acknowledged: acked,
	}
}

// requested is an existing manual escalation of the complaint.
func requested(name string, level int32, acked bool) Escalation {
	return Escalation{Name: name, Level: level, Reason: supportv1.ReasonRequested, Acknowledged: acked}
}

// create is the Create expected for a level of the complaint.
func create(levelName string, level int32, breachedAt time.Time) Create {
	return Create{
		Name:       complaint + "-" + levelName,
		Level:      level,
		LevelName:  levelName,
		Reason:     supportv1.ReasonResolutionBreached,
		BreachedAt: breachedAt,
	}
}

func sameCreate(a, b Create) bool {
	return a.Name == b.Name && a.Level == b.Level && a.LevelName == b.LevelName &&
		a.Reason == b.Reason && a.BreachedAt.Equal(b.BreachedAt)
}

func fmtCreates(cs []Create) string {
	parts := make([]string, 0, len(cs))
	for _, c := range cs {
		parts = append(parts, fmt.Sprintf("{%s level=%d levelName=%s reason=%s breachedAt=%s}",
			c.Name, c.Level, c.LevelName, c.Reason, c.BreachedAt.Format(time.RFC3339)))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "zero"
	}
	return t.Format(time.RFC3339)
}

func checkDecision(t *testing.T, got, want Decision) {
	t.Helper()
	ok := len(got.Create) == len(want.Create)
	for i := 0; ok && i < len(got.Create); i++ {
		ok = sameCreate(got.Create[i], want.Create[i])
	}
	if !ok {
		t.Errorf("Create = %s, want %s", fmtCreates(got.Create), fmtCreates(want.Create))
	}
	if got.Reached != want.Reached {
		t.Errorf("Reached = %d, want %d", got.Reached, want.Reached)
	}
	if !got.Next.Equal(want.Next) {
		t.Errorf("Next = %s, want %s", fmtTime(got.Next), fmtTime(want.Next))
	}
}

func TestDecide(t *testing.T) {
	tests := []struct {
		name string
		in   Input
		want Decision
	}{
		// Nothing to climb.
		{
			name: "no standing breach creates nothing",
			in:   Input{Levels: twoLevels, Now: b1.Add(3 * time.Hour)},
			want: Decision{},
		},
		{
			name: "no ladder creates nothing",
			in:   Input{BreachedAt: b1, Now: b1.Add(3 * time.Hour)},
			want: Decision{},
		},
		{
			name: "empty ladder with existing escalations creates nothing",
			in: Input{Levels: []supportv1.EscalationLevel{}, BreachedAt: b1, Now: b1.Add(3 * time.Hour),
				Existing: []Escalation{auto("team-lead", 1, b1, false)}},
			want: Decision{Reached: 1},
		},
		{
			name: "resolved complaint (zero breach) with level 1 reached creates nothing",
			in: Input{Levels: twoLevels, Now: b1.Add(3 * time.Hour),
				Existing: []Escalation{auto("team-lead", 1, b1, false)}},
			want: Decision{Reached: 1},
		},

		// Two-level ladder (0s, 2h), first breach.
		{
			name: "two levels: level 1 created at the breach itself",
			in:   Input{Levels: twoLevels, BreachedAt: b1, Now: b1},
			want: Decision{Create: []Create{create("team-lead", 1, b1)}, Reached: 1, Next: b1.Add(2 * time.Hour)},
		},
		{
			name: "two levels: level 1 existing, not recreated on retry",
			in: Input{Levels: twoLevels, BreachedAt: b1, Now: b1,
				Existing: []Escalation{auto("team-lead", 1, b1, false)}},
			want: Decision{Reached: 1, Next: b1.Add(2 * time.Hour)},
		},
		{
			name: "two levels: one second before B+2h level 2 is not due, Next is B+2h",
			in: Input{Levels: twoLevels, BreachedAt: b1, Now: b1.Add(2*time.Hour - time.Second),
				Existing: []Escalation{auto("team-lead", 1, b1, false)}},
			want: Decision{Reached: 1, Next: b1.Add(2 * time.Hour)},
		},
		{
			name: "two levels: level 2 created at exactly B+2h",
			in: Input{Levels: twoLevels, BreachedAt: b1, Now: b1.Add(2 * time.Hour),
				Existing: []Escalation{auto("team-lead", 1, b1, false)}},
			want: Decision{Create: []Create{create("manager", 2, b1)}, Reached: 2},
		},
		{
			name: "two levels: acknowledged level 1 stops level 2",
			in: Input{Levels: twoLevels, BreachedAt: b1, Now: b1.Add(2 * time.Hour),
				Existing: []Escalation{auto("team-lead", 1, b1, true)}},
			want: Decision{Reached: 1},
		},
		{
			name: "two levels: acknowledged level 1 still stops level 2 long after",
			in: Input{Levels: twoLevels, BreachedAt: b1, Now: b1.Add(48 * time.Hour),
				Existing: []Escalation{auto("team-lead", 1, b1, true)}},
			want: Decision{Reached: 1},
		},
		{
			name: "two levels: outage, Now B+3h with nothing created creates levels 1 and 2 (one per level reached)",
			in:   Input{Levels: twoLevels, BreachedAt: b1, Now: b1.Add(3 * time.Hour)},
			want: Decision{Create: []Create{create("team-lead", 1, b1), create("manager", 2, b1)}, Reached: 2},
		},
		{
			name: "two levels: levels 1 and 2 of the same breach exist, nothing, Next zero",
			in: Input{Levels: twoLevels, BreachedAt: b1, Now: b1.Add(3 * time.Hour),
				Existing: []Escalation{auto("team-lead", 1, b1, false), auto("manager", 2, b1, false)}},
			want: Decision{Reached: 2},
		},
		{
			name: "two levels: only level 2 of the same breach exists (after outage), nothing, Next zero",
			in: Input{Levels: twoLevels, BreachedAt: b1, Now: b1.Add(3 * time.Hour),
				Existing: []Escalation{auto("manager", 2, b1, false)}},
			want: Decision{Reached: 2},
		},

		// Two-level ladder, later breach.
		{
			name: "two levels: second breach after level 1 reached creates level 2 at once",
			in: Input{Levels: twoLevels, BreachedAt: b2, Now: b2,
				Existing: []Escalation{auto("team-lead", 1, b1, false)}},
			want: Decision{Create: []Create{create("manager", 2, b2)}, Reached: 2},
		},
		{
			name: "two levels: acknowledgement of the earlier breach does not stop the second",
			in: Input{Levels: twoLevels, BreachedAt: b2, Now: b2,
				Existing: []Escalation{auto("team-lead", 1, b1, true)}},
			want: Decision{Create: []Create{create("manager", 2, b2)}, Reached: 2},
		},
		{
			name: "two levels: second breach after top reached creates nothing",
			in: Input{Levels: twoLevels, BreachedAt: b2, Now: b2.Add(3 * time.Hour),
				Existing: []Escalation{auto("team-lead", 1, b1, false), auto("manager", 2, b1, false)}},
			want: Decision{Reached: 2},
		},
		{
			name: "two levels: second breach, level 2 already created for it, nothing",
			in: Input{Levels: twoLevels, BreachedAt: b2, Now: b2.Add(time.Minute),
				Existing: []Escalation{auto("team-lead", 1, b1, false), auto("manager", 2, b2, false)}},
			want: Decision{Reached: 2},
		},

		// Three-level ladder (10m, 1h, 4h), first breach.
		{
			name: "three levels: level 1 waits 10m, nothing at the breach",
			in:   Input{Levels: threeLevels, BreachedAt: b1, Now: b1},
			want: Decision{Next: b1.Add(10 * time.Minute)},
		},
		{
			name: "three levels: nothing one second before B+10m",
			in:   Input{Levels: threeLevels, BreachedAt: b1, Now: b1.Add(10*time.Minute - time.Second)},
			want: Decision{Next: b1.Add(10 * time.Minute)},
		},
		{
			name: "three levels: level 1 at exactly B+10m, Next B+1h",
			in:   Input{Levels: threeLevels, BreachedAt: b1, Now: b1.Add(10 * time.Minute)},
			want: Decision{Create: []Create{create("team-lead", 1, b1)}, Reached: 1, Next: b1.Add(time.Hour)},
		},
		{
			name: "three levels: level 2 at exactly B+1h, Next B+4h",
			in: Input{Levels: threeLevels, BreachedAt: b1, Now: b1.Add(time.Hour),
				Existing: []Escalation{auto("team-lead", 1, b1, false)}},
			want: Decision{Create: []Create{create("manager", 2, b1)}, Reached: 2, Next: b1.Add(4 * time.Hour)},
		},
		{
			name: "three levels: level 3 at exactly B+4h, Next zero",
			in: Input{Levels: threeLevels, BreachedAt: b1, Now: b1.Add(4 * time.Hour),
				Existing: []Escalation{auto("team-lead", 1, b1, false), auto("manager", 2, b1, false)}},
			want: Decision{Create: []Create{create("director", 3, b1)}, Reached: 3},
		},
		{
			name: "three levels: outage at B+2h creates levels 1 and 2, Next B+4h",
			in:   Input{Levels: threeLevels, BreachedAt: b1, Now: b1.Add(2 * time.Hour)},
			want: Decision{Create: []Create{create("team-lead", 1, b1), create("manager", 2, b1)}, Reached: 2, Next: b1.Add(4 * time.Hour)},
		},
		{
			name: "three levels: outage at B+5h creates levels 1, 2 and 3",
			in:   Input{Levels: threeLevels, BreachedAt: b1, Now: b1.Add(5 * time.Hour)},
			want: Decision{Create: []Create{create("team-lead", 1, b1), create("manager", 2, b1), create("director", 3, b1)}, Reached: 3},
		},
		{
			name: "three levels: acknowledged level 2 stops level 3",
			in: Input{Levels: threeLevels, BreachedAt: b1, Now: b1.Add(5 * time.Hour),
				Existing: []Escalation{auto("team-lead", 1, b1, false), auto("manager", 2, b1, true)}},
			want: Decision{Reached: 2},
		},

		// Three-level ladder, later breach.
		{
			name: "three levels: second breach after level 1 creates level 2 at once, level 3 at B2+3h",
			in: Input{Levels: threeLevels, BreachedAt: b2, Now: b2,
				Existing: []Escalation{auto("team-lead", 1, b1, false)}},
			want: Decision{Create: []Create{create("manager", 2, b2)}, Reached: 2, Next: b2.Add(3 * time.Hour)},
		},
		{
			name: "three levels: second breach, level 3 not due one second before B2+3h",
			in: Input{Levels: threeLevels, BreachedAt: b2, Now: b2.Add(3*time.Hour - time.Second),
				Existing: []Escalation{auto("team-lead", 1, b1, false), auto("manager", 2, b2, false)}},
			want: Decision{Reached: 2, Next: b2.Add(3 * time.Hour)},
		},
		{
			name: "three levels: second breach, level 3 at exactly B2+3h",
			in: Input{Levels: threeLevels, BreachedAt: b2, Now: b2.Add(3 * time.Hour),
				Existing: []Escalation{auto("team-lead", 1, b1, false), auto("manager", 2, b2, false)}},
			want: Decision{Create: []Create{create("director", 3, b2)}, Reached: 3},
		},
		{
			name: "three levels: second breach noticed late (B2+3h) creates levels 2 and 3",
			in: Input{Levels: threeLevels, BreachedAt: b2, Now: b2.Add(3 * time.Hour),
				Existing: []Escalation{auto("team-lead", 1, b1, false)}},
			want: Decision{Create: []Create{create("manager", 2, b2), create("director", 3, b2)}, Reached: 3},
		},
		{
			name: "three levels: second breach after level 2 creates level 3 at once",
			in: Input{Levels: threeLevels, BreachedAt: b2, Now: b2,
				Existing: []Escalation{auto("team-lead", 1, b1, false), auto("manager", 2, b1, false)}},
			want: Decision{Create: []Create{create("director", 3, b2)}, Reached: 3},
		},
		{
			name: "three levels: acknowledged level 2 of the second breach stops level 3",
			in: Input{Levels: threeLevels, BreachedAt: b2, Now: b2.Add(4 * time.Hour),
				Existing: []Escalation{auto("team-lead", 1, b1, false), auto("manager", 2, b2, true)}},
			want: Decision{Reached: 2},
		},
		{
			name: "three levels: third breach continues from the highest level of all earlier breaches",
			in: Input{Levels: threeLevels, BreachedAt: b2.Add(time.Hour), Now: b2.Add(time.Hour),
				Existing: []Escalation{auto("team-lead", 1, b1, false), auto("manager", 2, b2, false)}},
			want: Decision{Create: []Create{create("director", 3, b2.Add(time.Hour))}, Reached: 3},
		},

		// Manual escalations.
		{
			name: "requested escalation is ignored: level 1 still created",
			in: Input{Levels: twoLevels, BreachedAt: b1, Now: b1,
				Existing: []Escalation{requested("c-7-ask-1", 2, false)}},
			want: Decision{Create: []Create{create("team-lead", 1, b1)}, Reached: 1, Next: b1.Add(2 * time.Hour)},
		},
		{
			name: "acknowledged requested escalation does not stop the climb",
			in: Input{Levels: twoLevels, BreachedAt: b1, Now: b1.Add(2 * time.Hour),
				Existing: []Escalation{auto("team-lead", 1, b1, false), requested("c-7-ask-1", 1, true)}},
			want: Decision{Create: []Create{create("manager", 2, b1)}, Reached: 2},
		},
		{
			name: "requested escalation does not count as an earlier breach",
			in: Input{Levels: threeLevels, BreachedAt: b1, Now: b1,
				Existing: []Escalation{requested("c-7-ask-1", 2, false)}},
			want: Decision{Next: b1.Add(10 * time.Minute)},
		},
		{
			name: "requested escalation without standing breach: Reached stays 0",
			in: Input{Levels: twoLevels, Now: b1,
				Existing: []Escalation{requested("c-7-ask-1", 2, false)}},
			want: Decision{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.in.Complaint == "" {
				tt.in.Complaint = complaint
			}
			if tt.in.Reason == "" {
				tt.in.Reason = supportv1.ReasonResolutionBreached
			}
			checkDecision(t, Decide(tt.in), tt.want)
		})
	}
}

func TestDecideCarriesReasonAndName(t *testing.T) {
	levels := []supportv1.EscalationLevel{lvl("l1", 0)}
	for _, reason := range []supportv1.EscalationReason{
		supportv1.ReasonFirstResponseBreached,
		supportv1.ReasonUpdateBreached,
		supportv1.ReasonResolutionBreached,
	} {
		t.Run(string(reason), func(t *testing.T) {
			d := Decide(Input{Complaint: "ticket-42", Levels: levels, BreachedAt: b1, Reason: reason, Now: b1})
			want := Decision{Create: []Create{{
				Name: "ticket-42-l1", Level: 1, LevelName: "l1", Reason: reason, BreachedAt: b1,
			}}, Reached: 1}
			checkDecision(t, d, want)
		})
	}
}

// TestDecideSimulation replays a reconciler polling every minute and
// creating what Decide says: each level appears once, at its due time, and
// never more than one Create per call.
func TestDecideSimulation(t *testing.T) {
	tests := []struct {
		name     string
		levels   []supportv1.EscalationLevel
		existing []Escalation
		breach   time.Time
		wantAt   map[int32]time.Time
	}{
		{
			name:   "three levels from the first breach",
			levels: threeLevels,
			breach: b1,
			wantAt: map[int32]time.Time{
				1: b1.Add(10 * time.Minute), 2: b1.Add(time.Hour), 3: b1.Add(4 * time.Hour),
			},
		},
		{
			name:     "three levels from a second breach after level 1",
			levels:   threeLevels,
			existing: []Escalation{auto("team-lead", 1, b1, false)},
			breach:   b2,
			wantAt:   map[int32]time.Time{2: b2, 3: b2.Add(3 * time.Hour)},
		},
		{
			name:   "two levels from the first breach",
			levels: twoLevels,
			breach: b1,
			wantAt: map[int32]time.Time{1: b1, 2: b1.Add(2 * time.Hour)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			existing := append([]Escalation(nil), tt.existing...)
			gotAt := map[int32]time.Time{}
			for now := tt.breach; !now.After(tt.breach.Add(6 * time.Hour)); now = now.Add(time.Minute) {
				d := Decide(Input{Complaint: complaint, Levels: tt.levels, BreachedAt: tt.breach,
					Reason: supportv1.ReasonResolutionBreached, Existing: existing, Now: now})
				if len(d.Create) > 1 {
					t.Fatalf("at %s: %d creates, want at most 1", fmtTime(now), len(d.Create))
				}
				if !d.Next.IsZero() && !d.Next.After(now) {
					t.Fatalf("at %s: Next %s not after now", fmtTime(now), fmtTime(d.Next))
				}
				for _, c := range d.Create {
					if _, dup := gotAt[c.Level]; dup {
						t.Fatalf("at %s: level %d created twice", fmtTime(now), c.Level)
					}
					gotAt[c.Level] = now
					existing = append(existing, Escalation{Name: c.Name, Level: c.Level, Reason: c.Reason, BreachedAt: c.BreachedAt})
				}
			}
			if len(gotAt) != len(tt.wantAt) {
				t.Errorf("created levels %v, want %v", gotAt, tt.wantAt)
			}
			for level, want := range tt.wantAt {
				if got, ok := gotAt[level]; !ok || !got.Equal(want) {
					t.Errorf("level %d created at %s, want %s", level, fmtTime(got), fmtTime(want))
				}
			}
		})
	}
}

func TestName(t *testing.T) {
	tests := []struct {
		name      string
		complaint string
		levelName string
		want      string
		trimmed   bool // the cut ends in '.' or '-', which is dropped
	}{
		{name: "short name is complaint-level", complaint: "c-7", levelName: "team-lead", want: "c-7-team-lead"},
		{name: "exactly 253 chars kept as is", complaint: strings.Repeat("x", 243), levelName: "team-lead",
			want: strings.Repeat("x", 243) + "-team-lead"},
		{name: "254 chars shortened", complaint: strings.Repeat("x", 244), levelName: "team-lead"},
		{name: "very long complaint shortened", complaint: strings.Repeat("y", 253), levelName: "director"},
		{name: "40-char level name shortened", complaint: strings.Repeat("a", 220), levelName: strings.Repeat("m", 40)},
		{name: "cut right after a dot", complaint: strings.Repeat("a", 235) + "." + strings.Repeat("b", 17), levelName: "team-lead", trimmed: true},
		{name: "cut right after a dash", complaint: strings.Repeat("a", 235) + "-" + strings.Repeat("b", 17), levelName: "team-lead", trimmed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Name(tt.complaint, tt.levelName)
			if again := Name(tt.complaint, tt.levelName); again != got {
				t.Errorf("Name not stable: %q then %q", got, again)
			}
			if len(got) > 253 {
				t.Errorf("len(Name) = %d, want <= 253", len(got))
			}
			full := tt.complaint + "-" + tt.levelName
			if tt.want != "" {
				if got != tt.want {
					t.Errorf("Name = %q, want %q", got, tt.want)
				}
				return
			}
			if errs := validation.IsDNS1123Subdomain(got); len(errs) > 0 {
				t.Errorf("Name %q is not a valid object name: %v", got, errs)
			}
			if tt.trimmed {
				if want := strings.TrimRight(full[:253-17], ".-"); !strings.HasPrefix(got, want+"-") || len(got) != len(want)+17 {
					t.Errorf("Name = %q, want the cut without its trailing '.' or '-' and the hash", got)
				}
				return
			}
			if len(got) != 253 {
				t.Errorf("len(Name) = %d, want 253 for a shortened name", len(got))
			}
			if got == full[:253] {
				t.Errorf("Name is a plain truncation %q, want a hash suffix", got)
			}
			if !strings.HasPrefix(got, full[:253-17]) {
				t.Errorf("Name %q does not keep the prefix of %q", got, full)
			}
		})
	}
}

func TestNameDistinctForLongInputs(t *testing.T) {
	// Inputs equal on their first 250 characters differ only in what is cut off.
	prefix := strings.Repeat("z", 250)
	pairs := []struct {
		name               string
		aComplaint, aLevel string
		bComplaint, bLevel string
	}{
		{name: "different level names", aComplaint: prefix, aLevel: "team-lead", bComplaint: prefix, bLevel: "manager"},
		{name: "different complaints", aComplaint: prefix + "1", aLevel: "manager", bComplaint: prefix + "2", bLevel: "manager"},
	}
	for _, p := range pairs {
		t.Run(p.name, func(t *testing.T) {
			a, b := Name(p.aComplaint, p.aLevel), Name(p.bComplaint, p.bLevel)
			if a == b {
				t.Errorf("Name(%q, %q) == Name(%q, %q) == %q", p.aComplaint, p.aLevel, p.bComplaint, p.bLevel, a)
			}
		})
	}
}

func TestReasonFor(t *testing.T) {
	tests := []struct {
		clock supportv1.ClockName
		want  supportv1.EscalationReason
	}{
		{supportv1.ClockFirstResponse, supportv1.ReasonFirstResponseBreached},
		{supportv1.ClockUpdate, supportv1.ReasonUpdateBreached},
		{supportv1.ClockResolution, supportv1.ReasonResolutionBreached},
	}
	for _, tt := range tests {
		t.Run(string(tt.clock), func(t *testing.T) {
			if got := ReasonFor(tt.clock); got != tt.want {
				t.Errorf("ReasonFor(%q) = %q, want %q", tt.clock, got, tt.want)
			}
		})
	}
}

func TestPhase(t *testing.T) {
	l1 := auto("team-lead", 1, b1, false)
	l1Acked := auto("team-lead", 1, b1, true)
	l2 := auto("manager", 2, b1, false)
	l2Later := auto("manager", 2, b2, false)
	ask1 := requested("c-7-ask-1", 1, false)
	ask1Acked := requested("c-7-ask-1", 1, true)
	ask3 := requested("c-7-ask-3", 3, false)

	tests := []struct {
		name string
		in   PhaseInput
		want supportv1.EscalationPhase
	}{
		{name: "open with no siblings", in: PhaseInput{Escalation: l1}, want: supportv1.EscalationOpen},
		{name: "acknowledged", in: PhaseInput{Escalation: l1Acked}, want: supportv1.EscalationAcknowledged},
		{name: "acknowledged wins over complaint resolved",
			in: PhaseInput{Escalation: l1Acked, ComplaintResolved: true}, want: supportv1.EscalationAcknowledged},
		{name: "acknowledged wins over complaint gone",
			in: PhaseInput{Escalation: l1Acked, ComplaintGone: true}, want: supportv1.EscalationAcknowledged},
		{name: "acknowledged wins over higher sibling",
			in: PhaseInput{Escalation: l1Acked, Siblings: []Escalation{l2}}, want: supportv1.EscalationAcknowledged},
		{name: "acknowledged requested escalation",
			in: PhaseInput{Escalation: ask1Acked}, want: supportv1.EscalationAcknowledged},
		{name: "closed when complaint gone", in: PhaseInput{Escalation: l1, ComplaintGone: true}, want: supportv1.EscalationClosed},
		{name: "closed when complaint resolved", in: PhaseInput{Escalation: l1, ComplaintResolved: true}, want: supportv1.EscalationClosed},
		{name: "closed wins over higher sibling",
			in: PhaseInput{Escalation: l1, ComplaintResolved: true, Siblings: []Escalation{l2}}, want: supportv1.EscalationClosed},
		{name: "requested escalation closed when complaint resolved",
			in: PhaseInput{Escalation: ask1, ComplaintResolved: true}, want: supportv1.EscalationClosed},
		{name: "superseded by higher automatic sibling",
			in: PhaseInput{Escalation: l1, Siblings: []Escalation{l2}}, want: supportv1.EscalationSuperseded},
		{name: "superseded by higher automatic sibling of a later breach",
			in: PhaseInput{Escalation: l1, Siblings: []Escalation{l2Later}}, want: supportv1.EscalationSuperseded},
		{name: "superseded with itself listed among siblings",
			in: PhaseInput{Escalation: l1, Siblings: []Escalation{l1, l2}}, want: supportv1.EscalationSuperseded},
		{name: "open when only sibling is itself",
			in: PhaseInput{Escalation: l1, Siblings: []Escalation{l1}}, want: supportv1.EscalationOpen},
		{name: "open when sibling is lower",
			in: PhaseInput{Escalation: l2, Siblings: []Escalation{l1}}, want: supportv1.EscalationOpen},
		{name: "open when sibling has the same level",
			in: PhaseInput{Escalation: l2, Siblings: []Escalation{l2Later}}, want: supportv1.EscalationOpen},
		{name: "open when higher sibling is requested",
			in: PhaseInput{Escalation: l1, Siblings: []Escalation{ask3}}, want: supportv1.EscalationOpen},
		{name: "requested escalation never superseded by higher automatic sibling",
			in: PhaseInput{Escalation: ask1, Siblings: []Escalation{l2}}, want: supportv1.EscalationOpen},
		{name: "requested escalation never superseded by higher requested sibling",
			in: PhaseInput{Escalation: ask1, Siblings: []Escalation{ask3}}, want: supportv1.EscalationOpen},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Phase(tt.in); got != tt.want {
				t.Errorf("Phase = %q, want %q", got, tt.want)
			}
		})
	}
}
