package keys

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Fixed test time: 2030-01-01T00:00:00Z.
var (
	t0   = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	iat0 = t0.Unix()
)

func testSigningKey(id string, fill byte) SigningKey {
	k := SigningKey{ID: id}
	for i := range k.Secret {
		k.Secret[i] = fill + byte(i)
	}
	return k
}

var (
	keyA = testSigningKey("sk_aaaaaaaaaaaaaaaa", 1)
	keyB = testSigningKey("sk_bbbbbbbbbbbbbbbb", 100)
)

func lookupOf(keys ...SigningKey) func(string) (SigningKey, bool) {
	return func(kid string) (SigningKey, bool) {
		for _, k := range keys {
			if k.ID == kid {
				return k, true
			}
		}
		return SigningKey{}, false
	}
}

func testClaims() TokenClaims {
	return TokenClaims{
		Business: "biz_1",
		Account:  "sa_automation",
		IssuedAt: iat0,
		Expiry:   iat0 + 15*60,
		ID:       "tok_1",
	}
}

func mustMint(t testing.TB, k SigningKey, c TokenClaims) string {
	t.Helper()
	tok, err := MintToken(k, c)
	if err != nil {
		t.Fatalf("MintToken: %v", err)
	}
	return tok
}

// forge signs an arbitrary payload with k, bypassing MintToken's checks, so
// a test can show that a structural check, not the signature, rejects it.
func forge(k SigningKey, payload string) string {
	signed := TokenPrefix + base64.RawURLEncoding.EncodeToString([]byte(payload))
	return signed + "." + base64.RawURLEncoding.EncodeToString(sign(&k, signed))
}

func TestNewSigningKey(t *testing.T) {
	a, err := NewSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewSigningKey()
	if !regexp.MustCompile(`^sk_[0-9a-f]{16}$`).MatchString(a.ID) {
		t.Errorf("ID = %q, want sk_ and 16 lowercase hex", a.ID)
	}
	if a.ID == b.ID || a.Secret == b.Secret || a.Secret == ([32]byte{}) {
		t.Error("NewSigningKey is not random")
	}
}

func TestMintTokenFormat(t *testing.T) {
	c := testClaims()
	c.KeyID = "sk_ignored"
	tok := mustMint(t, keyA, c)

	signed, sigPart, ok := strings.Cut(tok, ".")
	if !ok || !strings.HasPrefix(signed, "sat_") || strings.Contains(sigPart, ".") {
		t.Fatalf("token is not sat_PAYLOAD.SIG: %q", tok)
	}
	payload, err := base64.RawURLEncoding.DecodeString(signed[4:])
	if err != nil {
		t.Fatal(err)
	}
	want := `{"bus":"biz_1","sub":"sa_automation","iat":1893456000,"exp":1893456900,"jti":"tok_1","kid":"sk_aaaaaaaaaaaaaaaa"}`
	if string(payload) != want {
		t.Errorf("payload = %s\nwant      %s", payload, want)
	}
	// R-TOK-1: the signature is HMAC-SHA256 over "sat_" and the payload part.
	mac := hmac.New(sha256.New, keyA.Secret[:])
	mac.Write([]byte(signed))
	if got := base64.RawURLEncoding.EncodeToString(mac.Sum(nil)); sigPart != got {
		t.Errorf("signature = %s, want %s", sigPart, got)
	}
	if strings.ContainsAny(tok, "=+/") {
		t.Errorf("token is not unpadded base64url: %q", tok)
	}

	c.Execution = "exe_42"
	tok = mustMint(t, keyA, c)
	payload, _ = base64.RawURLEncoding.DecodeString(strings.TrimPrefix(strings.Split(tok, ".")[0], "sat_"))
	if !strings.Contains(string(payload), `"jti":"tok_1","exe":"exe_42","kid"`) {
		t.Errorf("payload with execution = %s", payload)
	}
}

