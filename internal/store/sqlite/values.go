package sqlite

import (
	"database/sql"
	"encoding/json"
	"time"

	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store"
)

// rowParser parses the stored values of one row that need more than a
// Scan, keeping the first that fails (R-DB-6), so a scanner reads its
// columns in a row and checks one error at the end.
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

// time reads a time in the fixed stored format (only that one: text
// order is time order, which queries rely on).
func (p *rowParser) time(column, s string) time.Time {
	t, err := time.Parse(timeFormat, s)
	if err != nil {
		p.fail(column, s, "a time")
	}
	return t
}

// timePtr reads a time that may be NULL (nil).
func (p *rowParser) timePtr(column string, s sql.NullString) *time.Time {
	if !s.Valid {
		return nil
	}
	t := p.time(column, s.String)
	return &t
}

// bool reads a boolean stored as the integer 0 or 1.
func (p *rowParser) bool(column string, v any) bool {
	switch v {
	case int64(0):
		return false
	case int64(1):
		return true
	}
	p.fail(column, v, "a boolean")
	return false
}

// int reads an integer.
func (p *rowParser) int(column string, v any) int64 {
	n, ok := v.(int64)
	if !ok {
		p.fail(column, v, "an integer")
	}
	return n
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
