package requeue

import (
	"testing"
	"time"
)

func TestAtAndEarliest(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		next time.Time
		want time.Duration
	}{
		{"nothing next", time.Time{}, 0},
		{"in a minute", now.Add(time.Minute), time.Minute},
		{"due now never spins", now, MinDelay},
		{"overdue never spins", now.Add(-time.Hour), MinDelay},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := At(tc.next, now).RequeueAfter; got != tc.want {
				t.Errorf("At = %s, want %s", got, tc.want)
			}
		})
	}
	a, b := now, now.Add(time.Second)
	for _, tc := range []struct{ x, y, want time.Time }{{a, b, a}, {b, a, a}, {time.Time{}, b, b}, {a, time.Time{}, a}, {time.Time{}, time.Time{}, time.Time{}}} {
		if got := Earliest(tc.x, tc.y); !got.Equal(tc.want) {
			t.Errorf("Earliest(%s, %s) = %s, want %s", tc.x, tc.y, got, tc.want)
		}
	}
}
