// Package postgres is sactl's storage on a PostgreSQL server (R-DB-4),
// through jackc/pgx: the store interface of internal/store with the same
// results, order and errors as internal/store/sqlite, so that several
// `sactl serve` replicas can share one state. It runs queries; the rules
// live in internal/service.
//
// Where SQLite's writers are serial (BEGIN IMMEDIATE), writers here run
// concurrently: a write transaction is READ COMMITTED, and Tx.LockBusiness
// takes a transaction-scoped advisory lock per business, which serialises
// the check-then-act writes of one business across processes and
// replicas. Migrations run under an advisory lock too.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store"
)

// Store is an open PostgreSQL database: one pgx pool serving both read
// and write transactions. The URL's pool_* parameters set it up
// (pool_max_conns: by default 4, or one per CPU if more).
//
// pgxpool rather than database/sql over pgx's stdlib adapter: transactions
// take their isolation level and access mode directly, and errors, command
// tags and timestamptz values come back typed, with no second pool in
// between.
type Store struct {
	pool     *pgxpool.Pool
	location string // the URL with its password replaced (never a secret)
	secrets  []string
}

// Open connects to the database at url (postgres:// or postgresql://) and
// brings its schema up to date. Many processes may open one new database
// at once: migrations run under an advisory lock (R-DB-4). An error never
// holds the URL's password.
func Open(ctx context.Context, url string) (*Store, error) {
	loc, secrets := redact(url)
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, parseError("open database", loc, secrets, err)
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		cfg.ConnConfig.RuntimeParams["application_name"] = "sactl"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, openError(loc, secrets, err)
	}
	s := &Store{pool: pool, location: loc, secrets: secrets}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, openError(loc, secrets, err)
	}
	return s, nil
}

// Location is the database's URL without its password.
func (s *Store) Location() string { return s.location }

// Backend is "postgres".
func (s *Store) Backend() string { return "postgres" }

// Close closes the pool.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// maxAttempts bounds how often Write runs fn when a transaction fails for
// a conflict with a concurrent one.
const maxAttempts = 10

// Retry waits: jittered, doubling from firstWait up to maxWait.
const (
	firstWait = 5 * time.Millisecond
	maxWait   = 500 * time.Millisecond
)

// errRollback makes Write roll back a transaction that succeeded (dry runs).
var errRollback = errors.New("rollback")

// Write runs fn in one READ COMMITTED transaction (R-DB-2): everything fn
// does is committed together or not at all. With dryRun, fn's work is
// rolled back even when it succeeds.
//
// READ COMMITTED, not REPEATABLE READ: the service reads the business
// before it calls LockBusiness, and a REPEATABLE READ snapshot is taken at
// the first statement, so everything it read after waiting for the lock
// would predate the writer it waited for, and a key limit or an account
// cap would be checked against stale rows. Under READ COMMITTED each
// statement after the lock sees every write committed before it.
//
// A transaction that fails with a serialization failure (40001) or a
// deadlock (40P01), as writers touching the same rows in different orders
// can, is run again from the start, at most maxAttempts times, after a
// jittered, growing wait.
//
// A transaction that fails after one of its statements broke a uniqueness
// constraint is run again once, at once. Here, unlike SQLite, a writer's
// check ("is this name free?") can pass while a concurrent writer inserts
// the same name; the insert then waits for that writer and fails once it
// has committed. Run again, fn checks against the committed row, which is
// what it would have seen on SQLite, whose writers run one after another:
// the business made meanwhile is found, the name taken meanwhile is
// reported by the check that guards it. fn may turn the violation into an
// error of its own (wrapUnique in the service does), so the transaction
// notes it. A violation with no check before it simply happens again.
//
// The change counter is bumped before and after (watch.go), so that no
// replica keeps a verification answer read meanwhile.
func (s *Store) Write(ctx context.Context, dryRun bool, fn func(store.Tx) error) error {
	if !dryRun {
		s.bump(ctx)
		defer s.bump(context.WithoutCancel(ctx))
	}
	wait := firstWait
	retriedUnique := false
	for attempt := 1; ; attempt++ {
		unique, err := s.write(ctx, fn, dryRun)
		if errors.Is(err, errRollback) {
			return nil
		}
		if err != nil && unique && !retriedUnique {
			retriedUnique = true
			continue
		}
		if err == nil || !retryable(err) || attempt >= maxAttempts {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait + rand.N(wait)):
		}
		wait = min(2*wait, maxWait)
	}
}

// write runs fn in one transaction; unique reports whether a statement of
// it broke a uniqueness constraint.
func (s *Store) write(ctx context.Context, fn func(store.Tx) error, dryRun bool) (unique bool, err error) {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted, AccessMode: pgx.ReadWrite})
	if err != nil {
		return false, s.errorf("begin write", err)
	}
	// After a commit this does nothing; after an error it ends the
	// transaction (when ctx is done, pgx closes the connection instead,
	// which ends it on the server).
	defer tx.Rollback(ctx)
	t := &Tx{tx: tx, ctx: ctx}
	if err := fn(t); err != nil {
		return t.uniqueViolated, err
	}
	if dryRun {
		return false, errRollback
	}
	if err := tx.Commit(ctx); err != nil {
		return t.uniqueViolated, s.errorf("commit", err)
	}
	return false, nil
}

// Read runs fn in a read-only REPEATABLE READ transaction: one consistent
// snapshot, as SQLite's read transactions see.
func (s *Store) Read(ctx context.Context, fn func(store.Tx) error) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return s.errorf("begin read", err)
	}
	defer tx.Rollback(ctx)
	return fn(&Tx{tx: tx, ctx: ctx})
}