func TestMintTokenRejects(t *testing.T) {
	tests := []struct {
		name   string
		key    SigningKey
		modify func(*TokenClaims)
		why    string // the rule that rejects it
	}{
		{"key without id", SigningKey{Secret: keyA.Secret}, func(*TokenClaims) {}, "signing key has no id"},
		{"zero key secret", SigningKey{ID: "sk_x"}, func(*TokenClaims) {}, "secret is all zeros"},
		{"no business", keyA, func(c *TokenClaims) { c.Business = "" }, "missing business"},
		{"no account", keyA, func(c *TokenClaims) { c.Account = "" }, "missing account"},
		{"no id", keyA, func(c *TokenClaims) { c.ID = "" }, "missing token id"},
		{"no iat", keyA, func(c *TokenClaims) { c.IssuedAt = 0 }, "missing issued-at"},
		{"negative iat", keyA, func(c *TokenClaims) { c.IssuedAt, c.Expiry = -100, -50 }, "missing issued-at"},
		{"exp equals iat", keyA, func(c *TokenClaims) { c.Expiry = c.IssuedAt }, "not after issued-at"},
		{"exp before iat", keyA, func(c *TokenClaims) { c.Expiry = c.IssuedAt - 1 }, "not after issued-at"},
		{"ttl over an hour", keyA, func(c *TokenClaims) { c.Expiry = c.IssuedAt + 3601 }, "lifetime exceeds"},
		{"invalid UTF-8", keyA, func(c *TokenClaims) { c.Execution = "exe_\xff" }, "not valid UTF-8"},
		{"too long", keyA, func(c *TokenClaims) { c.Execution = strings.Repeat("x", MaxTokenLength) }, "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testClaims()
			tt.modify(&c)
			if tok, err := MintToken(tt.key, c); err == nil {
				t.Fatalf("MintToken = %q, want an error", tok)
			} else {
				checkSafeError(t, err)
				if !strings.Contains(err.Error(), tt.why) {
					t.Errorf("MintToken error = %q, want it rejected for %q", err, tt.why)
				}
			}
		})
	}
	// The limits themselves are allowed.
	c := testClaims()
	c.Expiry = c.IssuedAt + int64(MaxTokenTTL/time.Second)
	if _, err := MintToken(keyA, c); err != nil {
		t.Errorf("a token of exactly MaxTokenTTL: %v", err)
	}
	c = testClaims()
	c.Expiry = c.IssuedAt + 1
	if _, err := MintToken(keyA, c); err != nil {
		t.Errorf("a token of one second: %v", err)
	}
}

func TestMintParseRoundTrip(t *testing.T) {
	c := testClaims()
	c.Execution = `exe <&> "quoted" \ ü ` + "\u2028"
	tok := mustMint(t, keyA, c)
	c.KeyID = keyA.ID
	got, err := ParseTokenUnverified(tok)
	if err != nil {
		t.Fatal(err)
	}
	if got != c {
		t.Errorf("ParseTokenUnverified = %+v, want %+v", got, c)
	}
	got, err = VerifyToken(tok, lookupOf(keyA), "biz_1", t0)
	if err != nil {
		t.Fatal(err)
	}
	if got != c {
		t.Errorf("VerifyToken = %+v, want %+v", got, c)
	}
}

