package keys

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"log/slog"
	"math/big"
	"strings"
	"testing"
	"unicode"
)

// oracleBase62 encodes n in the R-KEY-1 alphabet, left-padded to width, using
// math/big. big.Int.Text(62) uses 0-9a-zA-Z; swapping the case of letters
// gives 0-9A-Za-z.
func oracleBase62(n *big.Int, width int) string {
	s := n.Text(62)
	s = strings.Map(func(r rune) rune {
		if unicode.IsUpper(r) {
			return unicode.ToLower(r)
		}
		return unicode.ToUpper(r)
	}, s)
	return strings.Repeat("0", width-len(s)) + s
}

func TestEncodeBodyMatchesBigInt(t *testing.T) {
	cases := map[string][32]byte{"zero": {}, "one": {31: 1}, "61": {31: 61}, "62": {31: 62}, "256": {30: 1}}
	var all [32]byte
	for i := range all {
		all[i] = 0xff
	}
	cases["max"] = all
	for i := range 200 {
		var r [32]byte
		rand.Read(r[:])
		cases[fmt.Sprint("random", i)] = r
	}
	for name, raw := range cases {
		got := encodeBody(&raw)
		want := oracleBase62(new(big.Int).SetBytes(raw[:]), bodyLen)
		if string(got[:]) != want {
			t.Errorf("%s: encodeBody = %s, want %s", name, got[:], want)
		}
	}
	if got := encodeBody(&[32]byte{31: 61}); string(got[bodyLen-2:]) != "0z" {
		t.Errorf("61 encodes to ...%s, want ...0z", got[bodyLen-2:])
	}
	if got := encodeBody(&[32]byte{31: 62}); string(got[bodyLen-2:]) != "10" {
		t.Errorf("62 encodes to ...%s, want ...10", got[bodyLen-2:])
	}
}

func TestBodyWidthFits256Bits(t *testing.T) {
	max := new(big.Int).Lsh(big.NewInt(1), 256)
	if new(big.Int).Exp(big.NewInt(62), big.NewInt(bodyLen), nil).Cmp(max) < 0 {
		t.Fatal("62^43 < 2^256: the body cannot hold 256 bits")
	}
	if new(big.Int).Exp(big.NewInt(62), big.NewInt(bodyLen-1), nil).Cmp(max) >= 0 {
		t.Fatal("62^42 >= 2^256: the body is wider than needed")
	}
	if want := oracleBase62(max.Sub(max, big.NewInt(1)), bodyLen); maxBody != want {
		t.Fatalf("maxBody = %s, want %s", maxBody, want)
	}
}

func TestChecksumMatchesCRC32(t *testing.T) {
	inputs := []string{"", "a", "sak_", "sak_" + strings.Repeat("0", bodyLen), "sau_" + maxBody, "\x00\xff"}
	for range 100 {
		inputs = append(inputs, mustGenerate(t, KindAPIKey).Reveal()[:prefixLen+bodyLen])
	}
	for _, s := range inputs {
		if got, want := crc32IEEE(s), crc32.ChecksumIEEE([]byte(s)); got != want {
			t.Errorf("crc32IEEE(%q) = %08x, want %08x", s, got, want)
		}
		got := checksum(s)
		want := oracleBase62(big.NewInt(int64(crc32.ChecksumIEEE([]byte(s)))), checksumLen)
		if string(got[:]) != want {
			t.Errorf("checksum(%q) = %s, want %s", s, got[:], want)
		}
	}
}

// TestGoldenKey pins the R-KEY-1 format; the values were checked with an
// independent implementation (Python int and zlib.crc32).
func TestGoldenKey(t *testing.T) {
	var raw [32]byte
	for i := range raw {
		raw[i] = byte(i)
	}
	for kind, want := range map[Kind]string{
		KindAPIKey:    "sak_003aUlTJC7tjlCTQj2uNU3MFagCXG9LRKRcwGkBIDlf0N6D6w",
		KindUserToken: "sau_003aUlTJC7tjlCTQj2uNU3MFagCXG9LRKRcwGkBIDlf1RZfBR",
	} {
		if got := newSecret(kind, &raw); got.Reveal() != want {
			t.Errorf("newSecret(%s) = %s, want %s", kind, got.Reveal(), want)
		}
		if _, _, err := Parse(want); err != nil {
			t.Errorf("Parse(golden %s): %v", kind, err)
		}
	}
}

