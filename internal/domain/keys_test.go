package domain

import "testing"

func TestExplainNamesTheCredentialType(t *testing.T) {
	cases := []struct {
		typ, reason, want string
	}{
		{CredentialAPIKey, ReasonRevoked, "key was deleted"},
		{CredentialSignedToken, ReasonRevoked, "token was revoked"},
		{CredentialUserToken, ReasonRevoked, "user token was revoked"},
		{CredentialUserToken, ReasonExpired, "user token has expired"},
		{CredentialAPIKey, ReasonExpired, "key has expired"},
		{CredentialUserToken, ReasonMalformed, "malformed user token: mistyped (its checksum does not match)"},
	}
	for _, c := range cases {
		v := Verification{Reason: c.reason, Credential: &VerifiedCredential{Type: c.typ}}
		if got := v.Explain(); got != c.want {
			t.Errorf("%s %s: %q, want %q", c.typ, c.reason, got, c.want)
		}
	}
}

func TestParseDurationBounds(t *testing.T) {
	for _, s := range []string{"1000y", "101y", "5300w", "36600d", "1000000h", "1300mo", "99999999999999999999s"} {
		if d, err := ParseDuration(s); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error (longer than 100y)", s, d)
		}
	}
	for s, want := range map[string]string{"100y": "100y", "90d": "90d", "2w": "2w",
		"36h": "1d12h", "0d": "0s", "6mo": "180d", "1d12h": "1d12h", "90m": "1h30m", "1y2w": "379d", "1500ms": "1s500ms",
		" 14d ": "2w", "1m30s": "1m30s", "3us": "3µs"} {
		d, err := ParseDuration(s)
		if err != nil || FormatDuration(d) != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %s", s, d, err, want)
		}
	}
	// R-CLI-8: one grammar, so what Go alone would read is refused: signs,
	// fractions, units out of order or twice, unknown units.
	for _, s := range []string{"-1d", "-24h", "+1h", "1.5h", "12h1d", "1h1h", "1d 12h", "5x", "h", "1", "1e3d", "1mo1y", "1µs1us"} {
		if d, err := ParseDuration(s); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", s, d)
		}
	}
}
