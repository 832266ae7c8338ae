package domain

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// R-CLI-4: no message ever contains a credential, and user input quoted in a
// message is cut to 80 characters. Quote is how a message quotes user input;
// RedactMessage is the last line of defence the CLI's error printer and the
// server's error writer apply to a whole message.

// MaxQuoted is how many characters of user input a message quotes
// (R-CLI-4); longer input is cut to MaxQuoted-1 characters and "…".
const MaxQuoted = 80

// Credential forms (R-KEY-1, R-TOK-1, R-USER-2): an API key "sak_", a user
// token "sau_" (both followed by 43+6 base62 characters) and a signed token
// "sat_" (base64url payload "." base64url signature).
const (
	// keyTailLen is the length of an API key or user token after its
	// prefix: 43 body and 6 checksum characters (keys.KeyLength - 4).
	keyTailLen = 49
	// hintChars is how many characters a hint shows at each end of a key
	// ("sak_AbCd…wxyz"). A prefix followed by at most this many credential
	// characters is not a credential: it holds no secret, a hint itself
	// starts that way, and names such as "sak_prod" stay usable.
	hintChars = 4
)

// isCredentialByte marks the characters a credential is made of: base62
// for keys, base64url and "." for signed tokens. A run of them after a
// prefix is hidden as a whole, so a key with a mistyped "-" in it is not
// half shown.
var isCredentialByte = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
		t[c+'a'-'A'] = true
	}
	t['-'], t['_'], t['.'] = true, true, true
	return t
}()

func isBase62Byte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
}

// nextCredential finds the first credential in s: a prefix ("sak_", "sat_"
// or "sau_", lower case as every credential is written) followed by more
// than hintChars credential characters, also inside a longer string. It
// returns where it starts and ends and what to show instead: for a
// well-formed API key or user token its hint, exactly as sactl shows it
// elsewhere ("sak_AbCd…wxyz", keys.Secret.Hint); for anything else of
// credential form just the prefix and "…" ("sat_…"), so a signed token's
// payload, or a mistyped or truncated key, shows nothing.
func nextCredential(s string) (start, end int, hint string, ok bool) {
	for off := 0; off+4 <= len(s); {
		j := strings.Index(s[off:], "sa")
		if j < 0 {
			return 0, 0, "", false
		}
		i := off + j
		off = i + 1
		if i+4 > len(s) || s[i+3] != '_' || (s[i+2] != 'k' && s[i+2] != 't' && s[i+2] != 'u') {
			continue
		}
		tail := s[i+4:]
		n := 0
		for n < len(tail) && isCredentialByte[tail[n]] {
			n++
		}
		if n <= hintChars {
			continue
		}
		prefix := s[i : i+4]
		if prefix != "sat_" {
			b := 0
			for b < n && isBase62Byte(tail[b]) {
				b++
			}
			// A key's 49 characters, and whatever follows them (".db",
			// "-old") is looked at again; but not after "_", which could
			// end another prefix ("…sak_"), so that the hint would leave
			// a key after it without its prefix, and unredacted.
			if b == keyTailLen && (n == b || tail[b] != '_') {
				return i, i + 4 + keyTailLen, prefix + tail[:hintChars] + "…" + tail[keyTailLen-hintChars:keyTailLen], true
			}
		}
		return i, i + 4 + n, prefix + "…", true
	}
	return 0, 0, "", false
}

// Redact returns s with every credential in it replaced by its hint
// (R-CLI-4): a well-formed API key or user token by "sak_AbCd…wxyz", any
// other string of credential form by its prefix and "…" ("sat_…"). The rest
// of s is unchanged. Redact is idempotent, so text already redacted (a
// message quoting a hint) goes through again unchanged.
func Redact(s string) string {
	start, end, hint, ok := nextCredential(s)
	if !ok {
		return s
	}
	var b strings.Builder
	for ok {
		b.WriteString(s[:start])
		b.WriteString(hint)
		s = s[end:]
		start, end, hint, ok = nextCredential(s)
	}
	b.WriteString(s)
	return b.String()
}

