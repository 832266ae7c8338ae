package domain

import (
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Limits of R-SA-1 and R-SA-2.
const (
	MaxNameLen        = 80
	MaxDescriptionLen = 1000
	MaxIconLen        = 32
	MaxAPINameLen     = 63
)

// NormalizeName trims a display name and checks R-SA-1: 1–80 characters, no
// control characters, and R-CLI-4: no bidirectional-override or zero-width
// characters, nothing of credential form. what names the field in the error
// ("name", "group name", "key name"). It serves every name: service
// accounts, users, groups, keys and user tokens.
func NormalizeName(what, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", Invalidf("%s must not be empty", what)
	}
	// A credential pasted as a name is said to be one, whatever its length.
	if err := notCredential(what, s); err != nil {
		return "", err
	}
	if n := utf8.RuneCountInString(s); n > MaxNameLen {
		return "", Invalidf("%s is %d characters long; the limit is %d", what, n, MaxNameLen)
	}
	if err := checkText(what, s, false); err != nil {
		return "", err
	}
	if err := notInvisible(what, s); err != nil {
		return "", err
	}
	return s, nil
}

// notCredential refuses a name of credential form (R-CLI-4): a message
// would have to hide it. The error never repeats the name, which may be a
// secret pasted in the wrong place.
func notCredential(what, s string) error {
	if p, ok := CredentialPrefix(s); ok {
		return Invalidf("%s must not look like a credential (%s…)", what, p)
	}
	return nil
}

// notInvisible refuses characters that make a name look like another one
// (R-CLI-4): bidirectional overrides and zero-width characters.
func notInvisible(what, s string) error {
	if invisibleInName(s) {
		return Invalidf("%s must not contain bidirectional-override or zero-width characters", what)
	}
	return nil
}

// NameKey is the case-insensitive form under which names are unique (R-SA-1).
func NameKey(s string) string {
	return strings.ToLower(strings.ToUpper(strings.TrimSpace(s)))
}

func checkText(what, s string, allowNewlines bool) error {
	if !utf8.ValidString(s) {
		return Invalidf("%s is not valid UTF-8", what)
	}
	for _, r := range s {
		if allowNewlines && (r == '\n' || r == '\t') {
			continue
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return Invalidf("%s must not contain control characters", what)
		}
	}
	return nil
}

// NormalizeDescription checks an optional description (R-SA-1: ≤ 1000 characters).
func NormalizeDescription(s string) (string, error) {
	s = strings.TrimSpace(s)
	if n := utf8.RuneCountInString(s); n > MaxDescriptionLen {
		return "", Invalidf("description is %d characters long; the limit is %d", n, MaxDescriptionLen)
	}
	return s, checkText("description", s, true)
}

// NormalizeIcon checks an optional icon: a short name or emoji (R-SA-1: ≤ 32 characters).
func NormalizeIcon(s string) (string, error) {
	s = strings.TrimSpace(s)
	if n := utf8.RuneCountInString(s); n > MaxIconLen {
		return "", Invalidf("icon is %d characters long; the limit is %d", n, MaxIconLen)
	}
	if strings.ContainsFunc(s, unicode.IsSpace) {
		return "", Invalidf("icon must be a short name or an emoji, without spaces")
	}
	return s, checkText("icon", s, false)
}

var apiNameRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`) })

// ValidateAPIName checks R-SA-2's slug syntax, and that the api name does
// not look like a credential (R-CLI-4).
func ValidateAPIName(s string) error {
	if err := notCredential("api name", s); err != nil {
		return err
	}
	if !apiNameRE().MatchString(s) {
		return Invalidf("invalid api name %s: use 1-63 lower-case letters, digits, - and _, starting with a letter or digit", Quote(s))
	}
	return nil
}

// Slugify derives an api_name from a display name (R-SA-2): lower case,
// runs of anything else become one "-", at most 63 characters. Names with
// nothing usable (e.g. only emoji) give "account". The result never looks
// like a credential (R-CLI-4): a "_" that would make "sak_", "sat_" or
// "sau_" becomes "-", so "Sak_ Reports" gives "sak-reports".
func Slugify(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(foldAccents(name)) {
		switch {
		case r == '_' && !dash && endsLikeCredentialKind(&b):
			dash = true
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		default:
			dash = true
		}
		if b.Len() >= MaxAPINameLen {
			break
		}
	}
	// An api name starts and ends with a letter or digit (R-SA-2).
	s := strings.Trim(b.String(), "-_")
	if len(s) > MaxAPINameLen {
		s = strings.TrimRight(s[:MaxAPINameLen], "-_")
	}
	if s == "" {
		return "account"
	}
	return s
}

// endsLikeCredentialKind reports whether b ends in "sak", "sat" or "sau",
// which a "_" would turn into a credential prefix.
func endsLikeCredentialKind(b *strings.Builder) bool {
	s := b.String()
	return strings.HasSuffix(s, "sak") || strings.HasSuffix(s, "sat") || strings.HasSuffix(s, "sau")
}

// foldAccents maps common Latin letters with diacritics to ASCII so that
// "Café Sync" becomes "cafe-sync" rather than "caf-sync".
func foldAccents(s string) string {
	const from = "àáâãäåçèéêëìíîïñòóôõöùúûüýÿÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝ"
	const to = "aaaaaaceeeeiiiinooooouuuuyyAAAAAACEEEEIIIINOOOOOUUUUY"
	fr := []rune(from)
	tr := []rune(to)
	return strings.Map(func(r rune) rune {
		for i, f := range fr {
			if r == f {
				return tr[i]
			}
		}
		return r
	}, s)
}

var emailRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`) })

// NormalizeEmail checks a user's email address and lower-cases it. Like a
// name, it must not look like a credential nor hold invisible characters
// (R-CLI-4).
func NormalizeEmail(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if err := notCredential("email", s); err != nil {
		return "", err
	}
	// emailRE's \s is ASCII only: a Unicode space (U+3000, U+00A0) is no
	// more part of an address than a plain one.
	if len(s) > 254 || !emailRE().MatchString(s) || strings.IndexFunc(s, unicode.IsSpace) >= 0 {
		return "", Invalidf("invalid email address %s", Quote(s))
	}
	if err := checkText("email", s, false); err != nil {
		return "", err
	}
	return s, notInvisible("email", s)
}

// businessRE is a DNS label, so the default domain <name>.example is valid (R-SA-3).
var businessRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`) })

// ValidateBusinessName checks a business name: a slug, since it appears in
// generated emails and on every command line.
func ValidateBusinessName(s string) error {
	if !businessRE().MatchString(s) {
		return Invalidf("invalid business name %s: use 1-63 lower-case letters, digits and -, starting and ending with a letter or digit", Quote(s))
	}
	return nil
}

var domainRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
})

// ValidateDomain checks a business's email domain (R-SA-3).
func ValidateDomain(s string) error {
	if len(s) > 253 || !domainRE().MatchString(s) {
		return Invalidf("invalid domain %s", Quote(s))
	}
	return nil
}
