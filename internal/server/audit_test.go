package server

import (
	"fmt"
	"testing"

	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store"
)

// seedAudit appends n events to the default business in one transaction.
func (f *fixture) seedAudit(n int) {
	f.t.Helper()
	err := f.st.Write(f.ctx, false, func(tx store.Tx) error {
		b, _, err := tx.BusinessByName("default")
		if err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			e := domain.AuditEvent{ID: domain.NewID("evt", f.now), Time: f.now, Business: b.Name,
				Actor:  domain.ActorRef{ID: "system", Name: "sactl", Type: "system"},
				Action: "group.created", Target: domain.AuditTarget{Type: "group", ID: "grp_x", Name: fmt.Sprintf("g%d", i)}}
			if err := tx.AppendAudit(b.ID, &e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		f.t.Fatal(err)
	}
}

// auditPage gets one page of GET /api/v1/audit: its event ids and next_cursor.
func (f *fixture) auditPage(query string) (ids []string, next any) {
	f.t.Helper()
	code, body := f.do("GET", "/api/v1/audit?"+query, f.admin, nil)
	if code != 200 {
		f.t.Fatalf("GET /api/v1/audit?%s: %d %v", query, code, body)
	}
	items, _ := body["items"].([]any)
	for _, it := range items {
		ids = append(ids, it.(map[string]any)["id"].(string))
	}
	return ids, body["next_cursor"]
}

// R-AUD-3: every answer of the audit listing is one bounded page, the
// newest-N form included; following next_cursor gives the rest, oldest
// first, exactly the events a local listing of the newest N gives.
func TestAuditPagesAreBounded(t *testing.T) {
	f := newFixture(t)
	f.seedAudit(1200)
	var want []string
	if err := f.local.ListAudit(f.ctx, domain.AuditFilter{Limit: 1100}, func(e domain.AuditEvent) error {
		want = append(want, e.ID)
		return nil
	}); err != nil || len(want) != 1100 {
		t.Fatalf("local newest 1100: %d events, %v", len(want), err)
	}

	// Without limit, the default page (500); with it, at most 1000.
	ids, next := f.auditPage("newest=1100")
	if len(ids) != 500 || next == nil || fmt.Sprint(ids) != fmt.Sprint(want[:500]) {
		t.Fatalf("newest=1100: %d events, next_cursor %v; want the oldest 500 of the newest 1100 and a cursor", len(ids), next)
	}
	ids, next = f.auditPage("newest=1100&limit=1000")
	if len(ids) != 1000 || next == nil || fmt.Sprint(ids) != fmt.Sprint(want[:1000]) {
		t.Fatalf("newest=1100&limit=1000: %d events, next_cursor %v", len(ids), next)
	}
	// The rest: ordinary pages from the cursor, for as many as are missing.
	rest, last := f.auditPage(fmt.Sprintf("cursor=%s&limit=100", next))
	if fmt.Sprint(append(ids, rest...)) != fmt.Sprint(want) || last == nil {
		t.Fatalf("the newest 1100 page by page differ from the local listing (%d+%d events)", len(ids), len(rest))
	}
	// All of the newest N in the first page: no cursor.
	if ids, next = f.auditPage("newest=3&limit=10"); len(ids) != 3 || next != nil || fmt.Sprint(ids) != fmt.Sprint(want[1097:]) {
		t.Fatalf("newest=3: %v, next_cursor %v", ids, next)
	}
	// Every event, page by page.
	all, cursor := 0, ""
	for pages := 0; ; pages++ {
		ids, next := f.auditPage("limit=1000" + cursor)
		all += len(ids)
		if next == nil {
			break
		}
		if pages > 3 {
			t.Fatal("paging does not end")
		}
		cursor = fmt.Sprintf("&cursor=%s", next)
	}
	if all < 1200 {
		t.Fatalf("paged through %d events, want every one", all)
	}
	if code, body := f.do("GET", "/api/v1/audit?newest=5&limit=1001", f.admin, nil); code != 400 || errCode(body) != "invalid" {
		t.Fatalf("limit=1001: %d %v", code, body)
	}
}
