package service

import (
	"context"
	"time"

	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store"
)

// DB is an open database as the CLI and the server hold it: a store the
// service runs over. Whoever opens one (internal/store/open, by URL)
// chooses the backend; nothing above the service knows which it is.
type DB struct {
	store.Store
	// cache holds verification answers (P-3); nil when the store cannot
	// tell when it changed.
	cache *verifyCache
}

// MigrationStatus is a database's schema against this binary's (db migrate --status).
type MigrationStatus = store.MigrationStatus

// Open makes sure a newly opened store holds the default business, its
// automation account and built-in groups (R-SA-4, R-PERM-2). Many
// processes may do this at once on a new database: the check and the
// creation share one write transaction, and a process that loses the race
// to create it (on a backend whose writers run concurrently) finds the
// business made by the winner.
func Open(ctx context.Context, st store.Store) (*DB, error) {
	exists, err := hasBusiness(ctx, st, DefaultBusiness)
	if err == nil && !exists {
		err = st.Write(ctx, false, func(tx store.Tx) error {
			if _, ok, err := tx.BusinessByName(DefaultBusiness); err != nil || ok {
				return err
			}
			_, err := createBusiness(tx, time.Now().UTC(), systemActor, DefaultBusiness, "")
			return err
		})
		if err != nil {
			// Another process may have created it meanwhile (its unique
			// name is the referee): then there is nothing to do.
			if exists, rerr := hasBusiness(ctx, st, DefaultBusiness); rerr == nil && exists {
				err = nil
			}
		}
	}
	if err != nil {
		st.Close()
		return nil, err
	}
	return &DB{Store: st, cache: newVerifyCache(st)}, nil
}

func hasBusiness(ctx context.Context, st store.Store, name string) (exists bool, err error) {
	err = st.Read(ctx, func(tx store.Tx) (err error) {
		_, exists, err = tx.BusinessByName(name)
		return err
	})
	return exists, err
}

// Read runs fn in a read transaction of the store, whose accounts come
// with their status derived.
func (db *DB) Read(ctx context.Context, fn func(store.Tx) error) error {
	return db.Store.Read(ctx, func(tx store.Tx) error { return fn(derived{tx}) })
}

// Write runs fn in a write transaction of the store, whose accounts come
// with their status derived.
func (db *DB) Write(ctx context.Context, dryRun bool, fn func(store.Tx) error) error {
	return db.Store.Write(ctx, dryRun, func(tx store.Tx) error { return fn(derived{tx}) })
}

// derived is a store transaction whose accounts carry their status,
// derived here once from what the store holds (R-SA-5): archived >
// suspended > disabled (no group) > active.
type derived struct{ store.Tx }

func status(a domain.Account, ok bool, err error) (domain.Account, bool, error) {
	if ok && err == nil {
		a.Status = deriveStatus(a, len(a.Groups))
	}
	return a, ok, err
}

// deriveStatus is R-SA-5 for an account holding groups groups.
func deriveStatus(a domain.Account, groups int) domain.Status {
	return domain.DeriveStatus(a.AccountType, a.ArchivedAt != nil, a.SuspendedAt != nil, groups)
}

func statuses(as []domain.Account, err error) ([]domain.Account, error) {
	for i := range as {
		as[i], _, _ = status(as[i], true, nil)
	}
	return as, err
}

func (d derived) PrincipalByID(b, id string) (domain.Account, bool, error) {
	return status(d.Tx.PrincipalByID(b, id))
}

func (d derived) PrincipalByAPIName(b, n string) (domain.Account, bool, error) {
	return status(d.Tx.PrincipalByAPIName(b, n))
}

func (d derived) LiveServiceAccountByName(b, n string) (domain.Account, bool, error) {
	return status(d.Tx.LiveServiceAccountByName(b, n))
}

func (d derived) LiveUserByEmail(b, e string) (domain.Account, bool, error) {
	return status(d.Tx.LiveUserByEmail(b, e))
}

func (d derived) Automation(b string) (domain.Account, bool, error) {
	return status(d.Tx.Automation(b))
}

func (d derived) LiveUsersByName(b, n string) ([]domain.Account, error) {
	return statuses(d.Tx.LiveUsersByName(b, n))
}

func (d derived) ListPrincipals(b string, f store.PrincipalFilter) ([]domain.Account, string, error) {
	as, next, err := d.Tx.ListPrincipals(b, f)
	as, err = statuses(as, err)
	return as, next, err
}

func (d derived) Members(b, g string) ([]domain.Account, error) {
	return statuses(d.Tx.Members(b, g))
}

// Backup writes a consistent copy of the database to the new file dest
// while it stays in use (R-DB-5). Only a SQLite file is copied so; a
// PostgreSQL database is backed up with pg_dump, which knows its server.
func (db *DB) Backup(ctx context.Context, dest string) error {
	b, ok := db.Store.(store.Backuper)
	if !ok {
		return domain.Invalidf("db backup copies a SQLite file; this database is on %s: back it up with its own tools (pg_dump --format=custom, and keep the master key with it)", db.Backend())
	}
	return b.Backup(ctx, dest)
}

// SchemaVersion is the database's schema version.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	m, err := db.Migrations(ctx)
	return m.Version, err
}

// Ready reports whether the database answers (readyz).
func (db *DB) Ready(ctx context.Context) error {
	_, err := db.Migrations(ctx)
	return err
}

// Businesses lists every business of the database (db check walks them).
func (db *DB) Businesses(ctx context.Context) ([]domain.Business, error) {
	var out []domain.Business
	err := db.Read(ctx, func(tx store.Tx) (err error) {
		out, _, err = tx.ListBusinesses(store.Page{})
		return err
	})
	return out, err
}