func TestParseTokenUnverifiedRejects(t *testing.T) {
	good := mustMint(t, keyA, testClaims())
	signed, sigPart, _ := strings.Cut(good, ".")
	payloadPart := signed[4:]
	canonical := `{"bus":"biz_1","sub":"sa_automation","iat":1893456000,"exp":1893456900,"jti":"tok_1","kid":"sk_aaaaaaaaaaaaaaaa"}`
	if forge(keyA, canonical) != good {
		t.Fatal("forge does not reproduce MintToken")
	}
	replace := func(old, new string) string { return forge(keyA, strings.Replace(canonical, old, new, 1)) }

	tests := []struct {
		name, in, reason string
	}{
		{"empty", "", "missing sat_ prefix"},
		{"api key", mustGenerate(t, KindAPIKey).Reveal(), "missing sat_ prefix"},
		{"upper-case prefix", "SAT_" + good[4:], "missing sat_ prefix"},
		{"no dot", signed + sigPart, "want exactly one '.'"},
		{"two dots", good + ".x", "want exactly one '.'"},
		{"dot in payload", "sat_" + payloadPart[:5] + "." + payloadPart[5:] + "." + sigPart, "want exactly one '.'"},
		{"empty payload", "sat_." + sigPart, "empty part"},
		{"empty signature", signed + ".", "empty part"},
		{"padded payload", "sat_" + payloadPart + "=." + sigPart, "payload is not base64url"},
		{"std alphabet", "sat_" + payloadPart[:10] + "+" + payloadPart[11:] + "." + sigPart, "payload is not base64url"},
		{"padded signature", signed + "." + sigPart + "=", "signature is not base64url"},
		{"non-canonical signature", signed + "." + sigPart[:len(sigPart)-1] + nextB64(sigPart[len(sigPart)-1]), "signature is not base64url"},
		{"short signature", signed + "." + sigPart[:len(sigPart)-4], "signature has the wrong length"},
		{"long signature", signed + "." + sigPart + "AAAA", "signature has the wrong length"},
		{"not JSON", forge(keyA, "hello"), "payload is not a claims object"},
		{"JSON array", forge(keyA, `[1,2]`), "payload is not a claims object"},
		{"JSON null", forge(keyA, `null`), "payload is not in canonical form"},
		{"unknown field", replace(`"kid"`, `"adm":true,"kid"`), "payload is not a claims object"},
		{"float time", replace(`1893456000`, `1.893456e9`), "payload is not a claims object"},
		{"string time", replace(`1893456000`, `"1893456000"`), "payload is not a claims object"},
		{"trailing data", forge(keyA, canonical+`{}`), "data after the claims object"},
		{"trailing space", forge(keyA, canonical+" "), "payload is not in canonical form"},
		{"inner space", replace(`,"sub"`, `, "sub"`), "payload is not in canonical form"},
		{"field order", forge(keyA, `{"sub":"sa_automation","bus":"biz_1","iat":1893456000,"exp":1893456900,"jti":"tok_1","kid":"sk_aaaaaaaaaaaaaaaa"}`), "payload is not in canonical form"},
		{"duplicate field", replace(`"bus":"biz_1",`, `"bus":"biz_1","bus":"biz_2",`), "payload is not in canonical form"},
		{"case-folded name", replace(`"bus"`, `"BUS"`), "payload is not in canonical form"},
		{"unescaped <", replace(`biz_1`, `biz<1`), "payload is not in canonical form"},
		{"empty execution", replace(`"kid"`, `"exe":"","kid"`), "payload is not in canonical form"},
		{"missing business", replace(`"bus":"biz_1",`, `"bus":"",`), "missing business (bus)"},
		{"missing account", replace(`"sa_automation"`, `""`), "missing account (sub)"},
		{"missing jti", replace(`"tok_1"`, `""`), "missing token id (jti)"},
		{"missing kid", replace(`"sk_aaaaaaaaaaaaaaaa"`, `""`), "missing signing key id (kid)"},
		{"zero iat", replace(`"iat":1893456000`, `"iat":0`), "missing issued-at (iat)"},
		{"exp not after iat", replace(`1893456900`, `1893456000`), "expiry (exp) not after issued-at (iat)"},
		{"ttl over an hour", replace(`1893456900`, `1893459601`), "lifetime exceeds 1h0m0s"},
		{"too long", forge(keyA, strings.Replace(canonical, "tok_1", strings.Repeat("t", 3000), 1)), "longer than 4096 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseTokenUnverified(tt.in)
			if err == nil {
				t.Fatalf("accepted: %+v", c)
			}
			if c != (TokenClaims{}) {
				t.Errorf("returned claims with the error: %+v", c)
			}
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("error %v is not ErrMalformed", err)
			}
			if want := "malformed token: " + tt.reason; err.Error() != want {
				t.Errorf("error = %q, want %q", err, want)
			}
			checkSafeError(t, err, tt.in, payloadPart, sigPart)
			// Structural errors come before the signature check.
			if _, verr := VerifyToken(tt.in, lookupOf(keyA), "biz_1", t0); !errors.Is(verr, ErrMalformed) {
				t.Errorf("VerifyToken error = %v, want ErrMalformed", verr)
			}
		})
	}
}

