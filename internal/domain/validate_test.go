package domain

import "testing"

// A derived api name is always a valid one (R-SA-2), whatever the name.
func TestSlugifyGivesValidAPINames(t *testing.T) {
	for name, want := range map[string]string{
		"Zapier Sync": "zapier-sync",
		"_ a":         "a",
		"__-x":        "x",
		"_!b":         "b",
		"a_ ":         "a",
		"Café Sync":   "cafe-sync",
		"🚀":           "account",
		"-_-":         "account",
	} {
		got := Slugify(name)
		if got != want {
			t.Errorf("Slugify(%q) = %q, want %q", name, got, want)
		}
		if err := ValidateAPIName(got); err != nil {
			t.Errorf("Slugify(%q) = %q: %v", name, got, err)
		}
	}
}
