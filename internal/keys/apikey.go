package keys

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"hash/crc32"
	"log/slog"
	"strings"
)

// Kind says which credential a key is; its value is the key's prefix without
// the underscore.
type Kind string

// The two kinds that share the R-KEY-1 format.
const (
	// KindAPIKey is a service account's API key, "sak_…" (R-KEY-1).
	KindAPIKey Kind = "sak"
	// KindUserToken is a human's personal token, "sau_…" (R-USER-2).
	KindUserToken Kind = "sau"
)

// Layout of a key (R-KEY-1).
const (
	prefixLen   = 4                                 // "sak_" or "sau_"
	bodyLen     = 43                                // base62 of 256 bits: 62^43 > 2^256
	checksumLen = 6                                 // base62 of a CRC32: 62^6 > 2^32
	keyLen      = prefixLen + bodyLen + checksumLen // 53

	// KeyLength is the length of every API key and user token (R-KEY-1).
	KeyLength = keyLen
)

const base62Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// isBase62 is a lookup table for the alphabet.
var isBase62 = func() (t [256]bool) {
	for i := range len(base62Alphabet) {
		t[base62Alphabet[i]] = true
	}
	return t
}()

// maxBody is the body of 2^256-1. The alphabet is in ASCII order and the body
// has a fixed width, so comparing bodies as strings compares the numbers
// they encode: a body greater than maxBody encodes more than 256 bits and
// was not made by Generate.
var maxBody = func() string {
	var all [32]byte
	for i := range all {
		all[i] = 0xff
	}
	b := encodeBody(&all)
	return string(b[:])
}()

// prefix returns the key prefix of k ("sak_"), or "" for an unknown kind.
func (k Kind) prefix() string {
	switch k {
	case KindAPIKey, KindUserToken:
		return string(k) + "_"
	}
	return ""
}

// kindOf returns the kind whose prefix starts s, or "".
func kindOf(s string) Kind {
	if len(s) < prefixLen || s[prefixLen-1] != '_' {
		return ""
	}
	switch k := Kind(s[:prefixLen-1]); k {
	case KindAPIKey, KindUserToken:
		return k
	}
	return ""
}

// encodeBody writes the 256-bit big-endian number raw as 43 base62 digits,
// most significant first, left-padded with '0' (R-KEY-1).
func encodeBody(raw *[32]byte) (out [bodyLen]byte) {
	num := *raw
	for i := bodyLen - 1; i >= 0; i-- {
		// num, rem = num / 62, num % 62, one byte at a time.
		var rem uint32
		for j := range num {
			acc := rem<<8 | uint32(num[j])
			num[j] = byte(acc / 62)
			rem = acc % 62
		}
		out[i] = base62Alphabet[rem]
	}
	clear(num[:])
	return out
}

// checksum returns the 6-digit base62 CRC32 (IEEE) of s, the prefix and body
// of a key (R-KEY-1).
func checksum(s string) (out [checksumLen]byte) {
	v := crc32IEEE(s)
	for i := checksumLen - 1; i >= 0; i-- {
		out[i] = base62Alphabet[v%62]
		v /= 62
	}
	return out
}

// crc32IEEE is crc32.ChecksumIEEE for a string, without copying it to the
// heap (Parse is on the verification hot path).
func crc32IEEE(s string) uint32 {
	crc := ^uint32(0)
	for i := range len(s) {
		crc = crc32.IEEETable[byte(crc)^s[i]] ^ crc>>8
	}
	return ^crc
}

// Generate returns a new key of the given kind: 256 bits from crypto/rand in
// the R-KEY-1 format. Show it once (R-KEY-3), store Hash (R-KEY-2), and, when
// the business allows retrieval, a sealed copy (R-KEY-10).
func Generate(kind Kind) (Secret, error) {
	if kind.prefix() == "" {
		return "", fmt.Errorf("keys: unknown key kind %q", string(kind))
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", fmt.Errorf("keys: reading random bytes: %w", err)
	}
	s := newSecret(kind, &raw)
	clear(raw[:])
	return s, nil
}

// newSecret formats raw as a key of kind, which must be valid.
func newSecret(kind Kind, raw *[32]byte) Secret {
	var b [keyLen]byte
	copy(b[:], kind.prefix())
	body := encodeBody(raw)
	copy(b[prefixLen:], body[:])
	sum := checksum(string(b[:prefixLen+bodyLen]))
	copy(b[prefixLen+bodyLen:], sum[:])
	return Secret(b[:])
}

