package calendar

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

var (
	weekdaysMonFri = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	allWeek        = []time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday}
)

func mustLoad(tb testing.TB, name string) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		tb.Skipf("time zone %s not available: %v", name, err)
	}
	return loc
}

func mustNew(tb testing.TB, loc *time.Location, windows []Window, holidays ...string) *Calendar {
	tb.Helper()
	c, err := New(loc, windows, holidays)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return c
}

// at parses "2006-01-02 15:04" in loc, or "2006-01-02 15:04 -0700" with an
// explicit offset (for the repeated hour of a fall-back day).
func at(tb testing.TB, loc *time.Location, s string) time.Time {
	tb.Helper()
	if len(s) > len("2006-01-02 15:04") {
		t, err := time.Parse("2006-01-02 15:04 -0700", s)
		if err != nil {
			tb.Fatalf("bad test time %q: %v", s, err)
		}
		return t.In(loc)
	}
	t, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		tb.Fatalf("bad test time %q: %v", s, err)
	}
	return t
}

func hm(h, m int) time.Duration { return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute }

// office is Mon-Fri 09:00-18:00 in Europe/Berlin with Christmas 2026 and
// New Year 2027 as holidays.
func office(tb testing.TB) *Calendar {
	return mustNew(tb, mustLoad(tb, "Europe/Berlin"),
		[]Window{{Days: weekdaysMonFri, From: hm(9, 0), To: hm(18, 0)}},
		"2026-12-24", "2026-12-25", "2026-12-31", "2027-01-01")
}

type addCase struct {
	name  string
	start string
	d     time.Duration
	want  string
}

func runAddCases(t *testing.T, c *Calendar, loc *time.Location, cases []addCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			start := at(t, loc, tc.start)
			want := at(t, loc, tc.want)
			got := c.Add(start, tc.d)
			if !got.Equal(want) {
				t.Fatalf("Add(%v, %v) = %v, want %v", start, tc.d, got, want)
			}
			if b := c.Between(start, got); b != tc.d && tc.d >= 0 {
				t.Fatalf("Between(%v, %v) = %v, want %v", start, got, b, tc.d)
			}
		})
	}
}

type betweenCase struct {
	name string
	a, b string
	want time.Duration
}

func runBetweenCases(t *testing.T, c *Calendar, loc *time.Location, cases []betweenCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, b := at(t, loc, tc.a), at(t, loc, tc.b)
			if got := c.Between(a, b); got != tc.want {
				t.Fatalf("Between(%v, %v) = %v, want %v", a, b, got, tc.want)
			}
		})
	}
}

func TestAlwaysOpenCalendars(t *testing.T) {
	start := time.Date(2026, 6, 5, 19, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		c    *Calendar
	}{
		{"nil calendar", nil},
		{"zero value calendar", &Calendar{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !tc.c.IsOpen(start) {
				t.Error("IsOpen = false, want true")
			}
			for _, d := range []time.Duration{-time.Hour, 0, time.Nanosecond, 24 * time.Hour, 1000 * time.Hour} {
				if got, want := tc.c.Add(start, d), start.Add(d); !got.Equal(want) {
					t.Errorf("Add(%v) = %v, want %v", d, got, want)
				}
			}
			end := start.Add(72 * time.Hour)
			if got := tc.c.Between(start, end); got != 72*time.Hour {
				t.Errorf("Between = %v, want 72h", got)
			}
			if got := tc.c.Between(end, start); got != 0 {
				t.Errorf("Between reversed = %v, want 0", got)
			}
			if got := tc.c.NextChange(start); !got.IsZero() {
				t.Errorf("NextChange = %v, want zero Time", got)
			}
		})
	}
}

func TestAddOfficeHoursBerlin(t *testing.T) {
	loc := mustLoad(t, "Europe/Berlin")
	runAddCases(t, office(t), loc, []addCase{
		{"start inside window", "2026-06-02 10:00", 30 * time.Minute, "2026-06-02 10:30"},
		{"start before opening", "2026-06-02 07:00", time.Hour, "2026-06-02 10:00"},
		{"start exactly at opening", "2026-06-02 09:00", time.Hour, "2026-06-02 10:00"},
		{"start after closing rolls to next day", "2026-06-02 20:00", time.Hour, "2026-06-03 10:00"},
		{"start after closing Friday rolls to Monday", "2026-06-05 19:00", time.Hour, "2026-06-08 10:00"},
		{"start exactly at closing Friday rolls to Monday", "2026-06-05 18:00", 15 * time.Minute, "2026-06-08 09:15"},
		{"start on Saturday rolls to Monday", "2026-06-06 12:00", 15 * time.Minute, "2026-06-08 09:15"},
		{"crossing a weekend", "2026-06-05 17:00", 2 * time.Hour, "2026-06-08 10:00"},
		{"crossing Christmas holidays and weekend", "2026-12-23 17:00", 2 * time.Hour, "2026-12-28 10:00"},
		{"start on holiday 2026-12-25", "2026-12-25 10:00", time.Hour, "2026-12-28 10:00"},
		{"landing exactly at closing time", "2026-06-02 09:00", 9 * time.Hour, "2026-06-02 18:00"},
		{"landing exactly at Friday closing", "2026-06-05 17:00", time.Hour, "2026-06-05 18:00"},
		{"24h of business time from Monday opening", "2026-06-01 09:00", 24 * time.Hour, "2026-06-03 15:00"},
		{"one business week", "2026-06-01 09:00", 45 * time.Hour, "2026-06-05 18:00"},
		{"one business week plus a minute", "2026-06-01 09:00", 45*time.Hour + time.Minute, "2026-06-08 09:01"},
		{"zero duration at closed time returns start", "2026-06-06 12:00", 0, "2026-06-06 12:00"},
		{"zero duration at open time returns start", "2026-06-02 10:00", 0, "2026-06-02 10:00"},
		{"negative duration returns start", "2026-06-06 12:00", -time.Hour, "2026-06-06 12:00"},
		{"across spring-forward weekend keeps 9h days", "2026-03-27 17:00", 2 * time.Hour, "2026-03-30 10:00"},
		{"across year end holidays", "2026-12-30 12:00", 9 * time.Hour, "2027-01-04 12:00"},
	})
}

