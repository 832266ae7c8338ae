package dsn

import (
	"context"

	"github.com/sactl/sactl/internal/store"
	"github.com/sactl/sactl/internal/store/postgres"
)

// openPostgres opens a PostgreSQL store (R-DB-4), migrating its schema
// under an advisory lock. Its errors name the database without its password.
func openPostgres(ctx context.Context, loc string) (store.Store, error) {
	st, err := postgres.Open(ctx, loc)
	if err != nil {
		return nil, err // not a nil *postgres.Store in a non-nil interface
	}
	return st, nil
}

// postgresStatus reads a PostgreSQL database's schema version without
// migrating it or creating anything.
func postgresStatus(ctx context.Context, loc string) (store.MigrationStatus, error) {
	return postgres.Status(ctx, loc)
}
