package server

import (
	"bytes"
	"database/sql"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// R-DB-6 through the server: a row edited by hand into something the store
// cannot parse is a 500 "internal error" to the caller, whose business the
// state of the file is not, and an error in the log naming the table, the
// column and the row, for the operator who can repair it.
func TestHandEditedRowIsA500(t *testing.T) {
	f := newFixture(t)
	var logs bytes.Buffer
	f.ts.Close()
	f.ts = httptest.NewServer(New(Config{Store: f.st, Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
		Now: func() time.Time { return f.now }}).Handler())
	t.Cleanup(f.ts.Close)
	f.account("Zapier Sync", "admins")
	db, err := sql.Open("sqlite", f.st.Location())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE principals SET created_at = 'garbage' WHERE api_name = 'zapier-sync'`); err != nil {
		t.Fatal(err)
	}
	code, body := f.do("GET", "/api/v1/service-accounts", f.admin, nil)
	if code != 500 || errCode(body) != "internal" || !strings.Contains(logs.String(), `"msg":"internal error"`) {
		t.Fatalf("%d %v; log:\n%s", code, body, &logs)
	}
	if msg := body["error"].(map[string]any)["message"]; msg != "internal error" {
		t.Fatalf("the caller is told %q", msg)
	}
	if !strings.Contains(logs.String(), `principals.created_at of sa_`) || !strings.Contains(logs.String(), `cannot parse \"garbage\" as a time`) {
		t.Fatalf("the log does not name the table, column and row:\n%s", &logs)
	}
}
