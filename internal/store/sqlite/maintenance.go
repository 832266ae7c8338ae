package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"

	"github.com/sactl/sactl/internal/store"
)

// Backup writes a consistent copy of the database to dest while it stays in
// use (R-DB-5): VACUUM INTO reads one snapshot in a read transaction, so
// writers carry on. dest must not exist; it is created 0600, as it holds
// sealed secrets and key hashes.
func (s *Store) Backup(ctx context.Context, dest string) error {
	if strings.ContainsAny(dest, "?#") {
		return fmt.Errorf("backup path %q must not contain ? or #", dest)
	}
	f, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	f.Close()
	if _, err := s.ro.ExecContext(ctx, "VACUUM INTO ?", dest); err != nil {
		os.Remove(dest)
		return err
	}
	return nil
}

// Check runs SQLite's integrity and foreign-key checks; it returns the
// problems found, none when the file is sound.
func (s *Store) Check(ctx context.Context) (store.CheckResult, error) {
	integrity, foreignKeys, err := s.check(ctx)
	return store.CheckResult{Integrity: integrity, ForeignKeys: foreignKeys}, err
}

func (s *Store) check(ctx context.Context) (integrity, foreignKeys []string, err error) {
	rows, err := s.ro.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return nil, nil, err
	}
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			rows.Close()
			return nil, nil, err
		}
		if line != "ok" {
			integrity = append(integrity, line)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	rows, err = s.ro.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var table, parent string
		var rowid sql.NullInt64
		var fk int
		if err := rows.Scan(&table, &rowid, &parent, &fk); err != nil {
			return nil, nil, err
		}
		foreignKeys = append(foreignKeys, fmt.Sprintf("%s row %d refers to a missing %s row", table, rowid.Int64, parent))
	}
	return integrity, foreignKeys, rows.Err()
}

// Migrations reports the open database's schema version against this binary's.
func (s *Store) Migrations(ctx context.Context) (store.MigrationStatus, error) {
	return Status(ctx, s.path)
}

// Status reads a database file's schema version without migrating it or
// creating anything.
func Status(ctx context.Context, path string) (store.MigrationStatus, error) {
	ms, err := migrations()
	if err != nil {
		return store.MigrationStatus{}, err
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return store.MigrationStatus{}, err
	}
	defer db.Close()
	st := store.MigrationStatus{Latest: len(ms), Pending: []string{}}
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&st.Version); err != nil {
		return st, fmt.Errorf("read database %s: %w", path, err)
	}
	for _, m := range ms {
		if m.Version > st.Version {
			st.Pending = append(st.Pending, m.Name)
		}
	}
	return st, nil
}
