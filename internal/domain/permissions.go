package domain

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Level is a permission level. Levels are ordered: none < view < edit < remove (SPEC §1).
type Level int

// Permission levels.
const (
	LevelNone Level = iota
	LevelView
	LevelEdit
	LevelRemove
)

var levelNames = [...]string{"none", "view", "edit", "remove"}

func (l Level) String() string {
	if l < LevelNone || l > LevelRemove {
		return "invalid"
	}
	return levelNames[l]
}

// ParseLevel parses a level name.
func ParseLevel(s string) (Level, error) {
	for i, n := range levelNames {
		if strings.EqualFold(strings.TrimSpace(s), n) {
			return Level(i), nil
		}
	}
	return LevelNone, Invalidf("unknown permission level %s: use none, view, edit or remove", Quote(s))
}

// MarshalText writes a level as its name (a JSON string). Text, not JSON:
// encoding/json quotes a text value where it re-reads a JSON one, and an
// introspection answer holds a level per permission.
func (l Level) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalJSON reads a level name.
func (l *Level) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return Invalidf("permission level must be a string")
	}
	v, err := ParseLevel(s)
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// Permission keys sactl itself checks (R-PERM-1). Other keys may be stored
// for the applications that consume introspection results.
const (
	PermServiceAccounts = "service_accounts"
	PermGroups          = "groups"
	PermUsers           = "users"
	PermAudit           = "audit"
	PermConfigExport    = "config_export"
	PermConfigImport    = "config_import"
	PermSettings        = "settings"
	// PermIntrospection lets a consuming service check others' credentials
	// (R-PERM-10).
	PermIntrospection = "introspection"
)

// SactlPermissionKeys lists the keys of R-PERM-1, which the admins group
// holds at remove (R-PERM-2).
var SactlPermissionKeys = []string{
	PermServiceAccounts, PermGroups, PermUsers, PermAudit,
	PermConfigExport, PermConfigImport, PermSettings, PermIntrospection,
}

// Permissions maps a permission key to a level.
type Permissions map[string]Level

var permKeyRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`) })

// ValidatePermissionKey checks a permission key's syntax.
func ValidatePermissionKey(k string) error {
	if !permKeyRE().MatchString(k) {
		return Invalidf("invalid permission key %s: use lower-case letters, digits and _ (e.g. service_accounts)", Quote(k))
	}
	return nil
}

// ParsePermission parses "key=level".
func ParsePermission(s string) (string, Level, error) {
	k, v, ok := strings.Cut(s, "=")
	if !ok {
		return "", 0, Invalidf("invalid permission %s: use key=level (e.g. service_accounts=edit)", Quote(s))
	}
	k = strings.TrimSpace(k)
	if err := ValidatePermissionKey(k); err != nil {
		return "", 0, err
	}
	l, err := ParseLevel(v)
	if err != nil {
		return "", 0, err
	}
	return k, l, nil
}

// ParsePermissions parses a list of "key=level"; a key given twice is an error.
func ParsePermissions(list []string) (Permissions, error) {
	p := Permissions{}
	for _, s := range list {
		k, l, err := ParsePermission(s)
		if err != nil {
			return nil, err
		}
		if _, dup := p[k]; dup {
			return nil, Invalidf("permission %q given twice", k)
		}
		p[k] = l
	}
	return p, nil
}

// Merge applies R-PERM-3: the effective level of a key is the highest across groups.
func (p Permissions) Merge(o Permissions) {
	for k, l := range o {
		if l > p[k] {
			p[k] = l
		}
	}
}

// Keys returns the keys in sorted order.
func (p Permissions) Keys() []string {
	ks := make([]string, 0, len(p))
	for k := range p {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// String renders "key=level,key=level" in key order.
func (p Permissions) String() string {
	parts := make([]string, 0, len(p))
	for _, k := range p.Keys() {
		parts = append(parts, k+"="+p[k].String())
	}
	return strings.Join(parts, ",")
}

// AllSactlAt returns every sactl permission key at level l.
func AllSactlAt(l Level) Permissions {
	p := Permissions{}
	for _, k := range SactlPermissionKeys {
		p[k] = l
	}
	return p
}

// Granted is p without the keys at none: what a principal holds.
func (p Permissions) Granted() Permissions {
	out := make(Permissions, len(p))
	for k, l := range p {
		if l > LevelNone {
			out[k] = l
		}
	}
	return out
}

// ParseRequirements parses what a forward-auth check requires (R-SRV-8):
// "key:level,key:level", each key a permission key and each level view,
// edit or remove ("none" requires nothing, so it is refused as a mistake).
// A key required twice keeps its highest level, so requirements from
// several places add up. An empty string requires nothing.
func ParseRequirements(into Permissions, s string) error {
	if s == "" {
		return nil
	}
	for item := range strings.SplitSeq(s, ",") {
		k, v, ok := strings.Cut(item, ":")
		if !ok || k == "" || v == "" {
			return Invalidf("invalid requirement %s: use key:level, e.g. contacts:edit (several separated by commas)", Quote(item))
		}
		if err := ValidatePermissionKey(k); err != nil {
			return err
		}
		l, err := ParseLevel(v)
		if err != nil {
			return err
		}
		if l == LevelNone || strings.TrimSpace(v) != v {
			return Invalidf("invalid requirement %s: the level must be view, edit or remove", Quote(item))
		}
		if l > into[k] {
			into[k] = l
		}
	}
	return nil
}

// Missing lists, in key order, the requirements p does not meet.
func (p Permissions) Missing(required Permissions) []string {
	var out []string
	for _, k := range required.Keys() {
		if p[k] < required[k] {
			out = append(out, k)
		}
	}
	return out
}
