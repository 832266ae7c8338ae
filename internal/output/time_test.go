package output

import (
	"testing"
	"time"

	"github.com/sactl/sactl/internal/iostreams"
)

var now = time.Date(2025, 6, 15, 12, 0, 0, 0, time.UTC)

func TestRelativeTime(t *testing.T) {
	const day = 24 * time.Hour
	tests := []struct {
		ago  time.Duration // positive: in the past
		want string
	}{
		{0, "just now"},
		{30 * time.Second, "just now"},
		{-59 * time.Second, "just now"},
		{time.Minute, "1 minute ago"},
		{3*time.Minute + 59*time.Second, "3 minutes ago"},
		{59 * time.Minute, "59 minutes ago"},
		{time.Hour, "1 hour ago"},
		{2*time.Hour + 30*time.Minute, "2 hours ago"},
		{23 * time.Hour, "23 hours ago"},
		{25 * time.Hour, "1 day ago"},
		{3 * day, "3 days ago"},
		{29 * day, "29 days ago"},
		{45 * day, "1 month ago"},
		{200 * day, "6 months ago"},
		{365 * day, "about 1 year ago"},
		{800 * day, "about 2 years ago"},
		{-5 * time.Minute, "in 5 minutes"},
		{-1 * time.Hour, "in 1 hour"},
		{-(5*day + time.Hour), "in 5 days"},
		{-400 * day, "in about 1 year"},
	}
	for _, tt := range tests {
		if got := RelativeTime(now.Add(-tt.ago), now); got != tt.want {
			t.Errorf("RelativeTime(now - %v) = %q, want %q", tt.ago, got, tt.want)
		}
	}
}

func TestFormatTime(t *testing.T) {
	tty, _ := ttyStreams(80)
	pipe, _, _, _ := iostreams.Test()

	zone := time.FixedZone("CEST", 2*60*60)
	ts := time.Date(2025, 6, 12, 13, 59, 5, 999_000_000, zone) // 11:59:05.999Z
	var zero time.Time

	tests := []struct {
		name string
		ios  *iostreams.IOStreams
		t    *time.Time
		want string
	}{
		{"terminal relative", tty, &ts, "3 days ago"},
		{"pipe RFC 3339 UTC", pipe, &ts, "2025-06-12T11:59:05Z"},
		{"terminal nil", tty, nil, "-"},
		{"pipe nil", pipe, nil, ""},
		{"terminal zero", tty, &zero, "-"},
		{"pipe zero", pipe, &zero, ""},
	}
	for _, tt := range tests {
		if got := FormatTime(tt.ios, tt.t, now); got != tt.want {
			t.Errorf("%s: FormatTime = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestFormatEmpty(t *testing.T) {
	tty, _ := ttyStreams(80)
	pipe, _, _, _ := iostreams.Test()
	if got := FormatEmpty(tty, ""); got != "-" {
		t.Errorf("FormatEmpty on a terminal = %q, want -", got)
	}
	if got := FormatEmpty(pipe, ""); got != "" {
		t.Errorf("FormatEmpty off a terminal = %q, want empty", got)
	}
	for _, ios := range []*iostreams.IOStreams{tty, pipe} {
		if got := FormatEmpty(ios, "x"); got != "x" {
			t.Errorf("FormatEmpty(x) = %q", got)
		}
	}
}
