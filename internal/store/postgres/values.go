package postgres

import (
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store"
)

// rowParser parses the stored values of one row that need more than a
// Scan, keeping the first that fails (R-DB-6), so a scanner reads its
// columns in a row and checks one error at the end. Columns are typed
// here, so less can be wrong than in SQLite: a time can still be
// infinity or outside the years sactl writes, and an enum, a level or a
// JSON text can still be anything once a CHECK has been dropped.
type rowParser struct {
	table, row string
	err        error
}

func parseRow(table, row string) *rowParser { return &rowParser{table: table, row: row} }

func (p *rowParser) fail(column string, v any, as string) {
	if p.err == nil {
		p.err = &store.StoredValueError{Table: p.table, Column: column, Row: p.row, Value: v, As: as}
	}
}

// time reads a timestamptz: a finite time of the years 0000 to 9999, which
// is what the SQLite store can hold (its text format has four digits for
// the year) and what RFC 3339 output can show. It comes back in UTC, as
// the SQLite store's do.
func (p *rowParser) time(column string, v pgtype.Timestamptz) time.Time {
	switch {
	case !v.Valid:
		p.fail(column, nil, "a time")
	case v.InfinityModifier == pgtype.Infinity:
		p.fail(column, "infinity", "a time")
	case v.InfinityModifier == pgtype.NegativeInfinity:
		p.fail(column, "-infinity", "a time")
	default:
		t := v.Time.UTC()
		if y := t.Year(); y < 0 || y > 9999 {
			p.fail(column, t.Format(time.RFC3339Nano), "a time")
			return time.Time{}
		}
		return t
	}
	return time.Time{}
}

// timePtr reads a time that may be NULL (nil).
func (p *rowParser) timePtr(column string, v pgtype.Timestamptz) *time.Time {
	if !v.Valid {
		return nil
	}
	t := p.time(column, v)
	return &t
}

// level reads a permission level.
func (p *rowParser) level(column, s string) domain.Level {
	l, err := domain.ParseLevel(s)
	if err != nil {
		p.fail(column, s, "a permission level")
	}
	return l
}

// accountType reads one of the account types of SPEC §1.
func (p *rowParser) accountType(column, s string) domain.AccountType {
	switch t := domain.AccountType(s); t {
	case domain.TypeHuman, domain.TypeAutomation, domain.TypeIntegration, domain.TypeAPIKey:
		return t
	}
	p.fail(column, s, "an account type")
	return ""
}

// object reads a JSON object into v, a pointer to a map or a struct.
func (p *rowParser) object(column, s string, v any) {
	if len(s) == 0 || s[0] != '{' || json.Unmarshal([]byte(s), v) != nil {
		p.fail(column, s, "a JSON object")
	}
}
