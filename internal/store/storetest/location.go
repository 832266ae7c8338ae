package storetest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/sactl/sactl/internal/store/pgtest"
)

// BackendEnv selects the backend the service, client and CLI tests run on:
// "postgres" for a database on a throwaway PostgreSQL cluster (make test
// runs them so a second time), anything else for a SQLite file.
const BackendEnv = "SACTL_TEST_BACKEND"

// OnPostgres reports whether the tests run on PostgreSQL.
func OnPostgres() bool { return os.Getenv(BackendEnv) == "postgres" }

// Location is a new, empty database for a test, where the backend under
// test keeps it: a file in the test's temporary directory, or a fresh
// database on the PostgreSQL cluster, as a --db value.
func Location(t testing.TB) string {
	t.Helper()
	if OnPostgres() {
		return pgtest.URL(t)
	}
	return filepath.Join(t.TempDir(), "sactl.db")
}

// SQLiteOnly skips a test about the SQLite file itself (its bytes, its
// pragmas, the master key file beside it) when the tests run on PostgreSQL.
func SQLiteOnly(t testing.TB) {
	t.Helper()
	if OnPostgres() {
		t.Skip("about the SQLite database file")
	}
}

// Main runs a package's tests (from its TestMain) and stops the PostgreSQL
// cluster at the end if they started one.
func Main(m *testing.M) int { return pgtest.Main(m) }
