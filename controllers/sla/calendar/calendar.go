// Package calendar does business-hours arithmetic for SLA deadlines.
//
// A Calendar is a weekly schedule of opening windows in an IANA time zone
// plus a list of holidays. It answers whether an instant is open, adds an
// amount of open time to an instant, measures the open time between two
// instants and finds the next opening or closing. It has no Kubernetes types.
//
// # Wall-clock semantics and daylight saving time
//
// Windows are wall-clock times in the calendar's location. Each civil day's
// boundaries are built with time.Date(y, m, d, h, min, s, ns, loc), never by
// adding 24h, so a 09:00-18:00 window is 9 real hours on every day, while a
// 00:00-24:00 window is 23 or 25 real hours on the days the clocks change.
//
// A boundary whose wall time does not exist (it lies in a spring-forward gap)
// is normalised as time.Date does. The direction depends on the zone's data:
// 02:30 on 2026-03-29 becomes 03:30 CEST in Europe/Berlin, but 02:30 on
// 2026-03-08 becomes 01:30 EST in America/New_York. A boundary in a repeated
// (fall-back) hour likewise resolves to whichever occurrence time.Date picks.
// After this normalisation, an interval that would start before the end of the
// previous open interval is clipped to start there, and an interval that
// becomes empty or inverted is dropped, so open time is never counted twice.
//
// # Cost
//
// The methods walk the schedule day by day (never minute by minute). Days
// without windows and holidays are skipped with a table lookup; each open day
// costs two time.Date calls per merged window. The work is therefore linear in
// the number of civil days covered. A Calendar is immutable after New and safe
// for concurrent use.
package calendar

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

const (
	secondsPerDay = 24 * 60 * 60

	// maxIdleDays is how many consecutive days without any open time Add walks
	// before it gives up (about three years).
	maxIdleDays = 3*366 + 1

	// maxAddDays caps the total walk of Add (about 100 years).
	maxAddDays = 100*366 + 1

	// nextChangeDays is how far NextChange looks ahead (about two years).
	nextChangeDays = 2*366 + 1

	// epochWeekday is the weekday of civil day 0 (1970-01-01).
	epochWeekday = time.Thursday
)

// Window is one weekly opening: on each of Days the calendar is open from From
// to To, both wall-clock offsets since local midnight (0 <= From < To <= 24h;
// To == 24h means the end of the day). The interval is half-open: From is
// open, To is closed.
type Window struct {
	// Days are the weekdays on which the window applies.
	Days []time.Weekday
	// From is the opening time as an offset since local midnight.
	From time.Duration
	// To is the closing time as an offset since local midnight; 24h is the end of the day.
	To time.Duration
}

// Calendar tells which instants are open. The zero value and a nil *Calendar
// mean always open (24x7); use New to build a real schedule.
type Calendar struct {
	loc      *time.Location
	week     [7][]span          // merged, sorted, non-touching windows per weekday
	holidays map[int64]struct{} // closed civil days, as days since 1970-01-01
}

// span is one merged window of a weekday, with its bounds split into clock
// fields so that time.Date can be called directly.
type span struct {
	from, to clock
}

// clock is a wall-clock offset since midnight split into time.Date fields.
type clock struct {
	h, m, s, ns int
}

func splitClock(d time.Duration) clock {
	h := d / time.Hour
	d -= h * time.Hour
	m := d / time.Minute
	d -= m * time.Minute
	s := d / time.Second
	d -= s * time.Second
	return clock{h: int(h), m: int(m), s: int(s), ns: int(d)}
}

// New builds a calendar for loc from the weekly windows and the holidays,
// which are civil dates "YYYY-MM-DD" in loc on which nothing is open.
// Overlapping or touching windows on the same weekday are merged.
//
// It returns an error naming the problem for a nil loc, no windows, a window
// without days or with an invalid weekday, a window with From < 0, To > 24h or
// From >= To, and a holiday that is not a valid YYYY-MM-DD date.
func New(loc *time.Location, windows []Window, holidays []string) (*Calendar, error) {
	if loc == nil {
		return nil, errors.New("calendar: location is nil")
	}
	if len(windows) == 0 {
		return nil, errors.New("calendar: no windows given; a calendar needs at least one opening window")
	}
	var raw [7][][2]time.Duration
	for i, w := range windows {
		switch {
		case len(w.Days) == 0:
			return nil, fmt.Errorf("calendar: window %d has no days", i)
		case w.From < 0:
			return nil, fmt.Errorf("calendar: window %d: From %v is negative", i, w.From)
		case w.To > 24*time.Hour:
			return nil, fmt.Errorf("calendar: window %d: To %v is after 24h", i, w.To)
		case w.From >= w.To:
			return nil, fmt.Errorf("calendar: window %d: From %v is not before To %v", i, w.From, w.To)
		}
		for _, d := range w.Days {
			if d < time.Sunday || d > time.Saturday {
				return nil, fmt.Errorf("calendar: window %d has invalid weekday %d", i, int(d))
			}
			raw[d] = append(raw[d], [2]time.Duration{w.From, w.To})
		}
	}
	c := &Calendar{loc: loc}
	for d := range raw {
		c.week[d] = mergeSpans(raw[d])
	}
	if len(holidays) > 0 {
		c.holidays = make(map[int64]struct{}, len(holidays))
	}
	for i, h := range holidays {
		t, err := time.Parse(time.DateOnly, h)
		if err != nil {
			return nil, fmt.Errorf("calendar: holiday %d %q is not a valid YYYY-MM-DD date", i, h)
		}
		c.holidays[t.Unix()/secondsPerDay] = struct{}{}
	}
	return c, nil
}

