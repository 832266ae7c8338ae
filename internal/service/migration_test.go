package service

import (
	"testing"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
)

// TestMigration5OnAnExistingDatabase takes a database back to schema 4 (no
// created_by, no introspection permission, no actor_credential) and opens
// it again: migration 0005 recovers who created each principal from the
// audit log, so R-KEY-11's lineage holds for accounts made before it, and
// gives the built-in groups introspection (R-PERM-10).
func TestMigration5OnAnExistingDatabase(t *testing.T) {
	e := newEnv(t)
	maker := e.createSA("Maker", "admins")
	if _, err := e.as("maker").CreateAccount(e.ctx, api.CreateAccountRequest{Name: "Helper", Groups: []string{"admins"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.local.CreateUser(e.ctx, api.CreateUserRequest{Name: "Ada", Email: "ada@example.com"}); err != nil {
		t.Fatal(err)
	}
	e.st.Close()
	e.tamper(
		"DROP INDEX principals_by_creator",
		"ALTER TABLE principals DROP COLUMN created_by",
		"ALTER TABLE audit_events DROP COLUMN actor_credential",
		"DELETE FROM group_permissions WHERE perm_key = 'introspection'",
		// Undo 0009, 0008 and 0007 too (0007's table rebuild runs on either shape).
		"DROP TABLE account_admins",
		"DROP INDEX principals_by_creation",
		"DROP INDEX minted_tokens_by_issue",
		"ALTER TABLE businesses DROP COLUMN audit_head_seq",
		"ALTER TABLE businesses DROP COLUMN audit_head_hash",
		"PRAGMA user_version = 4",
	)
	st, err := openDB(e.ctx, e.db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e.st = st
	e.local = New(st, LocalActor("tester"), "", WithClock(e.clk.now), WithMasterKey(e.mk))

	for ref, want := range map[string]string{"maker": "local:tester", "helper": maker.ID, "automation": "system"} {
		if got := e.get(ref).CreatedBy; got != want {
			t.Errorf("%s: created_by = %q, want %q", ref, got, want)
		}
	}
	u, err := e.local.GetUser(e.ctx, "ada@example.com")
	if err != nil {
		t.Fatal(err)
	}
	var ada domain.Account
	if err := e.st.Read(e.ctx, func(tx txnStore) (err error) {
		ada, _, err = tx.PrincipalByID(mustBiz(t, e).ID, u.ID)
		return err
	}); err != nil || ada.CreatedBy != "local:tester" {
		t.Errorf("user created_by = %q (%v)", ada.CreatedBy, err)
	}
	for _, name := range []string{AdminsGroup, AutomationGroup} {
		g, err := e.local.GetGroup(e.ctx, name)
		if err != nil || g.Permissions[domain.PermIntrospection] != domain.LevelRemove {
			t.Errorf("%s: %v (%v)", name, g.Permissions, err)
		}
	}
	// The recovered lineage binds: the helper cannot rotate its creator's keys.
	_, err = e.as("helper").RotateKeys(e.ctx, api.RotateKeyRequest{Ref: "maker", Mutation: yes})
	wantKind(t, err, domain.KindForbidden)
	if chk := e.verifyAudit(e.local); !chk.OK {
		t.Fatalf("audit chain after migration: %+v", chk.Broken)
	}
}
