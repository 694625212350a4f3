package controllers

import (
	"testing"
	"time"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

func TestNextEscalationStatus(t *testing.T) {
	ack := &supportv1.EscalationAcknowledgement{By: "carol", Decision: "refund"}
	seen := func(e supportv1.Escalation, phase supportv1.EscalationPhase, policy string) supportv1.Escalation {
		e.Status.Phase, e.Status.Policy, e.Status.ComplaintUID = phase, policy, "c-uid"
		return e
	}
	open := escalationFacts{Phase: supportv1.EscalationOpen, ComplaintUID: "c-uid", Policy: "p", Targets: []string{"leads", "managers"}}
	with := func(f escalationFacts, edit func(*escalationFacts)) escalationFacts { edit(&f); return f }
	cases := []struct {
		name         string
		esc          supportv1.Escalation
		facts        escalationFacts
		wantTs       []string
		wantQueued   int
		wantPolicy   string
		wantNotified string // reason of the Notified condition
		wantReady    string // reason of the Ready condition
		wantClosed   bool
		wantAckStamp bool
	}{
		{"first sight queues one delivery per destination; the complaint's Event tells a level", esc("e", 1, supportv1.ReasonUpdateBreached, nil), open,
			nil, 2, "p", supportv1.ReasonPending, supportv1.ReasonReconciled, false, false},
		{"first sight before the complaint has a policy queues nothing and says so", esc("e", 1, supportv1.ReasonUpdateBreached, nil),
			with(open, func(f *escalationFacts) { f.Policy, f.Targets = "", nil }),
			nil, 0, "", supportv1.ReasonAwaitingPolicy, supportv1.ReasonReconciled, false, false},
		{"the policy known later queues the deliveries then", seen(esc("e", 1, supportv1.ReasonUpdateBreached, nil), supportv1.EscalationOpen, ""), open,
			nil, 2, "p", supportv1.ReasonPending, supportv1.ReasonReconciled, false, false},
		{"a policy without destinations for the level tells nobody, truthfully", esc("e", 1, supportv1.ReasonUpdateBreached, nil),
			with(open, func(f *escalationFacts) { f.Targets = nil }),
			nil, 0, "p", supportv1.ReasonNoDestinations, supportv1.ReasonReconciled, false, false},
		{"a request is told by its own Event; a complaint not seen yet leaves it open, not ready, not closed", esc("e", 1, supportv1.ReasonRequested, nil),
			escalationFacts{Phase: supportv1.EscalationOpen},
			[]string{"Escalated"}, 0, "", supportv1.ReasonAwaitingPolicy, supportv1.ReasonComplaintNotFound, false, false},
		{"an announced escalation seen again queues nothing more", seen(esc("e", 1, supportv1.ReasonUpdateBreached, nil), supportv1.EscalationOpen, "p"), open,
			nil, 0, "p", supportv1.ReasonNoDestinations, supportv1.ReasonReconciled, false, false},
		{"acknowledgement stamps its time", seen(esc("e", 1, supportv1.ReasonUpdateBreached, ack), supportv1.EscalationOpen, "p"),
			with(open, func(f *escalationFacts) { f.Phase = supportv1.EscalationAcknowledged }),
			[]string{"Acknowledged"}, 0, "p", supportv1.ReasonNoDestinations, supportv1.ReasonReconciled, false, true},
		{"a higher level supersedes", seen(esc("e", 1, supportv1.ReasonUpdateBreached, nil), supportv1.EscalationOpen, "p"),
			with(open, func(f *escalationFacts) { f.Phase = supportv1.EscalationSuperseded }),
			[]string{"Superseded"}, 0, "p", supportv1.ReasonNoDestinations, supportv1.ReasonReconciled, true, false},
		{"a level superseded at first sight (several fell due at once) is still announced", esc("e", 1, supportv1.ReasonUpdateBreached, nil),
			with(open, func(f *escalationFacts) { f.Phase = supportv1.EscalationSuperseded }),
			[]string{"Superseded"}, 2, "p", supportv1.ReasonPending, supportv1.ReasonReconciled, true, false},
		{"a level closed at first sight (the complaint was resolved meanwhile) is still announced", esc("e", 1, supportv1.ReasonUpdateBreached, nil),
			with(open, func(f *escalationFacts) { f.Phase = supportv1.EscalationClosed }),
			[]string{"Closed"}, 2, "p", supportv1.ReasonPending, supportv1.ReasonReconciled, true, false},
		{"a level superseded before its complaint's policy was known is announced once it is", seen(esc("e", 1, supportv1.ReasonUpdateBreached, nil), supportv1.EscalationSuperseded, ""),
			with(open, func(f *escalationFacts) { f.Phase = supportv1.EscalationSuperseded }),
			nil, 2, "p", supportv1.ReasonPending, supportv1.ReasonReconciled, false, false},
		{"resolution closes; one closed before its policy was known is still announced once it is", seen(esc("e", 1, supportv1.ReasonUpdateBreached, nil), supportv1.EscalationOpen, ""),
			with(open, func(f *escalationFacts) { f.Phase = supportv1.EscalationClosed }),
			[]string{"Closed"}, 2, "p", supportv1.ReasonPending, supportv1.ReasonReconciled, true, false},
		{"resolution closes a policy-less escalation: nothing to announce yet", seen(esc("e", 1, supportv1.ReasonUpdateBreached, nil), supportv1.EscalationOpen, ""),
			with(open, func(f *escalationFacts) { f.Phase, f.Policy, f.Targets = supportv1.EscalationClosed, "", nil }),
			[]string{"Closed"}, 0, "", supportv1.ReasonAwaitingPolicy, supportv1.ReasonReconciled, true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, ts := nextEscalationStatus(&tc.esc, tc.facts, statusNow.Add(300*time.Millisecond))
			var got []string
			for _, x := range ts {
				got = append(got, x.Reason)
			}
			if !equalStrings(got, tc.wantTs) {
				t.Errorf("transitions = %v, want %v", got, tc.wantTs)
			}
			if st.Phase != tc.facts.Phase {
				t.Errorf("phase = %s, want %s", st.Phase, tc.facts.Phase)
			}
			if len(st.Notifications) != tc.wantQueued || st.Policy != tc.wantPolicy {
				t.Errorf("queued %d for policy %q, want %d for %q", len(st.Notifications), st.Policy, tc.wantQueued, tc.wantPolicy)
			}
			if c := apimeta.FindStatusCondition(st.Conditions, supportv1.ConditionNotified); c == nil || c.Reason != tc.wantNotified || c.Status != metav1.ConditionFalse {
				t.Errorf("Notified = %+v, want False/%s", c, tc.wantNotified)
			}
			if c := apimeta.FindStatusCondition(st.Conditions, supportv1.ConditionReady); c == nil || c.Reason != tc.wantReady {
				t.Errorf("Ready = %+v, want reason %s", c, tc.wantReady)
			}
			if st.NotifiedAt != nil || (st.ClosedAt != nil) != tc.wantClosed || (st.AcknowledgedAt != nil) != tc.wantAckStamp {
				t.Errorf("stamps notified=%v closed=%v acknowledged=%v", st.NotifiedAt, st.ClosedAt, st.AcknowledgedAt)
			}
			for _, ts := range []*metav1.Time{st.ClosedAt, st.AcknowledgedAt} {
				if ts != nil && !ts.Time.Equal(statusNow) {
					t.Errorf("stamp %s, want %s (second precision)", ts.Time, statusNow)
				}
			}
			if tc.facts.ComplaintUID != "" && st.ComplaintUID != tc.facts.ComplaintUID {
				t.Errorf("complaintUID = %q", st.ComplaintUID)
			}
		})
	}
}

