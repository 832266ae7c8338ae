package postgres

import (
	"context"
	"embed"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/sactl/sactl/internal/store"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrations are the embedded schema versions (store.Migrations).
func migrations() ([]store.Migration, error) { return store.Migrations(migrationFS, "migrations") }

// The migration lock (R-DB-4) is an advisory lock in the two-key form
// ("sact", 1), apart from the one-key space of the business locks.
const (
	migrationLockClass = 0x73616374 // "sact"
	migrationLockID    = 1
)

// createVersions is the table recording each applied version.
const createVersions = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    int PRIMARY KEY,
	name       text NOT NULL,
	applied_at timestamptz NOT NULL DEFAULT now()
)`

// querier is what reading the version needs: a pool, a connection or a transaction.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// schemaVersion reads the newest version recorded, 0 when the database has
// no schema_migrations table (a new database). It creates nothing.
func schemaVersion(ctx context.Context, q querier) (int, error) {
	var exists bool
	if err := q.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil || !exists {
		return 0, err
	}
	var v int
	err := q.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

// migrate applies pending migrations in one transaction, holding the
// migration lock: replicas starting together on a new database queue on
// it, and those that come second find nothing left to do. A database
// newer than this binary is refused.
//
// The lock is transaction-scoped (pg_advisory_xact_lock), taken first in
// the transaction that migrates: it goes with the transaction however that
// ends, with no unlock to forget or to fail, and it holds even behind a
// pooler that runs each transaction on a different server session.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	current, err := schemaVersion(ctx, s.pool)
	if err != nil {
		return err
	}
	if current == len(ms) {
		return nil
	}
	if current > len(ms) {
		return s.tooNew(current, len(ms))
	}
	return pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, migrationLockClass, migrationLockID); err != nil {
			return fmt.Errorf("take the migration lock: %w", err)
		}
		if _, err := tx.Exec(ctx, createVersions); err != nil {
			return err
		}
		// Read again under the lock (each statement of a READ COMMITTED
		// transaction sees what committed before it): another process may
		// have migrated meanwhile.
		current, err := schemaVersion(ctx, tx)
		if err != nil {
			return err
		}
		if current > len(ms) {
			return s.tooNew(current, len(ms))
		}
		for _, m := range ms[current:] {
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return fmt.Errorf("migration %s: %w", m.Name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, now())`,
				m.Version, m.Name); err != nil {
				return fmt.Errorf("migration %s: %w", m.Name, err)
			}
		}
		return nil
	})
}

func (s *Store) tooNew(current, latest int) error {
	return fmt.Errorf("database %s has schema version %d, newer than this sactl (%d): upgrade sactl", s.location, current, latest)
}

// Migrations reports the open database's schema version against this binary's.
func (s *Store) Migrations(ctx context.Context) (store.MigrationStatus, error) {
	v, err := schemaVersion(ctx, s.pool)
	if err != nil {
		return store.MigrationStatus{}, s.errorf("read the schema version", err)
	}
	return migrationStatus(v)
}

func migrationStatus(version int) (store.MigrationStatus, error) {
	ms, err := migrations()
	if err != nil {
		return store.MigrationStatus{}, err
	}
	st := store.MigrationStatus{Version: version, Latest: len(ms), Pending: []string{}}
	for _, m := range ms {
		if m.Version > st.Version {
			st.Pending = append(st.Pending, m.Name)
		}
	}
	return st, nil
}

// Status reads the schema version of the database at url without migrating
// it or creating anything (db migrate --status): 0, with every version
// pending, for a database sactl never opened.
func Status(ctx context.Context, url string) (store.MigrationStatus, error) {
	loc, secrets := redact(url)
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return store.MigrationStatus{}, parseError("read database", loc, secrets, err)
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return store.MigrationStatus{}, scrubbed("read database "+loc, secrets, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var v int
	err = pgx.BeginTxFunc(ctx, conn, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) (err error) {
		v, err = schemaVersion(ctx, tx)
		return err
	})
	if err != nil {
		return store.MigrationStatus{}, scrubbed("read database "+loc, secrets, err)
	}
	return migrationStatus(v)
}
