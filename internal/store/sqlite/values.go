package sqlite

import (
	"database/sql"
	"time"

	"github.com/sactl/sactl/internal/store"
)

// rowParser is store.RowParser with the parsers of this backend's column
// types (R-DB-6).
type rowParser struct{ *store.RowParser }

func parseRow(table, row string) rowParser { return rowParser{store.ParseRow(table, row)} }

// time reads a time in the fixed stored format (only that one: text
// order is time order, which queries rely on).
func (p rowParser) time(column, s string) time.Time {
	t, err := time.Parse(timeFormat, s)
	if err != nil {
		p.Fail(column, s, "a time")
	}
	return t
}

// timePtr reads a time that may be NULL (nil).
func (p rowParser) timePtr(column string, s sql.NullString) *time.Time {
	if !s.Valid {
		return nil
	}
	t := p.time(column, s.String)
	return &t
}

// bool reads a boolean stored as the integer 0 or 1.
func (p rowParser) bool(column string, v any) bool {
	switch v {
	case int64(0):
		return false
	case int64(1):
		return true
	}
	p.Fail(column, v, "a boolean")
	return false
}

// int reads an integer.
func (p rowParser) int(column string, v any) int64 {
	n, ok := v.(int64)
	if !ok {
		p.Fail(column, v, "an integer")
	}
	return n
}
