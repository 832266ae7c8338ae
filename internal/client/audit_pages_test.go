package client_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/client"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/server"
)

// audit list --limit n against a server asks for the newest n in one page,
// however long the log is (R-AUD-3, R-SRV-6): the client never fetches
// more than it was asked for.
func TestAuditNewestFetchesOnePage(t *testing.T) {
	w := newWorld(t)
	for i := range 1200 { // more than two pages of the client's 500
		if _, err := w.local.CreateGroup(ctx, api.CreateGroupRequest{Name: fmt.Sprintf("g%04d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	var audits atomic.Int64
	h := server.New(server.Config{Store: w.st, MasterKey: w.mk}).Handler()
	ts := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/audit" {
			audits.Add(1)
		}
		h.ServeHTTP(rw, r)
	}))
	t.Cleanup(ts.Close)
	c, err := client.New(ts.URL, w.token, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{5, 500} {
		audits.Store(0)
		var got []domain.AuditEvent
		if err := c.ListAudit(ctx, domain.AuditFilter{Limit: n}, func(e domain.AuditEvent) error {
			got = append(got, e)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if len(got) != n || audits.Load() != 1 {
			t.Errorf("newest %d: %d events in %d requests, want %d in 1", n, len(got), audits.Load(), n)
		}
	}
	// The whole log pages through, every page bounded.
	audits.Store(0)
	all := 0
	if err := c.ListAudit(ctx, domain.AuditFilter{}, func(domain.AuditEvent) error { all++; return nil }); err != nil {
		t.Fatal(err)
	}
	if all < 1200 || audits.Load() < 3 {
		t.Errorf("whole log: %d events in %d requests", all, audits.Load())
	}
}