func TestGenerate(t *testing.T) {
	for _, kind := range []Kind{KindAPIKey, KindUserToken} {
		seen := map[Secret]bool{}
		firsts := map[byte]bool{}
		for range 200 {
			s := mustGenerate(t, kind)
			v := s.Reveal()
			if len(v) != KeyLength || !strings.HasPrefix(v, string(kind)+"_") {
				t.Fatalf("Generate(%s) = %d chars with prefix %q", kind, len(v), v[:4])
			}
			gotKind, parsed, err := Parse(v)
			if err != nil || gotKind != kind || parsed != s {
				t.Fatalf("Parse(Generate(%s)) = %s, %v", kind, gotKind, err)
			}
			if seen[s] {
				t.Fatalf("Generate(%s) repeated a key", kind)
			}
			seen[s] = true
			firsts[v[prefixLen]] = true
		}
		// 256 random bits fill the whole width: the first body digit
		// ranges over 0..60, so 200 keys show many different ones.
		if len(firsts) < 10 {
			t.Errorf("Generate(%s): only %d distinct first body digits in 200 keys", kind, len(firsts))
		}
	}
}

func TestGenerateUnknownKind(t *testing.T) {
	for _, kind := range []Kind{"", "sat", "SAK", "sak_", "key"} {
		if s, err := Generate(kind); err == nil {
			t.Errorf("Generate(%q) = %s, want an error", kind, s)
		}
	}
}

func TestParseAccepts(t *testing.T) {
	key := mustGenerate(t, KindAPIKey).Reveal()
	user := mustGenerate(t, KindUserToken).Reveal()
	tests := []struct {
		name, in string
		kind     Kind
		want     string
	}{
		{"api key", key, KindAPIKey, key},
		{"user token", user, KindUserToken, user},
		{"trailing newline", key + "\n", KindAPIKey, key},
		{"trailing CRLF", key + "\r\n", KindAPIKey, key},
		{"surrounding blanks", " \t" + key + " \t\n", KindAPIKey, key},
		{"all zeros body", string(newSecret(KindAPIKey, &[32]byte{})), KindAPIKey, string(newSecret(KindAPIKey, &[32]byte{}))},
		{"max body", "sak_" + maxBody + string(ptr(checksum("sak_" + maxBody))[:]), KindAPIKey, "sak_" + maxBody + string(ptr(checksum("sak_" + maxBody))[:])},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kind, s, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if kind != tt.kind || s.Reveal() != tt.want {
				t.Fatalf("Parse = %s, %s; want %s, %s", kind, s.Hint(), tt.kind, Secret(tt.want).Hint())
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// withChecksum returns prefixAndBody followed by its valid checksum, so that
// only the other checks can reject it.
func withChecksum(prefixAndBody string) string {
	sum := checksum(prefixAndBody)
	return prefixAndBody + string(sum[:])
}

func TestParseRejects(t *testing.T) {
	key := mustGenerate(t, KindAPIKey).Reveal()
	body := key[prefixLen : prefixLen+bodyLen]
	// A body of all 'z' encodes more than 2^256.
	tooBig := withChecksum("sak_" + strings.Repeat("z", bodyLen))
	// Just above the maximum: maxBody with its last digit incremented.
	justAbove := withChecksum("sak_" + maxBody[:bodyLen-1] + string(maxBody[bodyLen-1]+1))

	tests := []struct {
		name, in, reason string
	}{
		{"empty", "", "empty"},
		{"blank", " \n\t", "empty"},
		{"signed token prefix", "sat_" + key[4:], "unknown prefix"},
		{"upper-case prefix", "SAK_" + key[4:], "unknown prefix"},
		{"dash separator", "sak-" + key[4:], "unknown prefix"},
		{"no separator", "sak" + key[4:], "unknown prefix"},
		{"bare prefix", "sak_", "wrong length"},
		{"prefix only word", "sak", "unknown prefix"},
		{"one short", key[:len(key)-1], "wrong length"},
		{"one long", key + "0", "wrong length"},
		{"doubled", key + key, "wrong length"},
		{"inner space", key[:20] + " " + key[21:], "invalid character"},
		{"dash in body", withChecksum("sak_" + body[:42] + "-"), "invalid character"},
		{"underscore in body", withChecksum("sak_" + "_" + body[1:]), "invalid character"},
		{"plus in checksum", key[:len(key)-1] + "+", "invalid character"},
		{"non-ASCII", key[:10] + "\xc3\xa9" + key[12:], "invalid character"},
		{"NUL byte", key[:10] + "\x00" + key[11:], "invalid character"},
		{"body above 2^256", tooBig, "body out of range"},
		{"body 2^256", justAbove, "body out of range"},
		{"typo in body", replaceAt(key, 10, other(key[10])), "checksum mismatch"},
		{"typo in checksum", replaceAt(key, len(key)-1, other(key[len(key)-1])), "checksum mismatch"},
		{"kind swapped", "sau_" + key[4:], "checksum mismatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kind, s, err := Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse accepted it as %s", kind)
			}
			if kind != "" || s != "" {
				t.Errorf("Parse returned %q, %q with its error", kind, s.Reveal())
			}
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("error %v is not ErrMalformed", err)
			}
			if want := "malformed key: " + tt.reason; !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error = %q, want prefix %q", err, want)
			}
			checkSafeError(t, err, tt.in, body)
		})
	}
}

