package webhook_test

import (
	"math"
	"testing"
	"time"

	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/webhook"
)

func TestBackoffDelayGrowthAndCap(t *testing.T) {
	b := webhook.Backoff{Base: time.Second, Max: time.Minute}
	tests := []struct {
		name   string
		failed int
		rnd    float64
		want   time.Duration
	}{
		{"first failure no jitter", 1, 0, 500 * time.Millisecond},
		{"second failure doubles", 2, 0, time.Second},
		{"third failure doubles again", 3, 0, 2 * time.Second},
		{"sixth failure", 6, 0, 16 * time.Second},
		{"seventh failure hits cap", 7, 0, 30 * time.Second},
		{"far past cap stays capped", 50, 0, 30 * time.Second},
		{"full jitter on first failure", 1, 0.5, 750 * time.Millisecond},
		{"zero failures treated as one", 0, 0, 500 * time.Millisecond},
		{"negative failures treated as one", -3, 0, 500 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := b.Delay(tt.failed, tt.rnd); got != tt.want {
				t.Errorf("Delay(%d, %v) = %v, want %v", tt.failed, tt.rnd, got, tt.want)
			}
		})
	}
}

func TestBackoffDelayJitterBounds(t *testing.T) {
	tests := []struct {
		name string
		b    webhook.Backoff
	}{
		{"seconds", webhook.Backoff{Base: time.Second, Max: time.Hour}},
		{"odd nanoseconds", webhook.Backoff{Base: 3, Max: 1001}},
		{"huge max", webhook.Backoff{Base: time.Millisecond, Max: math.MaxInt64}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for n := 1; n <= 80; n++ {
				// Expected ceiling d = min(Max, Base*2^(n-1)), computed with floats.
				d := min(float64(tt.b.Base)*math.Pow(2, float64(n-1)), float64(tt.b.Max))
				eps := max(1, d*1e-12) // float rounding for huge durations
				lo, hi := tt.b.Delay(n, 0), tt.b.Delay(n, 0.999)
				if float64(lo) < d/2-eps || float64(lo) > d/2+eps {
					t.Errorf("n=%d rnd=0: %v, want ~%v", n, lo, time.Duration(d/2))
				}
				if float64(hi) < 0.999*d-eps || float64(hi) > d+eps {
					t.Errorf("n=%d rnd=0.999: %v, want in [%v, %v]", n, hi, time.Duration(0.999*d), time.Duration(d))
				}
			}
		})
	}
}

func TestBackoffDelayNeverNonPositive(t *testing.T) {
	tests := []struct {
		name   string
		b      webhook.Backoff
		failed int
		rnd    float64
	}{
		{"zero value uses defaults", webhook.Backoff{}, 1, 0},
		{"negative durations use defaults", webhook.Backoff{Base: -time.Second, Max: -time.Second}, 3, 0},
		{"one nanosecond base", webhook.Backoff{Base: 1, Max: 1}, 1, 0},
		{"max below base", webhook.Backoff{Base: time.Second, Max: time.Millisecond}, 5, 0},
		{"NaN rnd", webhook.Backoff{Base: time.Second, Max: time.Minute}, 2, math.NaN()},
		{"negative rnd", webhook.Backoff{Base: time.Second, Max: time.Minute}, 2, -5},
		{"rnd above one", webhook.Backoff{Base: time.Second, Max: time.Minute}, 2, 7},
		{"max int attempts", webhook.Backoff{Base: time.Second, Max: time.Hour}, math.MaxInt, 0.999},
		{"max int attempts with max int64 cap", webhook.Backoff{Base: time.Second, Max: math.MaxInt64}, math.MaxInt, 0.999999999999},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.b.Delay(tt.failed, tt.rnd)
			if got <= 0 {
				t.Fatalf("Delay() = %v, want > 0", got)
			}
			maxD := tt.b.Max
			if maxD <= 0 {
				maxD = webhook.DefaultBackoff.Max
			}
			maxD = max(maxD, tt.b.Base)
			if got > maxD {
				t.Errorf("Delay() = %v, exceeds max %v", got, maxD)
			}
		})
	}

	t.Run("zero value matches DefaultBackoff", func(t *testing.T) {
		if a, b := (webhook.Backoff{}).Delay(4, 0.3), webhook.DefaultBackoff.Delay(4, 0.3); a != b {
			t.Errorf("zero Backoff %v != DefaultBackoff %v", a, b)
		}
	})
}

func TestNextAttempt(t *testing.T) {
	b := webhook.Backoff{Base: 10 * time.Second, Max: 5 * time.Minute}
	now := time.Date(2026, 11, 24, 12, 0, 0, 250e6, time.UTC)
	cases := []struct {
		name       string
		failed     int
		retryAfter time.Duration
		rnd        float64
		want       time.Time
	}{
		{"first failure, no jitter: half of 10s, next whole second", 1, 0, 0, time.Date(2026, 11, 24, 12, 0, 6, 0, time.UTC)},
		{"first failure, full jitter: 10s", 1, 0, 0.999999, time.Date(2026, 11, 24, 12, 0, 11, 0, time.UTC)},
		{"capped at Max", 20, 0, 0, time.Date(2026, 11, 24, 12, 2, 31, 0, time.UTC)},
		{"Retry-After longer than the backoff wins", 1, 2 * time.Minute, 0, time.Date(2026, 11, 24, 12, 2, 1, 0, time.UTC)},
		{"Retry-After shorter than the backoff loses", 3, time.Second, 0, time.Date(2026, 11, 24, 12, 0, 21, 0, time.UTC)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := b.NextAttempt(now, tc.failed, tc.retryAfter, tc.rnd); !got.Equal(tc.want) {
				t.Errorf("NextAttempt = %s, want %s", got, tc.want)
			}
		})
	}
}