func TestAddKeepsLocation(t *testing.T) {
	c := office(t)
	start := time.Date(2026, 6, 5, 17, 0, 0, 0, time.UTC) // 19:00 in Berlin
	got := c.Add(start, time.Hour)
	if got.Location() != time.UTC {
		t.Errorf("Add result location = %v, want UTC", got.Location())
	}
	if want := time.Date(2026, 6, 8, 8, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("Add = %v, want %v", got, want)
	}
	if nc := c.NextChange(start); nc.Location() != time.UTC {
		t.Errorf("NextChange result location = %v, want UTC", nc.Location())
	}
}

func TestTwoWindowsPerDay(t *testing.T) {
	loc := mustLoad(t, "Europe/Berlin")
	c := mustNew(t, loc, []Window{
		{Days: weekdaysMonFri, From: hm(13, 0), To: hm(17, 0)},
		{Days: weekdaysMonFri, From: hm(9, 0), To: hm(12, 0)},
	})
	runAddCases(t, c, loc, []addCase{
		{"morning only", "2026-06-02 09:00", 2 * time.Hour, "2026-06-02 11:00"},
		{"landing exactly at lunch break", "2026-06-02 11:00", time.Hour, "2026-06-02 12:00"},
		{"across lunch", "2026-06-02 11:00", 2 * time.Hour, "2026-06-02 14:00"},
		{"start during lunch", "2026-06-02 12:30", time.Hour, "2026-06-02 14:00"},
		{"afternoon into next morning", "2026-06-02 16:00", 2 * time.Hour, "2026-06-03 10:00"},
		{"whole day", "2026-06-02 00:00", 7 * time.Hour, "2026-06-02 17:00"},
	})
	runBetweenCases(t, c, loc, []betweenCase{
		{"whole day counts 7h", "2026-06-02 00:00", "2026-06-03 00:00", 7 * time.Hour},
		{"lunch counts nothing", "2026-06-02 12:00", "2026-06-02 13:00", 0},
		{"straddling lunch", "2026-06-02 11:30", "2026-06-02 13:30", time.Hour},
	})
}

func TestOverlappingWindowsAreMerged(t *testing.T) {
	loc := mustLoad(t, "Europe/Berlin")
	c := mustNew(t, loc, []Window{
		{Days: weekdaysMonFri, From: hm(9, 0), To: hm(13, 0)},
		{Days: []time.Weekday{time.Monday, time.Tuesday}, From: hm(12, 0), To: hm(17, 0)},
		{Days: []time.Weekday{time.Monday}, From: hm(10, 0), To: hm(11, 0)},              // contained
		{Days: []time.Weekday{time.Monday}, From: hm(17, 0), To: hm(18, 0)},              // touching
		{Days: []time.Weekday{time.Monday}, From: hm(9, 0), To: hm(13, 0)},               // duplicate
		{Days: []time.Weekday{time.Monday, time.Monday}, From: hm(9, 30), To: hm(9, 45)}, // duplicate day
	})
	runBetweenCases(t, c, loc, []betweenCase{
		{"Monday counts 9h once", "2026-06-01 00:00", "2026-06-02 00:00", 9 * time.Hour},
		{"Tuesday counts 8h", "2026-06-02 00:00", "2026-06-03 00:00", 8 * time.Hour},
		{"Wednesday counts 4h", "2026-06-03 00:00", "2026-06-04 00:00", 4 * time.Hour},
	})
	runAddCases(t, c, loc, []addCase{
		{"Monday 9h lands at 18:00", "2026-06-01 09:00", 9 * time.Hour, "2026-06-01 18:00"},
		{"Monday 9h plus 1h goes to Tuesday", "2026-06-01 09:00", 10 * time.Hour, "2026-06-02 10:00"},
	})
	if got, want := c.NextChange(at(t, loc, "2026-06-01 09:50")), at(t, loc, "2026-06-01 18:00"); !got.Equal(want) {
		t.Errorf("NextChange inside merged Monday = %v, want %v", got, want)
	}
}

