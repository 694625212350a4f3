package main

import (
	"testing"
	"time"
)

func TestParseFlagsUntilEscalated(t *testing.T) {
	o, err := parseFlags([]string{"--until-escalated", "2m", "--demo-first-response", "1s", "--port", "0"})
	if err != nil || o.untilEscalated != 2*time.Minute || o.firstResponse != time.Second {
		t.Fatalf("parseFlags = %+v, %v", o, err)
	}
	if o, err := parseFlags(nil); err != nil || o.untilEscalated != 0 {
		t.Fatalf("default: %+v, %v; want 0 (run until Ctrl-C)", o, err)
	}
	for _, args := range [][]string{
		{"--until-escalated", "1m", "--demo=false"}, // nothing would escalate
		{"--until-escalated", "-1s"},
	} {
		if _, err := parseFlags(args); err == nil {
			t.Errorf("parseFlags(%q): no error", args)
		}
	}
}
