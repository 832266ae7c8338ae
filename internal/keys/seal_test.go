package keys

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func mustDataKey(t testing.TB) DataKey {
	t.Helper()
	dk, err := NewDataKey()
	if err != nil {
		t.Fatal(err)
	}
	return dk
}

func TestNewDataKey(t *testing.T) {
	a, b := mustDataKey(t), mustDataKey(t)
	if a == b || a == (DataKey{}) {
		t.Fatal("NewDataKey is not random")
	}
}

func TestSealOpenRoundTrip(t *testing.T) {
	dk := mustDataKey(t)
	for _, tt := range []struct {
		name    string
		pt, aad []byte
	}{
		{"empty", nil, nil},
		{"key secret", []byte(mustGenerate(t, KindAPIKey).Reveal()), []byte("biz_1/key_1")},
		{"binary", bytes.Repeat([]byte{0, 0xff}, 1000), []byte{0}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sealed, err := dk.Seal(tt.pt, tt.aad)
			if err != nil {
				t.Fatal(err)
			}
			// R-KEY-10 layout: version, nonce, ciphertext and tag.
			if len(sealed) != 1+12+len(tt.pt)+16 || sealed[0] != 0x01 {
				t.Fatalf("sealed is %d bytes starting %#x, want %d starting 0x01", len(sealed), sealed[0], 1+12+len(tt.pt)+16)
			}
			if len(tt.pt) >= 8 && bytes.Contains(sealed, tt.pt[:8]) {
				t.Fatal("sealed contains the plaintext")
			}
			got, err := dk.Open(sealed, tt.aad)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.pt) {
				t.Fatalf("Open = %q, want %q", got, tt.pt)
			}
		})
	}
}

func TestSealUsesFreshNonces(t *testing.T) {
	dk := mustDataKey(t)
	seen := map[string]bool{}
	for range 100 {
		sealed, err := dk.Seal([]byte("same"), nil)
		if err != nil {
			t.Fatal(err)
		}
		nonce := string(sealed[1:13])
		if seen[nonce] {
			t.Fatal("nonce repeated")
		}
		seen[nonce] = true
	}
}

func TestOpenRejectsTampering(t *testing.T) {
	dk := mustDataKey(t)
	aad := []byte("biz_1/key_1")
	sealed, err := dk.Seal([]byte("sak_secret"), aad)
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, b, aad []byte, key DataKey) {
		t.Helper()
		pt, err := key.Open(b, aad)
		if !errors.Is(err, ErrSealBroken) {
			t.Errorf("%s: Open = %q, %v; want ErrSealBroken", name, pt, err)
		}
		if pt != nil {
			t.Errorf("%s: Open returned plaintext with its error", name)
		}
		checkSafeError(t, err)
	}
	for i := range sealed {
		for _, bit := range []byte{0x01, 0x80} {
			b := bytes.Clone(sealed)
			b[i] ^= bit
			check(fmt.Sprintf("byte %d ^ %#x", i, bit), b, aad, dk)
		}
	}
	for n := range len(sealed) {
		check(fmt.Sprintf("truncated to %d", n), sealed[:n], aad, dk)
	}
	check("byte appended", append(bytes.Clone(sealed), 0), aad, dk)
	check("version 2", append([]byte{0x02}, sealed[1:]...), aad, dk)
	check("wrong key", sealed, aad, mustDataKey(t))
	check("no aad", sealed, nil, dk)
	check("other aad", sealed, []byte("biz_1/key_2"), dk)
	check("aad with extra byte", sealed, append(bytes.Clone(aad), 0), dk)
	check("zero key", sealed, aad, DataKey{})
}

func TestSealRefusesZeroKey(t *testing.T) {
	if b, err := (DataKey{}).Seal([]byte("x"), nil); err == nil {
		t.Fatalf("Seal with a zero key = %x, want an error", b)
	}
	if b, err := (MasterKey{}).Wrap(mustDataKey(t)); err == nil {
		t.Fatalf("Wrap with a zero master key = %x, want an error", b)
	}
}

