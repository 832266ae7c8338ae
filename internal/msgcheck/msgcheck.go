// Package msgcheck is the tests' one reading of R-CLI-4: whether a message
// made from untrusted input is fit to print. The fuzz targets of domain,
// cmdutil, server and config check every error they get with it. It
// imports nothing of sactl, so any package's tests can use it.
package msgcheck

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// CredentialRun is what looks like a credential in an input: a prefix of
// R-KEY-1 (sak_), R-USER-2 (sau_) or R-TOK-1 (sat_) and what follows it in
// those formats' alphabets. A message may show at most its hint: the
// prefix and 4 characters.
var CredentialRun = regexp.MustCompile(`sa[ktu]_[0-9A-Za-z_.\-]{5,}`)

// MaxMessageBytes bounds any one error message: R-CLI-4 cuts quoted input
// to 80 characters, so a message is short whatever the input.
const MaxMessageBytes = 2048

// Problem says how msg, an error message made from the inputs in, breaks
// R-CLI-4, or "" when it does not: one valid UTF-8 line (see BreaksLine),
// bounded, no credential-looking part of an input beyond what a hint shows,
// and no more than 80 characters of any one input.
func Problem(msg string, in ...string) string {
	if msg == "" {
		return "empty message"
	}
	if len(msg) > MaxMessageBytes {
		return fmt.Sprintf("message is %d bytes long", len(msg))
	}
	if !utf8.ValidString(msg) {
		return "message is not valid UTF-8"
	}
	for _, r := range msg {
		if BreaksLine(r) {
			return fmt.Sprintf("message holds %U, which breaks its line", r)
		}
	}
	for _, s := range in {
		if p := ShowsTooMuch(msg, s); p != "" {
			return p
		}
	}
	return ""
}

// ShowsTooMuch says how msg shows more of the input s than R-CLI-4 allows
// (more of a credential-looking part than its hint, or more than 80
// characters), in any of the spellings a message may quote it in: as
// given, trimmed, and lower-cased as the normalizers do.
func ShowsTooMuch(msg, s string) string {
	t := strings.TrimSpace(s)
	for _, v := range []string{s, t, strings.ToLower(t)} {
		for _, m := range CredentialRun.FindAllString(v, -1) {
			if strings.Contains(msg, m[:9]) {
				return fmt.Sprintf("message shows more of the credential-looking %q than its hint", m)
			}
		}
		if cut, long := FirstRunes(v, 81); long && showsRun(msg, cut) {
			return "message quotes more than 80 characters of one input"
		}
	}
	return ""
}

// FirstRunes returns the first n runes of s (an invalid byte counts as one)
// and whether s has that many.
func FirstRunes(s string, n int) (string, bool) {
	i := 0
	for ; n > 0 && i < len(s); n-- {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i], n == 0
}

// quotedRE finds double-quoted Go strings in a message.
var quotedRE = regexp.MustCompile(`"(?:[^"\\\n]|\\.)*"`)

// showsRun reports whether msg shows run whole in one of the texts it
// shows: each double-quoted string as the text it stands for, and the text
// between them as it is. So an escaped backslash (two characters of
// message, one of input) counts once, and a quoted input is not joined to
// the space before its opening quote.
func showsRun(msg, run string) bool {
	last := 0
	for _, m := range quotedRE.FindAllStringIndex(msg, -1) {
		part := msg[m[0]:m[1]]
		if u, err := strconv.Unquote(part); err == nil {
			part = u
		}
		if strings.Contains(msg[last:m[0]], run) || strings.Contains(part, run) {
			return true
		}
		last = m[1]
	}
	return strings.Contains(msg[last:], run)
}

// BreaksLine says whether r, printed to a terminal, breaks a one-line
// message or rearranges it: a control character (C0, C1, DEL), a line or
// paragraph separator, or a bidirectional formatting character.
func BreaksLine(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == '\u061C' || r == '\u200E' || r == '\u200F' ||
		(r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069')
}
