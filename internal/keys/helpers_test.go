package keys

import (
	"strings"
	"testing"
)

// checkSafeError fails t unless err is one line and contains none of the
// given credential strings (ignoring ones shorter than 8 bytes, which may
// occur in any text by chance).
func checkSafeError(t *testing.T, err error, credentials ...string) {
	t.Helper()
	if err == nil {
		t.Fatal("want an error, got nil")
	}
	msg := err.Error()
	if strings.ContainsAny(msg, "\r\n") {
		t.Errorf("error is not one line: %q", msg)
	}
	for _, c := range credentials {
		c = strings.TrimSpace(c)
		if len(c) >= 8 && strings.Contains(msg, c) {
			t.Errorf("error %q contains the credential", msg)
		}
	}
}

// mustGenerate returns a new key or fails t.
func mustGenerate(t testing.TB, kind Kind) Secret {
	t.Helper()
	s, err := Generate(kind)
	if err != nil {
		t.Fatalf("Generate(%q): %v", kind, err)
	}
	return s
}

// replaceAt returns s with s[i] replaced by c.
func replaceAt(s string, i int, c byte) string {
	b := []byte(s)
	b[i] = c
	return string(b)
}
