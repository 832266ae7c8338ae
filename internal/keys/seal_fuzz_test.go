package keys

import (
	"bytes"
	"errors"
	"testing"
)

// Fixed keys and a blob sealed with a fixed nonce, so that the fuzz
// targets below are deterministic and their corpus files reproduce.
var (
	fuzzDataKey   = DataKey(bytesFrom(1))
	fuzzMasterKey = MasterKey(bytesFrom(101))
	fuzzPlaintext = []byte("sak_003aUlTJC7tjlCTQj2uNU3MFagCXG9LRKRcwGkBIDlf0N6D6w")
	fuzzAAD       = []byte("biz_1/key_1")
)

func bytesFrom(start byte) (b [32]byte) {
	for i := range b {
		b[i] = start + byte(i)
	}
	return b
}

// sealWithNonce is seal with a given nonce: the layout of R-KEY-10,
// version ‖ nonce ‖ ciphertext ‖ tag.
func sealWithNonce(t testing.TB, key *[32]byte, nonce byte, plaintext, aad []byte) []byte {
	t.Helper()
	aead, err := newGCM(key)
	if err != nil {
		t.Fatal(err)
	}
	out := append([]byte{sealVersion}, bytes.Repeat([]byte{nonce}, nonceLen)...)
	return aead.Seal(out, out[1:], plaintext, gcmAAD(aad))
}

// tamperings returns blob changed in every part: version, nonce,
// ciphertext and tag flipped, truncated, extended, emptied.
func tamperings(blob []byte) [][]byte {
	var out [][]byte
	for _, i := range []int{0, 1, nonceLen, 1 + nonceLen, len(blob) - tagLen - 1, len(blob) - tagLen, len(blob) - 1} {
		if i >= 0 && i < len(blob) {
			b := bytes.Clone(blob)
			b[i] ^= 0x01
			out = append(out, b)
		}
	}
	for _, n := range []int{0, 1, sealOverhead - 1, sealOverhead, len(blob) - 1} {
		if n >= 0 && n <= len(blob) {
			out = append(out, bytes.Clone(blob[:n]))
		}
	}
	return append(out, append(bytes.Clone(blob), 0), append([]byte{sealVersion}, blob...))
}

// FuzzOpen: DataKey.Open (R-KEY-10) never panics and opens nothing but
// what Seal made: a blob or aad changed in any way (a flipped bit, a
// truncation, an extension) is ErrSealBroken, and so is the right blob
// under another key. Anything sealed, with any aad, opens to itself.
func FuzzOpen(f *testing.F) {
	sealed := sealWithNonce(f, (*[32]byte)(&fuzzDataKey), 7, fuzzPlaintext, fuzzAAD)
	if pt, err := fuzzDataKey.Open(sealed, fuzzAAD); err != nil || !bytes.Equal(pt, fuzzPlaintext) {
		f.Fatalf("the fixed blob does not open: %v", err)
	}
	f.Add(sealed, fuzzAAD)
	f.Add(sealed, []byte("biz_1/key_2"))
	f.Add(sealed, []byte(nil))
	for _, b := range tamperings(sealed) {
		f.Add(b, fuzzAAD)
	}
	other := DataKey(bytesFrom(2))
	f.Fuzz(func(t *testing.T, blob, aad []byte) {
		pt, err := fuzzDataKey.Open(blob, aad)
		if err != nil {
			if !errors.Is(err, ErrSealBroken) || pt != nil {
				t.Fatalf("Open: error %q is not ErrSealBroken, or came with plaintext", err)
			}
		} else if !bytes.Equal(blob, sealed) || !bytes.Equal(aad, fuzzAAD) || !bytes.Equal(pt, fuzzPlaintext) {
			t.Fatalf("Open accepted a blob or aad other than the sealed one")
		}
		if _, err := other.Open(blob, aad); err == nil {
			t.Fatal("Open succeeded under another data key")
		}
		// Round trip: the fuzz bytes sealed open to themselves, with that
		// aad only.
		s, err := fuzzDataKey.Seal(blob, aad)
		if err != nil || len(s) != len(blob)+sealOverhead {
			t.Fatalf("Seal: %d bytes, %v", len(s), err)
		}
		if back, err := fuzzDataKey.Open(s, aad); err != nil || !bytes.Equal(back, blob) {
			t.Fatalf("Open(Seal(x)) != x: %v", err)
		}
		if _, err := fuzzDataKey.Open(s, append(bytes.Clone(aad), 0)); err == nil {
			t.Fatal("Open succeeded with another aad")
		}
	})
}

// FuzzUnwrap: MasterKey.Unwrap (R-KEY-10) never panics and unwraps nothing
// but what Wrap made: a changed blob is ErrSealBroken; a value sealed with
// Seal under a data key equal to the master key is not a wrapped data key,
// whatever its aad (but Wrap's own); and every data key wraps and unwraps
// to itself.
func FuzzUnwrap(f *testing.F) {
	dk := DataKey(bytesFrom(201))
	wrapped := sealWithNonce(f, (*[32]byte)(&fuzzMasterKey), 9, dk[:], wrapAAD)
	if got, err := fuzzMasterKey.Unwrap(wrapped); err != nil || got != dk {
		f.Fatalf("the fixed wrapped key does not unwrap: %v", err)
	}
	f.Add(wrapped)
	for _, b := range tamperings(wrapped) {
		f.Add(b)
	}
	f.Add(sealWithNonce(f, (*[32]byte)(&fuzzMasterKey), 9, dk[:31], wrapAAD))
	f.Add(sealWithNonce(f, (*[32]byte)(&fuzzMasterKey), 9, dk[:], nil))
	f.Fuzz(func(t *testing.T, blob []byte) {
		got, err := fuzzMasterKey.Unwrap(blob)
		if err != nil {
			if !errors.Is(err, ErrSealBroken) || got != (DataKey{}) {
				t.Fatalf("Unwrap: error %q is not ErrSealBroken, or came with a key", err)
			}
		} else if !bytes.Equal(blob, wrapped) || got != dk {
			t.Fatal("Unwrap accepted a blob other than the wrapped one")
		}
		// Domain separation: the fuzz bytes as an aad, a 32-byte value
		// sealed under the master key's bytes.
		var pt DataKey
		copy(pt[:], blob)
		if !bytes.Equal(blob, wrapAAD) {
			s, err := DataKey(fuzzMasterKey).Seal(pt[:], blob)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := fuzzMasterKey.Unwrap(s); !errors.Is(err, ErrSealBroken) {
				t.Fatalf("Unwrap opened a value sealed with Seal: %v", err)
			}
		}
		// Round trip: any non-zero 32 bytes wrap and unwrap to themselves.
		w, err := fuzzMasterKey.Wrap(pt)
		if err != nil {
			t.Fatal(err)
		}
		if back, err := fuzzMasterKey.Unwrap(w); err != nil || back != pt {
			t.Fatalf("Unwrap(Wrap(dk)) != dk: %v", err)
		}
	})
}
