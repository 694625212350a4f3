package main

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Latency summarises how late a set of expected things happened. One never
// seen before the observation ended is ranked at the least it is late (the
// end of the observation minus its reference time); a percentile at or above
// such a one is a lower bound (IsLowerBound, printed ">12.3s").
type Latency struct {
	Expected int `json:"expected"`
	Seen     int `json:"seen"`
	Missing  int `json:"missing"`
	// P50Ms, P99Ms and MaxMs are nil only when nothing was expected.
	P50Ms    *float64 `json:"p50Ms"`
	P99Ms    *float64 `json:"p99Ms"`
	MaxMs    *float64 `json:"maxMs"`
	P50Bound bool     `json:"p50IsLowerBound,omitempty"`
	P99Bound bool     `json:"p99IsLowerBound,omitempty"`
	MaxBound bool     `json:"maxIsLowerBound,omitempty"`
}

// sample is one expected thing: when it was due (or created) and when it
// was seen (zero: never).
type sample struct {
	ref, seen time.Time
}

func summarize(samples []sample, end time.Time) Latency {
	type value struct {
		ms    float64
		bound bool
	}
	l := Latency{Expected: len(samples)}
	values := make([]value, 0, len(samples))
	for _, s := range samples {
		if s.seen.IsZero() {
			l.Missing++
			values = append(values, value{math.Max(0, ms(end.Sub(s.ref))), true})
			continue
		}
		values = append(values, value{ms(s.seen.Sub(s.ref)), false})
	}
	l.Seen = len(values) - l.Missing
	// On a tie the bound ranks later: it is at least that late.
	sort.Slice(values, func(i, j int) bool {
		if values[i].ms != values[j].ms {
			return values[i].ms < values[j].ms
		}
		return !values[i].bound && values[j].bound
	})
	// The i-th value is exact only when no unseen one ranks at or below it:
	// an unseen one may in truth be later and push it up.
	boundSoFar := make([]bool, len(values))
	for i, v := range values {
		boundSoFar[i] = v.bound || (i > 0 && boundSoFar[i-1])
	}
	pick := func(p float64) (*float64, bool) {
		if len(values) == 0 {
			return nil, false
		}
		i := max(int(math.Ceil(p*float64(len(values))))-1, 0)
		v := values[i].ms
		return &v, boundSoFar[i]
	}
	l.P50Ms, l.P50Bound = pick(0.50)
	l.P99Ms, l.P99Bound = pick(0.99)
	l.MaxMs, l.MaxBound = pick(1.0)
	return l
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/float64(time.Millisecond)*10) / 10 }

// fmtMs prints a latency in seconds, ">" before a lower bound.
func fmtMs(v *float64, bound bool) string {
	if v == nil {
		return "-"
	}
	if bound {
		return ">" + secs(*v)
	}
	return secs(*v)
}

func secs(msv float64) string {
	s := msv / 1000
	switch {
	case s < 10:
		return fmt.Sprintf("%.2fs", s)
	case s < 100:
		return fmt.Sprintf("%.1fs", s)
	default:
		return fmt.Sprintf("%.0fs", s)
	}
}

// triple prints p50 / p99 / max.
func (l Latency) triple() string {
	return fmt.Sprintf("%s / %s / %s", fmtMs(l.P50Ms, l.P50Bound), fmtMs(l.P99Ms, l.P99Bound), fmtMs(l.MaxMs, l.MaxBound))
}

// within reports whether v is known (not a lower bound) and at most limit.
func within(v *float64, bound bool, limit time.Duration) bool {
	return v != nil && !bound && *v <= ms(limit)
}

// metric is one sample of the Prometheus text format.
type metric struct {
	name   string
	labels map[string]string
	value  float64
}

// parseProm reads the Prometheus text exposition format (what /metrics of
// the API server and of the manager serve); comments and malformed lines
// are skipped.
func parseProm(data []byte, keep func(name string) bool) []metric {
	var out []metric
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		name := line
		rest := ""
		if i := strings.IndexAny(line, "{ "); i >= 0 {
			name, rest = line[:i], line[i:]
		}
		if !keep(name) {
			continue
		}
		labels := map[string]string{}
		if strings.HasPrefix(rest, "{") {
			var ok bool
			labels, rest, ok = parseLabels(rest[1:])
			if !ok {
				continue
			}
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			continue
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			continue
		}
		out = append(out, metric{name: name, labels: labels, value: v})
	}
	return out
}

// parseLabels parses `a="x",b="y"}` and returns the rest after the brace.
func parseLabels(s string) (map[string]string, string, bool) {
	labels := map[string]string{}
	for {
		s = strings.TrimLeft(s, " ,")
		if strings.HasPrefix(s, "}") {
			return labels, s[1:], true
		}
		eq := strings.IndexByte(s, '=')
		if eq < 0 || eq+1 >= len(s) || s[eq+1] != '"' {
			return nil, "", false
		}
		key := strings.TrimSpace(s[:eq])
		s = s[eq+2:]
		var val strings.Builder
		closed := false
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c == '\\' && i+1 < len(s) {
				i++
				switch s[i] {
				case 'n':
					val.WriteByte('\n')
				default:
					val.WriteByte(s[i])
				}
				continue
			}
			if c == '"' {
				s = s[i+1:]
				closed = true
				break
			}
			val.WriteByte(c)
		}
		if !closed {
			return nil, "", false
		}
		labels[key] = val.String()
	}
}

// counters maps a series key (label values joined) to its value.
type counters map[string]float64

// sub returns after − before for every series of after, dropping zeros.
func (after counters) sub(before counters) counters {
	d := counters{}
	for k, v := range after {
		if x := v - before[k]; x != 0 {
			d[k] = x
		}
	}
	return d
}

func (c counters) total() float64 {
	var t float64
	for _, v := range c {
		t += v
	}
	return t
}

// sortedKeys returns the keys by value, largest first.
func (c counters) sortedKeys() []string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if c[keys[i]] != c[keys[j]] {
			return c[keys[i]] > c[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return keys
}
