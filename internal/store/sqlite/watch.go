package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"io"
	"sync"
	"time"
)

// Version implements store.Watcher. It reads the WAL-index header SQLite
// rewrites at every commit of any process on the file (shm_unix.go): a few
// atomic loads. Where that file cannot be mapped it reads PRAGMA
// data_version instead, on a connection of its own that never writes,
// whose answer changes whenever any other connection commits: one
// statement, a few microseconds (file locks taken and released).
func (s *Store) Version(ctx context.Context) (uint64, bool) {
	w := &s.watch
	w.once.Do(func() {
		if w.shm, w.err = openShm(s.path); w.err != nil {
			w.err = s.openWatch(ctx)
		}
	})
	if w.shm != nil {
		return w.shm.version()
	}
	if w.err != nil {
		return 0, false
	}
	return w.dataVersion(ctx)
}

// dataVersion reads PRAGMA data_version, prepared once at the driver level.
func (w *watch) dataVersion(ctx context.Context) (uint64, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var v uint64
	var ok bool
	err := w.conn.Raw(func(dc any) error {
		if w.stmt == nil {
			st, err := dc.(driver.ConnPrepareContext).PrepareContext(ctx, `PRAGMA data_version`)
			if err != nil {
				return err
			}
			w.stmt = st.(driver.StmtQueryContext)
		}
		rows, err := w.stmt.QueryContext(ctx, nil)
		if err != nil {
			return err
		}
		defer rows.Close()
		if err := rows.Next(w.dest[:]); err != nil && err != io.EOF {
			return err
		}
		if n, isInt := w.dest[0].(int64); isInt {
			v, ok = uint64(n), true
		}
		return nil
	})
	if err != nil {
		return 0, false
	}
	return v, ok
}

// MaxStale is 0: data_version sees every commit as it happens.
func (s *Store) MaxStale() time.Duration { return 0 }

// watch is the connection Version reads data_version on.
type watch struct {
	once sync.Once
	shm  *shmHeader
	err  error
	mu   sync.Mutex
	db   *sql.DB
	conn *sql.Conn
	stmt driver.StmtQueryContext
	dest [1]driver.Value
}

func (s *Store) openWatch(ctx context.Context) error {
	db, err := sql.Open("sqlite", dsn(s.path, "deferred"))
	if err != nil {
		return err
	}
	// One connection, kept: data_version compares with this connection's
	// previous reading, and a new connection would start afresh (which
	// only costs the cache its contents).
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return err
	}
	s.watch.db, s.watch.conn = db, conn
	return nil
}

func (w *watch) close() error {
	if w.shm != nil {
		return w.shm.close()
	}
	if w.db == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stmt != nil {
		w.conn.Raw(func(any) error { return w.stmt.(driver.Stmt).Close() })
	}
	w.conn.Close()
	return w.db.Close()
}
