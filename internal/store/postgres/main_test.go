package postgres

import (
	"context"
	"flag"
	"os"
	"testing"

	"github.com/sactl/sactl/internal/store/pgtest"
)

var update = flag.Bool("update", false, "rewrite schema.txt from a freshly migrated database")

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// openTest opens a new database, closed when t ends.
func openTest(t *testing.T) (*Store, string) {
	t.Helper()
	url := pgtest.URL(t)
	st, err := Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, url
}