func TestDaylightSaving(t *testing.T) {
	berlin := mustLoad(t, "Europe/Berlin")
	ny := mustLoad(t, "America/New_York")
	sunday := []time.Weekday{time.Sunday}

	t.Run("Berlin Sunday 00:00-24:00", func(t *testing.T) {
		c := mustNew(t, berlin, []Window{{Days: sunday, From: 0, To: 24 * time.Hour}})
		runBetweenCases(t, c, berlin, []betweenCase{
			{"normal Sunday is 24h", "2026-03-21 12:00", "2026-03-23 12:00", 24 * time.Hour},
			{"spring forward Sunday is 23h", "2026-03-28 12:00", "2026-03-30 12:00", 23 * time.Hour},
			{"fall back Sunday is 25h", "2026-10-24 12:00", "2026-10-26 12:00", 25 * time.Hour},
			{"spring forward morning", "2026-03-29 00:00", "2026-03-29 04:00", 3 * time.Hour},
			{"fall back morning", "2026-10-25 00:00", "2026-10-25 04:00", 5 * time.Hour},
		})
		runAddCases(t, c, berlin, []addCase{
			{"23h from spring forward midnight ends at Monday midnight", "2026-03-29 00:00", 23 * time.Hour, "2026-03-30 00:00"},
			{"24h from spring forward midnight rolls to next Sunday", "2026-03-29 00:00", 24 * time.Hour, "2026-04-05 01:00"},
			{"25h from fall back midnight ends at Monday midnight", "2026-10-25 00:00", 25 * time.Hour, "2026-10-26 00:00"},
			{"3h from fall back midnight is in repeated hour", "2026-10-25 00:00", 3 * time.Hour, "2026-10-25 02:00 +0100"},
			{"2h from fall back midnight is first 02:00", "2026-10-25 00:00", 2 * time.Hour, "2026-10-25 02:00 +0200"},
			{"from Saturday across spring forward", "2026-03-28 10:00", 2 * time.Hour, "2026-03-29 03:00"},
		})
	})

	t.Run("Berlin Sunday 01:00-04:00", func(t *testing.T) {
		c := mustNew(t, berlin, []Window{{Days: sunday, From: hm(1, 0), To: hm(4, 0)}})
		runBetweenCases(t, c, berlin, []betweenCase{
			{"normal Sunday is 3h", "2026-03-22 00:00", "2026-03-23 00:00", 3 * time.Hour},
			{"spring forward Sunday is 2h", "2026-03-29 00:00", "2026-03-30 00:00", 2 * time.Hour},
			{"fall back Sunday is 4h", "2026-10-25 00:00", "2026-10-26 00:00", 4 * time.Hour},
			{"October spanning weeks", "2026-10-18 00:00", "2026-11-02 00:00", 3*time.Hour + 4*time.Hour + 3*time.Hour},
		})
		runAddCases(t, c, berlin, []addCase{
			{"spring forward 2h ends at 04:00 CEST", "2026-03-29 01:00", 2 * time.Hour, "2026-03-29 04:00"},
			{"spring forward 1h ends at 03:00 CEST", "2026-03-29 01:00", time.Hour, "2026-03-29 03:00"},
			{"spring forward 3h rolls to next Sunday", "2026-03-29 01:00", 3 * time.Hour, "2026-04-05 02:00"},
			{"fall back 4h ends at 04:00 CET", "2026-10-25 01:00", 4 * time.Hour, "2026-10-25 04:00"},
			{"fall back 2h ends at second 02:00", "2026-10-25 01:00", 2 * time.Hour, "2026-10-25 02:00 +0100"},
			{"start in repeated hour (CET)", "2026-10-25 02:30 +0100", time.Hour, "2026-10-25 03:30"},
			{"start in repeated hour (CEST)", "2026-10-25 02:30 +0200", time.Hour, "2026-10-25 02:30 +0100"},
		})
		for _, tc := range []struct {
			name, t string
			open    bool
		}{
			{"fall back first 02:30 open", "2026-10-25 02:30 +0200", true},
			{"fall back second 02:30 open", "2026-10-25 02:30 +0100", true},
			{"spring forward 03:30 CEST open", "2026-03-29 03:30", true},
			{"spring forward 04:00 CEST closed", "2026-03-29 04:00", false},
		} {
			if got := c.IsOpen(at(t, berlin, tc.t)); got != tc.open {
				t.Errorf("%s: IsOpen(%s) = %v", tc.name, tc.t, got)
			}
		}
	})

	t.Run("Berlin window inside the spring forward gap", func(t *testing.T) {
		// 02:30 does not exist on 2026-03-29; time.Date normalises it to 03:30 CEST.
		c := mustNew(t, berlin, []Window{
			{Days: sunday, From: hm(2, 30), To: hm(5, 0)},
			{Days: []time.Weekday{time.Saturday}, From: hm(2, 15), To: hm(2, 45)},
		})
		runBetweenCases(t, c, berlin, []betweenCase{
			{"gap day starts at normalised 03:30", "2026-03-29 00:00", "2026-03-30 00:00", 90 * time.Minute},
			{"normal Sunday", "2026-03-22 00:00", "2026-03-23 00:00", 150 * time.Minute},
		})
		runAddCases(t, c, berlin, []addCase{
			{"add from before the gap", "2026-03-29 00:00", 30 * time.Minute, "2026-03-29 04:00"},
		})
	})

	t.Run("New York office hours and Sunday 00:00-24:00", func(t *testing.T) {
		c := mustNew(t, ny, []Window{
			{Days: weekdaysMonFri, From: hm(9, 0), To: hm(17, 0)},
			{Days: sunday, From: 0, To: 24 * time.Hour},
		})
		runBetweenCases(t, c, ny, []betweenCase{
			{"spring forward weekend", "2026-03-06 12:00", "2026-03-09 12:00", 5*time.Hour + 23*time.Hour + 3*time.Hour},
			{"fall back weekend", "2026-10-30 12:00", "2026-11-02 12:00", 5*time.Hour + 25*time.Hour + 3*time.Hour},
			{"normal weekend", "2026-03-13 12:00", "2026-03-16 12:00", 5*time.Hour + 24*time.Hour + 3*time.Hour},
		})
		runAddCases(t, c, ny, []addCase{
			{"Friday afternoon into DST Sunday", "2026-03-06 16:00", 3 * time.Hour, "2026-03-08 03:00"},
			{"Friday afternoon through DST Sunday into Monday", "2026-03-06 16:00", 25 * time.Hour, "2026-03-09 10:00"},
			{"fall back Sunday 1h lands on first 01:00 EDT", "2026-11-01 00:00", time.Hour, "2026-11-01 01:00 -0400"},
			{"fall back Sunday 2h lands on second 01:00 EST", "2026-11-01 00:00", 2 * time.Hour, "2026-11-01 01:00 -0500"},
			{"fall back Sunday whole day ends Monday midnight", "2026-11-01 00:00", 25 * time.Hour, "2026-11-02 00:00"},
		})
	})
}

