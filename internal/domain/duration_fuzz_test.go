package domain

import (
	"strings"
	"testing"
	"time"
)

// FuzzParseDuration: the one duration grammar (R-CLI-8) reads every string
// without panicking; what it accepts lies within ±MaxDuration (100y, far
// from time.Duration's overflow) and survives FormatDuration: parsing the
// formatted value gives the same duration, and formatting that gives the
// same text (a canonical form). So the grammar cannot accept "-24h" and
// refuse "-1d", the form FormatDuration writes it in.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{
		"90s", "15m", "36h", "14d", "2w", "6mo", "1y", "1d12h", "100y", "101y", "5218w", "5219w",
		"36500d", "36501d", "876000h", "876001h", "2562047h", "9223372036854775807d", "-1d",
		"+1h", "01d", "0d", "0", "-0s", " 2w\n", "1.5h", "1e3d", "d", "", "   ", "h", "1h-1m", "\x00d",
		"1µs", "1ns", "99999999999999999999y",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			if d != 0 {
				t.Fatalf("ParseDuration(%q) = %v with an error", s, d)
			}
			if msg := err.Error(); msg == "" || strings.Contains(msg, "\n") {
				t.Fatalf("ParseDuration(%q): error %q is not one line", s, msg)
			}
			return
		}
		if d > MaxDuration || d < -MaxDuration {
			t.Fatalf("ParseDuration(%q) = %v, beyond the 100y cap", s, d)
		}
		text := FormatDuration(d)
		back, err := ParseDuration(text)
		if err != nil || back != d {
			t.Fatalf("ParseDuration(%q) = %v, formatted %q, which parses as %v, %v", s, d, text, back, err)
		}
		if again := FormatDuration(back); again != text {
			t.Fatalf("FormatDuration is not canonical: %q then %q", text, again)
		}
	})
}

// FuzzFormatDuration: every duration from 0 to the cap (the lengths sactl
// stores: TTLs, limits, grace periods) is written in a form the grammar
// reads back exactly (R-CLI-8); whole days in days, weeks or years.
func FuzzFormatDuration(f *testing.F) {
	for _, d := range []time.Duration{
		0, 1, time.Second, 90 * time.Second, 36 * time.Hour, Day, Week, 2 * Week, Year, 100 * Year,
		MaxDuration - 1, Year + Day, 53 * Week, 1<<62 - 1, -Day,
	} {
		f.Add(int64(d))
	}
	f.Fuzz(func(t *testing.T, n int64) {
		d := time.Duration(n)
		if d < 0 || d > MaxDuration {
			return
		}
		text := FormatDuration(d)
		back, err := ParseDuration(text)
		if err != nil || back != d {
			t.Fatalf("FormatDuration(%d) = %q, which parses as %v, %v", n, text, back, err)
		}
		// Whole days read as days, weeks or years, never as hours.
		if d != 0 && d%Day == 0 && !strings.ContainsAny(text[len(text)-1:], "dwy") {
			t.Fatalf("FormatDuration(%v) = %q, not in days, weeks or years", d, text)
		}
	})
}
