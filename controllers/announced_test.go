package controllers

import (
	"testing"
	"time"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/ledger"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/sla"
)

// announcedLevel is a ladder level its complaint announces.
func announcedLevel(name string) supportv1.Escalation {
	e := esc(name, 1, supportv1.ReasonFirstResponseBreached, nil)
	e.Annotations = map[string]string{supportv1.AnnotationAnnouncedBy: supportv1.AnnouncedByComplaint}
	e.Status.Phase = supportv1.EscalationOpen // the CRD's default
	return e
}

func TestQueueLevels(t *testing.T) {
	hook := &supportv1.Webhook{URL: "http://127.0.0.1:1/x"}
	policy := &sla.Policy{Name: "p", Spec: &supportv1.ServicePolicySpec{
		Notify: []supportv1.NotifyTarget{
			{Name: "leads", Events: []supportv1.EventType{supportv1.EventEscalated}, Webhook: hook},
			{Name: "pager", Webhook: hook},
		},
		Escalation: &supportv1.EscalationPolicy{Levels: []supportv1.EscalationLevel{{Name: "lvl", Notify: []string{"pager"}}}},
	}}
	level, own := announcedLevel("c-lvl"), esc("c-old", 1, supportv1.ReasonFirstResponseBreached, nil)
	request := announcedLevel("c-ask")
	request.Spec.Reason = supportv1.ReasonRequested
	c := &supportv1.Complaint{ObjectMeta: metav1.ObjectMeta{Name: "c", UID: "c-uid"}}
	news := []sla.Transition{escalatedTransition(&level, statusNow), escalatedTransition(&own, statusNow), escalatedTransition(&request, statusNow)}
	st := &supportv1.ComplaintStatus{NotificationSeq: 4}
	queueLevels(c, st, policy, news, []supportv1.Escalation{level, own, request})
	var got []string
	for _, n := range st.Notifications {
		got = append(got, string(n.Event)+">"+n.Target+">"+n.Escalation)
		if n.ID != ledger.EscalatedID("c-lvl-uid") {
			t.Errorf("id %s: an announced level keeps its escalation's Escalated id", n.ID)
		}
	}
	if want := []string{"Escalated>leads>c-lvl", "Escalated>pager>c-lvl"}; !equalStrings(got, want) {
		t.Fatalf("queued %v, want %v: only the level its complaint announces, to the level's destinations", got, want)
	}
	if st.NotificationSeq != 4 {
		t.Errorf("notificationSeq moved to %d: the level's id is its own", st.NotificationSeq)
	}
	again := st.DeepCopy()
	queueLevels(c, again, policy, news[:1], []supportv1.Escalation{level})
	if len(again.Notifications) != 2 {
		t.Errorf("queued twice: %d entries", len(again.Notifications))
	}
	if none := (&supportv1.ComplaintStatus{}); queueLevels(c, none, nil, news, []supportv1.Escalation{level}) != nil || len(none.Notifications) != 0 {
		t.Error("no policy, nothing queued")
	}
}

func TestAnnouncedLevelStatus(t *testing.T) {
	open := escalationFacts{Phase: supportv1.EscalationOpen, ComplaintUID: "c-uid", Policy: "p", Targets: []string{"leads"}}
	pending := []supportv1.Notification{{ID: "x", Target: "leads", Event: supportv1.EventEscalated, Attempts: 1, LastError: "HTTP 503"}}
	failed := []supportv1.Notification{{ID: "x", Target: "leads", Event: supportv1.EventEscalated, Attempts: 20, Failed: true, LastError: "HTTP 503"}}
	written := announcedLevel("e")
	written.Status.ObservedGeneration = 1
	acked := announcedLevel("e")
	acked.Spec.Acknowledgement = &supportv1.EscalationAcknowledgement{By: "carol"}
	cases := []struct {
		name          string
		esc           supportv1.Escalation
		facts         escalationFacts
		wantNotified  metav1.ConditionStatus
		wantReason    string
		wantUntouched bool
	}{
		{"told by its complaint: nothing to write", announcedLevel("e"), open, metav1.ConditionTrue, supportv1.ReasonDelivered, true},
		{"nobody to tell: nothing to write either", announcedLevel("e"), func() escalationFacts { f := open; f.Targets = nil; return f }(),
			metav1.ConditionFalse, supportv1.ReasonNoDestinations, true},
		{"its complaint still telling it: written, Reconciling", announcedLevel("e"), func() escalationFacts { f := open; f.Announcement = pending; return f }(),
			metav1.ConditionFalse, supportv1.ReasonPending, false},
		{"its complaint gave up: written, DeliveryFailed", announcedLevel("e"), func() escalationFacts { f := open; f.Announcement = failed; return f }(),
			metav1.ConditionFalse, supportv1.ReasonDeliveryFailed, false},
		{"acknowledged: written", acked, func() escalationFacts { f := open; f.Phase = supportv1.EscalationAcknowledged; return f }(),
			metav1.ConditionTrue, supportv1.ReasonDelivered, false},
		{"once written, kept current", written, open, metav1.ConditionTrue, supportv1.ReasonDelivered, false},
		{"its complaint not there: written, not Ready", announcedLevel("e"), escalationFacts{Phase: supportv1.EscalationOpen, Policy: "p", Targets: []string{"leads"}},
			metav1.ConditionTrue, supportv1.ReasonDelivered, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, ts := nextEscalationStatus(&tc.esc, tc.facts, statusNow.Add(300*time.Millisecond))
			if len(st.Notifications) != 0 {
				t.Errorf("queued %d on the escalation: its complaint announces it", len(st.Notifications))
			}
			c := apimeta.FindStatusCondition(st.Conditions, supportv1.ConditionNotified)
			if c == nil || c.Status != tc.wantNotified || c.Reason != tc.wantReason {
				t.Errorf("Notified = %+v, want %s/%s", c, tc.wantNotified, tc.wantReason)
			}
			if got := untouchedLevel(&tc.esc, st, ts); got != tc.wantUntouched {
				t.Errorf("untouched = %v, want %v", got, tc.wantUntouched)
			}
		})
	}
	self := esc("e", 1, supportv1.ReasonFirstResponseBreached, nil)
	if st, ts := nextEscalationStatus(&self, open, statusNow); untouchedLevel(&self, st, ts) || len(st.Notifications) != 1 {
		t.Errorf("an escalation without the annotation announces itself (queued %d) and is written", len(st.Notifications))
	}
}
