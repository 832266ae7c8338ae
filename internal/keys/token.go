package keys

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"
)

// Signed token limits (R-TOK-1).
const (
	// TokenPrefix starts every signed token.
	TokenPrefix = "sat_"
	// MaxTokenTTL bounds a token's lifetime, expiry minus issued-at. A
	// retired signing key must keep verifying for this long (R-TOK-2).
	MaxTokenTTL = time.Hour
	// MaxTokenLength bounds a token's length in bytes; longer input is
	// rejected before it is decoded.
	MaxTokenLength = 4096
	// MaxClockSkew is how far in the future a token's issued-at may be.
	MaxClockSkew = time.Minute
)

// b64 is unpadded base64url that rejects non-zero trailing bits. It still
// skips '\r' and '\n', like every encoding/base64 decoder, so a part must pass
// isB64URLPart before it is decoded.
var b64 = base64.RawURLEncoding.Strict()

// b64URLAlphabet marks the 64 bytes of the base64url alphabet.
var b64URLAlphabet = func() (t [256]bool) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := range len(alphabet) {
		t[alphabet[i]] = true
	}
	return t
}()

// isB64URLPart reports whether every byte of s is in the unpadded base64url
// alphabet [A-Za-z0-9_-]: no padding, no white space, no CR or LF. Together
// with b64's strict decoding this leaves each part exactly one spelling
// (R-TOK-3).
func isB64URLPart(s string) bool {
	for i := range len(s) {
		if !b64URLAlphabet[s[i]] {
			return false
		}
	}
	return true
}

// TokenClaims is the payload of a signed token (R-TOK-1). Times are Unix
// seconds.
type TokenClaims struct {
	Business  string `json:"bus"`
	Account   string `json:"sub"`
	IssuedAt  int64  `json:"iat"`
	Expiry    int64  `json:"exp"`
	ID        string `json:"jti"`
	Execution string `json:"exe,omitempty"`
	// ClientKey is the API key a token was exchanged for through OAuth2's
	// client credentials grant (R-SRV-10): such a token is of that key's
	// account and fails as soon as the key does. Empty for a minted token.
	ClientKey string `json:"key,omitempty"`
	// Scope narrows what the token may do (R-SRV-10): space-separated
	// "key:level" permissions, canonical (sorted, each key once); empty is
	// the account's permissions, unnarrowed.
	Scope string `json:"scp,omitempty"`
	// KeyID names the signing key, so a rotated-out key can keep verifying
	// the tokens it signed (R-TOK-2). MintToken sets it.
	KeyID string `json:"kid"`
}

// problem returns why c cannot be a token's payload, or "".
func (c *TokenClaims) problem() string {
	switch {
	case c.Business == "":
		return "missing business (bus)"
	case c.Account == "":
		return "missing account (sub)"
	case c.ID == "":
		return "missing token id (jti)"
	case c.KeyID == "":
		return "missing signing key id (kid)"
	case c.IssuedAt <= 0:
		return "missing issued-at (iat)"
	case c.Expiry <= c.IssuedAt:
		return "expiry (exp) not after issued-at (iat)"
	case c.Expiry-c.IssuedAt > int64(MaxTokenTTL/time.Second):
		return "lifetime exceeds " + MaxTokenTTL.String()
	}
	for _, s := range [...]string{c.Business, c.Account, c.ID, c.Execution, c.ClientKey, c.Scope, c.KeyID} {
		if !utf8.ValidString(s) {
			return "claim is not valid UTF-8"
		}
	}
	return ""
}

// SigningKey signs a business's tokens (R-TOK-2). Store Secret sealed under
// the business's DataKey; ID is public and goes into every token it signs.
//
// fmt and log/slog print only the ID.
type SigningKey struct {
	ID     string
	Secret [32]byte
}

