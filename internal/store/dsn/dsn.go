// Package dsn opens a store by where it is (R-DB-4): a PostgreSQL URL
// (postgres:// or postgresql://) selects PostgreSQL; a path, or a file: URL,
// selects SQLite; any other scheme is refused, so a URL is never taken for
// a file name (which would put its password in one).
package dsn

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store"
	"github.com/sactl/sactl/internal/store/postgres"
	"github.com/sactl/sactl/internal/store/sqlite"
)

// Kind is a backend.
type Kind string

const (
	SQLite   Kind = "sqlite"
	Postgres Kind = "postgres"
)

// schemeRE is a URL scheme at the start of a location. A Windows drive
// ("C:\db") is one letter, so two or more are needed.
var schemeRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]+):`) })

// Parse says which backend a location selects, and for SQLite, the file's
// path. An unknown scheme is a usage error (exit 2).
func Parse(loc string) (Kind, string, error) {
	if loc == "" {
		return "", "", domain.Invalidf("no database given: give --db or set SACTL_DB")
	}
	m := schemeRE().FindStringSubmatch(loc)
	if m == nil {
		return SQLite, loc, nil
	}
	switch strings.ToLower(m[1]) {
	case "postgres", "postgresql":
		return Postgres, loc, nil
	case "file":
		u, err := url.Parse(loc)
		if err != nil || (u.Host != "" && u.Host != "localhost") || u.RawQuery != "" || u.Fragment != "" {
			return "", "", domain.Invalidf("database %s: a file: URL names a local file, as file:/path/to/sactl.db", domain.Quote(Redacted(loc)))
		}
		p := u.Path
		if p == "" {
			p = u.Opaque
		}
		if p == "" {
			return "", "", domain.Invalidf("database %s names no file", domain.Quote(Redacted(loc)))
		}
		return SQLite, p, nil
	}
	return "", "", domain.Invalidf("database %s: unknown scheme %s; give a file path, a file: URL, or a postgres:// URL",
		domain.Quote(Redacted(loc)), domain.Quote(m[1]))
}

// IsURL reports whether loc selects a server database rather than a file.
func IsURL(loc string) bool {
	k, _, err := Parse(loc)
	return err == nil && k == Postgres
}

// Redacted is loc fit for a message, a log line or --help: a URL's
// password (and a password= or sslpassword= parameter) replaced by
// "xxxxx". A path is shown as it is.
func Redacted(loc string) string {
	if schemeRE().FindString(loc) == "" {
		return loc
	}
	return postgres.Redact(loc)
}

// Open opens the store a location selects and brings its schema up to date.
func Open(ctx context.Context, loc string) (store.Store, error) {
	kind, path, err := Parse(loc)
	if err != nil {
		return nil, err
	}
	switch kind {
	case Postgres:
		return openPostgres(ctx, loc)
	default:
		st, err := sqlite.Open(ctx, path)
		if err != nil {
			return nil, fmt.Errorf("open database %s: %w", path, err)
		}
		return st, nil
	}
}

// Status reads a database's schema version without migrating it or
// creating anything (db migrate --status).
func Status(ctx context.Context, loc string) (store.MigrationStatus, error) {
	kind, path, err := Parse(loc)
	if err != nil {
		return store.MigrationStatus{}, err
	}
	if kind == Postgres {
		return postgresStatus(ctx, loc)
	}
	return sqlite.Status(ctx, path)
}
