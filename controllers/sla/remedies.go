package sla

import (
	"fmt"
	"time"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/internal/text"
)

// The complaint's side of its remedies: an agreed resolution with actions
// is carried out by departments (Remedy objects, one per action) before it
// counts as resolved; a failed remedy sets the resolution aside.

// remedyFailedMessage is ResolutionAccepted's message for a resolution set
// aside because a remedy failed (the history names the remedy).
const remedyFailedMessage = "a remedy of this resolution failed; propose another resolution"

// RemedyFact is what the complaint's evaluation knows of one of its Remedy
// objects.
type RemedyFact struct {
	// Name of the Remedy.
	Name string
	// RequestedAt is its spec.requestedAt: the round of the resolution it
	// was asked for.
	RequestedAt time.Time
	// Fulfilment is the department's report; nil while it works on it.
	Fulfilment *supportv1.Fulfilment
	// FulfilledAt is when the report was recorded (zero: unknown, now).
	FulfilledAt time.Time
}

// RemedyName is the name of the Remedy of a complaint's action:
// <complaint>-<action>, shortened with a hash when too long.
func RemedyName(complaint, action string) string {
	return text.JoinName(complaint, action)
}

// CarriedOut says whether the resolution is carried out by departments:
// it has actions and does not decline the demand.
func CarriedOut(res *supportv1.Resolution) bool {
	return res != nil && !res.Declined() && len(res.Actions) > 0
}

// remedies follows the agreed resolution's remedies: at requested, the
// departments are asked (once per round, RemedyRequested per action); ok
// once every remedy is Done, at the last report. A failed remedy sets the
// resolution aside: the complaint is back in work, and a new proposal
// starts the round again.
func (e *evaluation) remedies(res *supportv1.Resolution, requested time.Time) (done time.Time, ok bool) {
	if e.st.RemediesRequestedAt == nil {
		e.startRemedies(res, requested)
	}
	since := e.st.RemediesRequestedAt.Time
	facts := map[string]*RemedyFact{}
	for i := range e.in.Remedies {
		if f := &e.in.Remedies[i]; f.RequestedAt.Truncate(time.Second).Equal(since) {
			facts[f.Name] = f
		}
	}
	summaries := make([]supportv1.RemedySummary, 0, len(res.Actions))
	failed := false
	pending := 0
	done = since
	for _, a := range res.Actions {
		sum := e.askedRemedy(a, since)
		f := facts[sum.Name]
		switch {
		case f == nil || f.Fulfilment == nil:
			pending++
		case sum.Outcome == "":
			at := e.factTime(f.FulfilledAt, since)
			sum.Outcome, sum.By, sum.Reference, sum.FulfilledAt = f.Fulfilment.Outcome, f.Fulfilment.By, f.Fulfilment.Reference, metaTime(at)
			e.remedyReported(sum, a, f.Fulfilment, at)
		}
		switch {
		case sum.Outcome == supportv1.FulfilmentFailed:
			failed = true
		case sum.Outcome == supportv1.FulfilmentDone && sum.FulfilledAt.Time.After(done):
			done = sum.FulfilledAt.Time
		}
		summaries = append(summaries, sum)
	}
	e.st.Remedies = summaries
	if failed {
		e.st.Seen.FailedResolution = Fingerprint(res)
		e.endRemedies()
		e.st.AgreementRequestedAt = nil
		e.approvalNotPending()
		e.accepted = &verdict{false, supportv1.ReasonRemedyFailed, remedyFailedMessage}
		return time.Time{}, false
	}
	if pending > 0 {
		e.accepted = &verdict{false, supportv1.ReasonImplementing,
			fmt.Sprintf("carried out by the departments: %d of %d remedies done", len(res.Actions)-pending, len(res.Actions))}
		return time.Time{}, false
	}
	return done, true
}

// startRemedies starts a round of remedies at requested, or just after
// the last earlier round: a round is told apart from the earlier ones by
// its time, never the second of a remedy asked for before.
func (e *evaluation) startRemedies(res *supportv1.Resolution, requested time.Time) {
	for _, f := range e.in.Remedies {
		if earlier := f.RequestedAt.Truncate(time.Second); !earlier.Before(requested) {
			requested = earlier.Add(time.Second)
		}
	}
	if ended := e.st.EndedRemediesRequestedAt; ended != nil && !ended.Time.Before(requested) {
		requested = ended.Time.Add(time.Second)
	}
	e.st.RemediesRequestedAt = metaTime(requested)
	e.st.Remedies = nil
	e.st.Seen.Remedies = Fingerprint(res.Actions)
}

