package controllers

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/controllers/sla"
)

func TestRetentionDue(t *testing.T) {
	closedAt := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	retaining := &sla.Policy{Spec: &supportv1.ServicePolicySpec{Retention: &supportv1.Retention{ClosedFor: metav1.Duration{Duration: 720 * time.Hour}}}}
	closed := func(phase supportv1.Phase, at *time.Time) *supportv1.Complaint {
		c := &supportv1.Complaint{}
		c.Status.Phase = phase
		if at != nil {
			c.Status.ClosedAt = &metav1.Time{Time: *at}
		}
		return c
	}
	tests := []struct {
		name    string
		c       *supportv1.Complaint
		policy  *sla.Policy
		want    time.Time
		wantDue bool
	}{
		{"closed under a retaining policy: closedAt + closedFor", closed(supportv1.PhaseClosed, &closedAt), retaining, closedAt.Add(720 * time.Hour), true},
		{"no policy", closed(supportv1.PhaseClosed, &closedAt), nil, time.Time{}, false},
		{"policy without retention", closed(supportv1.PhaseClosed, &closedAt), &sla.Policy{Spec: &supportv1.ServicePolicySpec{}}, time.Time{}, false},
		{"reopened after a close: open again, never retired", closed(supportv1.PhaseReopened, &closedAt), retaining, time.Time{}, false},
		{"closed phase without closedAt yet", closed(supportv1.PhaseClosed, nil), retaining, time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, due := retentionDue(tt.c, tt.policy)
			if due != tt.wantDue || !got.Equal(tt.want) {
				t.Errorf("retentionDue = %s, %v; want %s, %v", got, due, tt.want, tt.wantDue)
			}
		})
	}
}

func TestArchivePending(t *testing.T) {
	n := func(ev supportv1.EventType, failed bool) supportv1.Notification {
		return supportv1.Notification{Event: ev, Failed: failed}
	}
	tests := []struct {
		name   string
		ledger []supportv1.Notification
		want   bool
	}{
		{"empty ledger", nil, false},
		{"other events pending do not hold the deletion", []supportv1.Notification{n(supportv1.EventBreached, false)}, false},
		{"an Archived delivery under way holds it", []supportv1.Notification{n(supportv1.EventArchived, false)}, true},
		{"an Archived delivery given up lets it go", []supportv1.Notification{n(supportv1.EventArchived, true)}, false},
		{"one destination done, another under way", []supportv1.Notification{n(supportv1.EventArchived, true), n(supportv1.EventArchived, false)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := archivePending(tt.ledger); got != tt.want {
				t.Errorf("archivePending = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestArchiveTargets(t *testing.T) {
	p := &sla.Policy{Spec: &supportv1.ServicePolicySpec{}}
	p.Spec.Notify = []supportv1.NotifyTarget{
		{Name: "crm", Events: []supportv1.EventType{supportv1.EventCreated}, Webhook: &supportv1.Webhook{URL: "https://crm.example/x"}},
		{Name: "records", Events: []supportv1.EventType{supportv1.EventArchived}, Webhook: &supportv1.Webhook{URL: "https://records.example/x"}},
		{Name: "nowhere", Events: []supportv1.EventType{supportv1.EventArchived}}, // no webhook: nobody to hold a deletion for
	}
	if got := archiveTargets(p); len(got) != 1 || got[0] != "records" {
		t.Errorf("archiveTargets = %v, want [records]", got)
	}
	if got := archiveTargets(nil); got != nil {
		t.Errorf("archiveTargets(nil) = %v, want none", got)
	}
}
