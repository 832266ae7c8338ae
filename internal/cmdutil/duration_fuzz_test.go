package cmdutil

import (
	"errors"
	"github.com/sactl/sactl/internal/msgcheck"
	"strings"
	"testing"

	"github.com/sactl/sactl/internal/domain"
)

// FuzzParseDurationFlag: a duration flag reads the one duration grammar of
// R-CLI-8, the same as domain.ParseDuration ("" is none); a refusal is a
// usage error (exit 2, R-CLI-3) whose message, printed as one line, shows
// no more of a credential-looking value than its hint and at most 80
// characters of it (R-CLI-4).
func FuzzParseDurationFlag(f *testing.F) {
	for _, s := range []string{"", "90s", "15m", "36h", "14d", "2w", "1y", "100y", "101y", "-5d", "soon", "0s", " 2w ",
		"1d12h", "6mo", "sak_", strings.Repeat("9", 80)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDurationFlag("--expires-in", s)
		if s == "" {
			if d != 0 || err != nil {
				t.Fatalf(`ParseDurationFlag("") = %v, %v; want none`, d, err)
			}
			return
		}
		want, werr := domain.ParseDuration(s)
		if werr == nil && want == 0 {
			// R-CLI-8: a zero duration is refused, never "the default".
			if err == nil {
				t.Fatalf("ParseDurationFlag(%q) = %v, accepted a zero", s, d)
			}
			want, werr = 0, err
		}
		if (err == nil) != (werr == nil) || d != want {
			t.Fatalf("ParseDurationFlag(%q) = %v, %v; domain.ParseDuration = %v, %v", s, d, err, want, werr)
		}
		if err == nil {
			return
		}
		var fe *FlagError
		if !errors.As(err, &fe) || ExitCode(err) != ExitUsage {
			t.Fatalf("ParseDurationFlag(%q): %v is not a usage error", s, err)
		}
		if p := msgcheck.Problem(err.Error(), s); p != "" {
			t.Fatalf("ParseDurationFlag(%q): %s: %q", s, p, err)
		}
	})
}
