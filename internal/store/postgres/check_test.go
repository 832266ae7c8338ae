package postgres

import (
	"context"
	"fmt"
	"testing"
)

// Check (db check, R-DB-5) reports what a hand edit did to the schema and
// the rows it lets through, each as a line naming the table.
func TestCheck(t *testing.T) {
	cases := []struct {
		name        string
		edits       []string
		integrity   []string
		foreignKeys []string
	}{
		{name: "sound"},
		{name: "dropped check",
			edits:     []string{"ALTER TABLE principals DROP CONSTRAINT principals_account_type_check"},
			integrity: []string{"principals: constraint principals_account_type_check is missing (want check)"}},
		{name: "dropped not null",
			edits:     []string{"ALTER TABLE principals ALTER COLUMN name DROP NOT NULL"},
			integrity: []string{"principals: column name is text collate C, want text collate C not null"}},
		{name: "another collation",
			edits:     []string{`ALTER TABLE businesses ALTER COLUMN name TYPE text COLLATE "POSIX"`},
			integrity: []string{"businesses: column name is text collate POSIX not null, want text collate C not null"}},
		{name: "dropped unique index",
			edits:     []string{"DROP INDEX principals_live_name"},
			integrity: []string{"principals: index principals_live_name is missing (want unique (business_id, name_key) partial)"}},
		{name: "invalid index",
			edits: []string{"UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'principals_api_name'::regclass"},
			integrity: []string{"principals: index principals_api_name is unique (business_id, api_name) invalid, " +
				"want unique (business_id, api_name)"}},
		{name: "disabled append-only trigger",
			edits:     []string{"ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update"},
			integrity: []string{"audit_events: trigger audit_events_no_update is disabled, want enabled"}},
		{name: "dropped trigger",
			edits:     []string{"DROP TRIGGER audit_events_no_delete ON audit_events"},
			integrity: []string{"audit_events: trigger audit_events_no_delete is missing (want enabled)"}},
		{name: "schema version behind",
			edits:     []string{"DELETE FROM schema_migrations WHERE version = 9"},
			integrity: []string{"schema version 8, this sactl's is 9"}},
		{name: "dropped table",
			edits:     []string{"DROP TABLE settings"},
			integrity: []string{"table settings is missing"}},
		{name: "foreign key dropped, orphan written",
			edits: []string{"ALTER TABLE api_keys DROP CONSTRAINT api_keys_principal_id_fkey",
				`INSERT INTO api_keys (id, business_id, principal_id, hash, hint, created_at, created_by)
					VALUES ('key_orphan', 'biz_0', 'sa_gone', '\x99', 'h', now(), 'system')`},
			foreignKeys: []string{
				"api_keys: constraint api_keys_principal_id_fkey is missing (want foreign key (principal_id) references principals (id) on delete no action)",
				"api_keys row key_orphan refers to a missing principals row (principal_id sa_gone)"}},
		{name: "foreign key not validated",
			edits: []string{"ALTER TABLE principal_groups DROP CONSTRAINT principal_groups_group_id_fkey",
				"INSERT INTO principal_groups VALUES ('sa_1', 'grp_gone')",
				"ALTER TABLE principal_groups ADD CONSTRAINT principal_groups_group_id_fkey FOREIGN KEY (group_id) REFERENCES groups (id) ON DELETE CASCADE NOT VALID"},
			foreignKeys: []string{
				"principal_groups: constraint principal_groups_group_id_fkey is foreign key (group_id) references groups (id) on delete cascade not validated, " +
					"want foreign key (group_id) references groups (id) on delete cascade",
				"principal_groups row (sa_1, grp_gone) refers to a missing groups row (group_id grp_gone)"}},
		{name: "written as a replica",
			edits: []string{"SET session_replication_role = replica",
				"INSERT INTO settings VALUES ('biz_gone', 'k', 'v')"},
			foreignKeys: []string{"settings row (biz_gone, k) refers to a missing businesses row (business_id biz_gone)"}},
		{name: "foreign key triggers disabled",
			edits: []string{"ALTER TABLE user_tokens DISABLE TRIGGER ALL"},
			foreignKeys: []string{
				"user_tokens: a trigger enforcing constraint user_tokens_business_id_fkey is disabled, so it is not enforced",
				"user_tokens: a trigger enforcing constraint user_tokens_principal_id_fkey is disabled, so it is not enforced"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			st, url := openTest(t)
			fill(t, st)
			handEdit(t, url, c.edits...)
			res, err := st.Check(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprintf("%q", res.Integrity) != fmt.Sprintf("%q", c.integrity) {
				t.Errorf("integrity %q\n     want %q", res.Integrity, c.integrity)
			}
			if fmt.Sprintf("%q", res.ForeignKeys) != fmt.Sprintf("%q", c.foreignKeys) {
				t.Errorf("foreign keys %q\n        want %q", res.ForeignKeys, c.foreignKeys)
			}
		})
	}
}
