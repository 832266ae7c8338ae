package cmdutil

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

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
		if p := flagMessageProblem(err.Error(), s); p != "" {
			t.Fatalf("ParseDurationFlag(%q): %s: %q", s, p, err)
		}
	})
}

// credentialRun is what looks like a credential: a prefix of R-KEY-1
// (sak_), R-USER-2 (sau_) or R-TOK-1 (sat_) and what follows it in those
// formats' alphabets.
var credentialRun = regexp.MustCompile(`sa[ktu]_[0-9A-Za-z_.\-]{5,}`)

// flagMessageProblem says how msg, about the flag value s, breaks R-CLI-4.
func flagMessageProblem(msg, s string) string {
	for _, r := range msg {
		if breaksLine(r) {
			return "message holds a character that breaks its line"
		}
	}
	for _, m := range credentialRun.FindAllString(s, -1) {
		if strings.Contains(msg, m[:9]) {
			return "message shows more of a credential-looking value than its hint"
		}
	}
	t := strings.TrimSpace(s)
	i, n := 0, 0
	for ; n < 81 && i < len(t); n++ {
		_, size := utf8.DecodeRuneInString(t[i:])
		i += size
	}
	if n == 81 && showsRun(msg, t[:i]) {
		return "message quotes more than 80 characters of the value"
	}
	return ""
}

// quotedRE finds double-quoted Go strings in a message.
var quotedRE = regexp.MustCompile(`"(?:[^"\\\n]|\\.)*"`)

// shownParts are the texts a message shows: each double-quoted string in
// it as the text it stands for, and the text between them as it is. What
// a message shows of an input is compared with each part, so an escaped
// backslash (two characters of message, one of input) counts once, and a
// quoted input is not joined to the space before its opening quote.
func shownParts(msg string) []string {
	var parts []string
	last := 0
	for _, m := range quotedRE.FindAllStringIndex(msg, -1) {
		parts = append(parts, msg[last:m[0]])
		if u, err := strconv.Unquote(msg[m[0]:m[1]]); err == nil {
			parts = append(parts, u)
		} else {
			parts = append(parts, msg[m[0]:m[1]])
		}
		last = m[1]
	}
	return append(parts, msg[last:])
}

// showsRun reports whether msg shows run whole in one of its parts.
func showsRun(msg, run string) bool {
	for _, p := range shownParts(msg) {
		if strings.Contains(p, run) {
			return true
		}
	}
	return false
}

// breaksLine says whether r, printed to a terminal, breaks a one-line
// message or rearranges it: a control character (C0, C1, DEL), a line or
// paragraph separator, or a bidirectional formatting character.
func breaksLine(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == '\u061C' || r == '\u200E' || r == '\u200F' ||
		(r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069')
}
