package postgres

import (
	"context"
	"errors"
	"testing"

	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store"
)

// TestHandEditedValues checks R-DB-6 on PostgreSQL: what a hand edit can
// still make unparseable here (columns are typed, so a time cannot be
// "garbage") is an error naming the table, the column and the row, never
// a panic or a silent zero value: an enum or a level once its CHECK is
// dropped, JSON text that is not an object, a time that is infinite or
// past what sactl (and RFC 3339) can show.
func TestHandEditedValues(t *testing.T) {
	type reader func(t store.Tx) error
	principal := func(t store.Tx) error {
		_, _, err := t.PrincipalByID("biz_0", "sa_1")
		return err
	}
	principals := func(t store.Tx) error {
		_, _, err := t.ListPrincipals("biz_0", store.PrincipalFilter{IncludeOthers: true, IncludeArchived: true})
		return err
	}
	creators := func(t store.Tx) error {
		_, err := t.CreatorChain("biz_0", "sa_2")
		return err
	}
	group := func(t store.Tx) error {
		_, _, err := t.GroupByName("biz_0", "ops")
		return err
	}
	effective := func(t store.Tx) error {
		_, err := t.EffectivePermissions("sa_1")
		return err
	}
	audit := func(t store.Tx) error {
		return t.ListAudit("biz_0", store.AuditQuery{}, func(domain.AuditEvent) error { return nil })
	}
	business := func(t store.Tx) error {
		_, _, err := t.BusinessByID("biz_0")
		if err == nil {
			_, _, err = t.ListBusinesses(store.Page{})
		}
		return err
	}
	keys := func(t store.Tx) error {
		_, err := t.KeysOf("sa_1")
		if err == nil {
			_, err = t.KeyInventory("biz_0", store.InventoryQuery{})
		}
		return err
	}
	minted := func(t store.Tx) error {
		_, _, err := t.MintedToken("biz_0", "tok_2")
		return err
	}
	userTokens := func(t store.Tx) error {
		_, _, err := t.UserTokens("usr_1", store.Page{})
		return err
	}
	signing := func(t store.Tx) error {
		_, err := t.SigningKeys("biz_0")
		return err
	}
	dropCheck := func(table, column string) string {
		return "ALTER TABLE " + table + " DROP CONSTRAINT " + table + "_" + column + "_check"
	}
	cases := []struct {
		table, column, row, value string
		edits                     []string
		readers                   []reader
	}{
		{"principals", "account_type", "sa_1", `"robot" as an account type`,
			[]string{dropCheck("principals", "account_type"), "UPDATE principals SET account_type = 'robot' WHERE id = 'sa_1'"},
			[]reader{principal, principals, creators}},
		{"group_permissions", "level", "grp_2 (permission deals)", `"admin" as a permission level`,
			[]string{dropCheck("group_permissions", "level"), "UPDATE group_permissions SET level = 'admin' WHERE group_id = 'grp_2' AND perm_key = 'deals'"},
			[]reader{group, effective}},
		{"audit_events", "details", "evt_1", `"{not json" as a JSON object`,
			[]string{"ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update", "UPDATE audit_events SET details = '{not json' WHERE id = 'evt_1'"},
			[]reader{audit}},
		{"audit_events", "details", "evt_1", `"[1]" as a JSON object`,
			[]string{"ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update", "UPDATE audit_events SET details = '[1]' WHERE id = 'evt_1'"},
			[]reader{audit}},
		{"audit_events", "actor_credential", "evt_1", `"garbage" as a JSON object`,
			[]string{"ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update", "UPDATE audit_events SET actor_credential = 'garbage' WHERE id = 'evt_1'"},
			[]reader{audit}},
		{"audit_events", "time", "evt_1", `"infinity" as a time`,
			[]string{"ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update", "UPDATE audit_events SET time = 'infinity' WHERE id = 'evt_1'"},
			[]reader{audit}},
		{"businesses", "created_at", "biz_0", `"-infinity" as a time`,
			[]string{"UPDATE businesses SET created_at = '-infinity' WHERE id = 'biz_0'"}, []reader{business}},
		{"principals", "created_at", "sa_1", `"10000-01-01T00:00:00Z" as a time`,
			[]string{"UPDATE principals SET created_at = '10000-01-01 00:00:00+00' WHERE id = 'sa_1'"}, []reader{principal, principals}},
		{"principals", "archived_at", "sa_1", `"infinity" as a time`,
			[]string{"UPDATE principals SET archived_at = 'infinity' WHERE id = 'sa_1'"}, []reader{principal}},
		{"principals", "updated_at", "sa_1", `"-0001-01-01T00:00:00Z" as a time`, // 2 BC
			[]string{"UPDATE principals SET updated_at = '0002-01-01 00:00:00+00 BC' WHERE id = 'sa_1'"}, []reader{principal}},
		{"api_keys", "expires_at", "key_b", `"infinity" as a time`,
			[]string{"UPDATE api_keys SET expires_at = 'infinity' WHERE id = 'key_b'"}, []reader{keys}},
		{"minted_tokens", "expires_at", "tok_2", `"infinity" as a time`,
			[]string{"UPDATE minted_tokens SET expires_at = 'infinity' WHERE id = 'tok_2'"}, []reader{minted}},
		{"user_tokens", "last_used_at", "utk_2", `"-infinity" as a time`,
			[]string{"UPDATE user_tokens SET last_used_at = '-infinity' WHERE id = 'utk_2'"}, []reader{userTokens}},
		{"signing_keys", "retired_at", "sk_1", `"infinity" as a time`,
			[]string{"UPDATE signing_keys SET retired_at = 'infinity' WHERE id = 'sk_1'"}, []reader{signing}},
	}
	for _, c := range cases {
		t.Run(c.table+"."+c.column+"="+c.value, func(t *testing.T) {
			t.Parallel()
			st, url := openTest(t)
			fill(t, st)
			handEdit(t, url, c.edits...)
			for i, read := range c.readers {
				err := st.Read(context.Background(), func(tx store.Tx) error { return read(tx) })
				if err == nil {
					t.Fatalf("reader %d: a hand-edited %s.%s reads without an error", i, c.table, c.column)
				}
				want := c.table + "." + c.column + " of " + c.row + ": cannot parse " + c.value
				if err.Error() != want {
					t.Errorf("reader %d: %q\nwant %q", i, err, want)
				}
				var bad *store.StoredValueError
				if !errors.As(err, &bad) || bad.Table != c.table || bad.Column != c.column || bad.Row != c.row {
					t.Errorf("reader %d: %#v is not a store.StoredValueError naming the row", i, err)
				}
				if k := domain.KindOf(err); k != domain.KindInternal {
					t.Errorf("reader %d: kind %s; a damaged row is no caller's mistake (internal)", i, k)
				}
			}
		})
	}
}
