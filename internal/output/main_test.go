package output

import (
	"os"
	"testing"

	"github.com/olekukonko/tablewriter/pkg/twwidth"
)

// TestMain pins narrow ambiguous-width characters ("…" is one column) so
// that the expected widths do not depend on the locale of the test run.
func TestMain(m *testing.M) {
	twwidth.SetEastAsian(false)
	os.Exit(m.Run())
}
