package service

import (
	"bytes"
	"encoding/json"
	"github.com/sactl/sactl/internal/api/apitest"
	"strings"
	"testing"
	"time"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
)

func (e *env) tokens(s *Service) []domain.TokenRecord {
	e.t.Helper()
	toks, err := apitest.Items(s.ListTokens(e.ctx, api.PageRequest{}))
	if err != nil {
		e.t.Fatalf("list tokens: %v", err)
	}
	return toks
}

func (e *env) mint(ttl time.Duration, execution string) domain.MintedToken {
	e.t.Helper()
	tok, err := e.local.MintToken(e.ctx, api.MintTokenRequest{TTL: ttl, Execution: execution})
	if err != nil {
		e.t.Fatalf("mint: %v", err)
	}
	return tok
}

func TestMintedTokensAreListedAndRevocable(t *testing.T) { // R-TOK-4
	e := newEnv(t)
	t1 := e.mint(10*time.Minute, "run-1")
	t2 := e.mint(time.Hour, "")
	toks := e.tokens(e.local)
	if len(toks) != 2 || toks[0].ID != t1.ID || toks[1].ID != t2.ID {
		t.Fatalf("list after two mints: %+v", toks)
	}
	r := toks[0]
	if r.Status != domain.TokenActive || r.Account != "automation" || r.Business != "default" ||
		r.Execution == nil || *r.Execution != "run-1" || toks[1].Execution != nil ||
		!r.ExpiresAt.Equal(t1.ExpiresAt) || !r.IssuedAt.Equal(t1.IssuedAt) || r.CreatedBy != "local:tester" || r.RevokedAt != nil {
		t.Fatalf("record: %+v", r)
	}
	listed, _ := json.Marshal(toks)
	if bytes.Contains(listed, []byte(t1.Token)) || bytes.Contains(listed, []byte("sat_")) {
		t.Fatal("the list holds a token")
	}

	// Destructive: without confirmation, or in a dry run, nothing changes.
	_, err := e.local.RevokeToken(e.ctx, t1.ID, api.Mutation{})
	wantKind(t, err, domain.KindNeedsConfirm)
	dry, err := e.local.RevokeToken(e.ctx, t1.ID, api.Mutation{DryRun: true, Confirmed: true})
	if err != nil || dry.Status != domain.TokenRevoked {
		t.Fatalf("dry run: %v %+v", err, dry)
	}
	if !e.verify(e.local, t1.Token).Active || e.tokens(e.local)[0].Status != domain.TokenActive {
		t.Fatal("an unconfirmed or dry-run revocation revoked")
	}

	rev, err := e.local.RevokeToken(e.ctx, t1.ID, yes)
	if err != nil || rev.Status != domain.TokenRevoked || rev.RevokedAt == nil || rev.RevokedBy == nil || *rev.RevokedBy != "local:tester" {
		t.Fatalf("revoke: %v %+v", err, rev)
	}
	v := e.verify(e.local, t1.Token)
	if v.Active || v.Reason != domain.ReasonRevoked || v.Explain() != "token was revoked" ||
		v.Credential == nil || v.Credential.ID != t1.ID || v.Principal == nil {
		t.Fatalf("verify a revoked token: %+v", v)
	}
	if !e.verify(e.local, t2.Token).Active {
		t.Fatal("revoking one token rejects another")
	}
	// Revoked but not expired: still listed, marked.
	if toks := e.tokens(e.local); len(toks) != 2 || toks[0].Status != domain.TokenRevoked || toks[0].RevokedAt == nil {
		t.Fatalf("list after revoking: %+v", toks)
	}

	// Again: nothing to do, no second event, no confirmation needed.
	again, err := e.local.RevokeToken(e.ctx, t1.ID, api.Mutation{})
	if err != nil || !again.RevokedAt.Equal(*rev.RevokedAt) {
		t.Fatalf("revoke again: %v %+v", err, again)
	}
	evs := e.events(domain.AuditFilter{Action: "token.revoked"})
	if len(evs) != 1 || evs[0].Details["token_id"] != t1.ID || evs[0].Target.Name != "Automation Code Account" {
		t.Fatalf("token.revoked events: %+v", evs)
	}

	_, err = e.local.RevokeToken(e.ctx, "tok_nope", yes)
	wantKind(t, err, domain.KindNotFound)
	// The token given instead of its id is refused, and never echoed.
	_, err = e.local.RevokeToken(e.ctx, t2.Token, yes)
	wantKind(t, err, domain.KindInvalid)
	if strings.Contains(err.Error(), t2.Token[4:20]) {
		t.Fatal("the error echoes the token")
	}

	all, _ := json.Marshal(e.events(domain.AuditFilter{}))
	for _, tok := range []string{t1.Token, t2.Token} {
		if bytes.Contains(all, []byte(tok)) || bytes.Contains(all, []byte(tok[strings.IndexByte(tok, '.')+1:])) {
			t.Fatal("an audit event holds a token or its signature")
		}
	}
}

