package postgres

import (
	"context"
	"time"
)

// The verification caches' change counter (P-3): the sequence
// sactl_changes. Every write takes a number from it before it begins and
// again after it commits (a sequence is outside transactions, so writers
// never wait on it); Version reads its last value. An answer read during a
// write is thus tagged with a number the write's second bump makes stale,
// and a request that follows a completed write, on any replica, sees that
// bump: no replica answers from its cache after a change another one
// completed.
const bumpChanges = `SELECT nextval('sactl_changes')`

// maxStale bounds the age of a cached answer all the same: a row changed
// by hand (psql) bumps no counter (SECURITY.md).
const maxStale = time.Second

// Version implements store.Watcher: one round trip, no lock.
func (s *Store) Version(ctx context.Context) (uint64, bool) {
	var v int64
	if err := s.pool.QueryRow(ctx, `SELECT last_value FROM sactl_changes`).Scan(&v); err != nil {
		return 0, false
	}
	return uint64(v), true
}

// MaxStale is how old a cached answer may grow on PostgreSQL.
func (s *Store) MaxStale() time.Duration { return maxStale }

// bump takes a number from the change counter; a failure only costs the
// caches (the next Version read fails too, or sees a later bump).
func (s *Store) bump(ctx context.Context) {
	_, _ = s.pool.Exec(ctx, bumpChanges)
}
