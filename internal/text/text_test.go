package text

import "testing"

func TestOrDashOrNone(t *testing.T) {
	for _, tc := range []struct{ in, dash, none string }{
		{"", "-", "(none)"},
		{"gold", "gold", "gold"},
		{" ", " ", " "},
	} {
		if got := OrDash(tc.in); got != tc.dash {
			t.Errorf("OrDash(%q) = %q, want %q", tc.in, got, tc.dash)
		}
		if got := OrNone(tc.in); got != tc.none {
			t.Errorf("OrNone(%q) = %q, want %q", tc.in, got, tc.none)
		}
	}
}