// TestTokenHasOneSpelling (R-TOK-3): a token has exactly one spelling. Every
// other spelling of a valid token, one that a lenient base64 decoder would
// read as the same bytes, is malformed for both ParseTokenUnverified and
// VerifyToken, before any signature check.
func TestTokenHasOneSpelling(t *testing.T) {
	// Pick claims whose payload length is not a multiple of 3, so the last
	// payload character has unused bits that a second spelling could set,
	// and whose parts both contain '-' and '_', which a decoder that also
	// took the standard alphabet would read as '+' and '/'.
	var tok, signed, sigPart, payloadPart string
	for i := range 10000 {
		c := testClaims()
		// JSON is ASCII, so only '~' and '?' at a position 2 mod 3
		// encode as '-' and '_': three of each guarantee one.
		c.Execution = fmt.Sprintf("exe_%d~~~???", i)
		tok = mustMint(t, keyA, c)
		signed, sigPart, _ = strings.Cut(tok, ".")
		payloadPart = signed[len(TokenPrefix):]
		if len(payloadPart)%4 != 0 && strings.Contains(payloadPart, "-") && strings.Contains(payloadPart, "_") &&
			strings.Contains(sigPart, "-") && strings.Contains(sigPart, "_") {
			break
		}
	}
	if len(payloadPart)%4 == 0 || len(sigPart)%4 == 0 {
		t.Fatalf("no unused trailing bits to set: payload %d, signature %d characters", len(payloadPart), len(sigPart))
	}
	if _, err := VerifyToken(tok, lookupOf(keyA), "biz_1", t0); err != nil {
		t.Fatalf("the original does not verify: %v", err)
	}
	insert := func(s string, i int, x string) string { return s[:i] + x + s[i:] }
	// std replaces the first url character of part by its standard
	// alphabet twin: the same 6 bits, another spelling.
	std := func(part string, url, std byte) string {
		i := strings.IndexByte(part, url)
		if i < 0 {
			t.Fatalf("no %q to replace", url)
		}
		return replaceAt(part, i, std)
	}
	last := func(s string) string { return s[:len(s)-1] + nextB64(s[len(s)-1]) }
	n := len(TokenPrefix)
	tests := []struct{ name, in string }{
		{"CR in payload", insert(tok, n+10, "\r")},
		{"LF in payload", insert(tok, n+10, "\n")},
		{"CRLF in payload", insert(tok, n+10, "\r\n")},
		{"CR in signature", signed + "." + insert(sigPart, 10, "\r")},
		{"LF in signature", signed + "." + insert(sigPart, 10, "\n")},
		{"CRLF in signature", signed + "." + insert(sigPart, 10, "\r\n")},
		{"LF before the dot", signed + "\n." + sigPart},
		{"LF after the dot", signed + ".\n" + sigPart},
		{"LF after the prefix", TokenPrefix + "\n" + payloadPart + "." + sigPart},
		{"CRLF at end", tok + "\r\n"},
		{"LF at end", tok + "\n"},
		{"CR at end", tok + "\r"},
		{"space at end", tok + " "},
		{"space at start", " " + tok},
		{"tab at end", tok + "\t"},
		{"space in payload", insert(tok, n+10, " ")},
		{"space in signature", signed + "." + insert(sigPart, 10, " ")},
		{"NUL at end", tok + "\x00"},
		{"padded payload", signed + "=." + sigPart},
		{"padded signature", tok + "="},
		{"padded signature twice", tok + "=="},
		{"'+' in payload", TokenPrefix + std(payloadPart, '-', '+') + "." + sigPart},
		{"'/' in payload", TokenPrefix + std(payloadPart, '_', '/') + "." + sigPart},
		{"'+' in signature", signed + "." + std(sigPart, '-', '+')},
		{"'/' in signature", signed + "." + std(sigPart, '_', '/')},
		{"trailing bit in payload", TokenPrefix + last(payloadPart) + "." + sigPart},
		{"trailing bit in signature", signed + "." + last(sigPart)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.in == tok {
				t.Fatal("test case is the original token")
			}
			c, err := ParseTokenUnverified(tt.in)
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("ParseTokenUnverified error = %v, want ErrMalformed", err)
			}
			if c != (TokenClaims{}) {
				t.Errorf("ParseTokenUnverified returned claims with the error: %+v", c)
			}
			c, err = VerifyToken(tt.in, lookupOf(keyA), "biz_1", t0)
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("VerifyToken error = %v, want ErrMalformed", err)
			}
			if c != (TokenClaims{}) {
				t.Errorf("VerifyToken returned claims with the error: %+v", c)
			}
			checkSafeError(t, err, tt.in, payloadPart, sigPart)
		})
	}
}

