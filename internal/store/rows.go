package store

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"time"

	json "github.com/goccy/go-json"

	"github.com/sactl/sactl/internal/domain"
)

// RowParser parses the stored values of one row that need more than a
// Scan, keeping the first that fails (R-DB-6), so a backend's scanner
// reads its columns in a row and checks Err once at the end. Backends add
// the parsers of their own column types (times, booleans) with Fail.
type RowParser struct {
	Table, Row string
	Err        error
}

// ParseRow starts parsing a row of table, named by row (its id).
func ParseRow(table, row string) *RowParser { return &RowParser{Table: table, Row: row} }

// Fail records that column's stored v is not as (the first failure wins).
func (p *RowParser) Fail(column string, v any, as string) {
	if p.Err == nil {
		p.Err = &StoredValueError{Table: p.Table, Column: column, Row: p.Row, Value: v, As: as}
	}
}

// Level reads a permission level.
func (p *RowParser) Level(column, s string) domain.Level {
	l, err := domain.ParseLevel(s)
	if err != nil {
		p.Fail(column, s, "a permission level")
	}
	return l
}

// AccountType reads one of the account types of SPEC §1.
func (p *RowParser) AccountType(column, s string) domain.AccountType {
	switch t := domain.AccountType(s); t {
	case domain.TypeHuman, domain.TypeAutomation, domain.TypeIntegration, domain.TypeAPIKey:
		return t
	}
	p.Fail(column, s, "an account type")
	return ""
}

// Object reads a JSON object into v, a pointer to a map or a struct.
// goccy/go-json decodes what encoding/json decodes about three times
// as fast: every audit event listed decodes its details (P-4).
func (p *RowParser) Object(column, s string, v any) {
	if len(s) == 0 || s[0] != '{' || json.Unmarshal([]byte(s), v) != nil {
		p.Fail(column, s, "a JSON object")
	}
}

// KeyVerification fills in what every backend's KeyToVerify reads alike,
// once the key, its business and the account's times are scanned: the ids,
// the account's api_name and type, the settings and the merged
// permissions (R-PERM-3), from their JSON pairs.
func (p *RowParser) KeyVerification(v *KeyVerification, apiName, typ, settings, perms string) {
	v.Business.ID, v.Principal.ID, v.Principal.Business = v.BusinessID, v.PrincipalID, v.Business.Name
	v.Principal.APIName = apiName
	v.Principal.AccountType = p.AccountType("account_type", typ)
	v.Settings = map[string]string{}
	for _, kv := range p.Pairs("settings", settings) {
		v.Settings[kv[0]] = kv[1]
	}
	v.Permissions = domain.Permissions{}
	for _, kv := range p.Pairs("group_permissions", perms) {
		v.Permissions.Merge(domain.Permissions{kv[0]: p.Level("level", kv[1])})
	}
}

// Strings reads a JSON array of strings a one-statement read aggregates
// rows into (an account's group names, in order).
func (p *RowParser) Strings(column, s string) []string {
	out := []string{}
	if err := json.Unmarshal([]byte(s), &out); err != nil || out == nil {
		p.Fail(column, s, "a JSON array of strings")
		return []string{}
	}
	return out
}

// Pairs reads the JSON array of [key, value] pairs a one-statement read
// aggregates rows into (KeyToVerify's settings and permissions).
func (p *RowParser) Pairs(column, s string) [][2]string {
	var out [][2]string
	if s == "" {
		return out
	}
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		p.Fail(column, s, "a JSON array of pairs")
	}
	return out
}

// Migration is one embedded schema version of a backend.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations reads a backend's embedded migrations from dir of fsys: files
// named NNNN_name.sql, versions 1, 2, … with no gap, so that a version
// means the same schema on every backend.
func Migrations(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var ms []Migration
	for _, e := range entries {
		var v int
		if _, err := fmt.Sscanf(e.Name(), "%04d_", &v); err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a 4-digit version", e.Name())
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: e.Name(), SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migration %s: expected version %d", m.Name, i+1)
		}
	}
	return ms, nil
}

// Cursor names: each list's cursors carry its name, so that one list's
// cursor given to another is refused as invalid rather than misread.
const (
	CursorPrincipals = "principals"  // (created_at, id)
	CursorGroups     = "groups"      // (name_key, id)
	CursorBusinesses = "businesses"  // (name, id)
	CursorTokens     = "tokens"      // (issued_at, id)
	CursorUserTokens = "user_tokens" // (created_at, id)
)

// Fetch is how many rows a backend reads for the page: one more than its
// limit, to learn whether another page follows; 0 (all) for Limit 0.
func (p Page) Fetch() int {
	if p.Limit <= 0 {
		return 0
	}
	return p.Limit + 1
}

// Key decodes the page's cursor for a list sorted by n values (nil: from
// the start).
func (p Page) Key(list string, n int) ([]string, error) {
	if p.Limit < 0 {
		return nil, fmt.Errorf("negative page limit %d", p.Limit)
	}
	return domain.DecodeCursor(p.After, list, n)
}

// TimeKey decodes the cursor of a list sorted by (a time, id).
func (p Page) TimeKey(list string) (t time.Time, id string, ok bool, err error) {
	k, err := p.Key(list, 2)
	if err != nil || k == nil {
		return t, "", false, err
	}
	t, err = domain.ParseCursorTime(k[0])
	return t, k[1], err == nil, err
}

// Cut ends a page read with Fetch rows: at most Limit rows, and the cursor
// after the last of them when another row followed (else "").
func Cut[T any](rows []T, p Page, list string, key func(T) []string) ([]T, string) {
	if p.Limit <= 0 || len(rows) <= p.Limit {
		return rows, ""
	}
	rows = rows[:p.Limit]
	return rows, domain.EncodeCursor(list, key(rows[len(rows)-1])...)
}

// TimeID is the sort key of a row listed by (a time, id).
func TimeID(t time.Time, id string) []string { return []string{domain.CursorTime(t), id} }
