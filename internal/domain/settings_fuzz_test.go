package domain

import (
	"strings"
	"testing"
)

// FuzzSettings: for every setting (R-SA-10, R-KEY-4/5/8/10/14), a value that
// Set accepts is written by Get in a canonical form that Set reads back to
// the same settings, the form the store keeps and reads again (R-DB-6); a
// number stays in its range and a duration within 0 to the 100y cap. A
// refused value, or an unknown setting name, is KindInvalid and its message
// follows R-CLI-4.
func FuzzSettings(f *testing.F) {
	for _, s := range []struct{ name, value string }{
		{"max_service_accounts", "25"}, {"max_service_accounts", "unlimited"}, {"max_service_accounts", "0"},
		{"max_service_accounts", "1000001"}, {"max_service_accounts", "-1"}, {"max_service_accounts", " 7 "},
		{"max_keys_per_account", "2"}, {"max_keys_per_account", "100"}, {"max_keys_per_account", "101"},
		{"max_keys_per_account", "0"}, {"max_keys_per_account", "unlimited"}, {"max_keys_per_account", "+3"},
		{"key_retrieval", "off"}, {"key_retrieval", "ON"}, {"key_retrieval", "maybe"}, {"key_retrieval", "yes"},
		{"key_min_ttl", "180d"}, {"key_max_ttl", "2y"}, {"key_default_ttl", "none"}, {"key_inactivity_limit", "off"},
		{"key_max_ttl", "soon"}, {"key_max_ttl", "-5d"}, {"key_max_ttl", "0s"}, {"key_max_ttl", "101y"},
		{"key_min_ttl", "36h"}, {"key_min_ttl", "90m"}, {"key_default_ttl", "1ns"}, {"nope", "1"}, {"", ""},
		{"MAX_KEYS_PER_ACCOUNT", "2"}, {"key_max_ttl", "sak_"},
	} {
		f.Add(s.name, s.value)
	}
	f.Fuzz(func(t *testing.T, name, value string) {
		if _, err := LookupSetting(name); err != nil {
			if p := invalidProblem(err, name); p != "" {
				t.Fatalf("LookupSetting(%s): %s", show(name), p)
			}
		}
		for _, d := range SettingDefs() {
			if got, err := LookupSetting(d.Name); err != nil || got.Name != d.Name {
				t.Fatalf("LookupSetting(%q) = %q, %v", d.Name, got.Name, err)
			}
			s := DefaultSettings()
			if err := d.Set(&s, value); err != nil {
				if p := invalidProblem(err, value); p != "" {
					t.Fatalf("%s.Set(%s): %s", d.Name, show(value), p)
				}
				continue
			}
			text := d.Get(s)
			// Both start from the defaults and differ only in d's field.
			back := DefaultSettings()
			if err := d.Set(&back, text); err != nil {
				t.Fatalf("%s.Set(%s) gives %q, which Set refuses: %v", d.Name, show(value), text, err)
			}
			if back != s {
				t.Fatalf("%s: %q reads back as %+v, want %+v", d.Name, text, back, s)
			}
			if again := d.Get(back); again != text {
				t.Fatalf("%s: Get is not canonical: %q then %q", d.Name, text, again)
			}
			if strings.TrimSpace(text) != text || text == "" {
				t.Fatalf("%s: Get wrote %q", d.Name, text)
			}
			switch {
			case s.MaxServiceAccounts < 0 || s.MaxServiceAccounts > 1_000_000,
				s.MaxKeysPerAccount < 1 || s.MaxKeysPerAccount > MaxKeysLimit:
				t.Fatalf("%s.Set(%s) stored a number out of range: %+v", d.Name, show(value), s)
			}
			for _, ttl := range []int64{int64(s.KeyMinTTL), int64(s.KeyMaxTTL), int64(s.KeyDefaultTTL), int64(s.KeyInactivityLimit)} {
				if ttl < 0 || ttl > int64(MaxDuration) {
					t.Fatalf("%s.Set(%s) stored a duration out of range: %+v", d.Name, show(value), s)
				}
			}
		}
	})
}
