package sla

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// BenchmarkEvaluate measures one reconcile's decision for an open complaint
// under a business-hours policy, and reports the cost of a full pass over
// 10,000 open complaints.
func BenchmarkEvaluate(b *testing.B) {
	sp := &supportv1.ServicePolicy{ObjectMeta: metav1.ObjectMeta{Name: "office"}, Spec: supportv1.ServicePolicySpec{
		BusinessHours: &supportv1.BusinessHours{TimeZone: "Europe/Berlin", Weekly: []supportv1.WeeklyHours{
			{Days: []supportv1.Weekday{"Mon", "Tue", "Wed", "Thu", "Fri"}, From: "09:00", To: "18:00"}}, Holidays: []string{"2026-12-25"}},
		Targets: supportv1.Targets{FirstResponse: &metav1.Duration{Duration: 15 * time.Minute}, Update: &metav1.Duration{Duration: 4 * time.Hour},
			Resolution: &metav1.Duration{Duration: 24 * time.Hour}, AtRiskPercent: 75},
	}}
	p, err := Compile(sp)
	if err != nil {
		b.Fatal(err)
	}
	created := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	c := &supportv1.Complaint{
		ObjectMeta: metav1.ObjectMeta{Name: "c", CreationTimestamp: metav1.NewTime(created)},
		Spec: supportv1.ComplaintSpec{Customer: supportv1.Customer{Name: "Acme"}, Category: supportv1.CategoryMissedDeadline, Summary: "late",
			Acknowledgement: &supportv1.Acknowledgement{By: "bob"}},
	}
	// managedFields as the cache keeps them (CompactManagedFields).
	for _, e := range []struct {
		manager string
		at      time.Time
		fields  string
	}{
		{"kubectl-create", created, `{"f:spec":{}}`},
		{"agent-ui", created.Add(10 * time.Minute), `{"f:spec":{"f:acknowledgement":{}}}`},
	} {
		c.ManagedFields = append(c.ManagedFields, metav1.ManagedFieldsEntry{Manager: e.manager, Operation: metav1.ManagedFieldsOperationUpdate,
			Time: &metav1.Time{Time: e.at}, FieldsType: "FieldsV1", FieldsV1: metav1.NewFieldsV1(e.fields)})
	}
	now := created.Add(time.Hour)
	c.Status = Evaluate(Input{Complaint: c, Policy: p, Now: now}).Status
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Evaluate(Input{Complaint: c, Policy: p, Now: now.Add(time.Duration(i%3600) * time.Second)})
	}
	b.StopTimer()
	perOp := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64((perOp * 10000).Milliseconds()), "ms/10k-complaints")
}
