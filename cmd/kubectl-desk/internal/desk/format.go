package desk

import (
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Style marks a table row that calls for attention.
type Style int

// Row styles: plain, at risk (yellow on a terminal), breached (red).
const (
	Plain Style = iota
	AtRisk
	Breached
)

// Table is rows of cells under a header, printed aligned like kubectl's
// tables: upper-case header, columns separated by three spaces.
type Table struct {
	Header []string
	Rows   [][]string
	// Styles holds a style per row (missing: Plain).
	Styles []Style
}

const (
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiReset  = "\x1b[0m"
)

// Write prints the table; colour paints at-risk and breached rows (only on
// a terminal: callers decide). Cells hold what API objects say, written by
// anyone who may file a complaint: each is escaped (Escape) before it is
// measured and before the colours are added.
func (t Table) Write(w io.Writer, colour bool) error {
	t.Header = escapeCells(t.Header)
	rows := make([][]string, len(t.Rows))
	for i, r := range t.Rows {
		rows[i] = escapeCells(r)
	}
	t.Rows = rows
	widths := make([]int, len(t.Header))
	measure := func(cells []string) {
		for i, c := range cells {
			if i < len(widths) && utf8.RuneCountInString(c) > widths[i] {
				widths[i] = utf8.RuneCountInString(c)
			}
		}
	}
	measure(t.Header)
	for _, r := range t.Rows {
		measure(r)
	}
	line := func(cells []string) string {
		var b strings.Builder
		for i, c := range cells {
			if i >= len(widths) {
				break
			}
			b.WriteString(c)
			if i < len(cells)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c)+3))
			}
		}
		return b.String()
	}
	if _, err := fmt.Fprintln(w, line(t.Header)); err != nil {
		return err
	}
	for i, r := range t.Rows {
		s := line(r)
		if colour && i < len(t.Styles) {
			switch t.Styles[i] {
			case AtRisk:
				s = ansiYellow + s + ansiReset
			case Breached:
				s = ansiRed + s + ansiReset
			}
		}
		if _, err := fmt.Fprintln(w, s); err != nil {
			return err
		}
	}
	return nil
}

func escapeCells(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = Escape(c)
	}
	return out
}

// Short is a duration as kubectl prints ages: its two largest units, e.g.
// 45s, 12m, 3h20m, 2d4h. Negative durations get a minus sign.
func Short(d time.Duration) string {
	if d < 0 {
		return "-" + Short(-d)
	}
	d = d.Round(time.Second)
	s := int64(d / time.Second)
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return twoUnits(s/60, "m", s%60, "s")
	case s < 86400:
		return twoUnits(s/3600, "h", (s%3600)/60, "m")
	default:
		return twoUnits(s/86400, "d", (s%86400)/3600, "h")
	}
}

func twoUnits(a int64, ua string, b int64, ub string) string {
	if b == 0 {
		return fmt.Sprintf("%d%s", a, ua)
	}
	return fmt.Sprintf("%d%s%d%s", a, ua, b, ub)
}

var sinceRe = regexp.MustCompile(`^([0-9]+)d(.*)$`)

// ParseSince reads a --since value: a Go duration (36h, 90m) that may start
// with days (7d, 1d12h).
func ParseSince(s string) (time.Duration, error) {
	var days time.Duration
	rest := s
	if m := sinceRe.FindStringSubmatch(s); m != nil {
		n, err := strconv.Atoi(m[1])
		if err != nil {
			return 0, fmt.Errorf("invalid --since %q: %v", s, err)
		}
		days, rest = time.Duration(n)*24*time.Hour, m[2]
	}
	var d time.Duration
	if rest != "" {
		var err error
		if d, err = time.ParseDuration(rest); err != nil {
			return 0, fmt.Errorf("invalid --since %q: give a duration such as 7d, 36h or 1d12h", s)
		}
	}
	if days+d <= 0 {
		return 0, fmt.Errorf("invalid --since %q: give a positive duration such as 7d, 36h or 1d12h", s)
	}
	return days + d, nil
}
