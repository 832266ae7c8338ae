// Package testdb opens the databases tests run on, by location, as the
// commands do: a SQLite file, or a postgres:// URL.
package testdb

import (
	"context"

	"github.com/sactl/sactl/internal/service"
	"github.com/sactl/sactl/internal/store/dsn"
)

// Open opens (creating if needed) the database at loc for the service.
func Open(ctx context.Context, loc string) (*service.DB, error) {
	st, err := dsn.Open(ctx, loc)
	if err != nil {
		return nil, err
	}
	return service.Open(ctx, st)
}
