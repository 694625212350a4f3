package delivery

import (
	"testing"
	"time"
)

func TestExpiring(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	e := expiring[string, int]{ttl: time.Minute}
	e.put("a", 1, t0)
	e.put("b", 2, t0.Add(30*time.Second)) // no sweep: the last was at t0
	if v, ok := e.get("a"); !ok || v != 1 {
		t.Fatalf("a = %d, %t; want 1 before its ttl", v, ok)
	}
	e.put("c", 3, t0.Add(61*time.Second)) // sweeps: a is past its ttl, b is not
	if _, ok := e.get("a"); ok {
		t.Fatal("a outlived its ttl past a sweep")
	}
	if v, ok := e.get("b"); !ok || v != 2 {
		t.Fatalf("b = %d, %t; want 2 (30 s old)", v, ok)
	}
	e.put("c", 4, t0.Add(62*time.Second)) // no sweep within a ttl of the last
	if len(e.m) != 2 {
		t.Fatalf("%d entries, want b and c", len(e.m))
	}
	e.delete("b")
	if _, ok := e.get("b"); ok {
		t.Fatal("b still there after delete")
	}
}
