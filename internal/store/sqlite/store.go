// Package sqlite is sactl's storage: an embedded SQLite database through
// modernc.org/sqlite (pure Go), with embedded versioned migrations (R-DB-1).
// It runs queries; the rules live in internal/service.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/sactl/sactl/internal/store"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// readConns bounds the read pool: enough for a busy server on a few cores.
const readConns = 16

// busyTimeout is how long a connection waits for another writer (R-DB-1, R-DB-3).
const busyTimeout = 30 * time.Second

// Store is an open database: one pool for writes, whose transactions begin
// IMMEDIATE so concurrent writers queue instead of failing mid-way, and one
// for reads, whose transactions see a consistent WAL snapshot without
// blocking writers.
type Store struct {
	path   string
	rw     *sql.DB
	ro     *sql.DB
	roStmt *stmts // prepared statements of read transactions
	watch  watch
}

// dsn opens a connection with R-DB-1's settings. synchronous(FULL): in WAL
// mode NORMAL may lose the last commits on power loss (they sit in the WAL
// until a checkpoint syncs it); FULL syncs the WAL at every commit.
func dsn(path, txlock string) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Set("_txlock", txlock)
	return path + "?" + q.Encode()
}

// Open opens (creating if needed) the database at path and brings its schema
// up to date. Safe to call from many processes at once (R-DB-1).
func Open(ctx context.Context, path string) (*Store, error) {
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("database path %q must not contain ? or #", path)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create database directory: %w", err)
		}
	}
	// The database holds sealed secrets and key hashes: create it 0600.
	// SQLite gives its -wal and -shm files the same mode.
	if f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o600); err == nil {
		f.Close()
	}
	rw, err := sql.Open("sqlite", dsn(path, "immediate"))
	if err != nil {
		return nil, err
	}
	ro, err := sql.Open("sqlite", dsn(path, "deferred"))
	if err != nil {
		rw.Close()
		return nil, err
	}
	// One writer connection per process: writers queue here cheaply instead
	// of spinning in SQLite's busy handler.
	rw.SetMaxOpenConns(1)
	// Readers run concurrently under WAL. Keep their connections (and their
	// page caches) instead of opening one per request under load: Go keeps
	// only 2 idle connections by default.
	ro.SetMaxOpenConns(readConns)
	ro.SetMaxIdleConns(readConns)
	ro.SetConnMaxIdleTime(5 * time.Minute)
	s := &Store{path: path, rw: rw, ro: ro, roStmt: newStmts(ro)}
	// Turning a new file into WAL takes an exclusive lock, and SQLite may
	// answer SQLITE_BUSY there without calling the busy handler: when many
	// processes open a new database at once, retry.
	if err := retryBusy(ctx, func() error { return s.migrate(ctx) }); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Path is the database file's path.
func (s *Store) Path() string { return s.path }

// Location is the database file's path.
func (s *Store) Location() string { return s.path }

// Backend is "sqlite".
func (s *Store) Backend() string { return "sqlite" }

// Close closes both pools.
func (s *Store) Close() error {
	s.roStmt.close()
	return errors.Join(s.rw.Close(), s.ro.Close(), s.watch.close())
}

// migrations are the embedded schema versions (store.Migrations).
func migrations() ([]store.Migration, error) { return store.Migrations(migrationFS, "migrations") }

// migrate applies pending migrations inside one IMMEDIATE transaction, so a
// second process opening the same new file waits and then finds nothing to do.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	var current int
	if err := s.ro.QueryRowContext(ctx, "PRAGMA user_version").Scan(&current); err != nil {
		return fmt.Errorf("open database %s: %w", s.path, err)
	}
	if current == len(ms) {
		return nil
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&current); err != nil {
			return err
		}
		if current > len(ms) {
			return fmt.Errorf("database %s has schema version %d, newer than this sactl (%d): upgrade sactl", s.path, current, len(ms))
		}
		for _, m := range ms[current:] {
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return fmt.Errorf("migration %s: %w", m.Name, err)
			}
		}
		_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(ms)))
		return err
	})
}

// UserVersion reads the schema version recorded in the database.
func (s *Store) UserVersion(ctx context.Context) (int, error) {
	var v int
	err := s.ro.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}