// endRemedies ends the round of remedies under way, if any, before it
// resolved the complaint: its remedies still pending are Cancelled.
func (e *evaluation) endRemedies() {
	if e.st.RemediesRequestedAt != nil {
		e.st.EndedRemediesRequestedAt = e.st.RemediesRequestedAt
		e.st.RemediesRequestedAt = nil
	}
}

// askedRemedy is the status's summary of an action's remedy in this round:
// as last seen, or, the first time, new, asking its department
// (RemedyRequested).
func (e *evaluation) askedRemedy(a supportv1.RemedyAction, since time.Time) supportv1.RemedySummary {
	name := RemedyName(e.c.Name, a.Name)
	for _, s := range e.st.Remedies {
		if s.Name == name {
			return s
		}
	}
	msg := fmt.Sprintf("Remedy %s requested from %s: %s", name, a.Department, a.Kind)
	if a.Detail != "" {
		msg += " (" + a.Detail + ")"
	}
	e.emit(Transition{Event: supportv1.EventRemedyRequested, Reason: string(supportv1.EventRemedyRequested), Message: msg,
		Remedy: name, Notify: e.departmentNotify(a.Department), At: since})
	return supportv1.RemedySummary{Name: name, Department: a.Department, Kind: a.Kind}
}

// remedyReported tells a department's report: RemedyDone, or RemedyFailed
// (a Warning: the resolution is set aside).
func (e *evaluation) remedyReported(sum supportv1.RemedySummary, a supportv1.RemedyAction, f *supportv1.Fulfilment, at time.Time) {
	t := Transition{Remedy: sum.Name, By: f.By, At: at, Notify: e.departmentNotify(a.Department)}
	detail := ""
	if f.Reference != "" {
		detail += "; reference " + f.Reference
	}
	if f.Note != "" {
		detail += "; " + f.Note
	}
	if f.Outcome == supportv1.FulfilmentFailed {
		t.Event, t.Reason, t.Warning = supportv1.EventRemedyFailed, string(supportv1.EventRemedyFailed), true
		t.Message = fmt.Sprintf("Remedy %s failed (%s, %s by %s)%s; the complaint is back in work: propose another resolution",
			sum.Name, a.Department, a.Kind, text.OrNone(f.By), detail)
	} else {
		t.Event, t.Reason = supportv1.EventRemedyDone, string(supportv1.EventRemedyDone)
		t.Message = fmt.Sprintf("Remedy %s done (%s, %s by %s)%s", sum.Name, a.Department, a.Kind, text.OrNone(f.By), detail)
	}
	e.emit(t)
}

// departmentNotify is the department's notify list in the policy.
func (e *evaluation) departmentNotify(department string) []string {
	if e.p == nil {
		return nil
	}
	return e.p.Spec.DepartmentNotify(department)
}

// RemedyCurrent says whether the complaint's current resolution still asks
// for the remedy: its action is there, the resolution is not set aside, and
// the remedy's round has not ended. A complaint whose status has not caught
// up with the round yet (a cache behind) still asks for it.
func RemedyCurrent(c *supportv1.Complaint, r *supportv1.Remedy) bool {
	res := c.Spec.Resolution
	if !CarriedOut(res) || setAside(&c.Status, res) {
		return false
	}
	asked := false
	for _, a := range res.Actions {
		asked = asked || (a.Name == r.Spec.Action && a.Department == r.Spec.Department && a.Kind == r.Spec.Kind)
	}
	requested := r.Spec.RequestedAt.Time.Truncate(time.Second)
	ended, current := c.Status.EndedRemediesRequestedAt, c.Status.RemediesRequestedAt
	switch {
	case !asked:
		return false
	case ended != nil && !requested.After(ended.Time):
		return false // its round ended
	case current != nil:
		// Its round, or a later one the status does not show yet.
		return !requested.Before(current.Time)
	}
	return true
}
