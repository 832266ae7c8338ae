package domain

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/sactl/sactl/internal/keys"
)

func newSecret(t testing.TB, kind keys.Kind) keys.Secret {
	t.Helper()
	s, err := keys.Generate(kind)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newToken(t testing.TB) string {
	t.Helper()
	k, err := keys.NewSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().Unix()
	tok, err := keys.MintToken(k, keys.TokenClaims{Business: "biz_1", Account: "sa_1", IssuedAt: now, Expiry: now + 900, ID: "tok_1", Execution: "run-42"})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// assertHidden fails when out holds any 5 consecutive characters of the
// secret part of a credential (what follows its prefix), except the 4 at
// each end a hint may show.
func assertHidden(t *testing.T, out, credential string) {
	t.Helper()
	body := credential[4:]
	for i := 1; i+5 <= len(body)-1; i++ {
		if w := body[i : i+5]; strings.Contains(out, w) {
			t.Errorf("%q shows %q of %s…", out, w, credential[:8])
			return
		}
	}
}

// R-KEY-1: a key or user token shows as the hint sactl shows everywhere
// else; a signed token as its prefix only, payload and all.
func TestRedactCredentials(t *testing.T) {
	for _, kind := range []keys.Kind{keys.KindAPIKey, keys.KindUserToken} {
		s := newSecret(t, kind)
		key, hint := s.Reveal(), s.Hint()
		for in, want := range map[string]string{
			key:                          hint,
			"x" + key:                    "x" + hint,
			"my key is " + key + ", see": "my key is " + hint + ", see",
			"/tmp/" + key + ".db":        "/tmp/" + hint + ".db",
			key + "-old":                 hint + "-old",
			key + "_old":                 string(kind) + "_…",
			`"` + key + `"`:              `"` + hint + `"`,
			key + " " + key:              hint + " " + hint,
			key + key:                    string(kind) + "_…", // 98 characters: not a key
			key[:30]:                     string(kind) + "_…", // cut short
			key[:20] + "-" + key[20:]:    string(kind) + "_…", // mistyped: no half is shown
			key + "x":                    string(kind) + "_…",
			"Bearer " + key + "\n":       "Bearer " + hint + "\n",
			// 46 characters and "sak" make 49, then "_": not a hint,
			// which would leave the key after it bare (found by FuzzRedact).
			"sak_" + strings.Repeat("0", 46) + key: "sak_…",
		} {
			got := Redact(in)
			if got != want {
				t.Errorf("Redact(%.12q…) = %q, want %q", in, got, want)
			}
			assertHidden(t, got, key)
			if again := Redact(got); again != got {
				t.Errorf("Redact is not idempotent: %q, then %q", got, again)
			}
		}
		if got, want := Quote(key), `"`+hint+`"`; got != want {
			t.Errorf("Quote(key) = %s, want %s", got, want)
		}
		if p, ok := CredentialPrefix("a " + key); !ok || p != string(kind)+"_" {
			t.Errorf("CredentialPrefix(key) = %q, %v", p, ok)
		}
	}

	tok := newToken(t)
	for in, want := range map[string]string{
		tok:                       "sat_…",
		"Bearer " + tok:           "Bearer sat_…",
		`{"token":"` + tok + `"}`: `{"token":"sat_…"}`,
		tok + " and " + tok:       "sat_… and sat_…",
		tok[:40]:                  "sat_…",
	} {
		got := Redact(in)
		if got != want {
			t.Errorf("Redact(%.12q…) = %q, want %q", in, got, want)
		}
		assertHidden(t, got, tok)
	}
	if got := Quote(tok); got != `"sat_…"` {
		t.Errorf("Quote(token) = %s", got)
	}
}

// What is not a credential stays as it is: ids, short names, hints, other
// case, and text around a prefix.
func TestRedactLeavesOtherText(t *testing.T) {
	for _, s := range []string{
		"", "sak_", "sak", "sa", "s", "sak_prod", "sat_team", "sau_abcd", "sak_ab-c",
		"SAK_ABCDEFGHIJ", "Sak_Reports", "sak-reports", "sak reports", "sak_ reports",
		"sak_AbCd…wxyz", "sau_AbCd…wxyz", "sat_…", "sak_…", `"sak_AbCd…wxyz"`, "sak_AbCd\\u2026wxyz",
		"sa_01m8rpxa3x1186b21fzvxj1ga5", "key_01m8rpxa3xkt2xyzr3g6n333sj", "tok_01m8rpzj5ajwzkmgntznjq95fp",
		"usr_01m8rpzj5xgd2drmjc20wn4sef", "want sak_ or sau_)", "service_accounts=edit", "Zapier Sync",
		"créé sak_é", "sak_\u200babcdefgh",
	} {
		if got := Redact(s); got != s {
			t.Errorf("Redact(%q) = %q, want it unchanged", s, got)
		}
		if p, ok := CredentialPrefix(s); ok {
			t.Errorf("CredentialPrefix(%q) = %q, want none", s, p)
		}
	}
	for _, s := range []string{"sak_prods", "sat_teams", "sau_abcde", "xsak_abcde", "sak_a.b.c", "sat_x-y_z"} {
		if _, ok := CredentialPrefix(s); !ok {
			t.Errorf("CredentialPrefix(%q): want credential form", s)
		}
	}
}

// R-CLI-4: user input is cut to 80 characters (counted as characters),
// and control, bidirectional-override and zero-width characters are escaped.
func TestQuote(t *testing.T) {
	x79 := strings.Repeat("x", 79)
	for in, want := range map[string]string{
		"zapier-sync":                   `"zapier-sync"`,
		strings.Repeat("x", 80):         `"` + strings.Repeat("x", 80) + `"`,
		strings.Repeat("x", 81):         `"` + x79 + `…"`,
		strings.Repeat("x", 10000):      `"` + x79 + `…"`,
		strings.Repeat("é", 10000):      `"` + strings.Repeat("é", 79) + `…"`,
		strings.Repeat("🚀", 100):        `"` + strings.Repeat("🚀", 79) + `…"`,
		"Zap\aier":                      `"Zap\aier"`,
		"Zap\x1b[31mier":                `"Zap\x1b[31mier"`,
		"a\nb":                          `"a\nb"`,
		"Zapier\u202ecnyS":              `"Zapier\u202ecnyS"`,
		"Zap\u200bier":                  `"Zap\u200bier"`,
		"\ufeffZapier":                  `"\ufeffZapier"`,
		"\u2066x\u2069":                 `"\u2066x\u2069"`,
		"bad \xff byte":                 `"bad \xff byte"`,
		`say "hi"`:                      `"say \"hi\""`,
		strings.Repeat("\u202e", 10000): `"` + strings.Repeat(`\u202e`, 79) + `…"`,
	} {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%.20q) = %.100s, want %.100s", in, got, want)
		}
	}

	// The credential is redacted before the cut, so a key near the end of
	// long input is never cut into a fragment that shows part of it.
	s := newSecret(t, keys.KindAPIKey)
	for n := 0; n <= 100; n++ {
		in := strings.Repeat("a", n) + s.Reveal() + strings.Repeat("b", 100)
		got := Quote(in)
		assertHidden(t, got, s.Reveal())
		if r := utf8.RuneCountInString(got); r > MaxQuoted+2 {
			t.Errorf("Quote of %d characters gives %d", utf8.RuneCountInString(in), r)
		}
	}
}

