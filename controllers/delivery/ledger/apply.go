package ledger

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// Apply merges outcomes into list by (id, target). An outcome whose
// notification is gone, already finished, or already holds as many attempts
// is skipped: applying the same outcomes again (after a write conflict and a
// fresh read) changes nothing. It returns the new list (the input is not
// modified) and the outcomes that took effect.
func Apply(list []supportv1.Notification, outcomes []Record) ([]supportv1.Notification, []Record) {
	out := append([]supportv1.Notification(nil), list...)
	var applied []Record
	for _, o := range outcomes {
		i := indexOf(out, o.ID, o.Target)
		if i < 0 || out[i].Failed {
			continue
		}
		n := &out[i]
		if o.Attempts < n.Attempts || (o.Attempts == n.Attempts && !o.Failed) {
			continue // stale: a later attempt is already recorded
		}
		applied = append(applied, o)
		if o.Delivered {
			out = append(out[:i], out[i+1:]...)
			continue
		}
		n.Attempts, n.LastError, n.Failed, n.NextAttemptAt = o.Attempts, o.LastError, o.Failed, nil
		if !o.Failed {
			t := metav1.NewTime(o.NextAttemptAt)
			n.NextAttemptAt = &t
		}
	}
	return TrimFailed(out), applied
}

// TrimFailed keeps the newest MaxFailedKept failed notifications.
func TrimFailed(list []supportv1.Notification) []supportv1.Notification {
	failed := 0
	for _, x := range list {
		if x.Failed {
			failed++
		}
	}
	if failed <= MaxFailedKept {
		return list
	}
	out := list[:0:0]
	for _, x := range list {
		if x.Failed && failed > MaxFailedKept {
			failed--
			continue
		}
		out = append(out, x)
	}
	return out
}
