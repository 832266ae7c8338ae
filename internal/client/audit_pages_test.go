package client_test

import (
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/client"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/server"
	"github.com/sactl/sactl/internal/store/storetest"
)

// audit list --limit n against a server with 100k events asks for the
// newest n in one page, however long the log is (R-AUD-3, R-SRV-6): the
// client never fetches more than it was asked for. (Paging through a whole
// log, every page bounded, is TestListAuditStreamsPages's and TestContractAuditPaging's.)
func TestAuditNewestFetchesOnePage(t *testing.T) {
	w := newWorld(t)
	// A few events made through the service, then 100k more written in
	// one statement (through the service, or the store's hash-chaining
	// append, that takes minutes under the race detector).
	for i := range 3 {
		if _, err := w.local.CreateGroup(ctx, api.CreateGroupRequest{Name: fmt.Sprintf("g%04d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	const bulk = 100_000
	bulkAudit(t, w.loc, bulk)
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
			t.Fatalf("newest %d: %d events in %d requests, want %d in 1", n, len(got), audits.Load(), n)
		}
		if newest := fmt.Sprintf("evt_bulk%022d", bulk); got[n-1].ID != newest {
			t.Errorf("newest %d ends with %s, want %s", n, got[n-1].ID, newest)
		}
	}
}

// bulkAudit appends n events to the default business's log in one SQL
// statement, on SQLite or PostgreSQL, and moves the chain's head past them.
// Their hashes are not a chain: only listing reads them.
func bulkAudit(t *testing.T, loc string, n int) {
	t.Helper()
	const cols = `business_id, seq, id, time, actor_id, actor_name, actor_type, action,
		target_type, target_id, target_name, details, prev_hash, hash`
	const values = `'local:tester', 'tester', 'local', 'service_account.updated',
		'service_account', 'sa_x', 'x', '{}', '', ''`
	if storetest.OnPostgres() {
		conn, err := pgx.Connect(ctx, loc)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		for _, q := range []string{
			`INSERT INTO audit_events (` + cols + `)
			 SELECT b.id, b.audit_head_seq + i, 'evt_bulk' || lpad(i::text, 22, '0'), now(), ` + values + `
			 FROM businesses b, generate_series(1, $1::bigint) i WHERE b.name = 'default'`,
			`UPDATE businesses SET audit_head_seq = audit_head_seq + $1::bigint WHERE name = 'default'`,
		} {
			if _, err := conn.Exec(ctx, q, n); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	now := time.Now().UTC().Format("2006-01-02T15:04:05.000000Z")
	script := fmt.Sprintf(`BEGIN;
		WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %[1]d)
		INSERT INTO audit_events (`+cols+`)
		SELECT b.id, b.audit_head_seq + n.i, printf('evt_bulk%%022d', n.i), '%[2]s', `+values+`
		FROM businesses b, n WHERE b.name = 'default';
		UPDATE businesses SET audit_head_seq = audit_head_seq + %[1]d WHERE name = 'default';
		COMMIT;`, n, now)
	// The sqlite3 shell, when there is one, does it in a fraction of a
	// second; modernc.org/sqlite under the race detector takes a minute.
	if sqlite3, err := exec.LookPath("sqlite3"); err == nil {
		cmd := exec.Command(sqlite3, "-bail", loc)
		cmd.Stdin = strings.NewReader(".timeout 10000\n" + script)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("sqlite3: %v: %s", err, out)
		}
		return
	}
	db, err := sql.Open("sqlite", loc)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(script); err != nil {
		t.Fatal(err)
	}
}
