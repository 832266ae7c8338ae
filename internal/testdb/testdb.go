// Package testdb opens the databases tests run on, by location, as the
// commands do: a SQLite file, or a postgres:// URL on the throwaway
// cluster when the tests run on PostgreSQL (storetest.BackendEnv).
package testdb

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/sactl/sactl/internal/service"
	"github.com/sactl/sactl/internal/store/dsn"
	"github.com/sactl/sactl/internal/store/storetest"
)

// New is a new, empty database for t on the backend under test.
func New(t testing.TB) string { return storetest.Location(t) }

// Open opens (creating if needed) the database at loc for the service.
func Open(ctx context.Context, loc string) (*service.DB, error) {
	st, err := dsn.Open(ctx, loc)
	if err != nil {
		return nil, err
	}
	return service.Open(ctx, st)
}

// MasterKey is the master key of a test database: the local default next
// to a file, or a key file of the test's own for a server database, which
// has no "next to it" (R-KEY-10).
func MasterKey(t testing.TB, db string) service.MasterKey {
	if dsn.IsURL(db) {
		return service.MasterKeyFile(filepath.Join(t.TempDir(), "master.key"))
	}
	return service.LocalMasterKey(db)
}
