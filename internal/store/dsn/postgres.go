package dsn

import (
	"context"

	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store"
)

// openPostgres is replaced when the PostgreSQL store lands.
func openPostgres(ctx context.Context, loc string) (store.Store, error) {
	return nil, domain.Invalidf("database %s: this sactl has no PostgreSQL store", domain.Quote(Redacted(loc)))
}

func postgresStatus(ctx context.Context, loc string) (store.MigrationStatus, error) {
	_, err := openPostgres(ctx, loc)
	return store.MigrationStatus{}, err
}
