package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
)

func openTest(t *testing.T) *Store {
	t.Helper()
	st, err := Open(context.Background(), filepath.Join(t.TempDir(), "sactl.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// R-DB-1: WAL mode, and commits durable across power loss by default:
// synchronous=FULL (2) on the write pool and the read pool alike (a read
// connection can run a checkpoint).
func TestDurableWAL(t *testing.T) {
	st := openTest(t)
	ctx := context.Background()
	for name, db := range map[string]*sql.DB{"write": st.rw, "read": st.ro} {
		var mode string
		var sync int
		if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil {
			t.Fatal(err)
		}
		if mode != "wal" || sync != 2 {
			t.Errorf("%s pool: journal_mode %s, synchronous %d; want wal and 2 (FULL)", name, mode, sync)
		}
	}
}
