package postgres

import (
	"testing"

	"github.com/sactl/sactl/internal/store"
	"github.com/sactl/sactl/internal/store/storetest"
)

// TestContract runs the store contract suite (R-DB-4) against PostgreSQL:
// each sub-test gets a new database on the throwaway cluster, closed and
// dropped when the sub-test ends; the same suite runs against SQLite.
func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		st, _ := openTest(t)
		return st
	})
}