// CredentialPrefix returns the prefix ("sak_", "sat_" or "sau_") of the
// first credential in s, and whether there is one: what Redact would hide.
// Names of credential form are refused (R-CLI-4) with it.
func CredentialPrefix(s string) (string, bool) {
	start, _, _, ok := nextCredential(s)
	if !ok {
		return "", false
	}
	return s[start : start+4], true
}

// Quote renders user input for a message, where fmt's %q would (R-CLI-4):
// credentials replaced by their hints (Redact), cut to MaxQuoted characters
// ("…" ending a cut), and in double quotes with Go escapes, so control,
// bidirectional-override and zero-width characters show as \x07 or \u202e
// rather than act on the terminal. Use it for every ref, name, id, email,
// key id, group or setting value a message repeats from its caller.
func Quote(s string) string {
	return strconv.Quote(Cut(Redact(s), MaxQuoted))
}

// Cut returns s cut to at most n characters (runes), the last of them "…"
// when it was cut.
func Cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	kept := 0
	for i := range s {
		if kept == n-1 {
			return s[:i] + "…"
		}
		kept++
	}
	return s
}

// quotedRE finds double-quoted Go strings in a message.
var quotedRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`"(?:[^"\\\n]|\\.)*"`) })

// RedactMessage makes a whole message safe to print, whoever wrote it
// (R-CLI-4): credentials are replaced by their hints (Redact), line breaks
// and tabs become spaces, other control, bidirectional-override and
// zero-width characters and invalid UTF-8 are escaped (\x1b, \u202e, \xff),
// so the message is one line that cannot restyle the terminal, and a quoted
// string longer than MaxQuoted characters (a dependency's %q of user input,
// such as a flag parser's or a JSON decoder's) is cut like Quote cuts it.
// It is idempotent, and a message built with Quote goes through unchanged.
func RedactMessage(msg string) string {
	msg = escapeHidden(Redact(msg))
	if !strings.Contains(msg, `"`) {
		return msg
	}
	return quotedRE().ReplaceAllStringFunc(msg, func(q string) string {
		u, err := strconv.Unquote(q)
		if err != nil || utf8.RuneCountInString(u) <= MaxQuoted {
			return q
		}
		return Quote(u)
	})
}

// escapeHidden makes msg one line of visible text: see RedactMessage.
func escapeHidden(msg string) string {
	if utf8.ValidString(msg) && strings.IndexFunc(msg, isHidden) < 0 {
		return msg
	}
	var b strings.Builder
	for i := 0; i < len(msg); {
		r, w := utf8.DecodeRuneInString(msg[i:])
		switch {
		case r == utf8.RuneError && w == 1:
			fmt.Fprintf(&b, `\x%02x`, msg[i])
		case r == '\n' || r == '\r' || r == '\t':
			b.WriteByte(' ')
		case isHidden(r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(msg[i : i+w])
		}
		i += w
	}
	return b.String()
}

// isHidden reports whether r should not reach a terminal as it is: control
// characters, line and paragraph separators, and the format characters
// (bidirectional overrides and isolates, zero-width spaces and joiners)
// that make text look like other text.
func isHidden(r rune) bool {
	return unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp)
}

// invisibleInName reports whether s holds a character R-CLI-4 refuses in
// names: a bidirectional override, embedding, isolate or mark (U+202A–E,
// U+2066–9, U+200E/F, U+061C), or a zero-width character (U+200B–D,
// U+2060, U+FEFF).
func invisibleInName(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool {
		switch {
		case r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069',
			r == '\u200e', r == '\u200f', r == '\u061c',
			r >= '\u200b' && r <= '\u200d', r == '\u2060', r == '\ufeff':
			return true
		}
		return false
	})
}
