package keys

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
)

// Sealed layout (R-KEY-10): version ‖ nonce ‖ ciphertext ‖ tag.
const (
	sealVersion  = 0x01
	nonceLen     = 12
	tagLen       = 16
	sealOverhead = 1 + nonceLen + tagLen
)

// wrapAAD is the additional data of a wrapped data key. It separates wrapped
// data keys from everything else sealed, so a value sealed with Seal under a
// key equal to the master key can never be unwrapped as a data key.
var wrapAAD = []byte("sactl/keys: wrapped data key v1")

// MasterKey seals the data keys of every business (R-KEY-10). It comes from
// LoadOrCreateMasterKey (local mode, a 0600 file next to the database) or
// ParseMasterKey (server mode, SACTL_MASTER_KEY). Losing it makes every
// sealed secret unreadable; sactl then degrades to hash-only keys.
//
// fmt and log/slog print it as "MasterKey([redacted])".
type MasterKey [32]byte

// DataKey seals the retrievable secrets of one business: API key secrets
// (R-KEY-10) and token signing keys (R-TOK-2). It is stored wrapped by the
// MasterKey.
//
// fmt and log/slog print it as "DataKey([redacted])".
type DataKey [32]byte

// NewDataKey returns a DataKey of 32 bytes from crypto/rand (R-KEY-10).
func NewDataKey() (DataKey, error) {
	var dk DataKey
	if _, err := rand.Read(dk[:]); err != nil {
		return DataKey{}, fmt.Errorf("keys: reading random bytes: %w", err)
	}
	return dk, nil
}

// Wrap seals dk under m, for storage next to the business it belongs to
// (R-KEY-10).
func (m MasterKey) Wrap(dk DataKey) ([]byte, error) {
	return seal((*[32]byte)(&m), dk[:], wrapAAD)
}

// Unwrap opens a data key sealed by Wrap. Any failure, including a wrong
// master key, is ErrSealBroken.
func (m MasterKey) Unwrap(b []byte) (DataKey, error) {
	pt, err := open((*[32]byte)(&m), b, wrapAAD)
	if err != nil {
		return DataKey{}, err
	}
	defer clear(pt)
	if len(pt) != len(DataKey{}) {
		return DataKey{}, fmt.Errorf("%w: wrapped data key has the wrong size", ErrSealBroken)
	}
	var dk DataKey
	copy(dk[:], pt)
	return dk, nil
}

// Seal encrypts plaintext with AES-256-GCM under dk (R-KEY-10) and returns
// 0x01 ‖ 12-byte random nonce ‖ ciphertext ‖ tag. aad is authenticated but
// not stored: Open needs the same aad. Pass the identity of the row the
// secret belongs to (for example business id and key id), so a sealed value
// moved to another row does not open.
//
// Nonces are random, so one data key should seal fewer than 2^32 values.
func (dk DataKey) Seal(plaintext, aad []byte) ([]byte, error) {
	return seal((*[32]byte)(&dk), plaintext, aad)
}

// Open decrypts what Seal returned, given the same aad (R-KEY-10). Any
// failure (tampering, truncation, an unknown version, the wrong key or the
// wrong aad) is ErrSealBroken.
func (dk DataKey) Open(ciphertext, aad []byte) ([]byte, error) {
	return open((*[32]byte)(&dk), ciphertext, aad)
}

func isZero(k *[32]byte) bool { return *k == [32]byte{} }

func newGCM(key *[32]byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// gcmAAD authenticates the version byte along with the caller's aad, so a
// future format cannot be confused with this one.
func gcmAAD(aad []byte) []byte {
	out := make([]byte, 0, 1+len(aad))
	out = append(out, sealVersion)
	return append(out, aad...)
}

func seal(key *[32]byte, plaintext, aad []byte) ([]byte, error) {
	// An all-zero key is almost certainly an unset value, not a real key.
	if isZero(key) {
		return nil, errors.New("keys: refusing to seal with an all-zero key")
	}
	aead, err := newGCM(key)
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	out := make([]byte, 1+nonceLen, sealOverhead+len(plaintext))
	out[0] = sealVersion
	if _, err := io.ReadFull(rand.Reader, out[1:]); err != nil {
		return nil, fmt.Errorf("keys: reading random bytes: %w", err)
	}
	return aead.Seal(out, out[1:1+nonceLen], plaintext, gcmAAD(aad)), nil
}

func open(key *[32]byte, b, aad []byte) ([]byte, error) {
	switch {
	case isZero(key):
		return nil, fmt.Errorf("%w: all-zero key", ErrSealBroken)
	case len(b) < sealOverhead:
		return nil, fmt.Errorf("%w: too short", ErrSealBroken)
	case b[0] != sealVersion:
		return nil, fmt.Errorf("%w: unknown version", ErrSealBroken)
	}
	aead, err := newGCM(key)
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	pt, err := aead.Open(nil, b[1:1+nonceLen], b[1+nonceLen:], gcmAAD(aad))
	if err != nil {
		return nil, ErrSealBroken
	}
	return pt, nil
}

// redactedKey prints name([redacted]) for every fmt verb.
func redactedKey(f fmt.State, name string) {
	_, _ = io.WriteString(f, name+"([redacted])")
}

// String returns "MasterKey([redacted])".
func (m MasterKey) String() string { return "MasterKey([redacted])" }

// GoString returns "MasterKey([redacted])".
func (m MasterKey) GoString() string { return m.String() }

// Format prints "MasterKey([redacted])" for every verb, %x included.
func (m MasterKey) Format(f fmt.State, _ rune) { redactedKey(f, "MasterKey") }

// LogValue implements slog.LogValuer without revealing the key.
func (m MasterKey) LogValue() slog.Value { return slog.StringValue(m.String()) }

// String returns "DataKey([redacted])".
func (dk DataKey) String() string { return "DataKey([redacted])" }

// GoString returns "DataKey([redacted])".
func (dk DataKey) GoString() string { return dk.String() }

// Format prints "DataKey([redacted])" for every verb, %x included.
func (dk DataKey) Format(f fmt.State, _ rune) { redactedKey(f, "DataKey") }

// LogValue implements slog.LogValuer without revealing the key.
func (dk DataKey) LogValue() slog.Value { return slog.StringValue(dk.String()) }
