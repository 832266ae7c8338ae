package sqlite

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/sactl/sactl/internal/domain"
)

// StoredValueError is R-DB-6's error for a stored value that cannot be
// parsed: a row edited by hand, or a damaged file. It names the table, the
// column and the row, so an operator can find and repair it. It is no
// caller's mistake, so it carries no domain kind (internal, exit 1).
type StoredValueError struct {
	Table, Column string
	Row           string // the row's id (and for a composite key, what else names it)
	Value         any    // as stored (string, int64, float64, []byte)
	As            string // what it should have been: "a time", "a boolean", …
}

func (e *StoredValueError) Error() string {
	return fmt.Sprintf("%s.%s of %s: cannot parse %s as %s", e.Table, e.Column, e.Row, quoteStored(e.Value), e.As)
}

// maxQuoted bounds a stored value quoted in a message (R-CLI-4).
const maxQuoted = 80

func quoteStored(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case []byte:
		v = string(x)
	}
	s := fmt.Sprint(v)
	if utf8.RuneCountInString(s) > maxQuoted {
		s = string([]rune(s)[:maxQuoted-1]) + "…"
	}
	return strconv.Quote(s)
}

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
		p.err = &StoredValueError{Table: p.table, Column: column, Row: p.row, Value: v, As: as}
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
