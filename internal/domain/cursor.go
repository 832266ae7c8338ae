package domain

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"time"
)

// Paging (R-SRV-6): every list is read a page at a time, at most a limit
// of items after a cursor. A cursor is the keyset position of the last
// item of a page: the values it sorts by (ids sort by creation), tagged
// with the list it came from. Callers treat it as opaque and pass it back
// as it was given; local and remote mode use the same one.
const (
	// DefaultPage is a page's size when none is asked for.
	DefaultPage = 100
	// MaxPage bounds every page, audit pages included.
	MaxPage = 1000
)

// PageLimit checks a requested page size: 0 is DefaultPage.
func PageLimit(n int) (int, error) {
	if n == 0 {
		return DefaultPage, nil
	}
	return checkLimit(n)
}

// ParseLimit reads a page size as given on the wire (?limit=): a number
// from 1 to MaxPage. 0 is refused there rather than read as the default
// (R-CLI-8).
func ParseLimit(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, Invalidf("invalid limit %s: use 1 to %d", Quote(s), MaxPage)
	}
	return checkLimit(n)
}

func checkLimit(n int) (int, error) {
	if n < 1 || n > MaxPage {
		return 0, Invalidf("invalid limit %d: use 1 to %d", n, MaxPage)
	}
	return n, nil
}

// EncodeCursor makes the cursor of the list named list positioned after
// the item whose sort key is key.
func EncodeCursor(list string, key ...string) string {
	b, err := json.Marshal(append([]string{list}, key...))
	if err != nil {
		panic(err) // strings always marshal
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor reads a cursor of the list named list whose sort key has n
// values; "" is the start of the list (a nil key). A cursor of another
// list, or one that was altered, is invalid.
func DecodeCursor(c, list string, n int) ([]string, error) {
	if c == "" {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	var v []string
	if err == nil {
		err = json.Unmarshal(b, &v)
	}
	if err != nil || len(v) != n+1 || v[0] != list {
		return nil, InvalidCursor()
	}
	return v[1:], nil
}

// CursorTime is a time as a cursor holds it.
func CursorTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// ParseCursorTime reads a time of a decoded cursor.
func ParseCursorTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return t, InvalidCursor()
	}
	return t, nil
}

// InvalidCursor is the error of a cursor that is not one a page gave.
func InvalidCursor() error {
	return Invalidf("invalid cursor: pass back the next_cursor of the page before, unchanged")
}