func TestCut(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"abc", 3, "abc"}, {"abcd", 3, "ab…"}, {"", 3, ""}, {"abc", 0, ""}, {"éééé", 2, "é…"}, {"a", 1, "a"}, {"abc", 1, "…"},
	} {
		if got := Cut(c.in, c.n); got != c.want {
			t.Errorf("Cut(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}

// The last line of defence: a message from anywhere.
func TestRedactMessage(t *testing.T) {
	s := newSecret(t, keys.KindUserToken)
	tok := newToken(t)
	long := strings.Repeat("y", 5000)
	for in, want := range map[string]string{
		"open database /tmp/" + s.Reveal() + ".db: file is not a database": "open database /tmp/" + s.Hint() + ".db: file is not a database",
		`invalid argument "` + long + `" for "--limit" flag`:               `invalid argument "` + strings.Repeat("y", 79) + `…" for "--limit" flag`,
		`json: unknown field "` + tok + `"`:                                `json: unknown field "sat_…"`,
		"two\nlines\r\n":                                                   "two lines  ",
		"red \x1b[31malert":                                                `red \x1b[31malert`,
		"right-to-left \u202e override":                                    `right-to-left \u202e override`,
		"bad \xff byte":                                                    `bad \xff byte`,
		`group "admins" not found in business "default"`:                   `group "admins" not found in business "default"`,
		"it's a \"quote":                                                   "it's a \"quote",
		"Café 🚀 ok":                                                        "Café 🚀 ok",
	} {
		got := RedactMessage(in)
		if got != want {
			t.Errorf("RedactMessage(%.30q) = %.120q, want %.120q", in, got, want)
		}
		if again := RedactMessage(got); again != got {
			t.Errorf("RedactMessage is not idempotent: %q, then %q", got, again)
		}
	}
	// A message built with Quote goes through unchanged.
	for _, in := range []string{long, s.Reveal(), "Zap\aier\u202e", strings.Repeat("é", 200), tok} {
		msg := "service account " + Quote(in) + " not found"
		if got := RedactMessage(msg); got != msg {
			t.Errorf("RedactMessage(%q) = %q, want it unchanged", msg, got)
		}
	}
	// Errors made by the constructors are redacted whatever their format.
	err := NotFoundf("no key %q", s.Reveal()).WithHint("try %s", tok)
	if err.Msg != `no key "`+s.Hint()+`"` || err.Hint != "try sat_…" {
		t.Errorf("NotFoundf: %q (%q)", err.Msg, err.Hint)
	}
}

// R-CLI-4: names of credential form are refused, and the refusal does not
// repeat them; so are bidirectional-override and zero-width characters.
func TestNamesRefuseCredentialsAndInvisibles(t *testing.T) {
	key := newSecret(t, keys.KindAPIKey).Reveal()
	utok := newSecret(t, keys.KindUserToken).Reveal()
	tok := newToken(t)
	for _, c := range []struct{ in, want string }{
		{key, "name must not look like a credential (sak_…)"},
		{"Reports for " + key, "name must not look like a credential (sak_…)"},
		{utok, "name must not look like a credential (sau_…)"},
		{tok, "name must not look like a credential (sat_…)"},
		{"sat_reports", "name must not look like a credential (sat_…)"},
	} {
		_, err := NormalizeName("name", c.in)
		if err == nil || err.Error() != c.want || KindOf(err) != KindInvalid {
			t.Errorf("NormalizeName(%.12q…) = %v, want %q", c.in, err, c.want)
		}
	}
	for _, r := range []rune{'\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069',
		'\u200e', '\u200f', '\u061c', '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff'} {
		_, err := NormalizeName("group name", "admins"+string(r)+"x")
		if err == nil || err.Error() != "group name must not contain bidirectional-override or zero-width characters" {
			t.Errorf("NormalizeName with %U: %v", r, err)
		}
		if _, err := NormalizeEmail("ada" + string(r) + "@example.com"); err == nil {
			t.Errorf("NormalizeEmail with %U: accepted", r)
		}
	}
	for _, ok := range []string{"Zapier Sync", "sak_prod", "Sak_ Reports", "SAK_ABCDEFGH", "Café Sync", "🚀 Launch"} {
		if _, err := NormalizeName("name", ok); err != nil {
			t.Errorf("NormalizeName(%q): %v", ok, err)
		}
	}

	if err := ValidateAPIName(strings.ToLower(key)); err == nil || err.Error() != "api name must not look like a credential (sak_…)" {
		t.Errorf("ValidateAPIName(key): %v", err)
	}
	if err := ValidateAPIName(key); err == nil || strings.Contains(err.Error(), key[4:]) {
		t.Errorf("ValidateAPIName(key): %v", err)
	}
	if err := ValidateAPIName("sak_prod"); err != nil {
		t.Errorf("ValidateAPIName(sak_prod): %v", err)
	}
	if _, err := NormalizeEmail(utok + "@example.com"); err == nil || err.Error() != "email must not look like a credential (sau_…)" {
		t.Errorf("NormalizeEmail(token@…): %v", err)
	}
	if _, err := NormalizeEmail(strings.Repeat("x", 300)); err == nil || err.Error() != `invalid email address "`+strings.Repeat("x", 79)+`…"` {
		t.Errorf("NormalizeEmail(long): %v", err)
	}
}

// A derived api name never looks like a credential.
func TestSlugifyNeverGivesCredentials(t *testing.T) {
	for name, want := range map[string]string{
		"Sak_ Reports":  "sak-reports",
		"SAT_Reports":   "sat-reports",
		"sau_abcdefgh":  "sau-abcdefgh",
		"xsak_abcdefgh": "xsak-abcdefgh",
		"sak _abcdefgh": "sak-_abcdefgh",
		"sa_k_abcdefg":  "sa_k_abcdefg",
	} {
		got := Slugify(name)
		if got != want {
			t.Errorf("Slugify(%q) = %q, want %q", name, got, want)
		}
		if err := ValidateAPIName(got); err != nil {
			t.Errorf("Slugify(%q) = %q: %v", name, got, err)
		}
	}
}

func FuzzRedact(f *testing.F) {
	key := newSecret(f, keys.KindAPIKey).Reveal()
	for _, s := range []string{"", "sak_", "sak_prods", key, "x" + key + ".db", key[:30] + "-" + key[30:],
		"sat_abc.def", "sak_AbCd…wxyz", `"` + strings.Repeat("a", 100) + `"`, "a\nb\x1b\u202e", "\xff\xfe", `"\"`} {
		f.Add(s, len(s)/2)
	}
	f.Fuzz(func(t *testing.T, s string, at int) {
		out := Redact(s)
		if _, ok := CredentialPrefix(out); ok {
			t.Fatalf("Redact(%q) = %q still looks like a credential", s, out)
		}
		if Redact(out) != out {
			t.Fatalf("Redact is not idempotent on %q", s)
		}
		if q := Quote(s); utf8.RuneCountInString(q) > 2+10*MaxQuoted {
			t.Fatalf("Quote(%q) = %q is too long", s, q)
		} else if _, ok := CredentialPrefix(q); ok {
			t.Fatalf("Quote(%q) = %q looks like a credential", s, q)
		}
		m := RedactMessage(s)
		if RedactMessage(m) != m {
			t.Fatalf("RedactMessage is not idempotent on %q: %q, then %q", s, m, RedactMessage(m))
		}
		if strings.ContainsAny(m, "\n\r") {
			t.Fatalf("RedactMessage(%q) = %q is more than one line", s, m)
		}
		if _, ok := CredentialPrefix(m); ok {
			t.Fatalf("RedactMessage(%q) = %q looks like a credential", s, m)
		}
		// A real key anywhere in the input never shows.
		if at < 0 {
			at = -at
		}
		at %= len(s) + 1
		with := s[:at] + key + s[at:]
		for _, got := range []string{Redact(with), Quote(with), RedactMessage(with)} {
			if strings.Contains(got, key[8:49]) {
				t.Fatalf("%q shows the key", got)
			}
		}
	})
}
