package domain

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/sactl/sactl/internal/keys"
)

// textSeeds are inputs every text field's target starts from: good ones,
// and the edges of R-SA-1, R-SA-2 and R-CLI-4.
var textSeeds = []string{
	"Zapier Sync", "  padded  ", "Café Sync", "🚀", "-_-", "_ a", "zapier-sync", "a", "", " ", "\t\n",
	"ci@example.com", "Ops <ops@example.com>", "UPPER@EXAMPLE.COM", "a@b.c", "@x.y", "a@@b.c",
	"line\nbreak", "tab\there", "nul\x00byte", "bad\xffutf8", "bell\a", "\u2028", "\u00a0nbsp\u00a0",
	"İstanbul", "ß", "K", "ǅ", strings.Repeat("x", 80), strings.Repeat("a", 63), strings.Repeat("a", 64),
	"sak_", "sak_live", "sat_",
}

// longSeeds are past the limits of R-SA-1, for the fields that refuse them
// without quoting them.
var longSeeds = []string{strings.Repeat("x", 81), strings.Repeat("é", 81), strings.Repeat("🚀", 33), strings.Repeat("y", 1001)}

// bidiOrZeroWidth are the characters R-CLI-4 refuses in names: the
// bidirectional embeddings, overrides and isolates, and the zero-width
// characters.
func bidiOrZeroWidth(r rune) bool {
	return (r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069') ||
		(r >= '\u200B' && r <= '\u200D') || r == '\u2060' || r == '\uFEFF'
}

// isCredential says whether s is a well-formed credential: an API key or
// user token (R-KEY-1, R-USER-2) or a signed token (R-TOK-1).
func isCredential(s string) bool {
	if _, _, err := keys.Parse(s); err == nil {
		return true
	}
	_, err := keys.ParseTokenUnverified(s)
	return err == nil
}

// FuzzNormalizeName: a name (R-SA-1) is accepted as its trimmed self, 1–80
// characters of valid UTF-8 without control, bidirectional-override or
// zero-width characters and not a credential (R-CLI-4); normalizing is
// idempotent; NameKey, the case-insensitive uniqueness key, is idempotent
// and the same for the name in any case. A refusal is a KindInvalid error
// whose message follows R-CLI-4.
func FuzzNormalizeName(f *testing.F) {
	for _, s := range textSeeds {
		f.Add(s)
	}
	for _, s := range longSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := NormalizeName("name", s)
		if err != nil {
			if p := invalidProblem(err, s); p != "" {
				t.Fatalf("NormalizeName(%s): %s", show(s), p)
			}
			return
		}
		if out != strings.TrimSpace(s) || out == "" {
			t.Fatalf("NormalizeName(%s) = %q, not the trimmed input", show(s), out)
		}
		if n := utf8.RuneCountInString(out); n > MaxNameLen || !utf8.ValidString(out) {
			t.Fatalf("NormalizeName(%s) accepted %d characters or invalid UTF-8", show(s), n)
		}
		for _, r := range out {
			if unicode.IsControl(r) || bidiOrZeroWidth(r) {
				t.Fatalf("NormalizeName(%s) accepted the character %U (R-CLI-4)", show(s), r)
			}
		}
		if isCredential(out) {
			t.Fatalf("NormalizeName accepted a credential as a name (R-CLI-4)")
		}
		if again, err := NormalizeName("name", out); err != nil || again != out {
			t.Fatalf("NormalizeName is not idempotent on %q: %q, %v", out, again, err)
		}
		key := NameKey(out)
		if NameKey(key) != key {
			t.Fatalf("NameKey is not idempotent on %q: %q then %q", out, key, NameKey(key))
		}
		if up, low := NameKey(strings.ToUpper(out)), NameKey(strings.ToLower(out)); up != key || low != key {
			t.Fatalf("NameKey(%q) = %q, but %q upper-cased and %q lower-cased", out, key, up, low)
		}
	})
}

// FuzzAPIName: Slugify derives a valid api name (R-SA-2) from any name,
// and a slug is its own slug; ValidateAPIName accepts only the R-SA-2
// syntax, never a credential (R-CLI-4), and its refusals follow R-CLI-4.
func FuzzAPIName(f *testing.F) {
	for _, s := range textSeeds {
		f.Add(s)
	}
	f.Add("a--b")
	f.Add("x_" + strings.Repeat("-", 70) + "y")
	f.Add(strings.Repeat("ab-", 21))
	f.Fuzz(func(t *testing.T, s string) {
		slug := Slugify(s)
		if err := ValidateAPIName(slug); err != nil {
			t.Fatalf("Slugify(%s) = %q, which ValidateAPIName refuses: %v", show(s), slug, err)
		}
		if again := Slugify(slug); again != slug {
			t.Fatalf("Slugify is not idempotent: %q, then %q", slug, again)
		}
		err := ValidateAPIName(s)
		if err != nil {
			if p := invalidProblem(err, s); p != "" {
				t.Fatalf("ValidateAPIName(%s): %s", show(s), p)
			}
			return
		}
		if len(s) > MaxAPINameLen || s == "" || strings.ToLower(s) != s || isCredential(s) {
			t.Fatalf("ValidateAPIName accepted %q", s)
		}
		for _, r := range s {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				t.Fatalf("ValidateAPIName accepted %q with %U", s, r)
			}
		}
	})
}