// TestOpenRefusesZeroKey: an all-zero key is public, so anyone can seal
// under it. A zero DataKey (an unset value) must not open such a forgery.
func TestOpenRefusesZeroKey(t *testing.T) {
	var zero [32]byte
	block, _ := aes.NewCipher(zero[:])
	gcm, _ := cipher.NewGCM(block)
	nonce := make([]byte, 12)
	aad := []byte("biz_1/key_1")
	forged := gcm.Seal(append([]byte{0x01}, nonce...), nonce, []byte("attacker"), gcmAAD(aad))
	if pt, err := (DataKey{}).Open(forged, aad); !errors.Is(err, ErrSealBroken) {
		t.Fatalf("zero DataKey opened a forgery: %q, %v", pt, err)
	}
	if _, err := (MasterKey{}).Unwrap(forged); !errors.Is(err, ErrSealBroken) {
		t.Fatalf("zero MasterKey unwrapped a forgery: %v", err)
	}
}

func TestWrapUnwrap(t *testing.T) {
	m, err := newMasterKey()
	if err != nil {
		t.Fatal(err)
	}
	dk := mustDataKey(t)
	wrapped, err := m.Wrap(dk)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(wrapped, dk[:8]) {
		t.Fatal("wrapped contains the data key")
	}
	got, err := m.Unwrap(wrapped)
	if err != nil || got != dk {
		t.Fatalf("Unwrap = %v (equal: %v)", err, got == dk)
	}

	other, _ := newMasterKey()
	if _, err := other.Unwrap(wrapped); !errors.Is(err, ErrSealBroken) {
		t.Errorf("Unwrap with another master key: %v, want ErrSealBroken", err)
	}
	tampered := bytes.Clone(wrapped)
	tampered[len(tampered)-1] ^= 1
	if _, err := m.Unwrap(tampered); !errors.Is(err, ErrSealBroken) {
		t.Errorf("Unwrap of tampered bytes: %v, want ErrSealBroken", err)
	}

	// Domain separation: 32 bytes sealed with Seal under a data key equal
	// to the master key are not a wrapped data key.
	sealed, err := DataKey(m).Seal(dk[:], nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Unwrap(sealed); !errors.Is(err, ErrSealBroken) {
		t.Errorf("Unwrap of a value sealed by Seal: %v, want ErrSealBroken", err)
	}
	if _, err := DataKey(m).Open(wrapped, nil); !errors.Is(err, ErrSealBroken) {
		t.Errorf("Open of a wrapped data key: %v, want ErrSealBroken", err)
	}

	// A wrapped value of the wrong size is refused.
	short, err := seal((*[32]byte)(&m), dk[:31], wrapAAD)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Unwrap(short); !errors.Is(err, ErrSealBroken) {
		t.Errorf("Unwrap of a 31-byte key: %v, want ErrSealBroken", err)
	}
}

// TestKeysNeverPrintBytes: master, data and signing keys print redacted
// through fmt and slog, whatever the verb.
func TestKeysNeverPrintBytes(t *testing.T) {
	var m MasterKey
	var dk DataKey
	sk := SigningKey{ID: "sk_0123456789abcdef"}
	for i := range 32 {
		m[i], dk[i], sk.Secret[i] = 0xa1, 0xb2, 0xc3
	}
	type holder struct {
		M  MasterKey
		D  DataKey
		SK SigningKey
	}
	var outputs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%d", "%q", "%o", "%b"} {
		for _, v := range []any{m, dk, sk, &m, &dk, &sk, holder{m, dk, sk}, []any{m, dk, sk}} {
			outputs = append(outputs, fmt.Sprintf(verb, v))
		}
	}
	var buf bytes.Buffer
	// Without the time: its digits could spell a byte's decimal form by chance.
	noTime := &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}
	slog.New(slog.NewJSONHandler(&buf, noTime)).Info("x", "m", m, "dk", dk, "sk", sk)
	slog.New(slog.NewTextHandler(&buf, noTime)).Info("x", "m", m, "dk", dk, "sk", sk)
	outputs = append(outputs, buf.String())
	for _, out := range outputs {
		for _, leak := range []string{"a1a1", "A1A1", "161", "b2b2", "B2B2", "178", "c3c3", "C3C3", "195", "\xa1\xa1", "\xb2\xb2", "\xc3\xc3", "\\xa1", "\\xb2", "\\xc3", "10100001", "10110010", "11000011", "241", "262", "303"} {
			if strings.Contains(out, leak) {
				t.Errorf("output %q contains key bytes (%q)", out, leak)
			}
		}
	}
	if got := fmt.Sprintf("%v %v %v", m, dk, sk); got != "MasterKey([redacted]) DataKey([redacted]) SigningKey(sk_0123456789abcdef)" {
		t.Errorf("formatted = %q", got)
	}
}
