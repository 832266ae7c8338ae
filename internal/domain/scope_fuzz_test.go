package domain

import (
	"strings"
	"testing"
)

// FuzzParseScope: an OAuth2 scope (R-SRV-10) is read from untrusted input
// (the token endpoint's form). An accepted scope names at most
// MaxScopeEntries valid keys, each once at view, edit or remove, and its
// canonical spelling (what a token carries) reads back as itself; a
// refusal is KindInvalid and follows R-CLI-4.
func FuzzParseScope(f *testing.F) {
	for _, s := range []string{"", "contacts:view", "contacts:view deals:edit", "  a:remove  ", "a:view a:edit", "a", "a:",
		":view", "a:none", "a:VIEW", "A:view", "a:view\tb:view", "sak_" + strings.Repeat("x", 49), strings.Repeat("a:view ", 40)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseScope(s)
		if err != nil {
			if pr := invalidProblem(err, s); pr != "" {
				t.Fatalf("ParseScope(%s): %s", show(s), pr)
			}
			return
		}
		if len(p) > MaxScopeEntries {
			t.Fatalf("ParseScope(%s): %d entries", show(s), len(p))
		}
		for k, l := range p {
			if ValidatePermissionKey(k) != nil || l <= LevelNone || l > LevelRemove {
				t.Fatalf("ParseScope(%s): %s=%v", show(s), k, l)
			}
		}
		canon := p.Scope()
		back, err := ParseScope(canon)
		if err != nil || back.String() != p.String() || back.Scope() != canon {
			t.Fatalf("ParseScope(%q) = %v, %v; want %v", canon, back, err, p)
		}
		if (p == nil) != (strings.TrimSpace(strings.ReplaceAll(s, " ", "")) == "") {
			t.Fatalf("ParseScope(%s) = %v: nil exactly for a scope of spaces", show(s), p)
		}
	})
}

func TestScopeNarrowAndCovers(t *testing.T) {
	have := Permissions{"contacts": LevelEdit, "deals": LevelView}
	scope, err := ParseScope("contacts:view deals:remove other:view")
	if err != nil {
		t.Fatal(err)
	}
	if got := have.Narrow(scope).String(); got != "contacts=view,deals=view" {
		t.Errorf("Narrow: %s", got)
	}
	if got := have.Narrow(nil).String(); got != have.String() {
		t.Errorf("Narrow(nil): %s", got)
	}
	if k, ok := have.Covers(scope); ok || k != "deals" {
		t.Errorf("Covers: %q %v, want deals", k, ok)
	}
	if _, ok := have.Covers(Permissions{"contacts": LevelEdit}); !ok {
		t.Error("Covers of a held level")
	}
	if got := (Permissions{"b": LevelView, "a": LevelRemove, "c": LevelNone}).Scope(); got != "a:remove b:view" {
		t.Errorf("Scope: %q", got)
	}
}