// mergeSpans sorts the [from, to) pairs of one weekday and merges the ones
// that overlap or touch.
func mergeSpans(r [][2]time.Duration) []span {
	if len(r) == 0 {
		return nil
	}
	slices.SortFunc(r, func(a, b [2]time.Duration) int {
		switch {
		case a[0] < b[0]:
			return -1
		case a[0] > b[0]:
			return 1
		}
		return 0
	})
	merged := [][2]time.Duration{r[0]}
	for _, p := range r[1:] {
		last := &merged[len(merged)-1]
		if p[0] <= last[1] {
			last[1] = max(last[1], p[1])
			continue
		}
		merged = append(merged, p)
	}
	out := make([]span, len(merged))
	for i, p := range merged {
		out[i] = span{from: splitClock(p[0]), to: splitClock(p[1])}
	}
	return out
}

// ParseClock parses "HH:MM" (exactly two digits each, 00:00 to 24:00) into an
// offset since midnight.
func ParseClock(s string) (time.Duration, error) {
	bad := func() (time.Duration, error) {
		return 0, fmt.Errorf("calendar: invalid clock %q: want HH:MM between 00:00 and 24:00", s)
	}
	if len(s) != 5 || s[2] != ':' {
		return bad()
	}
	for _, i := range [...]int{0, 1, 3, 4} {
		if s[i] < '0' || s[i] > '9' {
			return bad()
		}
	}
	h := int(s[0]-'0')*10 + int(s[1]-'0')
	m := int(s[3]-'0')*10 + int(s[4]-'0')
	if h > 24 || m > 59 || (h == 24 && m != 0) {
		return bad()
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, nil
}

var weekdays = map[string]time.Weekday{
	"Sun": time.Sunday, "Mon": time.Monday, "Tue": time.Tuesday, "Wed": time.Wednesday,
	"Thu": time.Thursday, "Fri": time.Friday, "Sat": time.Saturday,
}

// ParseWeekday parses "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" or "Sun" (the
// only accepted spellings, case-sensitive) into a time.Weekday.
func ParseWeekday(s string) (time.Weekday, error) {
	if d, ok := weekdays[s]; ok {
		return d, nil
	}
	return 0, fmt.Errorf("calendar: invalid weekday %q: want one of Mon, Tue, Wed, Thu, Fri, Sat, Sun", s)
}

// always reports whether c is the 24x7 calendar (nil or zero value).
func (c *Calendar) always() bool { return c == nil || c.loc == nil }

// dayOf returns the civil day of t in the calendar's location, as days since
// 1970-01-01.
func (c *Calendar) dayOf(t time.Time) int64 {
	y, m, d := t.In(c.loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / secondsPerDay
}

// midnight returns local midnight of civil day n.
func (c *Calendar) midnight(n int64) time.Time {
	y, m, d := time.Unix(n*secondsPerDay, 0).UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, c.loc)
}

// walker yields the open intervals of a calendar in increasing order, one
// civil day at a time, starting the day before the day of the instant it was
// created for (so that nothing overlapping that instant is missed).
type walker struct {
	c       *Calendar
	day     int64 // civil day whose spans are being yielded
	stopDay int64 // the walk ends before this day
	maxIdle int   // if > 0, the walk ends after this many days without open time
	idle    int
	y       int
	m       time.Month
	d       int
	spans   []span    // spans of day not yet yielded
	last    time.Time // end of the last yielded interval
}

func (c *Calendar) walk(t time.Time, stopDay int64, maxIdle int) walker {
	return walker{c: c, day: c.dayOf(t) - 2, stopDay: stopDay, maxIdle: maxIdle}
}

// next returns the next non-empty open interval [start, end), or ok == false
// when the walk has reached its limit.
func (w *walker) next() (start, end time.Time, ok bool) {
	for {
		for len(w.spans) > 0 {
			sp := w.spans[0]
			w.spans = w.spans[1:]
			start = time.Date(w.y, w.m, w.d, sp.from.h, sp.from.m, sp.from.s, sp.from.ns, w.c.loc)
			end = time.Date(w.y, w.m, w.d, sp.to.h, sp.to.m, sp.to.s, sp.to.ns, w.c.loc)
			if start.Before(w.last) {
				start = w.last
			}
			if !end.After(start) {
				continue // emptied by a DST gap
			}
			w.last = end
			w.idle = 0
			return start, end, true
		}
		w.day++
		if w.day >= w.stopDay {
			return time.Time{}, time.Time{}, false
		}
		w.idle++
		if w.maxIdle > 0 && w.idle > w.maxIdle {
			return time.Time{}, time.Time{}, false
		}
		spans := w.c.week[weekdayOf(w.day)]
		if len(spans) == 0 {
			continue
		}
		if _, holiday := w.c.holidays[w.day]; holiday {
			continue
		}
		w.y, w.m, w.d = time.Unix(w.day*secondsPerDay, 0).UTC().Date()
		w.spans = spans
	}
}

// weekdayOf returns the weekday of civil day n (days since 1970-01-01).
func weekdayOf(n int64) time.Weekday {
	return time.Weekday(((n % 7) + 7 + int64(epochWeekday)) % 7)
}

// IsOpen reports whether t lies in an open window (windows are half-open:
// the opening instant is open, the closing instant is not). It is always true
// for a 24x7 calendar.
func (c *Calendar) IsOpen(t time.Time) bool {
	if c.always() {
		return true
	}
	w := c.walk(t, c.dayOf(t)+2, 0)
	for {
		s, e, ok := w.next()
		if !ok || s.After(t) {
			return false
		}
		if t.Before(e) {
			return true
		}
	}
}

// Add returns the instant at which d of open time has elapsed counting from
// start, so that Between(start, Add(start, d)) == d. If that instant is the
// end of an open window, Add returns that end, not the next opening.
//
// For d <= 0, Add returns start unchanged, even if start is closed (a
// zero-length target is due at once). For a 24x7 calendar it returns
// start.Add(d).
//
// Add never loops forever: if the calendar has no open time for about three
// consecutive years (for example when holidays cover every open day), or the
// result would lie more than about 100 years after start, Add gives up and
// returns local midnight of the day at which it stopped, a far-future instant
// for which Between(start, result) < d.
//
// The result is in start's Location.
func (c *Calendar) Add(start time.Time, d time.Duration) time.Time {
	if c.always() {
		return start.Add(d)
	}
	if d <= 0 {
		return start
	}
	w := c.walk(start, c.dayOf(start)+maxAddDays, maxIdleDays)
	remaining := d
	for {
		s, e, ok := w.next()
		if !ok {
			return c.midnight(w.day).In(start.Location())
		}
		if !e.After(start) {
			continue
		}
		if s.Before(start) {
			s = start
		}
		if avail := e.Sub(s); remaining > avail {
			remaining -= avail
			continue
		}
		return s.Add(remaining).In(start.Location())
	}
}

// Between returns the open time within [a, b); it is 0 when b <= a and
// b.Sub(a) for a 24x7 calendar. Like time.Time.Sub it saturates at the
// maximum Duration. Its cost is linear in the number of civil days between a
// and b (about 0.2s for a range starting at the zero Time, so callers should
// not pass unset timestamps).
func (c *Calendar) Between(a, b time.Time) time.Duration {
	if !b.After(a) {
		return 0
	}
	if c.always() {
		return b.Sub(a)
	}
	w := c.walk(a, c.dayOf(b)+2, 0)
	var total time.Duration
	for {
		s, e, ok := w.next()
		if !ok || !s.Before(b) {
			return total
		}
		if !e.After(a) {
			continue
		}
		if s.Before(a) {
			s = a
		}
		if e.After(b) {
			e = b
		}
		piece := e.Sub(s)
		if total > math.MaxInt64-piece {
			return math.MaxInt64 // saturate like time.Time.Sub
		}
		total += piece
	}
}

// NextChange returns the first instant strictly after t at which IsOpen
// changes value: the next opening if t is closed, the next closing if t is
// open (windows that touch, also across midnight, do not count as a change).
// It returns the zero Time for a 24x7 calendar, or when there is no change
// within about two years of t. The result is in t's Location.
func (c *Calendar) NextChange(t time.Time) time.Time {
	if c.always() {
		return time.Time{}
	}
	w := c.walk(t, c.dayOf(t)+nextChangeDays, 0)
	var openUntil time.Time // end of the open run containing t, once found
	for {
		s, e, ok := w.next()
		if !ok {
			return time.Time{}
		}
		if !openUntil.IsZero() {
			if s.Equal(openUntil) {
				openUntil = e
				continue
			}
			return openUntil.In(t.Location())
		}
		if s.After(t) {
			return s.In(t.Location())
		}
		if t.Before(e) {
			openUntil = e
		}
	}
}
