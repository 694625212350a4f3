package calendar

import (
	"testing"
	"time"
)

// FuzzCalendar builds a calendar from arbitrary input and checks the
// arithmetic's promises: no panic, no endless walk, nothing due before it
// starts, and Add and Between agreeing.
func FuzzCalendar(f *testing.F) {
	f.Add("Europe/Berlin", "09:00", "17:00", uint8(0b0111110), "2026-12-25", int64(1790000000), int64(3600))
	f.Add("America/New_York", "00:00", "24:00", uint8(0b1111111), "", int64(1772953200), int64(86400))
	f.Add("UTC", "23:59", "24:00", uint8(1), "2026-03-08", int64(0), int64(1))
	f.Add("Australia/Lord_Howe", "02:00", "02:30", uint8(0b1000001), "1970-01-01", int64(1775000000), int64(36000000))
	f.Add("Pacific/Apia", "00:00", "01:00", uint8(0), "2011-12-30", int64(1325203200), int64(-5))
	f.Fuzz(func(t *testing.T, zone, from, to string, days uint8, holiday string, startUnix, seconds int64) {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Skip()
		}
		fromD, err1 := ParseClock(from)
		toD, err2 := ParseClock(to)
		if err1 != nil || err2 != nil {
			t.Skip()
		}
		var weekdays []time.Weekday
		for d := range 7 {
			if days&(1<<d) != 0 {
				weekdays = append(weekdays, time.Weekday(d))
			}
		}
		var holidays []string
		if holiday != "" {
			holidays = []string{holiday}
		}
		c, err := New(loc, []Window{{Days: weekdays, From: fromD, To: toD}}, holidays)
		if err != nil {
			return // rejected with an error: fine
		}
		// Starts between 1970 and about 2200; targets up to a year.
		start := time.Unix(startUnix%(7_300_000_000), 0).UTC()
		if start.Before(time.Unix(0, 0)) {
			start = time.Unix(0, 0).UTC()
		}
		d := time.Duration(seconds%(366*24*3600)) * time.Second

		done := make(chan struct{})
		go func() {
			defer close(done)
			due := c.Add(start, d)
			if due.Before(start) {
				t.Errorf("Add(%s, %s) = %s: due before start", start, d, due)
			}
			if d > 0 && !c.always() {
				if got := c.Between(start, due); got > d {
					t.Errorf("Between(start, Add(start, %s)) = %s: more open time than added", d, got)
				}
			}
			if next := c.NextChange(start); !next.IsZero() && !next.After(start) {
				t.Errorf("NextChange(%s) = %s: not after", start, next)
			}
			_ = c.IsOpen(start)
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("calendar arithmetic did not finish in 5s (zone %q, %q-%q, days %07b, holiday %q, start %s, %s)", zone, from, to, days, holiday, start, d)
		}
	})
}
