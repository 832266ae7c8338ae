package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/sactl/sactl/internal/store"
	"github.com/sactl/sactl/internal/store/sqlite"
	"github.com/sactl/sactl/internal/store/storetest"
)

// TestContract runs the store contract suite (R-DB-4) against SQLite: each
// sub-test gets a new database file, closed when the sub-test ends.
func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "sactl.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := st.Close(); err != nil {
				t.Error(err)
			}
		})
		return st
	})
}
