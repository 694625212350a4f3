package desk

import (
	"testing"
	"time"
)

func TestShort(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s", 1500 * time.Millisecond: "2s", 59 * time.Second: "59s", 90 * time.Second: "1m30s", time.Hour: "1h",
		3*time.Hour + 20*time.Minute + 5*time.Second: "3h20m", 52 * time.Hour: "2d4h", -5 * time.Minute: "-5m",
	} {
		if got := Short(d); got != want {
			t.Errorf("Short(%s) = %s, want %s", d, got, want)
		}
	}
}

func TestParseSince(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{"7d", 7 * 24 * time.Hour, false},
		{"36h", 36 * time.Hour, false},
		{"1d12h", 36 * time.Hour, false},
		{"90m", 90 * time.Minute, false},
		{"soon", 0, true},
		{"0d", 0, true},
		{"-1h", 0, true},
		{"7days", 0, true},
	} {
		got, err := ParseSince(tc.in)
		if got != tc.want || (err != nil) != tc.err {
			t.Errorf("ParseSince(%q) = %s, %v; want %s, error %t", tc.in, got, err, tc.want, tc.err)
		}
	}
}