// Parse checks that s is a well-formed API key or user token and returns its
// kind and value (R-KEY-1). It trims surrounding white space first, since a
// key read from a file or a pipe often ends in a newline. It checks the
// prefix, the length, the alphabet, that the body encodes at most 256 bits
// and the checksum.
//
// Parse is a pure function: it says nothing about whether the key exists.
// Look that up by Hash. Errors wrap ErrMalformed with a fixed reason and
// never contain s.
func Parse(s string) (Kind, Secret, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", "", malformedKey("empty")
	}
	kind := kindOf(s)
	if kind == "" {
		return "", "", malformedKey("unknown prefix (want sak_ or sau_)")
	}
	if len(s) != keyLen {
		return "", "", malformedKey(fmt.Sprintf("wrong length (want %d characters)", keyLen))
	}
	for i := prefixLen; i < keyLen; i++ {
		if !isBase62[s[i]] {
			return "", "", malformedKey("invalid character")
		}
	}
	if s[prefixLen:prefixLen+bodyLen] > maxBody {
		return "", "", malformedKey("body out of range")
	}
	sum := checksum(s[:prefixLen+bodyLen])
	if string(sum[:]) != s[prefixLen+bodyLen:] {
		return "", "", malformedKey("checksum mismatch")
	}
	return kind, Secret(s), nil
}

// Secret is the full value of an API key or user token (R-KEY-1).
//
// Printing a Secret through fmt (any verb, including %v, %s, %q, %x, %d and
// %#v) or log/slog prints Hint, not the value: String, GoString, Format and
// LogValue all return the hint, so a key that slips into a log line or an
// error message does not leak. Reveal is the one way to get the value.
//
// Secret deliberately has no MarshalJSON or MarshalText. The JSON output of
// "sa create", "sa keys rotate" and "sa keys show" (R-KEY-3, R-KEY-10) is
// where a secret is printed on purpose, and a marshaller returning the hint
// there would silently hand out a useless value. So encoding/json (and
// therefore slog's JSONHandler when a Secret sits inside a struct) writes the
// full value: never put a Secret in a struct that is logged or serialised by
// accident. The same holds for a Secret in an unexported struct field printed
// with fmt, which fmt cannot ask for its String method.
type Secret string

// Hint returns the display hint: the prefix, the first 4 body characters, an
// ellipsis and the last 4 characters, e.g. "sak_AbCd…wxyz" (R-KEY-1). It is
// safe to print and to store. For a value that is not a well-formed key it
// returns "[redacted]", showing none of it.
func (s Secret) Hint() string {
	if len(s) != keyLen || kindOf(string(s)) == "" {
		return "[redacted]"
	}
	return string(s[:prefixLen+4]) + "…" + string(s[keyLen-4:])
}

// Reveal returns the full secret. Call it only where the secret is meant to
// be shown or sent.
func (s Secret) Reveal() string { return string(s) }

// String returns Hint, so that %s and %v never print the secret.
func (s Secret) String() string { return s.Hint() }

// GoString returns Hint, so that %#v never prints the secret.
func (s Secret) GoString() string { return s.Hint() }

// Format prints Hint for every verb. fmt prints a string-kinded value for a
// verb such as %d or %x without calling String, so String alone is not
// enough.
func (s Secret) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, fmt.FormatString(f, verb), s.Hint())
}

// LogValue implements slog.LogValuer: slog.Any("key", s) logs the hint.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.Hint()) }

// Hash returns the SHA-256 of the whole key, the value that is stored and
// looked up (R-KEY-2).
func (s Secret) Hash() [32]byte {
	if len(s) <= keyLen {
		// Hash a key from a stack buffer rather than a heap copy.
		var buf [keyLen]byte
		n := copy(buf[:], s)
		return sha256.Sum256(buf[:n])
	}
	return sha256.Sum256([]byte(s))
}

// Equal reports whether a stored hash is the hash h, in constant time
// (R-KEY-2): the unique-index lookup finds the row, this confirms it.
func Equal(stored []byte, h [32]byte) bool { return subtle.ConstantTimeCompare(stored, h[:]) == 1 }
