package domain

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// FuzzParseLevel: a level name (SPEC §1) is read in any case and with
// surrounding space, and only the four names are: an accepted level is one
// of them, its String reads back as itself, and the JSON form (a group's
// permissions object) round-trips; refusals are KindInvalid and follow
// R-CLI-4, in text and in JSON.
func FuzzParseLevel(f *testing.F) {
	for _, s := range []string{"none", "view", "edit", "remove", "VIEW", " Edit\n", "admin", "", "viewer", "rem ove",
		"\"view\"", "0", "3", "ſ", "sak_"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseLevel(s)
		if err != nil {
			if p := invalidProblem(err, s); p != "" {
				t.Fatalf("ParseLevel(%s): %s", show(s), p)
			}
		} else {
			if l < LevelNone || l > LevelRemove || !strings.EqualFold(strings.TrimSpace(s), l.String()) {
				t.Fatalf("ParseLevel(%s) = %v", show(s), l)
			}
			if back, err := ParseLevel(l.String()); err != nil || back != l {
				t.Fatalf("ParseLevel(%q) = %v, %v", l.String(), back, err)
			}
		}
		// JSON: the string s as a JSON string, and s as raw JSON.
		quoted, _ := json.Marshal(s)
		for _, raw := range [][]byte{quoted, []byte(s)} {
			var jl Level
			err := json.Unmarshal(raw, &jl)
			if err != nil {
				var syntax *json.SyntaxError
				if errors.As(err, &syntax) {
					continue // not JSON at all: encoding/json's own error
				}
				if p := invalidProblem(err, s); p != "" {
					t.Fatalf("Level.UnmarshalJSON(%s): %s", show(string(raw)), p)
				}
				continue
			}
			out, err := json.Marshal(jl)
			if err != nil || string(out) != `"`+jl.String()+`"` {
				t.Fatalf("Level %v marshals as %s, %v", jl, out, err)
			}
			var back Level
			if err := json.Unmarshal(out, &back); err != nil || back != jl {
				t.Fatalf("Level %s does not read back: %v, %v", out, back, err)
			}
		}
	})
}

// FuzzParsePermission: "key=level" (R-PERM-1) accepted means a valid key and
// a level, and writing it back as key=level reads the same; refusals are
// KindInvalid and follow R-CLI-4.
func FuzzParsePermission(f *testing.F) {
	for _, s := range []string{"service_accounts=edit", "deals=view", " groups = REMOVE ", "a=none", "introspection=view",
		"=view", "x=", "x", "x==view", "X=view", "1x=view", "a-b=view", "service_accounts=admin", "",
		strings.Repeat("k", 63) + "=view", strings.Repeat("k", 64) + "=view", "sak_keysecret=view", "k=sau_"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, l, err := ParsePermission(s)
		if err != nil {
			if p := invalidProblem(err, s); p != "" {
				t.Fatalf("ParsePermission(%s): %s", show(s), p)
			}
			if k != "" || l != LevelNone {
				t.Fatalf("ParsePermission(%s) = %q, %v with an error", show(s), k, l)
			}
			return
		}
		if err := ValidatePermissionKey(k); err != nil || l < LevelNone || l > LevelRemove {
			t.Fatalf("ParsePermission(%s) = %q, %v", show(s), k, l)
		}
		canon := k + "=" + l.String()
		if k2, l2, err := ParsePermission(canon); err != nil || k2 != k || l2 != l {
			t.Fatalf("ParsePermission(%q) = %q, %v, %v; want %q, %v", canon, k2, l2, err, k, l)
		}
	})
}

// FuzzParsePermissions: a list of key=level (one per line here) is accepted
// only without a key given twice, and Permissions.String writes it in a
// canonical form that reads back as the same permissions.
func FuzzParsePermissions(f *testing.F) {
	for _, s := range []string{"service_accounts=edit\ngroups=view", "deals=view\ndeals=edit", "a=none", "",
		"x=view\nbad", "b=remove\na=view\nc=none"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		list := strings.Split(s, "\n")
		p, err := ParsePermissions(list)
		if err != nil {
			if pr := invalidProblem(err, list...); pr != "" {
				t.Fatalf("ParsePermissions(%s): %s", show(s), pr)
			}
			if p != nil {
				t.Fatal("ParsePermissions returned permissions with an error")
			}
			return
		}
		if len(p) != len(list) {
			t.Fatalf("ParsePermissions(%s) kept %d of %d entries", show(s), len(p), len(list))
		}
		text := p.String()
		back, err := ParsePermissions(strings.Split(text, ","))
		if err != nil || back.String() != text || len(back) != len(p) {
			t.Fatalf("Permissions %q do not read back: %v, %v", text, back, err)
		}
		for k, l := range p {
			if back[k] != l {
				t.Fatalf("Permissions %q read back %s=%v, want %v", text, k, back[k], l)
			}
		}
	})
}

// FuzzParseRequirements: a forward-auth requirement list (R-SRV-8, from a
// query or a header anyone may send) is accepted only as key:level items
// with valid keys and a level above none; what is accepted renders back as
// key:level and reads back the same, and each key keeps its highest level.
// Refusals are KindInvalid and follow R-CLI-4.
func FuzzParseRequirements(f *testing.F) {
	for _, s := range []string{"contacts:edit", "contacts:view,deals:remove", "a:view,a:edit", "a:remove,a:view", "contacts", "contacts:none",
		"contacts:", ":view", ",", "contacts:view,", "Contacts:view", "contacts:VIEW", "contacts: view", "x=view", "a:b:c",
		"sak_" + strings.Repeat("A", 49) + ":view", "\x00:view", strings.Repeat("k", 70) + ":view"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p := Permissions{}
		if err := ParseRequirements(p, s); err != nil {
			if pr := invalidProblem(err, s); pr != "" {
				t.Fatalf("ParseRequirements(%s): %s", show(s), pr)
			}
			return
		}
		if s == "" && len(p) != 0 {
			t.Fatalf("the empty list requires %v", p)
		}
		for item := range strings.SplitSeq(s, ",") {
			k, v, _ := strings.Cut(item, ":")
			if l, err := ParseLevel(v); err != nil || l == LevelNone || p[k] < l {
				t.Fatalf("ParseRequirements(%s) = %v: item %s was not kept at its highest, or should have been refused", show(s), p, show(item))
			}
		}
		var items []string
		for _, k := range p.Keys() {
			if ValidatePermissionKey(k) != nil || p[k] <= LevelNone || p[k] > LevelRemove {
				t.Fatalf("ParseRequirements(%s) = %v", show(s), p)
			}
			items = append(items, k+":"+p[k].String())
		}
		back := Permissions{}
		if err := ParseRequirements(back, strings.Join(items, ",")); err != nil || back.String() != p.String() {
			t.Fatalf("%v does not read back: %v, %v", p, back, err)
		}
		if missing := p.Missing(p); len(missing) != 0 {
			t.Fatalf("%v does not meet itself: %v", p, missing)
		}
	})
}
