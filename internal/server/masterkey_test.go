package server

import (
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/service"
)

// TestReadyzNeedsTheMasterKey: a server whose master key does not open the
// database's sealed data is not ready (R-KEY-10), and says so without
// naming the file to an unauthenticated caller.
func TestReadyzNeedsTheMasterKey(t *testing.T) {
	f := newFixture(t)
	if _, err := f.local.CreateAccount(f.ctx, api.CreateAccountRequest{Name: "Sealed", Groups: []string{"admins"}}); err != nil {
		t.Fatal(err)
	}
	for name, mk := range map[string]service.MasterKey{
		"missing file": service.MasterKeyFile(filepath.Join(t.TempDir(), "nope.key")),
		"other key":    service.MasterKeyEnv("AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="),
	} {
		ts := httptest.NewServer(New(Config{Store: f.st, MasterKey: mk}).Handler())
		f.ts = ts
		status, body := f.do("GET", "/readyz", "", nil)
		ts.Close()
		if status != 503 || body["status"] != "master key not usable" {
			t.Errorf("%s: readyz = %d %v, want 503", name, status, body)
		}
	}
}
