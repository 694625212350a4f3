package v1alpha1

import (
	"slices"
	"testing"
)

func TestDestinationsFor(t *testing.T) {
	hook := &Webhook{URL: "https://example.com/hook"}
	target := func(name string, events []EventType, withHook bool) NotifyTarget {
		nt := NotifyTarget{Name: name, Events: events}
		if withHook {
			nt.Webhook = hook
		}
		return nt
	}
	breached := []EventType{EventBreached}
	escalated := []EventType{EventEscalated}
	both := []EventType{EventCreated, EventBreached}

	tests := []struct {
		name   string
		notify []NotifyTarget
		ev     EventType
		extra  []string
		want   []string
	}{
		{"no policy targets", nil, EventBreached, []string{"crm"}, nil},
		{"entry listing the event", []NotifyTarget{target("crm", both, true)}, EventBreached, nil, []string{"crm"}},
		{"entry not wanting the event", []NotifyTarget{target("crm", escalated, true)}, EventBreached, nil, nil},
		{"entry wanting the event without a webhook", []NotifyTarget{target("crm", breached, false)}, EventBreached, nil, nil},
		{
			"extra name adds an entry that does not list the event",
			[]NotifyTarget{target("crm", breached, true), target("pager", escalated, true), target("chat", escalated, true)},
			EventBreached, []string{"pager"}, []string{"crm", "pager"},
		},
		{
			"extra name of an entry without a webhook is skipped",
			[]NotifyTarget{target("crm", nil, false)}, EventEscalated, []string{"crm"}, nil,
		},
		{
			"unknown extra names are ignored",
			[]NotifyTarget{target("crm", escalated, true)}, EventEscalated, []string{"nobody", "crm"}, []string{"crm"},
		},
		{
			"no duplicates when wanted and also named as extra",
			[]NotifyTarget{target("crm", escalated, true)}, EventEscalated, []string{"crm", "crm"}, []string{"crm"},
		},
		{
			"no duplicates when the policy repeats a name",
			[]NotifyTarget{target("crm", escalated, true), target("pager", escalated, true), target("crm", escalated, true)},
			EventEscalated, nil, []string{"crm", "pager"},
		},
		{
			"policy order wins over the order of extra names",
			[]NotifyTarget{target("a", nil, true), target("b", escalated, true), target("c", nil, true)},
			EventEscalated, []string{"c", "a"}, []string{"a", "b", "c"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := ServicePolicySpec{Notify: tt.notify}
			if got := spec.DestinationsFor(tt.ev, tt.extra); !slices.Equal(got, tt.want) {
				t.Errorf("DestinationsFor() = %v, want %v", got, tt.want)
			}
		})
	}
}