func TestRevocationIsSeenByAnotherProcess(t *testing.T) { // R-TOK-4
	e := newEnv(t)
	tok := e.mint(time.Hour, "")
	if !e.verify(e.local, tok.Token).Active { // warm the first process's connections
		t.Fatal("a fresh token does not verify")
	}
	st2, err := openDB(e.ctx, e.db)
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	other := New(st2, LocalActor("tester"), "", WithClock(e.clk.now), WithMasterKey(e.mk))
	if _, err := other.RevokeToken(e.ctx, tok.ID, yes); err != nil {
		t.Fatal(err)
	}
	if v := e.verify(e.local, tok.Token); v.Active || v.Reason != domain.ReasonRevoked {
		t.Fatalf("the first process still accepts a token the second revoked: %+v", v)
	}
	server := NewAuthenticator(e.st, WithClock(e.clk.now), WithMasterKey(e.mk))
	if v := e.verify(server, tok.Token); v.Active || v.Reason != domain.ReasonRevoked {
		t.Fatalf("the server's authenticator accepts a revoked token: %+v", v)
	}
}

func TestVerifyingARevokedTokenWritesNothing(t *testing.T) { // R-TOK-3 with R-TOK-4
	e := newEnv(t)
	tok := e.mint(time.Hour, "")
	if _, err := e.local.RevokeToken(e.ctx, tok.ID, yes); err != nil {
		t.Fatal(err)
	}
	before, _ := json.Marshal(e.tokens(e.local))
	nEvents := len(e.events(domain.AuditFilter{}))
	for i := 0; i < 3; i++ {
		e.verify(e.local, tok.Token)
	}
	after, _ := json.Marshal(e.tokens(e.local))
	if !bytes.Equal(before, after) || len(e.events(domain.AuditFilter{})) != nEvents {
		t.Fatal("verification wrote")
	}
}

func TestExpiredTokensLeaveTheList(t *testing.T) { // R-TOK-4
	e := newEnv(t)
	short := e.mint(time.Minute, "short")
	long := e.mint(time.Hour, "long")
	e.clk.advance(time.Minute + time.Second)
	toks := e.tokens(e.local)
	if len(toks) != 1 || toks[0].ID != long.ID {
		t.Fatalf("after the short token expired: %+v", toks)
	}
	// Recorded still, but expired: there is nothing to revoke.
	_, err := e.local.RevokeToken(e.ctx, short.ID, yes)
	wantKind(t, err, domain.KindConflict)
	if !strings.Contains(err.Error(), "expired") {
		t.Fatalf("error: %v", err)
	}
	// A later mint prunes the expired record.
	e.clk.advance(pruneGrace)
	e.mint(time.Hour, "")
	_, err = e.local.RevokeToken(e.ctx, short.ID, yes)
	wantKind(t, err, domain.KindNotFound)
	if toks := e.tokens(e.local); len(toks) != 2 {
		t.Fatalf("after the prune: %+v", toks)
	}
}

func TestTokenListAndRevokePermissions(t *testing.T) { // R-TOK-4, R-PERM-4
	e := newEnv(t)
	tok := e.mint(time.Hour, "")
	e.createGroup("editors", "service_accounts=edit")
	e.createWithKey("Editor", "editors")
	e.createGroup("nobody", "contacts=view")
	e.createWithKey("Outsider", "nobody")
	// Listing is like listing keys: service_accounts=view.
	if toks, err := apitest.Items(e.as("editor").ListTokens(e.ctx, api.PageRequest{})); err != nil || len(toks) != 1 {
		t.Fatalf("an editor lists tokens: %v %+v", err, toks)
	}
	_, err := apitest.Items(e.as("outsider").ListTokens(e.ctx, api.PageRequest{}))
	wantKind(t, err, domain.KindForbidden)
	// Revoking needs what minting needs: every sactl permission.
	_, err = e.as("editor").RevokeToken(e.ctx, tok.ID, yes)
	wantKind(t, err, domain.KindForbidden)
	if !e.verify(e.local, tok.Token).Active {
		t.Fatal("a forbidden revocation revoked")
	}
	e.createWithKey("Admin Bot", "admins")
	if _, err := e.as("admin-bot").RevokeToken(e.ctx, tok.ID, yes); err != nil {
		t.Fatalf("a principal with every permission revokes: %v", err)
	}
}