func (s *Store) write(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.rw.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin write: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// errRollback makes Write roll back a transaction that succeeded (dry runs).
var errRollback = errors.New("rollback")

// Write runs fn in one IMMEDIATE transaction (R-DB-1, R-DB-2): everything fn
// does is committed together or not at all. With dryRun, fn's work is rolled
// back even when it succeeds.
func (s *Store) Write(ctx context.Context, dryRun bool, fn func(store.Tx) error) error {
	err := s.write(ctx, func(t *sql.Tx) error {
		if err := fn(&Tx{tx: t, ctx: ctx}); err != nil {
			return err
		}
		if dryRun {
			return errRollback
		}
		return nil
	})
	if errors.Is(err, errRollback) {
		return nil
	}
	return err
}

// Read runs fn in a read-only transaction: one consistent snapshot.
func (s *Store) Read(ctx context.Context, fn func(store.Tx) error) error {
	t, err := s.ro.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer t.Rollback()
	return fn(&Tx{tx: t, ctx: ctx, readOnly: true, stmts: s.roStmt})
}

// Tx is one transaction; its methods are the queries the service needs.
type Tx struct {
	tx    *sql.Tx
	ctx   context.Context
	stmts *stmts // prepared statements of the read pool; nil in a write
	// readOnly refuses writes: SQLite does not enforce a read-only
	// transaction, whose writes would seem to succeed and then vanish
	// with its rollback.
	readOnly bool
}

// errReadOnly is a write attempted in a read transaction.
var errReadOnly = errors.New("write in a read-only transaction")

// LockBusiness does nothing: a write transaction here begins IMMEDIATE,
// so it already excludes every other writer of the file.
func (t *Tx) LockBusiness(string) error { return nil }

// LockAll does nothing, for the same reason.
func (t *Tx) LockAll() error { return nil }

// exec runs a statement; a broken uniqueness constraint comes back as
// store.ErrUniqueViolation.
func (t *Tx) exec(q string, args ...any) (sql.Result, error) {
	if t.readOnly {
		return nil, errReadOnly
	}
	var res sql.Result
	var err error
	if st := t.stmts.get(t.ctx, q); st != nil {
		res, err = t.tx.StmtContext(t.ctx, st).ExecContext(t.ctx, args...)
	} else {
		res, err = t.tx.ExecContext(t.ctx, q, args...)
	}
	if isUniqueViolation(err) {
		err = fmt.Errorf("%w: %v", store.ErrUniqueViolation, err)
	}
	return res, err
}

func (t *Tx) query(q string, args ...any) (*sql.Rows, error) {
	if st := t.stmts.get(t.ctx, q); st != nil {
		return t.tx.StmtContext(t.ctx, st).QueryContext(t.ctx, args...)
	}
	return t.tx.QueryContext(t.ctx, q, args...)
}

func (t *Tx) queryRow(q string, args ...any) *sql.Row {
	if st := t.stmts.get(t.ctx, q); st != nil {
		return t.tx.StmtContext(t.ctx, st).QueryRowContext(t.ctx, args...)
	}
	return t.tx.QueryRowContext(t.ctx, q, args...)
}

func isBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && (se.Code()&0xff == sqlite3.SQLITE_BUSY || se.Code()&0xff == sqlite3.SQLITE_LOCKED)
}

// retryBusy runs fn until it does not fail with SQLITE_BUSY, for at most busyTimeout.
func retryBusy(ctx context.Context, fn func() error) error {
	deadline := time.Now().Add(busyTimeout)
	wait := 5 * time.Millisecond
	for {
		err := fn()
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait + time.Duration(rand.Int64N(int64(wait)))):
		}
		wait = min(2*wait, 200*time.Millisecond)
	}
}

// isUniqueViolation reports whether err is a UNIQUE or PRIMARY KEY constraint failure.
func isUniqueViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// timeFormat is fixed width so text order is time order.
const timeFormat = "2006-01-02T15:04:05.000000Z"

func fmtTime(t time.Time) string { return t.UTC().Format(timeFormat) }

func fmtTimePtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return fmtTime(*t)
}

var (
	_ store.Store = (*Store)(nil)
	_ store.Tx    = (*Tx)(nil)
)
