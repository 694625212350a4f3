// Package ladder decides the escalation ladder: when the Complaint
// controller creates the next level (Decide), and what phase an Escalation
// is in (Phase). Both are pure functions of the facts and now.
package ladder

import (
	"time"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/internal/text"
)

// Escalation is what the ladder needs to know of an existing Escalation.
type Escalation struct {
	Name         string
	Level        int32
	Reason       supportv1.EscalationReason
	BreachedAt   time.Time // zero for manual escalations
	Acknowledged bool
	// Decided: the acknowledgement carries a decision.
	Decided bool
	// CreatedAt is when the escalation was created; AcknowledgedAt when the
	// operator stamped its acknowledgement (zero: not yet).
	CreatedAt, AcknowledgedAt time.Time
	// Follows is the escalation this one climbed from, if any.
	Follows string
	// RequestedBy and Question are a request's, carried when it climbs.
	RequestedBy, Question string
}

// Input is the complaint's side of the ladder.
type Input struct {
	// Complaint is the complaint's name (for deterministic names).
	Complaint string
	// Levels of the policy's ladder; empty: no ladder.
	Levels []supportv1.EscalationLevel
	// BreachedAt is the standing breach (the latest clock breach of an
	// unresolved complaint); zero when none stands.
	BreachedAt time.Time
	// Reason names the breached clock.
	Reason supportv1.EscalationReason
	// Existing escalations of the complaint.
	Existing []Escalation
	// DecideWithin and AckTimeout are the ladder's (zero: no such climb);
	// see FollowUps.
	DecideWithin, AckTimeout time.Duration
	// Progress is the complaint's latest progress (an update, a pause, a
	// proposed or accepted resolution); zero: none.
	Progress time.Time
	// Resolved: the complaint is resolved or closed; nothing climbs.
	Resolved bool
	// Now is the current time.
	Now time.Time
}

// Create is an Escalation to create.
type Create struct {
	Name       string
	Level      int32
	LevelName  string
	Reason     supportv1.EscalationReason
	BreachedAt time.Time
	// Follows, RequestedBy and Question are set on a climb from another
	// escalation (FollowUps).
	Follows, RequestedBy, Question string
}

// Decision is what to create now, the level reached, and when to look again.
type Decision struct {
	Create []Create
	// Reached is the highest level reached, counting what Create adds.
	Reached int32
	// Next is when the next level is due; zero for none.
	Next time.Time
}

// Decide climbs the ladder. A standing breach reaches level 1 after its
// after; each further level is created at its after (measured from the
// breach) while nobody acknowledged an escalation of this breach. A later
// breach starts again from the level reached: the next level at once, the
// following ones spaced as in the ladder. Names are deterministic, so a
// retry or a restart never creates a level twice.
func Decide(in Input) Decision {
	d := climbBreach(in)
	f := FollowUps(in)
	d.Create = append(d.Create, f.Create...)
	for _, c := range f.Create {
		d.Reached = max(d.Reached, c.Level)
	}
	if !f.Next.IsZero() && (d.Next.IsZero() || f.Next.Before(d.Next)) {
		d.Next = f.Next
	}
	return d
}

// climbBreach climbs the ladder from the standing breach.
func climbBreach(in Input) Decision {
	var d Decision
	base := int32(0)    // highest automatic level of earlier breaches
	episode := int32(0) // highest level already created for this breach
	acked := false
	for _, e := range in.Existing {
		if e.Reason.IsRequest() {
			continue
		}
		if e.Level > d.Reached {
			d.Reached = e.Level
		}
		if e.BreachedAt.Equal(in.BreachedAt) {
			acked = acked || e.Acknowledged
			if e.Level > episode {
				episode = e.Level
			}
		} else if e.Level > base {
			base = e.Level
		}
	}
	if in.BreachedAt.IsZero() || acked || len(in.Levels) == 0 {
		return d
	}
	if base >= int32(len(in.Levels)) {
		return d // top of the ladder already reached
	}
	offset := time.Duration(0)
	if base > 0 {
		offset = in.Levels[base].After.Duration
	}
	for i := int(max(base, episode)); i < len(in.Levels); i++ {
		level := int32(i + 1)
		due := in.BreachedAt.Add(in.Levels[i].After.Duration - offset)
		if in.Now.Before(due) {
			d.Next = due
			break
		}
		d.Create = append(d.Create, Create{
			Name:       Name(in.Complaint, in.Levels[i].Name),
			Level:      level,
			LevelName:  in.Levels[i].Name,
			Reason:     in.Reason,
			BreachedAt: in.BreachedAt,
		})
		if level > d.Reached {
			d.Reached = level
		}
	}
	// Every level due is created, each once, even when the lower ones are
	// superseded at once (after an outage, say): each level reached keeps
	// its record, and its people are told.
	return d
}

// Name is the deterministic name of a complaint's escalation at a level:
// <complaint>-<level name>, shortened with a hash when too long for a name.
func Name(complaint, levelName string) string {
	return text.JoinName(complaint, levelName)
}

// ReasonFor maps a breached clock to an escalation reason.
func ReasonFor(c supportv1.ClockName) supportv1.EscalationReason {
	switch c {
	case supportv1.ClockFirstResponse:
		return supportv1.ReasonFirstResponseBreached
	case supportv1.ClockUpdate:
		return supportv1.ReasonUpdateBreached
	case supportv1.ClockAssignment:
		return supportv1.ReasonAssignmentBreached
	case supportv1.ClockApproval:
		return supportv1.ReasonApprovalBreached
	default:
		return supportv1.ReasonResolutionBreached
	}
}

// PhaseInput is what an Escalation's phase depends on.
type PhaseInput struct {
	Escalation Escalation
	// ComplaintGone is true when the complaint does not exist.
	ComplaintGone bool
	// ComplaintResolved is true when the complaint is resolved or closed.
	ComplaintResolved bool
	// RemedySettled is true when the overdue remedy of a RemedyOverdue
	// escalation was reported (done or failed) or cancelled, or is gone.
	RemedySettled bool
	// Siblings are the complaint's other escalations.
	Siblings []Escalation
}

// Phase decides an escalation's phase: Acknowledged once acknowledged;
// Closed when its complaint is resolved or gone; Superseded when a higher
// automatic level exists (for a ladder level) or it climbed undecided (for
// a request); else Open.
func Phase(in PhaseInput) supportv1.EscalationPhase {
	switch {
	case in.Escalation.Acknowledged:
		return supportv1.EscalationAcknowledged
	case in.ComplaintGone || in.ComplaintResolved:
		return supportv1.EscalationClosed
	case in.Escalation.Reason.IsRemedy():
		// A department's overdue remedy stands apart from the ladder.
		if in.RemedySettled {
			return supportv1.EscalationClosed
		}
		return supportv1.EscalationOpen
	}
	for _, s := range in.Siblings {
		if s.Name == in.Escalation.Name {
			continue
		}
		// A request is superseded by its climb; a ladder level by any
		// higher level.
		if s.Follows == in.Escalation.Name || (!in.Escalation.Reason.IsRequest() && !s.Reason.IsRequest() && !s.Reason.IsRemedy() && s.Level > in.Escalation.Level) {
			return supportv1.EscalationSuperseded
		}
	}
	return supportv1.EscalationOpen
}
