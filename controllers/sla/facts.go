package sla

import (
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/internal/text"
)

// The steps that stamp the facts the spec records: each fact is timed when
// the API server recorded it (RecordedTimes), never before the fact it follows.

// created announces a complaint seen for the first time.
func (e *evaluation) created() {
	if e.prev.Phase != "" {
		return
	}
	e.emit(Created(e.c))
}

// Created is the transition of the complaint's recording, at its start; its
// Detail names no customer.
func Created(c *supportv1.Complaint) Transition {
	detail := fmt.Sprintf("Complaint recorded: %s (%s, %s)", c.Spec.Summary, c.Spec.Category, c.Severity())
	msg := fmt.Sprintf("Complaint recorded: %s (%s, %s, customer %s)", c.Spec.Summary, c.Spec.Category, c.Severity(), c.Spec.Customer.Name)
	return Transition{Event: supportv1.EventCreated, Reason: string(supportv1.EventCreated), Message: msg,
		Detail: RedactCustomer(detail, &c.Spec.Customer), At: Start(c)}
}

// policy records which policy governs (and who may approve under it), and
// tells a change of policy.
func (e *evaluation) policy() {
	name := ""
	if e.p != nil {
		name = e.p.Name
	}
	if e.prev.Policy != "" && e.prev.Policy != name {
		msg := fmt.Sprintf("Policy changed from %s to %s", e.prev.Policy, text.OrNone(name))
		e.emit(Transition{Reason: supportv1.ReasonPolicyChanged, Message: msg})
	}
	e.st.Policy = name
	// Who may approve, for the admission policy that checks approvals.
	e.st.Approvers = nil
	if rec := e.p.recovery(); rec.Approvers != nil && (len(rec.Approvers.Users) > 0 || len(rec.Approvers.Groups) > 0) {
		e.st.Approvers = rec.Approvers.DeepCopy()
	}
}

// acknowledgement stamps when the customer was first contacted.
func (e *evaluation) acknowledgement() {
	ack := e.c.Spec.Acknowledgement
	if ack == nil || e.st.AcknowledgedAt != nil {
		return
	}
	at := e.factTime(e.rec.Acknowledgement, Start(e.c))
	e.st.AcknowledgedAt = metaTime(at)
	msg := fmt.Sprintf("Customer contacted by %s", ack.By)
	if ack.Note != "" {
		msg += ": " + ack.Note
	}
	e.emit(Transition{Event: supportv1.EventAcknowledged, Reason: string(supportv1.EventAcknowledged), Message: msg, By: ack.By, At: at})
}

// owner stamps when the complaint first got an owner (the assignment
// clock stops) and tells every change of owner, naming both.
func (e *evaluation) owner() {
	owner := e.c.Spec.Owner
	if owner != "" && e.st.OwnedAt == nil {
		e.st.OwnedAt = metaTime(e.factTime(e.rec.Owner, Start(e.c)))
	}
	if owner == e.st.Owner {
		return
	}
	if e.prev.Phase != "" {
		// At intake the owner is part of the record; a change after it is news.
		e.emit(Transition{Reason: supportv1.ReasonOwnerChanged, By: owner, At: e.factTime(e.rec.Owner, Start(e.c)),
			Message: fmt.Sprintf("Owner changed from %s to %s", text.OrNone(e.st.Owner), text.OrNone(owner))})
	}
	e.st.Owner = owner
}

// progressUpdate stamps each new progress update (recognised by its fingerprint).
func (e *evaluation) progressUpdate() {
	u := e.c.Spec.LastUpdate
	if u == nil {
		return
	}
	fp := Fingerprint(u)
	if fp == e.st.Seen.Update {
		return
	}
	e.st.Seen.Update = fp
	// An update follows the acknowledgement (or the start) and the update before it.
	notBefore := Start(e.c)
	for _, t := range []*metav1.Time{e.st.AcknowledgedAt, e.st.LastUpdateAt} {
		if t != nil && t.Time.After(notBefore) {
			notBefore = t.Time
		}
	}
	at := e.factTime(e.rec.LastUpdate, notBefore)
	e.st.LastUpdateAt = metaTime(at)
	msg := "Progress update given: " + u.Note
	if u.By != "" {
		msg = fmt.Sprintf("Progress update given by %s: %s", u.By, u.Note)
	}
	e.emit(Transition{Reason: supportv1.ReasonProgressUpdate, Message: msg, By: u.By, At: at})
}

// pause starts or ends a pause of the clocks; a pause that ends here is
// left in pauseEnded for the clocks.
func (e *evaluation) pause() {
	open := e.st.ResolvedAt == nil && e.st.ClosedAt == nil
	// Waiting for the customer's agreement is waiting on the customer.
	awaiting := open && e.st.AgreementRequestedAt != nil && e.st.RemediesRequestedAt == nil && e.p.pausesOn(supportv1.WaitingOnCustomer)
	pausing := open && (e.p.pausesOn(e.c.Spec.WaitingOn) || awaiting)
	switch {
	case pausing && e.st.WaitingSince == nil:
		// A pause begins when waitingOn was written (not before the complaint
		// started or reopened), or now when a policy change began it, or
		// when the proposal was put to the customer.
		recorded := e.rec.WaitingOn
		switch {
		case !e.p.pausesOn(e.c.Spec.WaitingOn):
			recorded = e.st.AgreementRequestedAt.Time
		case e.policyChanged():
			recorded = time.Time{}
		}
		at := e.factTime(recorded, e.restartedAt())
		e.st.WaitingSince = metaTime(at)
		on := string(e.c.Spec.WaitingOn)
		if !e.p.pausesOn(e.c.Spec.WaitingOn) {
			on = "the customer's agreement"
		}
		e.emit(Transition{Reason: supportv1.ReasonWaiting, At: at, Message: fmt.Sprintf("Waiting on %s: the clocks are paused", on)})
	case !pausing && e.st.WaitingSince != nil:
		since := e.st.WaitingSince.Time
		end := e.factTime(e.pauseEndRecorded(open, since), since)
		e.pauseEnded = &[2]time.Time{since, end}
		e.st.WaitingSince = nil
		e.emit(Transition{Reason: supportv1.ReasonResumed, At: end, Message: fmt.Sprintf("Clocks resumed after waiting %s", end.Sub(since))})
	}
}

// pauseEndRecorded is when the API server recorded the end of a pause
// begun at since; zero when nothing stamped it (it ends now).
func (e *evaluation) pauseEndRecorded(open bool, since time.Time) time.Time {
	switch {
	case !open && e.st.ResolvedAt != nil:
		// The resolution ended the pause.
		return e.st.ResolvedAt.Time
	case !e.agreementDeclinedAt.IsZero():
		// The customer's answer ended the wait for it.
		return e.agreementDeclinedAt
	case e.st.RemediesRequestedAt != nil && !e.st.RemediesRequestedAt.Time.Before(since):
		// The customer agreed: the departments carry it out.
		return e.st.RemediesRequestedAt.Time
	case e.c.Spec.WaitingOn != "" && !e.policyChanged() && e.rec.WaitingOn.After(since):
		// waitingOn changed to a value that does not pause: the change
		// made its writer the owner and was stamped.
		return e.rec.WaitingOn
	}
	// Removed (an update that only removes a field is not stamped), or the
	// policy no longer pauses: from now.
	return time.Time{}
}
