package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store"
)

// fixture is one of every row that has parsed columns.
type fixture struct {
	st                                 *Store
	biz, sa, human, group, key, signer string
	userToken, minted, event           string
	keyHash, tokenHash                 [32]byte
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{st: openTest(t), biz: "biz_1", sa: "sa_1", human: "usr_1", group: "grp_1", key: "key_1",
		signer: "sk_1", userToken: "utk_1", minted: "tok_1", event: "evt_1",
		keyHash: [32]byte{1}, tokenHash: [32]byte{2}}
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	later := now.Add(time.Hour)
	err := f.st.Write(context.Background(), false, func(t store.Tx) error {
		return errors.Join(
			t.InsertBusiness(domain.Business{ID: f.biz, Name: "acme", Domain: "acme.example", CreatedAt: now}),
			t.InsertPrincipal(f.biz, domain.Account{ID: f.sa, AccountType: domain.TypeIntegration, Name: "Bot",
				APIName: "bot", Email: "bot@x", CreatedAt: now, UpdatedAt: now, CreatedBy: "system"}),
			t.InsertPrincipal(f.biz, domain.Account{ID: f.human, AccountType: domain.TypeHuman, Name: "Ada",
				Email: "ada@x", CreatedAt: now, UpdatedAt: now, CreatedBy: "system"}),
			t.InsertGroup(f.biz, domain.Group{ID: f.group, Name: "ops", CreatedAt: now, UpdatedAt: now,
				Permissions: domain.Permissions{"deals": domain.LevelEdit}}),
			t.SetMembership(f.sa, []string{f.group}),
			t.InsertKey(f.biz, f.sa, domain.Key{ID: f.key, Hint: "sak_…", CreatedAt: now, CreatedBy: "system"}, f.keyHash, nil),
			t.InsertSigningKey(f.biz, store.SigningKeyRow{ID: f.signer, Sealed: []byte{1}, CreatedAt: now}),
			t.InsertUserToken(f.biz, f.human, domain.UserToken{ID: f.userToken, Hint: "sau_…", CreatedAt: now,
				CreatedBy: "system"}, f.tokenHash),
			t.InsertMintedToken(f.biz, store.MintedTokenRow{TokenRecord: domain.TokenRecord{ID: f.minted, IssuedAt: now,
				ExpiresAt: later, CreatedBy: "system"}, PrincipalID: f.sa, SigningKey: f.signer}),
			t.AppendAudit(f.biz, &domain.AuditEvent{ID: f.event, Time: now, Business: "acme",
				Actor: domain.ActorRef{ID: f.sa, Name: "Bot", Type: "service_integration",
					Credential: &domain.ActorCredential{Type: "api_key", ID: f.key}},
				Action: "group.created", Target: domain.AuditTarget{Type: "group", ID: f.group, Name: "ops"}}),
		)
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// handEdit changes the file behind the store's back, as someone with the
// sqlite3 shell can: CHECK constraints and the append-only triggers off.
func (f *fixture) handEdit(t *testing.T, stmt string) {
	t.Helper()
	db, err := sql.Open("sqlite", f.st.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, s := range []string{"PRAGMA ignore_check_constraints = ON",
		"DROP TRIGGER IF EXISTS audit_events_no_update", stmt} {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// TestHandEditedValues checks R-DB-6: every stored value the store parses,
// hand-edited into something it cannot parse, is an error naming the
// table, the column and the row, never a panic or a silent zero value.
func TestHandEditedValues(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
	type reader func(f *fixture, t store.Tx) error
	business := func(f *fixture, t store.Tx) error {
		_, _, err := t.BusinessByName("acme")
		if err == nil {
			_, _, err = t.ListBusinesses(store.Page{})
		}
		return err
	}
	principal := func(f *fixture, t store.Tx) error {
		_, _, err := t.PrincipalByID(f.biz, f.sa)
		return err
	}
	principals := func(f *fixture, t store.Tx) error {
		_, _, err := t.ListPrincipals(f.biz, store.PrincipalFilter{IncludeOthers: true, IncludeArchived: true})
		return err
	}
	group := func(f *fixture, t store.Tx) error {
		_, _, err := t.GroupByName(f.biz, "ops")
		return err
	}
	groups := func(f *fixture, t store.Tx) error {
		_, _, err := t.ListGroups(f.biz, store.Page{})
		return err
	}
	effective := func(f *fixture, t store.Tx) error {
		_, err := t.EffectivePermissions(f.sa)
		return err
	}
	keysOf := func(f *fixture, t store.Tx) error {
		_, err := t.KeysOf(f.sa)
		return err
	}
	keyByHash := func(f *fixture, t store.Tx) error {
		_, _, _, err := t.KeyByHash(f.keyHash)
		return err
	}
	inventory := func(f *fixture, t store.Tx) error {
		_, err := t.KeyInventory(f.biz, store.InventoryQuery{})
		return err
	}
	signingKeys := func(f *fixture, t store.Tx) error {
		_, err := t.SigningKeys(f.biz)
		return err
	}
	userTokens := func(f *fixture, t store.Tx) error {
		_, _, err := t.UserTokens(f.human, store.Page{})
		return err
	}
	userTokenByHash := func(f *fixture, t store.Tx) error {
		_, _, err := t.UserTokenByHash(f.tokenHash)
		return err
	}
	liveMinted := func(f *fixture, t store.Tx) error {
		_, _, err := t.LiveMintedTokens(f.biz, now, store.Page{})
		return err
	}
	minted := func(f *fixture, t store.Tx) error {
		_, _, err := t.MintedToken(f.biz, f.minted)
		return err
	}
	audit := func(f *fixture, t store.Tx) error {
		return t.ListAudit(f.biz, store.AuditQuery{}, func(domain.AuditEvent) error { return nil })
	}
	appendAudit := func(f *fixture, t store.Tx) error { // appending reads the head
		return t.AppendAudit(f.biz, &domain.AuditEvent{ID: "evt_2", Business: "acme"})
	}
	head := func(f *fixture, t store.Tx) error {
		_, err := t.AuditHead(f.biz)
		return err
	}
	creators := func(f *fixture, t store.Tx) error {
		_, err := t.CreatorChain(f.biz, f.sa)
		return err
	}
	cases := []struct {
		table, column, set, where, value string
		readers                          []reader
	}{
		{"businesses", "created_at", "'garbage'", "id = 'biz_1'", `"garbage" as a time`, []reader{business}},
		{"businesses", "audit_head_seq", "'garbage'", "id = 'biz_1'", `"garbage" as an integer`, []reader{head, appendAudit}},
		{"principals", "created_at", "'garbage'", "id = 'sa_1'", `"garbage" as a time`, []reader{principal, principals}},
		{"principals", "updated_at", "'2026-11-24 09:00'", "id = 'sa_1'", `"2026-11-24 09:00" as a time`, []reader{principal, principals}},
		{"principals", "suspended_at", "'yesterday'", "id = 'sa_1'", `"yesterday" as a time`, []reader{principal}},
		{"principals", "archived_at", "42", "id = 'sa_1'", `"42" as a time`, []reader{principal}},
		{"principals", "last_used_at", "'garbage'", "id = 'sa_1'", `"garbage" as a time`, []reader{principal}},
		{"principals", "account_type", "'robot'", "id = 'sa_1'", `"robot" as an account type`, []reader{principal, principals, creators}},
		{"groups", "created_at", "'garbage'", "id = 'grp_1'", `"garbage" as a time`, []reader{group, groups}},
		{"groups", "updated_at", "'garbage'", "id = 'grp_1'", `"garbage" as a time`, []reader{group}},
		{"groups", "builtin", "'maybe'", "id = 'grp_1'", `"maybe" as a boolean`, []reader{group, groups}},
		{"groups", "protected", "7", "id = 'grp_1'", `7 as a boolean`, []reader{group}},
		{"group_permissions", "level", "'admin'", "group_id = 'grp_1'", `"admin" as a permission level`, []reader{group, effective}},
		{"api_keys", "created_at", "'garbage'", "id = 'key_1'", `"garbage" as a time`, []reader{keysOf, keyByHash, inventory}},
		{"api_keys", "expires_at", "'soon'", "id = 'key_1'", `"soon" as a time`, []reader{keysOf, keyByHash}},
		{"api_keys", "disabled_at", "'garbage'", "id = 'key_1'", `"garbage" as a time`, []reader{keysOf}},
		{"api_keys", "last_used_at", "'garbage'", "id = 'key_1'", `"garbage" as a time`, []reader{keysOf}},
		{"signing_keys", "created_at", "'garbage'", "id = 'sk_1'", `"garbage" as a time`, []reader{signingKeys}},
		{"signing_keys", "retired_at", "'garbage'", "id = 'sk_1'", `"garbage" as a time`, []reader{signingKeys}},
		{"user_tokens", "created_at", "'garbage'", "id = 'utk_1'", `"garbage" as a time`, []reader{userTokens, userTokenByHash}},
		{"user_tokens", "expires_at", "'garbage'", "id = 'utk_1'", `"garbage" as a time`, []reader{userTokens}},
		{"user_tokens", "revoked_at", "'garbage'", "id = 'utk_1'", `"garbage" as a time`, []reader{userTokens}},
		{"user_tokens", "last_used_at", "'garbage'", "id = 'utk_1'", `"garbage" as a time`, []reader{userTokenByHash}},
		{"minted_tokens", "issued_at", "'garbage'", "id = 'tok_1'", `"garbage" as a time`, []reader{liveMinted, minted}},
		{"minted_tokens", "expires_at", "'3000-01-01'", "id = 'tok_1'", `"3000-01-01" as a time`, []reader{liveMinted, minted}},
		{"minted_tokens", "revoked_at", "'garbage'", "id = 'tok_1'", `"garbage" as a time`, []reader{minted}},
		{"audit_events", "time", "'garbage'", "id = 'evt_1'", `"garbage" as a time`, []reader{audit}},
		{"audit_events", "details", "'{not json'", "id = 'evt_1'", `"{not json" as a JSON object`, []reader{audit}},
		{"audit_events", "details", "'[1]'", "id = 'evt_1'", `"[1]" as a JSON object`, []reader{audit}},
		{"audit_events", "actor_credential", "'garbage'", "id = 'evt_1'", `"garbage" as a JSON object`, []reader{audit}},
	}
	for _, c := range cases {
		t.Run(c.table+"."+c.column+"="+c.set, func(t *testing.T) {
			f := newFixture(t)
			f.handEdit(t, "UPDATE "+c.table+" SET "+c.column+" = "+c.set+" WHERE "+c.where)
			for i, read := range c.readers {
				err := f.st.Read(context.Background(), func(tx store.Tx) error { return read(f, tx) })
				if err == nil {
					t.Fatalf("reader %d: a hand-edited %s.%s reads without an error", i, c.table, c.column)
				}
				msg := err.Error()
				if !strings.HasPrefix(msg, c.table+"."+c.column+" of ") || !strings.HasSuffix(msg, "cannot parse "+c.value) {
					t.Errorf("reader %d: %q; want %s.%s of <row>: cannot parse %s", i, msg, c.table, c.column, c.value)
				}
				if k := domain.KindOf(err); k != domain.KindInternal {
					t.Errorf("reader %d: kind %s; a damaged file is no caller's mistake (internal)", i, k)
				}
			}
		})
	}
}

// The row is named by its id, so an operator can find it.
func TestHandEditedValueNamesTheRow(t *testing.T) {
	f := newFixture(t)
	f.handEdit(t, "UPDATE principals SET created_at = 'garbage' WHERE id = 'sa_1'")
	err := f.st.Read(context.Background(), func(tx store.Tx) error {
		_, _, err := tx.PrincipalByID(f.biz, f.sa)
		return err
	})
	if want := `principals.created_at of sa_1: cannot parse "garbage" as a time`; err == nil || err.Error() != want {
		t.Fatalf("error %v; want %s", err, want)
	}
	var bad *store.StoredValueError
	if !errors.As(err, &bad) || bad.Table != "principals" || bad.Column != "created_at" || bad.Row != "sa_1" {
		t.Fatalf("error %#v is not a store.StoredValueError naming the row", err)
	}
	// A long value is cut (R-CLI-4).
	f.handEdit(t, "UPDATE principals SET created_at = '"+strings.Repeat("x", 200)+"' WHERE id = 'sa_1'")
	err = f.st.Read(context.Background(), func(tx store.Tx) error {
		_, _, err := tx.PrincipalByID(f.biz, f.sa)
		return err
	})
	if err == nil || len(err.Error()) > 160 || !strings.Contains(err.Error(), "…") {
		t.Fatalf("a long stored value is quoted whole: %v", err)
	}
}