// other returns a base62 character different from c.
func other(c byte) byte {
	if c == 'A' {
		return 'B'
	}
	return 'A'
}

// TestParseRejectsEverySingleCharacterChange is R-KEY-1's typo check:
// changing any one character of a key, to any other character, is rejected.
func TestParseRejectsEverySingleCharacterChange(t *testing.T) {
	candidates := base62Alphabet + "_-+/= ."
	for n := range 10 {
		kind := KindAPIKey
		if n%2 == 1 {
			kind = KindUserToken
		}
		key := mustGenerate(t, kind).Reveal()
		for i := range len(key) {
			for j := range len(candidates) {
				c := candidates[j]
				if c == key[i] {
					continue
				}
				typo := replaceAt(key, i, c)
				if k, _, err := Parse(typo); err == nil {
					t.Fatalf("Parse accepted %s with position %d changed to %q (as %s)", Secret(key).Hint(), i, c, k)
				}
			}
		}
	}
}

// TestParseRejectsAdjacentTransposition: swapping two neighbouring
// different characters (another common typo) is rejected too.
func TestParseRejectsAdjacentTransposition(t *testing.T) {
	for range 10 {
		key := mustGenerate(t, KindAPIKey).Reveal()
		for i := range len(key) - 1 {
			if key[i] == key[i+1] {
				continue
			}
			b := []byte(key)
			b[i], b[i+1] = b[i+1], b[i]
			if _, _, err := Parse(string(b)); err == nil {
				t.Fatalf("Parse accepted %s with positions %d and %d swapped", Secret(key).Hint(), i, i+1)
			}
		}
	}
}

func TestHint(t *testing.T) {
	key := mustGenerate(t, KindAPIKey)
	v := key.Reveal()
	want := v[:8] + "…" + v[len(v)-4:]
	if got := key.Hint(); got != want {
		t.Errorf("Hint = %q, want %q", got, want)
	}
	if got := Secret("sak_003aUlTJC7tjlCTQj2uNU3MFagCXG9LRKRcwGkBIDlf0N6D6w").Hint(); got != "sak_003a…6D6w" {
		t.Errorf("golden Hint = %q, want sak_003a…6D6w", got)
	}
	// Values that are not keys show nothing of themselves.
	for _, s := range []Secret{"", "sak_", "short", "sak_abcdefghij", Secret("xyz_" + v[4:]), Secret(v + "0")} {
		if got := s.Hint(); got != "[redacted]" {
			t.Errorf("Secret(%q).Hint() = %q, want [redacted]", s.Reveal(), got)
		}
	}
}

