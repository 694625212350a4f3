package main

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// story creates a policy and a complaint nobody answers, and waits for its
// due times and then its escalation.
func story(ctx context.Context, c client.Client, firstResponse time.Duration) error {
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}); err != nil {
		return err
	}
	policy, complaint := storyObjects(firstResponse)
	if err := step(fmt.Sprintf("ServicePolicy %s/%s (first response %s, ladder: team-lead)", namespace, policy.Name, firstResponse), func() error {
		return c.Create(ctx, policy)
	}); err != nil {
		return err
	}
	var created time.Time
	if err := step("Complaint "+namespace+"/"+complaint.Name, func() error {
		created = time.Now()
		return c.Create(ctx, complaint)
	}); err != nil {
		return err
	}
	var due time.Time
	if err := step("due times in status", func() (err error) {
		due, err = waitDueTimes(ctx, c, complaint, created)
		return err
	}); err != nil {
		return err
	}
	if err := step("Escalation after the breach", func() error {
		return waitEscalation(ctx, c, complaint.Name, due, firstResponse+60*time.Second)
	}); err != nil {
		return err
	}
	return step("Complaint records the breach and the escalation", func() error {
		return waitBreachRecorded(ctx, c, complaint)
	})
}

// storyObjects are the story's policy (first response firstResponse, one
// escalation level, team-lead, at once) and its complaint.
func storyObjects(firstResponse time.Duration) (*supportv1.ServicePolicy, *supportv1.Complaint) {
	d := func(d time.Duration) *metav1.Duration { return &metav1.Duration{Duration: d} }
	policy := &supportv1.ServicePolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "image-test", Namespace: namespace},
		Spec: supportv1.ServicePolicySpec{
			Targets: supportv1.Targets{FirstResponse: d(firstResponse), Resolution: d(time.Hour)},
			Escalation: &supportv1.EscalationPolicy{Levels: []supportv1.EscalationLevel{
				{Name: "team-lead", After: metav1.Duration{}},
			}},
		},
	}
	complaint := &supportv1.Complaint{
		ObjectMeta: metav1.ObjectMeta{Name: "late-delivery", Namespace: namespace},
		Spec: supportv1.ComplaintSpec{
			Customer: supportv1.Customer{Name: "Acme Pharmacy", Tier: supportv1.TierKey},
			Category: supportv1.CategoryMissedDeadline, Severity: supportv1.SeverityHigh, Channel: "Phone",
			Summary: "Insulin promised for Saturday not delivered", RecordedBy: "image-test",
		},
	}
	return policy, complaint
}

// waitDueTimes waits until complaint (read into it) has its policy and its
// firstResponse due time, and returns that.
func waitDueTimes(ctx context.Context, c client.Client, complaint *supportv1.Complaint, created time.Time) (time.Time, error) {
	key := client.ObjectKeyFromObject(complaint)
	var due time.Time
	err := poll(ctx, 30*time.Second, func() (bool, error) {
		if err := c.Get(ctx, key, complaint); err != nil {
			return false, err
		}
		fr := complaint.Status.Clocks.FirstResponse
		if fr == nil || fr.DueAt == nil || complaint.Status.Policy == "" {
			return false, nil
		}
		due = fr.DueAt.Time
		say("  status %s after the create: policy %s, phase %s, firstResponse due %s (%s after the report)",
			time.Since(created).Round(time.Millisecond), complaint.Status.Policy, complaint.Status.Phase,
			due.Format(time.RFC3339), due.Sub(complaint.CreationTimestamp.Time))
		if r := complaint.Status.Clocks.Resolution; r != nil && r.DueAt != nil {
			say("  resolution due %s", r.DueAt.Format(time.RFC3339))
		}
		return true, nil
	})
	return due, err
}

// waitEscalation waits, at most wait, for the complaint's Escalation, which
// must be level 1 (team-lead) for the first-response breach.
func waitEscalation(ctx context.Context, c client.Client, complaint string, due time.Time, wait time.Duration) error {
	return poll(ctx, wait, func() (bool, error) {
		var escs supportv1.EscalationList
		if err := c.List(ctx, &escs, client.InNamespace(namespace)); err != nil {
			return false, err
		}
		for _, e := range escs.Items {
			if e.Spec.ComplaintName != complaint {
				continue
			}
			say("  %s: level %d (%s), reason %s, seen %s after the due time",
				e.Name, e.Spec.Level, e.Spec.LevelName, e.Spec.Reason, time.Since(due).Round(time.Millisecond))
			if e.Spec.Level != 1 || e.Spec.LevelName != "team-lead" || e.Spec.Reason != supportv1.ReasonFirstResponseBreached {
				return false, fmt.Errorf("escalation %s: level %d %q reason %s, want level 1 team-lead FirstResponseBreached",
					e.Name, e.Spec.Level, e.Spec.LevelName, e.Spec.Reason)
			}
			return true, nil
		}
		return false, nil
	})
}

// waitBreachRecorded waits until the complaint's status shows its
// firstResponse clock breached and an escalation.
func waitBreachRecorded(ctx context.Context, c client.Client, complaint *supportv1.Complaint) error {
	key := client.ObjectKeyFromObject(complaint)
	return poll(ctx, 30*time.Second, func() (bool, error) {
		if err := c.Get(ctx, key, complaint); err != nil {
			return false, err
		}
		fr := complaint.Status.Clocks.FirstResponse
		if fr == nil || fr.State != supportv1.ClockBreached || len(complaint.Status.Escalations) == 0 {
			return false, nil
		}
		say("  phase %s, firstResponse %s, escalations in status: %d", complaint.Status.Phase, fr.State, len(complaint.Status.Escalations))
		return true, nil
	})
}

// poll calls cond every 100ms until it is true or fails, at most wait.
func poll(ctx context.Context, wait time.Duration, cond func() (bool, error)) error {
	deadline := time.Now().Add(wait)
	for {
		ok, err := cond()
		if err != nil || ok {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not within %s", wait)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