// NewSigningKey returns a key with 32 random bytes and an ID of "sk_" and 16
// random lowercase hex characters (R-TOK-2).
func NewSigningKey() (SigningKey, error) {
	var id [8]byte
	var k SigningKey
	if _, err := rand.Read(id[:]); err != nil {
		return SigningKey{}, fmt.Errorf("keys: reading random bytes: %w", err)
	}
	if _, err := rand.Read(k.Secret[:]); err != nil {
		return SigningKey{}, fmt.Errorf("keys: reading random bytes: %w", err)
	}
	k.ID = "sk_" + hex.EncodeToString(id[:])
	return k, nil
}

// String returns "SigningKey(ID)", never the secret.
func (k SigningKey) String() string { return "SigningKey(" + k.ID + ")" }

// GoString returns "SigningKey(ID)", never the secret.
func (k SigningKey) GoString() string { return k.String() }

// Format prints "SigningKey(ID)" for every verb, so %+v and %#v do not print
// the secret.
func (k SigningKey) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, k.String()) }

// LogValue implements slog.LogValuer: it logs the ID only.
func (k SigningKey) LogValue() slog.Value { return slog.StringValue(k.String()) }

// sign returns HMAC-SHA256(k, signed), where signed is "sat_" and the
// payload part (R-TOK-1).
func sign(k *SigningKey, signed string) []byte {
	mac := hmac.New(sha256.New, k.Secret[:])
	_, _ = io.WriteString(mac, signed)
	return mac.Sum(nil)
}

// MintToken returns a signed token carrying c, signed by k (R-TOK-1). It
// sets c.KeyID to k.ID. The caller sets IssuedAt, Expiry (at most
// MaxTokenTTL later) and a unique ID; MintToken fails rather than make a
// token VerifyToken would reject as malformed.
func MintToken(k SigningKey, c TokenClaims) (string, error) {
	if k.ID == "" {
		return "", errors.New("keys: mint token: signing key has no id")
	}
	if isZero(&k.Secret) {
		return "", errors.New("keys: mint token: signing key secret is all zeros")
	}
	c.KeyID = k.ID
	if p := c.problem(); p != "" {
		return "", errors.New("keys: mint token: " + p)
	}
	payload, err := json.Marshal(&c)
	if err != nil {
		return "", fmt.Errorf("keys: mint token: %w", err)
	}
	signed := TokenPrefix + b64.EncodeToString(payload)
	tok := signed + "." + b64.EncodeToString(sign(&k, signed))
	if len(tok) > MaxTokenLength {
		return "", fmt.Errorf("keys: mint token: token longer than %d bytes", MaxTokenLength)
	}
	return tok, nil
}

// ParseTokenUnverified checks that s is a well-formed signed token and
// returns its claims WITHOUT checking the signature, expiry or business: do
// not trust them. Use it to route or display a token; use VerifyToken to
// accept one.
//
// A token has exactly one spelling (R-TOK-3): s is not trimmed, and any byte
// outside the unpadded base64url alphabet in either part, white space, CR and
// LF included, makes it malformed. It checks the length (at most
// MaxTokenLength), the "sat_" prefix, that there is exactly one '.', that
// both parts are canonical unpadded base64url (only [A-Za-z0-9_-], unused
// trailing bits zero), that the payload is exactly
// the JSON MintToken writes for its claims (no unknown or duplicate fields,
// no other spelling), that the signature is 32 bytes, and that the required
// claims are present and the lifetime is at most MaxTokenTTL. Errors wrap
// ErrMalformed and never contain s.
func ParseTokenUnverified(s string) (TokenClaims, error) {
	c, _, _, err := parseToken(s)
	return c, err
}

