package client_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/client"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/server"
	"github.com/sactl/sactl/internal/store"
)

// TestListAuditStreamsPages checks R-AUD-3 in remote mode: the client asks
// for bounded pages and hands each event to fn as its page arrives, for the
// newest N as for the whole log, and gives exactly what the local service
// gives.
func TestListAuditStreamsPages(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	st, mk, local := w.st, w.mk, w.local
	now := time.Now()
	if err := st.Write(ctx, false, func(tx store.Tx) error {
		b, _, err := tx.BusinessByName("default")
		for i := 0; err == nil && i < 1200; i++ {
			err = tx.AppendAudit(b.ID, &domain.AuditEvent{ID: domain.NewID("evt", now), Time: now, Business: b.Name,
				Actor: domain.ActorRef{ID: "system", Name: "sactl", Type: "system"}, Action: "group.created",
				Target: domain.AuditTarget{Type: "group", ID: "grp_x", Name: fmt.Sprint(i)}})
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var limits []int // the limit of each audit request
	h := server.New(server.Config{Store: st, MasterKey: mk}).Handler()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/audit" {
			n, _ := strconv.Atoi(r.URL.Query().Get("limit"))
			mu.Lock()
			limits = append(limits, n)
			mu.Unlock()
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	remote, err := client.New(ts.URL, w.token, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	// taken reads and resets the limits asked for, under the lock the
	// handler holds (the race detector does not see through sockets).
	taken := func() []int {
		mu.Lock()
		defer mu.Unlock()
		out := limits
		limits = nil
		return out
	}
	ids := func(backend api.API, f domain.AuditFilter) []string {
		var out []string
		if err := backend.ListAudit(ctx, f, func(e domain.AuditEvent) error {
			out = append(out, e.ID)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, f := range []domain.AuditFilter{{Limit: 1100}, {Limit: 1000}, {Limit: 3}, {}} {
		taken()
		want, got := ids(local, f), ids(remote, f)
		limits := taken()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%+v: remote gave %d events, local %d, or in another order", f, len(got), len(want))
		}
		for _, n := range limits {
			if n < 1 || n > 1000 {
				t.Fatalf("%+v: a request asked for a page of %d (limits %v)", f, n, limits)
			}
		}
		if pages := (len(want) + 499) / 500; len(limits) < pages || len(limits) > pages+1 {
			t.Fatalf("%+v: %d events in %d requests (limits %v)", f, len(want), len(limits), limits)
		}
	}
	// fn sees the first page before the second is asked for.
	taken()
	seen := 0
	err = remote.ListAudit(ctx, domain.AuditFilter{Limit: 1100}, func(domain.AuditEvent) error {
		if seen++; seen == 500 {
			mu.Lock()
			defer mu.Unlock()
			if len(limits) != 1 {
				return fmt.Errorf("%d requests before the first page was consumed", len(limits))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
