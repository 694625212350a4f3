package sla

import (
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// run is one run of a clock: from start until stop (nil: not stopped).
type run struct {
	start time.Time
	stop  *time.Time
}

// runs are the current runs of the clocks, from the stamped facts; the
// update clock runs only once the customer was contacted.
func (e *evaluation) runs() map[supportv1.ClockName]*run {
	st := e.st
	runs := map[supportv1.ClockName]*run{}
	start := Start(e.c)
	// First response ends at the acknowledgement, or at the resolution
	// when nobody acknowledged (resolving means the customer was answered).
	runs[supportv1.ClockFirstResponse] = untilOrResolved(start, st.AcknowledgedAt, st.ResolvedAt)

	res := &run{start: start}
	if st.ReopenedAt != nil {
		res.start = st.ReopenedAt.Time
	}
	if st.ResolvedAt != nil {
		res.stop = &st.ResolvedAt.Time
	}
	runs[supportv1.ClockResolution] = res

	if st.AcknowledgedAt != nil {
		up := &run{start: st.AcknowledgedAt.Time}
		for _, t := range []*metav1.Time{st.LastUpdateAt, st.ReopenedAt} {
			// An update given after the resolution does not restart the clock.
			if t != nil && t.Time.After(up.start) && (st.ResolvedAt == nil || !t.Time.After(st.ResolvedAt.Time)) {
				up.start = t.Time
			}
		}
		if st.ResolvedAt != nil && !st.ResolvedAt.Time.Before(up.start) {
			up.stop = &st.ResolvedAt.Time
		}
		runs[supportv1.ClockUpdate] = up
	}

	// Assignment ends when somebody owns the complaint (or it is resolved
	// without an owner).
	runs[supportv1.ClockAssignment] = untilOrResolved(start, st.OwnedAt, st.ResolvedAt)

	// Approval runs while a proposed resolution waits for its approval.
	if st.ApprovalRequestedAt != nil {
		ap := &run{start: st.ApprovalRequestedAt.Time}
		// The approval ends the wait: the resolution, or the proposal put
		// to the customer once approved.
		for _, end := range []*metav1.Time{st.AgreementRequestedAt, st.RemediesRequestedAt, st.ResolvedAt} {
			if end != nil && !end.Time.Before(ap.start) {
				ap.stop = &end.Time
				break
			}
		}
		runs[supportv1.ClockApproval] = ap
	}
	return runs
}

// untilOrResolved is a run from start that stops at end, or at the
// resolution when end never came.
func untilOrResolved(start time.Time, end, resolved *metav1.Time) *run {
	r := &run{start: start}
	if end != nil {
		r.stop = &end.Time
	} else if resolved != nil {
		r.stop = &resolved.Time
	}
	return r
}

// clocks decides each clock, the earliest running due time (nextDueAt) and
// the standing breach (breachedAt: the latest due time of a clock breached
// since the complaint last opened, until it is resolved).
func (e *evaluation) clocks() {
	runs := e.runs()
	var breachedAt time.Time
	e.st.NextDueAt = nil
	for _, name := range supportv1.ClockNames {
		r := runs[name]
		target := e.p.target(name)
		if r == nil || target == 0 {
			e.st.Clocks.Set(name, nil)
			continue
		}
		cs := e.clock(name, target, r, e.st.Clocks.Get(name))
		e.st.Clocks.Set(name, cs)
		// A breach stands until resolution; one from before a reopening is history.
		stands := e.st.ReopenedAt == nil || (cs.DueAt != nil && !cs.DueAt.Time.Before(e.st.ReopenedAt.Time))
		if cs.State == supportv1.ClockBreached && e.st.ResolvedAt == nil && stands && cs.DueAt != nil && cs.DueAt.Time.After(breachedAt) {
			breachedAt = cs.DueAt.Time
		}
		if cs.State == supportv1.ClockRunning && (e.st.NextDueAt == nil || cs.DueAt.Time.Before(e.st.NextDueAt.Time)) {
			e.st.NextDueAt = cs.DueAt.DeepCopy()
		}
	}
	e.st.BreachedAt = nil
	if !breachedAt.IsZero() {
		e.st.BreachedAt = metaTime(breachedAt)
	}
}

// clock decides one clock's status for its current run: its due time
// (moved out by pauses, in business time), then its state.
func (e *evaluation) clock(name supportv1.ClockName, target time.Duration, r *run, prev *supportv1.ClockStatus) *supportv1.ClockStatus {
	cs := &supportv1.ClockStatus{Target: &metav1.Duration{Duration: target}, StartedAt: &metav1.Time{Time: r.start}}
	var pausedFor time.Duration
	sameRun := prev != nil && prev.StartedAt != nil && prev.StartedAt.Time.Equal(r.start)
	if sameRun {
		if prev.PausedFor != nil {
			pausedFor = prev.PausedFor.Duration
		}
		cs.AtRiskNotified = prev.AtRiskNotified
	}
	wasBreached := sameRun && prev.State == supportv1.ClockBreached
	// A pause after the breach does not move the breach.
	if e.pauseEnded != nil && !wasBreached {
		pausedFor += e.overlap(r, e.pauseEnded[0], e.pauseEnded[1])
	}
	if pausedFor > 0 {
		cs.PausedFor = &metav1.Duration{Duration: pausedFor}
	}
	// A clock stopped during a pause that still lasts is judged with the
	// paused time up to its stop (recorded in pausedFor when the pause ends).
	ongoing := time.Duration(0)
	if r.stop != nil && e.st.WaitingSince != nil && !wasBreached {
		ongoing = e.overlap(r, e.st.WaitingSince.Time, *r.stop)
	}
	// Deadlines have the second precision of status timestamps.
	due := e.p.Calendar.Add(r.start, target+pausedFor+ongoing).Truncate(time.Second)
	cs.DueAt = &metav1.Time{Time: due}
	e.clockState(name, cs, r, wasBreached, pausedFor)
	return cs
}

// overlap is the business time of [from, to) within the run (until now
// while it runs).
func (e *evaluation) overlap(r *run, from, to time.Time) time.Duration {
	end := e.now
	if r.stop != nil {
		end = *r.stop
	}
	from, to = maxTime(from, r.start), minTime(to, end)
	if !to.After(from) {
		return 0
	}
	return e.p.Calendar.Between(from, to)
}

// clockState decides whether the clock is met, breached, paused or
// running (and at risk), and tells a new breach or risk once.
func (e *evaluation) clockState(name supportv1.ClockName, cs *supportv1.ClockStatus, r *run, wasBreached bool, pausedFor time.Duration) {
	due, target := cs.DueAt.Time, cs.Target.Duration
	switch {
	case r.stop != nil:
		cs.StoppedAt = &metav1.Time{Time: *r.stop}
		cs.State = supportv1.ClockMet
		if wasBreached || r.stop.After(due) {
			cs.State = supportv1.ClockBreached
		}
	case e.st.WaitingSince != nil:
		// Paused: the due time moves out by the pause; it is known again
		// when the pause ends.
		if wasBreached || !e.st.WaitingSince.Time.Before(due) {
			cs.State = supportv1.ClockBreached
		} else {
			cs.State = supportv1.ClockPaused
			cs.DueAt = nil
		}
	case !e.now.Before(due) || wasBreached:
		cs.State = supportv1.ClockBreached
	default:
		cs.State = supportv1.ClockRunning
		e.atRisk(name, cs, r, pausedFor)
		e.schedule(due)
	}
	if cs.State == supportv1.ClockBreached {
		cs.AtRiskNotified = true
		if !wasBreached {
			e.emit(Transition{Event: supportv1.EventBreached, Reason: string(supportv1.EventBreached), Warning: true, Clock: name, At: due, FellDue: due,
				Message: fmt.Sprintf("%s target of %s breached at %s", name.Field(), target, due.UTC().Format(time.RFC3339))})
		}
	}
}

// atRisk tells, once, that a running clock passed the policy's at-risk share
// of its target, or schedules the moment it will.
func (e *evaluation) atRisk(name supportv1.ClockName, cs *supportv1.ClockStatus, r *run, pausedFor time.Duration) {
	target, due := cs.Target.Duration, cs.DueAt.Time
	at := e.p.Calendar.Add(r.start, time.Duration(int64(target)*e.p.atRiskPercent()/100)+pausedFor).Truncate(time.Second)
	cs.AtRiskAt = &metav1.Time{Time: at}
	switch {
	case cs.AtRiskNotified:
	case !e.now.Before(at):
		cs.AtRiskNotified = true
		e.emit(Transition{Event: supportv1.EventAtRisk, Reason: string(supportv1.EventAtRisk), Warning: true, Clock: name, FellDue: at,
			Message: fmt.Sprintf("%s clock at risk: %d%% of %s elapsed, due at %s", name.Field(), e.p.atRiskPercent(), target, due.UTC().Format(time.RFC3339))})
	default:
		e.schedule(at)
	}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
