package postgres

import (
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/sactl/sactl/internal/store"
)

// rowParser is store.RowParser with the parsers of this backend's column
// types (R-DB-6).
type rowParser struct{ *store.RowParser }

func parseRow(table, row string) rowParser { return rowParser{store.ParseRow(table, row)} }

// time reads a timestamptz: a finite time of the years 0000 to 9999, which
// is what the SQLite store can hold (its text format has four digits for
// the year) and what RFC 3339 output can show. It comes back in UTC, as
// the SQLite store's do.
func (p rowParser) time(column string, v pgtype.Timestamptz) time.Time {
	switch {
	case !v.Valid:
		p.Fail(column, nil, "a time")
	case v.InfinityModifier == pgtype.Infinity:
		p.Fail(column, "infinity", "a time")
	case v.InfinityModifier == pgtype.NegativeInfinity:
		p.Fail(column, "-infinity", "a time")
	default:
		t := v.Time.UTC()
		if y := t.Year(); y < 0 || y > 9999 {
			p.Fail(column, t.Format(time.RFC3339Nano), "a time")
			return time.Time{}
		}
		return t
	}
	return time.Time{}
}

// timePtr reads a time that may be NULL (nil).
func (p rowParser) timePtr(column string, v pgtype.Timestamptz) *time.Time {
	if !v.Valid {
		return nil
	}
	t := p.time(column, v)
	return &t
}
