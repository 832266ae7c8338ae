package keys

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// Every error text the parsers can return. The fuzz targets check that an
// error is one of these fixed texts, which proves it carries no input.
var (
	keyErrorTexts = set(
		"malformed key: empty",
		"malformed key: unknown prefix (want sak_ or sau_)",
		"malformed key: wrong length (want 53 characters)",
		"malformed key: invalid character",
		"malformed key: body out of range",
		"malformed key: checksum mismatch",
	)
	tokenErrorTexts = set(
		"malformed token: longer than 4096 bytes",
		"malformed token: missing sat_ prefix",
		"malformed token: want exactly one '.'",
		"malformed token: empty part",
		"malformed token: payload is not base64url",
		"malformed token: signature is not base64url",
		"malformed token: signature has the wrong length",
		"malformed token: payload is not a claims object",
		"malformed token: data after the claims object",
		"malformed token: payload is not in canonical form",
		"malformed token: missing business (bus)",
		"malformed token: missing account (sub)",
		"malformed token: missing token id (jti)",
		"malformed token: missing signing key id (kid)",
		"malformed token: missing issued-at (iat)",
		"malformed token: expiry (exp) not after issued-at (iat)",
		"malformed token: lifetime exceeds 1h0m0s",
		"malformed token: claim is not valid UTF-8",
	)
	verifyErrorTexts = union(tokenErrorTexts, set(
		"malformed token: issued in the future",
		"bad token signature",
		"bad token signature: unknown signing key",
		"token expired",
		"token belongs to another business",
		"keys: verify token: zero time",
	))
)

func set(s ...string) map[string]bool {
	m := map[string]bool{}
	for _, x := range s {
		m[x] = true
	}
	return m
}

func union(a, b map[string]bool) map[string]bool {
	m := map[string]bool{}
	for k := range a {
		m[k] = true
	}
	for k := range b {
		m[k] = true
	}
	return m
}

func FuzzParse(f *testing.F) {
	golden := "sak_003aUlTJC7tjlCTQj2uNU3MFagCXG9LRKRcwGkBIDlf0N6D6w"
	for _, s := range []string{
		golden, golden + "\n", " " + golden + "\r\n", "sau_003aUlTJC7tjlCTQj2uNU3MFagCXG9LRKRcwGkBIDlf1RZfBR",
		string(mustGenerate(f, KindAPIKey)), string(mustGenerate(f, KindUserToken)),
		golden[:52], golden + "0", "sat_" + golden[4:], replaceAt(golden, 20, 'x'),
		withChecksum("sak_" + maxBody), withChecksum("sak_" + strings.Repeat("z", 43)),
		"", "sak_", "\x00", "sak_é",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		kind, s, err := Parse(in)
		if err != nil {
			if !errors.Is(err, ErrMalformed) || !keyErrorTexts[err.Error()] {
				t.Fatalf("unexpected error %q", err)
			}
			if kind != "" || s != "" {
				t.Fatal("returned a key with an error")
			}
			return
		}
		// Accepted: it is the trimmed input, byte for byte, in the
		// R-KEY-1 format, and its checksum validates.
		v := s.Reveal()
		if v != strings.TrimSpace(in) {
			t.Fatal("accepted key is not the trimmed input")
		}
		if len(v) != KeyLength || v[:4] != string(kind)+"_" || (kind != KindAPIKey && kind != KindUserToken) {
			t.Fatalf("accepted %q as kind %q", v, kind)
		}
		for i := 4; i < len(v); i++ {
			if !strings.ContainsRune(base62Alphabet, rune(v[i])) {
				t.Fatalf("accepted a non-base62 character at %d", i)
			}
		}
		if sum := checksum(v[:47]); string(sum[:]) != v[47:] {
			t.Fatal("accepted a wrong checksum")
		}
		if v[4:47] > maxBody {
			t.Fatal("accepted a body over 256 bits")
		}
		if k2, s2, err := Parse(v); err != nil || k2 != kind || s2 != s {
			t.Fatal("Parse is not idempotent")
		}
		if h := s.Hint(); h != v[:8]+"…"+v[49:] {
			t.Fatalf("Hint = %q", h)
		}
		// One changed character is rejected.
		i := 4 + int(v[4])%(KeyLength-4)
		if _, _, err := Parse(replaceAt(v, i, other(v[i]))); err == nil {
			t.Fatalf("accepted a typo at %d", i)
		}
	})
}