func TestBetween(t *testing.T) {
	loc := mustLoad(t, "Europe/Berlin")
	runBetweenCases(t, office(t), loc, []betweenCase{
		{"inside one window", "2026-06-02 10:30", "2026-06-02 17:15", 6*time.Hour + 45*time.Minute},
		{"empty range", "2026-06-02 10:30", "2026-06-02 10:30", 0},
		{"reversed range", "2026-06-02 17:00", "2026-06-02 10:00", 0},
		{"closed night", "2026-06-02 18:00", "2026-06-03 09:00", 0},
		{"weekend", "2026-06-05 18:00", "2026-06-08 09:00", 0},
		{"one week", "2026-06-01 00:00", "2026-06-08 00:00", 45 * time.Hour},
		{"four weeks", "2026-06-01 00:00", "2026-06-29 00:00", 180 * time.Hour},
		{"partial days across weeks", "2026-06-03 17:00", "2026-06-16 10:00", (1 + 9 + 9 + 45 + 9 + 1) * time.Hour},
		{"two weeks across spring forward", "2026-03-23 00:00", "2026-04-06 00:00", 90 * time.Hour},
		{"two weeks across fall back", "2026-10-19 00:00", "2026-11-02 00:00", 90 * time.Hour},
		{"Christmas fortnight with four holidays", "2026-12-21 00:00", "2027-01-04 00:00", 54 * time.Hour},
		{"a whole year", "2026-01-01 00:00", "2027-01-01 00:00", (261 - 3) * 9 * time.Hour},
	})
}

func TestIsOpen(t *testing.T) {
	loc := mustLoad(t, "Europe/Berlin")
	c := office(t)
	sundayOnly := mustNew(t, loc, []Window{{Days: []time.Weekday{time.Sunday}, From: hm(20, 0), To: 24 * time.Hour}})
	for _, tc := range []struct {
		name string
		c    *Calendar
		t    time.Time
		want bool
	}{
		{"opening instant is open", c, at(t, loc, "2026-06-02 09:00"), true},
		{"closing instant is closed", c, at(t, loc, "2026-06-02 18:00"), false},
		{"last nanosecond before closing is open", c, at(t, loc, "2026-06-02 18:00").Add(-time.Nanosecond), true},
		{"before opening is closed", c, at(t, loc, "2026-06-02 08:59"), false},
		{"Saturday is closed", c, at(t, loc, "2026-06-06 12:00"), false},
		{"holiday is closed", c, at(t, loc, "2026-12-25 12:00"), false},
		{"UTC input is converted", c, time.Date(2026, 6, 2, 7, 0, 0, 0, time.UTC), true},
		{"window to 24:00 open at 23:59", sundayOnly, at(t, loc, "2026-06-07 23:59"), true},
		{"window to 24:00 closed at next midnight", sundayOnly, at(t, loc, "2026-06-08 00:00"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.c.IsOpen(tc.t); got != tc.want {
				t.Errorf("IsOpen(%v) = %v, want %v", tc.t, got, tc.want)
			}
		})
	}
}

