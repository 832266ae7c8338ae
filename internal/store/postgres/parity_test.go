package postgres

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store"
	"github.com/sactl/sactl/internal/store/pgtest"
	"github.com/sactl/sactl/internal/store/sqlite"
)

var t0 = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

// fill writes the same rows to any store: ties in creation time (insertion
// order decides), names whose bytewise order differs from a locale's, an
// email with capitals, humans sharing a name, archived accounts, keys and
// tokens in every state, and audit events of several actions and actors.
func fill(t *testing.T, st store.Store) {
	t.Helper()
	ctx := context.Background()
	later := t0.Add(time.Hour)
	archived := t0.Add(30 * time.Minute)
	used := t0.Add(10*time.Minute + 123456789) // nanoseconds: stored as microseconds
	err := st.Write(ctx, false, func(tx store.Tx) error {
		for i, name := range []string{"acme", "Zeta", "_under", "Äpfel", "beta"} {
			if err := tx.InsertBusiness(domain.Business{ID: fmt.Sprintf("biz_%d", i), Name: name, Domain: name + ".example",
				CreatedAt: t0.Add(time.Duration(i) * time.Second)}); err != nil {
				return err
			}
		}
		// The ends of what both can hold: the zero time, the last microsecond of 9999.
		if err := tx.InsertBusiness(domain.Business{ID: "biz_zero", Name: "zero", CreatedAt: time.Time{}}); err != nil {
			return err
		}
		if err := tx.InsertBusiness(domain.Business{ID: "biz_max", Name: "max",
			CreatedAt: time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)}); err != nil {
			return err
		}
		b := "biz_0"
		accounts := []domain.Account{
			{ID: "sa_3", AccountType: domain.TypeIntegration, Name: "Zapier Sync", APIName: "zapier-sync", Email: "zapier@x"},
			{ID: "sa_1", AccountType: domain.TypeIntegration, Name: "bot", APIName: "bot", Email: "Bot@Example.COM"},
			{ID: "sa_2", AccountType: domain.TypeAPIKey, Name: "Backup_Job", APIName: "backup_job", Email: "backup@x"},
			{ID: "sa_auto", AccountType: domain.TypeAutomation, Name: "Automation", APIName: "automation", Email: "auto@x"},
			{ID: "sa_old", AccountType: domain.TypeIntegration, Name: "bot", APIName: "bot-old", Email: "old@x", ArchivedAt: &archived},
			{ID: "usr_2", AccountType: domain.TypeHuman, Name: "Ada Lovelace", Email: "ada2@x"},
			{ID: "usr_1", AccountType: domain.TypeHuman, Name: "Ada Lovelace", Email: "Ada@x"},
			{ID: "usr_3", AccountType: domain.TypeHuman, Name: "Émile", Email: "emile@x", SuspendedAt: &archived},
		}
		for i, a := range accounts {
			a.CreatedAt, a.UpdatedAt, a.CreatedBy = t0, t0.Add(time.Duration(i)*time.Minute), "system"
			if a.ID == "sa_2" {
				a.CreatedBy = "sa_1"
				a.UpdatedAt = a.UpdatedAt.In(time.FixedZone("CET", 3600)) // stored, and read, as UTC
			}
			if a.ID == "sa_1" {
				a.CreatedBy = "sa_3"
			}
			if err := tx.InsertPrincipal(b, a); err != nil {
				return fmt.Errorf("%s: %w", a.ID, err)
			}
		}
		for _, g := range []domain.Group{
			{ID: "grp_2", Name: "ops", Permissions: domain.Permissions{"deals": domain.LevelEdit, "users": domain.LevelView}},
			{ID: "grp_1", Name: "Admins", Builtin: true, Protected: true, Permissions: domain.Permissions{"deals": domain.LevelRemove}},
			{ID: "grp_3", Name: "_misc", Permissions: domain.Permissions{}},
		} {
			g.CreatedAt, g.UpdatedAt = t0, t0
			if err := tx.InsertGroup(b, g); err != nil {
				return err
			}
		}
		for p, gs := range map[string][]string{"sa_1": {"grp_2", "grp_1"}, "sa_3": {"grp_2"}, "usr_1": {"grp_1", "grp_3"}, "sa_old": {"grp_2"}} {
			if err := tx.SetMembership(p, gs); err != nil {
				return err
			}
		}
		exp := later
		keys := []struct {
			owner string
			k     domain.Key
			hash  byte
		}{
			{"sa_1", domain.Key{ID: "key_b", Name: "second", Hint: "sak_…b", CreatedAt: t0, ExpiresAt: &exp}, 1},
			{"sa_1", domain.Key{ID: "key_a", Name: "first", Hint: "sak_…a", CreatedAt: t0}, 2},
			{"sa_1", domain.Key{ID: "key_c", Hint: "sak_…c", CreatedAt: t0.Add(-time.Hour), DisabledAt: &archived}, 3},
			{"sa_3", domain.Key{ID: "key_z", Hint: "sak_…z", CreatedAt: t0}, 4},
			{"sa_2", domain.Key{ID: "key_y", Hint: "sak_…y", CreatedAt: t0}, 5},
		}
		for _, k := range keys {
			k.k.CreatedBy = "system"
			var sealed []byte
			if k.hash == 2 {
				sealed = []byte("sealed")
			}
			if err := tx.InsertKey(b, k.owner, k.k, [32]byte{k.hash}, sealed); err != nil {
				return err
			}
		}
		if err := tx.TouchKey("key_a", "sa_1", used, time.Minute); err != nil {
			return err
		}
		if err := tx.DeleteKey("key_y", later); err != nil {
			return err
		}
		for i, u := range []domain.UserToken{
			{ID: "utk_2", Name: "laptop", Hint: "sau_…2", CreatedAt: t0},
			{ID: "utk_1", Name: "ci", Hint: "sau_…1", CreatedAt: t0, ExpiresAt: &exp},
		} {
			u.CreatedBy = "system"
			if err := tx.InsertUserToken(b, "usr_1", u, [32]byte{9, byte(i)}); err != nil {
				return err
			}
		}
		if err := tx.RevokeUserToken("utk_1", later); err != nil {
			return err
		}
		if err := tx.TouchUserToken("utk_2", used, time.Minute); err != nil {
			return err
		}
		if err := tx.InsertSigningKey(b, store.SigningKeyRow{ID: "sk_1", Sealed: []byte{1}, CreatedAt: t0}); err != nil {
			return err
		}
		if err := tx.InsertSigningKey(b, store.SigningKeyRow{ID: "sk_2", Sealed: []byte{2}, CreatedAt: later}); err != nil {
			return err
		}
		execution := "run-7"
		for _, m := range []store.MintedTokenRow{
			{TokenRecord: domain.TokenRecord{ID: "tok_2", IssuedAt: t0, ExpiresAt: later, CreatedBy: "system", Execution: &execution}},
			{TokenRecord: domain.TokenRecord{ID: "tok_1", IssuedAt: t0, ExpiresAt: later, CreatedBy: "system"}},
			{TokenRecord: domain.TokenRecord{ID: "tok_0", IssuedAt: t0.Add(-2 * time.Hour), ExpiresAt: t0.Add(-time.Hour), CreatedBy: "system"}},
		} {
			m.PrincipalID, m.SigningKey = "sa_1", "sk_2"
			if err := tx.InsertMintedToken(b, m); err != nil {
				return err
			}
		}
		if err := tx.RevokeMintedToken("tok_1", t0.Add(time.Minute), "sa_3"); err != nil {
			return err
		}
		if err := tx.PutWrappedDataKey(b, []byte("wrapped-0"), t0); err != nil {
			return err
		}
		if err := tx.PutWrappedDataKey("biz_1", []byte("wrapped-1"), t0); err != nil {
			return err
		}
		if err := tx.PutSetting(b, "max_keys", "3"); err != nil {
			return err
		}
		if err := tx.PutSetting(b, "max_keys", "4"); err != nil {
			return err
		}
		events := []struct {
			actor, actorType, action string
			cred                     *domain.ActorCredential
		}{
			{"system", "system", "service_account.created", nil},
			{"sa_1", "service_integration", "key.created", &domain.ActorCredential{Type: "api_key", ID: "key_a"}},
			{"local:ada", "local", "group.created", nil},
			{"sa_3", "SERVICE_integration", "Group.Updated", nil},
			{"usr_1", "human", "key_rotated", nil},
			{"sa_1", "service_integration", "key.deleted", nil},
		}
		for i, ev := range events {
			e := &domain.AuditEvent{ID: fmt.Sprintf("evt_%d", i), Time: t0.Add(time.Duration(i)*time.Minute + 999), Business: "acme",
				Actor:  domain.ActorRef{ID: ev.actor, Name: ev.actor, Type: ev.actorType, Credential: ev.cred},
				Action: ev.action, Target: domain.AuditTarget{Type: "account", ID: "sa_1", Name: "bot"},
				Details: map[string]any{"n": i, "nested": map[string]any{"b": true, "s": "x"}}}
			if i%2 == 1 {
				e.Target.ID = "sa_3"
			}
			if err := tx.AppendAudit(b, e); err != nil {
				return err
			}
		}
		return tx.AppendAudit("biz_1", &domain.AuditEvent{ID: "evt_z", Time: t0, Business: "Zeta",
			Actor: domain.ActorRef{ID: "system", Name: "sactl", Type: "system"}, Action: "business.created"})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// readers are every read of store.Tx over fill's rows, with the
// arguments that tell an order, a filter or a case apart.
func readers() map[string]func(store.Tx) (any, error) {
	b := "biz_0"
	two := func(v any, _ bool, err error) (any, error) { return v, err }
	audit := func(q store.AuditQuery) func(store.Tx) (any, error) {
		return func(tx store.Tx) (any, error) {
			var ids []string
			var evs []domain.AuditEvent
			err := tx.ListAudit(b, q, func(e domain.AuditEvent) error {
				ids = append(ids, e.ID)
				evs = append(evs, e)
				return nil
			})
			return []any{ids, evs}, err
		}
	}
	list := func(f store.PrincipalFilter) func(store.Tx) (any, error) {
		return func(tx store.Tx) (any, error) { return whole(tx.ListPrincipals(b, f)) }
	}
	cut := t0.Add(5 * time.Minute)
	return map[string]func(store.Tx) (any, error){
		"AuditHead":             func(tx store.Tx) (any, error) { return tx.AuditHead(b) },
		"AuditHead missing":     func(tx store.Tx) (any, error) { return tx.AuditHead("biz_none") },
		"ListAudit all":         audit(store.AuditQuery{}),
		"ListAudit account":     audit(store.AuditQuery{AccountID: "sa_3"}),
		"ListAudit actor":       audit(store.AuditQuery{ActorID: "sa_1"}),
		"ListAudit action":      audit(store.AuditQuery{Action: "key.created"}),
		"ListAudit action case": audit(store.AuditQuery{Action: "KEY.CREATED"}),
		"ListAudit prefix":      audit(store.AuditQuery{Action: "GROUP.*"}),
		"ListAudit dot":         audit(store.AuditQuery{Action: "key."}),
		"ListAudit underscore":  audit(store.AuditQuery{Action: "key_*"}),
		"ListAudit since":       audit(store.AuditQuery{Since: t0.Add(2*time.Minute + 999)}),
		"ListAudit until":       audit(store.AuditQuery{Until: t0.Add(2*time.Minute + 1999)}),
		"ListAudit service":     audit(store.AuditQuery{ServiceOnly: true}),
		"ListAudit limit":       audit(store.AuditQuery{Limit: 2}),
		"ListAudit limit big":   audit(store.AuditQuery{Limit: 200}),
		"ListAudit limit page":  audit(store.AuditQuery{Limit: 4, PageSize: 2}),
		"ListAudit after":       audit(store.AuditQuery{After: 2, PageSize: 3}),
		"ListAudit both":        audit(store.AuditQuery{After: 2, Limit: 3}),
		"BusinessByName":        func(tx store.Tx) (any, error) { return two(tx.BusinessByName("Zeta")) },
		"BusinessByName case":   func(tx store.Tx) (any, error) { return two(tx.BusinessByName("zeta")) },
		"BusinessByID":          func(tx store.Tx) (any, error) { return two(tx.BusinessByID("biz_3")) },
		"ListBusinesses":        func(tx store.Tx) (any, error) { return whole(tx.ListBusinesses(store.Page{})) },
		"Settings":              func(tx store.Tx) (any, error) { return tx.Settings(b) },
		"GroupPermissions":      func(tx store.Tx) (any, error) { return tx.GroupPermissions("grp_2") },
		"GroupByName":           func(tx store.Tx) (any, error) { return two(tx.GroupByName(b, "ADMINS")) },
		"GroupByName missing":   func(tx store.Tx) (any, error) { return two(tx.GroupByName(b, "nobody")) },
		"ListGroups":            func(tx store.Tx) (any, error) { return whole(tx.ListGroups(b, store.Page{})) },
		"Members":               func(tx store.Tx) (any, error) { return tx.Members(b, "grp_2") },
		"EffectivePermissions":  func(tx store.Tx) (any, error) { return tx.EffectivePermissions("sa_1") },
		"GroupsOf":              func(tx store.Tx) (any, error) { return tx.GroupsOf("usr_1") },
		"KeysOf":                func(tx store.Tx) (any, error) { return tx.KeysOf("sa_1") },
		"KeyInventory":          func(tx store.Tx) (any, error) { return tx.KeyInventory(b, store.InventoryQuery{}) },
		"KeyInventory unused":   func(tx store.Tx) (any, error) { return tx.KeyInventory(b, store.InventoryQuery{UnusedBefore: &cut}) },
		"KeyByHash": func(tx store.Tx) (any, error) {
			k, h, ok, err := tx.KeyByHash([32]byte{2})
			return []any{k, h, ok}, err
		},
		"KeyByHash missing": func(tx store.Tx) (any, error) {
			k, h, ok, err := tx.KeyByHash([32]byte{7})
			return []any{k, h, ok}, err
		},
		"SealedSecret":          func(tx store.Tx) (any, error) { return tx.SealedSecret("key_a") },
		"SealedSecret none":     func(tx store.Tx) (any, error) { return tx.SealedSecret("key_b") },
		"SealedSecret missing":  func(tx store.Tx) (any, error) { return tx.SealedSecret("key_none") },
		"DeletedKeyByHash":      func(tx store.Tx) (any, error) { return two(tx.DeletedKeyByHash([32]byte{5})) },
		"DeletedKeyByHash none": func(tx store.Tx) (any, error) { return two(tx.DeletedKeyByHash([32]byte{1})) },
		"WrappedDataKey":        func(tx store.Tx) (any, error) { return two(tx.WrappedDataKey(b)) },
		"WrappedDataKey none":   func(tx store.Tx) (any, error) { return two(tx.WrappedDataKey("biz_2")) },
		"WrappedDataKeys":       func(tx store.Tx) (any, error) { return tx.WrappedDataKeys() },
		"SigningKeys":           func(tx store.Tx) (any, error) { return tx.SigningKeys(b) },
		"LiveMintedTokens":      func(tx store.Tx) (any, error) { return whole(tx.LiveMintedTokens(b, t0, store.Page{})) },
		"MintedToken":           func(tx store.Tx) (any, error) { return two(tx.MintedToken(b, "tok_2")) },
		"MintedToken other biz": func(tx store.Tx) (any, error) { return two(tx.MintedToken("biz_1", "tok_2")) },
		"MintedTokenRevoked":    func(tx store.Tx) (any, error) { return tx.MintedTokenRevoked(b, "tok_1") },
		"MintedTokenRevoked no": func(tx store.Tx) (any, error) { return tx.MintedTokenRevoked(b, "tok_none") },
		"PrincipalByID":         func(tx store.Tx) (any, error) { return two(tx.PrincipalByID(b, "sa_1")) },
		"PrincipalByID other":   func(tx store.Tx) (any, error) { return two(tx.PrincipalByID("biz_1", "sa_1")) },
		"PrincipalByAPIName":    func(tx store.Tx) (any, error) { return two(tx.PrincipalByAPIName(b, "bot-old")) },
		"LiveServiceAccount":    func(tx store.Tx) (any, error) { return two(tx.LiveServiceAccountByName(b, "bot")) },
		"LiveUserByEmail":       func(tx store.Tx) (any, error) { return two(tx.LiveUserByEmail(b, "Ada@x")) },
		"LiveUserByEmail case":  func(tx store.Tx) (any, error) { return two(tx.LiveUserByEmail(b, "ada@x")) },
		"LiveUsersByName":       func(tx store.Tx) (any, error) { return tx.LiveUsersByName(b, "ada lovelace") },
		"Automation":            func(tx store.Tx) (any, error) { return two(tx.Automation(b)) },
		"List":                  list(store.PrincipalFilter{}),
		"List humans":           list(store.PrincipalFilter{Humans: true}),
		"List all":              list(store.PrincipalFilter{IncludeOthers: true, IncludeArchived: true}),
		"List archived":         list(store.PrincipalFilter{OnlyArchived: true}),
		"List group":            list(store.PrincipalFilter{GroupID: "grp_2", IncludeArchived: true}),
		"List prefix":           list(store.PrincipalFilter{Prefix: "B", IncludeOthers: true}),
		"List prefix email":     list(store.PrincipalFilter{Prefix: "bot@ex", IncludeOthers: true}),
		"List prefix word":      list(store.PrincipalFilter{Prefix: "Sync"}),
		"List prefix under":     list(store.PrincipalFilter{Prefix: "backup_"}),
		"List prefix percent":   list(store.PrincipalFilter{Prefix: "%"}),
		"List prefix accent":    list(store.PrincipalFilter{Prefix: "É", IncludeOthers: true}),
		"List limit":            list(store.PrincipalFilter{IncludeOthers: true, Page: store.Page{Limit: 3}}),
		"CountPrincipals":       func(tx store.Tx) (any, error) { return tx.CountPrincipals(b, domain.TypeHuman) },
		"CountServiceAccounts":  func(tx store.Tx) (any, error) { return tx.CountServiceAccounts(b) },
		"APINameTaken":          func(tx store.Tx) (any, error) { return tx.APINameTaken(b, "bot-old") },
		"APINameTaken no":       func(tx store.Tx) (any, error) { return tx.APINameTaken(b, "BOT") },
		"CreatorChain":          func(tx store.Tx) (any, error) { return tx.CreatorChain(b, "sa_2") },
		"UserTokenByHash":       func(tx store.Tx) (any, error) { return two(tx.UserTokenByHash([32]byte{9, 1})) },
		"UserTokens":            func(tx store.Tx) (any, error) { return whole(tx.UserTokens("usr_1", store.Page{})) },
		"CountUserTokens":       func(tx store.Tx) (any, error) { return tx.CountUserTokens(b) },
		// What PostgreSQL text cannot hold (a NUL, invalid UTF-8) matches
		// nothing, as on SQLite, instead of failing the query.
		"BusinessByName NUL":     func(tx store.Tx) (any, error) { return two(tx.BusinessByName("acme\x00")) },
		"PrincipalByID bad":      func(tx store.Tx) (any, error) { return two(tx.PrincipalByID(b, "sa_1\xff")) },
		"LiveUserByEmail NUL":    func(tx store.Tx) (any, error) { return two(tx.LiveUserByEmail(b, "Ada@x\x00")) },
		"GroupByName NUL":        func(tx store.Tx) (any, error) { return two(tx.GroupByName(b, "ops\x00")) },
		"APINameTaken NUL":       func(tx store.Tx) (any, error) { return tx.APINameTaken(b, "bot\x00") },
		"List prefix NUL":        list(store.PrincipalFilter{Prefix: "b\x00", IncludeOthers: true}),
		"ListAudit actor bad":    audit(store.AuditQuery{ActorID: "sa_1\xff"}),
		"ListAudit limit NUL":    audit(store.AuditQuery{ActorID: "\x00", Limit: 2}),
		"AuditHead NUL":          func(tx store.Tx) (any, error) { return tx.AuditHead("biz_0\x00") },
		"KeysOf NUL":             func(tx store.Tx) (any, error) { return tx.KeysOf("sa_1\x00") },
		"MintedTokenRevoked bad": func(tx store.Tx) (any, error) { return tx.MintedTokenRevoked(b, "tok_1\xff") },
	}
}

// TestSameAsSQLite runs every read over the same rows on both stores:
// the results, their order and their errors are the same (R-DB-4). The
// contract suite (internal/store/storetest) holds the rules; this holds
// the two stores to each other, method by method.
func TestSameAsSQLite(t *testing.T) {
	ctx := context.Background()
	lite, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "sactl.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	pg, _ := openTest(t)
	// One version numbering: a version names the same schema on both, and a
	// migration added to one backend needs its twin in the other.
	if a, b := must(t)(lite.Migrations(ctx)), must(t)(pg.Migrations(ctx)); !reflect.DeepEqual(a, b) {
		t.Fatalf("migrations: PostgreSQL %+v, SQLite %+v", b, a)
	}
	empty := filepath.Join(t.TempDir(), "new.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if a, b := must(t)(sqlite.Status(ctx, empty)), must(t)(Status(ctx, pgtest.URL(t))); !reflect.DeepEqual(a, b) {
		t.Fatalf("a new database: PostgreSQL %+v, SQLite %+v", b, a)
	}
	fill(t, lite)
	fill(t, pg)
	for name, read := range readers() {
		var want, got any
		var wantErr, gotErr error
		lite.Read(ctx, func(tx store.Tx) error { want, wantErr = read(tx); return nil })
		pg.Read(ctx, func(tx store.Tx) error { got, gotErr = read(tx); return nil })
		if fmt.Sprint(wantErr) != fmt.Sprint(gotErr) || errors.Is(wantErr, store.ErrUniqueViolation) != errors.Is(gotErr, store.ErrUniqueViolation) {
			t.Errorf("%s: error %v, SQLite's %v", name, gotErr, wantErr)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %+v\nwant %+v (SQLite)", name, got, want)
		}
	}
	// And after the writes that change or delete rows.
	write := func(st store.Store) error {
		return st.Write(ctx, false, func(tx store.Tx) error {
			n, err := tx.DeleteKeysOf("sa_1", t0.Add(2*time.Hour))
			if err != nil || n != 3 {
				return fmt.Errorf("DeleteKeysOf: %d, %v", n, err)
			}
			g, _, err := tx.GroupByName("biz_0", "ops")
			if err != nil {
				return err
			}
			g.Name, g.Permissions = "Operators", domain.Permissions{"x": domain.LevelNone}
			if err := tx.UpdateGroup(g); err != nil {
				return err
			}
			if err := tx.DeleteGroup("grp_3"); err != nil {
				return err
			}
			a, _, err := tx.PrincipalByID("biz_0", "sa_3")
			if err != nil {
				return err
			}
			a.Name, a.APIName, a.ArchivedAt = "Zapier", "zapier", &t0
			if err := tx.UpdatePrincipal(a); err != nil {
				return err
			}
			k := domain.Key{ID: "key_z"}
			if err := tx.UpdateKeyState(k); err != nil {
				return err
			}
			if err := tx.ReplaceWrappedDataKey("biz_0", []byte("rewrapped")); err != nil {
				return err
			}
			return tx.PruneMintedTokens("biz_0", t0)
		})
	}
	if err := write(lite); err != nil {
		t.Fatal(err)
	}
	if err := write(pg); err != nil {
		t.Fatal(err)
	}
	for name, read := range readers() {
		var want, got any
		var wantErr, gotErr error
		lite.Read(ctx, func(tx store.Tx) error { want, wantErr = read(tx); return nil })
		pg.Read(ctx, func(tx store.Tx) error { got, gotErr = read(tx); return nil })
		if fmt.Sprint(wantErr) != fmt.Sprint(gotErr) {
			t.Errorf("after writes, %s: error %v, SQLite's %v", name, gotErr, wantErr)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("after writes, %s:\n got %+v\nwant %+v (SQLite)", name, got, want)
		}
	}
}

// must(t)(v, err) is v, or the end of the test.
func must(t *testing.T) func(store.MigrationStatus, error) store.MigrationStatus {
	return func(v store.MigrationStatus, err error) store.MigrationStatus {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// whole drops a list's next-page cursor (the lists are read whole here).
func whole[T any](items []T, _ string, err error) ([]T, error) { return items, err }
