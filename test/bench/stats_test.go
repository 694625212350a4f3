package main

import (
	"testing"
	"time"
)

func TestSummarize(t *testing.T) {
	t0 := time.Unix(1000, 0)
	var s []sample
	for i := 1; i <= 100; i++ {
		s = append(s, sample{ref: t0, seen: t0.Add(time.Duration(i) * time.Millisecond)})
	}
	l := summarize(s, t0.Add(time.Second))
	if l.Seen != 100 || l.Missing != 0 || *l.P50Ms != 50 || *l.P99Ms != 99 || *l.MaxMs != 100 {
		t.Fatalf("got %+v", l)
	}
	// Two missing of 100: ranked at their least lateness (5 s), p99 and max
	// fall on them and are lower bounds; p50 is the seen 51st.
	s[0].seen, s[1].seen = time.Time{}, time.Time{}
	l = summarize(s, t0.Add(5*time.Second))
	if l.Missing != 2 || l.Seen != 98 || !l.P99Bound || !l.MaxBound || l.P50Bound || *l.P50Ms != 52 || *l.P99Ms != 5000 {
		t.Fatalf("got %+v", l)
	}
	if got := l.triple(); got != "0.05s / >5.00s / >5.00s" {
		t.Fatalf("printed %q", got)
	}
	if within(l.P99Ms, l.P99Bound, time.Hour) || !within(l.P50Ms, l.P50Bound, time.Second) {
		t.Fatal("a lower bound is never within a limit")
	}
	// A missing one due late in the window may be less late than seen ones:
	// it ranks by its bound, and every percentile from it on is a bound.
	late := []sample{{ref: t0, seen: t0.Add(time.Second)}, {ref: t0, seen: t0.Add(9 * time.Second)}, {ref: t0.Add(8 * time.Second)}}
	l = summarize(late, t0.Add(10*time.Second))
	if *l.P50Ms != 2000 || !l.P50Bound || *l.MaxMs != 9000 || !l.MaxBound {
		t.Fatalf("got %+v", l)
	}
	if l = summarize(late[:2], t0.Add(10*time.Second)); l.MaxBound || *l.MaxMs != 9000 || *l.P50Ms != 1000 {
		t.Fatalf("all seen: %+v", l)
	}
	if l := summarize(nil, t0); l.triple() != "- / - / -" {
		t.Fatalf("empty: %q", l.triple())
	}
}

func TestParseProm(t *testing.T) {
	in := []byte(`# HELP apiserver_request_total Counter
# TYPE apiserver_request_total counter
apiserver_request_total{code="201",component="apiserver",group="support.servicedesk.dev",resource="complaints",subresource="",verb="POST",version="v1alpha1"} 500
apiserver_request_total{code="200",group="",resource="events",verb="PUT",msg="a \"quoted\", odd}"} 3
workqueue_depth{controller="complaint",name="complaint"} 7
process_cpu_seconds_total 12.5
`)
	got := parseProm(in, func(string) bool { return true })
	if len(got) != 4 {
		t.Fatalf("got %d metrics: %+v", len(got), got)
	}
	if got[0].labels["resource"] != "complaints" || got[0].labels["verb"] != "POST" || got[0].value != 500 {
		t.Fatalf("first: %+v", got[0])
	}
	if got[1].labels["msg"] != `a "quoted", odd}` || got[1].value != 3 {
		t.Fatalf("escaped: %+v", got[1])
	}
	if got[3].name != "process_cpu_seconds_total" || got[3].value != 12.5 || len(got[3].labels) != 0 {
		t.Fatalf("no labels: %+v", got[3])
	}
	only := parseProm(in, func(n string) bool { return n == "workqueue_depth" })
	if len(only) != 1 || only[0].value != 7 {
		t.Fatalf("filtered: %+v", only)
	}
}

func TestCounters(t *testing.T) {
	d := counters{"a": 5, "b": 2, "c": 1}.sub(counters{"a": 1, "b": 2})
	if len(d) != 2 || d["a"] != 4 || d["c"] != 1 || d.total() != 5 {
		t.Fatalf("got %v", d)
	}
	if k := d.sortedKeys(); k[0] != "a" {
		t.Fatalf("order %v", k)
	}
}

func TestProbeRate(t *testing.T) {
	for _, tc := range []struct{ pass, fail, want int }{
		{10, 50, 30}, {10, 30, 20}, {30, 50, 40}, {0, 10, 5}, {10, 11, 0}, {200, 0, 0}, {0, 1, 0},
	} {
		if got := probeRate(tc.pass, tc.fail); got != tc.want {
			t.Errorf("probeRate(%d, %d) = %d, want %d", tc.pass, tc.fail, got, tc.want)
		}
	}
}
