package cmdutil

import (
	"testing"
	"time"
)

func TestExpiryWarningSchedule(t *testing.T) { // R-KEY-16
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	never := time.Time{}
	cases := []struct {
		name           string
		left           time.Duration
		lastWarned     time.Time
		warn, remember bool
	}{
		{"far away", 15 * 24 * time.Hour, never, false, false},
		{"just over 14 days", 14*24*time.Hour + time.Minute, never, false, false},
		{"within 14 days, never warned", 14 * 24 * time.Hour, never, true, true},
		{"within 14 days, warned 2h ago", 3 * 24 * time.Hour, now.Add(-2 * time.Hour), false, true},
		{"within 14 days, warned 23h59m ago", 3 * 24 * time.Hour, now.Add(-24*time.Hour + time.Minute), false, true},
		{"within 14 days, warned a day ago", 3 * 24 * time.Hour, now.Add(-24 * time.Hour), true, true},
		{"within 24 hours, warned a minute ago", 24 * time.Hour, now.Add(-time.Minute), true, false},
		{"within an hour", 10 * time.Minute, now, true, false},
		{"expired", 0, never, false, false},
		{"long expired", -time.Hour, never, false, false},
	}
	for _, c := range cases {
		warn, remember := expiryWarning(now, now.Add(c.left), c.lastWarned)
		if warn != c.warn || (warn && remember != c.remember) {
			t.Errorf("%s: warn=%v remember=%v, want %v %v", c.name, warn, remember, c.warn, c.remember)
		}
	}
}

func TestTimeLeft(t *testing.T) {
	for d, want := range map[time.Duration]string{
		30 * time.Second:               "1 minute",
		59 * time.Minute:               "59 minutes",
		time.Hour:                      "1 hour",
		47*time.Hour + 59*time.Minute:  "47 hours",
		48 * time.Hour:                 "2 days",
		13*24*time.Hour + 23*time.Hour: "13 days",
	} {
		if got := timeLeft(d); got != want {
			t.Errorf("timeLeft(%v) = %q, want %q", d, got, want)
		}
	}
}