// TestSecretNeverPrintsValue: a Secret that reaches fmt or slog by accident
// prints its hint, whatever the verb.
func TestSecretNeverPrintsValue(t *testing.T) {
	s := mustGenerate(t, KindAPIKey)
	v := s.Reveal()
	body := v[prefixLen : prefixLen+bodyLen]
	type holder struct{ Key Secret }
	var outputs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10s", "%T %v"} {
		outputs = append(outputs,
			fmt.Sprintf(verb, s),
			fmt.Sprintf(verb, &s),
			fmt.Sprintf(verb, holder{s}),
			fmt.Sprintf(verb, []Secret{s}),
			fmt.Sprintf(verb, map[string]Secret{"k": s}),
		)
	}
	outputs = append(outputs, fmt.Sprint(s), fmt.Sprintln(s), s.String(), s.GoString(),
		fmt.Errorf("using %v: %w", s, errors.New("boom")).Error())

	for _, h := range []func(*bytes.Buffer) slog.Handler{
		func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
	} {
		var buf bytes.Buffer
		slog.New(h(&buf)).Info("msg", "key", s, slog.Any("any", s), slog.Group("g", "key", s))
		outputs = append(outputs, buf.String())
	}

	for _, out := range outputs {
		if strings.Contains(out, body) || strings.Contains(out, fmt.Sprintf("%x", body)) {
			t.Errorf("output prints the secret: %q", out)
		}
	}
	if got := fmt.Sprintf("%v|%s|%#v", s, s, s); got != s.Hint()+"|"+s.Hint()+"|"+fmt.Sprintf("%q", s.Hint()) {
		t.Errorf("formatted = %q, want the hint", got)
	}
}

// TestSecretJSONCarriesFullValue pins a deliberate choice (see Secret): JSON
// output is where R-KEY-3 prints a secret, so encoding/json writes the value.
func TestSecretJSONCarriesFullValue(t *testing.T) {
	s := mustGenerate(t, KindAPIKey)
	b, err := json.Marshal(struct {
		Secret Secret `json:"secret"`
	}{s})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"secret":"` + s.Reveal() + `"}`; string(b) != want {
		t.Errorf("json = %s, want the full secret", b)
	}
}

func TestHash(t *testing.T) {
	a, b := mustGenerate(t, KindAPIKey), mustGenerate(t, KindAPIKey)
	for _, s := range []Secret{a, "", "x", Secret(a.Reveal() + a.Reveal())} {
		if s.Hash() != sha256.Sum256([]byte(s.Reveal())) {
			t.Errorf("Hash of a %d-byte value is not its SHA-256", len(s))
		}
	}
	if a.Hash() == b.Hash() {
		t.Error("two keys hash the same")
	}
	// The prefix is part of what is hashed: the same body as a user token
	// is another credential.
	if Secret("sau_"+a.Reveal()[4:]).Hash() == a.Hash() {
		t.Error("Hash ignores the prefix")
	}
}

func TestEqual(t *testing.T) {
	h := mustGenerate(t, KindAPIKey).Hash()
	if !Equal(h[:], h) {
		t.Error("Equal(h, h) = false")
	}
	for i := range h {
		o := h
		o[i] ^= 0x01
		if Equal(h[:], o) || Equal(o[:], h) {
			t.Errorf("Equal ignores byte %d", i)
		}
	}
	if !Equal(make([]byte, 32), [32]byte{}) {
		t.Error("Equal of zero hashes = false")
	}
	if Equal(h[:31], h) || Equal(nil, h) {
		t.Error("Equal accepts a short stored hash")
	}
}
