package ladder

import (
	"time"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// FollowUps decides the climbs no breach starts, so that nothing waits
// forever at one level:
//   - a request (Requested, or climbed undecided) without a decision
//     DecideWithin after it was made climbs to the next level as
//     RequestUndecided, with its question and who asked;
//   - a ladder level acknowledged and followed by no progress on the
//     complaint within AckTimeout climbs to the next level as AckTimedOut.
//
// Each climb names the escalation it follows and has a deterministic name,
// so it happens once, whatever restarts. Nothing climbs past the top of the
// ladder, from an escalation already followed or superseded, or once the
// complaint is resolved. Next is the earliest climb still ahead.
func FollowUps(in Input) Decision {
	var d Decision
	if in.Resolved || len(in.Levels) == 0 {
		return d
	}
	followed := map[string]bool{}
	for _, e := range in.Existing {
		if e.Follows != "" {
			followed[e.Follows] = true
		}
	}
	for _, e := range in.Existing {
		if followed[e.Name] || int(e.Level) >= len(in.Levels) {
			continue
		}
		c, due, ok := followUp(in, e)
		switch {
		case !ok:
		case in.Now.Before(due):
			if d.Next.IsZero() || due.Before(d.Next) {
				d.Next = due
			}
		default:
			d.Create = append(d.Create, c)
			d.Reached = max(d.Reached, c.Level)
		}
	}
	return d
}

// followUp is the climb from e and when it is due; ok is false when e does
// not climb on its own, or not yet knowably (an acknowledgement the
// escalation controller has not stamped yet).
func followUp(in Input, e Escalation) (c Create, due time.Time, ok bool) {
	next := in.Levels[e.Level] // the level above e's (levels count from 1)
	c = Create{Level: e.Level + 1, LevelName: next.Name, Follows: e.Name}
	switch {
	case e.Reason.IsRequest():
		if in.DecideWithin <= 0 || e.Decided || e.CreatedAt.IsZero() {
			return c, due, false
		}
		c.Name = Name(e.Name, "undecided")
		c.Reason, c.RequestedBy, c.Question = supportv1.ReasonRequestUndecided, e.RequestedBy, e.Question
		return c, e.CreatedAt.Add(in.DecideWithin), true
	case e.Acknowledged:
		if in.AckTimeout <= 0 || madeProgress(in.Progress, e.AcknowledgedAt) || supersededBreachLevel(in, e) {
			return c, due, false
		}
		if e.AcknowledgedAt.IsZero() {
			// Not stamped yet: the stamp's status write wakes the complaint.
			return c, due, false
		}
		c.Name = Name(in.Complaint, next.Name)
		c.Reason, c.BreachedAt = supportv1.ReasonAckTimedOut, e.BreachedAt
		return c, e.AcknowledgedAt.Add(in.AckTimeout), true
	}
	return c, due, false
}

// supersededBreachLevel says whether a higher ladder level of e's breach
// exists: e is no longer where the complaint stands.
func supersededBreachLevel(in Input, e Escalation) bool {
	for _, o := range in.Existing {
		if !o.Reason.IsRequest() && o.Level > e.Level && o.BreachedAt.Equal(e.BreachedAt) {
			return true
		}
	}
	return false
}

// madeProgress says whether the complaint progressed since an
// acknowledgement at ackAt. Both have second precision: progress in the
// same second as the acknowledgement counts, so a lead who acknowledges
// as the agent updates does not see the complaint climb.
func madeProgress(progress, ackAt time.Time) bool {
	return !ackAt.IsZero() && !progress.IsZero() && !progress.Before(ackAt)
}