// nextB64 returns the base64url character after c, so that changing the
// last character of a 32-byte signature sets one of its unused bits.
func nextB64(c byte) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	return string(alphabet[(strings.IndexByte(alphabet, c)+1)%64])
}

func TestVerifyToken(t *testing.T) {
	c := testClaims()
	tok := mustMint(t, keyA, c)
	oldTok := mustMint(t, keyB, c)
	both := lookupOf(keyA, keyB)
	exp := time.Unix(c.Expiry, 0)

	// Same kid, another secret: a forged key.
	impostor := testSigningKey(keyA.ID, 200)
	forged := mustMint(t, impostor, c)
	// The business changed in the payload, the signature kept.
	c2 := c
	c2.Business = "biz_2"
	retargeted := strings.Split(mustMint(t, keyA, c2), ".")[0] + "." + strings.Split(tok, ".")[1]
	// Expired and tampered: the signature is checked first.
	cExpired := c
	cExpired.IssuedAt, cExpired.Expiry = iat0-7200, iat0-3600
	expiredForged := mustMint(t, impostor, cExpired)

	tests := []struct {
		name     string
		tok      string
		lookup   func(string) (SigningKey, bool)
		business string
		now      time.Time
		want     error
	}{
		{"valid", tok, lookupOf(keyA), "biz_1", t0, nil},
		{"valid with both keys", tok, both, "biz_1", t0, nil},
		{"rotated-out key still verifies", oldTok, both, "biz_1", t0, nil},
		{"retired key removed", oldTok, lookupOf(keyA), "biz_1", t0, ErrBadSignature},
		{"unknown kid", tok, lookupOf(keyB), "biz_1", t0, ErrBadSignature},
		{"nil lookup", tok, nil, "biz_1", t0, ErrBadSignature},
		{"lookup returns another key", tok, func(string) (SigningKey, bool) { return keyB, true }, "biz_1", t0, ErrBadSignature},
		{"lookup returns a zero key", tok, func(kid string) (SigningKey, bool) { return SigningKey{ID: kid}, true }, "biz_1", t0, ErrBadSignature},
		{"forged with a guessed key", forged, lookupOf(keyA), "biz_1", t0, ErrBadSignature},
		{"payload swapped", retargeted, lookupOf(keyA), "biz_2", t0, ErrBadSignature},
		{"tampered and expired", expiredForged, lookupOf(keyA), "biz_1", t0, ErrBadSignature},
		{"foreign business", tok, lookupOf(keyA), "biz_2", t0, ErrForeignBusiness},
		{"business differs in case", tok, lookupOf(keyA), "BIZ_1", t0, ErrForeignBusiness},
		{"empty business", tok, lookupOf(keyA), "", t0, ErrForeignBusiness},
		{"one second before expiry", tok, lookupOf(keyA), "biz_1", exp.Add(-time.Second), nil},
		{"just before expiry", tok, lookupOf(keyA), "biz_1", exp.Add(-time.Nanosecond), nil},
		{"at expiry", tok, lookupOf(keyA), "biz_1", exp, ErrExpired},
		{"after expiry", tok, lookupOf(keyA), "biz_1", exp.Add(time.Hour), ErrExpired},
		{"expired beats foreign", tok, lookupOf(keyA), "biz_2", exp, ErrExpired},
		{"issued a minute ahead", tok, lookupOf(keyA), "biz_1", t0.Add(-MaxClockSkew), nil},
		{"issued 61s ahead", tok, lookupOf(keyA), "biz_1", t0.Add(-MaxClockSkew - time.Second), ErrMalformed},
		{"issued long ago, now injected", tok, lookupOf(keyA), "biz_1", t0.Add(10 * time.Minute), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := VerifyToken(tt.tok, tt.lookup, tt.business, tt.now)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("VerifyToken: %v", err)
				}
				if got.Business != "biz_1" || got.ID != "tok_1" || got.KeyID == "" {
					t.Fatalf("claims = %+v", got)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("error = %v, want %v", err, tt.want)
			}
			if got != (TokenClaims{}) {
				t.Errorf("returned claims with the error: %+v", got)
			}
			checkSafeError(t, err, tt.tok, strings.Split(tt.tok, ".")[1])
		})
	}
}