func TestJudgeComplaint(t *testing.T) {
	withUID := func(uid string) *supportv1.Complaint {
		return &supportv1.Complaint{ObjectMeta: metav1.ObjectMeta{Name: "c", UID: types.UID(uid)}}
	}
	seenWith := func(uid string) supportv1.Escalation {
		e := esc("e", 1, supportv1.ReasonRequested, nil)
		e.Status.ComplaintUID = uid
		return e
	}
	ownedBy := func(uid string) supportv1.Escalation {
		e := esc("e", 1, supportv1.ReasonFirstResponseBreached, nil)
		e.OwnerReferences = []metav1.OwnerReference{{Kind: "Complaint", Name: "c", UID: types.UID(uid)}}
		return e
	}
	cases := []struct {
		name        string
		esc         supportv1.Escalation
		found       *supportv1.Complaint
		wantCurrent bool
		wantGone    bool
	}{
		{"never seen and not there: waits, not gone", seenWith(""), nil, false, false},
		{"never seen and there: it is the one", seenWith(""), withUID("u1"), true, false},
		{"seen and there", seenWith("u1"), withUID("u1"), true, false},
		{"seen and deleted: gone", seenWith("u1"), nil, false, true},
		{"seen and recreated under the same name: gone", seenWith("u1"), withUID("u2"), false, true},
		{"owned by a deleted complaint: gone", ownedBy("u1"), nil, false, true},
		{"owned by a replaced complaint: gone", ownedBy("u1"), withUID("u2"), false, true},
		{"owned and there", ownedBy("u1"), withUID("u1"), true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			current, gone := judgeComplaint(&tc.esc, tc.found)
			if (current != nil) != tc.wantCurrent || gone != tc.wantGone {
				t.Errorf("judgeComplaint = %v, %v; want current %v, gone %v", current, gone, tc.wantCurrent, tc.wantGone)
			}
		})
	}
}