func TestNextChange(t *testing.T) {
	loc := mustLoad(t, "Europe/Berlin")
	c := office(t)
	lunch := mustNew(t, loc, []Window{
		{Days: weekdaysMonFri, From: hm(9, 0), To: hm(12, 0)},
		{Days: weekdaysMonFri, From: hm(13, 0), To: hm(17, 0)},
	})
	acrossMidnight := mustNew(t, loc, []Window{
		{Days: []time.Weekday{time.Monday}, From: hm(20, 0), To: 24 * time.Hour},
		{Days: []time.Weekday{time.Tuesday}, From: 0, To: hm(6, 0)},
	})
	always := mustNew(t, loc, []Window{{Days: allWeek, From: 0, To: 24 * time.Hour}})
	alwaysButHoliday := mustNew(t, loc, []Window{{Days: allWeek, From: 0, To: 24 * time.Hour}}, "2026-06-10")
	for _, tc := range []struct {
		name string
		c    *Calendar
		t    string
		want string // "" means zero Time
	}{
		{"open goes to closing", c, "2026-06-02 10:00", "2026-06-02 18:00"},
		{"at opening instant goes to closing", c, "2026-06-02 09:00", "2026-06-02 18:00"},
		{"before opening goes to opening", c, "2026-06-02 08:00", "2026-06-02 09:00"},
		{"at closing instant goes to next opening", c, "2026-06-02 18:00", "2026-06-03 09:00"},
		{"Friday evening goes to Monday", c, "2026-06-05 18:30", "2026-06-08 09:00"},
		{"skips holidays", c, "2026-12-23 19:00", "2026-12-28 09:00"},
		{"morning goes to lunch", lunch, "2026-06-02 11:00", "2026-06-02 12:00"},
		{"lunch goes to afternoon", lunch, "2026-06-02 12:00", "2026-06-02 13:00"},
		{"window across midnight merges", acrossMidnight, "2026-06-01 21:00", "2026-06-02 06:00"},
		{"before window across midnight", acrossMidnight, "2026-06-01 12:00", "2026-06-01 20:00"},
		{"24x7 built with New never changes", always, "2026-06-02 10:00", ""},
		{"24x7 with holiday closes at holiday", alwaysButHoliday, "2026-06-02 10:00", "2026-06-10 00:00"},
		{"24x7 during holiday reopens after it", alwaysButHoliday, "2026-06-10 10:00", "2026-06-11 00:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tt := at(t, loc, tc.t)
			got := tc.c.NextChange(tt)
			if tc.want == "" {
				if !got.IsZero() {
					t.Fatalf("NextChange(%v) = %v, want zero Time", tt, got)
				}
				return
			}
			want := at(t, loc, tc.want)
			if !got.Equal(want) {
				t.Fatalf("NextChange(%v) = %v, want %v", tt, got, want)
			}
			if tc.c.IsOpen(got) == tc.c.IsOpen(tt) {
				t.Fatalf("IsOpen does not flip at %v", got)
			}
			if mid := tt.Add(got.Sub(tt) / 2); tc.c.IsOpen(mid) != tc.c.IsOpen(tt) {
				t.Fatalf("IsOpen flips before %v (at %v)", got, mid)
			}
		})
	}
}

func TestCalendarWithoutOpenTime(t *testing.T) {
	loc := mustLoad(t, "Europe/Berlin")
	// Every Monday for four years is a holiday, so there is no open time at all
	// until 2030.
	var holidays []string
	for d := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC); d.Year() < 2030; d = d.AddDate(0, 0, 7) {
		holidays = append(holidays, d.Format(time.DateOnly))
	}
	c := mustNew(t, loc, []Window{{Days: []time.Weekday{time.Monday}, From: hm(9, 0), To: hm(10, 0)}}, holidays...)
	start := at(t, loc, "2026-01-01 00:00")

	got := c.Add(start, time.Hour)
	if !got.After(start.AddDate(3, 0, 0)) {
		t.Errorf("Add = %v, want a far-future instant more than 3 years after %v", got, start)
	}
	if b := c.Between(start, got); b != 0 {
		t.Errorf("Between(start, limit) = %v, want 0", b)
	}
	if nc := c.NextChange(start); !nc.IsZero() {
		t.Errorf("NextChange = %v, want zero Time (no change within 2 years)", nc)
	}
	// Between is bounded by its arguments, not by the idle cap: it still finds
	// the first Monday of 2030.
	end := at(t, loc, "2030-01-08 00:00")
	if b := c.Between(start, end); b != time.Hour {
		t.Errorf("Between up to 2030 = %v, want 1h", b)
	}
	if a := c.Add(at(t, loc, "2029-06-01 00:00"), time.Hour); !a.Equal(at(t, loc, "2030-01-07 10:00")) {
		t.Errorf("Add after the holiday run = %v, want 2030-01-07 10:00", a)
	}
}

