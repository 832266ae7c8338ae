package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store"
)

// TestMigration7NumbersEventsPerBusiness takes a database written before
// schema 7, where one sequence ran through every business's events, and
// opens it: each business's events are numbered 1, 2, … in the order they
// were written, its head is its newest event, its chain still verifies,
// and new events continue it (R-AUD-2).
func TestMigration7NumbersEventsPerBusiness(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sactl.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Version < 7 {
			if _, err := db.Exec(m.SQL); err != nil {
				t.Fatalf("%s: %v", m.Name, err)
			}
		}
	}
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	last := map[string]string{}    // business id -> hash of its newest event
	order := map[string][]string{} // business id -> event ids, oldest first
	for _, b := range []string{"acme", "zeta"} {
		if _, err := db.Exec(`INSERT INTO businesses (id, name, domain, created_at) VALUES (?, ?, ?, ?)`,
			"biz_"+b, b, b+".example", fmtTime(now)); err != nil {
			t.Fatal(err)
		}
	}
	for i, b := range []string{"acme", "zeta", "acme", "acme", "zeta", "acme"} {
		e := domain.AuditEvent{ID: fmt.Sprintf("evt_%02d", i), Time: now.Add(time.Duration(i) * time.Second), Business: b,
			Actor: domain.ActorRef{ID: "system", Name: "sactl", Type: "system"}, Action: "group.created",
			Target: domain.AuditTarget{Type: "group", ID: "grp_1", Name: "ops"}, Details: map[string]any{}, PrevHash: last["biz_"+b]}
		if e.Hash, err = e.ChainHash(); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`INSERT INTO audit_events (id, business_id, time, actor_id, actor_name, actor_type, action,
			target_type, target_id, target_name, details, prev_hash, hash) VALUES (?, ?, ?, 'system', 'sactl', 'system',
			'group.created', 'group', 'grp_1', 'ops', '{}', ?, ?)`, e.ID, "biz_"+b, fmtTime(e.Time), e.PrevHash, e.Hash); err != nil {
			t.Fatal(err)
		}
		last["biz_"+b] = e.Hash
		order["biz_"+b] = append(order["biz_"+b], e.ID)
	}
	if _, err := db.Exec("PRAGMA user_version = 6"); err != nil {
		t.Fatal(err)
	}
	db.Close()

	st, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for biz, ids := range order {
		err := st.Read(ctx, func(tx store.Tx) error {
			head, err := tx.AuditHead(biz)
			if err != nil {
				return err
			}
			if head.Seq != int64(len(ids)) || head.Hash != last[biz] {
				t.Errorf("%s: head %+v, want event %d with hash %s", biz, head, len(ids), last[biz])
			}
			c := domain.NewChainChecker(biz, head)
			var got []string
			err = tx.ListAudit(biz, store.AuditQuery{}, func(e domain.AuditEvent) error {
				if e.Seq != int64(len(got)+1) {
					t.Errorf("%s: event %s has seq %d, want %d", biz, e.ID, e.Seq, len(got)+1)
				}
				got = append(got, e.ID)
				c.Add(e)
				return nil
			})
			if fmt.Sprint(got) != fmt.Sprint(ids) {
				t.Errorf("%s: events %v, want %v", biz, got, ids)
			}
			if res := c.Result(); !res.OK {
				t.Errorf("%s: chain after migration: %+v", biz, res.Broken)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// New events continue each business's chain.
	e := domain.AuditEvent{ID: "evt_new", Time: now.Add(time.Hour), Business: "zeta",
		Actor: domain.ActorRef{ID: "system", Name: "sactl", Type: "system"}, Action: "group.deleted"}
	if err := st.Write(ctx, false, func(tx store.Tx) error { return tx.AppendAudit("biz_zeta", &e) }); err != nil {
		t.Fatal(err)
	}
	if e.Seq != 3 || e.PrevHash != last["biz_zeta"] {
		t.Fatalf("appended event: seq %d, prev_hash %s; want 3 and %s", e.Seq, e.PrevHash, last["biz_zeta"])
	}
}
