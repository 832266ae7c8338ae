package domain

import (
	"strings"
)

// MaxScopeEntries bounds an OAuth2 scope (R-SRV-10): a narrowed token
// carries its scope, and a token has a length limit.
const MaxScopeEntries = 32

// ParseScope reads an OAuth2 scope parameter (RFC 6749 §3.3, R-SRV-10):
// space-separated "key:level" permissions, each key once, levels view,
// edit or remove. An empty scope is nil: nothing asked.
func ParseScope(s string) (Permissions, error) {
	var p Permissions
	n := 0
	for _, tok := range strings.Split(s, " ") {
		if tok == "" {
			continue // tolerate doubled spaces
		}
		if n++; n > MaxScopeEntries {
			return nil, Invalidf("the scope names more than %d permissions", MaxScopeEntries)
		}
		k, v, ok := strings.Cut(tok, ":")
		if !ok {
			return nil, Invalidf("invalid scope %s: use key:level (e.g. contacts:view)", Quote(tok))
		}
		if err := ValidatePermissionKey(k); err != nil {
			return nil, err
		}
		l, err := ParseLevel(v)
		if err != nil || v != l.String() {
			return nil, Invalidf("invalid scope %s: the level is view, edit or remove", Quote(tok))
		}
		if l == LevelNone {
			return nil, Invalidf("invalid scope %s: a scope grants view, edit or remove, never none", Quote(tok))
		}
		if p == nil {
			p = Permissions{}
		}
		if _, dup := p[k]; dup {
			return nil, Invalidf("the scope names %q twice", k)
		}
		p[k] = l
	}
	return p, nil
}

// Scope writes permissions as an OAuth2 scope (R-SRV-10): "key:level"
// in key order, space-separated, keys at none left out. It is the
// canonical spelling ParseScope reads back.
func (p Permissions) Scope() string {
	parts := make([]string, 0, len(p))
	for _, k := range p.Keys() {
		if p[k] > LevelNone {
			parts = append(parts, k+":"+p[k].String())
		}
	}
	return strings.Join(parts, " ")
}

// Narrow is p within a scope (R-SRV-10): each key of the scope at the
// lower of its two levels, every other key left out. A nil scope narrows
// nothing. At use time a narrowed token thus carries its account's
// current permissions, never more, and never more than its scope.
func (p Permissions) Narrow(scope Permissions) Permissions {
	if scope == nil {
		return p
	}
	out := Permissions{}
	for k, l := range scope {
		if have := p[k]; have > LevelNone {
			out[k] = min(have, l)
		}
	}
	return out
}

// Covers reports whether p holds every permission of the scope at least
// at its level; when not, the first key (in key order) it lacks.
func (p Permissions) Covers(scope Permissions) (string, bool) {
	for _, k := range scope.Keys() {
		if p[k] < scope[k] {
			return k, false
		}
	}
	return "", true
}
