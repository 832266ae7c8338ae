package sqlite

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// stmts keeps one prepared statement per query text of the read pool (P-2:
// a verification that misses the cache parses no SQL). database/sql
// prepares a statement once on each connection that runs it and reuses it
// there, so a read transaction's query is prepared at most once per
// connection for the life of the pool. Queries are built from a fixed set
// of fragments, so their texts are few; past maxStmts, queries are
// prepared as they run.
//
// Making the statement takes a connection of the pool for a moment: it is
// tried for at most prepareWait, so that a pool whose connections are all
// in transactions runs the query unprepared rather than waits. (The write
// pool has one connection, always the running transaction's: its queries
// are not kept.)
type stmts struct {
	db *sql.DB
	mu sync.RWMutex
	m  map[string]*sql.Stmt
}

const maxStmts = 512

const prepareWait = time.Millisecond

func newStmts(db *sql.DB) *stmts { return &stmts{db: db, m: map[string]*sql.Stmt{}} }

// get answers the prepared statement of q, or nil to run q unprepared.
func (s *stmts) get(ctx context.Context, q string) *sql.Stmt {
	if s == nil {
		return nil
	}
	s.mu.RLock()
	st := s.m[q]
	s.mu.RUnlock()
	if st != nil {
		return st
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if st = s.m[q]; st != nil || len(s.m) >= maxStmts {
		return st
	}
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), prepareWait)
	defer cancel()
	st, err := s.db.PrepareContext(pctx, q)
	if err != nil {
		return nil // the query itself reports the error
	}
	s.m[q] = st
	return st
}

func (s *stmts) close() {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.m {
		st.Close()
	}
	s.m = map[string]*sql.Stmt{}
}
