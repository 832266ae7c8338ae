package service

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store/storetest"
)

// tamper runs SQL on the database behind sactl's back, with the append-only
// triggers dropped: what an attacker with write access to the file can do.
func (e *env) tamper(stmts ...string) {
	e.t.Helper()
	storetest.SQLiteOnly(e.t)
	db, err := sql.Open("sqlite", e.db)
	if err != nil {
		e.t.Fatal(err)
	}
	defer db.Close()
	for _, s := range append([]string{
		"DROP TRIGGER IF EXISTS audit_events_no_update",
		"DROP TRIGGER IF EXISTS audit_events_no_delete",
	}, stmts...) {
		if _, err := db.Exec(s); err != nil {
			e.t.Fatalf("%s: %v", s, err)
		}
	}
}

func (e *env) verifyAudit(s *Service) domain.AuditCheck {
	e.t.Helper()
	res, err := s.VerifyAudit(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return res
}

func TestVerifyAuditIntactChain(t *testing.T) { // R-AUD-2
	e := newEnv(t)
	e.createSA("Zapier Sync", "admins")
	e.createSA("Deploy Bot")
	all := e.events(domain.AuditFilter{})
	res := e.verifyAudit(e.local)
	if !res.OK || res.Broken != nil || res.Events != int64(len(all)) || res.Head != all[len(all)-1].Hash || res.Business != "default" {
		t.Fatalf("intact chain: %+v (events %d)", res, len(all))
	}
}

func TestVerifyAuditNamesFirstChangedEvent(t *testing.T) { // R-AUD-2
	e := newEnv(t)
	e.createSA("Zapier Sync", "admins")
	e.createSA("Deploy Bot")
	all := e.events(domain.AuditFilter{})
	victim := all[2]
	// A later event changed too: the first one is named.
	e.tamper(`UPDATE audit_events SET details = '{"forged":true}' WHERE id = '`+victim.ID+`'`,
		`UPDATE audit_events SET actor_name = 'someone else' WHERE id = '`+all[4].ID+`'`)
	res := e.verifyAudit(e.local)
	if res.OK || res.Broken == nil {
		t.Fatalf("a changed event goes unnoticed: %+v", res)
	}
	if b := res.Broken; b.ID != victim.ID || b.Seq != victim.Seq || b.Action != victim.Action || !strings.Contains(b.Reason, "does not match its content") {
		t.Fatalf("broken = %+v, want event %s (%s)", b, victim.ID, victim.Action)
	}
	if res.Events != 3 || res.Head != all[1].Hash {
		t.Fatalf("checked %d events, head %s; want 3 and the hash of the event before the broken one", res.Events, res.Head)
	}
}

func TestVerifyAuditNoticesRemovedAndRehashedEvents(t *testing.T) { // R-AUD-2
	e := newEnv(t)
	e.createSA("Zapier Sync", "admins")
	all := e.events(domain.AuditFilter{})
	// Removing an event breaks the link of the one after it.
	e.tamper(`DELETE FROM audit_events WHERE id = '` + all[1].ID + `'`)
	res := e.verifyAudit(e.local)
	if res.OK || res.Broken == nil || res.Broken.ID != all[2].ID || !strings.Contains(res.Broken.Reason, "prev_hash") {
		t.Fatalf("removed event: %+v", res)
	}

	// A forger who also recomputes the changed event's hash still breaks
	// the link of the event after it.
	e2 := newEnv(t)
	e2.createSA("Zapier Sync", "admins")
	all = e2.events(domain.AuditFilter{})
	forged := all[1]
	forged.Details = map[string]any{"forged": true}
	h, err := forged.ChainHash()
	if err != nil {
		t.Fatal(err)
	}
	e2.tamper(`UPDATE audit_events SET details = '{"forged":true}', hash = '` + h + `' WHERE id = '` + forged.ID + `'`)
	res = e2.verifyAudit(e2.local)
	if res.OK || res.Broken == nil || res.Broken.ID != all[2].ID {
		t.Fatalf("re-hashed event: %+v, want the event after it named", res)
	}
}

func TestVerifyAuditIsPerBusinessAndNeedsAuditView(t *testing.T) { // R-AUD-2, R-PERM-4
	e := newEnv(t)
	if _, err := e.local.CreateBusiness(e.ctx, api.CreateBusinessRequest{Name: "acme"}); err != nil {
		t.Fatal(err)
	}
	acme := New(e.st, LocalActor("tester"), "acme", WithClock(e.clk.now), WithMasterKey(e.mk))
	if _, err := acme.CreateAccount(e.ctx, api.CreateAccountRequest{Name: "Acme Bot"}); err != nil {
		t.Fatal(err)
	}
	all := e.events(domain.AuditFilter{})
	e.tamper(`UPDATE audit_events SET details = '{}' WHERE id = '` + all[len(all)-1].ID + `'`)
	if res := e.verifyAudit(acme); !res.OK || res.Business != "acme" {
		t.Fatalf("acme's chain is judged by default's events: %+v", res)
	}
	if res := e.verifyAudit(e.local); res.OK {
		t.Fatal("default's changed event goes unnoticed")
	}

	e.createGroup("sa-only", "service_accounts=remove")
	e.createSA("Bot", "sa-only")
	_, err := e.as("bot").VerifyAudit(e.ctx)
	wantKind(t, err, domain.KindForbidden)
	e.createGroup("auditors", "audit=view")
	e.createSA("Auditor", "auditors")
	if res, err := e.as("auditor").VerifyAudit(e.ctx); err != nil || res.OK {
		t.Fatalf("auditor: %+v, %v", res, err)
	}
}

// R-AUD-2: the chain's head is stored with the business, so removing the
// newest events, which leaves an intact but shorter chain, is noticed too,
// and the check names what is missing.
func TestVerifyAuditNoticesRemovedNewestEvents(t *testing.T) {
	for _, n := range []int{1, 3} {
		e := newEnv(t)
		e.createSA("Zapier Sync", "admins")
		e.createSA("Deploy Bot")
		all := e.events(domain.AuditFilter{})
		head, kept := all[len(all)-1], all[len(all)-1-n]
		e.tamper(fmt.Sprintf(`DELETE FROM audit_events WHERE seq > %d`, kept.Seq))
		res := e.verifyAudit(e.local)
		if res.OK || res.Broken == nil {
			t.Fatalf("%d newest events removed, unnoticed: %+v", n, res)
		}
		missing := fmt.Sprintf("events %d to %d were", kept.Seq+1, head.Seq)
		if n == 1 {
			missing = fmt.Sprintf("event %d was", head.Seq)
		}
		want := fmt.Sprintf("the chain's head says event %d with hash %s, but the log ends at event %d: %s removed from the end",
			head.Seq, head.Hash, kept.Seq, missing)
		if b := res.Broken; b.Reason != want || b.Seq != kept.Seq+1 || b.ID != "" || b.Action != "" || !b.Time.IsZero() {
			t.Fatalf("%d removed: broken = %+v\nwant reason %s", n, b, want)
		}
		if res.Events != int64(len(all)-n) || res.Head != kept.Hash {
			t.Fatalf("%d removed: %d events checked, head %s; want %d and the last kept event's hash", n, res.Events, res.Head, len(all)-n)
		}
		// The JSON names no event that is not there.
		b, _ := json.Marshal(res.Broken)
		if !strings.Contains(string(b), `"id":null`) || !strings.Contains(string(b), `"time":null`) || !strings.Contains(string(b), `"action":null`) {
			t.Fatalf("broken of a removed tail: %s", b)
		}
	}

	// Every event removed.
	e := newEnv(t)
	all := e.events(domain.AuditFilter{})
	e.tamper(`DELETE FROM audit_events`)
	res := e.verifyAudit(e.local)
	want := fmt.Sprintf("the chain's head says event %d with hash %s, but the log is empty: events 1 to %d were removed from the end",
		len(all), all[len(all)-1].Hash, len(all))
	if len(all) == 1 {
		want = fmt.Sprintf("the chain's head says event 1 with hash %s, but the log is empty: event 1 was removed from the end", all[0].Hash)
	}
	if res.OK || res.Broken == nil || res.Broken.Reason != want || res.Events != 0 {
		t.Fatalf("emptied log: %+v, want reason %s", res.Broken, want)
	}
}

// R-AUD-2: the newest event re-hashed by a forger no longer matches the
// stored head, and an event appended behind sactl's back goes past it.
func TestVerifyAuditComparesTheNewestEventWithTheHead(t *testing.T) {
	e := newEnv(t)
	e.createSA("Zapier Sync", "admins")
	all := e.events(domain.AuditFilter{})
	newest := all[len(all)-1]
	forged := newest
	forged.Details = map[string]any{"forged": true}
	h, err := forged.ChainHash()
	if err != nil {
		t.Fatal(err)
	}
	e.tamper(`UPDATE audit_events SET details = '{"forged":true}', hash = '` + h + `' WHERE id = '` + newest.ID + `'`)
	res := e.verifyAudit(e.local)
	if b := res.Broken; res.OK || b == nil || b.ID != newest.ID ||
		b.Reason != "its hash is not the one the chain's head records ("+newest.Hash+"): the newest event was replaced" {
		t.Fatalf("re-hashed newest event: %+v", res.Broken)
	}

	e2 := newEnv(t)
	e2.createSA("Zapier Sync", "admins")
	all = e2.events(domain.AuditFilter{})
	last := all[len(all)-1]
	extra := domain.AuditEvent{ID: "evt_forged", Seq: last.Seq + 1, Time: last.Time, Business: last.Business,
		Actor: last.Actor, Action: "key.revealed", Target: last.Target, Details: map[string]any{}, PrevHash: last.Hash}
	if extra.Hash, err = extra.ChainHash(); err != nil {
		t.Fatal(err)
	}
	e2.tamper(fmt.Sprintf(`INSERT INTO audit_events (business_id, seq, id, time, actor_id, actor_name, actor_type, action,
		target_type, target_id, target_name, details, prev_hash, hash)
		SELECT business_id, %d, 'evt_forged', time, actor_id, actor_name, actor_type, 'key.revealed',
		target_type, target_id, target_name, '{}', hash, '%s' FROM audit_events WHERE id = '%s'`, extra.Seq, extra.Hash, last.ID))
	res = e2.verifyAudit(e2.local)
	if b := res.Broken; res.OK || b == nil || b.ID != "evt_forged" ||
		b.Reason != fmt.Sprintf("it is past the chain's head (event %d with hash %s): it was added behind sactl's back", last.Seq, last.Hash) {
		t.Fatalf("event appended behind sactl's back: %+v", res.Broken)
	}
	// sactl does not write over it: the next change fails and says why.
	_, err = e2.local.CreateAccount(e2.ctx, api.CreateAccountRequest{Name: "Next"})
	if err == nil || !strings.Contains(err.Error(), "already holds an event with sequence number") {
		t.Fatalf("appending after a forged event: %v", err)
	}
}

// R-AUD-2: sequence numbers are per business: each business's log starts
// at 1 and counts up by one, whatever other businesses do meanwhile.
func TestAuditSequenceIsPerBusiness(t *testing.T) {
	e := newEnv(t)
	if _, err := e.local.CreateBusiness(e.ctx, api.CreateBusinessRequest{Name: "acme"}); err != nil {
		t.Fatal(err)
	}
	acme := New(e.st, LocalActor("tester"), "acme", WithClock(e.clk.now), WithMasterKey(e.mk))
	for i := 0; i < 3; i++ {
		e.createSA(fmt.Sprintf("Default Bot %d", i))
		if _, err := acme.CreateAccount(e.ctx, api.CreateAccountRequest{Name: fmt.Sprintf("Acme Bot %d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	for name, s := range map[string]*Service{"default": e.local, "acme": acme} {
		var seqs []int64
		if err := s.ListAudit(e.ctx, domain.AuditFilter{}, func(ev domain.AuditEvent) error {
			seqs = append(seqs, ev.Seq)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		for i, q := range seqs {
			if q != int64(i+1) {
				t.Fatalf("%s: sequence numbers %v, want 1 to %d", name, seqs, len(seqs))
			}
		}
		if res := e.verifyAudit(s); !res.OK {
			t.Fatalf("%s: %+v", name, res.Broken)
		}
	}
}
