package sla

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
)

// history appends a history entry per transition of this evaluation.
func (e *evaluation) history() {
	entries := make([]supportv1.HistoryEntry, 0, len(e.out))
	for _, t := range e.out {
		entries = append(entries, t.HistoryEntry())
	}
	e.st.AppendHistory(entries...)
}

// HistoryEntry is the transition as a step of the complaint's story: at its
// time to the second, with the sentence and the facts a program reads
// (kubectl desk timeline never parses the sentence).
func (t Transition) HistoryEntry() supportv1.HistoryEntry {
	return supportv1.HistoryEntry{
		Time: metav1.NewTime(t.At.Truncate(time.Second)), Event: t.Reason, Message: t.Message,
		Clock: t.Clock, Escalation: t.Escalation, Level: t.Level, Reason: t.EscalationReason, By: t.By, Remedy: t.Remedy,
	}
}