// parseToken is ParseTokenUnverified that also returns the signed part and
// the signature.
func parseToken(s string) (c TokenClaims, signed string, sig []byte, err error) {
	if len(s) > MaxTokenLength {
		return TokenClaims{}, "", nil, malformedToken(fmt.Sprintf("longer than %d bytes", MaxTokenLength))
	}
	if !strings.HasPrefix(s, TokenPrefix) {
		return TokenClaims{}, "", nil, malformedToken("missing sat_ prefix")
	}
	signed, sigPart, ok := strings.Cut(s, ".")
	if !ok || strings.Contains(sigPart, ".") {
		return TokenClaims{}, "", nil, malformedToken("want exactly one '.'")
	}
	payloadPart := signed[len(TokenPrefix):]
	if payloadPart == "" || sigPart == "" {
		return TokenClaims{}, "", nil, malformedToken("empty part")
	}
	// encoding/base64 skips '\r' and '\n' anywhere in its input, so check
	// the alphabet first: otherwise a CR or LF inserted into a part would
	// give a second spelling of the same token.
	if !isB64URLPart(payloadPart) {
		return TokenClaims{}, "", nil, malformedToken("payload is not base64url")
	}
	if !isB64URLPart(sigPart) {
		return TokenClaims{}, "", nil, malformedToken("signature is not base64url")
	}
	payload, err := b64.DecodeString(payloadPart)
	if err != nil {
		return TokenClaims{}, "", nil, malformedToken("payload is not base64url")
	}
	sig, err = b64.DecodeString(sigPart)
	if err != nil {
		return TokenClaims{}, "", nil, malformedToken("signature is not base64url")
	}
	if len(sig) != sha256.Size {
		return TokenClaims{}, "", nil, malformedToken("signature has the wrong length")
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return TokenClaims{}, "", nil, malformedToken("payload is not a claims object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return TokenClaims{}, "", nil, malformedToken("data after the claims object")
	}
	// Accept only the exact bytes MintToken writes: this rejects duplicate
	// fields, case-folded names, extra white space and other spellings that
	// other JSON parsers might read differently.
	canonical, err := json.Marshal(&c)
	if err != nil || !bytes.Equal(canonical, payload) {
		return TokenClaims{}, "", nil, malformedToken("payload is not in canonical form")
	}
	if p := c.problem(); p != "" {
		return TokenClaims{}, "", nil, malformedToken(p)
	}
	return c, signed, sig, nil
}

// VerifyToken accepts a signed token for business at time now (R-TOK-3) and
// returns its claims. It is a pure function: no database, no writes.
//
// lookup returns the signing key whose ID is kid, current or retired
// (R-TOK-2), and false for an unknown kid. Checks, in order:
//
//   - well-formed (ParseTokenUnverified), else ErrMalformed;
//   - signed by a key lookup knows, with a valid HMAC, else ErrBadSignature;
//   - exp > now (Unix seconds), else ErrExpired;
//   - iat at most MaxClockSkew after now, else ErrMalformed;
//   - bus == business, else ErrForeignBusiness. An empty business matches
//     no token.
//
// On error the returned claims are zero. Revocation (R-TOK-4) is checked by
// the caller afterwards.
func VerifyToken(s string, lookup func(kid string) (SigningKey, bool), business string, now time.Time) (TokenClaims, error) {
	if now.IsZero() {
		return TokenClaims{}, errors.New("keys: verify token: zero time")
	}
	c, signed, sig, err := parseToken(s)
	if err != nil {
		return TokenClaims{}, err
	}
	if lookup == nil {
		return TokenClaims{}, fmt.Errorf("%w: unknown signing key", ErrBadSignature)
	}
	k, ok := lookup(c.KeyID)
	if !ok || isZero(&k.Secret) {
		return TokenClaims{}, fmt.Errorf("%w: unknown signing key", ErrBadSignature)
	}
	if !hmac.Equal(sign(&k, signed), sig) {
		return TokenClaims{}, ErrBadSignature
	}
	unix := now.Unix()
	if !TokenLive(c.Expiry, now) {
		return TokenClaims{}, ErrExpired
	}
	// IssuedAt > 0, so this cannot overflow.
	if c.IssuedAt-int64(MaxClockSkew/time.Second) > unix {
		return TokenClaims{}, malformedToken("issued in the future")
	}
	if c.Business != business {
		return TokenClaims{}, ErrForeignBusiness
	}
	return c, nil
}

// TokenLive reports whether a token expiring at exp (Unix seconds) is not
// expired at now: exp > now (R-TOK-3).
func TokenLive(exp int64, now time.Time) bool { return exp > now.Unix() }