// FuzzNormalizeEmail: an accepted email is its trimmed, lower-cased self,
// at most 254 bytes, one '@', no white space, and normalizing it again
// changes nothing; refusals follow R-CLI-4.
func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range textSeeds {
		f.Add(s)
	}
	f.Add(strings.Repeat("a", 242) + "@example.com")
	f.Add("sak_003aUlTJC7tjlCTQj2uNU3MFagCXG9LRKRcwGkBIDlf0N6D6w@x.io")
	f.Fuzz(func(t *testing.T, s string) {
		out, err := NormalizeEmail(s)
		if err != nil {
			if p := invalidProblem(err, s); p != "" {
				t.Fatalf("NormalizeEmail(%s): %s", show(s), p)
			}
			return
		}
		if out != strings.ToLower(strings.TrimSpace(s)) {
			t.Fatalf("NormalizeEmail(%s) = %q", show(s), out)
		}
		if len(out) > 254 || strings.Count(out, "@") != 1 || strings.IndexFunc(out, unicode.IsSpace) >= 0 {
			t.Fatalf("NormalizeEmail(%s) accepted %q", show(s), out)
		}
		for _, r := range out {
			if unicode.IsControl(r) {
				t.Fatalf("NormalizeEmail(%s) accepted the character %U", show(s), r)
			}
		}
		if again, err := NormalizeEmail(out); err != nil || again != out {
			t.Fatalf("NormalizeEmail is not idempotent on %q: %q, %v", out, again, err)
		}
	})
}

// FuzzNormalizeDescription: an accepted description (R-SA-1) is its trimmed
// self, at most 1000 characters of valid UTF-8 whose only control
// characters are newlines and tabs; normalizing is idempotent; refusals
// follow R-CLI-4.
func FuzzNormalizeDescription(f *testing.F) {
	for _, s := range textSeeds {
		f.Add(s)
	}
	for _, s := range longSeeds {
		f.Add(s)
	}
	f.Add("owned by the data team\n\tsee the runbook")
	f.Add(strings.Repeat("d", 1000))
	f.Fuzz(func(t *testing.T, s string) {
		out, err := NormalizeDescription(s)
		if err != nil {
			if p := invalidProblem(err, s); p != "" {
				t.Fatalf("NormalizeDescription(%s): %s", show(s), p)
			}
			return
		}
		if out != strings.TrimSpace(s) || utf8.RuneCountInString(out) > MaxDescriptionLen || !utf8.ValidString(out) {
			t.Fatalf("NormalizeDescription(%s) = %q", show(s), out)
		}
		for _, r := range out {
			if unicode.IsControl(r) && r != '\n' && r != '\t' {
				t.Fatalf("NormalizeDescription(%s) accepted the character %U", show(s), r)
			}
		}
		if again, err := NormalizeDescription(out); err != nil || again != out {
			t.Fatalf("NormalizeDescription is not idempotent on %q: %q, %v", out, again, err)
		}
	})
}

// FuzzNormalizeIcon: an accepted icon (R-SA-1) is its trimmed self, at most
// 32 characters of valid UTF-8, without white space or control characters;
// normalizing is idempotent; refusals follow R-CLI-4.
func FuzzNormalizeIcon(f *testing.F) {
	for _, s := range textSeeds {
		f.Add(s)
	}
	for _, s := range longSeeds {
		f.Add(s)
	}
	f.Add("🚀")
	f.Add("👩‍💻")
	f.Add("robot")
	f.Fuzz(func(t *testing.T, s string) {
		out, err := NormalizeIcon(s)
		if err != nil {
			if p := invalidProblem(err, s); p != "" {
				t.Fatalf("NormalizeIcon(%s): %s", show(s), p)
			}
			return
		}
		if out != strings.TrimSpace(s) || utf8.RuneCountInString(out) > MaxIconLen || !utf8.ValidString(out) {
			t.Fatalf("NormalizeIcon(%s) = %q", show(s), out)
		}
		for _, r := range out {
			if unicode.IsControl(r) || unicode.IsSpace(r) {
				t.Fatalf("NormalizeIcon(%s) accepted the character %U", show(s), r)
			}
		}
		if again, err := NormalizeIcon(out); err != nil || again != out {
			t.Fatalf("NormalizeIcon is not idempotent on %q: %q, %v", out, again, err)
		}
	})
}

// FuzzBusinessName: a business name and domain are accepted only in their
// slug and DNS syntax, refusals follow R-CLI-4, and every accepted business
// name gives a valid default domain, <business>.example (R-SA-3), so a name
// that passes its own check cannot fail on a domain nobody gave.
func FuzzBusinessName(f *testing.F) {
	for _, s := range []string{"default", "acme", "a", "a-b", "0", "a.b", "-a", "Acme", "acme.example", "x.co",
		"serviceaccounts.acme.example", strings.Repeat("a", 63), strings.Repeat("a", 64), "sak_live", ""} {
		f.Add(s, s)
	}
	f.Add("acme", "acme.example")
	f.Add("acme", "mail.acme.io")
	f.Fuzz(func(t *testing.T, name, dom string) {
		if err := ValidateBusinessName(name); err != nil {
			if p := invalidProblem(err, name); p != "" {
				t.Fatalf("ValidateBusinessName(%s): %s", show(name), p)
			}
		} else if err := ValidateDomain(name + ".example"); err != nil {
			t.Fatalf("business name %q is valid but its default domain is not: %v", name, err)
		}
		if err := ValidateDomain(dom); err != nil {
			if p := invalidProblem(err, dom); p != "" {
				t.Fatalf("ValidateDomain(%s): %s", show(dom), p)
			}
		} else if len(dom) > 253 || strings.ToLower(dom) != dom || !strings.Contains(dom, ".") {
			t.Fatalf("ValidateDomain accepted %q", dom)
		}
	})
}