// retryable reports whether err is a transaction's conflict with a
// concurrent one, which running it again resolves.
func retryable(err error) bool {
	code := sqlState(err)
	return code == "40001" || code == "40P01"
}

// errorf names the database in an error of the connection, with no secret in it.
func (s *Store) errorf(what string, err error) error {
	return scrubbed(fmt.Sprintf("%s: database %s", what, s.location), s.secrets, err)
}

// Tx is one transaction; its methods are the queries the service needs.
type Tx struct {
	tx  pgx.Tx
	ctx context.Context
	// uniqueViolated is set when a statement broke a uniqueness
	// constraint (see Write).
	uniqueViolated bool
}

// LockBusiness takes an advisory lock on the business for the rest of the
// transaction (R-DB-3, R-DB-4): every other write transaction that locks
// the same business, in any process on any replica, waits until this one
// commits or rolls back, and then sees what it wrote. The key is a 64-bit
// hash of the business id; two businesses sharing one only serialise more
// than needed.
//
// It first takes the all-businesses lock shared, so LockAll waits for
// every business's writes and they for it; every write takes the two in
// the same order, so they never deadlock each other.
func (t *Tx) LockBusiness(businessID string) error {
	_, err := t.tx.Exec(t.ctx, `SELECT pg_advisory_xact_lock_shared($3, $4), pg_advisory_xact_lock(hashtextextended($1, $2))`,
		businessID, businessLockSeed, allLockClass, allLockID)
	return err
}

// LockAll takes the all-businesses lock exclusively for the rest of the
// transaction: no business's write runs beside it (R-KEY-10's master key
// rotation reseals every business at once).
func (t *Tx) LockAll() error {
	_, err := t.tx.Exec(t.ctx, `SELECT pg_advisory_xact_lock($1, $2)`, allLockClass, allLockID)
	return err
}

// The all-businesses lock is ("sact", 2) in the two-key space, beside the
// migration lock ("sact", 1).
const (
	allLockClass int32 = 0x73616374 // "sact"
	allLockID    int32 = 2
)

// businessLockSeed keeps sactl's business locks apart from the advisory
// locks of other programs hashing the same text. The migration lock uses
// the two-key form, a separate key space.
const businessLockSeed = 0x73616374_6c627a00 // "sactlbz"

// exec runs a statement; a broken uniqueness constraint comes back as
// store.ErrUniqueViolation (with the driver's error still reachable).
func (t *Tx) exec(q string, args ...any) (pgconn.CommandTag, error) {
	tag, err := t.tx.Exec(t.ctx, q, args...)
	switch {
	case isUniqueViolation(err):
		t.uniqueViolated = true
		err = fmt.Errorf("%w: %w", store.ErrUniqueViolation, err)
	case sqlState(err) == "22021":
		// PostgreSQL text holds no NUL character (and no invalid UTF-8),
		// which SQLite would store: the caller's value cannot be kept here.
		// (A statement's WHERE only ever names rows read before, which
		// cannot hold one.)
		err = domain.Invalidf("a value holds a NUL character or invalid UTF-8, which PostgreSQL cannot store")
	}
	return tag, err
}

// query runs a query. One whose arguments PostgreSQL text cannot hold (a
// NUL character, invalid UTF-8: a name an operator typed, say) matches no
// row, as no stored value can equal them; SQLite, which compares them,
// finds none either.
func (t *Tx) query(q string, args ...any) (rows, error) {
	if !storable(args) {
		return emptyResult{}, nil
	}
	return t.tx.Query(t.ctx, q, args...)
}

// queryRow runs a query for one row; see query for unstorable arguments.
func (t *Tx) queryRow(q string, args ...any) pgx.Row {
	if !storable(args) {
		return emptyResult{}
	}
	return t.tx.QueryRow(t.ctx, q, args...)
}

// count runs a SELECT count(*); see query for unstorable arguments.
func (t *Tx) count(q string, args ...any) (int, error) {
	var n int
	if !storable(args) {
		return 0, nil
	}
	err := t.tx.QueryRow(t.ctx, q, args...).Scan(&n)
	return n, err
}

// storable reports whether PostgreSQL text can hold every string of args.
func storable(args []any) bool {
	for _, a := range args {
		if s, ok := a.(string); ok && (strings.IndexByte(s, 0) >= 0 || !utf8.ValidString(s)) {
			return false
		}
	}
	return true
}

// rows is what the queries read of a result: pgx.Rows, or emptyResult.
type rows interface {
	Next() bool
	Scan(...any) error
	Close()
	Err() error
}

// emptyResult is the result of a query that can match nothing: no rows,
// and as a pgx.Row, pgx.ErrNoRows.
type emptyResult struct{}

func (emptyResult) Next() bool        { return false }
func (emptyResult) Scan(...any) error { return pgx.ErrNoRows }
func (emptyResult) Close()            {}
func (emptyResult) Err() error        { return nil }

// isUniqueViolation reports whether err is a UNIQUE or PRIMARY KEY violation (23505).
func isUniqueViolation(err error) bool { return sqlState(err) == "23505" }

// sqlState is the SQLSTATE of a server error, "" for any other error.
func sqlState(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// constraintOf is the name of the constraint err broke, if it is a server error.
func constraintOf(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.ConstraintName
	}
	return ""
}

// noRows is database/sql's error for a row that is not there, as the
// SQLite store returns it where it passes one on.
func noRows(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return sql.ErrNoRows
	}
	return err
}

// ts is a time as stored: UTC, microseconds (timestamptz's precision, and
// what the SQLite store's text format keeps), truncated like it.
func ts(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// tsPtr is ts for a time that may be absent (NULL).
func tsPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return ts(*t)
}

var (
	_ store.Store = (*Store)(nil)
	_ store.Tx    = (*Tx)(nil)
)
