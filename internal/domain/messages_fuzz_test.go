package domain

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The fuzz targets of this package check every error they get against
// R-CLI-4 with invalidProblem. The same few lines live in the fuzz tests of
// internal/server and internal/config, which cannot import test code.

// credentialRun is what looks like a credential in an input: a prefix of
// R-KEY-1 (sak_), R-USER-2 (sau_) or R-TOK-1 (sat_) and what follows it in
// those formats' alphabets.
var credentialRun = regexp.MustCompile(`sa[ktu]_[0-9A-Za-z_.\-]{5,}`)

// maxMessageBytes bounds any one error message: R-CLI-4 cuts quoted input
// to 80 characters, so a message is short whatever the input.
const maxMessageBytes = 2048

// invalidProblem says how err, returned for the inputs in, breaks the rules
// for invalid input, or "" when it does not: it must be a KindInvalid
// domain error whose message passes messageProblem.
func invalidProblem(err error, in ...string) string {
	var de *Error
	if !errors.As(err, &de) || de.Kind != KindInvalid {
		return fmt.Sprintf("error %q is not a domain error of kind invalid", err)
	}
	if !errors.Is(err, ErrInvalid) {
		return "error does not match ErrInvalid"
	}
	return messageProblem(de.Msg, in...)
}

// messageProblem says how msg, an error message made from the inputs in,
// breaks R-CLI-4, or "" when it does not: one line (see breaksLine), bounded, no
// credential-looking part of an input beyond what a hint shows (the prefix
// and 4 characters), and no more than 80 characters of any one input.
func messageProblem(msg string, in ...string) string {
	if msg == "" {
		return "empty message"
	}
	if len(msg) > maxMessageBytes {
		return fmt.Sprintf("message is %d bytes long", len(msg))
	}
	if !utf8.ValidString(msg) {
		return "message is not valid UTF-8"
	}
	for _, r := range msg {
		if breaksLine(r) {
			return fmt.Sprintf("message holds %U, which breaks its line", r)
		}
	}
	for _, s := range in {
		for _, v := range inputForms(s) {
			for _, m := range credentialRun.FindAllString(v, -1) {
				if strings.Contains(msg, m[:9]) {
					return fmt.Sprintf("message shows more of the credential-looking %q than its hint", m)
				}
			}
			if cut, long := firstRunes(v, 81); long {
				if showsRun(msg, cut) {
					return "message quotes more than 80 characters of one input"
				}
			}
		}
	}
	return ""
}

// inputForms are the spellings of an input a message may quote: as given,
// trimmed, and lower-cased as the normalizers do.
func inputForms(s string) []string {
	t := strings.TrimSpace(s)
	return []string{s, t, strings.ToLower(t)}
}

// firstRunes returns the first n runes of s (an invalid byte counts as one)
// and whether s has that many.
func firstRunes(s string, n int) (string, bool) {
	i := 0
	for ; n > 0 && i < len(s); n-- {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i], n == 0
}

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

// show quotes s for a test failure, cut so that a long input stays readable.
func show(s string) string {
	if cut, long := firstRunes(s, 60); long && len(cut) < len(s) {
		return strconv.Quote(cut) + fmt.Sprintf("… (%d bytes)", len(s))
	}
	return strconv.Quote(s)
}

// breaksLine says whether r, printed to a terminal, breaks a one-line
// message or rearranges it: a control character (C0, C1, DEL), a line or
// paragraph separator, or a bidirectional formatting character.
func breaksLine(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == '\u061C' || r == '\u200E' || r == '\u200F' ||
		(r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069')
}