func FuzzParseTokenUnverified(f *testing.F) {
	good := mustMint(f, keyA, testClaims())
	c := testClaims()
	c.Execution = "exe_<1>"
	canonical := `{"bus":"biz_1","sub":"sa_automation","iat":1893456000,"exp":1893456900,"jti":"tok_1","kid":"sk_aaaaaaaaaaaaaaaa"}`
	for _, s := range []string{
		good, " " + good + "\n", mustMint(f, keyB, c), good + ".x", strings.Replace(good, ".", "", 1),
		forge(keyA, canonical+" "), forge(keyA, `{"bus":"a","bus":"b"}`), forge(keyA, "null"),
		forge(keyA, strings.Replace(canonical, "1893456900", "1893460000", 1)),
		"sat_.", "sat_", "", "sak_x", "sat_e30.AAAA",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		c, err := ParseTokenUnverified(in)
		if err != nil {
			if !errors.Is(err, ErrMalformed) || !tokenErrorTexts[err.Error()] {
				t.Fatalf("unexpected error %q", err)
			}
			if c != (TokenClaims{}) {
				t.Fatal("returned claims with an error")
			}
			return
		}
		// Nothing is trimmed (R-TOK-3): the accepted token is the input.
		tok := in
		if len(tok) > MaxTokenLength {
			t.Fatal("accepted a token over MaxTokenLength")
		}
		if p := c.problem(); p != "" {
			t.Fatalf("accepted claims with a problem: %s", p)
		}
		// Accepted claims re-encode to exactly the payload part: the
		// same token, minted with a key of that id, has the same payload.
		payload, err := json.Marshal(&c)
		if err != nil {
			t.Fatal(err)
		}
		signed, sigPart, _ := strings.Cut(tok, ".")
		if signed != TokenPrefix+base64.RawURLEncoding.EncodeToString(payload) {
			t.Fatal("accepted payload does not re-encode to itself")
		}
		if sig, err := base64.RawURLEncoding.DecodeString(sigPart); err != nil || len(sig) != 32 {
			t.Fatal("accepted a bad signature part")
		} else if base64.RawURLEncoding.EncodeToString(sig) != sigPart {
			t.Fatal("accepted signature part does not re-encode to itself")
		}
		minted, err := MintToken(SigningKey{ID: c.KeyID, Secret: keyA.Secret}, c)
		if err != nil {
			t.Fatalf("MintToken of accepted claims: %v", err)
		}
		if strings.Split(minted, ".")[0] != signed {
			t.Fatal("MintToken of accepted claims writes another payload")
		}
	})
}

// FuzzVerifyToken: whatever verifies is exactly what MintToken makes, in its
// one spelling (R-TOK-3).
//
// With resign set, the target replaces everything after the first '.' with
// the HMAC under keyA of everything before it, as MintToken would. This lets
// the fuzzer change the payload part and still reach the code after the
// signature check: a second spelling of the payload (a CR or LF a lenient
// decoder skips, say) only verifies if it is signed as such, and the fuzzer
// cannot sign. The regression corpus in testdata/fuzz/FuzzVerifyToken holds
// a keyA token with "\r\n" inserted into its payload part, re-signed.
func FuzzVerifyToken(f *testing.F) {
	c := testClaims()
	good := mustMint(f, keyA, c)
	old := mustMint(f, keyB, c)
	c.Execution = "exe_1"
	withExe := mustMint(f, keyA, c)
	signed, sigPart, _ := strings.Cut(good, ".")
	crlfPayload := signed[:20] + "\r\n" + signed[20:] + "." + sigPart
	crlfSig := signed + "." + sigPart[:20] + "\r\n" + sigPart[20:]
	for _, tok := range []string{good, old, withExe, good + "\n", crlfPayload, crlfSig, forge(keyA, "null"), mustMint(f, testSigningKey(keyA.ID, 9), c)} {
		for _, now := range []int64{iat0, iat0 - 60, iat0 - 61, iat0 + 899, iat0 + 900, 0, -1} {
			f.Add(tok, now, "biz_1", false)
		}
		f.Add(tok, iat0, "biz_2", false)
		f.Add(tok, iat0, "", false)
		f.Add(tok, iat0, "biz_1", true)
	}
	lookup := lookupOf(keyA, keyB)
	f.Fuzz(func(t *testing.T, tok string, nowUnix int64, business string, resign bool) {
		if resign {
			if signed, _, ok := strings.Cut(tok, "."); ok {
				tok = signed + "." + base64.RawURLEncoding.EncodeToString(sign(&keyA, signed))
			}
		}
		now := time.Unix(nowUnix, 0)
		c, err := VerifyToken(tok, lookup, business, now)
		if err != nil {
			if !verifyErrorTexts[err.Error()] {
				t.Fatalf("unexpected error %q", err)
			}
			if c != (TokenClaims{}) {
				t.Fatal("returned claims with an error")
			}
			return
		}
		if c.Business != business {
			t.Fatal("accepted a foreign business")
		}
		if c.Expiry <= now.Unix() {
			t.Fatal("accepted an expired token")
		}
		if c.IssuedAt-60 > now.Unix() {
			t.Fatal("accepted a token issued in the future")
		}
		// One spelling (R-TOK-3): decoding each part, however leniently,
		// and encoding it again canonically gives back the input, byte for
		// byte. So no other string verifies as this token.
		signed, sigPart, ok := strings.Cut(tok, ".")
		if !ok || !strings.HasPrefix(signed, TokenPrefix) {
			t.Fatal("accepted a token without sat_ or '.'")
		}
		payload, perr := base64.RawURLEncoding.DecodeString(signed[len(TokenPrefix):])
		sig, serr := base64.RawURLEncoding.DecodeString(sigPart)
		if perr != nil || serr != nil {
			t.Fatal("accepted a part that is not base64url")
		}
		if canon := TokenPrefix + base64.RawURLEncoding.EncodeToString(payload) + "." + base64.RawURLEncoding.EncodeToString(sig); canon != tok {
			t.Fatalf("accepted %q, whose canonical spelling is %q", tok, canon)
		}
		// The only tokens accepted are exactly those MintToken makes.
		k, ok := lookup(c.KeyID)
		if !ok {
			t.Fatal("accepted an unknown kid")
		}
		if minted, err := MintToken(k, c); err != nil || minted != tok {
			t.Fatalf("accepted token is not what MintToken makes (%v)", err)
		}
		if pc, err := ParseTokenUnverified(tok); err != nil || pc != c {
			t.Fatal("VerifyToken and ParseTokenUnverified disagree")
		}
	})
}