func TestBetweenSaturates(t *testing.T) {
	c := office(t)
	// Over 1200 years of 45h weeks is more open time than a time.Duration holds (about 292 years).
	got := c.Between(time.Date(800, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if got != time.Duration(math.MaxInt64) {
		t.Errorf("Between over 1226 years = %v, want the maximum Duration", got)
	}
}

func TestNewRejectsBadInput(t *testing.T) {
	loc := mustLoad(t, "Europe/Berlin")
	ok := []Window{{Days: weekdaysMonFri, From: hm(9, 0), To: hm(18, 0)}}
	for _, tc := range []struct {
		name     string
		loc      *time.Location
		windows  []Window
		holidays []string
		wantErr  string
	}{
		{"nil location", nil, ok, nil, "location is nil"},
		{"nil windows", loc, nil, nil, "no windows"},
		{"empty windows", loc, []Window{}, nil, "no windows"},
		{"window without days", loc, []Window{{From: 0, To: time.Hour}}, nil, "window 0 has no days"},
		{"invalid weekday", loc, []Window{{Days: []time.Weekday{7}, From: 0, To: time.Hour}}, nil, "invalid weekday 7"},
		{"negative weekday", loc, []Window{{Days: []time.Weekday{-1}, From: 0, To: time.Hour}}, nil, "invalid weekday -1"},
		{"From negative", loc, []Window{{Days: weekdaysMonFri, From: -time.Minute, To: time.Hour}}, nil, "From -1m0s is negative"},
		{"To after 24h", loc, []Window{{Days: weekdaysMonFri, From: 0, To: 25 * time.Hour}}, nil, "To 25h0m0s is after 24h"},
		{"From equals To", loc, []Window{{Days: weekdaysMonFri, From: time.Hour, To: time.Hour}}, nil, "From 1h0m0s is not before To 1h0m0s"},
		{"From after To in second window", loc, append(ok, Window{Days: weekdaysMonFri, From: 2 * time.Hour, To: time.Hour}), nil, "window 1: From 2h0m0s is not before To 1h0m0s"},
		{"impossible holiday date", loc, ok, []string{"2026-02-30"}, `holiday 0 "2026-02-30" is not a valid YYYY-MM-DD date`},
		{"holiday with slashes", loc, ok, []string{"2026-12-24", "2026/12/25"}, `holiday 1 "2026/12/25"`},
		{"holiday with short year", loc, ok, []string{"26-12-25"}, `"26-12-25"`},
		{"holiday without padding", loc, ok, []string{"2026-1-5"}, `"2026-1-5"`},
		{"empty holiday", loc, ok, []string{""}, `holiday 0 ""`},
		{"holiday with time", loc, ok, []string{"2026-12-25T00:00"}, `"2026-12-25T00:00"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(tc.loc, tc.windows, tc.holidays)
			if err == nil {
				t.Fatalf("New succeeded (%v), want error containing %q", c, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("New error = %q, want it to contain %q", err, tc.wantErr)
			}
			if c != nil {
				t.Fatalf("New returned a calendar with an error")
			}
		})
	}

	t.Run("valid edge values are accepted", func(t *testing.T) {
		_, err := New(loc, []Window{{Days: allWeek, From: 0, To: 24 * time.Hour}}, []string{"2024-02-29"})
		if err != nil {
			t.Fatalf("New: %v", err)
		}
	})
}

func TestParseClock(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"00:00", 0},
		{"09:00", 9 * time.Hour},
		{"09:30", hm(9, 30)},
		{"12:05", hm(12, 5)},
		{"23:59", hm(23, 59)},
		{"24:00", 24 * time.Hour},
	} {
		t.Run("good "+tc.in, func(t *testing.T) {
			got, err := ParseClock(tc.in)
			if err != nil || got != tc.want {
				t.Fatalf("ParseClock(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
	for _, in := range []string{"", "24:01", "25:00", "99:99", "09:60", "9:00", "09:0", "0900", "09-00", "ab:cd", " 09:00", "09:00 ", "+9:00", "-1:00", "09:00:00", "０9:00"} {
		t.Run(fmt.Sprintf("bad %q", in), func(t *testing.T) {
			got, err := ParseClock(in)
			if err == nil {
				t.Fatalf("ParseClock(%q) = %v, want error", in, got)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("invalid clock %q", in)) {
				t.Fatalf("error %q does not name the input", err)
			}
		})
	}
}

func TestParseWeekday(t *testing.T) {
	for in, want := range map[string]time.Weekday{
		"Mon": time.Monday, "Tue": time.Tuesday, "Wed": time.Wednesday, "Thu": time.Thursday,
		"Fri": time.Friday, "Sat": time.Saturday, "Sun": time.Sunday,
	} {
		t.Run("good "+in, func(t *testing.T) {
			got, err := ParseWeekday(in)
			if err != nil || got != want {
				t.Fatalf("ParseWeekday(%q) = %v, %v; want %v", in, got, err, want)
			}
		})
	}
	for _, in := range []string{"", "mon", "MON", "Monday", "Mo", "M", "Sun ", " Sun", "0", "Sunday"} {
		t.Run(fmt.Sprintf("bad %q", in), func(t *testing.T) {
			if got, err := ParseWeekday(in); err == nil {
				t.Fatalf("ParseWeekday(%q) = %v, want error", in, got)
			} else if !strings.Contains(err.Error(), fmt.Sprintf("invalid weekday %q", in)) {
				t.Fatalf("error %q does not name the input", err)
			}
		})
	}
}

// invariantCalendars are the calendars the invariant checks run against.
func invariantCalendars(tb testing.TB) []struct {
	name string
	c    *Calendar
} {
	berlin := mustLoad(tb, "Europe/Berlin")
	ny := mustLoad(tb, "America/New_York")
	sunday := []time.Weekday{time.Sunday}
	return []struct {
		name string
		c    *Calendar
	}{
		{"office Berlin with holidays", office(tb)},
		{"lunch break Berlin", mustNew(tb, berlin, []Window{
			{Days: weekdaysMonFri, From: hm(9, 0), To: hm(12, 0)},
			{Days: weekdaysMonFri, From: hm(13, 0), To: hm(17, 0)},
		}, "2026-03-30", "2026-10-26")},
		{"Berlin Sunday DST windows", mustNew(tb, berlin, []Window{
			{Days: sunday, From: hm(1, 0), To: hm(4, 0)},
			{Days: sunday, From: hm(22, 0), To: 24 * time.Hour},
			{Days: []time.Weekday{time.Monday}, From: 0, To: hm(0, 30)},
		})},
		{"Berlin gap window", mustNew(tb, berlin, []Window{
			{Days: sunday, From: hm(2, 15), To: hm(2, 45)},
			{Days: sunday, From: hm(2, 50), To: hm(5, 0)},
		})},
		{"New York mixed", mustNew(tb, ny, []Window{
			{Days: weekdaysMonFri, From: hm(9, 0), To: hm(17, 0)},
			{Days: sunday, From: 0, To: 24 * time.Hour},
			{Days: sunday, From: hm(1, 30), To: hm(2, 30)},
		})},
		{"24x7 with holidays", mustNew(tb, berlin, []Window{{Days: allWeek, From: 0, To: 24 * time.Hour}},
			"2026-03-29", "2026-10-24")},
	}
}

func checkInvariant(tb testing.TB, c *Calendar, start time.Time, d time.Duration) {
	tb.Helper()
	got := c.Add(start, d)
	if got.Before(start) {
		tb.Fatalf("Add(%v, %v) = %v is before start", start, d, got)
	}
	if b := c.Between(start, got); b != d {
		tb.Fatalf("Between(%v, Add(.., %v) = %v) = %v, want %v", start, d, got, b, d)
	}
	if d > 0 && !c.IsOpen(got.Add(-time.Nanosecond)) {
		tb.Fatalf("Add(%v, %v) = %v, but the instant before it is closed", start, d, got)
	}
}

func TestAddBetweenInvariantGrid(t *testing.T) {
	durations := []time.Duration{0, time.Nanosecond, time.Minute, 59 * time.Minute, time.Hour,
		150 * time.Minute, 9 * time.Hour, 24 * time.Hour, 45*time.Hour + 7*time.Second, 100 * time.Hour, 500 * time.Hour}
	ranges := [][2]time.Time{
		{time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 8, 0, 0, 0, 0, time.UTC)},
		{time.Date(2026, 10, 16, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 4, 0, 0, 0, 0, time.UTC)},
		{time.Date(2026, 12, 20, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 3, 0, 0, 0, 0, time.UTC)},
	}
	for _, cal := range invariantCalendars(t) {
		t.Run(cal.name, func(t *testing.T) {
			for _, r := range ranges {
				for s := r[0]; s.Before(r[1]); s = s.Add(97*time.Minute + 13*time.Second) {
					for _, d := range durations {
						checkInvariant(t, cal.c, s, d)
					}
				}
			}
		})
	}
}

// naiveOpen is an independent minute-level reference: open when the wall
// clock in loc shows a time inside a window of that weekday, outside holidays.
func naiveOpen(t time.Time, loc *time.Location, windows []Window, holidays map[string]bool) bool {
	lt := t.In(loc)
	if holidays[lt.Format(time.DateOnly)] {
		return false
	}
	wall := hm(lt.Hour(), lt.Minute())
	for _, w := range windows {
		for _, d := range w.Days {
			if d == lt.Weekday() && w.From <= wall && wall < w.To {
				return true
			}
		}
	}
	return false
}

func TestAgainstMinuteByMinuteReference(t *testing.T) {
	berlin := mustLoad(t, "Europe/Berlin")
	ny := mustLoad(t, "America/New_York")
	type refCase struct {
		name     string
		loc      *time.Location
		windows  []Window
		holidays []string
		from, to time.Time
	}
	berlinWindows := []Window{
		{Days: weekdaysMonFri, From: hm(8, 0), To: hm(12, 0)},
		{Days: weekdaysMonFri, From: hm(13, 0), To: hm(17, 30)},
		{Days: []time.Weekday{time.Saturday}, From: hm(10, 0), To: hm(14, 0)},
		{Days: []time.Weekday{time.Sunday}, From: hm(1, 0), To: hm(4, 0)},
		{Days: []time.Weekday{time.Sunday}, From: hm(22, 0), To: 24 * time.Hour},
	}
	nyWindows := []Window{
		{Days: weekdaysMonFri, From: hm(9, 0), To: hm(17, 0)},
		{Days: []time.Weekday{time.Sunday}, From: 0, To: 24 * time.Hour},
		{Days: []time.Weekday{time.Saturday}, From: hm(23, 0), To: 24 * time.Hour},
	}
	cases := []refCase{
		{"Berlin spring forward", berlin, berlinWindows, []string{"2026-03-31"},
			time.Date(2026, 3, 26, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 3, 0, 0, 0, 0, time.UTC)},
		{"Berlin fall back", berlin, berlinWindows, []string{"2026-10-26"},
			time.Date(2026, 10, 22, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 30, 0, 0, 0, 0, time.UTC)},
		{"New York spring forward", ny, nyWindows, nil,
			time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 12, 0, 0, 0, 0, time.UTC)},
		{"New York fall back", ny, nyWindows, []string{"2026-11-03"},
			time.Date(2026, 10, 29, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 5, 0, 0, 0, 0, time.UTC)},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := mustNew(t, tc.loc, tc.windows, tc.holidays...)
			hol := map[string]bool{}
			for _, h := range tc.holidays {
				hol[h] = true
			}
			n := int(tc.to.Sub(tc.from) / time.Minute)
			// prefix[i] = open minutes in [from, from+i min).
			prefix := make([]int, n+1)
			for i := range n {
				prefix[i+1] = prefix[i]
				if naiveOpen(tc.from.Add(time.Duration(i)*time.Minute), tc.loc, tc.windows, hol) {
					prefix[i+1]++
				}
			}
			minute := func(i int) time.Time { return tc.from.Add(time.Duration(i) * time.Minute) }
			for range 300 {
				i, j := rng.IntN(n+1), rng.IntN(n+1)
				if i > j {
					i, j = j, i
				}
				want := time.Duration(prefix[j]-prefix[i]) * time.Minute
				if got := c.Between(minute(i), minute(j)); got != want {
					t.Fatalf("Between(%v, %v) = %v, reference %v", minute(i), minute(j), got, want)
				}
				if i < n {
					if got, want := c.IsOpen(minute(i)), prefix[i+1] > prefix[i]; got != want {
						t.Fatalf("IsOpen(%v) = %v, reference %v", minute(i), got, want)
					}
				}
				// Add k open minutes from minute i: the end of the k-th open minute.
				k := prefix[j] - prefix[i]
				if k == 0 {
					continue
				}
				end := i
				for prefix[end]-prefix[i] < k {
					end++
				}
				if got := c.Add(minute(i), time.Duration(k)*time.Minute); !got.Equal(minute(end)) {
					t.Fatalf("Add(%v, %dm) = %v, reference %v", minute(i), k, got, minute(end))
				}
			}
		})
	}
}

func FuzzAddBetween(f *testing.F) {
	f.Add(int64(0), int64(time.Hour), uint8(0))
	f.Add(int64(1774746000), int64(2*time.Hour), uint8(2))  // 2026-03-29 01:00 UTC
	f.Add(int64(1792890000), int64(25*time.Hour), uint8(5)) // 2026-10-25
	f.Add(int64(-1), int64(-1), uint8(255))
	f.Add(int64(1798502400), int64(45*time.Hour+1), uint8(1)) // Christmas 2026
	cals := invariantCalendars(f)
	base := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	const span = uint64(100 * 366 * 24 * time.Hour / time.Second) // ~100 years of seconds
	f.Fuzz(func(t *testing.T, sec, dur int64, which uint8) {
		cal := cals[int(which)%len(cals)]
		start := base.Add(time.Duration(uint64(sec)%span) * time.Second).Add(time.Duration(uint64(dur) % uint64(time.Second)))
		d := time.Duration(uint64(dur) % uint64(60*24*time.Hour))
		checkInvariant(t, cal.c, start, d)
	})
}

func BenchmarkAdd(b *testing.B) {
	loc := mustLoad(b, "Europe/Berlin")
	c := mustNew(b, loc, []Window{{Days: weekdaysMonFri, From: hm(9, 0), To: hm(18, 0)}})
	starts := make([]time.Time, 64)
	for i := range starts {
		// Spread over a week so that some Adds cross a weekend.
		starts[i] = time.Date(2026, 6, 1, 0, 0, 0, 0, loc).Add(time.Duration(i) * 157 * time.Minute)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c.Add(starts[i&63], 24*time.Hour)
		i++
	}
}

func BenchmarkBetween(b *testing.B) {
	loc := mustLoad(b, "Europe/Berlin")
	c := mustNew(b, loc, []Window{{Days: weekdaysMonFri, From: hm(9, 0), To: hm(18, 0)}})
	a := time.Date(2026, 6, 2, 10, 0, 0, 0, loc)
	end := a.Add(5 * 24 * time.Hour)
	b.ReportAllocs()
	for b.Loop() {
		c.Between(a, end)
	}
}
