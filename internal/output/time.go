package output

import (
	"fmt"
	"time"

	"github.com/sactl/sactl/internal/iostreams"
)

// FormatTime formats a time for a table cell or detail value. On a terminal
// it is relative to now ("3 days ago", "in 5 days") and a missing time is
// "-"; otherwise it is RFC 3339 in UTC to the second
// ("2006-01-02T15:04:05Z") and a missing time is "". A nil or zero t is
// missing. Pass the command's clock as now so tests are deterministic.
func FormatTime(ios *iostreams.IOStreams, t *time.Time, now time.Time) string {
	tty := ios.IsStdoutTTY()
	if t == nil || t.IsZero() {
		if tty {
			return "-"
		}
		return ""
	}
	if tty {
		return RelativeTime(*t, now)
	}
	return t.UTC().Format(time.RFC3339)
}

// FormatEmpty returns s, or "-" in place of an empty s on a terminal so that
// an empty cell is visibly empty; off a terminal an empty s stays "".
func FormatEmpty(ios *iostreams.IOStreams, s string) string {
	if s == "" && ios.IsStdoutTTY() {
		return "-"
	}
	return s
}

// RelativeTime describes t relative to now in words: "just now" (within a
// minute either way), "N minutes/hours/days/months ago", "about N years
// ago", and "in ..." for times in the future. Units are whole (rounded
// down); a month is 30 days and a year 365 days.
func RelativeTime(t, now time.Time) string {
	d := now.Sub(t)
	future := d < 0
	if future {
		d = -d
	}
	if d < time.Minute {
		return "just now"
	}
	const day = 24 * time.Hour
	var amount string
	switch {
	case d < time.Hour:
		amount = plural(int(d/time.Minute), "minute")
	case d < day:
		amount = plural(int(d/time.Hour), "hour")
	case d < 30*day:
		amount = plural(int(d/day), "day")
	case d < 365*day:
		amount = plural(int(d/(30*day)), "month")
	default:
		amount = "about " + plural(int(d/(365*day)), "year")
	}
	if future {
		return "in " + amount
	}
	return amount + " ago"
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
