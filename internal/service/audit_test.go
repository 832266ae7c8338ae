package service

import (
	"database/sql"
	"strings"
	"testing"

	"github.com/sactl/sactl/internal/domain"
)

// tamper runs SQL on the database behind sactl's back, with the append-only
// triggers dropped: what an attacker with write access to the file can do.
func (e *env) tamper(stmts ...string) {
	e.t.Helper()
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
	if _, err := e.local.CreateBusiness(e.ctx, CreateBusinessRequest{Name: "acme"}); err != nil {
		t.Fatal(err)
	}
	acme := New(e.st, LocalActor("tester"), "acme", WithClock(e.clk.now), WithMasterKey(e.mk))
	if _, err := acme.CreateAccount(e.ctx, CreateAccountRequest{Name: "Acme Bot"}); err != nil {
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
