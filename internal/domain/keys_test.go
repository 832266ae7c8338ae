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
	for _, s := range []string{"1000y", "101y", "5300w", "36600d", "1000000h"} {
		if d, err := ParseDuration(s); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error (longer than 100y)", s, d)
		}
	}
	for s, want := range map[string]string{"100y": "100y", "90d": "90d", "2w": "2w", "36h": "36h0m0s", "0d": "0s"} {
		d, err := ParseDuration(s)
		if err != nil || FormatDuration(d) != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %s", s, d, err, want)
		}
	}
}