// TestVerifyTokenUsesInjectedTime: a token from 2001 verifies at 2001 and
// not today, and a 2030 token verifies in 2030: VerifyToken reads no clock.
func TestVerifyTokenUsesInjectedTime(t *testing.T) {
	then := time.Date(2001, 9, 9, 1, 46, 40, 0, time.UTC)
	c := testClaims()
	c.IssuedAt, c.Expiry = then.Unix(), then.Unix()+60
	tok := mustMint(t, keyA, c)
	if _, err := VerifyToken(tok, lookupOf(keyA), "biz_1", then.Add(30*time.Second)); err != nil {
		t.Fatalf("at issue time: %v", err)
	}
	if _, err := VerifyToken(tok, lookupOf(keyA), "biz_1", time.Now()); !errors.Is(err, ErrExpired) {
		t.Fatalf("today: %v, want ErrExpired", err)
	}
	future := mustMint(t, keyA, testClaims())
	if _, err := VerifyToken(future, lookupOf(keyA), "biz_1", t0); err != nil {
		t.Fatalf("2030 token at 2030: %v", err)
	}
	// A zero now is a caller's bug, reported as such (not as a token
	// issued in the future, which is what the comparison alone would say).
	if _, err := VerifyToken(future, lookupOf(keyA), "biz_1", time.Time{}); err == nil || err.Error() != "keys: verify token: zero time" {
		t.Fatalf("zero time: error %v, want keys: verify token: zero time", err)
	}
}

// TestVerifyTokenRejectsEveryCharacterChange: changing any one character of
// a token never yields an accepted token.
func TestVerifyTokenRejectsEveryCharacterChange(t *testing.T) {
	c := testClaims()
	c.Execution = "exe_1"
	tok := mustMint(t, keyA, c)
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ "
	for i := range len(tok) {
		for j := range len(alphabet) {
			if alphabet[j] == tok[i] {
				continue
			}
			bad := replaceAt(tok, i, alphabet[j])
			_, err := VerifyToken(bad, lookupOf(keyA), "biz_1", t0)
			if err == nil {
				t.Fatalf("accepted the token with position %d changed to %q", i, alphabet[j])
			}
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrBadSignature) {
				t.Fatalf("position %d changed: error %v, want malformed or bad signature", i, err)
			}
		}
	}
}

// R-SRV-10: a token exchanged for an API key carries the key's id and its
// scope; both round-trip, are signed like every claim, and a token
// without them keeps its exact spelling (they are left out, not empty).
func TestClientKeyAndScopeClaims(t *testing.T) {
	c := testClaims()
	plain := mustMint(t, keyA, c)
	if payload, _ := b64.DecodeString(strings.TrimPrefix(strings.Split(plain, ".")[0], TokenPrefix)); bytes.Contains(payload, []byte(`"key"`)) || bytes.Contains(payload, []byte(`"scp"`)) {
		t.Errorf("a minted token's payload names key or scp: %s", payload)
	}
	c.ClientKey, c.Scope = "key_01", "contacts:view deals:edit"
	tok := mustMint(t, keyA, c)
	got, err := VerifyToken(tok, lookupOf(keyA), "biz_1", t0)
	if err != nil {
		t.Fatal(err)
	}
	c.KeyID = keyA.ID
	if got != c {
		t.Errorf("VerifyToken = %+v, want %+v", got, c)
	}
	// Another scope under the same signature does not verify.
	signed, sig, _ := strings.Cut(tok, ".")
	payload, _ := b64.DecodeString(strings.TrimPrefix(signed, TokenPrefix))
	forged := bytes.Replace(payload, []byte("contacts:view"), []byte("contacts:edit"), 1)
	if _, err := VerifyToken(TokenPrefix+b64.EncodeToString(forged)+"."+sig, lookupOf(keyA), "biz_1", t0); !errors.Is(err, ErrBadSignature) {
		t.Errorf("a widened scope: %v, want a bad signature", err)
	}
	c.Scope = "\xff"
	if _, err := MintToken(keyA, c); err == nil {
		t.Error("a scope that is not UTF-8 was minted")
	}
}
